"""Word error rate, for checking recognition against the lines we synthesized."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9']+")


def normalize_words(text: str) -> list[str]:
    words = _WORD.findall(text.lower().replace("’", "'"))
    return [w.strip("'") for w in words if w.strip("'")]


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, 1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_word in enumerate(hypothesis, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (ref_word != hyp_word))
        previous = current
    return previous[-1]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference word count)."""
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    return edit_distance(ref, hyp), len(ref)


def word_error_rate(pairs: list[tuple[str, str]]) -> float:
    """Corpus WER over (reference, hypothesis) pairs."""
    edits = words = 0
    for reference, hypothesis in pairs:
        e, n = word_errors(reference, hypothesis)
        edits += e
        words += n
    return edits / words if words else 0.0
