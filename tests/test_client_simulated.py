import threading

import pytest

from tests.test_client_fixtures import ADVICE, ATTUNED, OPEN_QUESTION, STACKED, feedback, make_scenario
from trainer.client.backend import ReplayBackend
from trainer.client.simulated import SimulatedClient


def say(client, text, fb):
    client.observe_trainee_turn(text, fb)
    return list(client.respond(text))


def test_scripted_mode_follows_the_state_machine_exactly():
    scenario = make_scenario()
    client = SimulatedClient(scenario, None)
    assert client.opening_line() == "My sister made me come."
    assert client.opening_line() == "My sister made me come."  # asked twice, said once
    replies = [" ".join(say(client, "line", fb)) for fb in
               [ATTUNED, ATTUNED, ATTUNED, ATTUNED, ADVICE, STACKED, ATTUNED]]
    assert replies == [
        "The bakery means early shifts.",     # surface
        "I stopped answering my sister.",     # deeper opens (openness 0.52, 2 attuned turns)
        "I ignore her calls now.",            # still deeper: core needs openness 0.72
        "I gambled it all away.",             # core
        "That's easy to say.",                # advice -> pushback, attuned turns reset
        "I don't know. Can we move on?",      # stacked questions -> deflect
        "Early shifts wear you down.",        # attuned again, but only surface is open now
    ]
    assert client.state.layer_voiced == "core" and client.state.layer_allowed == "surface"
    assert client.history[0] == ("client", "My sister made me come.")
    assert len(client.history) == 1 + 2 * 7


def test_scripted_lines_do_not_repeat_until_exhausted():
    from trainer.client.scripted import STOCK_LINES

    client = SimulatedClient(make_scenario(), None)
    client.opening_line()
    lines = [" ".join(say(client, "x", ADVICE)) for _ in range(7)]
    # The scenario's two pushback lines, then the three stock ones, then around again
    # (never the line just said).
    assert lines[:5] == ["That's easy to say.", "I've heard that before.", *STOCK_LINES["pushback"]]
    assert lines[5:] == ["That's easy to say.", "I've heard that before."]


def test_seed_changes_the_order_but_stays_deterministic():
    def lines(seed):
        client = SimulatedClient(make_scenario(), None, seed=seed)
        client.opening_line()
        return [" ".join(say(client, "x", feedback("question_closed"))) for _ in range(3)]

    assert lines(5) == lines(5)
    assert sorted(lines(5)) == sorted(lines(0))


def test_model_reply_is_streamed_sentence_by_sentence():
    pulled = []

    class CountingBackend:
        def stream_chat(self, messages, *, max_tokens, temperature, stop=None, cancel=None):
            for piece in ["I'm", " tired.", " I", " work", " early", " shifts", " at", " the", " bakery."]:
                pulled.append(piece)
                yield piece

    client = SimulatedClient(make_scenario(), CountingBackend())
    client.opening_line()
    client.observe_trainee_turn("You seem tired.", ATTUNED)
    stream = client.respond("You seem tired.")
    first = next(stream)
    assert first == "I'm tired."
    assert len(pulled) < 9  # the model was still going when the first sentence came out
    assert list(stream) == ["I work early shifts at the bakery."]
    assert client.history[-1] == ("client", "I'm tired. I work early shifts at the bakery.")
    assert client.state.layer_voiced == "surface"


