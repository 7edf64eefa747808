"""Hints of suicide in client turns and direct questions about it in trainee turns."""

import pytest

from trainer.feedback.risk import asks_about_risk, describe_risk, risk_cue
from trainer.scenarios import find_scenario


@pytest.mark.parametrize("client", [
    "I feel like a burden on my daughter; she'd be better off without me.",
    "I've been saving up tablets in the bathroom cabinet.",
    "Some days I don't want to wake up.",
    "I can't go on like this.",
    "I've thought about ending it all.",
    "What's the point of carrying on?",
    "I don't want to be here anymore.",
    "Some nights I wish I wasn't here at all.",
])
def test_hints_are_recognised(client):
    assert risk_cue(client)


@pytest.mark.parametrize("client", [
    "The paperwork is a burden.",
    "I can't see a way out at work.",
    "I'm thinking of ending things with her.",  # a relationship, not a life
    "What's the point of these posters?",
    "I just don't want to be here.",  # in this session: the reluctant teen's opening
    "I'm just in a rough patch.",
    "I wish I was here more for my son.",
])
def test_ordinary_client_lines_are_not_hints(client):
    assert risk_cue(client) is None


@pytest.mark.parametrize("trainee, asked", [
    ("Are you having thoughts of ending your life?", True),
    ("Have you thought about taking your own life?", True),
    ("Sometimes people who feel like a burden think about killing themselves. Is that true for you?", True),
    ("Are you thinking about suicide?", True),
    ("Are you safe at the moment?", True),
    ("Tell me about the tablets.", True),
    ("It sounds like you feel like a burden.", False),
    ("What would help you feel better?", False),
    ("You should get out more.", False),
])
def test_direct_questions(trainee, asked):
    assert asks_about_risk(trainee) is asked


def test_the_hidden_risk_scenario_hints_and_its_demo_asks():
    scenario = find_scenario("hidden-risk")
    assert any(risk_cue(line) for line in scenario.layer("deeper").facts + scenario.layer("core").facts)
    assert any(asks_about_risk(line) for line in scenario.demo)


def test_describe_risk_for_a_summary():
    assert describe_risk({}) is None
    assert describe_risk({"risk": {"hints": [], "asked_directly": None}}) is None
    hints = [{"client": "I feel like a burden."}, {"client": "I've been saving up tablets."}]
    text = describe_risk({"risk": {"hints": hints, "asked_directly": False}})
    assert text == ("The client hinted at suicide 2 times (first: \u201cI feel like a burden.\u201d); "
                    "you did not ask about it directly.")


def test_asking_before_any_hint_is_reported():
    """The hidden-risk demo asks out of concern before the model's client hinted; the summary
    used to say nothing about it (asked_directly None, no line in Review)."""
    text = describe_risk({"risk": {"hints": [], "asked_directly": True}})
    assert text and text.startswith("You asked about suicide directly before the client hinted")


def test_summary_records_a_question_asked_without_a_hint():
    from trainer.feedback.engine import FeedbackEngine

    class Coder:
        def code(self, text, context):
            from tests.test_feedback_engine import FakeCoded
            return FakeCoded("question_closed", 0.9)

    engine = FeedbackEngine(Coder())
    for i, (client, trainee) in enumerate([
            ("I lost my job.", "How are you coping?"),
            ("Not well. Money's tight.", "Have you had thoughts of ending your life?"),
            ("Sometimes.", "How often?")]):
        engine.client_turn(client, 3.0 * i, 3.0 * i + 1)
        engine.trainee_turn(trainee, 3.0 * i + 1.5, 3.0 * i + 2.5)
    assert engine.summary()["risk"] == {"hints": [], "asked_directly": True}
