"""Shared helpers for the storage tests (imported by the test_storage_* modules)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trainer.storage.crypto import ScryptParams
from trainer.storage.store import SessionStore

FAST_KDF = ScryptParams(n=2**10, r=8, p=1)
SECRET_PHRASE = "my sister never calls me back"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRAINER_PASSPHRASE", "TRAINER_DATA_DIR", "TRAINER_PACKAGE_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)


def open_store(data_dir: Path, passphrase: str | None = None) -> SessionStore:
    return SessionStore.open(data_dir, passphrase, kdf_params=FAST_KDF)


def make_turn(index: int, *, audio: bool = False, text: str | None = None, **extra) -> dict:
    turn = {
        "index": index,
        "trainee_text": text or f"So you feel stuck with turn {index}?",
        "client_text": f"Client line {index}.",
        "code": "reflection_complex" if index % 2 else "question_open",
        "confidence": 0.5 + index / 100,
        "feedback": {"attunement": 40 + 5 * index, "nudge": None, "components": {"empathy": 0.7}},
        "timings": {"response_latency_ms": 800 + index, "asr_ms": 120},
        "client_state": {"trust": 0.1 * index},
        "trainee_audio": (np.arange(1600, dtype=np.int16) * (index + 1)) if audio else None,
        "client_audio": np.full(2205, -7, dtype=np.int16) if audio else None,
        "sample_rates": {"trainee": 16000, "client": 22050},
    }
    turn.update(extra)
    return turn


def grep_folder(folder: Path, needle: str) -> list[Path]:
    """Files in ``folder`` whose raw bytes contain ``needle`` (UTF-8)."""
    data = needle.encode("utf-8")
    return [path for path in folder.iterdir() if path.is_file() and data in path.read_bytes()]
