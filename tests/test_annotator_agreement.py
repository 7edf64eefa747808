"""The annotator-agreement benchmark (benchmarks/annotator_agreement.py), on hand-made labels."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def agreement():
    return load_benchmark("annotator_agreement")


def test_majority_breaks_ties_in_group_order(agreement):
    assert agreement.majority(["other", "reflection", "reflection"]) == "reflection"
    assert agreement.majority(["other", "question"]) == "question"  # tie: question comes first
    assert agreement.majority(["other", "therapist_input"]) == "therapist_input"


def _labels(rows):
    """{(transcript, utterance): {annotator: label}} from per-utterance label lists."""
    return {("7", i): {str(a): label for a, label in enumerate(row)} for i, row in enumerate(rows)}


# Annotators 0 and 1 agree on all four utterances; annotator 2 calls the reflection a question.
ONE_DISSENT = [
    ["question", "question", "question"],
    ["reflection", "reflection", "question"],
    ["therapist_input", "therapist_input", "therapist_input"],
    ["other", "other", "other"],
]


def test_three_annotators_who_agree_fully_score_one(agreement):
    labels = _labels([["question"] * 3, ["reflection"] * 3, ["therapist_input"] * 3, ["other"] * 3])
    result = agreement.annotator_agreement(labels)
    assert result["n_annotators"] == 3
    assert result["annotator_vs_annotator_macro_f1"] == {"mean": 1.0, "min": 1.0, "max": 1.0}
    assert result["annotator_vs_majority_of_the_others_macro_f1"]["mean"] == 1.0


def test_one_dissenting_annotator_lowers_only_its_pairs(agreement):
    result = agreement.annotator_agreement(_labels(ONE_DISSENT))
    # Pair (0, 1): 1.0. Pairs with annotator 2: question F1 2/3, reflection 0, the other two 1.
    dissent = (2 / 3 + 0 + 1 + 1) / 4
    spread = result["annotator_vs_annotator_macro_f1"]
    assert spread["max"] == 1.0
    assert spread["min"] == pytest.approx(dissent, abs=1e-4)
    assert spread["mean"] == pytest.approx((1.0 + 2 * dissent) / 3, abs=1e-4)
    by_annotator = result["annotator_vs_annotator_mean_by_annotator"]
    assert by_annotator["0"] == pytest.approx((1.0 + dissent) / 2, abs=1e-4)
    assert by_annotator["2"] == pytest.approx(dissent, abs=1e-4)


def test_coder_is_scored_against_each_annotator_and_the_others_majority(agreement):
    labels = _labels(ONE_DISSENT)
    agreeing_with_majority = {("7", 0): "question", ("7", 1): "reflection", ("7", 2): "therapist_input", ("7", 3): "other"}
    result = agreement.coder_agreement(labels, agreeing_with_majority)
    assert result["coder_vs_annotator_macro_f1"]["max"] == 1.0
    assert result["coder_vs_annotator_macro_f1"]["min"] < 1.0  # annotator 2 dissents
    # Leaving out annotator 0 or 1 leaves a 1-1 tie on the reflection, broken towards question.
    assert result["coder_vs_majority_of_nine_macro_f1"]["min"] < 1.0


def test_fold_model_argument_needs_three_parts(agreement):
    assert agreement.parse_fold_model("1:a.npz:b.onnx") == (1, Path("a.npz"), Path("b.onnx"))
    with pytest.raises(argparse.ArgumentTypeError, match="FOLD:LINEAR.npz:TRANSFORMER.onnx"):
        agreement.parse_fold_model("1:a.npz")


def test_a_transcript_without_a_model_for_its_fold_is_refused(agreement, tmp_path):
    with pytest.raises(SystemExit, match="no --fold-model for fold"):
        agreement.code_with_fold_models(tmp_path, [("7", 0)], {})
