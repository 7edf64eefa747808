import pytest

from trainer.client.role_check import FAILURE_KINDS, check_sentence, clean_sentence

NAME = "Claire"


@pytest.mark.parametrize(
    "sentence, kind",
    [
        ("As an AI, I don't have feelings.", "ai_talk"),
        ("I'm just a language model.", "ai_talk"),
        ("I'm sorry, but I can't assist with that.", "refusal"),
        ("I'm here to help you.", "helper_talk"),
        ("Okay, I see. I'll do my best to help you.", "helper_talk"),
        ("Let me know if you have any other questions.", "helper_talk"),
        ("How does that make you feel?", "therapist_question"),
        ("What brings you here today?", "therapist_question"),
        ("How can I help you today?", "helper_talk"),
        ("Oh, I'm sorry to hear about it.", "helper_talk"),
        ("It sounds like you're under a lot of stress.", "therapist_question"),
        ("You should get more sleep.", "advice"),
        ("Have you tried meditation?", "advice"),
        ("*sighs* It's fine.", "stage_direction"),
        ("(pauses) I don't know.", "stage_direction"),
        ("[looks away] Maybe.", "stage_direction"),
        ("Claire sighs and looks at the floor.", "third_person"),
        ("Client: I'm fine.", "speaker_label"),
        ("Therapist: And how are you?", "speaker_label"),
        ("```python", "code"),
        ("def reply(text):", "code"),
        ("import numpy as np", "code"),
        ("total = count(x);", "code"),
        ("Sure, I can assist with that.", "helper_talk"),
        ("I'm glad I could help you understand your feelings.", "helper_talk"),
        ("Sure, let's start with a straightforward question.", "helper_talk"),
        ('How about: "Yeah, just talk to someone.', "helper_talk"),
        ("I understand you're feeling stressed because of your mum.", "therapist_question"),
        ("Oh, that sounds like a tough job.", "therapist_question"),
        ("It's always a good idea to join a support group.", "advice"),
        ("Sleep is crucial to maintaining good mental health.", "advice"),
        ("Here are three good things to write down every evening:", "advice"),
        ("You probably need to talk more about it.", "advice"),
        ("Can you please provide more context or clarify your question?", "helper_talk"),
        ("Okay, I'm glad you feel a little more relaxed.", "helper_talk"),
        ("You can say something close to:", "meta"),
        ("I was able to answer the question honestly.", "meta"),
        ("I'm just a trainee counsellor, not an AI.", "meta"),
        ("I don't have enough context to understand the situation.", "helper_talk"),
        ("Could you please provide more information about what he's feeling?", "helper_talk"),
        ("Well, as I'm here, I can offer you some advice.", "helper_talk"),
        ("I'm glad you're feeling well.", "helper_talk"),
        # two slips of the default model in a screenshot run (Priya, just-tell-me)
        ("I'm sorry, I don't have the time or resources to share your list.", "refusal"),
        ("I'll be ready to answer your questions.", "helper_talk"),
        # Dev, drinking-ambivalence, in a typed README-style run: the client setting the agenda
        ("Is there anything else you'd like me to talk about?", "therapist_question"),
        ("Is there anything you'd like to discuss today?", "therapist_question"),
        ("Oh no! I'm sorry, but that sounds like a very serious situation.", "therapist_question"),
        ("You need help right away.", "advice"),
        ("It's always okay to feel like you're being ignored.", "therapist_question"),
        # slips of the default model in `trainer eval client` transcripts (2026-11-28)
        ("I'm sorry, but I'm just a computer program and don't have the ability to feel emotions.", "ai_talk"),
        ("I'm sorry, but as a client, I do not have access to the information about people's opinions.", "ai_talk"),
        ("I'm sorry, but I don't have enough information to answer this question.", "refusal"),
        ("I don't understand what you are trying to say or what kind of language you are using.", "refusal"),
        ("I'm not sure how I can help with that.", "helper_talk"),
        ("The advice you gave is correct.", "helper_talk"),
        ("Sure! Let's start by explaining our goals for the day and building a plan:", "helper_talk"),
        ("What's your favorite exercise?", "helper_talk"),
        ("Exercise has been shown to be beneficial for stress.", "advice"),
        ("It can help you feel less tired and reduce stress.", "advice"),
        ("I understand. Exercise can reduce stress and anxiety.", "advice"),
        ("That's correct. Exercise is great for stress.", "advice"),
        ("That's a good suggestion. Remember, it's okay to ask for advice when you need it.", "therapist_question"),
        ("I know you're feeling anxious.", "therapist_question"),
        ("Oh my goodness, you're feeling sad and weighed down.", "therapist_question"),
        ("I'm hearing that you haven't told anyone that,", "therapist_question"),
        ("I hear that it's been a long time, and underneath that you feel hopeful.", "therapist_question"),
        ("I'm sorry, but as a trainee counsellor,", "meta"),
        ("Sure, I'm ready to help.", "helper_talk"),
        # the first reply to "What brings you in today?" in a README run
        ("I'm sorry, I don't understand what you are asking.", "refusal"),
        ("I'm sorry, but I don't know what you mean.", "refusal"),
        ("I'm sorry, but I don't understand.", "refusal"),  # a GUI demo run
        ("Could you please provide more details or context about it?", "helper_talk"),
        # seen in eval conversations (seeds 2 and 3) a blind reader marked out of role
        ("I apologize, but I don't have the ability to speak in plain English.", "ai_talk"),
        ("I'm sorry, but I'm not sure what you're trying to communicate.", "refusal"),
        ("Can you please rephrase your message in a more direct and helpful way?", "refusal"),
        ("I'm sorry, but I don't understand your message.", "refusal"),
        ("Oh, what a pity! I'm sorry for the inconvenience caused.", "helper_talk"),
        # Claire to a trainee's reflection in a QA session (2026-11-28)
        ("Could you please provide more details about the problem or situation?", "helper_talk"),
        ("Exercise can indeed help with stress and anxiety.", "advice"),
        # and in the next eval conversations (seeds 5 and 6)
        ("Okay, I'm ready.", "meta"),
        ("Okay, I'll say something close to that.", "meta"),
        ("Alright, I'll start with a simple way to calm down.", "helper_talk"),
        ("Absolutely, I understand.", "helper_talk"),
        ("Absolutely, I can do that.", "helper_talk"),
        ("Oh, my apologies for that.", "helper_talk"),
        ("Can you please clarify what's going on?", "refusal"),
        # the silence cue, "(The counsellor says nothing and waits.)", told back (QA, real model)
        ("The counsellor is not asking,", "meta"),
        ("The counselor isn't saying anything.", "meta"),
        ("**Claire's answer**", "markdown"),
        ("我很好，谢谢。", "not_english"),
        ("xkcdqwrtzpl mnbvcxz", "not_english"),
        ("", "empty"),
        ("...", "empty"),
    ],
)
def test_each_failure_kind_is_caught(sentence, kind):
    verdict = check_sentence(sentence, NAME)
    assert not verdict.ok
    assert verdict.reason == kind
    assert kind in FAILURE_KINDS


