"""A demo session for every shipped scenario with the real default models.

The scenario's demo lines are synthesized, fed through the VAD and recognizer like a
microphone, coded, answered by the real language model and voice, and stored.
"""

from __future__ import annotations

import pytest

from trainer.app import ModelChoice, load_models
from trainer.audio.playback import NullSpeaker
from trainer.client.role_check import check_sentence
from trainer.client.sentences import split_sentences
from trainer.demo import run_demo, synthesized_lines
from trainer.feedback.coder import CODES
from trainer.scenarios import load_scenarios
from trainer.storage import SessionStore
from trainer.wer import word_error_rate

pytestmark = pytest.mark.integration

TURNS_PER_SCENARIO = 3


@pytest.fixture(scope="module")
def real_models():
    return load_models(ModelChoice())


@pytest.fixture(scope="module")
def demo_records(real_models, tmp_path_factory):
    store = SessionStore.open(tmp_path_factory.mktemp("data"), passphrase=None, use_env=False)
    records = {}
    for scenario in load_scenarios():
        lines = synthesized_lines(list(scenario.demo)[:TURNS_PER_SCENARIO], real_models.synthesizer)
        records[scenario.id] = run_demo(scenario, real_models, lines, speaker=NullSpeaker(), recorder=store)
    yield store, records
    store.close()


def test_every_scenario_completes_with_accurate_transcripts(demo_records):
    _, records = demo_records
    pairs = []
    for scenario_id, record in records.items():
        assert record["scenario"] == scenario_id
        assert len(record["turns"]) == TURNS_PER_SCENARIO, scenario_id
        pairs += [(t["trainee_reference"], t["transcript"]) for t in record["turns"]]
    assert word_error_rate(pairs) <= 0.10


def test_client_replies_stay_in_character(demo_records):
    _, records = demo_records
    for scenario_id, record in records.items():
        name = next(s for s in load_scenarios() if s.id == scenario_id).persona.name
        assert record["opening_line"], scenario_id
        for turn in record["turns"]:
            reply = turn["client_reply"]
            assert reply, f"{scenario_id}: empty reply"
            lowered = reply.lower()
            assert "as an ai" not in lowered and "language model" not in lowered
            for sentence in split_sentences([reply]):
                verdict = check_sentence(sentence, name)
                assert verdict.ok, f"{scenario_id}: {sentence!r} ({verdict})"


def test_every_turn_is_coded_and_timed(demo_records):
    _, records = demo_records
    for record in records.values():
        for turn in record["turns"]:
            assert turn["code"] in CODES
            assert 0.0 <= turn["confidence"] <= 1.0
            assert 0.0 <= turn["attunement"] <= 100.0
            timings = turn["timings_ms"]
            assert timings["endpoint_to_transcript"] > 0
            assert timings["endpoint_to_first_audio"] > timings["endpoint_to_transcript"]
        assert record["summary"]["reflection_to_question"]["band"] in ("below fair", "fair", "good", None)


def test_sessions_are_stored_with_every_turn(demo_records):
    store, records = demo_records
    for record in records.values():
        stored = store.load_session(record["session_id"])
        texts = [t["trainee_text"] for t in stored.turns if t.get("trainee_text")]
        assert texts == [t["transcript"] for t in record["turns"]]
        assert stored.summary


def test_text_demo_ends_with_the_session_summary(capsys):
    from trainer.__main__ import main

    # --scripted: real recognizer, voice and coder, scripted client lines (no LLM load).
    assert main(["demo", "--scenario", "burnout-nurse", "--turns", "2", "--no-save", "--scripted"]) == 0
    out = capsys.readouterr().out
    transcript, _, summary = out.partition("\nSession summary\n")
    assert transcript.count("\nYou: ") + transcript.startswith("You: ") == 2
    assert "Reflections to questions" in summary and "Mean attunement" in summary


def test_a_line_without_speech_is_skipped_not_a_three_minute_hang(real_models):
    """Silence or noise made no turn: the demo waited out its 180 s timeout and lost the run."""
    import numpy as np

    from trainer.demo import TraineeLine

    scenario = load_scenarios()[0]
    spoken = synthesized_lines(["What brings you here today?", "That sounds hard."], real_models.synthesizer)
    silence = TraineeLine(None, np.zeros(16000 * 2, dtype=np.float32), "02_silence.wav")
    record = run_demo(scenario, real_models, [spoken[0], silence, spoken[1]], speaker=NullSpeaker(),
                      turn_timeout_s=60)
    assert [t["trainee_reference"] for t in record["turns"]] == [
        "What brings you here today?", "That sounds hard."]  # still paired with the right lines
    assert any("02_silence.wav" in problem and "skipped" in problem for problem in record["problems"])
    assert record["realtime"] is False  # its timings are not what a trainee would feel
