"""Speech recognition with faster-whisper, from a local model folder only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from trainer.models import ModelError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000


class Recognizer(Protocol):
    def transcribe(self, samples: np.ndarray) -> str:
        """Text for mono float32 samples at 16 kHz ('' for silence)."""


@dataclass(frozen=True)
class RecognizerOptions:
    """Chosen by measurement on the 2-core machine (docs/performance.md)."""

    beam_size: int = 1
    cpu_threads: int = 2
    compute_type: str = "int8"
    language: str = "en"
    without_timestamps: bool = True
    # Whisper decodes 30 s windows; without timestamps it cannot tell where a window's last
    # whole word ends and jumps a full window on, and on long turns it sometimes returned
    # almost nothing for the first one (benchmarks/long_turn_asr.py). Longer audio is
    # therefore decoded with timestamps; None = never.
    timestamps_over_s: float | None = 30.0


class WhisperRecognizer:
    def __init__(self, model_dir: Path, options: RecognizerOptions = RecognizerOptions()):
        from faster_whisper import WhisperModel

        self.options = options
        self.model_dir = Path(model_dir)
        try:
            self._model = WhisperModel(
                str(self.model_dir),
                device="cpu",
                compute_type=options.compute_type,
                cpu_threads=options.cpu_threads,
                local_files_only=True,
            )
        except Exception as error:  # a user-added folder: damaged, incomplete or not faster-whisper's
            raise ModelError(
                f"The speech recognition model {self.model_dir} could not be loaded ({error}). It must be a "
                "whole faster-whisper (CTranslate2) model folder. Replace or remove it, or pick another "
                "speech recognition model in Settings (or with --asr)."
            ) from error

    def transcribe(self, samples: np.ndarray) -> str:
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if samples.size < SAMPLE_RATE // 10:
            log.warning("utterance shorter than 100 ms; treated as empty")
            return ""
        segments, _info = self._model.transcribe(
            samples,
            language=self.options.language,
            beam_size=self.options.beam_size,
            without_timestamps=self.options.without_timestamps and not self._long(samples),
            condition_on_previous_text=False,
            vad_filter=False,
        )
        return " ".join(segment.text.strip() for segment in segments).strip()

    def _long(self, samples: np.ndarray) -> bool:
        limit = self.options.timestamps_over_s
        return limit is not None and samples.size > limit * SAMPLE_RATE

    def warm_up(self) -> None:
        """One tiny decode so the first real turn does not pay for lazy initialisation."""
        t = np.arange(SAMPLE_RATE // 2, dtype=np.float32) / SAMPLE_RATE
        self.transcribe(0.01 * np.sin(2 * np.pi * 220 * t))
