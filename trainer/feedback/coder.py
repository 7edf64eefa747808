"""Utterance coder: what kind of thing did the trainee just say?

A two-stage linear model over hashed text features (`text_features.featurize`):
a 4-way group head (question / reflection / therapist_input / other) and one 2-way
head per group for the subtype. The features include the conversational context (the
client's last turn and the trainee's previous turn). Weights are plain numpy arrays in `data/coder_model.npz`, made by
`python -m trainer.feedback.training.train_coder`. See docs/coder.md.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from trainer.feedback.text_features import FeatureSettings, featurize

CODES: tuple[str, ...] = (
    "question_open",
    "question_closed",
    "reflection_simple",
    "reflection_complex",
    "affirm",
    "advise",
    "inform",
    "other",
)

# Our codes -> AnnoMI's main_therapist_behaviour.
ANNOMI_MAPPING: dict[str, str] = {
    "question_open": "question",
    "question_closed": "question",
    "reflection_simple": "reflection",
    "reflection_complex": "reflection",
    "advise": "therapist_input",
    "inform": "therapist_input",
    "affirm": "other",
    "other": "other",
}

# The two-stage layout: group head first, then each group's subtype head, in this order.
GROUPS: tuple[str, ...] = ("question", "reflection", "therapist_input", "other")
SUBTYPES: dict[str, tuple[str, str]] = {
    "question": ("question_open", "question_closed"),
    "reflection": ("reflection_simple", "reflection_complex"),
    "therapist_input": ("advise", "inform"),
    "other": ("affirm", "other"),
}
N_OUTPUTS = len(GROUPS) + 2 * len(GROUPS)
MODEL_FORMAT_VERSION = 3

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "data" / "coder_model.npz"

SPEAKERS = ("trainee", "client")


class CoderModelError(RuntimeError):
    """The model file is missing, unreadable or not a coder model."""


@dataclass(frozen=True)
class CodedUtterance:
    code: str
    confidence: float


@dataclass(frozen=True)
class CodeProbabilities:
    """Full output for one utterance: group probabilities and each group's subtype split."""

    groups: dict[str, float]
    subtypes: dict[str, float]  # P(subtype | its group)

    def joint(self) -> dict[str, float]:
        return {
            code: self.groups[group] * self.subtypes[code]
            for group, pair in SUBTYPES.items()
            for code in pair
        }


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max()
    exp = np.exp(shifted)
    return exp / exp.sum()


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def dense_weights_from_rows(n_buckets: int, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    dense = np.zeros((n_buckets, weights.shape[1]), dtype=np.float32)
    dense[rows] = weights.astype(np.float32)
    return dense


@dataclass(frozen=True)
class LinearLayer:
    """Dense weights (n_buckets x outputs) and bias."""

    weights: np.ndarray
    bias: np.ndarray

    def logits(self, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
        return values @ self.weights[indices] + self.bias


def _read_layer(archive, n_buckets: int, n_outputs: int, model_path: Path) -> LinearLayer:
    """Weights are stored as the non-zero rows only (row indices + float16 rows)."""
    rows = archive["rows"]
    row_weights = archive["row_weights"]
    bias = archive["bias"]
    if rows.ndim != 1 or row_weights.shape != (rows.shape[0], n_outputs) or bias.shape != (n_outputs,):
        raise CoderModelError(f"coder model {model_path} has inconsistent weight arrays")
    if rows.size and (rows.min() < 0 or rows.max() >= n_buckets):
        raise CoderModelError(f"coder model {model_path} has weight rows out of range")
    return LinearLayer(dense_weights_from_rows(n_buckets, rows, row_weights), bias.astype(np.float32))


class CodingMethods:
    """What every coder offers once it can give `probabilities(text, context)`."""

    def code(self, text: str, context: Sequence[tuple[str, str]] = ()) -> CodedUtterance:
        if not text or not text.strip():
            return CodedUtterance(code="other", confidence=0.0)
        probs = self.probabilities(text, context)
        group = max(GROUPS, key=lambda g: probs.groups[g])
        first, second = SUBTYPES[group]
        code = first if probs.subtypes[first] >= probs.subtypes[second] else second
        confidence = probs.groups[group] * probs.subtypes[code]
        return CodedUtterance(code=code, confidence=float(min(max(confidence, 0.0), 1.0)))

    def code_conversation(self, turns: Sequence[tuple[str, str]]) -> list[CodedUtterance | None]:
        """Code every trainee turn of a conversation; client turns give None."""
        results: list[CodedUtterance | None] = []
        for i, (speaker, text) in enumerate(turns):
            if speaker not in SPEAKERS:
                raise ValueError(f"turn {i}: speaker must be one of {SPEAKERS}, got {speaker!r}")
            results.append(self.code(text, turns[:i]) if speaker == "trainee" else None)
        return results

    def code_many(
        self, items: Sequence[tuple[str, Sequence[tuple[str, str]]]]
    ) -> list[CodedUtterance]:
        """Code several (text, context) pairs."""
        return [self.code(text, context) for text, context in items]


class UtteranceCoder(CodingMethods):
    """Codes trainee utterances. Build with `UtteranceCoder.load()`."""

    def __init__(self, layer: LinearLayer, settings: FeatureSettings) -> None:
        if layer.weights.shape != (settings.n_buckets, N_OUTPUTS) or layer.bias.shape != (N_OUTPUTS,):
            raise CoderModelError(
                f"weights have shape {layer.weights.shape}, expected {(settings.n_buckets, N_OUTPUTS)}"
            )
        self._layer = layer
        self._settings = settings

    @classmethod
    def load(cls, path: Path | None = None) -> "UtteranceCoder":
        model_path = Path(path) if path is not None else DEFAULT_MODEL_PATH
        if path is not None and not model_path.is_file():  # the user's own path: no rebuild advice
            what = "is a folder, not a model file" if model_path.is_dir() else "does not exist"
            raise CoderModelError(f"coder model {model_path} {what}; check the path")
        if not model_path.is_file():
            raise CoderModelError(
                f"coder model not found at {model_path}; rebuild it with "
                "`python -m trainer.feedback.training.train_coder`"
            )
        try:
            with np.load(model_path, allow_pickle=False) as archive:
                meta = json.loads(str(archive["meta_json"]))
                if meta.get("format_version") != MODEL_FORMAT_VERSION:
                    raise CoderModelError(
                        f"coder model {model_path} has format {meta.get('format_version')!r}, "
                        f"expected {MODEL_FORMAT_VERSION}"
                    )
                if list(meta.get("groups", [])) != list(GROUPS):
                    raise CoderModelError(f"coder model {model_path} has unexpected groups {meta.get('groups')}")
                settings = FeatureSettings(**meta["feature_settings"])
                layer = _read_layer(archive, settings.n_buckets, N_OUTPUTS, model_path)
        except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
            raise CoderModelError(f"coder model {model_path} is unreadable or corrupt: {error}") from error
        return cls(layer, settings)

    def probabilities(self, text: str, context: Sequence[tuple[str, str]] = ()) -> CodeProbabilities:
        indices, values = featurize(text, context, self._settings)
        logits = self._layer.logits(indices, values)
        n_groups = len(GROUPS)
        group_probs = _softmax(logits[:n_groups])
        groups = {group: float(p) for group, p in zip(GROUPS, group_probs)}
        subtypes: dict[str, float] = {}
        for i, group in enumerate(GROUPS):
            first, second = SUBTYPES[group]
            # Each subtype head is a binary logistic regression: logit of the second code.
            p_second = _sigmoid(float(logits[n_groups + 2 * i + 1] - logits[n_groups + 2 * i]))
            subtypes[first] = 1.0 - p_second
            subtypes[second] = p_second
        return CodeProbabilities(groups=groups, subtypes=subtypes)

