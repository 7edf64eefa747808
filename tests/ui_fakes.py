"""Fakes for the desktop UI tests: a FakeSession that emits realistic event sequences
from its own thread (like the engine), and FakeServices/FakeStore behind the same API
as trainer.app.Services and trainer.storage.SessionStore."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trainer import events as ev
from trainer.session import SessionSnapshot

# ---------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class FakePersona:
    name: str
    age: int
    pronouns: str
    presenting_concern: str


@dataclass(frozen=True)
class FakeScenario:
    id: str
    title: str
    brief: str
    skills: tuple[str, ...]
    difficulty: str
    persona: FakePersona
    opening_lines: tuple[str, ...]
    demo: tuple[str, ...]
    content_notes: tuple[str, ...] = ()


SCENARIOS = [
    FakeScenario(
        id="exam-stress",
        title="Exam stress before finals",
        brief="Maya, a second-year student, can't sleep before her finals and wonders whether to drop out.",
        skills=("open questions", "simple reflections"),
        difficulty="easy",
        persona=FakePersona("Maya", 20, "she/her", "exam anxiety and poor sleep"),
        opening_lines=("I don't really know why I'm here. My tutor said I should talk to someone.",),
        demo=(
            "What brings you here today?",
            "It sounds like you're exhausted and worried it won't get better.",
            "Have you tried making a revision timetable?",
            "You've kept going even though it's been really hard.",
            "Tell me more about what the nights are like.",
        ),
    ),
    FakeScenario(
        id="grief-anniversary",
        title="The first anniversary",
        brief="Tom lost his wife a year ago and has started avoiding friends.",
        skills=("complex reflections", "affirmations", "sitting with silence"),
        difficulty="medium",
        persona=FakePersona("Tom", 58, "he/him", "grief and withdrawal"),
        opening_lines=("It's a year on Thursday. People keep saying I should be moving on.",),
        demo=("How have the last weeks been?", "You feel like everyone expects you to be done grieving.",
              "What would she have said?", "That took courage to say.", "What do you need right now?"),
        content_notes=("bereavement", "mentions of suicide"),
    ),
    FakeScenario(
        id="drinking-ambivalence",
        title="Just a few drinks",
        brief="Sam's partner is worried about their drinking; Sam isn't sure there's a problem.",
        skills=("rolling with resistance", "complex reflections"),
        difficulty="hard",
        persona=FakePersona("Sam", 41, "they/them", "alcohol use, ambivalence about change"),
        opening_lines=("My partner made me book this. I really don't think it's a big deal.",),
        demo=("What do you make of your partner's worry?", "Part of you is annoyed to be here.",
              "Is it every night?", "You're someone who cares what she thinks.", "Where would you like to go from here?"),
        content_notes=("alcohol",),
    ),
]


CLIENT_REPLIES = [
    "I guess it's been building for a while. I just feel tired all the time.",
    "Yeah. Exhausted is the word. And nobody seems to notice.",
    "I've tried that. It doesn't really help when my head won't switch off.",
    "Thanks. I don't usually hear that. It's nice, actually.",
    "The nights are the worst. I lie there going over everything I haven't done.",
    "I suppose I'm scared that if I stop, I'll fall apart.",
]


def fake_code(text: str) -> tuple[str, float]:
    """A tiny stand-in for the utterance coder."""
    lower = text.lower().strip()
    if lower.startswith(("you've", "you have", "that took", "you're someone")):
        return "affirm", 0.74
    if lower.startswith(("have you tried", "you should", "why don't you")):
        return "advise", 0.81
    if lower.startswith("tell me"):
        return "question_open", 0.83
    if lower.endswith("?"):
        if lower.startswith(("what", "how", "tell", "where", "could you tell")):
            return "question_open", 0.9
        return "question_closed", 0.86
    if "feel" in lower or "part of you" in lower or "sounds like" in lower:
        return "reflection_complex", 0.77
    if lower.startswith(("you", "so you")):
        return "reflection_simple", 0.7
    return "other", 0.55


# Same shape as trainer/feedback/summary.py SessionSummary.to_dict(): percentages 0-100,
# talk share a fraction, banded measures as {value, band}.
FULL_SUMMARY = {
    "turns": 4,
    "reflection_to_question": {"value": 1.2, "band": "fair"},
    "percent_complex_reflections": {"value": 50.0, "band": "good"},
    "percent_open_questions": {"value": 66.7, "band": "fair"},
    "advise_without_permission": {"value": 1, "band": "fair"},
    "talk_share": {"value": 0.38, "band": "good"},
    "median_latency_ms": 820.0,
    "thresholds": {"rq_ratio": {"fair": 1.0, "good": 2.0},
                   "complex_reflection_pct": {"fair": 40.0, "good": 50.0},
                   "open_question_pct": {"fair": 50.0, "good": 70.0},
                   "talk_share_max": {"fair": 0.5, "good": 0.4},
                   "advice_without_permission_max": {"fair": 1, "good": 0}},
    "missed_opportunities": [
        {"turn_index": 3, "client": "I just feel tired all the time.",
         "trainee": "Have you tried making a revision timetable?", "reason": "feeling not reflected"}
    ],
    "strengths": ["Open questions invited Maya to talk", "You reflected her exhaustion", "You affirmed her effort"],
    "to_practise": ["Ask permission before advising", "Follow a feeling with a reflection",
                    "Let silences run a little longer"],
    "mean_attunement": 68.0,
}

# ---------------------------------------------------------------------------- session


class FakeSession:
    """Emits events from one engine thread, in the order the real engine does."""

    def __init__(self, scenario: FakeScenario, options: dict | None = None, no_microphone: bool = False,
                 summary: dict | None = None, step_delay_s: float = 0.0) -> None:
        self.scenario = scenario
        self.options = dict(options or {})
        self.session_id: str | None = None
        self.no_microphone = no_microphone
        self.summary = dict(FULL_SUMMARY if summary is None else summary)
        self.step_delay_s = step_delay_s
        self.listeners: list[Callable[[ev.Event], None]] = []
        self.calls: list[tuple] = []
        self.mode = self.options.get("input_mode", "voice")
        self.emit_threads: set[str] = set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fake-engine")
        self._next_turn = 1
        self._running_scores: list[float] = []
        self._trainee_words = 0
        self._client_words = 0
        self.ended = False
        self.resume_from: SessionSnapshot | None = self.options.get("resume_from")
        self.snapshots: dict[int, SessionSnapshot] = {}
        self.branch_of: int | None = None
        self.records: list[dict] = []
        self.idle = threading.Event()
        self.idle.set()

    # -- plumbing
    def add_listener(self, fn: Callable[[ev.Event], None]) -> None:
        self.listeners.append(fn)

    def _emit(self, event: ev.Event) -> None:
        self.emit_threads.add(threading.current_thread().name)
        for fn in list(self.listeners):
            fn(event)
        if self.step_delay_s:
            time.sleep(self.step_delay_s)  # pacing for screenshots/demos only

    def _submit(self, fn: Callable[[], None]) -> None:
        self.idle.clear()

        def run() -> None:
            try:
                fn()
            finally:
                self.idle.set()

        self._executor.submit(run)

    @staticmethod
    def _t() -> float:
        return time.monotonic()

    # -- API
    def start(self) -> None:
        self.calls.append(("start",))
        self.start_thread = threading.current_thread().name
        self._submit(self._resume if self.resume_from is not None else self._opening)

    def _resume(self) -> None:
        """Like the engine's resume: state restored from the snapshot, no opening line."""
        snap = self.resume_from
        self.session_id = f"fake-{self.scenario.id}-branch-{id(self)}"
        self._next_turn = snap.next_turn
        self.branch_of = snap.next_turn
        self._running_scores = list(snap.feedback or [])
        self.snapshots[snap.next_turn - 1] = snap
        self._emit(ev.ClientSaid(self._t(), snap.next_turn - 1, snap.client_line, 0.0, 0.0, False))
        self._emit(ev.StateChanged(self._t(), ev.TurnState.LISTENING))

    def snapshot_at(self, client_turn_index: int) -> SessionSnapshot:
        self.calls.append(("snapshot_at", client_turn_index))
        snap = self.snapshots.get(client_turn_index)
        if snap is None:
            raise KeyError(f"no client line {client_turn_index} in this session")
        return snap

    def _opening(self) -> None:
        t = self._t
        self.session_id = "fake-" + self.scenario.id
        if self.mode != "text" and self.no_microphone:
            self._emit(ev.ErrorOccurred(t(), "No microphone was found.",
                                        "Plug in a headset, or switch to text mode to type your replies."))
        self._emit(ev.StateChanged(t(), ev.TurnState.CLIENT_THINKING))
        self._client_line(0, self.scenario.opening_lines[0])
        self._emit(ev.StateChanged(t(), ev.TurnState.LISTENING))
        self._emit(ev.MicLevel(t(), -42.0, False))

    def _client_line(self, index: int, text: str) -> None:
        t = self._t
        self._emit(ev.ClientReplyStarted(t(), index))
        self._emit(ev.StateChanged(t(), ev.TurnState.CLIENT_SPEAKING))
        start = t()
        sentences = [s.strip() + "." for s in text.rstrip(".").split(". ") if s.strip()]
        for sentence in sentences:
            self._emit(ev.ClientSaidPart(t(), index, sentence))
        self._client_words += len(text.split())
        self._emit(ev.ClientSaid(t(), index, text, start, t()))
        self.snapshots[index] = SessionSnapshot(client={"after": index}, feedback=list(self._running_scores),
                                                next_turn=index + 1, client_line=text)

    @property
    def input_mode(self) -> str:
        return self.mode

    def set_input_mode(self, mode: str) -> None:
        self.calls.append(("set_input_mode", mode))
        if mode != "text" and self.no_microphone:
            raise FakeAudioDeviceError("Voice input is not available: this session started without a microphone.")
        self.mode = mode

    def push_to_talk(self, pressed: bool) -> None:
        self.calls.append(("push_to_talk", pressed))
        if pressed:
            self._submit(lambda: (self._emit(ev.TraineeSpeechStarted(self._t(), False)),
                                  self._emit(ev.MicLevel(self._t(), -18.0, True))))
        else:
            self._submit(lambda: self._trainee_turn("What's been hardest this week?"))

    def submit_text(self, text: str) -> None:
        self.calls.append(("submit_text", text))
        self._submit(lambda: self._trainee_turn(text))

    def _trainee_turn(self, text: str) -> None:
        if self.ended:
            return
        t = self._t
        index = self._next_turn
        self._next_turn += 1
        self._emit(ev.StateChanged(t(), ev.TurnState.TRANSCRIBING))
        start = t() - 2.0
        self._emit(ev.TraineeSaid(t(), index, text, start, t()))
        code, confidence = fake_code(text)
        attunement = {"reflection_complex": 88, "reflection_simple": 76, "question_open": 72, "affirm": 70,
                      "question_closed": 48, "advise": 30}.get(code, 50)
        self._running_scores.append(attunement)
        self._trainee_words += len(text.split())
        feedback = {
            "code": code, "confidence": confidence, "utterance_codes": [code],
            "feeling_reflected": code == "reflection_complex", "content_reflected": code.startswith("reflection"),
            "missed_opportunity": code == "advise", "righting_reflex": code == "advise",
            "questions_in_turn": text.count("?"), "closed_question_run": 1 if code == "question_closed" else 0,
            "interrupted": False, "response_latency_ms": 600 + 150 * index, "attunement": attunement,
            "running_attunement": sum(self._running_scores) / len(self._running_scores),
            "nudge": "Try following her feeling with a reflection before you ask." if code == "advise" else None,
            "talk_share": self._trainee_words / max(1, self._trainee_words + self._client_words),
        }
        self._emit(ev.FeedbackReady(t(), index, code, confidence, feedback))
        self._emit(ev.ClientStateChanged(t(), index, {"openness": 0.3 + 0.1 * index, "intensity": 0.6,
                                                      "mood": "guarded", "layer_allowed": "surface"}))
        self._emit(ev.StateChanged(t(), ev.TurnState.CLIENT_THINKING))
        reply = CLIENT_REPLIES[(index - 1) % len(CLIENT_REPLIES)]
        self._client_line(index, reply)
        record = {"turn_index": index, "trainee": text, "client": reply, "code": code, "total_ms": 1450,
                  "branch_of": self.branch_of}
        self.branch_of = None
        self.records.append(record)
        self._emit(ev.TurnCompleted(t(), index, record))
        self._emit(ev.StateChanged(t(), ev.TurnState.LISTENING))

    def pause(self) -> None:
        self.calls.append(("pause",))
        self._submit(lambda: self._emit(ev.StateChanged(self._t(), ev.TurnState.PAUSED)))

    def resume(self) -> None:
        self.calls.append(("resume",))
        self._submit(lambda: self._emit(ev.StateChanged(self._t(), ev.TurnState.LISTENING)))

    def end(self) -> None:
        self.calls.append(("end",))

        def finish() -> None:
            if self.ended:
                return
            self.ended = True
            self._emit(ev.StateChanged(self._t(), ev.TurnState.ENDED))
            self._emit(ev.SessionEnded(self._t(), dict(self.summary)))

        self._submit(finish)

    def try_again_from(self, client_turn_index: int) -> None:
        self.calls.append(("try_again_from", client_turn_index))

        def restore() -> None:
            self.ended = False
            self._next_turn = client_turn_index + 1
            self.branch_of = client_turn_index + 1
            self._emit(ev.StateChanged(self._t(), ev.TurnState.LISTENING))

        self._submit(restore)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        return self.idle.wait(timeout)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


