"""Sample-rate conversion and format helpers (numpy only)."""

from __future__ import annotations

import numpy as np


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Linear-interpolation resampling; good enough for speech into Whisper and VAD."""
    samples = np.asarray(samples)
    if from_rate == to_rate or samples.size == 0:
        return samples
    length = int(round(samples.size * to_rate / from_rate))
    positions = np.linspace(0, samples.size - 1, max(length, 1))
    out = np.interp(positions, np.arange(samples.size), samples.astype(np.float32))
    return out.astype(samples.dtype) if samples.dtype == np.float32 else out


def int16_to_float(samples: np.ndarray) -> np.ndarray:
    return np.asarray(samples, dtype=np.float32) / 32768.0


def float_to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(samples) * 32767.0, -32768, 32767).astype(np.int16)


def dbfs(block: np.ndarray) -> float:
    """RMS level of a float block in dB relative to full scale (floor -100)."""
    if block.size == 0:
        return -100.0
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64))))
    return max(-100.0, 20.0 * np.log10(rms + 1e-12))
