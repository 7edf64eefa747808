"""The spoken-lines check's scoring (benchmarks/coder_spoken.py), with a stand-in voice and ear."""

from __future__ import annotations

import pytest

from tests.benchmark_scripts import load_benchmark
from tests.fakes import QuestionMarkCoder


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("coder_spoken")


ROWS = [
    ("I can't sleep.", "question_open", "What keeps you awake?"),
    ("I can't sleep.", "other", "Mm-hmm."),
]


def test_recognition_that_loses_the_question_mark_shows_as_a_changed_group(bench):
    # The "voice" passes the text through; the "ear" drops punctuation, as a recogniser may.
    heard = bench.recognised_rows(ROWS, speak=lambda text: text, transcribe=lambda audio: audio.rstrip("?.").lower())
    assert [text for _, _, text in heard] == ["what keeps you awake", "mm-hmm"]
    result = bench.spoken_check(QuestionMarkCoder(), ROWS, heard)
    assert result["as_written"]["group_accuracy"] == pytest.approx(1.0)
    assert result["as_recognised"]["group_accuracy"] == pytest.approx(0.5)
    assert result["group_changed_by_recognition"] == [
        "'What keeps you awake?' => 'what keeps you awake' (question_open -> other)"]
    assert result["asr_word_error_rate"] == pytest.approx(0.0)  # words kept, only marks lost


def test_word_errors_are_counted_against_the_written_line(bench):
    heard = [(c, code, "what keeps you a wake" if i == 0 else text) for i, (c, code, text) in enumerate(ROWS)]
    result = bench.spoken_check(QuestionMarkCoder(), ROWS, heard)
    # "awake" -> "a wake": a substitution and an insertion, over the 6 reference words of
    # both lines ("what keeps you awake", "mm hmm"): WER is pooled, not averaged by line.
    assert result["asr_word_error_rate"] == pytest.approx(2 / 6, abs=1e-4)
