"""Fast stand-ins for the slow or hardware parts, for unit tests of the engine."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from trainer.audio.vad import BLOCK_SAMPLES, SAMPLE_RATE
from trainer.feedback.coder import SUBTYPES, CodeProbabilities, CodingMethods


def tone(seconds: float, amplitude: float = 0.3, freq: float = 220.0) -> np.ndarray:
    """A stand-in for speech: the FakeVad hears any loud block as speech."""
    t = np.arange(int(seconds * SAMPLE_RATE), dtype=np.float32) / SAMPLE_RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


class FakeVad:
    """Speech probability from loudness: enough for deterministic turn-taking tests."""

    def probability(self, block: np.ndarray) -> float:
        return 0.95 if float(np.sqrt(np.mean(block ** 2))) > 0.05 else 0.02

    def reset(self) -> None:
        pass


class FakeRecognizer:
    """Returns the queued transcripts in order (one per utterance)."""

    def __init__(self, texts: list[str]):
        self.texts = list(texts)
        self.heard: list[int] = []

    def transcribe(self, samples: np.ndarray) -> str:
        self.heard.append(int(samples.size))
        return self.texts.pop(0) if self.texts else ""


class FakeSynthesizer:
    """0.1 s of quiet tone per word at 16 kHz."""

    sample_rate = 16_000

    def __init__(self, seconds_per_word: float = 0.1):
        self.seconds_per_word = seconds_per_word
        self.spoken: list[str] = []

    def synthesize(self, text, params=None) -> np.ndarray:
        self.spoken.append(text)
        n = int(len(text.split()) * self.seconds_per_word * self.sample_rate)
        return (np.ones(n) * 1000).astype(np.int16)


@dataclass(frozen=True)
class FakeState:
    openness: float

    def to_dict(self) -> dict:
        return {"openness": self.openness}


class FakeClient:
    """Says numbered lines; openness goes up with reflections, down with advice."""

    def __init__(self, opening: str = "I'm not sure why I'm here.", sentences_per_reply: int = 2):
        self.opening = opening
        self.sentences_per_reply = sentences_per_reply
        self.openness = 0.3
        self.replies = 0
        self.heard: list[str] = []
        self.trimmed: list[str] = []
        self.backend = None

    def opening_line(self) -> str:
        return self.opening

    def observe_trainee_turn(self, trainee_text: str, feedback: dict):
        code = feedback.get("code", "")
        self.openness += 0.1 if code.startswith("reflection") else (-0.1 if code == "advise" else 0.0)
        return FakeState(round(self.openness, 2))

    def respond(self, trainee_text: str, cancel: threading.Event | None = None):
        self.heard.append(trainee_text)
        self.replies += 1
        for n in range(self.sentences_per_reply):
            if cancel is not None and cancel.is_set():
                return
            yield f"Reply {self.replies} sentence {n + 1} with a few more words to speak."

    def trim_last_reply(self, heard: str) -> None:
        self.trimmed.append(heard)

    def continue_after_silence(self, cancel: threading.Event | None = None):
        self.heard.append("")
        self.replies += 1
        yield f"Going on {self.replies} after a silence."

    def snapshot(self):
        return (self.openness, self.replies, list(self.heard))

    def restore(self, snap) -> None:
        self.openness, self.replies, heard = snap
        self.heard = list(heard)

    def voice_params(self) -> dict:
        return {"length_scale": 1.0}


class FakeFeedback:
    """Codes by keyword; records what it was told."""

    def __init__(self):
        self.client_lines: list[tuple[str, float, float]] = []
        self.trainee_lines: list[tuple[str, float, float]] = []
        self.silences: list[tuple[float, float]] = []

    def client_turn(self, text, start_s, end_s):
        self.client_lines.append((text, start_s, end_s))

    def trainee_turn(self, text, start_s, end_s, interrupted=None):
        self.trainee_lines.append((text, start_s, end_s))
        code = "advise" if "should" in text else ("reflection_simple" if text.startswith("You") else "question_open")
        return {"code": code, "confidence": 0.9, "attunement": 50.0, "nudge": None}

    def silence_held(self, start_s, end_s):
        self.silences.append((start_s, end_s))
        return {"silence_held": True, "silence_ms": None if end_s is None else round((end_s - start_s) * 1000, 1)}

    def summary(self):
        return {"turns": len(self.trainee_lines)}

    def snapshot(self):
        return (list(self.client_lines), list(self.trainee_lines))

    def restore(self, snap):
        self.client_lines, self.trainee_lines = (list(x) for x in snap)


@dataclass
class FakeRecorder:
    sessions: dict = field(default_factory=dict)
    finished: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def start_session(self, scenario_id, scenario_title, models, settings=None):
        self.sessions["s1"] = []
        self.settings["s1"] = dict(settings or {})
        return "s1"

    def add_turn(self, session_id, turn):
        self.sessions[session_id].append(turn)

    def finish_session(self, session_id, summary):
        self.finished[session_id] = summary

    def delete_session(self, session_id):
        self.sessions.pop(session_id, None)
        self.finished.pop(session_id, None)


class EventLog:
    """Collects events; ``wait_for`` blocks on a condition instead of sleeping."""

    def __init__(self):
        self.events = []
        self._condition = threading.Condition()

    def __call__(self, event) -> None:
        with self._condition:
            self.events.append(event)
            self._condition.notify_all()

    def of(self, kind):
        with self._condition:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: predicate(self), timeout)


class QuestionMarkCoder(CodingMethods):
    """Codes anything with a '?' as an open question, everything else as other: a coder
    whose every verdict a benchmark test can work out by hand."""

    def probabilities(self, text, context=()):
        question = "?" in text
        groups = {"question": 0.9 if question else 0.0, "reflection": 0.0, "therapist_input": 0.0,
                  "other": 0.1 if question else 1.0}
        subtypes = {code: 0.5 for pair in SUBTYPES.values() for code in pair}
        subtypes.update(question_open=0.9, question_closed=0.1, affirm=0.1, other=0.9)
        return CodeProbabilities(groups=groups, subtypes=subtypes)


def practise_with_fakes(monkeypatch, typed: str, **session_parts) -> None:
    """Make `trainer practice` build its session from these fakes (no models loaded) and
    read ``typed`` as the trainee's input. ``session_parts`` override the defaults
    (a FakeClient, FakeSynthesizer and FakeFeedback)."""
    import io
    import sys

    import trainer.app
    from trainer.cli import practice
    from trainer.session import Session

    def build_session(scenario, models, *, speaker, microphone, recorder, options, **_):
        parts = dict(client=FakeClient(), synthesizer=FakeSynthesizer(), feedback=FakeFeedback(),
                     microphone=microphone)
        parts.update(session_parts)
        return Session(scenario, speaker=speaker, recorder=recorder, options=options, **parts)

    monkeypatch.setattr(practice, "load_models_or_fail", lambda args, need_speech_input: None)
    monkeypatch.setattr(trainer.app, "warm_up", lambda models: None)
    monkeypatch.setattr(trainer.app, "build_session", build_session)
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
