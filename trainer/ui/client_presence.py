"""A calm, softly breathing circle whose colour follows the conversation state."""

from __future__ import annotations

import math

from PySide6.QtCore import QElapsedTimer, QPointF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QRadialGradient
from PySide6.QtWidgets import QSizePolicy, QWidget

from trainer.ui.codes import state_style

# Breaths per second for each state: slower when the client is quiet.
_BREATH_HZ = {
    "client_speaking": 0.9,
    "listening": 0.25,
    "transcribing": 0.5,
    "client_thinking": 0.45,
    "paused": 0.0,
    "ended": 0.0,
    "idle": 0.15,
}


class ClientPresence(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ClientPresence")
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._state = "idle"
        self._colour = QColor(state_style("idle")[1])
        self._target = QColor(self._colour)
        self._level = 0.0  # 0..1 extra swell while someone is talking
        self._clock = QElapsedTimer()
        self._clock.start()
        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._tick)
        self.setAccessibleName("Client presence")

    def sizeHint(self) -> QSize:
        return QSize(220, 220)

    @property
    def state(self) -> str:
        return self._state

    @property
    def colour(self) -> QColor:
        return QColor(self._target)

    def set_state(self, state: object) -> None:
        self._state = str(getattr(state, "value", state))
        label, colour = state_style(self._state)
        self._target = QColor(colour)
        self.setAccessibleDescription(label)
        self.update()

    def set_level(self, level: float) -> None:
        self._level = max(0.0, min(1.0, level))

    def showEvent(self, event) -> None:  # noqa: N802
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802
        self._timer.stop()
        super().hideEvent(event)

    def _tick(self) -> None:
        # ease the colour towards the target
        c, t = self._colour, self._target
        k = 0.15
        self._colour = QColor(
            round(c.red() + (t.red() - c.red()) * k),
            round(c.green() + (t.green() - c.green()) * k),
            round(c.blue() + (t.blue() - c.blue()) * k),
        )
        self._level *= 0.85
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        hz = _BREATH_HZ.get(self._state, 0.2)
        phase = self._clock.elapsed() / 1000.0 * hz * 2 * math.pi
        breath = 0.5 + 0.5 * math.sin(phase) if hz else 0.5
        radius = side * (0.34 + 0.04 * breath + 0.05 * self._level)
        centre = QPointF(self.width() / 2, self.height() / 2)
        halo = QRadialGradient(centre, radius * 1.35)
        glow = QColor(self._colour)
        glow.setAlpha(90)
        clear = QColor(self._colour)
        clear.setAlpha(0)
        halo.setColorAt(0.6, glow)
        halo.setColorAt(1.0, clear)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(halo)
        painter.drawEllipse(centre, radius * 1.35, radius * 1.35)
        body = QRadialGradient(centre - QPointF(radius * 0.3, radius * 0.3), radius * 1.2)
        body.setColorAt(0.0, self._colour.lighter(118))
        body.setColorAt(1.0, self._colour)
        painter.setBrush(body)
        painter.drawEllipse(centre, radius, radius)
        painter.end()
