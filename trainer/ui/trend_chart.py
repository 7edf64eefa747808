"""A small QtCharts line chart of one figure over past sessions."""

from __future__ import annotations

import math

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget


class TrendChart(QChartView):
    def __init__(self, title: str, colour: str = "#6f9fcb", y_max: float | None = None,
                 y_label: str = "", parent: QWidget | None = None) -> None:
        chart = QChart()
        super().__init__(chart, parent)
        self.setObjectName("TrendChart")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(190)
        self.setStyleSheet("background: transparent;")
        chart.setTitle(title)
        font = QFont()
        font.setPointSizeF(10.5)
        chart.setTitleFont(font)
        chart.legend().hide()
        chart.setBackgroundRoundness(10)
        chart.setBackgroundBrush(QColor("#ffffff"))
        chart.setMargins(QMargins(6, 6, 6, 6))
        self.series = QLineSeries()
        pen = QPen(QColor(colour))
        pen.setWidthF(2.2)
        self.series.setPen(pen)
        self.dots = QScatterSeries()
        self.dots.setColor(QColor(colour))
        self.dots.setBorderColor(QColor(colour))
        self.dots.setMarkerSize(7)
        chart.addSeries(self.series)
        chart.addSeries(self.dots)
        self.x_axis = QValueAxis()
        self.x_axis.setLabelFormat("%d")
        self.x_axis.setTitleText("Session")
        self.y_axis = QValueAxis()
        self.y_axis.setTitleText(y_label)
        grid = QColor("#e8edf1")
        for axis in (self.x_axis, self.y_axis):
            axis.setGridLineColor(grid)
            axis.setLabelsColor(QColor("#5b6670"))
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for s in (self.series, self.dots):
            s.attachAxis(self.x_axis)
            s.attachAxis(self.y_axis)
        self._y_max = y_max
        self.set_values([])

    def set_values(self, values: list[float | None]) -> None:
        """One value per session, oldest first; ``None`` leaves a gap in the numbering."""
        self.series.clear()
        self.dots.clear()
        points = [(i + 1, float(v)) for i, v in enumerate(values) if v is not None]
        for x, y in points:
            self.series.append(x, y)
            self.dots.append(x, y)
        n = max(len(values), 1)
        self.x_axis.setRange(0.5, n + 0.5)
        self.x_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self.x_axis.setTickAnchor(1)
        self.x_axis.setTickInterval(max(1, round(n / 8)))
        # 8% headroom over a fixed maximum: points at 100% sat half outside the plot
        top = self._y_max * 1.08 if self._y_max else max([y for _, y in points] + [1.0]) * 1.2
        self.y_axis.setRange(0, top)
        # Ticks at round numbers from 0 (0, 25, 50, 75, 100), not at fifths of the range
        # (0, 27, 54, 81, 108), which no one reads as a percentage.
        step = nice_step((self._y_max or top) / 4)
        self.y_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self.y_axis.setTickAnchor(0)
        self.y_axis.setTickInterval(step)
        self.y_axis.setLabelFormat("%d" if step >= 1 else "%.1f" if step * 10 % 1 == 0 else "%.2f")

    def point_count(self) -> int:
        return self.series.count()


def nice_step(rough: float) -> float:
    """The nearest of 1, 2, 2.5 or 5 times a power of ten at or above ``rough``."""
    if rough <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough - 1e-9)
