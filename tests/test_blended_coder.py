"""The shipped coder: the linear and transformer coders blended (trainer/feedback/blended_coder.py)."""

from __future__ import annotations

import json
import shutil

import pytest

from trainer.feedback.blended_coder import BlendedCoder
from trainer.feedback.coder import GROUPS, SUBTYPES, CodeProbabilities, CoderModelError, CodingMethods
from trainer.feedback.onnx_coder import DEFAULT_MODEL_PATH as ONNX_PATH
from trainer.feedback.onnx_coder import (
    TOKENIZER_FILE,
    OnnxUtteranceCoder,
    encode_inputs,
    load_tokenizer,
    read_model_metadata,
)
from trainer.feedback.text_features import strip_punctuation_and_case


class FixedCoder(CodingMethods):
    """Always gives the same probabilities."""

    def __init__(self, groups: dict[str, float], subtypes: dict[str, float]) -> None:
        self._probs = CodeProbabilities(groups=groups, subtypes=subtypes)

    def probabilities(self, text, context=()):
        return self._probs


def _even_subtypes(**overrides: float) -> dict[str, float]:
    subtypes = {code: 0.5 for pair in SUBTYPES.values() for code in pair}
    subtypes.update(overrides)
    return subtypes


SURE_QUESTION = FixedCoder(
    {"question": 0.9, "reflection": 0.05, "therapist_input": 0.03, "other": 0.02},
    _even_subtypes(question_open=0.8, question_closed=0.2),
)
LEANING_REFLECTION = FixedCoder(
    {"question": 0.3, "reflection": 0.6, "therapist_input": 0.05, "other": 0.05},
    _even_subtypes(question_open=0.4, question_closed=0.6),
)


def test_blend_is_the_weighted_average_of_both_coders():
    blended = BlendedCoder(SURE_QUESTION, LEANING_REFLECTION, linear_weight=0.5)
    probs = blended.probabilities("anything")
    assert probs.groups["question"] == pytest.approx(0.6)
    assert probs.groups["reflection"] == pytest.approx(0.325)
    assert sum(probs.groups.values()) == pytest.approx(1.0)
    assert probs.subtypes["question_open"] == pytest.approx(0.6)
    coded = blended.code("anything")
    assert coded.code == "question_open"
    assert coded.confidence == pytest.approx(0.6 * 0.6)


def test_blend_weight_decides_between_disagreeing_coders():
    assert BlendedCoder(SURE_QUESTION, LEANING_REFLECTION, linear_weight=1.0).code("x").code == "question_open"
    assert BlendedCoder(SURE_QUESTION, LEANING_REFLECTION, linear_weight=0.0).code("x").code == "reflection_simple"
    with pytest.raises(ValueError, match="linear_weight"):
        BlendedCoder(SURE_QUESTION, LEANING_REFLECTION, linear_weight=1.5)


@pytest.fixture(scope="module")
def shipped() -> BlendedCoder:
    return BlendedCoder.load()


def test_shipped_transformer_was_trained_without_held_out_transcripts():
    meta = read_model_metadata(ONNX_PATH)
    assert meta["training"]["annomi_training_transcripts"] == 86  # 106 minus the 20 held out
    assert meta["groups"] == list(GROUPS)


def test_shipped_coder_is_within_its_size_budget():
    from trainer.feedback.coder import DEFAULT_MODEL_PATH as LINEAR_PATH

    total = LINEAR_PATH.stat().st_size + ONNX_PATH.stat().st_size + (ONNX_PATH.parent / TOKENIZER_FILE).stat().st_size
    assert total <= 30_000_000


CLIENT = [("client", "I'm so tired all the time. I do everything for everyone and nobody even notices.")]


@pytest.mark.parametrize(
    "text, context, expected",
    [
        ("What brings you here today?", (), {"question_open"}),
        ("Did you drink last night?", (), {"question_closed"}),
        ("You're exhausted, and it feels like nobody sees how much you carry.", CLIENT,
         {"reflection_simple", "reflection_complex"}),
        ("You should try to cut down.", (), {"advise"}),
        ("That took real courage.", (), {"affirm"}),
    ],
)
def test_shipped_coder_codes_plain_cases_with_and_without_punctuation(shipped, text, context, expected):
    assert shipped.code(text, context).code in expected
    assert shipped.code(strip_punctuation_and_case(text), context).code in expected


def test_long_turn_keeps_its_closing_question_for_the_transformer():
    # A long preamble must not push the question at the end out of the model's input.
    tokenizer = load_tokenizer(ONNX_PATH.parent / TOKENIZER_FILE)
    preamble = "You told me about work and the kids and the money and how the weeks run together. " * 6
    ids, types = encode_inputs(tokenizer, preamble + "What would you like to change first?", CLIENT)
    closing = tokenizer.encode("What would you like to change first?", add_special_tokens=False).ids
    trainee_part = ids[1 : types.index(1) - 1]
    assert trainee_part[-len(closing):] == closing
    assert len(ids) <= 128


def test_a_missing_tokenizer_is_named(tmp_path):
    shutil.copyfile(ONNX_PATH, tmp_path / "coder_model.onnx")
    with pytest.raises(CoderModelError, match="tokenizer"):
        OnnxUtteranceCoder.load(tmp_path / "coder_model.onnx")


def test_a_corrupt_transformer_model_is_reported(tmp_path):
    broken = tmp_path / "coder_model.onnx"
    broken.write_bytes(b"not an onnx file")
    with pytest.raises(CoderModelError, match="coder_model.onnx"):
        BlendedCoder.load(transformer_path=broken)


def test_metadata_of_the_shipped_model_is_json():
    meta = read_model_metadata(ONNX_PATH)
    json.dumps(meta)
    assert meta["format_version"] == 5
