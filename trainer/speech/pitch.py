"""Per-persona pitch and timbre from a single installed voice.

Piper has one pitch per voice. To make clients sound different we synthesize with
longer (or shorter) phonemes and then resample the audio back to the original length:
shortening by a factor ``f`` raises every frequency, formants included, by ``f`` while
the duration returns to what the speaking rate asked for. ``f = 2 ** (semitones / 12)``.
"""

from __future__ import annotations

import numpy as np


def pitch_factor(semitones: float) -> float:
    return float(2.0 ** (semitones / 12.0))


def resample_by(samples: np.ndarray, factor: float) -> np.ndarray:
    """Shrink (factor > 1) or stretch (factor < 1) int16 audio by linear interpolation."""
    if abs(factor - 1.0) < 1e-3 or samples.size == 0:
        return samples
    new_length = max(1, int(round(samples.size / factor)))
    positions = np.linspace(0, samples.size - 1, new_length)
    shifted = np.interp(positions, np.arange(samples.size), samples.astype(np.float32))
    return np.clip(shifted, -32768, 32767).astype(np.int16)