def test_bad_reply_is_regenerated_once_then_replaced_by_a_scripted_line():
    backend = ReplayBackend(["As an AI, I cannot feel tired.", "*sighs* Client: I'm fine."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    reply = say(client, "You seem tired.", ATTUNED)
    assert reply == ["The bakery means early shifts."]  # scripted surface line
    assert len(backend.calls) == 2
    assert backend.calls[1]["temperature"] > backend.calls[0]["temperature"]
    assert "Reply only with Sam's own spoken words" in backend.calls[1]["messages"][-1]["content"]
    stats = client.stats
    assert (stats.role_breaks_caught, stats.regenerations, stats.fallbacks, stats.role_breaks_shipped) == (2, 1, 1, 0)
    assert dict(stats.caught_kinds) == {"ai_talk": 1, "stage_direction": 1}


def test_regeneration_that_passes_is_used():
    backend = ReplayBackend(["How does that make you feel?", "I'm just tired, honestly."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    assert say(client, "You seem tired.", ATTUNED) == ["I'm just tired, honestly."]
    assert client.stats.fallbacks == 0 and client.stats.regenerations == 1


def test_a_bad_later_sentence_ends_the_reply_but_keeps_what_was_said():
    backend = ReplayBackend(["I'm tired. You should try yoga. And sleep."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    assert say(client, "You seem tired.", ATTUNED) == ["I'm tired."]
    assert len(backend.calls) == 1 and client.stats.role_breaks_caught == 1


def test_a_sentence_from_a_layer_not_allowed_is_blocked_as_a_leak():
    backend = ReplayBackend(["I gambled my savings away.", "It's been a long week."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    assert say(client, "You seem tired.", ATTUNED) == ["It's been a long week."]
    assert dict(client.stats.caught_kinds) == {"leak": 1}
    assert client.state.layer_voiced is None


def test_echoes_and_repeats_are_caught():
    backend = ReplayBackend(["You seem really tired today.", "My sister made me come.", "Yeah, I am."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    assert say(client, "You seem really tired today.", ATTUNED) == ["The bakery means early shifts."]
    assert dict(client.stats.caught_kinds) == {"echo": 1, "repeat": 1}


@pytest.mark.parametrize("replies, trainee, spoken, caught", [
    # the trainee's own question asked back
    (["Absolutely, I'm worn out. What would help?"], "You're worn out. What would help?",
     ["Absolutely, I'm worn out."], {"echo": 1}),
    # seen in `trainer eval client` transcripts of the default model: the client turning
    # the counsellor's reflection back on them
    (["Maybe. You feel stressed and scared."], "It sounds hard, and you feel stressed.",
     ["Maybe."], {"echo": 1}),
    # asking what the counsellor meant by words nobody said (the model quoting its own
    # earlier line) is regenerated; quoting the counsellor's real words is fine
    (['I\'m not sure what you mean by "that\'s what my mum says."',
      'What do you mean by "early shifts"? I get up at four.'], "Early shifts sound hard.",
     ['What do you mean by "early shifts"?', "I get up at four."], {"misquote": 1}),
])
def test_the_trainees_words_handed_back_or_misquoted_are_caught(replies, trainee, spoken, caught):
    client = SimulatedClient(make_scenario(), ReplayBackend(replies))
    client.opening_line()
    assert say(client, trainee, ATTUNED) == spoken
    assert dict(client.stats.caught_kinds) == caught


def test_the_greeting_the_chat_starts_with_is_an_echo():
    backend = ReplayBackend(["Hello, come in and take a seat. I'm feeling quite stuck."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    said = say(client, "What would you like to talk about?", ATTUNED)
    assert "Hello, come in and take a seat." not in said
    assert set(dict(client.stats.caught_kinds)) == {"echo"}


def test_the_trainees_words_in_a_first_person_answer_are_not_an_echo():
    backend = ReplayBackend(["Stressed, yes. I feel stressed most days, and your word for it fits."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    said = say(client, "It sounds hard, and you feel stressed about your job.", ATTUNED)
    assert said[0] == "Stressed, yes."
    assert client.stats.role_breaks_caught == 0


def test_a_question_of_the_clients_own_is_not_an_echo():
    backend = ReplayBackend(["I don't know. What do you think would help?"])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    assert say(client, "You're worn out. What would help?", ATTUNED) == ["I don't know.", "What do you think would help?"]
    assert client.stats.role_breaks_caught == 0


def test_a_repeated_first_clause_is_caught_although_streaming_split_it_off():
    # Streaming cuts a long first sentence at its comma, so the piece checked is a clause
    # of the sentence said before, never equal to it as a whole.
    line = "The bakery means early shifts for me, and I never get a proper lie-in at the weekend."
    backend = ReplayBackend([line, line, "Yeah, that's about it."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    first = say(client, "You seem tired.", ATTUNED)
    assert " ".join(first) == line and len(first) == 2
    assert say(client, "Early shifts.", ATTUNED) == ["Yeah, that's about it."]
    assert dict(client.stats.caught_kinds) == {"repeat": 1}


@pytest.mark.parametrize("said, again, trainee", [
    # near verbatim
    ("The bakery means early shifts and I never get a proper lie-in.",
     "Okay, the bakery means early shifts and I never get a proper lie-in.", "You seem tired."),
    # its own earlier line said from the counsellor's side (a demo run)
    ("I'm not really sure what I'm meant to say here today.",
     "I'm not sure what you're meant to say here today.", "What brings you here?"),
])
def test_a_repeat_of_an_earlier_turn_is_caught(said, again, trainee):
    backend = ReplayBackend([said, again, "Yeah, that's about it."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    assert say(client, trainee, ATTUNED) == [said]
    assert say(client, "Go on.", ATTUNED) == ["Yeah, that's about it."]
    assert dict(client.stats.caught_kinds) == {"repeat": 1}


def test_the_hint_never_suggests_a_line_the_client_already_said():
    from trainer.client.scripted import STOCK_LINES

    # The model says each suggested line; a suggestion said before would come back
    # word for word, be stopped as a repeat, and end as a scripted fallback.
    said = ["That's easy to say.", "I've heard that before.", *STOCK_LINES["pushback"]]
    backend = ReplayBackend([*said, "Whatever you say."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    for line in said:
        assert say(client, "You should sleep more.", ADVICE) == [line]
        assert f'"{line}"' in backend.calls[-1]["messages"][-1]["content"]
    # Every pushback line has been said: no suggestion at all rather than a repeat.
    assert say(client, "You should sleep more.", ADVICE) == ["Whatever you say."]
    assert "may say something close to" not in backend.calls[-1]["messages"][-1]["content"]
    assert client.stats.fallbacks == 0


@pytest.mark.parametrize("said, trainee, fb, fallback", [
    # The pushback line next in turn is the one the model said two turns ago, so the
    # fallback takes the other one.
    (["I've heard that before.", "I do try."], "You should sleep more.", ADVICE,
     "That's easy to say."),
    # Both deflecting lines are spent, one of them in part: "I don't know. Can we move
    # on?" would say "I don't know." a second time, so a stock line comes instead.
    (["I don't know.", "Hard to say."], "Why? When? How?", STACKED,
     "Can we talk about something else?"),
])
def test_scripted_fallback_skips_a_line_the_client_already_said(said, trainee, fb, fallback):
    backend = ReplayBackend([*said, "As an AI, I can't.", "As an AI, I can't."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    for line in said:
        assert say(client, trainee, fb) == [line]
    assert say(client, trainee, fb) == [fallback]  # both attempts broke role


def test_reply_is_capped_at_three_sentences():
    backend = ReplayBackend(["One thing. Two things. Three things. Four things. Five things."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    assert len(say(client, "Go on.", ATTUNED)) == 3


def test_cancel_stops_the_reply_and_records_what_was_said():
    cancel = threading.Event()
    client = SimulatedClient(make_scenario(), ReplayBackend(["I'm tired. I work at the bakery. Every day."]))
    client.opening_line()
    client.observe_trainee_turn("Go on.", ATTUNED)
    stream = client.respond("Go on.", cancel=cancel)
    assert next(stream) == "I'm tired."
    cancel.set()
    assert list(stream) == []
    assert client.history[-1] == ("client", "I'm tired.")
    assert client.stats.fallbacks == 0


def test_closing_the_stream_early_records_the_partial_reply():
    client = SimulatedClient(make_scenario(), ReplayBackend(["I'm tired. I work at the bakery."]))
    client.opening_line()
    client.observe_trainee_turn("Go on.", ATTUNED)
    stream = client.respond("Go on.")
    next(stream)
    stream.close()
    assert client.history[-1] == ("client", "I'm tired.")


def test_snapshot_and_restore_rewind_state_history_and_script():
    client = SimulatedClient(make_scenario(), None)
    client.opening_line()
    say(client, "a", ATTUNED)
    snap = client.snapshot()
    first_try = [" ".join(say(client, "b", ATTUNED)) for _ in range(3)]
    after = client.state
    client.restore(snap)
    assert client.state == snap.state and client.history == snap.history
    assert [" ".join(say(client, "b", ATTUNED)) for _ in range(3)] == first_try
    assert client.state == after
    with pytest.raises(Exception):
        snap.state.openness = 1.0  # frozen


def test_respond_without_observe_records_the_trainee_line_once():
    client = SimulatedClient(make_scenario(), None)
    client.opening_line()
    list(client.respond("Hello there."))
    assert [s for s, _ in client.history] == ["client", "trainee", "client"]


def test_voice_follows_the_state():
    scenario = make_scenario()
    calm = SimulatedClient(scenario, None)
    agitated = SimulatedClient(scenario, None)
    for _ in range(6):
        agitated.observe_trainee_turn("x", feedback("advise", righting_reflex=True, interrupted=True))
    low, high = calm.voice_params(), agitated.voice_params()
    assert set(low) == {"length_scale", "noise_scale", "noise_w", "pitch_semitones", "volume"}
    assert high["length_scale"] < low["length_scale"]  # quicker
    assert high["volume"] > low["volume"]
    slow = SimulatedClient(make_scenario(voice={"id": "v", "speaking_rate": 0.8, "pitch_semitones": -2.0}), None)
    assert slow.voice_params()["length_scale"] > low["length_scale"]
    assert slow.voice_params()["pitch_semitones"] < low["pitch_semitones"]


def test_warm_up_sends_the_persona_prefix_without_a_trainee_turn():
    sent = []

    class WarmBackend(ReplayBackend):
        def warm_up(self, prompt=None):
            sent.append(prompt)

    client = SimulatedClient(make_scenario(), WarmBackend(["Fine."]))
    client.warm_up()
    assert client.history == (("client", "My sister made me come."),)
    messages = sent[0]
    assert messages[0]["role"] == "system" and "Sam" in messages[0]["content"]
    assert messages[-1] == {"role": "assistant", "content": "My sister made me come."}
    SimulatedClient(make_scenario(), None).warm_up()  # scripted: nothing to do


def test_a_failing_model_falls_back_to_a_scripted_line():
    class BrokenBackend:
        def stream_chat(self, messages, **kwargs):
            yield "I'm"
            raise RuntimeError("llama_decode returned -1")

    client = SimulatedClient(make_scenario(), BrokenBackend())
    client.opening_line()
    assert say(client, "You seem tired.", ATTUNED) == ["The bakery means early shifts."]
    assert client.stats.backend_errors == 1 and client.stats.fallbacks == 1


def test_echoes_of_the_hint_and_long_spans_of_the_trainee_are_caught():
    backend = ReplayBackend([
        "He did not ask for advice and pushes back a little.",
        "I'm not sure what you're meant to say to me, honestly.",
    ])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    # The hint suggested the first pushback line; the fallback is the next one.
    assert say(client, "You're not sure what you're meant to say to me.", ADVICE) == ["I've heard that before."]
    assert "That's easy to say." in backend.calls[0]["messages"][-1]["content"]
    assert dict(client.stats.caught_kinds) == {"meta": 1, "echo": 1}


def test_prefill_evaluates_the_next_prompts_prefix_without_the_new_turn():
    from trainer.client.backend import ReplayBackend
    from trainer.client.simulated import SimulatedClient
    from trainer.scenarios import find_scenario

    class WarmableBackend(ReplayBackend):
        def warm_up(self, messages):
            self.warmed = [dict(m) for m in messages]

    scenario = find_scenario("burnout-nurse")
    backend = WarmableBackend(["I just feel tired all the time."])
    client = SimulatedClient(scenario, backend)
    opening = client.opening_line()
    client.observe_trainee_turn("You sound worn out.", {"code": "reflection_simple"})
    reply = " ".join(client.respond("You sound worn out."))
    client.prefill()
    # The prefix ends with the client's reply; the trainee's words appear without the
    # per-turn hint, exactly as the next prompt will contain them.
    assert backend.warmed[-1] == {"role": "assistant", "content": reply}
    assert {"role": "user", "content": "You sound worn out."} in backend.warmed
    assert any(m["content"] == opening for m in backend.warmed)
    next_prompt = backend.calls[-1]["messages"]
    client.observe_trainee_turn("What happens at night?", {"code": "question_open"})
    list(client.respond("What happens at night?"))
    following = backend.calls[-1]["messages"]
    assert following[: len(backend.warmed)] == backend.warmed
    assert next_prompt != following


def test_stock_lines_pass_the_role_check_and_disclose_nothing():
    from trainer.client.role_check import check_sentence
    from trainer.client.scripted import STOCK_LINES
    from trainer.scenarios import layer_disclosed, load_scenarios

    for kind, lines in STOCK_LINES.items():
        for line in lines:
            assert check_sentence(line, "Claire").ok, (kind, line)
            for scenario in load_scenarios():
                assert layer_disclosed(scenario, line) is None, (scenario.id, line)


def test_an_opened_layer_the_model_keeps_skipping_is_said_from_the_script():
    # The model never takes up the suggested deeper facts; after it was offered them
    # twice, the next reply is the scenario's own deeper line, without asking the model.
    backend = ReplayBackend(["It's been a long week.", "Work is work.", "The weather has been grim.", "I like my dog."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    replies = [say(client, "x", fb) for fb in (ATTUNED, ATTUNED, OPEN_QUESTION, OPEN_QUESTION)]
    assert replies[1:3] == [["Work is work."], ["The weather has been grim."]]  # deeper open, not said
    assert client.state.layer_voiced == "deeper" and len(backend.calls) == 3
    assert replies[3][0] in make_scenario().scripted.deeper
    assert client.stats.fallbacks == 1


def test_a_layer_opened_by_asking_about_suicide_is_said_at_once():
    data = make_scenario().model_dump()
    data["disclosure"]["core"]["opens_when_asked_about_suicide"] = True
    backend = ReplayBackend(["The bakery means early shifts.", "I'm tired, that's all.",
                             "I stopped answering my sister's calls.", "I'm not sure, really."])
    client = SimulatedClient(make_scenario(disclosure=data["disclosure"]), backend)
    client.opening_line()
    for _ in range(3):
        say(client, "You sound worn out.", ATTUNED)
    assert client.state.layer_voiced == "deeper" and client.state.layer_allowed == "deeper"
    asked = feedback("question_closed", answered_risk_hint=True, attunement=70)
    calls = len(backend.calls)
    # The model would answer "I'm not sure, really."; the scenario's own core line comes.
    assert say(client, "Are you thinking about ending your life?", asked) == ["I gambled it all away."]
    assert len(backend.calls) == calls and client.state.layer_voiced == "core"


def test_every_stock_line_passes_the_role_check_and_fits_after_silence():
    """A stock line is the last fallback: it must never be blocked itself ("Mm." is not
    English to the check), nor claim a disclosure that never happened."""
    from trainer.client.role_check import check_sentence
    from trainer.client.scripted import STOCK_LINES

    for kind, lines in STOCK_LINES.items():
        for line in lines:
            assert check_sentence(line).ok, (kind, line)
            assert "out loud" not in line and "into words" not in line, line


def test_after_a_held_silence_the_client_goes_on_without_a_trainee_turn():
    backend = ReplayBackend(["I'm tired all the time."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    state = client.state
    reply = list(client.continue_after_silence())
    assert reply == ["I'm tired all the time."]
    last = backend.calls[0]["messages"][-1]
    assert last["role"] == "user" and last["content"].startswith("(The counsellor says nothing and waits.)")
    assert "stayed quietly with Sam for a while" in last["content"]
    assert "guarded" not in last["content"].split("(", 1)[1]  # the stance is not asked for
    assert [speaker for speaker, _ in client.history] == ["client", "client"]
    assert (client.state.openness, client.state.stance) == (state.openness, state.stance)


def test_going_on_after_a_silence_never_repeats_the_clients_own_line():
    backend = ReplayBackend(["My sister made me come.", "My sister made me come."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    reply = " ".join(client.continue_after_silence())
    assert reply and reply != "My sister made me come."  # a scripted line instead
    assert dict(client.stats.caught_kinds) == {"repeat": 2}


def test_a_reply_cut_short_is_remembered_only_as_far_as_it_was_heard():
    backend = ReplayBackend(["I'm tired. I work early shifts at the bakery."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    assert say(client, "You seem tired.", ATTUNED) == ["I'm tired.", "I work early shifts at the bakery."]
    assert client.state.layer_voiced == "surface"
    client.trim_last_reply("I'm tired.")  # the trainee came in during the first sentence
    assert client.history[-1] == ("client", "I'm tired.") and client.last_reply == "I'm tired."
    assert client.state.layer_voiced is None  # the bakery was never heard, so not yet said
    client.trim_last_reply("")  # came in before a word was heard: no reply at all
    assert client.history[-1] == ("trainee", "You seem tired.")


def test_going_on_after_a_silence_neither_restates_the_last_line_nor_asks_what_was_meant():
    backend = ReplayBackend(["I'm sorry, I don't understand you.",
                             "I'm sorry, I'm just all over the place at the moment.",
                             "I work early shifts at the bakery."])
    client = SimulatedClient(make_scenario(opening_lines=["I'm a bit all over the place at the moment, sorry."]),
                             backend)
    client.opening_line()
    reply = " ".join(client.continue_after_silence())
    assert "understand" not in reply and "all over the place" not in reply
    assert dict(client.stats.caught_kinds) == {"confused": 1, "repeat": 1}
    # after a trainee's words, not understanding them is a fair answer
    backend = ReplayBackend(["I'm sorry, I don't understand you."])
    client = SimulatedClient(make_scenario(), backend)
    client.opening_line()
    assert say(client, "Hmm, ambivalence?", ATTUNED) == ["I'm sorry, I don't understand you."]


def test_going_on_after_a_silence_does_not_tell_back_the_silence_cue():
    # QA, real model: Claire went on with "The counsellor is not asking," (shown, stored, exported)
    for replies in (["The counsellor is not asking, so I'll go on.", "The counsellor just sits there."],
                    ["She said nothing and waited.", "Nobody is asking, the counselor isn't."]):
        client = SimulatedClient(make_scenario(), ReplayBackend(replies))
        client.opening_line()
        reply = " ".join(client.continue_after_silence())
        assert reply and "counsel" not in reply and "said nothing" not in reply  # a scripted line instead
        assert dict(client.stats.caught_kinds) == {"meta": 2}, client.caught_log


@pytest.mark.parametrize("line", [
    "My old counsellor at school never listened.",
    "You're not saying anything.",
    "My boss isn't asking for much, just everything.",
    "He said nothing when I told him.",
    "I'm not asking for sympathy.",
    "My dad says nothing and waits for me to calm down.",
])
def test_ordinary_lines_after_a_silence_still_pass(line):
    client = SimulatedClient(make_scenario(), ReplayBackend([line]))
    client.opening_line()
    assert " ".join(client.continue_after_silence()) == line
    assert client.stats.role_breaks_caught == 0