# ---------------------------------------------------------------------------- store


@dataclass
class SessionInfo:
    id: str
    scenario_id: str
    scenario_title: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    turns: int
    interrupted: bool
    mean_attunement: float | None


@dataclass
class StoredSession:
    info: SessionInfo
    turns: list[dict]
    summary: dict | None
    comments: list = field(default_factory=list)
    settings: dict = field(default_factory=lambda: {"input_mode": "voice", "end_silence_ms": 700})


def stored_turns() -> list[dict]:
    return [
        {"turn_index": 0, "role": "client", "text": SCENARIOS[0].opening_lines[0]},
        {"turn_index": 1, "role": "trainee", "text": "Have you tried making a revision timetable?",
         "code": "advise", "confidence": 0.81, "feedback": {"missed_opportunity": True}},
        {"turn_index": 1, "role": "client", "text": CLIENT_REPLIES[2]},
        {"turn_index": 2, "role": "trainee", "text": "It sounds like you're exhausted.",
         "code": "reflection_complex", "confidence": 0.77, "feedback": {"feeling_reflected": True}},
        {"turn_index": 2, "role": "client", "text": CLIENT_REPLIES[1]},
    ]


class FakeStore:
    def __init__(self, sessions: int = 3) -> None:
        self.settings: dict[str, Any] = {}
        self.sessions: dict[str, StoredSession] = {}
        self.deleted: list[str] = []
        self.comment_error: Exception | None = None  # set to make add_comment fail
        base = dt.datetime(2026, 11, 1, 18, 0)
        for i in range(sessions):
            info = SessionInfo(f"s{i + 1}", "exam-stress", "Exam stress before finals",
                               base + dt.timedelta(days=3 * i), base + dt.timedelta(days=3 * i, minutes=12),
                               6 + i, i == 1, 55.0 + 6 * i)
            summary = dict(FULL_SUMMARY)
            summary["reflection_to_question"] = {"value": 0.6 + 0.4 * i, "band": "fair" if i else "below fair"}
            summary["percent_complex_reflections"] = {"value": 20.0 + 15 * i, "band": "good" if i > 1 else "fair"}
            summary["mean_attunement"] = info.mean_attunement
            self.sessions[info.id] = StoredSession(info, stored_turns(), summary)
        self.audio: dict[tuple[str, int, str], tuple[np.ndarray, int]] = {
            ("s1", 1, "trainee"): (np.zeros(1600, dtype=np.int16), 16000),
        }

    def list_sessions(self) -> list[SessionInfo]:
        return [s.info for s in self.sessions.values()]

    def load_session(self, session_id: str) -> StoredSession:
        if session_id == "last":
            session_id = list(self.sessions)[-1]
        return self.sessions[session_id]

    def load_turn_audio(self, session_id: str, index: int, role: str):
        return self.audio.get((session_id, index, role))

    def get_setting(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)

    def set_setting(self, key: str, value: Any) -> None:
        self.settings[key] = value

    def add_comment(self, session_id: str, turn_index, author: str, text: str) -> str:
        if self.comment_error is not None:
            raise self.comment_error
        comment = {"id": f"c{len(self.sessions[session_id].comments) + 1}", "turn_index": turn_index,
                   "author": author, "text": text}
        self.sessions[session_id].comments.append(comment)
        return comment["id"]

    def delete_session(self, session_id: str) -> None:
        self.deleted.append(session_id)
        del self.sessions[session_id]


