"""The real audio path: sounddevice streams on a virtual ALSA device (no sound card).

A known utterance is recorded from a file through ``SoundDeviceMicrophone`` and
transcribed; the client's voice is played through ``SoundDeviceSpeaker`` into a file;
and a ``trainer demo`` run plays its client through the same device.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from trainer import models
from trainer.audio.capture import synthesized_to_16k
from trainer.demo import TRAINEE_VOICE
from trainer.speech.tts import PiperSynthesizer
from trainer.wer import word_error_rate

from tests.virtual_alsa import PLAYBACK_RATE, VirtualSoundCard

pytestmark = pytest.mark.integration

UTTERANCE = "It sounds like you have been carrying this on your own for a long time."


@pytest.fixture
def card(tmp_path):
    return VirtualSoundCard(tmp_path)


def run_python(code: str, card: VirtualSoundCard, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=card.environment(),
                          capture_output=True, text=True, timeout=timeout)


def test_microphone_records_a_known_utterance_and_speaker_plays_into_a_file(card):
    synthesizer = PiperSynthesizer(models.default_voice_path())
    speech = synthesized_to_16k(synthesizer.synthesize(UTTERANCE, TRAINEE_VOICE), synthesizer.sample_rate)
    card.set_microphone_audio(np.concatenate([np.zeros(8000, np.float32), speech, np.zeros(24000, np.float32)]))
    seconds = (8000 + speech.size + 16000) / 16000
    result = run_python(f"""
        import json, time, numpy as np
        from trainer import models
        from trainer.audio.capture import SoundDeviceMicrophone
        from trainer.audio.playback import SoundDeviceSpeaker
        from trainer.speech.asr import WhisperRecognizer
        from trainer.speech.tts import PiperSynthesizer
        mic = SoundDeviceMicrophone()
        mic.start()
        blocks = [mic.blocks.get(timeout=5) for _ in range(int({seconds} * 16000 / 512))]
        mic.stop()
        audio = np.concatenate(blocks)
        text = WhisperRecognizer(models.default_asr_dir()).transcribe(audio)
        voice = PiperSynthesizer(models.default_voice_path())
        samples = voice.synthesize("I don't know where to start.")
        speaker = SoundDeviceSpeaker(sample_rate=voice.sample_rate)
        speaker.play(samples, voice.sample_rate)
        finished = speaker.wait_idle(20)
        speaker.close()
        print(json.dumps({{"text": text, "blocks": len(blocks), "finished": finished,
                          "played": int(samples.size)}}))
    """, card)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert word_error_rate([(UTTERANCE, report["text"])]) <= 0.1, report["text"]
    assert report["finished"]
    played = card.played()
    # Everything synthesized reached the device (the stream may pad with silence).
    assert played.size >= report["played"] * 0.95
    assert np.abs(played).max() > 3000


def test_demo_plays_the_client_through_the_sound_device(card, tmp_path):
    env_code = """
        import sys
        from trainer.__main__ import main
        sys.exit(main(["demo", "--scenario", "recent-bereavement", "--turns", "2",
                       "--output-device", "default", "--no-save", "--json"]))
    """
    result = run_python(env_code, card, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads(result.stdout)
    assert record["scenario"] == "recent-bereavement"
    assert len(record["turns"]) == 2
    assert all(t["client_reply"] for t in record["turns"])
    assert record["word_error_rate"] <= 0.15
    played = card.played()
    # The opening line and two replies were spoken: several seconds of audio.
    assert played.size / PLAYBACK_RATE > 3.0
    assert np.abs(played).max() > 3000
