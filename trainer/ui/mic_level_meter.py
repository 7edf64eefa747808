"""A horizontal input level meter fed by MicLevel events (dBFS)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

FLOOR_DBFS = -60.0


class MicLevelMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MicLevelMeter")
        self.setFixedHeight(12)
        self.setMinimumWidth(120)
        self._fraction = 0.0
        self._speech = False
        self.setAccessibleName("Microphone level")

    def sizeHint(self) -> QSize:
        return QSize(200, 12)

    @property
    def fraction(self) -> float:
        return self._fraction

    @property
    def speech(self) -> bool:
        return self._speech

    def set_level(self, dbfs: float, speech: bool = False) -> None:
        dbfs = max(FLOOR_DBFS, min(0.0, float(dbfs)))
        self._fraction = (dbfs - FLOOR_DBFS) / -FLOOR_DBFS
        self._speech = bool(speech)
        self.setToolTip(f"Microphone level {dbfs:.0f} dBFS" + (" — speech heard" if speech else ""))
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#e4e9ee"))
        painter.drawRoundedRect(rect, 6, 6)
        if self._fraction > 0:
            filled = QRectF(rect.x(), rect.y(), rect.width() * self._fraction, rect.height())
            painter.setBrush(QColor("#7fbf95" if self._speech else "#a9bccd"))
            painter.drawRoundedRect(filled, 6, 6)
        painter.end()