# ---------------------------------------------------------------------------- services


class FakeModelError(Exception):
    pass


class FakeAudioDeviceError(Exception):
    pass


class FakeServices:
    def __init__(self, *, model_error: str | None = None, no_microphone: bool = False,
                 load_gate: threading.Event | None = None, sessions: int = 3, step_delay_s: float = 0.0) -> None:
        self.store = FakeStore(sessions)
        self.model_error = model_error
        self.no_microphone = no_microphone
        self.load_gate = load_gate
        self.step_delay_s = step_delay_s
        self.created: list[FakeSession] = []
        self.played: list[tuple[int, int, Any]] = []
        self.load_thread: str | None = None
        self.tested_inputs: list[Any] = []
        self.create_threads: list[str] = []
        self.audio_device_checks = 0
        self.create_gate: threading.Event | None = None

    def load_models(self, progress: Callable[[str, int, int], None]) -> None:
        self.load_thread = threading.current_thread().name
        steps = ["speech recognition (faster-whisper small.en)", "client language model", "client voice (joe)"]
        for i, what in enumerate(steps):
            progress(what, i, len(steps))
            if i == 1 and self.load_gate is not None:
                self.load_gate.wait(10)
            if i == 1 and self.model_error:
                raise FakeModelError(self.model_error)
        progress("done", len(steps), len(steps))

    def scenarios(self) -> list[FakeScenario]:
        return list(SCENARIOS)

    def create_session(self, scenario: FakeScenario, options: dict) -> FakeSession:
        self.create_threads.append(threading.current_thread().name)
        if self.create_gate is not None:
            self.create_gate.wait(10)
        session = FakeSession(scenario, options, no_microphone=self.no_microphone, step_delay_s=self.step_delay_s)
        self.created.append(session)
        return session

    def models_table(self) -> list[dict]:
        return [
            {"kind": "llm", "name": "qwen2.5-1.5b-instruct-q4", "path": "/models/qwen.gguf",
             "size_bytes": 1_100_000_000, "default": True, "verified": True},
            {"kind": "asr", "name": "small.en", "path": "/models/small.en", "size_bytes": 480_000_000,
             "default": True, "verified": True},
            {"kind": "voice", "name": "en_US-joe-medium", "path": "/voices/joe.onnx", "size_bytes": 63_000_000,
             "default": True, "verified": None},
            {"kind": "voice", "name": "en_GB-alba-medium", "path": "/voices/alba.onnx", "size_bytes": 63_000_000,
             "default": False, "verified": None},
        ]

    def audio_devices(self) -> dict:
        self.audio_device_checks += 1
        if self.no_microphone:
            raise FakeAudioDeviceError("PortAudio reports no input devices")
        return {"input": [(0, "Built-in microphone"), (3, "USB headset")],
                "output": [(1, "Built-in speakers"), (3, "USB headset")]}

    def test_input_device(self, index: Any, seconds: float = 2.0) -> np.ndarray:
        self.tested_inputs.append(index)
        if self.no_microphone:
            raise FakeAudioDeviceError("no input device")
        t = np.arange(int(16000 * seconds)) / 16000
        return (3000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)

    def play(self, samples: Any, sample_rate: int, device: Any) -> None:
        self.played.append((len(samples), sample_rate, device))

    def close(self) -> None:
        for s in self.created:
            s.close()


