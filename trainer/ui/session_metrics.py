"""Running figures for the attunement panel, computed from FeedbackReady events.

Pure Python so it is tested without Qt.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from trainer.ui.codes import REFLECTION_CODES


@dataclass
class SessionMetrics:
    reflections: int = 0
    complex_reflections: int = 0
    open_questions: int = 0
    closed_questions: int = 0
    running_attunement: float | None = None
    last_attunement: float | None = None
    talk_share: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    last_latency_ms: float | None = None  # None when the latest turn had no timing
    nudge: str | None = None
    turns: int = 0

    def add(self, code: str, feedback: dict[str, Any]) -> None:
        """Count one trainee turn (its utterance codes if given, else its main code)."""
        self.turns += 1
        codes = feedback.get("utterance_codes") or [code]
        for c in codes:
            c = c[0] if isinstance(c, (list, tuple)) else c
            if isinstance(c, dict):
                c = c.get("code")
            if c in REFLECTION_CODES:
                self.reflections += 1
                if c == "reflection_complex":
                    self.complex_reflections += 1
            elif c == "question_open":
                self.open_questions += 1
            elif c == "question_closed":
                self.closed_questions += 1
        if feedback.get("attunement") is not None:
            self.last_attunement = float(feedback["attunement"])
        if feedback.get("running_attunement") is not None:
            self.running_attunement = float(feedback["running_attunement"])
        elif self.last_attunement is not None:
            self.running_attunement = self.last_attunement
        # No speech timing (typed turns, or no client line before) comes as None: keep
        # it None so the panel shows a dash, never a made-up 0 ms / 0%.
        share = feedback.get("talk_share")
        self.talk_share = None if share is None else float(share)
        latency = feedback.get("response_latency_ms")
        self.last_latency_ms = None if latency is None else float(latency)
        if latency is not None:
            self.latencies_ms.append(float(latency))
        self.nudge = feedback.get("nudge") or None

    @property
    def questions(self) -> int:
        return self.open_questions + self.closed_questions

    @property
    def reflection_to_question(self) -> float | None:
        if self.questions == 0:
            return None if self.reflections == 0 else float(self.reflections)
        return self.reflections / self.questions

    @property
    def percent_open_questions(self) -> float | None:
        if self.questions == 0:
            return None
        return 100.0 * self.open_questions / self.questions

    @property
    def median_latency_ms(self) -> float | None:
        return statistics.median(self.latencies_ms) if self.latencies_ms else None


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} : 1"


def fmt_percent(value: float | None, *, fraction: bool = False) -> str:
    if value is None:
        return "—"
    return f"{round(value * 100 if fraction else value)}%"


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{round(value)} ms"


def format_when(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (int, float)):
        value = dt.datetime.fromtimestamp(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone()  # stored in UTC; show local time
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)[:16].replace("T", " ")
