"""Voice activity: Silero VAD (the ONNX file faster-whisper ships) run block by block,
and a turn detector that turns probabilities into speech start / utterance end.

Times are in seconds of *audio* (samples consumed / 16000) on the stream's own clock,
so pauses and latencies come from the audio, never from Whisper's segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
BLOCK_SAMPLES = 512  # 32 ms: the block size Silero VAD expects at 16 kHz
CONTEXT_SAMPLES = 64


class SileroVad:
    """Streaming speech probability for consecutive 512-sample blocks."""

    def __init__(self, model_path: Path):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        options.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(
            str(model_path), providers=["CPUExecutionProvider"], sess_options=options
        )
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, CONTEXT_SAMPLES), dtype=np.float32)

    def probability(self, block: np.ndarray) -> float:
        block = np.asarray(block, dtype=np.float32).reshape(1, -1)
        if block.shape[1] != BLOCK_SAMPLES:
            raise ValueError(f"VAD blocks must have {BLOCK_SAMPLES} samples, got {block.shape[1]}")
        batch = np.concatenate([self._context, block], axis=1)
        output, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = block[:, -CONTEXT_SAMPLES:]
        return float(np.asarray(output).reshape(-1)[0])


@dataclass(frozen=True)
class TurnDetectorOptions:
    """Thresholds for turn-taking; ``end_silence_ms`` is the end-of-turn silence."""

    start_threshold: float = 0.5
    end_threshold: float = 0.35
    min_speech_ms: int = 160
    end_silence_ms: int = 700
    pre_roll_ms: int = 300
    max_utterance_s: float = 60.0
    # While the client is speaking, echo of its voice can reach the microphone; demand
    # more sustained, more certain speech before treating it as the trainee barging in.
    barge_in_threshold: float = 0.8
    barge_in_min_speech_ms: int = 96
    # After this much silence the utterance so far is handed out as a tentative end, so
    # transcription can start before the end-of-turn silence has fully passed.
    tentative_silence_ms: int = 192


@dataclass(frozen=True)
class SpeechStart:
    start_s: float


@dataclass(frozen=True)
class UtteranceEnd:
    samples: np.ndarray  # float32 16 kHz, including pre-roll
    start_s: float
    end_s: float
    # True when no speech followed the last TentativeEnd: its transcript is this one's.
    tentative_still_valid: bool = False


@dataclass(frozen=True)
class TentativeEnd:
    """The trainee has paused: the utterance so far, which may yet continue."""

    samples: np.ndarray
    start_s: float


class TurnDetector:
    """Feeds on (block, probability) pairs; returns SpeechStart / UtteranceEnd or None."""

    def __init__(self, options: TurnDetectorOptions = TurnDetectorOptions()):
        self.options = options
        self.block_s = BLOCK_SAMPLES / SAMPLE_RATE
        self.reset()

    def reset(self) -> None:
        self._clock_s = 0.0
        self._in_speech = False
        self._speech_run = 0
        self._silence_run = 0
        self._candidate_start = 0.0
        self._blocks: list[np.ndarray] = []
        pre = max(1, int(self.options.pre_roll_ms / 1000 / self.block_s))
        self._pre_roll: list[np.ndarray] = []
        self._pre_roll_len = pre
        self._start_s = 0.0
        self._tentative_valid = False

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def clock_s(self) -> float:
        return self._clock_s

    def set_end_silence_ms(self, value: int) -> None:
        self.options = TurnDetectorOptions(**{**self.options.__dict__, "end_silence_ms": int(value)})

    def feed(self, block: np.ndarray, probability: float, client_speaking: bool = False):
        options = self.options
        block_start = self._clock_s
        self._clock_s += self.block_s
        if not self._in_speech:
            threshold = options.barge_in_threshold if client_speaking else options.start_threshold
            needed_ms = options.barge_in_min_speech_ms if client_speaking else options.min_speech_ms
            self._pre_roll.append(block)
            if len(self._pre_roll) > self._pre_roll_len + 16:
                self._pre_roll.pop(0)
            if probability >= threshold:
                if self._speech_run == 0:
                    self._candidate_start = block_start
                self._speech_run += 1
            else:
                self._speech_run = 0
            if self._speech_run * self.block_s * 1000 >= needed_ms:
                self._in_speech = True
                self._silence_run = 0
                self._start_s = self._candidate_start
                keep = self._speech_run + self._pre_roll_len
                self._blocks = self._pre_roll[-keep:]
                self._pre_roll = []
                self._speech_run = 0
                return SpeechStart(self._start_s)
            return None
        self._blocks.append(block)
        if probability < options.end_threshold:
            self._silence_run += 1
        else:
            self._silence_run = 0
            self._tentative_valid = False
        silence_ms = self._silence_run * self.block_s * 1000
        too_long = (self._clock_s - self._start_s) >= options.max_utterance_s
        if silence_ms >= options.end_silence_ms or too_long:
            return self._finish(end_s=self._clock_s - self._silence_run * self.block_s)
        tentative_blocks = max(1, round(options.tentative_silence_ms / 1000 / self.block_s))
        if self._silence_run == tentative_blocks and options.tentative_silence_ms < options.end_silence_ms:
            self._tentative_valid = True
            return TentativeEnd(samples=np.concatenate(self._blocks), start_s=self._start_s)
        return None

    def force_end(self):
        """End the current utterance now (push-to-talk release)."""
        if not self._in_speech:
            return None
        return self._finish(end_s=self._clock_s)

    def force_start(self) -> SpeechStart:
        """Start an utterance now regardless of VAD (push-to-talk press)."""
        self._in_speech = True
        self._silence_run = 0
        self._tentative_valid = False
        self._start_s = self._clock_s
        self._blocks = []
        self._pre_roll = []
        return SpeechStart(self._start_s)

    def _finish(self, end_s: float) -> UtteranceEnd:
        # Keep a little trailing silence: Whisper clips final words without it.
        tail_blocks = max(0, self._silence_run - int(0.25 / self.block_s))
        blocks = self._blocks[: len(self._blocks) - tail_blocks] if tail_blocks else self._blocks
        samples = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
        utterance = UtteranceEnd(samples=samples, start_s=self._start_s, end_s=end_s,
                                 tentative_still_valid=self._tentative_valid)
        self._tentative_valid = False
        self._in_speech = False
        self._blocks = []
        self._silence_run = 0
        self._speech_run = 0
        return utterance
