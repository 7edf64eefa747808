"""The coder benchmark's scoring (benchmarks/coder.py), on hand-made labels."""

from __future__ import annotations

import pytest

from trainer.feedback.coder import CodeProbabilities, SUBTYPES
from trainer.feedback.training.annomi import LabelledUtterance

from tests.benchmark_scripts import load_benchmark
from tests.fakes import QuestionMarkCoder


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("coder")


def test_f1_scores_match_a_hand_count(bench):
    gold = ["question", "question", "reflection", "other"]
    predicted = ["question", "reflection", "reflection", "question"]
    scores = bench.f1_scores(gold, predicted, ["question", "reflection", "other"])
    # question: tp 1, fp 1, fn 1 -> 0.5; reflection: tp 1, fp 1, fn 0 -> 2/3; other: 0
    assert scores["question"] == pytest.approx(0.5)
    assert scores["reflection"] == pytest.approx(2 / 3)
    assert scores["other"] == 0.0



def _utterance(text: str, group: str, code: str | None) -> LabelledUtterance:
    return LabelledUtterance("1", 0, text, (), group, code)


def test_evaluate_scores_a_coder_and_the_stripped_text_separately(bench):
    utterances = [
        _utterance("What happened?", "question", "question_open"),
        _utterance("Did it hurt?", "question", "question_closed"),
        _utterance("Okay.", "other", "other"),
    ]
    coder = QuestionMarkCoder()
    with_punctuation = bench.evaluate(coder, utterances)
    assert with_punctuation["accuracy_4class"] == pytest.approx(1.0)
    assert with_punctuation["open_closed_accuracy_on_true_questions"] == pytest.approx(0.5)
    stripped = bench.evaluate(coder, utterances, bench.strip_punctuation_and_case)
    assert stripped["accuracy_4class"] == pytest.approx(1 / 3, abs=1e-3)  # no '?' left: questions missed
    assert stripped["simple_complex_accuracy_on_true_reflections"] is None  # no reflections to score


def test_trainee_style_check_reads_every_hand_coded_demo_line(bench):
    from trainer.scenarios import load_scenarios

    result = bench.trainee_style_check(QuestionMarkCoder())
    assert result["n_lines"] == sum(len(s.demo) for s in load_scenarios())
    # The stand-in gets exactly the questions right; the check must notice the rest.
    with_punctuation = result["with_punctuation"]
    assert 0.0 < with_punctuation["group_accuracy"] < 1.0
    assert any("coded reflection" in miss for miss in with_punctuation["misses"])
    assert result["punctuation_and_casing_removed"]["group_accuracy"] < with_punctuation["group_accuracy"]


@pytest.mark.parametrize("set_index", [0, 1])
def test_counselling_lines_check_reads_every_hand_coded_line_with_a_known_code(bench, set_index):
    from trainer.feedback.coder import CODES

    path = bench.COUNSELLING_LINE_SETS[set_index]
    lines = [raw.split("\t") for raw in path.read_text(encoding="utf-8").splitlines()
             if raw.strip() and not raw.startswith("#")]
    assert all(len(fields) == 3 and fields[0] in CODES for fields in lines)
    assert {fields[0] for fields in lines} == set(CODES)  # every code is checked
    result = bench.counselling_lines_check(QuestionMarkCoder(), path)
    seen = bench.written_training_texts()
    in_training = sum(bench.strip_punctuation_and_case(fields[2]) in seen for fields in lines)
    assert result["n_left_out_as_also_in_training"] == in_training
    assert result["n_lines"] == len(lines) - in_training
    assert 0.0 < result["with_punctuation"]["group_accuracy"] < 1.0


def test_turn_code_rules_tell_whole_turn_coding_from_the_highest_piece(bench):
    # A reflection then a question, labelled question (the turn's main act): coded whole
    # the stand-in sees a '?' and says question; by the piece, the reflection outranks it.
    utterances = [
        _utterance("You sound tired. What keeps you up?", "question", "question_open"),
        _utterance("Okay.", "other", "other"),
    ]

    class ReflectionOrQuestion(QuestionMarkCoder):
        def probabilities(self, text, context=()):
            if text.startswith("You sound"):
                groups = {"question": 0.0, "reflection": 1.0, "therapist_input": 0.0, "other": 0.0}
                if "?" in text:
                    groups = {"question": 1.0, "reflection": 0.0, "therapist_input": 0.0, "other": 0.0}
                subtypes = {code: 0.5 for pair in SUBTYPES.values() for code in pair}
                return CodeProbabilities(groups=groups, subtypes=subtypes)
            return super().probabilities(text, context)

    result = bench.turn_code_rules(ReflectionOrQuestion(), utterances)["with_punctuation"]
    assert result["turns_of_several_pieces"] == 1
    # Over the four groups (reflection and therapist_input score 0 with no gold examples):
    # whole gets question and other right -> 0.5; by piece only other -> 0.25.
    assert result["macro_f1_turn_coded_whole"] == pytest.approx(0.5)
    assert result["macro_f1_highest_piece_code"] == pytest.approx(0.25)
