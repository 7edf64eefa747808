"""The main window: navigation between the five views, menus with shortcuts, model
loading on a worker with visible progress, and errors in plain words with the way out."""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trainer.audio.devices import chosen_device
from trainer.replay import StoredSessionReplay
from trainer.ui.app_settings import AppSettings, SettingKey
from trainer.ui.error_banner import ErrorBanner
from trainer.ui.history_view import HistoryView
from trainer.ui.review_view import ReviewView
from trainer.ui.scenario_library_view import ScenarioLibraryView
from trainer.ui.session_view import SessionView
from trainer.ui.settings_view import SettingsView
from trainer.ui.task_worker import TaskRunner

log = logging.getLogger(__name__)

NAV_WIDTH_WIDE, NAV_WIDTH_NARROW = 190, 150  # the sidebar gives way to the views below 1100 px
NARROW_WINDOW_BELOW = 1100

SHUTDOWN_WAIT_MS = 120_000
KEEP_FINISHED_SESSIONS = 20  # finished Session objects kept for “Try it again” (their snapshots)
VIEWS = ("library", "session", "review", "history", "settings")
VIEW_TITLES = {
    "library": "Scenarios",
    "session": "Session",
    "review": "Review",
    "history": "History",
    "settings": "Settings",
}


def _load_style() -> str:
    """The style sheet, with its images' folder filled in (a style sheet's url() is read
    relative to the working directory, not to the sheet)."""
    folder = Path(__file__).resolve().parent
    try:
        style = (folder / "style.qss").read_text(encoding="utf-8")
    except OSError:
        return ""
    return style.replace("@UI_DIR@", folder.as_posix())


