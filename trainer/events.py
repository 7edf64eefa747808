"""Small immutable events that leave the session engine.

Every front end (terminal, window, demo, benchmarks, tests) subscribes to the same
stream. Events are plain frozen dataclasses so they can cross threads safely; the Qt
adapter in ``trainer/ui`` turns them into signals and nothing else in the engine knows
about Qt.

Urgent events (speech started, barge-in) and ordered data (transcripts, replies) travel
the same callback but are kept small so a listener can dispatch on type cheaply.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class TurnState(str, enum.Enum):
    """Where the conversation is; shown by every front end as the state indicator."""

    IDLE = "idle"
    CLIENT_SPEAKING = "client_speaking"
    LISTENING = "listening"
    TRANSCRIBING = "transcribing"
    CLIENT_THINKING = "client_thinking"
    PAUSED = "paused"
    ENDED = "ended"


@dataclass(frozen=True)
class Event:
    """Base class; ``t`` is the engine clock (seconds, monotonic) when it happened."""

    t: float


@dataclass(frozen=True)
class StateChanged(Event):
    state: TurnState


@dataclass(frozen=True)
class ModelsLoading(Event):
    """Progress while models load: ``done`` of ``total`` steps, ``what`` is being loaded."""

    what: str
    done: int
    total: int


@dataclass(frozen=True)
class MicLevel(Event):
    """Input level for a meter: RMS in dBFS of the latest block."""

    dbfs: float
    speech: bool


@dataclass(frozen=True)
class TraineeSpeechStarted(Event):
    """The voice-activity detector heard the trainee start (urgent: barge-in)."""

    while_client_speaking: bool


@dataclass(frozen=True)
class TraineeSaid(Event):
    """A trainee utterance, transcribed.

    ``speech_start_s``/``speech_end_s`` come from the VAD on the engine clock, never
    from Whisper's segments. ``reference`` is the text a demo synthesized, if any.
    """

    turn_index: int
    text: str
    speech_start_s: float
    speech_end_s: float
    reference: str | None = None


@dataclass(frozen=True)
class SilenceHeld(Event):
    """The trainee let a silence sit after the client's line until the client went on.

    ``turn_index`` is the turn the client's continuation is recorded under; the silence
    ran from ``start_s`` (the client's line ended) to ``end_s`` on the engine clock. A
    typed session has no clock running, so its silences last 0 s (no length is known).
    """

    turn_index: int
    start_s: float
    end_s: float

    @property
    def seconds(self) -> float:
        return max(0.0, self.end_s - self.start_s)


@dataclass(frozen=True)
class ClientReplyStarted(Event):
    turn_index: int


@dataclass(frozen=True)
class ClientSaidPart(Event):
    """One sentence (or clause) of the client's reply, as it is queued for speech."""

    turn_index: int
    text: str


@dataclass(frozen=True)
class ClientSaid(Event):
    """The client's whole line for a turn (``turn_index`` 0 is the opening line).

    ``interrupted`` is true when the trainee barged in and playback was cut short;
    ``text`` is then only the sentences whose sound had begun (what the trainee heard).
    """

    turn_index: int
    text: str
    speech_start_s: float
    speech_end_s: float
    interrupted: bool = False


@dataclass(frozen=True)
class FeedbackReady(Event):
    """Feedback for one trainee turn; ``feedback`` is the feedback engine's dict."""

    turn_index: int
    code: str
    confidence: float
    feedback: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClientStateChanged(Event):
    """The simulated client's inner state after a trainee turn."""

    turn_index: int
    state: dict[str, Any]


@dataclass(frozen=True)
class TurnCompleted(Event):
    """A whole turn is done (trainee line, feedback, client reply); timings in ms."""

    turn_index: int
    record: dict[str, Any]


@dataclass(frozen=True)
class BargeIn(Event):
    """Playback was stopped because the trainee started talking."""

    stop_ms: float


@dataclass(frozen=True)
class SessionEnded(Event):
    summary: dict[str, Any]


@dataclass(frozen=True)
class ErrorOccurred(Event):
    """Something failed; ``message`` in plain words and ``hint`` is the way out."""

    message: str
    hint: str = ""
    fatal: bool = False
