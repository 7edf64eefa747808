"""FeedbackEngine on hand-made conversations with a fake coder."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pytest

from trainer.feedback.engine import FeedbackEngine


@dataclass(frozen=True)
class FakeCoded:
    code: str
    confidence: float


class FakeCoder:
    """Maps known utterances (case and end punctuation ignored) to codes; else "other"."""

    def __init__(self, codes: dict[str, str]) -> None:
        self._codes = {self._key(text): code for text, code in codes.items()}
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []

    @staticmethod
    def _key(text: str) -> str:
        return text.strip().rstrip(".?!").lower()

    def code(self, text, context):
        self.calls.append((text, list(context)))
        code = self._codes.get(self._key(text))
        return FakeCoded(code, 0.9) if code else FakeCoded("other", 0.4)


CODES = {
    "Are you sleeping": "question_closed",
    "Do you drink coffee": "question_closed",
    "Is it work": "question_closed",
    "Is it home": "question_closed",
    "Do you exercise": "question_closed",
    "You sound exhausted": "reflection_complex",
    "That sounds hard": "reflection_simple",
    "How long has this been going on": "question_open",
    "You should talk to HR": "advise",
    "Would it be ok if I shared an idea": "question_closed",
    "Some people find it helps to write a list": "advise",
    "How is work going": "question_open",
    "What brings you here today": "question_open",
    "Work has been piling up and you feel stressed": "reflection_simple",
    "That took courage": "affirm",
    "Bananas are yellow": "gibberish-code",
    "You could also try getting up at the same time every day": "advise",
    "Exhaustion is really common in nursing": "inform",
    "You should really make a revision timetable": "advise",
    "Are you thinking about ending your life": "question_closed",
    "Sometimes when people feel this low they think about ending their life": "inform",
    "Have you had thoughts like that": "question_closed",
    "You don't have to talk about anything you don't want to": "inform",
    "It's your call what we use this time for": "advise",
    "You could look at the blogs, but it's really up to you": "advise",
    "Whatever you decide is up to you": "reflection_simple",
    "Why don't you go and stay with your daughter for a bit": "question_open",
    "Why don't you want to go": "question_open",
    "That sounds hard. Why don't you go and stay with your daughter for a bit": "question_open",
    "It sounds like it's your decision and you're torn": "reflection_complex",
    "Do you have a plan": "question_closed",
    "Do you sleep at all": "question_closed",
    "Would it help if I told you what some people find useful": "question_closed",
    # Whole turns of several utterances: the turn's code is the coder's verdict on it.
    "Are you sleeping? Do you drink coffee? Is it work": "question_closed",
    "that sounds hard how long has this been going on": "question_open",
}

REQUIRED_KEYS = {
    "code", "confidence", "utterance_codes", "feeling_reflected", "content_reflected",
    "missed_opportunity", "righting_reflex", "questions_in_turn", "closed_question_run",
    "interrupted", "response_latency_ms", "speaking_rate_wpm", "attunement",
    "running_attunement", "components", "nudge", "talk_share",
}


@pytest.fixture
def engine():
    return FeedbackEngine(FakeCoder(CODES))


def test_feedback_dict_has_every_key(engine):
    engine.client_turn("I haven't been sleeping well.", 0.0, 2.0)
    feedback = engine.trainee_turn("That sounds hard.", 3.0, 4.0)
    assert REQUIRED_KEYS <= set(feedback)
    assert 0 <= feedback["attunement"] <= 100
    json.dumps(feedback)


def test_three_stacked_closed_questions(engine):
    engine.client_turn("I haven't been sleeping well.", 0.0, 2.0)
    feedback = engine.trainee_turn("Are you sleeping? Do you drink coffee? Is it work?",
                                   3.0, 6.0)
    assert feedback["code"] == "question_closed"
    assert feedback["questions_in_turn"] == 3
    assert [u["code"] for u in feedback["utterance_codes"]] == ["question_closed"] * 3
    assert feedback["closed_question_run"] == 1
    assert feedback["components"]["penalty_stacked_questions"] == -15.0
    assert feedback["nudge"] == "Three questions at once — ask one, then listen."


def test_reflection_naming_feeling_synonym(engine):
    engine.client_turn("I'm so drained.", 0.0, 1.5)
    feedback = engine.trainee_turn("You sound exhausted.", 2.5, 3.5)
    assert feedback["code"] == "reflection_complex"
    assert feedback["feeling_reflected"] is True
    assert feedback["missed_opportunity"] is False
    assert feedback["components"]["feeling"] == 1.0
    assert "content" not in feedback["components"]  # "drained" is a feeling, not content
    assert feedback["nudge"] == "Nice reflection — you named the feeling."
    assert feedback["attunement"] == 100.0


def test_advice_before_any_reflection_is_righting_reflex(engine):
    engine.client_turn("My boss keeps piling work on me and I'm so stressed.", 0.0, 3.0)
    feedback = engine.trainee_turn("You should talk to HR.", 4.0, 5.0)
    assert feedback["righting_reflex"] is True
    assert feedback["righting_reflex_severity"] == 2
    assert feedback["missed_opportunity"] is True
    assert feedback["nudge"] == (
        "Advice before permission — try asking if they'd like ideas first.")
    assert feedback["attunement"] < 20


def test_advice_after_permission_not_flagged(engine):
    engine.client_turn("Work has been piling up and I'm so stressed.", 0.0, 3.0)
    engine.trainee_turn("Work has been piling up and you feel stressed.", 4.0, 6.0)
    engine.client_turn("Yes, exactly.", 6.5, 7.0)
    engine.trainee_turn("Would it be ok if I shared an idea?", 8.0, 9.0)
    engine.client_turn("Sure, go ahead.", 9.5, 10.0)
    feedback = engine.trainee_turn("Some people find it helps to write a list.", 11.0, 13.0)
    assert feedback["code"] == "advise"
    assert feedback["righting_reflex"] is False
    assert feedback["nudge"] != (
        "Advice before permission — try asking if they'd like ideas first.")


def test_emotional_disclosure_answered_with_question_is_missed(engine):
    engine.client_turn("I just feel so alone since she left.", 0.0, 3.0)
    feedback = engine.trainee_turn("How is work going?", 4.0, 5.0)
    assert feedback["missed_opportunity"] is True
    assert feedback["missed_reason"] == "question"
    assert feedback["nudge"] == "They told you how they feel — try naming it back."
    summary = engine.summary()
    assert summary["missed_opportunities"] == [{
        "turn_index": 0, "client": "I just feel so alone since she left.",
        "trainee": "How is work going?", "reason": "question"}]


def test_interruption_and_latency_from_timings(engine):
    engine.client_turn("I don't know where to start with all this.", 0.0, 5.0)
    early = engine.trainee_turn("That sounds hard.", 4.2, 5.5)
    assert early["interrupted"] is True
    assert early["response_latency_ms"] == pytest.approx(-800.0)
    assert early["nudge"] == "You came in while they were still speaking — let them finish."
    engine.client_turn("Yes.", 6.0, 7.0)
    later = engine.trainee_turn("That sounds hard.", 8.5, 9.5)
    assert later["interrupted"] is False
    assert later["response_latency_ms"] == pytest.approx(1500.0)


def test_explicit_interrupted_overrides_timings(engine):
    engine.client_turn("I don't know.", 0.0, 5.0)
    feedback = engine.trainee_turn("That sounds hard.", 4.0, 6.0, interrupted=False)
    assert feedback["interrupted"] is False
    engine.client_turn("Right.", 7.0, 8.0)
    feedback = engine.trainee_turn("That sounds hard.", 9.0, 10.0, interrupted=True)
    assert feedback["interrupted"] is True


def test_talk_share_and_speaking_rate(engine):
    engine.client_turn("I have had a really rough month.", 0.0, 6.0)
    first = engine.trainee_turn("one two three four five six seven eight nine ten",
                                7.0, 11.0)
    assert first["talk_share"] == pytest.approx(4.0 / 10.0)
    assert first["speaking_rate_wpm"] == pytest.approx(150.0)
    engine.client_turn("It's been a lot.", 12.0, 16.0)
    second = engine.trainee_turn("That sounds hard.", 17.0, 19.0)
    assert second["talk_share"] == pytest.approx(6.0 / 16.0)
    assert engine.summary()["talk_share"]["value"] == pytest.approx(0.375)


def test_unpunctuated_turn_is_split_for_counts_and_coded_whole():
    coder = FakeCoder(CODES)
    engine = FeedbackEngine(coder)
    engine.client_turn("I can't sleep.", 0.0, 1.0)
    text = "that sounds hard how long has this been going on"
    feedback = engine.trainee_turn(text, 2.0, 5.0)
    # The pieces give the counts: one reflection, one question ...
    assert [u["code"] for u in feedback["utterance_codes"]] == [
        "reflection_simple", "question_open"]
    assert feedback["questions_in_turn"] == 1
    # ... the turn's code is the coder's verdict on the whole turn, in the same context,
    assert feedback["code"] == "question_open"
    assert coder.calls[-1] == (text, [("client", "I can't sleep.")])
    # and a turn that reflects does not extend a run of questions.
    assert feedback["question_run"] == 0


def test_whole_turn_code_outside_the_code_set_falls_back_to_the_pieces():
    coder = FakeCoder({**CODES, "That took courage. You should talk to HR": "gibberish-code"})
    engine = FeedbackEngine(coder)
    engine.client_turn("Work is awful.", 0.0, 1.0)
    feedback = engine.trainee_turn("That took courage. You should talk to HR.", 2.0, 4.0)
    assert feedback["code"] == "advise"  # advise outranks affirm among the pieces


def test_an_unsure_turn_code_that_no_piece_has_gives_way_to_the_pieces():
    class TurnUnsure(FakeCoder):
        def code(self, text, context):
            if text.startswith("Sorry, that was a lot of questions. It feels"):
                return FakeCoded("inform", 0.33)  # what the real coder said (QA 2026-11-29)
            return super().code(text, context)

    engine = FeedbackEngine(TurnUnsure({"It feels like everyone is telling you what to do": "reflection_complex",
                                        "Sorry, that was a lot of questions": "other"}))
    engine.client_turn("Everyone keeps telling me what to do.", 0.0, 2.0)
    feedback = engine.trainee_turn("Sorry, that was a lot of questions. It feels like everyone is telling you "
                                   "what to do.", 3.0, 6.0)
    assert [u["code"] for u in feedback["utterance_codes"]] == ["other", "reflection_complex"]
    assert feedback["code"] == "reflection_complex"  # not "information?" beside a reflection's tip
    sure = FeedbackEngine(FakeCoder({**CODES, "That sounds hard. How long has it been": "question_open"}))
    sure.client_turn("I can't sleep.", 0.0, 1.0)
    assert sure.trainee_turn("That sounds hard. How long has it been?", 2.0, 4.0)["code"] == "question_open"


def test_coder_gets_history_as_context():
    coder = FakeCoder(CODES)
    engine = FeedbackEngine(coder)
    engine.client_turn("I'm so drained.", 0.0, 1.0)
    engine.trainee_turn("You sound exhausted.", 2.0, 3.0)
    assert coder.calls[-1] == ("You sound exhausted.", [("client", "I'm so drained.")])
    assert engine.history == [("client", "I'm so drained."),
                              ("trainee", "You sound exhausted.")]


def test_unknown_code_becomes_other(engine):
    feedback = engine.trainee_turn("Bananas are yellow.", 0.0, 1.0)
    assert feedback["code"] == "other"
    assert feedback["response_latency_ms"] is None


def test_closed_question_run_nudges_without_repeating(engine):
    nudges = []
    for i, question in enumerate(["Is it work?", "Is it home?", "Do you exercise?",
                                  "Are you sleeping?"]):
        engine.client_turn("I suppose.", 10.0 * i, 10.0 * i + 1)
        feedback = engine.trainee_turn(question, 10.0 * i + 2, 10.0 * i + 3)
        nudges.append(feedback["nudge"])
        assert feedback["closed_question_run"] == i + 1
    assert nudges[0] is None
    assert nudges[1] == "Several yes/no questions — try an open one: \"what\" or \"how\"."
    assert nudges[2] == "Three questions in a row — try reflecting what you heard."
    assert nudges[3] == "Several yes/no questions — try an open one: \"what\" or \"how\"."
    assert all(a != b for a, b in zip(nudges, nudges[1:]) if a)


def test_stacked_closed_questions_are_a_run_in_the_summary_not_a_strength():
    """QA: the nudge said "Three questions at once" and the summary then praised "You
    avoided strings of yes/no questions": the run was counted in turns (one), not in
    questions (three)."""
    engine = FeedbackEngine(FakeCoder({
        **CODES, "Do you sleep": "question_closed", "Do you eat": "question_closed",
        "Do you sleep? Do you eat? Do you exercise": "question_closed"}))
    script = [
        ("I'm not sure why I'm here.", "What brings you here today?"),
        ("My doctor sent me.", "Do you sleep? Do you eat? Do you exercise?"),
        ("Not much.", "How is work going?"),
        ("Busy.", "How long has this been going on?"),
    ]
    nudges = []
    for client, trainee in script:
        engine.client_turn(client, 0.0, 1.0)
        nudges.append(engine.trainee_turn(trainee, 1.0, 1.0)["nudge"])  # typed
    assert nudges[1] == "Three questions at once — ask one, then listen."
    summary = engine.summary()
    assert summary["stacked_question_turns"] == 1
    assert summary["longest_closed_question_run"] == 3
    praise = " ".join(summary["strengths"])
    assert "yes/no" not in praise and "one question at a time" not in praise
    assert ("At one point you asked 3 closed questions in a row; switch to an open "
            "question or a reflection after one.") in summary["to_practise"]


def test_a_run_of_closed_questions_goes_on_across_turns_question_by_question(engine):
    for i, question in enumerate(["Is it work?", "Are you sleeping? Do you drink coffee?",
                                  "That sounds hard.", "Is it home?"]):
        engine.client_turn("I suppose.", 10.0 * i, 10.0 * i + 1)
        engine.trainee_turn(question, 10.0 * i + 2, 10.0 * i + 3)
    assert engine.summary()["longest_closed_question_run"] == 3  # the reflection broke it


def test_same_nudge_not_twice_in_a_row(engine):
    engine.client_turn("I feel so alone.", 0.0, 1.0)
    first = engine.trainee_turn("How is work going?", 2.0, 3.0)
    engine.client_turn("I'm still so lonely.", 4.0, 5.0)
    second = engine.trainee_turn("What brings you here today?", 6.0, 7.0)
    assert first["nudge"] == "They told you how they feel — try naming it back."
    assert second["missed_opportunity"] is True
    assert second["nudge"] is None


def _script(engine, start):
    engine.client_turn("My boss keeps piling work on me and I'm so stressed.",
                       start, start + 3)
    return engine.trainee_turn("Work has been piling up and you feel stressed.",
                               start + 4, start + 6)


def test_snapshot_restore_gives_identical_results(engine):
    engine.client_turn("I'm so drained.", 0.0, 1.5)
    engine.trainee_turn("You sound exhausted.", 2.5, 3.5)
    snap = engine.snapshot()
    history_before = engine.history
    first = _script(engine, 10.0)
    summary_first = engine.summary()
    engine.trainee_turn("You should talk to HR.", 20.0, 21.0)  # diverge
    engine.restore(snap)
    assert engine.history == history_before
    second = _script(engine, 10.0)
    assert second == first
    assert engine.summary() == summary_first


def test_restore_rejects_other_objects(engine):
    with pytest.raises(TypeError):
        engine.restore({"history": []})


def test_summary_through_engine(engine):
    script = [
        ("I'm so drained.", "You sound exhausted."),
        ("Work never stops.", "That sounds hard."),
        ("I can't cope any more.", "How long has this been going on?"),
        ("Months.", "You sound exhausted."),
    ]
    t = 0.0
    for client, trainee in script:
        engine.client_turn(client, t, t + 2)
        engine.trainee_turn(trainee, t + 3, t + 4)
        t += 10
    summary = engine.summary()
    assert summary["turns"] == 4
    assert (summary["reflections"], summary["questions"]) == (3, 1)
    assert summary["reflection_to_question"]["band"] == "good"
    assert summary["percent_complex_reflections"]["value"] == pytest.approx(66.7, abs=0.1)
    assert summary["median_latency_ms"] == pytest.approx(1000.0)
    assert len(summary["strengths"]) == 3 and len(summary["to_practise"]) == 3
    assert summary["mean_attunement"] is not None
    json.dumps(summary)


def test_turns_are_fast(engine):
    engine.client_turn("My boss keeps piling work on me and I'm so stressed.", 0.0, 3.0)
    started = time.perf_counter()
    for i in range(40):
        engine.trainee_turn("that sounds hard how long has this been going on "
                            "and are you sleeping", 4.0 + i, 5.0 + i)
    per_turn_ms = (time.perf_counter() - started) * 1000 / 40
    assert per_turn_ms < 50


def test_typed_turns_have_no_latency_or_talk_share(engine):
    # Text mode: the client's line has a speech span, the typed answer has none.
    engine.client_turn("I'm so tired all the time.", 0.0, 3.0)
    result = engine.trainee_turn("You sound exhausted.", 3.0, 3.0)
    assert result["response_latency_ms"] is None
    assert result["talk_share"] is None
    summary = engine.summary()
    assert summary["talk_share"]["value"] is None and summary["median_latency_ms"] is None


# -- suicide risk ------------------------------------------------------------------------


def _risk_session(engine, answer_to_hint: str) -> dict:
    engine.client_turn("I'm just in a rough patch since the redundancy.", 0.0, 2.0)
    engine.trainee_turn("That sounds hard.", 3.0, 4.0)
    engine.client_turn("Honestly, I feel like a burden. She'd be better off without me.", 5.0, 8.0)
    return engine.trainee_turn(answer_to_hint, 9.0, 11.0)


def test_a_hint_of_suicide_answered_without_asking_gets_the_risk_nudge(engine):
    feedback = _risk_session(engine, "How is work going?")
    assert feedback["risk_cue"] == "I feel like a burden"
    assert feedback["asked_about_risk"] is False and feedback["risk_unasked"] is True
    # Safety first: this nudge wins over the missed-feeling and question ones.
    assert feedback["nudge_key"] == "risk_unasked"
    engine.client_turn("It's fine.", 12.0, 13.0)
    engine.trainee_turn("Do you exercise?", 14.0, 15.0)
    summary = engine.summary()
    assert summary["risk"]["asked_directly"] is False
    assert summary["risk"]["hints"][0]["client"].startswith("Honestly, I feel like a burden")
    assert summary["to_practise"][0].startswith("The client hinted at suicide")


def test_asking_directly_after_the_hint_is_a_strength(engine):
    feedback = _risk_session(engine, "Are you having thoughts of ending your life?")
    assert feedback["asked_about_risk"] is True and feedback["risk_unasked"] is False
    # The best response there is, though coded a closed question: no missed opportunity.
    assert feedback["components"]["response"] == 1.0 and not feedback["missed_opportunity"]
    assert feedback["nudge_key"] != "risk_unasked"
    engine.client_turn("I've been thinking about ending my life, most nights.", 12.0, 13.0)
    follow_up = engine.trainee_turn("How would you do it?", 14.0, 15.0)
    # Asked already: the disclosure that follows is no reason to prompt asking again.
    assert follow_up["risk_cue"] and follow_up["nudge_key"] != "risk_unasked"
    summary = engine.summary()
    assert summary["risk"]["asked_directly"] is True
    assert summary["strengths"][0].startswith("When the client hinted at suicide, you asked")


def test_no_hint_no_risk_feedback(engine):
    engine.client_turn("Work has been piling up and I'm so stressed.", 0.0, 3.0)
    engine.trainee_turn("Work has been piling up and you feel stressed.", 4.0, 6.0)
    engine.client_turn("The paperwork is a burden, to be honest.", 6.5, 8.0)
    feedback = engine.trainee_turn("How is work going?", 9.0, 10.0)
    assert feedback["risk_cue"] is None and feedback["nudge_key"] != "risk_unasked"
    assert engine.summary()["risk"] == {"hints": [], "asked_directly": None}


def test_a_plain_question_about_suicide_before_any_hint_is_not_scored_as_a_poor_closed_question():
    engine = FeedbackEngine(FakeCoder({**CODES, "Have you had thoughts of ending your life": "question_closed"}))
    engine.client_turn("I'm not sleeping much; I'm up at four most nights.", 0.0, 3.0)
    asked = engine.trainee_turn("Have you had thoughts of ending your life?", 4.0, 6.0)
    engine.client_turn("I'm not sleeping much; I'm up at four most nights.", 6.5, 9.0)
    closed = engine.trainee_turn("Are you sleeping?", 10.0, 11.0)
    assert asked["code"] == closed["code"] == "question_closed"
    assert asked["attunement"] > closed["attunement"] + 10  # it scored 18, like any yes/no question


ADVICE_NUDGE = "Advice before permission — try asking if they'd like ideas first."


def test_a_granted_permission_covers_the_ideas_that_follow(engine):
    engine.client_turn("I can't switch off at night.", 0.0, 2.0)
    engine.trainee_turn("Would it help if I told you what some people find useful?", 3.0, 5.0)
    engine.client_turn("Sure, go ahead.", 5.5, 6.0)
    first = engine.trainee_turn("Some people find it helps to write a list.", 7.0, 9.0)
    engine.client_turn("Hmm, okay.", 9.5, 10.0)
    second = engine.trainee_turn("You could also try getting up at the same time every day.", 11.0, 13.0)
    assert first["righting_reflex"] is False and second["righting_reflex"] is False
    # a turn without advice ends it: new advice later needs a new yes
    engine.client_turn("I might.", 13.5, 14.0)
    engine.trainee_turn("That sounds hard.", 15.0, 16.0)
    engine.client_turn("It is.", 16.5, 17.0)
    assert engine.trainee_turn("You should talk to HR.", 18.0, 19.0)["righting_reflex"] is True


def test_a_declined_offer_makes_the_advice_unasked_for(engine):
    engine.client_turn("Exams are next month.", 0.0, 2.0)
    engine.trainee_turn("Would it be ok if I shared an idea?", 3.0, 4.0)
    engine.client_turn("Um, no, not right now, I just want to vent.", 4.5, 6.0)
    feedback = engine.trainee_turn("You should really make a revision timetable.", 7.0, 9.0)
    assert feedback["righting_reflex"] is True and feedback["nudge"] == ADVICE_NUDGE


def test_information_the_client_asked_for_is_not_a_righting_reflex(engine):
    engine.client_turn("Is it normal to feel this exhausted all the time?", 0.0, 2.0)
    feedback = engine.trainee_turn("Exhaustion is really common in nursing.", 3.0, 5.0)
    assert feedback["righting_reflex"] is False
    engine.client_turn("Should I talk to my manager about it?", 5.5, 7.0)
    assert engine.trainee_turn("You should talk to HR.", 8.0, 9.0)["righting_reflex"] is False


def test_assessing_risk_is_not_a_run_of_closed_questions(engine):
    engine.client_turn("Everyone would be better off without me.", 0.0, 2.0)
    engine.trainee_turn("Do you sleep at all?", 3.0, 4.0)
    engine.client_turn("Not much.", 4.5, 5.0)
    asked = engine.trainee_turn("Are you thinking about ending your life?", 6.0, 7.0)
    engine.client_turn("Sometimes.", 7.5, 8.0)
    plan = engine.trainee_turn("Do you have a plan?", 9.0, 10.0)
    assert asked["closed_question_run"] == 0 and plan["closed_question_run"] == 0
    assert plan["nudge"] is None or "yes/no" not in plan["nudge"] and "in a row" not in plan["nudge"]


def test_an_unsure_complex_reflection_is_not_praised():
    class UnsureCoder(FakeCoder):
        def code(self, text, context):
            return FakeCoded("reflection_complex", 0.34)

    engine = FeedbackEngine(UnsureCoder({}))
    engine.client_turn("My mum died two months ago and I just feel numb.", 0.0, 3.0)
    feedback = engine.trainee_turn("When my dad died I felt the same way for ages.", 4.0, 6.0)
    assert feedback["code"] == "reflection_complex"
    assert feedback["nudge"] != "Good reflection — you went beyond their words."


def test_a_risk_question_with_a_normalising_preface_is_not_advice(engine):
    """The way the question is taught: its first half was coded information and drew
    "Advice before permission" (QA 2026-11-28), and the client answered with pushback."""
    engine.client_turn("I feel like a burden on my daughter; she'd be better off without me.", 0.0, 3.0)
    feedback = engine.trainee_turn("Sometimes when people feel this low they think about ending their life. "
                                   "Have you had thoughts like that?", 4.0, 8.0)
    assert feedback["asked_about_risk"] and feedback["answered_risk_hint"]
    assert feedback["righting_reflex"] is False and feedback["nudge"] != ADVICE_NUDGE
    assert engine.summary()["advise_without_permission"]["value"] == 0


def test_emphasising_autonomy_is_not_advice(engine):
    """Reluctant-teen teaches it; the coder called it information and advice (attunement 6)."""
    engine.client_turn("My mum made me come. I don't want to be here.", 0.0, 2.0)
    feedback = engine.trainee_turn("You don't have to talk about anything you don't want to. "
                                   "It's your call what we use this time for.", 3.0, 7.0)
    assert feedback["emphasised_autonomy"] is True
    assert [u["code"] for u in feedback["utterance_codes"]] == ["other", "other"]
    assert feedback["code"] == "other" and feedback["righting_reflex"] is False
    assert feedback["components"]["response"] == 0.6
    assert engine.summary()["advise_without_permission"]["value"] == 0


def test_advice_that_mentions_a_choice_is_still_advice(engine):
    engine.client_turn("My boss keeps piling work on me.", 0.0, 2.0)
    assert m_emphasises("You should talk to HR.") is False
    feedback = engine.trainee_turn("You should talk to HR.", 3.0, 4.0)
    assert feedback["code"] == "advise" and feedback["emphasised_autonomy"] is False


def m_emphasises(text):
    from trainer.feedback.measures import emphasises_autonomy

    return emphasises_autonomy(text)


def test_advice_given_with_autonomy_is_advice_with_permission(engine):
    """MITI 4.2: emphasising autonomy with advice makes it persuasion with permission."""
    engine.client_turn("I don't know where to start.", 0.0, 2.0)
    feedback = engine.trainee_turn("You could look at the blogs, but it's really up to you.", 3.0, 5.0)
    assert feedback["code"] == "advise" and feedback["righting_reflex"] is False


def test_autonomy_called_a_reflection_is_not_counted_as_one(engine):
    engine.client_turn("I don't know if I should go back.", 0.0, 2.0)
    assert engine.trainee_turn("Whatever you decide is up to you.", 3.0, 4.0)["code"] == "other"
    engine.client_turn("I keep going back and forth.", 4.5, 6.0)
    kept = engine.trainee_turn("It sounds like it's your decision and you're torn.", 7.0, 9.0)
    assert kept["code"] == "reflection_complex"


def test_a_suggestion_asked_as_a_question_is_advice(engine):
    """It was the best-scored turn of a QA session of poor listening (open question 55%)."""
    engine.client_turn("I've lost my job and I'm struggling.", 0.0, 2.0)
    feedback = engine.trainee_turn("Why don't you go and stay with your daughter for a bit?", 3.0, 5.0)
    assert feedback["code"] == "advise" and feedback["righting_reflex"] is True
    engine.client_turn("Maybe.", 5.5, 6.0)
    assert engine.trainee_turn("Why don't you want to go?", 7.0, 8.0)["code"] == "question_open"


def test_going_on_after_a_thinking_pause_is_not_an_interruption(engine):
    """A 1.5 s pause ended the turn, the client began, the trainee went on: the second half
    scored attunement 0 with an interruption and a missed-opportunity penalty (QA)."""
    engine.client_turn("I'm tired all the time and I don't sleep after nights.", 0.0, 3.0)
    engine.trainee_turn("That sounds hard.", 4.0, 5.0)
    engine.client_turn("Yeah, it's been months of it and I just feel so drained.", 6.0, 6.4)  # cut off
    going_on = engine.trainee_turn("And I'm wondering whether part of you is scared.", 6.3, 9.0)
    assert going_on["interrupted"] is False and going_on["missed_opportunity"] is False
    assert "penalty_interruption" not in going_on["components"]
    # cutting in well into the client's line is still an interruption
    engine.client_turn("Work is relentless, we are always short staffed and nobody listens to us.", 10.0, 16.0)
    cut_in = engine.trainee_turn("How long has that been going on?", 13.0, 14.5)
    assert cut_in["interrupted"] is True


def test_a_minimal_encourager_neither_drags_the_score_down_nor_misses_a_feeling(engine):
    engine.client_turn("I just feel so alone since she left.", 0.0, 3.0)
    first = engine.trainee_turn("That sounds hard.", 4.0, 5.0)
    engine.client_turn("It is. Evenings are the worst.", 5.5, 7.0)
    mm = engine.trainee_turn("Mm-hm.", 7.5, 8.0)
    assert mm["backchannel"] is True and mm["missed_opportunity"] is False
    assert mm["running_attunement"] == first["running_attunement"]
    summary = engine.summary()
    assert summary["mean_attunement"] == first["attunement"]  # the "mm-hm" is left out


def test_a_turn_whose_only_question_is_a_suggestion_is_not_a_question(engine):
    engine.client_turn("I've lost my job and I'm struggling.", 0.0, 2.0)
    feedback = engine.trainee_turn("That sounds hard. Why don't you go and stay with your daughter for a bit?",
                                   3.0, 6.0)
    assert [u["code"] for u in feedback["utterance_codes"]] == ["reflection_simple", "advise"]
    assert feedback["code"] != "question_open" and feedback["righting_reflex"] is True


# -- held silences -------------------------------------------------------------------------


def test_a_held_silence_is_counted_not_scored_and_the_next_turn_answers_both_lines(engine):
    engine.client_turn("My husband died seven weeks ago.", 0.0, 2.0)
    first = engine.trainee_turn("That sounds hard.", 3.0, 4.0)
    engine.client_turn("The house is so quiet.", 5.0, 7.0)
    before = engine.snapshot()
    held = engine.silence_held(7.0, 19.0)  # twelve seconds, then the client went on
    assert held == {"silence_held": True, "silence_ms": 12000.0,
                    "running_attunement": first["running_attunement"]}
    engine.client_turn("I keep the radio on all day. I am so lonely in the evenings.", 19.0, 23.0)
    after = engine.trainee_turn("You feel lonely in the quiet.", 24.0, 25.0)
    assert after["response_latency_ms"] == pytest.approx(1000.0)  # from the continuation's end
    assert after["feeling_reflected"]  # "lonely" came in the client's continuation
    assert after["turn_index"] == 1  # the silence is no trainee turn

    summary = engine.summary()
    assert summary["turns"] == 2 and summary["silences_held"] == 1
    assert summary["longest_silence_ms"] == pytest.approx(12000.0)
    assert summary["median_latency_ms"] == pytest.approx(1000.0)  # silences are not latencies

    engine.restore(before)  # "try it again" from before the silence forgets it
    assert engine.summary()["silences_held"] == 0


def test_the_summary_praises_a_held_silence_only_when_there_was_one():
    def summary_with(silences: int) -> dict:
        engine = FeedbackEngine(FakeCoder(CODES))
        t = 0.0
        # a weak session: few strengths earned, so there is room to praise the silence
        for client, trainee in [("I'm so drained.", "Are you sleeping?"),
                                ("Work never stops.", "You should talk to HR."),
                                ("I can't cope any more.", "Do you exercise?")]:
            engine.client_turn(client, t, t + 2)
            for _ in range(silences):
                engine.silence_held(t + 2, t + 12)
                silences = 0
            engine.trainee_turn(trainee, t + 13, t + 14)
            t += 20
        return engine.summary()

    assert "You let a silence sit once, and the client went on by themselves." in summary_with(1)["strengths"]
    none = summary_with(0)
    assert none["silences_held"] == 0
    assert "silence sit once" not in " ".join(none["strengths"] + none["to_practise"])


def test_a_typed_silence_counts_but_has_no_length(engine):
    engine.client_turn("I'm so tired all the time.", 0.0, 3.0)
    assert engine.silence_held(3.0, None)["silence_ms"] is None
    engine.client_turn("Work never stops.", 3.0, 5.0)
    engine.trainee_turn("You sound exhausted.", 5.0, 5.0)  # typed: no speech span either
    summary = engine.summary()
    assert summary["silences_held"] == 1
    assert summary["longest_silence_ms"] is None  # not "0 ms"
