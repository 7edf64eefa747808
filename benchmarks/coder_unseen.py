"""Benchmark the utterance coder on a counselling corpus it was never trained on; prints JSON.

    .venv/bin/python benchmarks/coder_unseen.py --csv PATH [--reference-column Prediction]

The issue asks for a coder that carries over beyond AnnoMI's style. This scores it on any
CSV of single helper responses labelled with MITI/MISC behaviour names ("Open Question",
"Simple Reflection", "Give Information", "Advise without Permission", "Affirm", ...),
mapped to our codes by `SOURCE_LABELS` and scored in AnnoMI's four groups like
benchmarks/coder.py: macro-F1, per-class F1, open/closed and simple/complex accuracy, with
the text as written and with punctuation and casing removed. Rows have no conversation
context, so the coder sees none. Labels a four-group scheme has no place for (Confront,
Warn) are left out and counted.

`where_labels_land` shows, for each source label, the share of its rows the coder put in
each group: which of the corpus's categories it reads differently from AnnoMI's.
`--reference-column` scores another model's predictions stored in the CSV the same way
(for the corpus below, a classifier trained on that corpus itself: an in-domain yardstick).

Used with the test split of Welivita & Pu's MI dataset of peer-support responses
(Findings of ACL 2023, CC BY-NC-SA 3.0: not redistributed here; docs/coder.md says where
to find it and the figures).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
for folder in (ROOT, BENCHMARKS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from coder import evaluate, f1_scores  # noqa: E402  (benchmarks/coder.py)
from trainer.feedback.blended_coder import BlendedCoder  # noqa: E402
from trainer.feedback.coder import ANNOMI_MAPPING, GROUPS, CodingMethods  # noqa: E402
from trainer.feedback.text_features import strip_punctuation_and_case  # noqa: E402
from trainer.feedback.training.annomi import LabelledUtterance  # noqa: E402

# MITI 4.2 / MISC behaviour names -> our codes. None: no place in the four groups.
SOURCE_LABELS: dict[str, str | None] = {
    "open question": "question_open",
    "closed question": "question_closed",
    "simple reflection": "reflection_simple",
    "complex reflection": "reflection_complex",
    "give information": "inform",
    "advise with permission": "advise",
    "advise without permission": "advise",
    "direct": "advise",  # an instruction to act: a course of action put to the client
    "affirm": "affirm",
    "support": "other",  # sympathy ("I'm sorry you're going through this"); MITI 4.2 has no code
    "emphasize autonomy": "other",
    "self-disclose": "other",
    "other": "other",
    "confront": None,  # MITI's own codes; neither advice nor information
    "warn": None,
}


class CorpusError(ValueError):
    """The corpus cannot be read, lacks a column, or uses a label not in SOURCE_LABELS."""


def load_labelled_rows(path: Path, text_column: str, label_column: str) -> list[tuple[str, str]]:
    """(text, source label) per row; a clear error for a missing file or column."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in (text_column, label_column) if c not in (reader.fieldnames or ())]
            if missing:
                raise CorpusError(f"{path}: no column {', '.join(map(repr, missing))}; it has {reader.fieldnames}")
            return [(row[text_column].strip(), row[label_column].strip()) for row in reader if row[text_column].strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: cannot read it ({error})") from error


def to_utterances(rows: Sequence[tuple[str, str]]) -> tuple[list[LabelledUtterance], dict[str, int]]:
    """Rows with a mappable label as utterances; counts of the rows left out, by label."""
    utterances, left_out = [], Counter()
    for index, (text, label) in enumerate(rows):
        key = label.lower()
        if key not in SOURCE_LABELS:
            raise CorpusError(f"row {index + 2}: unknown label {label!r}; known: {sorted(SOURCE_LABELS)}")
        code = SOURCE_LABELS[key]
        if code is None:
            left_out[label] += 1
            continue
        utterances.append(LabelledUtterance("unseen", index, text, (), ANNOMI_MAPPING[code], code))
    return utterances, dict(left_out)


def where_labels_land(
    coder: CodingMethods,
    rows: Sequence[tuple[str, str]],
    transform: Callable[[str], str] = lambda text: text,
) -> dict[str, dict]:
    """For each source label: its rows' share coded as each of the four groups."""
    landed: dict[str, Counter] = {}
    for text, label in rows:
        group = ANNOMI_MAPPING[coder.code(transform(text)).code]
        landed.setdefault(label, Counter())[group] += 1
    return {
        label: {"n": sum(counts.values()), **{g: round(counts[g] / sum(counts.values()), 3) for g in GROUPS}}
        for label, counts in sorted(landed.items())
    }


def score_reference(rows: Sequence[tuple[str, str]], predictions: Sequence[str]) -> dict:
    """Another model's stored predictions, mapped and scored like the coder."""
    gold, predicted = [], []
    for (_text, label), guess in zip(rows, predictions):
        gold_code, guess_code = SOURCE_LABELS[label.lower()], SOURCE_LABELS.get(guess.lower())
        if gold_code is None:
            continue
        gold.append(ANNOMI_MAPPING[gold_code])
        # A guess with no place in the groups (Confront) counts as wrong for every group.
        predicted.append(ANNOMI_MAPPING[guess_code] if guess_code else "unmapped")
    per_class = f1_scores(gold, predicted, GROUPS)
    return {
        "macro_f1_4class": round(float(np.mean(list(per_class.values()))), 4),
        "f1_per_class": {k: round(v, 4) for k, v in per_class.items()},
    }


def run(coder: CodingMethods, path: Path, text_column: str, label_column: str, reference_column: str | None) -> dict:
    rows = load_labelled_rows(path, text_column, label_column)
    utterances, left_out = to_utterances(rows)
    result: dict = {
        "corpus": str(path),
        "n_rows": len(rows),
        "n_scored": len(utterances),
        "left_out_by_label": left_out,
        "gold_groups": dict(Counter(u.group for u in utterances)),
    }
    for name, transform in (("with_punctuation", lambda t: t), ("punctuation_and_casing_removed", strip_punctuation_and_case)):
        scores = evaluate(coder, utterances, transform)
        scores.pop("f1_per_code")
        scores.pop("macro_f1_8class_codes_present")  # the corpus's affirm/other split is not MITI's
        result[name] = scores
    result["where_labels_land"] = where_labels_land(coder, rows)
    if reference_column:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reference_column not in (reader.fieldnames or ()):
                raise CorpusError(f"{path}: no column {reference_column!r}")
            predictions = [row[reference_column].strip() for row in reader if row[text_column].strip()]
        result["reference_predictions"] = {"column": reference_column, **score_reference(rows, predictions)}
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the utterance coder on a corpus it never saw.")
    parser.add_argument("--csv", type=Path, required=True, help="labelled responses, one per row")
    parser.add_argument("--text-column", default="Text")
    parser.add_argument("--label-column", default="Ground truth")
    parser.add_argument("--reference-column", default=None, help="another model's predictions to score alongside")
    parser.add_argument("--model", type=Path, default=None, help="linear coder_model.npz (default: shipped)")
    parser.add_argument("--transformer-model", type=Path, default=None, help="coder_model.onnx (default: shipped)")
    args = parser.parse_args(argv)
    coder = BlendedCoder.load(args.model, args.transformer_model)
    start = time.perf_counter()
    try:
        result = run(coder, args.csv, args.text_column, args.label_column, args.reference_column)
    except CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
