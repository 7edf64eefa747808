"""Speaker sinks. ``stop()`` flushes everything queued, for barge-in."""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Protocol

import numpy as np

from trainer.audio.devices import AudioDeviceError, load_sounddevice, resolve_device

log = logging.getLogger(__name__)

# The output callback runs every block (about 23 ms); this long without one while sound
# waits means the device is gone.
SPEAKER_STALL_S = 1.5


class SpeakerSink(Protocol):
    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        """Queue int16 mono audio; returns at once."""

    def stop(self) -> None:
        """Flush the queue and silence the speaker now."""

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until everything queued has been played (or stopped)."""

    @property
    def playing(self) -> bool: ...

    def close(self) -> None: ...


class _QueuedPlayback:
    """Shared bookkeeping: queued chunks and an idle event."""

    def __init__(self) -> None:
        self._chunks: "queue.Queue[np.ndarray]" = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()

    @property
    def playing(self) -> bool:
        return not self._idle.is_set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self._idle.wait(timeout)

    def _flush(self) -> None:
        while True:
            try:
                self._chunks.get_nowait()
            except queue.Empty:
                break


class NullSpeaker(_QueuedPlayback):
    """Plays nothing. With ``pace`` it takes as long as the audio would (demos in real
    time); without it, playback is instant (fast tests). Keeps what it was given."""

    def __init__(self, pace: bool = False, keep_audio: bool = False):
        super().__init__()
        self.pace = pace
        self.keep_audio = keep_audio
        self.played: list[np.ndarray] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="null-speaker", daemon=True)
        self._closed = False
        self._thread.start()

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        with self._lock:
            self._idle.clear()
            self._chunks.put((samples, sample_rate))

    def stop(self) -> None:
        with self._lock:
            self._flush()
            self._stop.set()

    def _run(self) -> None:
        while not self._closed:
            try:
                samples, rate = self._chunks.get(timeout=0.05)
            except queue.Empty:
                with self._lock:
                    if self._chunks.empty():
                        self._idle.set()
                        self._stop.clear()
                continue
            if self.keep_audio:
                self.played.append(samples)
            if self.pace:
                self._stop.wait(samples.size / rate)

    def close(self) -> None:
        self._closed = True
        self.stop()


class SoundDeviceSpeaker(_QueuedPlayback):
    """Real playback through a PortAudio output stream fed from a callback."""

    def __init__(self, device: int | str | None = None, sample_rate: int = 22050, block: int = 512):
        super().__init__()
        sd = load_sounddevice()
        device = resolve_device(device, "output")
        self.sample_rate = sample_rate
        self._current = np.zeros(0, dtype=np.int16)
        self._last_callback_at = time.monotonic()
        try:
            self._stream = sd.OutputStream(
                samplerate=sample_rate, channels=1, dtype="int16", blocksize=block,
                device=device, callback=self._callback,
            )
            self._stream.start()
        except Exception as error:
            raise AudioDeviceError(
                f"Could not open the speaker ({error}). Check the output device, or use --output-device null."
            ) from None

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        if sample_rate != self.sample_rate:
            from trainer.audio.resample import resample

            samples = resample(samples.astype(np.float32), sample_rate, self.sample_rate).astype(np.int16)
        with self._lock:
            self._idle.clear()
            self._chunks.put(np.asarray(samples, dtype=np.int16))

    def stop(self) -> None:
        with self._lock:
            self._flush()
            self._current = np.zeros(0, dtype=np.int16)
            self._idle.set()

    def stalled(self, after_s: float = SPEAKER_STALL_S) -> bool:
        """True when sound is waiting but the device has stopped asking for it (unplugged,
        or the sound server dropped the stream): playback would otherwise never finish."""
        return self.playing and time.monotonic() - self._last_callback_at > after_s

    def _callback(self, outdata, frames, time_info, status) -> None:
        self._last_callback_at = time.monotonic()
        out = outdata[:, 0]
        filled = 0
        with self._lock:
            while filled < frames:
                if self._current.size == 0:
                    try:
                        self._current = self._chunks.get_nowait()
                    except queue.Empty:
                        break
                take = min(frames - filled, self._current.size)
                out[filled:filled + take] = self._current[:take]
                self._current = self._current[take:]
                filled += take
            out[filled:] = 0
            if filled < frames and self._current.size == 0 and self._chunks.empty():
                self._idle.set()

    def close(self) -> None:
        self.stop()
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:  # the device may already be gone (unplugged); closing is best effort
            log.debug("closing the output stream failed", exc_info=True)
