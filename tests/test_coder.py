"""Tests for the utterance coder, its CSV front end and the `code` command."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import pytest

from trainer.cli import code as code_cli
from trainer.feedback.code_csv import CodeCsvError, code_csv
from trainer.feedback.coder import (
    ANNOMI_MAPPING,
    CODES,
    CodedUtterance,
    CoderModelError,
    UtteranceCoder,
)
from trainer.feedback.text_features import featurize, strip_punctuation_and_case


@pytest.fixture(scope="module")
def coder() -> UtteranceCoder:
    return UtteranceCoder.load()


EXHAUSTED_CLIENT = [
    ("trainee", "How have things been at home?"),
    ("client", "I'm so tired all the time. I do everything for everyone and nobody even notices."),
]

OBVIOUS_CASES = [
    ("What brings you here today?", (), {"question_open"}),
    ("Did you drink last night?", (), {"question_closed"}),
    ("You're feeling exhausted and nobody notices.", EXHAUSTED_CLIENT, {"reflection_simple", "reflection_complex"}),
    ("You should try to cut down.", (), {"advise"}),
    ("That took real courage.", (), {"affirm"}),
]


@pytest.mark.parametrize("text, context, expected", OBVIOUS_CASES)
def test_obvious_cases(coder, text, context, expected):
    assert coder.code(text, context).code in expected


@pytest.mark.parametrize("text, context, expected", OBVIOUS_CASES)
def test_obvious_cases_without_punctuation_or_casing(coder, text, context, expected):
    stripped = strip_punctuation_and_case(text)
    assert stripped != text
    assert coder.code(stripped, context).code in expected


def test_open_and_closed_questions_are_told_apart(coder):
    assert coder.code("how are you feeling about your drinking").code == "question_open"
    assert coder.code("are you worried about your drinking").code == "question_closed"


def test_codes_and_mapping_cover_each_other():
    assert set(ANNOMI_MAPPING) == set(CODES)
    assert set(ANNOMI_MAPPING.values()) == {"question", "reflection", "therapist_input", "other"}
    assert len(CODES) == 8


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_other_with_zero_confidence(coder, text):
    assert coder.code(text) == CodedUtterance(code="other", confidence=0.0)


def test_confidence_is_a_probability(coder):
    texts = ["Okay.", "So you want to quit", "The limit is fourteen units a week.", "mm", "why"]
    for text in texts:
        coded = coder.code(text, EXHAUSTED_CLIENT)
        assert coded.code in CODES
        assert 0.0 <= coded.confidence <= 1.0
    assert coder.code("What brings you here today?").confidence > 0.5


def test_probabilities_sum_to_one(coder):
    probs = coder.probabilities("Did you drink last night?")
    assert sum(probs.groups.values()) == pytest.approx(1.0, abs=1e-5)
    assert sum(probs.joint().values()) == pytest.approx(1.0, abs=1e-5)


def test_context_changes_the_result(coder):
    reflection = "you're exhausted and nobody notices"
    with_context = coder.probabilities(reflection, EXHAUSTED_CLIENT).groups["reflection"]
    without = coder.probabilities(reflection, [("client", "I like pizza.")]).groups["reflection"]
    assert with_context > without


def test_featurize_is_deterministic_and_in_range():
    first = featurize("Did you drink last night?", [("client", "A bit.")])
    second = featurize("Did you drink last night?", [("client", "A bit.")])
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert first[0].min() >= 0 and first[0].max() < 2**18


def test_code_conversation_skips_client_turns(coder):
    results = coder.code_conversation(
        [("client", "I drink every day."), ("trainee", "You drink every day."), ("client", "Yes.")]
    )
    assert results[0] is None and results[2] is None
    assert results[1] is not None and results[1].code in CODES
    with pytest.raises(ValueError):
        coder.code_conversation([("doctor", "hello")])


def test_code_many_matches_code(coder):
    items = [("Did you drink last night?", ()), ("That took real courage.", ())]
    assert coder.code_many(items) == [coder.code(t, c) for t, c in items]


def test_load_missing_model_has_clear_error(tmp_path, monkeypatch):
    with pytest.raises(CoderModelError, match="nope.npz does not exist; check the path"):
        UtteranceCoder.load(tmp_path / "nope.npz")  # the user's path: no advice to rebuild
    with pytest.raises(CoderModelError, match="is a folder"):
        UtteranceCoder.load(tmp_path)
    import trainer.feedback.coder as coder_module

    monkeypatch.setattr(coder_module, "DEFAULT_MODEL_PATH", tmp_path / "gone.npz")
    with pytest.raises(CoderModelError, match="not found.*rebuild it"):  # the shipped one missing
        UtteranceCoder.load()


def test_load_corrupt_model_has_clear_error(tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"this is not a numpy archive")
    with pytest.raises(CoderModelError, match="corrupt"):
        UtteranceCoder.load(broken)


# --- code_csv -------------------------------------------------------------------------


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_code_csv_happy_path(tmp_path, coder):
    in_path = _write_csv(
        tmp_path / "in.csv",
        [
            ["session", "speaker", "text", "note"],
            ["a", "therapist", "What brings you here today?", "x"],
            ["a", "client", "I'm so tired and nobody notices.", "y"],
            ["a", "trainee", "Did you drink last night?", "z"],
            ["b", "Trainee", "That took real courage.", ""],
        ],
    )
    out_path = tmp_path / "out.csv"
    assert code_csv(in_path, out_path, coder) == 3
    rows = _read_csv(out_path)
    assert list(rows[0]) == ["session", "speaker", "text", "note", "code", "confidence"]
    assert [r["code"] for r in rows] == ["question_open", "", "question_closed", "affirm"]
    assert rows[1]["confidence"] == ""
    assert rows[0]["note"] == "x" and rows[0]["speaker"] == "therapist"
    assert all(0.0 <= float(r["confidence"]) <= 1.0 for r in rows if r["code"])


class RecordingCoder:
    def __init__(self) -> None:
        self.contexts: list[tuple[tuple[str, str], ...]] = []

    def code(self, text, context=()):
        self.contexts.append(tuple(context))
        return CodedUtterance("other", 0.5)


def test_code_csv_restarts_context_when_session_changes(tmp_path):
    in_path = _write_csv(
        tmp_path / "in.csv",
        [
            ["session", "speaker", "text"],
            ["1", "client", "hello"],
            ["1", "trainee", "hi"],
            ["2", "trainee", "welcome"],
        ],
    )
    recorder = RecordingCoder()
    code_csv(in_path, tmp_path / "out.csv", recorder)
    assert recorder.contexts == [(("client", "hello"),), ()]


def test_code_csv_missing_file(tmp_path, coder):
    missing = tmp_path / "missing.csv"
    with pytest.raises(CodeCsvError, match="missing.csv.*not found"):
        code_csv(missing, tmp_path / "out.csv", coder)


def test_code_csv_missing_column(tmp_path, coder):
    in_path = _write_csv(tmp_path / "in.csv", [["speaker", "words"], ["trainee", "hi"]])
    with pytest.raises(CodeCsvError, match="in.csv.*missing column.*text"):
        code_csv(in_path, tmp_path / "out.csv", coder)


def test_code_csv_refuses_a_doubled_column(tmp_path, coder):
    """`speaker,text,Text` used to code the last one and overwrite the first in OUT."""
    in_path = _write_csv(tmp_path / "in.csv", [["speaker", "text", "Text"], ["trainee", "hi", "there"]])
    with pytest.raises(CodeCsvError, match="in.csv: column.*text appear more than once"):
        code_csv(in_path, tmp_path / "out.csv", coder)
    assert not (tmp_path / "out.csv").exists()


def test_code_csv_unknown_speaker_names_the_row(tmp_path, coder):
    in_path = _write_csv(
        tmp_path / "in.csv",
        [["speaker", "text"], ["trainee", "hi"], ["doctor", "hello"]],
    )
    with pytest.raises(CodeCsvError, match=r"in.csv: line 3: unknown speaker 'doctor'"):
        code_csv(in_path, tmp_path / "out.csv", coder)
    assert not (tmp_path / "out.csv").exists()


def test_code_csv_unreadable_file(tmp_path, coder):
    in_path = tmp_path / "binary.csv"
    in_path.write_bytes(b"\xff\xfe\x00\x81speaker,text")
    with pytest.raises(CodeCsvError, match="binary.csv"):
        code_csv(in_path, tmp_path / "out.csv", coder)


def test_code_csv_says_what_is_wrong_with_an_unreadable_file_and_where(tmp_path, coder):
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(b"speaker,text\ntrainee,hello\ntrainee,caf\xe9 time\n")
    with pytest.raises(CodeCsvError, match=r"latin1.csv: line 3 is not UTF-8 text; save the file as UTF-8"):
        code_csv(latin, tmp_path / "out.csv", coder)
    with pytest.raises(CodeCsvError, match=r"is a folder; give the CSV file itself"):
        code_csv(tmp_path, tmp_path / "out.csv", coder)
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text('speaker,text\ntrainee,"' + "a" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(CodeCsvError, match=r"line 2: a field is longer than \d+ KB; is a closing double quote"):
        code_csv(unclosed, tmp_path / "out.csv", coder)


def test_code_csv_never_writes_over_its_input_and_names_another_separator(tmp_path, coder):
    conversation = tmp_path / "talk.csv"
    conversation.write_text("speaker,text\nclient,I'm tired.\ntrainee,You're worn out.\n", encoding="utf-8")
    with pytest.raises(CodeCsvError, match="is the input file too"):
        code_csv(conversation, tmp_path / "." / "talk.csv", coder)
    assert conversation.read_text(encoding="utf-8").startswith("speaker,text\nclient")  # untouched
    semicolons = tmp_path / "semi.csv"
    semicolons.write_text("speaker;text\ntrainee;hello\n", encoding="utf-8")
    with pytest.raises(CodeCsvError, match="separated by semicolons; save it with commas"):
        code_csv(semicolons, tmp_path / "out.csv", coder)


def test_code_csv_applies_the_rules_the_feedback_shows(tmp_path):
    class Questioner:
        def code(self, text, context=()):
            from trainer.feedback.coder import CodedUtterance
            return CodedUtterance("question_closed", 0.84)

    conversation = tmp_path / "talk.csv"
    conversation.write_text("speaker,text\nclient,She left.\ntrainee,Have you tried anger management?\n"
                            "trainee,Are you sleeping?\n", encoding="utf-8")
    code_csv(conversation, tmp_path / "out.csv", Questioner())
    rows = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert rows[2].startswith("trainee,Have you tried anger management?,advise,")  # as practice codes it
    assert rows[3].startswith("trainee,Are you sleeping?,question_closed,")


def test_code_csv_empty_file(tmp_path, coder):
    in_path = tmp_path / "empty.csv"
    in_path.write_text("", encoding="utf-8")
    with pytest.raises(CodeCsvError, match="empty.csv.*empty"):
        code_csv(in_path, tmp_path / "out.csv", coder)


# --- command line ---------------------------------------------------------------------


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="trainer")
    code_cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_cli_codes_a_file(tmp_path, capsys):
    in_path = _write_csv(tmp_path / "in.csv", [["speaker", "text"], ["trainee", "Did you drink last night?"]])
    out_path = tmp_path / "out.csv"
    args = _parse(["code", "--in", str(in_path), "--out", str(out_path)])
    assert args.func is code_cli.run
    assert args.func(args) == 0
    assert _read_csv(out_path)[0]["code"] == "question_closed"


def test_cli_returns_2_and_reports_bad_input(tmp_path, capsys):
    in_path = _write_csv(tmp_path / "in.csv", [["speaker", "text"], ["nurse", "hi"]])
    args = _parse(["code", "--in", str(in_path), "--out", str(tmp_path / "out.csv")])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "nurse" in err


def test_cli_returns_2_for_missing_input(tmp_path, capsys):
    args = _parse(["code", "--in", str(tmp_path / "none.csv"), "--out", str(tmp_path / "out.csv")])
    assert args.func(args) == 2
    assert "none.csv" in capsys.readouterr().err


def test_cli_returns_2_for_missing_model(tmp_path, capsys):
    in_path = _write_csv(tmp_path / "in.csv", [["speaker", "text"], ["trainee", "hi"]])
    args = _parse(
        ["code", "--in", str(in_path), "--out", str(tmp_path / "o.csv"), "--model", str(tmp_path / "m.npz")]
    )
    assert args.func(args) == 2
    assert "m.npz" in capsys.readouterr().err


# --- training data and split ------------------------------------------------------------


def test_written_examples_parse_and_have_enough_affirmations():
    import random

    from trainer.feedback.training.train_coder import read_written_examples

    examples = read_written_examples(["I drink a lot on weekends."], random.Random(0))
    affirmations = [e for e in examples if e.code == "affirm"]
    assert len(affirmations) >= 150
    assert {e.code for e in examples} == set(CODES)
    assert all(e.group == ANNOMI_MAPPING[e.code] for e in examples)


def test_held_out_split_is_fixed_and_about_a_fifth():
    from trainer.feedback.training.annomi import is_held_out

    held = [str(i) for i in range(133) if is_held_out(str(i))]
    assert 15 <= len(held) <= 40
    assert held == [str(i) for i in range(133) if is_held_out(str(i))]


def test_shipped_model_was_trained_without_held_out_transcripts():
    import json

    from trainer.feedback.coder import DEFAULT_MODEL_PATH

    with np.load(DEFAULT_MODEL_PATH) as archive:
        meta = json.loads(str(archive["meta_json"]))
    assert meta["training"]["annomi_training_transcripts"] == 86  # 106 minus 20 held out


def test_transformer_coder_reports_a_missing_model(tmp_path):
    from trainer.feedback.onnx_coder import OnnxUtteranceCoder

    with pytest.raises(CoderModelError, match="nope.onnx does not exist; check the path"):
        OnnxUtteranceCoder.load(tmp_path / "nope.onnx")


def test_code_csv_header_names_ignore_case_and_spaces(tmp_path):
    class Fixed:
        def code(self, text, context=()):
            return CodedUtterance("question_open" if "?" in text else "other", 0.5)

    source = tmp_path / "in.csv"
    source.write_text("Session, Speaker ,Text\n1,Client,I feel low.\n1,Therapist,What happened?\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert code_csv(source, out, Fixed()) == 1
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["Session", " Speaker ", "Text", "code", "confidence"]
    assert [r["code"] for r in rows] == ["", "question_open"]
    assert rows[1]["Text"] == "What happened?"


def test_code_csv_blank_lines_extra_fields_and_empty_text(tmp_path, coder):
    in_path = tmp_path / "in.csv"
    in_path.write_text("speaker,text\ntrainee,hi\n\nclient,hello\n\ndoctor,hey\n")
    with pytest.raises(CodeCsvError, match=r"in.csv: line 6: unknown speaker"):  # the file's line
        code_csv(in_path, tmp_path / "out.csv", coder)
    in_path.write_text("speaker,text\ntrainee,How are you, really?\n")
    with pytest.raises(CodeCsvError, match=r"line 2: 1 more field.*double quotes"):
        code_csv(in_path, tmp_path / "out.csv", coder)
    in_path.write_text('speaker,text\ntrainee,""\nclient,I am fine.\ntrainee,How are you?\n')
    assert code_csv(in_path, tmp_path / "out.csv", coder) == 1  # the blank line is not "coded"
    with (tmp_path / "out.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert (rows[0]["code"], rows[0]["confidence"]) == ("", "")
    assert rows[2]["code"].startswith("question")
