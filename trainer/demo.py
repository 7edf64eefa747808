"""A whole session with no human: scripted trainee audio through the microphone path.

The trainee's lines (the scenario's demo lines, synthesized; or recorded files) are fed
through the same VAD and recognition path as a real microphone, the client answers with
the real model and voice, and the audio goes to a speaker or a null sink.
"""

from __future__ import annotations

import statistics
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trainer import events as ev
from trainer.audio.capture import ScriptedMicrophone, read_audio_file, synthesized_to_16k
from trainer.session import SessionOptions
from trainer.speech.tts import VoiceParams
from trainer.wer import word_error_rate

# The trainee's voice in demos: the same installed voice, lower and a little slower,
# so it is not mistaken for the client when someone listens.
TRAINEE_VOICE = VoiceParams(length_scale=1.05, pitch_semitones=-2.0)


@dataclass(frozen=True)
class TraineeLine:
    reference: str | None
    samples_16k: np.ndarray
    source: str | None = None  # the file it came from, for messages


class DemoError(Exception):
    pass


SPEECH_ONSET_GRACE_S = 5.0  # after a line's audio, how long to wait for the detector to hear it


def synthesized_lines(lines: list[str], synthesizer) -> list[TraineeLine]:
    return [TraineeLine(line, synthesized_to_16k(synthesizer.synthesize(line, TRAINEE_VOICE),
                                                 synthesizer.sample_rate)) for line in lines]


def recorded_lines(directory: Path) -> list[TraineeLine]:
    if not directory.is_dir():
        raise DemoError(f"--trainee-audio {directory} is not a folder.")
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in (".wav", ".flac"))
    if not files:
        raise DemoError(f"No .wav or .flac files in {directory}.")
    return [TraineeLine(None, read_audio_file(path), path.name) for path in files]


class _TurnCounter:
    """Counts finished trainee turns (completed, or dropped as unheard) and speech onsets."""

    def __init__(self) -> None:
        self.finished = 0
        self.speech_starts = 0
        self.completed: list[bool] = []  # per finished turn: True completed, False dropped
        self._condition = threading.Condition()
        self.errors: list[str] = []

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.TraineeSpeechStarted):
            with self._condition:
                self.speech_starts += 1
                self._condition.notify_all()
        elif isinstance(event, (ev.TurnCompleted, ev.ErrorOccurred)):
            with self._condition:
                if isinstance(event, ev.ErrorOccurred):
                    self.errors.append(f"{event.message} {event.hint}".strip())
                self.completed.append(isinstance(event, ev.TurnCompleted))
                self.finished += 1
                self._condition.notify_all()

    def wait_for(self, count: int, timeout: float, mic: ScriptedMicrophone) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: self.finished >= count, timeout)

    def heard_speech(self, since: int, timeout: float) -> bool:
        """Whether the detector heard speech after ``since`` onsets, waiting ``timeout`` s."""
        with self._condition:
            return self._condition.wait_for(lambda: self.speech_starts > since, timeout)


def run_demo(scenario, models, lines: list[TraineeLine], *, speaker, pace: bool = False,
             recorder=None, listeners=(), turn_timeout_s: float = 180.0,
             options: SessionOptions = SessionOptions(), seed: int = 0) -> dict:
    """Run the session and return the demo record (see ``trainer demo --json``)."""
    from trainer.app import build_session

    # Scripted lines answer the client's lines one for one: a client going on after a
    # long silent file would put every later line out of step.
    options = SessionOptions(**{**options.__dict__, "input_mode": "voice", "client_goes_on_after_s": 0})
    microphone = ScriptedMicrophone(pace=pace, silence_after_s=options.end_silence_ms / 1000 + 0.5)
    session = build_session(scenario, models, speaker=speaker, microphone=microphone, recorder=recorder,
                            options=options, seed=seed)
    counter = _TurnCounter()
    session.add_listener(counter)
    for listener in listeners:
        session.add_listener(listener)
    session.start()
    references: list[str | None] = []
    skipped: list[str] = []
    expected = 0
    try:
        for number, line in enumerate(lines, 1):
            _wait_listening(session, microphone, pace, turn_timeout_s)
            if pace:
                microphone.feed_silence(0.4)  # a natural pause before answering
            onsets = counter.speech_starts
            microphone.feed_utterance(line.samples_16k)
            # A file with no speech (silence, noise) makes no turn: it waited out the turn
            # timeout and lost the whole run. Skip it with a message instead.
            if not counter.heard_speech(onsets, len(line.samples_16k) / 16000 + SPEECH_ONSET_GRACE_S):
                skipped.append(f"No speech was heard in line {number}"
                               f"{f' ({line.source})' if line.source else ''}; it was skipped.")
                continue
            expected += 1
            references.append(line.reference)
            if not counter.wait_for(expected, turn_timeout_s, microphone):
                raise DemoError(f"Turn {number} did not finish within {turn_timeout_s:.0f} s.")
        _wait_listening(session, microphone, pace, turn_timeout_s)
    finally:
        session.end()
        session.wait_ended(60)
        microphone.stop()
    # a dropped turn ("I didn't catch that") has no stored record: pair the demo lines
    # with the turns that completed, or every later transcript meets the wrong line
    completed = [ref for ref, done in zip(references, counter.completed) if done]
    record = demo_record(scenario, session, completed)
    record["problems"] = skipped + counter.errors
    # Timings mean what a trainee would feel only when the audio was fed in real time; fed
    # as fast as possible, the recogniser queues up (docs/performance.md uses --realtime).
    record["realtime"] = pace
    return record


def _wait_listening(session, microphone: ScriptedMicrophone, pace: bool, timeout_s: float) -> None:
    waited = 0.0
    while not session.wait_for_listening(0.1):
        waited += 0.1
        if pace:
            microphone.feed_silence(0.064)  # keep the audio clock running, as a live mic would
        if waited > timeout_s:
            raise DemoError("The client did not finish speaking in time.")


def demo_record(scenario, session, references: list[str | None]) -> dict:
    turns = []
    for position, turn in enumerate(session.turns):
        feedback = turn.get("feedback") or {}
        turns.append({
            "trainee_reference": turn.get("trainee_reference") or (
                references[position] if position < len(references) else None),
            "transcript": turn["trainee_text"],
            "client_reply": turn["client_text"],
            "code": turn.get("code"),
            "confidence": round(float(turn.get("confidence") or 0.0), 3),
            "attunement": feedback.get("attunement"),
            "nudge": feedback.get("nudge"),
            "client_state": turn.get("client_state"),
            "timings_ms": {key: turn["timings"].get(key) for key in (
                "endpoint_to_transcript", "transcript_to_first_token", "endpoint_to_first_audio",
                "feedback_after_transcript")},
        })
    pairs = [(t["trainee_reference"], t["transcript"]) for t in turns if t["trainee_reference"]]
    return {
        "scenario": scenario.id,
        "session_id": session.session_id,
        "models": dict(session.options.models),
        "opening_line": session.opening_text,
        "turns": turns,
        "summary": session.summary or {},
        "word_error_rate": round(word_error_rate(pairs), 4) if pairs else None,
        "median_timings_ms": median_timings(turns),
    }


def median_timings(turns: list[dict]) -> dict:
    keys = ("endpoint_to_transcript", "transcript_to_first_token", "endpoint_to_first_audio",
            "feedback_after_transcript")
    result = {}
    for key in keys:
        values = [t["timings_ms"][key] for t in turns if t["timings_ms"].get(key) is not None]
        result[key] = round(statistics.median(values), 1) if values else None
    return result
