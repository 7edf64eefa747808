"""The shipped utterance coder: the linear coder and the transformer coder, blended.

The two models make different mistakes: the linear model (hashed n-grams and
hand-made context cues, `coder.UtteranceCoder`) is sharp on wording, the fine-tuned
MiniLM (`onnx_coder.OnnxUtteranceCoder`) on meaning. Averaging their probabilities
scores higher than either alone on AnnoMI transcripts neither has seen (docs/coder.md).
The blend weight was chosen on a development fold, never on the held-out transcripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from trainer.feedback.coder import GROUPS, SUBTYPES, CodeProbabilities, CodingMethods, UtteranceCoder
from trainer.feedback.onnx_coder import OnnxUtteranceCoder

LINEAR_WEIGHT = 0.5  # share of the linear coder in the blend; the transformer has the rest


class BlendedCoder(CodingMethods):
    """Weighted average of two coders' group and subtype probabilities."""

    def __init__(self, linear: CodingMethods, transformer: CodingMethods, linear_weight: float = LINEAR_WEIGHT) -> None:
        if not 0.0 <= linear_weight <= 1.0:
            raise ValueError(f"linear_weight must be in [0, 1], got {linear_weight}")
        self.linear = linear
        self.transformer = transformer
        self.linear_weight = linear_weight

    @classmethod
    def load(cls, linear_path: Path | None = None, transformer_path: Path | None = None) -> "BlendedCoder":
        """The shipped models (or the given files); CoderModelError names a missing or bad one."""
        return cls(UtteranceCoder.load(linear_path), OnnxUtteranceCoder.load(transformer_path))

    def probabilities(self, text: str, context: Sequence[tuple[str, str]] = ()) -> CodeProbabilities:
        a = self.linear.probabilities(text, context)
        b = self.transformer.probabilities(text, context)
        w = self.linear_weight
        groups = {g: w * a.groups[g] + (1.0 - w) * b.groups[g] for g in GROUPS}
        subtypes = {
            code: w * a.subtypes[code] + (1.0 - w) * b.subtypes[code]
            for pair in SUBTYPES.values()
            for code in pair
        }
        return CodeProbabilities(groups=groups, subtypes=subtypes)
