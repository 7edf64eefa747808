"""Real recognizer, synthesizer and VAD on synthesized speech (default models)."""

from __future__ import annotations

import numpy as np
import pytest

from trainer import models
from trainer.audio.capture import synthesized_to_16k
from trainer.audio.vad import BLOCK_SAMPLES, SileroVad, TurnDetector, TurnDetectorOptions, UtteranceEnd
from trainer.demo import TRAINEE_VOICE
from trainer.scenarios import load_scenarios
from trainer.speech.asr import WhisperRecognizer
from trainer.speech.tts import PiperSynthesizer, VoiceParams
from trainer.wer import word_error_rate

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def synthesizer():
    return PiperSynthesizer(models.default_voice_path())


@pytest.fixture(scope="module")
def recognizer():
    return WhisperRecognizer(models.default_asr_dir())


def test_recognizer_transcribes_every_demo_line_with_low_word_error_rate(synthesizer, recognizer):
    pairs = []
    for scenario in load_scenarios():
        for line in scenario.demo:
            audio = synthesized_to_16k(synthesizer.synthesize(line, TRAINEE_VOICE), synthesizer.sample_rate)
            pairs.append((line, recognizer.transcribe(audio)))
    wer = word_error_rate(pairs)
    worst = max(pairs, key=lambda p: word_error_rate([p]))
    assert wer <= 0.10, f"WER {wer:.3f}; worst: {worst}"


def test_silence_transcribes_to_nothing_much(recognizer):
    assert recognizer.transcribe(np.zeros(800, dtype=np.float32)) == ""


def test_synthesizer_speaks_at_its_rate_and_pitch(synthesizer):
    text = "I just feel so tired all the time."
    normal = synthesizer.synthesize(text)
    assert synthesizer.sample_rate == 22050
    assert normal.dtype == np.int16
    seconds = normal.size / synthesizer.sample_rate
    assert 1.0 < seconds < 4.0
    assert np.abs(normal).max() > 3000  # audible, not silence
    # Piper adds random variation (noise_w varies the durations too); switch it off so the
    # comparisons are deterministic.
    steady = VoiceParams(noise_scale=0.0, noise_w=0.0)
    normal = synthesizer.synthesize(text, steady)
    slower = synthesizer.synthesize(text, VoiceParams(length_scale=1.4, noise_scale=0.0, noise_w=0.0))
    assert slower.size > normal.size * 1.2
    higher = synthesizer.synthesize(text, VoiceParams(pitch_semitones=4.0, noise_scale=0.0, noise_w=0.0))
    # Pitch shift keeps the duration (within the model's timing) but raises the spectrum.
    assert abs(higher.size - normal.size) / normal.size < 0.2

    def centroid(samples):
        spectrum = np.abs(np.fft.rfft(samples.astype(np.float32)))
        freqs = np.fft.rfftfreq(samples.size, 1 / synthesizer.sample_rate)
        return float((spectrum * freqs).sum() / spectrum.sum())

    assert centroid(higher) > centroid(normal) * 1.1


def test_vad_finds_one_utterance_where_the_speech_is(synthesizer):
    speech = synthesized_to_16k(synthesizer.synthesize("Tell me more about that."), synthesizer.sample_rate)
    lead = np.zeros(16000, dtype=np.float32)
    audio = np.concatenate([lead, speech, np.zeros(24000, dtype=np.float32)])
    audio = np.concatenate([audio, np.zeros((-audio.size) % BLOCK_SAMPLES, dtype=np.float32)])
    vad = SileroVad(models.vad_model_path())
    detector = TurnDetector(TurnDetectorOptions(end_silence_ms=600))
    results = []
    for block in audio.reshape(-1, BLOCK_SAMPLES):
        result = detector.feed(block, vad.probability(block))
        if result is not None:
            results.append(result)
    utterances = [r for r in results if isinstance(r, UtteranceEnd)]
    assert len(utterances) == 1
    assert utterances[0].start_s == pytest.approx(1.0, abs=0.25)
    assert utterances[0].end_s == pytest.approx(1.0 + speech.size / 16000, abs=0.35)


def test_a_turn_longer_than_whispers_window_keeps_its_words(synthesizer, recognizer):
    """Over 30 s the recogniser decodes with timestamps: without them this turn (noise
    off, so the same audio every run) came back as 0.75 WER, its first window lost."""
    from tests.benchmark_scripts import load_benchmark

    text = load_benchmark("long_turn_asr").PASSAGES[0]
    audio = synthesized_to_16k(synthesizer.synthesize(text, VoiceParams(length_scale=0.95, noise_scale=0.0,
                                                                          noise_w=0.0)),
                               synthesizer.sample_rate)
    assert len(audio) > 30 * 16000
    heard = recognizer.transcribe(audio)
    assert word_error_rate([(text, heard)]) <= 0.10, heard


def test_only_turns_over_the_window_are_decoded_with_timestamps(monkeypatch):
    """Short turns keep the faster setting chosen in docs/performance.md."""
    from trainer.speech.asr import RecognizerOptions

    asked = []

    class Model:
        def transcribe(self, samples, **options):
            asked.append(options["without_timestamps"])
            return iter(()), None

    recognizer = WhisperRecognizer.__new__(WhisperRecognizer)
    recognizer.options, recognizer._model = RecognizerOptions(), Model()
    for seconds in (5, 30, 31, 90):
        recognizer.transcribe(np.zeros(seconds * 16000, dtype=np.float32))
    assert asked == [True, True, False, False]
    recognizer.options = RecognizerOptions(timestamps_over_s=None)
    recognizer.transcribe(np.zeros(90 * 16000, dtype=np.float32))
    assert asked[-1] is True
