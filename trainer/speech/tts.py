"""Speech synthesis with piper-tts, from a local voice file only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from trainer.models import ModelError
from trainer.speech.pitch import pitch_factor, resample_by


@dataclass(frozen=True)
class VoiceParams:
    """How the client sounds now: persona (rate, pitch) and state (prosody).

    ``length_scale`` > 1 is slower; ``pitch_semitones`` shifts pitch and timbre.
    """

    length_scale: float = 1.0
    noise_scale: float = 0.667
    noise_w: float = 0.8
    volume: float = 1.0
    pitch_semitones: float = 0.0

    @classmethod
    def from_dict(cls, values: dict) -> "VoiceParams":
        known = {k: float(v) for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class Synthesizer(Protocol):
    sample_rate: int

    def synthesize(self, text: str, params: VoiceParams = VoiceParams()) -> np.ndarray:
        """Mono int16 samples at ``sample_rate``."""


class PiperSynthesizer:
    def __init__(self, voice_path: Path):
        from piper import PiperVoice

        from trainer.models import VOICE_FIX, unusable_voice, voice_problem

        self.voice_path = Path(voice_path)
        problem = voice_problem(self.voice_path)
        if problem:
            raise unusable_voice(self.voice_path, problem)
        try:
            self._voice = PiperVoice.load(
                self.voice_path,
                config_path=self.voice_path.with_suffix(".onnx.json"),
                download_dir=self.voice_path.parent,
            )
        except Exception as error:  # passed the cheap checks, but piper or onnxruntime refused it
            raise ModelError(f"The voice {self.voice_path} could not be loaded ({error}); it may be incomplete "
                             f"or damaged. {VOICE_FIX.replace('NAME', self.voice_path.stem)}") from error
        self.sample_rate = int(self._voice.config.sample_rate)

    def synthesize(self, text: str, params: VoiceParams = VoiceParams()) -> np.ndarray:
        from piper import SynthesisConfig

        factor = pitch_factor(params.pitch_semitones)
        config = SynthesisConfig(
            length_scale=params.length_scale * factor,
            noise_scale=params.noise_scale,
            noise_w_scale=params.noise_w,
            volume=params.volume,
        )
        chunks = [chunk.audio_int16_array for chunk in self._voice.synthesize(text, syn_config=config)]
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        return resample_by(np.concatenate(chunks), factor)

    def warm_up(self) -> None:
        self.synthesize("Hello.")