class MainWindow(QMainWindow):
    modelsReady = Signal()
    modelsFailed = Signal(str)
    scenariosLoaded = Signal(int)
    sessionCreated = Signal(object)  # built and attached to the session view; start() follows
    sessionStarted = Signal(object)  # session.start() returned (it runs)
    sessionFailed = Signal(str)
    viewChanged = Signal(str)

    def __init__(self, services: Any, settings: AppSettings | None = None, autoload: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.settings = settings or AppSettings(services.store)
        self.tasks = TaskRunner(self)
        self.models_ready = False
        self.loading = False
        self.session: Any = None
        # Sessions finished in this app run, newest last, keyed by their store id (or id()).
        # Their snapshots let Review branch from any client line; nothing is replayed.
        self.finished_sessions: OrderedDict[Any, Any] = OrderedDict()
        self.scenarios: list[Any] = []
        self.actions: dict[str, QAction] = {}
        self.setWindowTitle("Counselling practice")
        self._fit_to_screen(QSize(1280, 800), QSize(960, 620))
        style = _load_style()
        if style:
            self.setStyleSheet(style)
        self._build()
        self._build_menus()
        self.session_view.set_feedback_visible(self.settings.get(SettingKey.SHOW_FEEDBACK))
        self.show_view("library")
        if autoload:
            QTimer.singleShot(0, self.start_loading)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        central = QWidget()
        central.setObjectName("Central")
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("Sidebar")
        self.nav.setFixedWidth(NAV_WIDTH_WIDE)
        for i, key in enumerate(VIEWS):
            item = QListWidgetItem(f"{VIEW_TITLES[key]}\nCtrl+{i + 1}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{VIEW_TITLES[key]} (Ctrl+{i + 1})")
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(lambda row: self.show_view(VIEWS[row]) if row >= 0 else None)
        outer.addWidget(self.nav)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        self.banner = ErrorBanner()
        right.addWidget(self.banner)
        self.loading_strip = QFrame()
        self.loading_strip.setObjectName("LoadingStrip")
        strip = QHBoxLayout(self.loading_strip)
        strip.setContentsMargins(20, 8, 20, 8)
        self.loading_label = QLabel("Preparing…")
        self.loading_label.setObjectName("LoadingLabel")
        self.progress = QProgressBar()
        self.progress.setObjectName("LoadingBar")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        strip.addWidget(self.loading_label, 1)
        strip.addWidget(self.progress, 1)
        self.loading_strip.hide()
        right.addWidget(self.loading_strip)
        self.stack = QStackedWidget()
        right.addWidget(self.stack, 1)
        outer.addLayout(right, 1)
        self.setCentralWidget(central)

        self.library_view = ScenarioLibraryView()
        self.session_view = SessionView()
        self.review_view = ReviewView(self.services, self._create_try_session, self._chosen_output_device)
        self.history_view = HistoryView(self.services)
        self.settings_view = SettingsView(self.services, self.settings)
        self.views = {
            "library": self.library_view,
            "session": self.session_view,
            "review": self.review_view,
            "history": self.history_view,
            "settings": self.settings_view,
        }
        for key in VIEWS:
            self.stack.addWidget(self.views[key])
        self.library_view.startRequested.connect(self.start_session)
        self.session_view.ended.connect(self._on_session_ended)
        self.session_view.feedbackVisibilityChanged.connect(self._on_feedback_visibility)
        self.session_view.modeChanged.connect(self._on_mode_changed)
        self.session_view.pausedChanged.connect(
            lambda p: self.actions["pause"].setText("&Resume" if p else "&Pause"))
        self.history_view.openRequested.connect(self.open_stored_session)
        self.review_view.trySessionReady.connect(self._on_try_session_ready)
        self._settings_loaded = False
        self._history_stale = True
        self._starting = False
        self._closing = False

    def _action(self, key: str, text: str, shortcut: str | QKeySequence | None, slot, menu,
                context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut, widget: QWidget | None = None,
                checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(context)
        action.setCheckable(checkable)
        if checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(lambda _=False: slot())
        (widget or self).addAction(action)
        menu.addAction(action)
        self.actions[key] = action
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu("&File")
        self._action("start", "&Start selected scenario", "Ctrl+Return", self.library_view.start_selected, m)
        m.addSeparator()
        self._action("quit", "&Quit", QKeySequence.StandardKey.Quit, self.close, m)
        self.actions["quit"].setShortcut(QKeySequence("Ctrl+Q"))

        m = bar.addMenu("&View")
        for i, key in enumerate(VIEWS):
            self._action(f"view_{key}", f"&{VIEW_TITLES[key]}", f"Ctrl+{i + 1}",
                         lambda k=key: self.show_view(k), m)
        m.addSeparator()
        self._action("find", "&Find a scenario", "Ctrl+F", self.find_scenario, m)
        feedback = self._action("feedback", "Show &feedback while practising", "Ctrl+Shift+F",
                                self.session_view.set_feedback_visible, m, checkable=True)
        feedback.setChecked(self.session_view.feedback_visible)

        m = bar.addMenu("&Session")
        self._action("pause", "&Pause", "Ctrl+P", self.session_view.toggle_pause, m)
        self._action("end", "&End and review", "Ctrl+E", self.session_view.end_session, m)
        m.addSeparator()
        self._action("mode_voice", "&Hands-free (talk naturally)", "Ctrl+Shift+H",
                     lambda: self.session_view.set_mode("voice"), m)
        self._action("mode_ptt", "Pus&h-to-talk (hold Space)", "Ctrl+Shift+P",
                     lambda: self.session_view.set_mode("push_to_talk"), m)
        self._action("mode_text", "&Text (type your replies)", "Ctrl+Shift+T",
                     lambda: self.session_view.set_mode("text"), m)

        m = bar.addMenu("&Review")
        self._action("play", "&Play selected line", "Ctrl+R", self.review_view.play_selected, m)
        self._action("try_again", "&Try it again from selected client line", "Ctrl+T",
                     self.review_view.try_again_selected, m)
        self._action("comment", "Add a &comment on the selected line…", "Ctrl+M",
                     self.review_view.add_comment_selected, m)
        self._action("save_pdf", "&Save the report as PDF…", "Ctrl+Shift+S", self.review_view.save_pdf, m)

        m = bar.addMenu("Hi&story")
        self._action("history_open", "&Open selected session in Review", "Ctrl+O",
                     self.history_view.open_selected, m)
        self._action("history_delete", "&Delete selected session…", "Delete", self.history_view.delete_selected, m,
                     context=Qt.ShortcutContext.WidgetWithChildrenShortcut, widget=self.history_view)
        self._action("history_refresh", "&Refresh the session list", "F5", self.history_view.refresh, m)

        m = bar.addMenu("&Help")
        self._action("shortcuts", "&Keyboard shortcuts", "F1", self.show_shortcuts, m)

    # ------------------------------------------------------------------ navigation
    def current_view(self) -> str:
        return VIEWS[self.stack.currentIndex()]

    def show_view(self, key: str) -> None:
        index = VIEWS.index(key)
        if self.stack.currentIndex() != index:
            self.stack.setCurrentIndex(index)
        if self.nav.currentRow() != index:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(index)
            self.nav.blockSignals(False)
        if key == "review" and self.session_view.active:
            self._review_live_session()
        if key == "history" and self._history_stale:
            self._history_stale = False
            self.history_view.refresh()
        elif key == "settings" and not self._settings_loaded:
            self._settings_loaded = True
            self.settings_view.refresh()
        elif key == "library":
            self.library_view.list.setFocus()
        elif key == "session":
            self.session_view.focus_input()
        self.viewChanged.emit(key)

    def find_scenario(self) -> None:
        self.show_view("library")
        self.library_view.focus_search()

    def _fit_to_screen(self, preferred: QSize, minimum: QSize) -> None:
        """Open at ``preferred`` size, but never larger than the screen's free area: on a
        small laptop screen the window's right side (Start, the banner's buttons) would
        otherwise be off-screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        free = screen.availableGeometry().size() if screen is not None else preferred
        self.setMinimumSize(minimum.boundedTo(free))
        self.resize(preferred.boundedTo(free))

    def show_shortcuts(self) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(dialog)
        rows = [(a.text().replace("&", ""), a.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
                for a in self.actions.values() if not a.shortcut().isEmpty()]
        rows += [("Start the selected scenario (in the library)", "Enter"),
                 ("Open the selected session (History)", "Enter"),
                 ("Talk while held (push-to-talk mode)", "Space"),
                 ("Send typed reply (text mode)", "Enter"),
                 ("Close this list", "Esc")]
        table = QTableWidget(len(rows), 2)
        table.setTabKeyNavigation(False)  # Tab leaves the table (it moved cell by cell, for good)
        table.setHorizontalHeaderLabels(("Action", "Keys"))
        table.verticalHeader().hide()
        for r, (text, keys) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(text))
            table.setItem(r, 1, QTableWidgetItem(keys))
        table.resizeColumnsToContents()
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the keys column keeps its full width
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        table.setWordWrap(True)
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.resize(QSize(620, 600).boundedTo(self.size()))
        dialog.show()
        return dialog

    def _chosen_output_device(self) -> Any:
        """The speaker chosen in Settings, found by name if a replug renumbered it (a worker calls this)."""
        return chosen_device(self.settings.get(SettingKey.OUTPUT_DEVICE),
                             self.settings.get(SettingKey.OUTPUT_DEVICE_NAME), "output")

    # ------------------------------------------------------------------ models
    def start_loading(self) -> None:
        if self.loading:
            return
        self.loading = True
        self.banner.clear()
        self.loading_strip.show()
        self.loading_label.setText("Loading scenarios…")
        self.progress.setRange(0, 0)
        self.library_view.set_ready(False, "Loading models… you can browse the scenarios meanwhile.")
        self.tasks.start(self.services.scenarios, self._scenarios_loaded, self._scenarios_failed)
        self.tasks.start(self.services.load_models, self._models_loaded, self._models_failed, self._models_progress)

    def _scenarios_loaded(self, scenarios: list[Any]) -> None:
        self.scenarios = list(scenarios)
        self.library_view.set_scenarios(self.scenarios)
        self.scenariosLoaded.emit(len(self.scenarios))
        problems = list(getattr(self.services, "scenario_problems", None) or [])
        if problems:
            left_out = "1 scenario file" if len(problems) == 1 else f"{len(problems)} scenario files"
            self.banner.show_error(f"{left_out} could not be read and {'is' if len(problems) == 1 else 'are'} "
                                   f"left out of the library: {problems[0]}",
                                   "The other scenarios can be used meanwhile.")

    def _scenarios_failed(self, exc: BaseException) -> None:
        self.banner.show_error(f"The scenarios could not be read: {exc}",
                               "Run 'trainer scenarios validate' in a terminal to see what to fix.")

    def _models_progress(self, what: str, done: int, total: int) -> None:
        if what in ("ready", "warming up"):
            # After the last model: no "Loading ready… (5 of 5)", and the bar stays full
            # instead of jumping back to "0 of 1" for the warm-up.
            self.loading_label.setText("Warming up the models, so the first reply comes quickly…")
            self.progress.setRange(0, 1)
            self.progress.setValue(1)
            return
        self.loading_label.setText(f"Loading {what}… ({done} of {total})" if total else f"Loading {what}…")
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _models_loaded(self, _result: Any) -> None:
        self.loading = False
        self.models_ready = True
        self.loading_strip.hide()
        self.library_view.set_ready(True, "Ready. Pick someone and press Enter.")
        self.modelsReady.emit()
        self.tasks.start(self.services.audio_devices, self._check_microphone, self._no_microphone)

    def _models_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.models_ready = False
        self.loading_strip.hide()
        message = str(exc) or exc.__class__.__name__
        hint = getattr(exc, "hint", "") or (
            # the message may carry its own reinstall command; a second, generic one contradicted it
            "Do what the message says, then press Try again." if "install" in message.lower() else
            "The message above names the file. Fix or replace it (Settings, Ctrl+5, picks another "
            "model), then press Try again.")
        self.banner.show_error(f"The models could not be loaded. {message}", hint, "Try again", self.start_loading,
                               fatal=True)
        self.library_view.set_ready(False, "The models are not loaded; see the message at the top.")
        self.modelsFailed.emit(message)

    def _check_microphone(self, devices: dict) -> None:
        if not (devices or {}).get("input"):
            self._no_microphone(None)

    def _no_microphone(self, exc: BaseException | None) -> None:
        detail = f" ({exc})" if exc else ""
        if self.settings.get(SettingKey.INPUT_MODE) == "text" or self.session_view.mode == "text":
            return  # typing already; nothing to offer
        self.banner.show_error(
            f"No microphone was found{detail}.",
            "You can practise by typing your replies; plug in a headset and choose it in Settings (Ctrl+5) to talk.",
            "Use text mode", self.use_text_mode,
        )

    def _on_mode_changed(self, mode: str) -> None:
        self.settings.set(SettingKey.INPUT_MODE, mode)
        if mode == "text" and self.banner.isVisible() and "microphone" in self.banner.message.lower():
            self.banner.dismiss()

    def use_text_mode(self) -> None:
        self.settings.set(SettingKey.INPUT_MODE, "text")
        self.session_view.set_mode("text")

    # ------------------------------------------------------------------ sessions
    def start_session(self, scenario: Any, mode: str | None = None) -> bool | None:
        """Start ``scenario``; returns True once accepted (None if refused).

        Building the session (opening audio devices, loading the VAD) and ``session.start()``
        (the store's first write, opening the microphone) run on a worker thread, so the
        GUI thread never waits on them; ``sessionStarted(session)`` follows when it runs.
        """
        if not self.models_ready:
            self.banner.show_error("The models are still loading.", "The session can start once they are ready.")
            return None
        if self.session_view.active or self._starting:
            self.banner.show_error("A session is still running.", "End it first with Ctrl+E.")
            self.show_view("session")
            return None
        options = self.settings.session_options()
        if mode:
            options["input_mode"] = mode
        self._starting = True
        services = self.services
        self.tasks.start(lambda: services.create_session(scenario, options),
                         lambda session: self._session_created(session, scenario, options),
                         lambda exc: self._session_failed(exc, scenario))
        return True

    def _session_created(self, session: Any, scenario: Any, options: dict) -> None:
        if self._closing:
            self._starting = False
            return
        self.session = session
        self.session_view.attach(session, mode=options["input_mode"])  # listener first, then start
        self.show_view("session")
        self.sessionCreated.emit(session)
        self.tasks.start(session.start, lambda _r: self._session_running(session),
                         lambda exc: self._session_failed(exc, scenario, session))

    def _session_running(self, session: Any) -> None:
        self._starting = False
        if self._closing:
            session.end()
            return
        self.sessionStarted.emit(session)

    def _session_failed(self, exc: BaseException, scenario: Any, session: Any = None) -> None:
        self._starting = False
        if session is not None:
            try:
                session.end()
            except Exception:  # noqa: BLE001
                log.warning("ending a session that failed to start", exc_info=True)
            if self.session is session:
                self.session_view.show_no_session()
                self.session = None
        if self._closing:
            return
        self.sessionFailed.emit(str(exc))
        offer = "microphone" in str(exc).lower() or "device" in exc.__class__.__name__.lower()
        self.banner.show_error(
            f"The session could not start: {exc}",
            "You can practise by typing instead." if offer else "Try again, or pick another scenario.",
            "Start in text mode" if offer else None,
            (lambda: (self.use_text_mode(), self.start_session(scenario, "text"))) if offer else None,
        )

    def _create_try_session(self, scenario: Any, snapshot: Any, mode: str | None = None) -> Any:
        """A new session resuming from ``snapshot`` (called on a worker thread by Review)."""
        options = self.settings.session_options()
        if mode:
            options["input_mode"] = mode
        options["resume_from"] = snapshot
        return self.services.create_session(scenario, options)

    def remember_session(self, session: Any) -> None:
        key = getattr(session, "session_id", None) or id(session)
        self.finished_sessions.pop(key, None)
        self.finished_sessions[key] = session
        while len(self.finished_sessions) > KEEP_FINISHED_SESSIONS:
            self.finished_sessions.popitem(last=False)

    def session_for(self, session_id: str | None) -> Any:
        """The in-memory session stored as ``session_id``, if it ran in this app run."""
        if session_id is None:
            return None
        found = self.finished_sessions.get(session_id)
        if found is None:
            found = next((s for s in self.finished_sessions.values()
                          if getattr(s, "session_id", None) == session_id), None)
        return found

    def _on_try_session_ready(self, session: Any) -> None:
        self.remember_session(session)  # a try is a session too; it can be branched later
        self._history_stale = True

    def _review_live_session(self) -> None:
        """Review mid-session: the transcript so far; “Try it again” branches the live session."""
        review = self.review_view
        same = review.session is self.session and review.session_live
        if same and (review.try_panel.isVisible() or len(review.lines) == len(self.session_view.lines)):
            return
        review.show_live(self.session, list(self.session_view.lines), None, live=True)

    def _on_session_ended(self, summary: dict) -> None:
        if self.session is not None:
            self.remember_session(self.session)
        self.review_view.show_live(self.session, self.session_view.lines, summary, live=False,
                                   timing=self.session_view.spoken_turns > 0)
        self._history_stale = True
        self.show_view("review")

    def _on_feedback_visibility(self, visible: bool) -> None:
        self.settings.set(SettingKey.SHOW_FEEDBACK, visible)
        action = self.actions.get("feedback")
        if action is not None and action.isChecked() != visible:
            action.setChecked(visible)

    def open_stored_session(self, session_id: str) -> None:
        store = self.services.store
        self.tasks.start(lambda: store.load_session(session_id), self._stored_loaded,
                         lambda exc: self.banner.show_error(f"That session could not be opened: {exc}",
                                                            "Pick another one, or press F5 to refresh the list."))

    def _stored_loaded(self, stored: Any) -> None:
        scenario = next((s for s in self.scenarios if s.id == stored.info.scenario_id), None)
        source = self.session_for(stored.info.id)
        if source is None and scenario is not None and StoredSessionReplay.can_replay(stored.turns):
            # From an earlier app run: "Try it again" rebuilds the client's state from the stored turns.
            source = StoredSessionReplay(stored.turns, scenario, session_id=stored.info.id)
        self.review_view.show_stored(stored, scenario, source=source)
        self.show_view("review")

    # ------------------------------------------------------------------ shutdown
    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        width = NAV_WIDTH_NARROW if self.width() < NARROW_WINDOW_BELOW else NAV_WIDTH_WIDE
        if self.nav.width() != width:
            self.nav.setFixedWidth(width)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._closing = True
        if self.session_view.active and self.session is not None:
            try:
                self.session.end()
            except Exception:  # noqa: BLE001
                log.warning("ending the session on close failed", exc_info=True)
        self.session_view.detach()
        # Blocking calls can't be interrupted (a model may still be loading): hide first,
        # then let the worker threads finish so none is destroyed while running.
        self.hide()
        self.tasks.close()
        self.review_view.shutdown()
        self.history_view.shutdown()
        self.settings_view.shutdown()
        if not self.tasks.wait_all(SHUTDOWN_WAIT_MS):
            log.warning("a background task was still running at exit")
        self._wait_for_sessions_to_end()
        super().closeEvent(event)

    def _wait_for_sessions_to_end(self) -> None:
        """Let every session's threads finish (a language-model call may be running):
        a native call still running while Python shuts down crashes the process."""
        sessions = [self.session, getattr(self.review_view, "try_session", None),
                    *self.finished_sessions.values()]
        for session in {id(s): s for s in sessions if s is not None}.values():
            try:
                session.end()
                if hasattr(session, "wait_ended") and not session.wait_ended(SHUTDOWN_WAIT_MS / 1000):
                    log.warning("a session was still running at exit")
            except Exception:  # noqa: BLE001
                log.warning("ending a session on close failed", exc_info=True)
