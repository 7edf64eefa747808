import argparse
import json
import random

from tests.test_client_fixtures import make_scenario
from trainer.client.eval_harness import (
    AttunedTrainee, LecturingTrainee, content_clause, evaluate, format_table, goal_met, run_conversation,
    summarize_runs, to_second_person,
)
from trainer.cli import eval as eval_cli


class KeywordFeedback:
    """A stand-in feedback engine for tests that must not depend on the trained coder."""

    def client_turn(self, text, start_s, end_s):
        pass

    def trainee_turn(self, text, start_s, end_s):
        lowered = text.lower()
        if "should" in lowered or "research" in lowered or "need to" in lowered or "best thing" in lowered:
            return {"code": "advise", "righting_reflex": True, "attunement": 10}
        if text.strip().endswith("?") and not lowered.startswith(("what", "how")):
            return {"code": "question_closed", "questions_in_turn": 1, "closed_question_run": 1, "attunement": 30}
        return {"code": "reflection_complex", "feeling_reflected": True, "content_reflected": True, "attunement": 85}


def test_to_second_person_and_content_clause():
    assert to_second_person("I'm tired and my job is hard for me") == "you're tired and your job is hard for you"
    clause = content_clause("Honestly, I keep picking up extra shifts at the bakery. Yeah.", random.Random(0))
    assert clause == "you keep picking up extra shifts at the bakery"
    assert content_clause("Okay.", random.Random(0)) is None


def test_attuned_trainee_reflects_the_clients_words_and_varies_by_seed():
    reply = "I'm exhausted, to be honest. I keep picking up extra shifts at the bakery."
    lines = {AttunedTrainee(seed).line(0, [reply]) for seed in range(6)}
    assert len(lines) > 1
    for line in lines:
        assert "extra shifts" in line or "exhausted" in line or "drained" in line or "worn out" in line
    assert LecturingTrainee(0).line(0, [reply]) != LecturingTrainee(1).line(0, [reply])


def test_attuned_trainee_asks_about_suicide_once_after_a_hint():
    from trainer.feedback.risk import asks_about_risk

    trainee = AttunedTrainee(0)
    assert not asks_about_risk(trainee.line(0, ["I'm just in a rough patch."]))
    hint = "Honestly, I feel like a burden. She'd be better off without me."
    assert asks_about_risk(trainee.line(1, [hint]))
    assert not asks_about_risk(trainee.line(2, [hint]))  # asked once is enough


def test_scripted_attuned_run_reaches_core_and_lecturing_does_not():
    scenario = make_scenario()
    attuned = run_conversation(scenario, "attuned", 0, None, KeywordFeedback, turns=10)
    lecturing = run_conversation(scenario, "lecturing", 0, None, KeywordFeedback, turns=10)
    assert attuned.deepest_layer == "core" and attuned.turns_to_core is not None
    assert lecturing.deepest_layer != "core" and lecturing.turns_to_core is None
    assert attuned.leaks == lecturing.leaks == 0
    assert attuned.role_breaks_shipped == 0


def test_the_client_guard_blocks_leaks_before_they_ship():
    from trainer.client.backend import ReplayBackend

    result = run_conversation(make_scenario(), "lecturing", 0, ReplayBackend(["I gambled everything away."]),
                              KeywordFeedback, turns=2)
    assert result.leaks == 0 and result.role_breaks_caught >= 2


def test_a_reply_revealing_a_layer_never_allowed_counts_as_a_leak(monkeypatch):
    from trainer.client.backend import ReplayBackend
    from trainer.client.role_check import check_sentence
    from trainer.client.simulated import SimulatedClient

    # Without the client's own guard, the harness must notice the leak itself.
    monkeypatch.setattr(SimulatedClient, "_check", lambda self, sentence, spoken: check_sentence(sentence))
    result = run_conversation(make_scenario(), "lecturing", 0, ReplayBackend(["I gambled everything away."]),
                              KeywordFeedback, turns=2)
    assert result.leaks == 2
    assert result.turns[0].leak and result.turns[0].layer_said == "core"


def test_summaries_and_goal():
    scenario = make_scenario()
    report, results = evaluate([scenario], None, runs=2, turns=10, feedback_factory=lambda: KeywordFeedback())
    figures = report["scenarios"]["test-client"]
    assert figures["attuned"]["core_reached_rate"] == 1.0
    assert figures["lecturing"]["core_reached_rate"] == 0.0
    assert figures["attuned"]["turns_to_core"] is not None and figures["lecturing"]["turns_to_core"] is None
    for key in ("core_reached_rate", "deepest_layer", "turns_to_core", "leaks", "role_breaks_shipped",
                "role_breaks_caught", "avg_reply_words"):
        assert key in figures["attuned"]
    assert report["goal_met"] is True and goal_met(report)
    assert "test-client" in format_table(report)
    failing = json.loads(json.dumps(report))
    failing["scenarios"]["test-client"]["lecturing"]["core_reached_rate"] = 0.5
    assert not goal_met(failing)
    assert summarize_runs([]) == {}


def test_cli_scripted_json_with_the_real_coder(capsys):
    parser = argparse.ArgumentParser()
    eval_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["eval", "client", "--scenario", "burnout-nurse", "--runs", "2", "--json",
                              "--scripted", "--quiet"])
    code = args.func(args)
    report = json.loads(capsys.readouterr().out)
    figures = report["scenarios"]["burnout-nurse"]
    assert figures["attuned"]["core_reached_rate"] >= 0.5
    assert figures["lecturing"]["core_reached_rate"] == 0.0
    assert code == (0 if report["goal_met"] else 1)


def test_cli_unknown_scenario_is_an_error(capsys):
    parser = argparse.ArgumentParser()
    eval_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["eval", "client", "--scenario", "no-such-scenario", "--scripted"])
    assert args.func(args) == 2
    assert "no-such-scenario" in capsys.readouterr().err
