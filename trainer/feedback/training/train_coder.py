"""Train the utterance coder and write its numpy artifact.

    python -m trainer.feedback.training.train_coder \
        --annomi /work/shared/data/annomi --out trainer/feedback/data/coder_model.npz

Needs scikit-learn and scipy (training only; the runtime needs numpy alone). The held-out
AnnoMI transcripts (`annomi.is_held_out`) are never used here, so `benchmarks/coder.py`
scores a model that has not seen them. Fixed seeds: the same inputs give the same file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from trainer.feedback.coder import GROUPS, MODEL_FORMAT_VERSION, N_OUTPUTS, SUBTYPES
from trainer.feedback.text_features import FeatureSettings, featurize, strip_punctuation_and_case
from trainer.feedback.training.annomi import LabelledUtterance, load_annomi, split_for_training

HERE = Path(__file__).resolve().parent
AFFIRMATIONS_FILE = HERE / "affirmations.txt"
TRAINEE_EXAMPLES_FILE = HERE / "trainee_examples.tsv"
SEED = 20261128
WRITTEN = "written"  # transcript id of our own examples
NO_CONTEXT_SHARE = 0.25  # of our examples without a given client turn, this many get no context


@dataclass(frozen=True)
class TrainSettings:
    group_c: float = 4.0
    subtype_c: float = 2.0
    # Subtype heads trained with balanced class weights. affirm/other is not: AnnoMI's
    # `other` outnumbers our affirmations and balancing made substantive `other` turns
    # come out as affirmations.
    balanced_subtype_groups: tuple[str, ...] = ("question", "reflection", "therapist_input")
    strip_copies: int = 1  # extra copies of each example with punctuation and casing removed
    written_example_weight: float = 1.0
    max_iter: int = 3000


@dataclass(frozen=True)
class Example:
    text: str
    context: tuple[tuple[str, str], ...]
    group: str
    code: str | None
    transcript_id: str
    weight: float = 1.0


@dataclass(frozen=True)
class TrainedCoder:
    weights: np.ndarray  # n_buckets x 12: group head (4), then a (0, w) pair per subtype head
    bias: np.ndarray


def _code_group(code: str) -> str:
    for group, pair in SUBTYPES.items():
        if code in pair:
            return group
    raise ValueError(f"unknown code {code!r}")


def read_written_examples(client_turns: Sequence[str], rng: random.Random) -> list[Example]:
    """Our own trainee-style examples (see docs/coder.md).

    Those written without a client turn get a random AnnoMI client turn, or (a quarter
    of them) no context at all, so that neither "no context" nor a given client turn
    becomes a cue for their codes.
    """
    lines: list[tuple[str, str, str]] = []  # (code, client, text)
    for raw in AFFIRMATIONS_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(("affirm", "", line))
    for number, raw in enumerate(TRAINEE_EXAMPLES_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{TRAINEE_EXAMPLES_FILE}:{number}: expected code<TAB>client<TAB>text")
        code, client, text = (part.strip() for part in parts)
        _code_group(code)
        lines.append((code, client, text))
    examples = []
    for code, client, text in lines:
        if client:
            context: tuple[tuple[str, str], ...] = (("client", client),)
        elif rng.random() < NO_CONTEXT_SHARE:
            context = ()  # as at the start of a conversation
        else:
            context = (("client", rng.choice(client_turns)),)
        examples.append(Example(text, context, _code_group(code), code, WRITTEN))
    return examples


def annomi_examples(utterances: Sequence[LabelledUtterance]) -> list[Example]:
    return [Example(u.text, u.context, u.group, u.code, u.transcript_id) for u in utterances]


def augment(examples: Sequence[Example], copies: int, rng: random.Random) -> list[Example]:
    """Add copies without punctuation/casing, as a speech recogniser might give them.

    The trainee's earlier turns in the context are stripped too (they came from the same
    recogniser); the client's turns keep their punctuation half of the time.
    """
    out = list(examples)
    for _ in range(copies):
        for ex in examples:
            strip_client = rng.random() < 0.5
            context = tuple(
                (s, strip_punctuation_and_case(t) if s == "trainee" or strip_client else t)
                for s, t in ex.context
            )
            out.append(
                Example(strip_punctuation_and_case(ex.text), context, ex.group, ex.code, ex.transcript_id, ex.weight)
            )
    return out


def feature_matrix(examples: Sequence[tuple[str, Sequence[tuple[str, str]]]], settings: FeatureSettings):
    """CSR matrix of featurize() over (text, context) pairs."""
    from scipy.sparse import csr_matrix

    indptr = [0]
    all_indices: list[np.ndarray] = []
    all_values: list[np.ndarray] = []
    for text, context in examples:
        indices, values = featurize(text, context, settings)
        all_indices.append(indices)
        all_values.append(values)
        indptr.append(indptr[-1] + len(indices))
    return csr_matrix(
        (np.concatenate(all_values), np.concatenate(all_indices), np.array(indptr)),
        shape=(len(examples), settings.n_buckets),
    )


def _group_head(features, groups: np.ndarray, sample_weight: np.ndarray, train: TrainSettings):
    from sklearn.linear_model import LogisticRegression

    head = LogisticRegression(C=train.group_c, max_iter=train.max_iter, random_state=SEED)
    head.fit(features, groups, sample_weight=sample_weight)
    return head


def fit_coder(examples: Sequence[Example], settings: FeatureSettings, train: TrainSettings, log=print) -> TrainedCoder:
    from sklearn.linear_model import LogisticRegression

    sample_weight = np.array([ex.weight for ex in examples])
    groups = np.array([GROUPS.index(ex.group) for ex in examples])

    started = time.perf_counter()
    features = feature_matrix([(ex.text, ex.context) for ex in examples], settings)

    n_buckets = settings.n_buckets
    weights = np.zeros((n_buckets, N_OUTPUTS), dtype=np.float64)
    bias = np.zeros(N_OUTPUTS, dtype=np.float64)
    head = _group_head(features, groups, sample_weight, train)
    weights[:, : len(GROUPS)] = head.coef_.T
    bias[: len(GROUPS)] = head.intercept_

    for i, group in enumerate(GROUPS):
        first_code, second_code = SUBTYPES[group]
        rows = [j for j, ex in enumerate(examples) if ex.group == group and ex.code in (first_code, second_code)]
        labels = np.array([1 if examples[j].code == second_code else 0 for j in rows])
        if len(set(labels.tolist())) < 2:
            raise ValueError(f"subtype head {group}: needs examples of both {first_code} and {second_code}")
        sub = LogisticRegression(
            C=train.subtype_c,
            max_iter=train.max_iter,
            random_state=SEED,
            class_weight="balanced" if group in train.balanced_subtype_groups else None,
        )
        sub.fit(features[rows], labels, sample_weight=sample_weight[rows])
        column = len(GROUPS) + 2 * i + 1
        weights[:, column] = sub.coef_[0]
        bias[column] = sub.intercept_[0]
    log(f"heads fitted ({time.perf_counter() - started:.0f} s)")
    return TrainedCoder(weights, bias)


def _sparse_rows(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = np.flatnonzero(np.any(weights != 0.0, axis=1)).astype(np.int32)
    return rows, weights[rows].astype(np.float16)


def save_model(path: Path, model: TrainedCoder, settings: FeatureSettings, info: dict) -> None:
    meta = {
        "format_version": MODEL_FORMAT_VERSION,
        "groups": list(GROUPS),
        "subtypes": {g: list(p) for g, p in SUBTYPES.items()},
        "feature_settings": asdict(settings),
        "training": info,
    }
    rows, row_weights = _sparse_rows(model.weights)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(
            handle,
            rows=rows,
            row_weights=row_weights,
            bias=model.bias.astype(np.float32),
            meta_json=np.array(json.dumps(meta, sort_keys=True)),
        )


def build_training_set(
    utterances: Sequence[LabelledUtterance], train: TrainSettings
) -> tuple[list[Example], dict]:
    rng = random.Random(SEED)
    client_turns = sorted(
        {text for u in utterances for speaker, text in u.context if speaker == "client" and len(text.split()) > 3}
    )
    written = read_written_examples(client_turns, rng)
    written = [
        Example(e.text, e.context, e.group, e.code, e.transcript_id, train.written_example_weight) for e in written
    ]
    base = annomi_examples(utterances) + written
    examples = augment(base, train.strip_copies, rng)
    info = {
        "annomi_training_utterances": len(utterances),
        "annomi_training_transcripts": len({u.transcript_id for u in utterances}),
        "written_examples": len(written),
        "examples_after_augmentation": len(examples),
        "train_settings": asdict(train),
        "seed": SEED,
    }
    return examples, info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the utterance coder (see docs/coder.md).")
    parser.add_argument("--annomi", type=Path, required=True, help="folder with the AnnoMI CSVs")
    parser.add_argument("--out", type=Path, required=True, help="where to write coder_model.npz")
    parser.add_argument("--dev-fold", type=int, default=None,
                        help="development: also leave out this fold (1-4), for comparing choices on it")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    settings = FeatureSettings()
    train = TrainSettings()
    utterances, _ = split_for_training(load_annomi(args.annomi), args.dev_fold)
    examples, info = build_training_set(utterances, train)
    log(f"training on {len(examples)} examples: {json.dumps(info)}")
    model = fit_coder(examples, settings, train, log)
    save_model(args.out, model, settings, info)
    log(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
