"""Microphone sources: each pushes 512-sample float32 blocks at 16 kHz into a queue.

The PortAudio callback only copies the block into a bounded queue; everything else
happens on the engine's audio thread.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from trainer.audio.devices import AudioDeviceError, load_sounddevice, resolve_device
from trainer.audio.resample import int16_to_float, resample
from trainer.audio.vad import BLOCK_SAMPLES, SAMPLE_RATE


class MicrophoneSource(Protocol):
    blocks: "queue.Queue[np.ndarray]"

    def start(self) -> None: ...

    def stop(self) -> None: ...


class SoundDeviceMicrophone:
    streams_continuously = True  # a block every 32 ms, silence included, while it works

    def __init__(self, device: int | str | None = None, max_blocks: int = 256):
        self.device = device
        self.blocks: queue.Queue[np.ndarray] = queue.Queue(maxsize=max_blocks)
        self.dropped_blocks = 0
        self._stream = None

    def _callback(self, indata, frames, time_info, status) -> None:
        try:
            self.blocks.put_nowait(indata[:, 0].astype(np.float32) / 32768.0)
        except queue.Full:
            self.dropped_blocks += 1

    def start(self) -> None:
        sd = load_sounddevice()
        device = resolve_device(self.device, "input")
        try:
            self._stream = sd.InputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="int16",  # what microphones deliver; converted per block
                blocksize=BLOCK_SAMPLES,
                device=device,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as error:
            raise AudioDeviceError(
                f"Could not open the microphone ({error}). Check it is connected, or practise by typing with --text."
            ) from None

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


class ScriptedMicrophone:
    """Feeds prepared utterances (with silence after each) as if from a microphone.

    Used by ``trainer demo``, the benchmarks and the tests: the audio goes through the
    same VAD and transcription path as a real microphone. ``pace`` feeds in real time;
    otherwise as fast as the engine reads. ``feed_utterance`` blocks until queued.
    """

    def __init__(self, pace: bool = False, silence_after_s: float = 1.2):
        self.blocks: queue.Queue[np.ndarray] = queue.Queue(maxsize=64)
        self.pace = pace
        self.silence_after_s = silence_after_s
        self._stopped = threading.Event()

    def start(self) -> None:
        self._stopped.clear()

    def stop(self) -> None:
        self._stopped.set()

    def feed_silence(self, seconds: float) -> None:
        self._feed(np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32))

    def feed_utterance(self, samples_16k: np.ndarray) -> None:
        self._feed(np.concatenate([
            np.asarray(samples_16k, dtype=np.float32),
            np.zeros(int(self.silence_after_s * SAMPLE_RATE), dtype=np.float32),
        ]))

    def _feed(self, samples: np.ndarray) -> None:
        import time

        remainder = (-samples.size) % BLOCK_SAMPLES
        samples = np.concatenate([samples, np.zeros(remainder, dtype=np.float32)])
        next_due = time.monotonic()
        for block in samples.reshape(-1, BLOCK_SAMPLES):
            if self._stopped.is_set():
                return
            if self.pace:
                next_due += BLOCK_SAMPLES / SAMPLE_RATE
                delay = next_due - time.monotonic()
                if delay > 0:
                    self._stopped.wait(delay)
            while not self._stopped.is_set():
                try:
                    self.blocks.put(block, timeout=0.1)
                    break
                except queue.Full:
                    continue


def read_audio_file(path: Path) -> np.ndarray:
    """A WAV or FLAC file as float32 mono at 16 kHz, with a clear error if unreadable."""
    import av  # PyAV comes with faster-whisper

    try:
        container = av.open(str(path))
    except (OSError, av.error.FFmpegError) as error:
        raise AudioFileError(f"Cannot read audio file {path}: {error}") from None
    try:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        pieces = []
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                pieces.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            pieces.append(out.to_ndarray().reshape(-1))
    except (av.error.FFmpegError, ValueError, IndexError) as error:
        raise AudioFileError(f"Cannot decode audio file {path}: {error}") from None
    finally:
        container.close()
    if not pieces:
        raise AudioFileError(f"Audio file {path} contains no audio.")
    return np.concatenate(pieces).astype(np.float32)


class AudioFileError(Exception):
    pass


def synthesized_to_16k(samples_int16: np.ndarray, sample_rate: int) -> np.ndarray:
    return resample(int16_to_float(samples_int16), sample_rate, SAMPLE_RATE).astype(np.float32)