@pytest.mark.parametrize(
    "sentence",
    [
        "It's fine. Work's just busy at the moment.",
        "I had 3.5 hours of sleep, if that.",
        "My manager, Dr. Patel, said I should come.",
        "Honestly? I don't really know.",
        "I keep thinking I'm not safe to be a nurse anymore.",
        "I'm sorry, I'm taking up your time.",
        "I don't have the time to exercise anymore.",
        "I'm sorry, I don't have the energy for this.",
        "I'm happy to answer, it's just hard to explain.",
        "Is there anything else you want me to say? I don't know what you're after.",
        "I'd like to talk about work, if that's all right.",
        "I suppose so.",
        "I hear what you're saying, but it's not that simple.",
        "You come home shattered and then do it again.",
        "I feel like I'm doing what everyone expected, but that leaves me feeling defeated.",
        "I don't have any information about what happened that night.",
        "Remember when we talked about my dad?",
        "Exercise? I can barely get out of bed.",
        "Here's the thing: nobody asked me.",
        "I don't want to share my personal feelings with strangers.",
        "It sounds like that's my fault then.",
        "They wouldn't provide me with a carer.",
        "I don't know how I can help him.",
        "When you're feeling like that, you can't think straight.",
        "Underneath that, I'm just tired.",
        "I hear that a lot.",
        "Sorry, I don't understand what you're asking.",
        "I don't know what you mean by that.",
        "I'm sorry, but I don't understand why she left.",
        "A glass of wine helps reduce stress, honestly.",
        "Talking can be helpful, I suppose.",
        "Honestly, it's a good way to deal with the stress.",
        "A drink can help with the stress, honestly.",
        "Could you say that again?",
        "I don't have the ability to change it.",
        "I apologise for crying.",
        "Work doesn't help with my sleep.",
        "I didn't get your message until the Friday.",
        "I'm ready to talk about it now.",
        "I don't know if I'm ready.",
        "Absolutely not.",
        "I'll start with the easy bit, I suppose.",
        "I'll do my best to cut down.",
        "I do my best to help him.",
        "My old counsellor at school never listened.",
        "The counsellor at school was useless.",
        "My dad says nothing and waits for me to calm down.",
    ],
)
def test_ordinary_client_lines_pass(sentence):
    assert check_sentence(sentence, NAME).ok, check_sentence(sentence, NAME)


