"""Turning stored values into bytes and back: JSON for records, a small header for audio."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from trainer.storage.errors import AudioDataError

_AUDIO_MAGIC = b"TRAU"
_AUDIO_HEADER = struct.Struct("<4sBIQ")  # magic, version, sample rate, sample count
_AUDIO_VERSION = 1


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"Cannot store a value of type {type(value).__name__} as JSON")


def json_dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, sort_keys=True)


def to_json_bytes(value: Any) -> bytes:
    return json_dumps(value).encode("utf-8")


def from_json_bytes(data: bytes) -> Any:
    return json.loads(data.decode("utf-8"))


def check_audio(samples: Any, what: str) -> np.ndarray:
    """The audio as a 1-D int16 array, or ValueError naming ``what``.

    Float audio (-1..1) is converted; a single-column 2-D array is flattened.
    """
    array = np.asarray(samples)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{what} must be mono (1-D), got shape {array.shape}")
    if np.issubdtype(array.dtype, np.floating):
        array = np.clip(array * 32767.0, -32768, 32767).astype(np.int16)
    if array.dtype != np.int16:
        raise ValueError(f"{what} must be an np.int16 (or float) array, got {array.dtype}")
    return array


def encode_audio(samples: np.ndarray, sample_rate: int) -> bytes:
    if int(sample_rate) <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")
    body = samples.astype("<i2", copy=False).tobytes()
    return _AUDIO_HEADER.pack(_AUDIO_MAGIC, _AUDIO_VERSION, int(sample_rate), samples.size) + body


def decode_audio(data: bytes, where: str) -> tuple[np.ndarray, int]:
    """Samples and sample rate; ``AudioDataError`` naming ``where`` if damaged."""
    if len(data) < _AUDIO_HEADER.size:
        raise AudioDataError(f"The audio for {where} is truncated (only {len(data)} bytes).")
    magic, version, sample_rate, count = _AUDIO_HEADER.unpack_from(data)
    if magic != _AUDIO_MAGIC or version != _AUDIO_VERSION:
        raise AudioDataError(f"The audio for {where} is not in a known format.")
    expected = _AUDIO_HEADER.size + 2 * count
    if len(data) != expected:
        raise AudioDataError(
            f"The audio for {where} is truncated: expected {expected} bytes, found "
            f"{len(data)}. Delete the recording or the session; the transcript is unaffected."
        )
    samples = np.frombuffer(data, dtype="<i2", offset=_AUDIO_HEADER.size).astype(np.int16)
    return samples, int(sample_rate)