# ---------------------------------------------------------------------------- pytest fixtures
# Imported by the tests/test_ui_*.py modules (no conftest.py is shared with other areas).

import pytest  # noqa: E402


@pytest.fixture
def fake_services():
    services = FakeServices()
    yield services
    services.close()


def make_window(qtbot, services):
    """A MainWindow on fake services, shown, with models loaded."""
    from trainer.ui.main_window import MainWindow

    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.models_ready and bool(window.scenarios), timeout=5000)
    return window


def close_window(window, services) -> None:
    window.close()
    for session in services.created:
        session.wait_idle(5)


def start_text_session(qtbot, window, scenario_index: int = 0):
    """Start a scenario in text mode and wait for the opening line."""
    scenario = window.scenarios[scenario_index]
    with qtbot.waitSignal(window.sessionStarted, timeout=5000) as started:
        assert window.start_session(scenario, mode="text")
    session = started.args[0]
    qtbot.waitUntil(lambda: window.session_view.state == "listening", timeout=5000)
    return session


def say(qtbot, window, session, text: str) -> None:
    """Type a line into the session view and wait for its whole turn."""
    view = window.session_view
    before = sum(1 for line in view.lines if line.role == "client")
    view.text_input.setText(text)
    from PySide6.QtCore import Qt

    qtbot.keyClick(view.text_input, Qt.Key.Key_Return)
    # Layouts show a widget added to a visible parent with a *queued* call, so new transcript
    # entries become visible one event-loop pass later: wait for that too (busy machines).
    qtbot.waitUntil(lambda: sum(1 for line in view.lines if line.role == "client") > before
                    and view.state == "listening"
                    and not any(entry.isHidden() for entry in view.transcript.entries()), timeout=5000)


class AnswerRecorder:
    """Stands in for a session behind a reply box: records typed answers and /wait."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.can_wait = True  # False: the client already went on twice and waits

    def hold_silence(self) -> bool:
        self.calls.append("hold_silence")
        return self.can_wait

    def submit_text(self, text: str) -> None:
        self.calls.append(text)
