"""A virtual ALSA sound card with no hardware: capture reads a raw file, playback
writes one. PortAudio reads the ALSA configuration when it starts, so code that uses
it must run in a subprocess started with ``environment()``."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# With a PulseAudio server running (a desktop), ALSA's pulse plugin adds a "pulse" device
# and takes the default streams: a test's own ALSA configuration must point it at no server.
NO_PULSE = {"PULSE_SERVER": "unix:/nonexistent"}

CAPTURE_RATE = 16_000
PLAYBACK_RATE = 22_050

# The file plugin straight on the null device, without "plug": with plug in between,
# PortAudio's mmap access loses samples of the capture file. So the streams must use the
# formats the files hold: capture int16 16 kHz mono, playback whatever the app opens.
_CONFIG = """
pcm.!default {{
    type file
    slave.pcm "null"
    file "{out}"
    infile "{inp}"
    format "raw"
}}
"""


class VirtualSoundCard:
    def __init__(self, folder: Path):
        self.folder = folder
        self.capture_file = folder / "microphone.raw"
        self.playback_file = folder / "speaker.raw"
        self.config_file = folder / "asoundrc"
        self.config_file.write_text(_CONFIG.format(out=self.playback_file, inp=self.capture_file))

    def set_microphone_audio(self, samples_16k: np.ndarray) -> None:
        data = np.clip(np.asarray(samples_16k) * 32767, -32768, 32767).astype("<i2")
        data.tofile(self.capture_file)

    def played(self) -> np.ndarray:
        if not self.playback_file.exists():
            return np.zeros(0, dtype=np.int16)
        return np.fromfile(self.playback_file, dtype="<i2")

    def environment(self) -> dict:
        system = "/usr/share/alsa/alsa.conf"
        return {**os.environ, "ALSA_CONFIG_PATH": f"{system}:{self.config_file}", **NO_PULSE}
