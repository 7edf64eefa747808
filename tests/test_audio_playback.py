"""SoundDeviceSpeaker notices a device that stopped asking for sound."""

from __future__ import annotations

import time

import numpy as np

from trainer.audio.playback import SoundDeviceSpeaker, _QueuedPlayback


def _speaker_without_a_device() -> SoundDeviceSpeaker:
    speaker = SoundDeviceSpeaker.__new__(SoundDeviceSpeaker)  # the stream is what a test cannot open
    _QueuedPlayback.__init__(speaker)
    speaker.sample_rate = 22050
    speaker._current = np.zeros(0, dtype=np.int16)
    speaker._last_callback_at = time.monotonic()
    return speaker


def _callback(speaker: SoundDeviceSpeaker) -> np.ndarray:
    out = np.zeros((512, 1), dtype=np.int16)
    speaker._callback(out, 512, None, None)
    return out


def test_a_speaker_whose_device_keeps_asking_is_not_stalled_and_one_that_stopped_is():
    speaker = _speaker_without_a_device()
    speaker.play(np.ones(22050, dtype=np.int16), 22050)
    assert speaker.playing and not speaker.stalled(after_s=0.05)
    time.sleep(0.1)
    assert speaker.stalled(after_s=0.05)  # sound waiting, no callback for 0.1 s: the device is gone
    assert _callback(speaker)[0, 0] == 1  # the device asks again: it plays on
    assert not speaker.stalled(after_s=0.05)


def test_an_idle_speaker_is_never_stalled():
    speaker = _speaker_without_a_device()
    speaker._last_callback_at -= 10  # no callbacks for a long time, but nothing to play
    assert not speaker.playing and not speaker.stalled(after_s=0.05)
