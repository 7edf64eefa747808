"""Drive the window for ``trainer gui --screenshot``: wait for the models, start a
session in text mode, type the scenario's demo lines one by one (each after the
previous TurnCompleted), then save ``window.grab()``. Everything is signal-driven;
a timer guards against a stuck engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from trainer.ui.main_window import MainWindow


class ScreenshotDriver(QObject):
    finished = Signal(int, str)  # exit code, message
    progress = Signal(str)

    def __init__(self, window: MainWindow, path: str | Path, scenario_id: str | None = None,
                 timeout_s: float = 300.0, settle_ms: int = 400, max_lines: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.path = Path(path)
        self.scenario_id = scenario_id
        self.settle_ms = settle_ms
        self.max_lines = max_lines
        self.session: Any = None
        self.lines: list[str] = []
        self._sent = 0
        self._done = False
        self._started = False
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(int(timeout_s * 1000))
        self._timeout.timeout.connect(self._on_timeout)

    def start(self) -> None:
        self._timeout.start()
        w = self.window
        w.modelsFailed.connect(lambda msg: self._fail(f"The models could not be loaded: {msg}"))
        w.modelsReady.connect(self._maybe_go)
        w.scenariosLoaded.connect(lambda _n: self._maybe_go())
        self._maybe_go()

    def _maybe_go(self) -> None:
        if self._started or self._done or not self.window.models_ready or not self.window.scenarios:
            return
        self._started = True
        scenarios = self.window.scenarios
        if self.scenario_id:
            scenario = next((s for s in scenarios if s.id == self.scenario_id), None)
            if scenario is None:
                ids = ", ".join(s.id for s in scenarios)
                self._fail(f"No scenario called {self.scenario_id!r}. Available: {ids}.")
                return
        else:
            scenario = scenarios[0]
        self.lines = list(scenario.demo)[: self.max_lines] if self.max_lines else list(scenario.demo)
        self.progress.emit(f"Starting {scenario.id} in text mode")
        # Built and started on a worker: hook the bridge as soon as it exists (before start()).
        self.window.sessionCreated.connect(self._on_started)
        self.window.sessionFailed.connect(lambda msg: self._fail(f"The session could not start: {msg}"))
        if not self.window.start_session(scenario, mode="text"):
            self._fail("The session could not start: " + (self.window.banner.message or "unknown reason"))

    def _on_started(self, session: Any) -> None:
        if self._done or self.session is not None:
            return
        self.session = session
        bridge = self.window.session_view.bridge
        bridge.stateChanged.connect(self._on_state)
        bridge.turnCompleted.connect(self._on_turn_completed)
        bridge.errorOccurred.connect(self._on_error)

    def _on_state(self, state: object) -> None:
        # The first time the engine listens (after the opening line), type the first line.
        if self._sent == 0 and str(getattr(state, "value", state)) == "listening":
            self._send_next()

    def _send_next(self) -> None:
        if self._done:
            return
        if self._sent >= len(self.lines):
            QTimer.singleShot(self.settle_ms, self._grab)
            return
        line = self.lines[self._sent]
        self._sent += 1
        self.progress.emit(f"Demo line {self._sent}/{len(self.lines)}: {line}")
        self.window.session_view.set_mode("text")
        self.session.submit_text(line)

    def _on_turn_completed(self, turn_index: int, record: object) -> None:
        if self._sent > 0 and turn_index > 0:  # turn 0 is the opening line
            self._send_next()

    def _on_error(self, message: str, hint: str, fatal: bool) -> None:
        if fatal:
            self._fail(f"{message} {hint}".strip())

    def _grab(self) -> None:
        if self._done:
            return
        self.window.show_view("session")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ok = self.window.grab().save(str(self.path))
        if ok:
            self._finish(0, f"Saved a screenshot to {self.path}")
        else:
            self._fail(f"Could not write the screenshot to {self.path}. Check the folder exists and is writable.")

    def _on_timeout(self) -> None:
        self._fail(f"Timed out after {self._timeout.interval() // 1000} s "
                   f"({self._sent} of {len(self.lines)} demo lines sent).")

    def _fail(self, message: str) -> None:
        self._finish(1, message)

    def _finish(self, code: int, message: str) -> None:
        if self._done:
            return
        self._done = True
        self._timeout.stop()
        self.finished.emit(code, message)