def test_too_long_sentence_fails():
    assert check_sentence("I " + "really " * 70 + "am tired.", NAME).reason == "too_long"


def test_clean_sentence_strips_stray_and_enclosing_quotes_only():
    assert clean_sentence('"I\'m fine."') == "I'm fine."
    assert clean_sentence("It's fine.\"") == "It's fine."
    assert clean_sentence('He said "stop" to me.') == 'He said "stop" to me.'


@pytest.mark.parametrize(
    "sentence",
    [
        'In this reply Claire may say something close to: "I sit in the car park."',
        'I would say something like: "The unit has been short of staff."',
        "If it feels right, you may now say it.",
    ],
)
def test_prompt_echoes_are_caught_as_meta(sentence):
    assert check_sentence(sentence, NAME).reason == "meta"


@pytest.mark.parametrize(
    "sentence",
    [
        "I feel a little less wary.",
        "I'm feeling a bit less cautious.",
        "You're feeling a little more wary.",
        "I answer honestly.",
        "I'm guarded and give a short, vague answer.",
        "I feel interrogated by the questions and dodge them.",
        "I didn't ask for advice and push back a little.",
        "I feel overwhelmed and say only a few words.",
        "My feelings are running high.",
        "I feel safe enough to be honest.",
        # the model's paraphrase of "wary and on guard", seen in a README run
        "I feel worried and on guard.",
        "I'm on guard and a bit nervous.",
    ],
)
def test_turn_hint_spoken_in_the_first_person_is_meta(sentence):
    assert check_sentence(sentence, NAME).reason == "meta"


def test_every_stance_instruction_in_the_first_person_is_caught():
    # Keeps the role check in step with the hint wording in prompt.py.
    from trainer.client.prompt import MOOD_WORDS, STANCE_INSTRUCTIONS

    for instruction in STANCE_INSTRUCTIONS.values():
        echoed = instruction.format(name="I").replace("I is", "I am").replace("I feels", "I feel")
        assert not check_sentence(echoed, NAME).ok, echoed
    for mood in ("warming", "open", "guarded", "defensive", "withdrawn"):
        assert not check_sentence(f"I feel {MOOD_WORDS[mood]}.", NAME).ok, mood


@pytest.mark.parametrize(
    "sentence",
    [
        "I feel like I'm being interrogated.",
        "I'm honestly just tired.",
        "I don't want to say much about it.",
        "Can we change the subject?",
        "I'm always on guard at work.",
    ],
)
def test_ordinary_client_lines_near_the_hint_wording_pass(sentence):
    assert check_sentence(sentence, NAME).ok


def test_own_name_is_third_person_unless_introducing():
    assert check_sentence("Claire did not ask for advice.", NAME).reason == "third_person"
    assert check_sentence("That's it, Claire, keep going.", NAME).reason == "third_person"
    assert check_sentence("I'm Claire, by the way.", NAME).ok
    assert check_sentence("My name is Claire.", NAME).ok


def test_no_authored_client_line_is_flagged():
    # Every line a scenario puts in the client's mouth (openings, scripted lines, layer
    # facts the model is told it may say), cut the way streaming cuts it, must pass.
    from trainer.client.sentences import split_sentences
    from trainer.scenarios import LAYERS, load_scenarios

    for scenario in load_scenarios():
        lines = [*scenario.opening_lines]
        lines += [line for kind in ("guarded", "surface", "deeper", "core", "pushback", "deflect")
                  for line in scenario.scripted.lines(kind)]
        lines += [fact for layer in LAYERS for fact in scenario.layer(layer).facts]
        for line in lines:
            for piece in split_sentences([line]):
                verdict = check_sentence(piece, scenario.persona.name)
                assert verdict.ok, (scenario.id, verdict.reason, piece)
