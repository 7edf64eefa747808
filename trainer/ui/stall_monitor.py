"""Measure how long the GUI thread stalls: the longest gap between timer ticks.

    monitor = StallMonitor(interval_ms=5)
    monitor.start()
    ... run the thing ...
    monitor.stop()
    print(monitor.longest_gap_ms, monitor.p99_gap_ms)
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal


class StallMonitor(QObject):
    stall = Signal(float)  # a gap above ``report_above_ms``

    def __init__(self, interval_ms: int = 5, report_above_ms: float = 100.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.report_above_ms = report_above_ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last: float | None = None
        self.gaps_ms: list[float] = []

    def start(self) -> None:
        self.gaps_ms = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._last is not None:  # count a stall still in progress
            self._record(time.perf_counter())
        self._last = None

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def _record(self, now: float) -> None:
        gap = (now - self._last) * 1000.0
        self.gaps_ms.append(gap)
        if gap > self.report_above_ms:
            self.stall.emit(gap)
        self._last = now

    def _tick(self) -> None:
        self._record(time.perf_counter())

    @property
    def ticks(self) -> int:
        return len(self.gaps_ms)

    @property
    def longest_gap_ms(self) -> float:
        return max(self.gaps_ms, default=0.0)

    @property
    def p99_gap_ms(self) -> float:
        if not self.gaps_ms:
            return 0.0
        ordered = sorted(self.gaps_ms)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]

    def report(self) -> dict[str, float]:
        return {
            "interval_ms": float(self.interval_ms),
            "ticks": float(self.ticks),
            "longest_gap_ms": round(self.longest_gap_ms, 2),
            "p99_gap_ms": round(self.p99_gap_ms, 2),
        }
