"""How well AnnoMI's experts agree with each other, and the coder with them; prints JSON.

    .venv/bin/python benchmarks/annotator_agreement.py --annomi /work/shared/data/annomi \
        [--fold-model 1:LINEAR.npz:TRANSFORMER.onnx ...]

A few AnnoMI transcripts were coded by all ten annotators. On their therapist utterances
this prints the 4-class macro-F1 (question / reflection / therapist_input / other)
- of every annotator against every other (45 pairs),
- of every annotator against the majority of the other nine.
The rest of AnnoMI, the held-out transcripts included, carries one annotator's labels, so
the first figure is roughly what a perfect copy of one expert would score against another
on our benchmark, and the second what a perfect copy of the experts' consensus would.

With `--fold-model`, the blended coder is scored the same way: against each annotator,
and against the majority of each nine of them, with the text as written and with its
punctuation and casing removed. None of the ten-annotator transcripts is
in the held-out fold, so each must be coded by a model trained without its own fold
(`train_coder.py --dev-fold K` and `train_transformer.py --dev-fold K`); a transcript
whose fold has no model is an error, never scored by a model that saw it.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Sequence

import numpy as np

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
for folder in (ROOT, BENCHMARKS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from coder import f1_scores  # noqa: E402  (benchmarks/coder.py)
from trainer.feedback.blended_coder import BlendedCoder  # noqa: E402
from trainer.feedback.coder import ANNOMI_MAPPING, GROUPS  # noqa: E402
from trainer.feedback.text_features import strip_punctuation_and_case  # noqa: E402
from trainer.feedback.training.annomi import FULL_FILE, fold_of, load_annomi  # noqa: E402

Key = tuple[str, int]  # (transcript_id, utterance_id)


def multi_annotated(full_csv: Path) -> dict[Key, dict[str, str]]:
    """Main behaviour per annotator, for therapist utterances coded by the most annotators."""
    labels: dict[Key, dict[str, str]] = defaultdict(dict)
    with full_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["interlocutor"] == "therapist":
                key = (row["transcript_id"], int(row["utterance_id"]))
                labels[key][row["annotator_id"]] = row["main_therapist_behaviour"]
    most = max(len(by_annotator) for by_annotator in labels.values())
    return {key: by_annotator for key, by_annotator in labels.items() if len(by_annotator) == most}


def majority(votes: Sequence[str]) -> str:
    """The most common label; ties go to the first in GROUPS, so the result is deterministic."""
    counts = Counter(votes)
    return max(GROUPS, key=lambda group: (counts[group], -GROUPS.index(group)))


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return float(np.mean(list(f1_scores(gold, predicted, GROUPS).values())))


def _annotators(labels: dict[Key, dict[str, str]]) -> list[str]:
    return sorted(set.intersection(*(set(v) for v in labels.values())))


def _majority_without(labels: dict[Key, dict[str, str]], keys: Sequence[Key], left_out: str) -> list[str]:
    """Per utterance, the majority label of every annotator but `left_out`."""
    return [majority([label for other, label in labels[k].items() if other != left_out]) for k in keys]


def _spread(values: Sequence[float]) -> dict:
    return {"mean": round(float(np.mean(values)), 4), "min": round(min(values), 4), "max": round(max(values), 4)}


def annotator_agreement(labels: dict[Key, dict[str, str]]) -> dict:
    keys = sorted(labels)
    annotators = _annotators(labels)
    pair_scores = {
        (a, b): macro_f1([labels[k][a] for k in keys], [labels[k][b] for k in keys])
        for a, b in itertools.combinations(annotators, 2)
    }
    pairwise = list(pair_scores.values())
    mean_with_peers = {
        a: round(float(np.mean([score for pair, score in pair_scores.items() if a in pair])), 4) for a in annotators
    }
    against_rest = []
    per_class = []
    for a in annotators:
        rest = _majority_without(labels, keys, a)
        own = [labels[k][a] for k in keys]
        against_rest.append(macro_f1(rest, own))
        per_class.append(list(f1_scores(rest, own, GROUPS).values()))
    return {
        "n_utterances": len(keys),
        "transcripts": sorted({k[0] for k in keys}, key=int),
        "n_annotators": len(annotators),
        "annotator_vs_annotator_macro_f1": _spread(pairwise),
        "annotator_vs_annotator_mean_by_annotator": mean_with_peers,
        "annotator_vs_majority_of_the_others_macro_f1": _spread(against_rest),
        "annotator_vs_majority_of_the_others_by_annotator": dict(zip(annotators, (round(x, 4) for x in against_rest))),
        "annotator_vs_majority_of_the_others_f1_per_class": dict(
            zip(GROUPS, (round(float(x), 4) for x in np.mean(per_class, axis=0)))
        ),
    }


def coder_agreement(labels: dict[Key, dict[str, str]], predicted: dict[Key, str]) -> dict:
    keys = sorted(labels)
    annotators = _annotators(labels)
    guesses = [predicted[k] for k in keys]
    against_each = [macro_f1([labels[k][a] for k in keys], guesses) for a in annotators]
    against_nine = [macro_f1(_majority_without(labels, keys, a), guesses) for a in annotators]
    return {
        "coder_vs_annotator_macro_f1": _spread(against_each),
        "coder_vs_majority_of_nine_macro_f1": _spread(against_nine),
        "coder_vs_majority_of_nine_by_left_out_annotator": dict(zip(annotators, (round(x, 4) for x in against_nine))),
    }


def parse_fold_model(value: str) -> tuple[int, Path, Path]:
    try:
        fold, linear, transformer = value.split(":")
        return int(fold), Path(linear), Path(transformer)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected FOLD:LINEAR.npz:TRANSFORMER.onnx, got {value!r}") from None


def code_with_fold_models(
    annomi: Path, keys: Sequence[Key], fold_models: dict[int, tuple[Path, Path]]
) -> tuple[dict[Key, str], dict[Key, str]]:
    """Each utterance coded by the blend trained without its transcript's fold: the groups
    for the text as written, and for it with punctuation and casing removed (as in
    benchmarks/coder.py)."""
    wanted = set(keys)
    missing = sorted({fold_of(t) for t, _ in wanted} - set(fold_models))
    if missing:
        raise SystemExit(f"no --fold-model for fold(s) {missing}: their transcripts must be coded by a model trained without them")
    coders = {fold: BlendedCoder.load(linear, transformer) for fold, (linear, transformer) in fold_models.items()}
    as_written: dict[Key, str] = {}
    stripped: dict[Key, str] = {}
    for u in load_annomi(annomi):
        key = (u.transcript_id, u.utterance_id)
        if key in wanted:
            coder = coders[fold_of(u.transcript_id)]
            as_written[key] = ANNOMI_MAPPING[coder.code(u.text, u.context).code]
            stripped[key] = ANNOMI_MAPPING[coder.code(strip_punctuation_and_case(u.text), u.context).code]
    return as_written, stripped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Annotator agreement on AnnoMI, and the coder's agreement with them.")
    parser.add_argument("--annomi", type=Path, default=Path("/work/shared/data/annomi"))
    parser.add_argument(
        "--fold-model", type=parse_fold_model, action="append", default=[],
        metavar="FOLD:LINEAR.npz:TRANSFORMER.onnx",
        help="a blend trained without FOLD (--dev-fold FOLD); repeat for each fold",
    )
    args = parser.parse_args(argv)
    labels = multi_annotated(args.annomi / FULL_FILE)
    result = annotator_agreement(labels)
    result["folds"] = sorted({fold_of(t) for t, _ in labels})
    if args.fold_model:
        fold_models = {fold: (linear, transformer) for fold, linear, transformer in args.fold_model}
        as_written, stripped = code_with_fold_models(args.annomi, sorted(labels), fold_models)
        result["coder_with_punctuation"] = coder_agreement(labels, as_written)
        result["coder_punctuation_and_casing_removed"] = coder_agreement(labels, stripped)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
