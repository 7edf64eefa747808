"""Review a session: annotated transcript, MITI summary, replay a line's audio, and
“Try it again” from any client line with the two answers side by side."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trainer.feedback.measures import answers_text, held_silence_label
from trainer.session import is_unknown_command, is_wait_command, unknown_command_text, wait_refused_text
from trainer.storage.export_pdf import export_pdf
from trainer.storage.records import TRY_AGAIN_NOTE, try_again_of
from trainer.ui.codes import chip_text, code_style, code_tooltip
from trainer.ui.engine_bridge import EngineBridge
from trainer.ui.error_banner import ErrorBanner
from trainer.ui.session_metrics import format_when
from trainer.ui.summary_panel import SummaryPanel
from trainer.ui.task_worker import TaskRunner
from trainer.ui.transcript_entry import feedback_notes
from trainer.ui.comment_dialog import CommentDialog
from trainer.ui.report_saving import ask_for_report_path, suggested_report_name
from trainer.ui.transcript_model import TranscriptLine, lines_from_stored, original_answer
from trainer.ui.try_again_panel import TryAgainPanel

log = logging.getLogger(__name__)

COLUMNS = ("Turn", "Who", "What was said", "Code", "Notes")


EARLIER_RUN_NOTE = (
    "“Try it again” is not available for this session: the client's state can't be rebuilt "
    "from what was stored. Start the scenario again to practise it."
)


# (label, label in a narrow window): at 1024 px the long ones were cut off
BUTTON_LABELS = {
    "play": ("Play  (Ctrl+R)", "Play"),
    "comment": ("Comment  (Ctrl+M)", "Comment"),
    "try": ("Try it again from here  (Ctrl+T)", "Try it again"),
    "pdf": ("Save as PDF…  (Ctrl+Shift+S)", "Save as PDF…"),
}
NARROW_BELOW = 1000
NOTES_COLUMN = 4

class ReviewView(QWidget):
    """``session_factory(scenario, snapshot, mode)`` builds (does not start) a session that
    resumes from ``snapshot`` (a ``trainer.session.SessionSnapshot``); ``mode`` is an input
    mode to force, or None for the user's setting."""

    audioPlayed = Signal(bool)  # True if a recording was found and played
    tryAgainStarted = Signal(int)
    trySessionReady = Signal(object)  # the new (branch) session, started
    commentSaved = Signal(dict)  # a comment stored (id, turn_index, author, text)

    def __init__(
        self,
        services: Any = None,
        session_factory: Callable[..., Any] | None = None,
        output_device: Callable[[], Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ReviewView")
        self.services = services
        self.session_factory = session_factory
        self.output_device = output_device or (lambda: None)
        self.tasks = TaskRunner(self)
        self.session: Any = None
        self.session_live = False
        self.branch_source: Any = None  # a Session (live or ended) whose snapshots we can branch from
        self.session_id: str | None = None
        self.scenario: Any = None
        self.client_name = "Client"
        self.lines: list[TranscriptLine] = []
        self.summary: dict | None = None
        self.try_session: Any = None
        self._try_bridge: EngineBridge | None = None
        self._try_generation = 0
        self._awaiting_new = False
        self._new_turn: int | None = None
        self.comments: list[dict] = []  # supervisor comments on this session (from the store)
        self.comment_dialog_factory = CommentDialog  # tests swap in a dialog that needs no clicks
        self.choose_report_path: Callable[[str], Path | None] = lambda name: ask_for_report_path(self, name)
        self._unsaved_comment = ""  # kept when saving failed, offered again next time
        self._started_at: Any = None
        self._build()

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 18, 24, 18)
        root.setSpacing(12)
        self.banner = ErrorBanner()
        root.addWidget(self.banner)
        self.title_label = QLabel("Nothing to review yet")
        self.title_label.setObjectName("ViewTitle")
        root.addWidget(self.title_label)
        self.subtitle_label = QLabel("Finish a session, or open one from History (Ctrl+4).")
        self.subtitle_label.setObjectName("Caption")
        root.addWidget(self.subtitle_label)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        # The transcript above, "Try it again" below, with a handle between them: at 640 px
        # high an open try panel had squeezed the transcript to a row and a half.
        left = QSplitter(Qt.Orientation.Vertical)
        left.setChildrenCollapsible(False)
        self.left_splitter = left
        transcript = QWidget()
        self.transcript_pane = transcript
        transcript.installEventFilter(self)
        left_layout = QVBoxLayout(transcript)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (it moved cell by cell, for good)
        self.table.setObjectName("ReviewTranscript")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(False)
        self.table.setShowGrid(False)
        self.table.setMinimumHeight(150)  # the header and two or three lines, whatever is open below
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)  # no sideways scrolling
        # Rows were sized once: after a resize long lines were cut off with "…".
        header.sectionResized.connect(lambda *_: self._refit_rows.start())
        self._refit_rows = QTimer(self)
        self._refit_rows.setSingleShot(True)
        self._refit_rows.setInterval(0)
        self._refit_rows.timeout.connect(self.table.resizeRowsToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        left_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.play_button = QPushButton(BUTTON_LABELS["play"][0])
        self.play_button.setToolTip("Play the selected line's recording "
                                    "(kept only when “Keep recordings” is on in Settings)")
        self.play_button.clicked.connect(self.play_selected)
        self.comment_button = QPushButton(BUTTON_LABELS["comment"][0])
        self.comment_button.setToolTip("Add a comment on the selected line, or on the whole session if none is selected")
        self.comment_button.clicked.connect(self.add_comment_selected)
        self.try_button = QPushButton(BUTTON_LABELS["try"][0])
        self.try_button.setObjectName("PrimaryButton")
        self.try_button.setToolTip("Pick one of the client's lines, then answer it again")
        self.try_button.clicked.connect(self.try_again_selected)
        self.pdf_button = QPushButton(BUTTON_LABELS["pdf"][0])
        self.pdf_button.setToolTip("Save this session's report (transcript, codes, summary, comments) as a PDF")
        self.pdf_button.clicked.connect(self.save_pdf)
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.comment_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        buttons.addWidget(self.try_button)
        left_layout.addLayout(buttons)
        self.session_comments_label = QLabel()
        self.session_comments_label.setObjectName("SessionComments")
        self.session_comments_label.setWordWrap(True)
        self.session_comments_label.hide()
        left_layout.addWidget(self.session_comments_label)
        self.status_label = QLabel()
        self.status_label.setObjectName("Caption")
        self.status_label.setWordWrap(True)
        left_layout.addWidget(self.status_label)
        self.try_note = QLabel(EARLIER_RUN_NOTE)
        self.try_note.setObjectName("TryNote")
        self.try_note.setWordWrap(True)
        self.try_note.hide()
        left_layout.addWidget(self.try_note)
        left.addWidget(transcript)
        self.try_panel = TryAgainPanel()
        self.try_panel.submitted.connect(self._submit_new_answer)
        self.try_panel.closed.connect(self._close_try)
        left.addWidget(self.try_panel)
        left.setStretchFactor(0, 1)
        left.setStretchFactor(1, 1)
        splitter.addWidget(left)
        self.summary_panel = SummaryPanel()
        self.summary_panel.setMinimumWidth(390)  # the banded rows with a "Below fair" chip fit
        splitter.addWidget(self.summary_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        root.addWidget(splitter, 1)
        self._update_buttons()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.table.setColumnHidden(NOTES_COLUMN, self.width() < NARROW_BELOW)  # notes then show as the line's tooltip
        self._fit_button_labels()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.transcript_pane and event.type() == QEvent.Type.Resize:
            self._fit_button_labels()  # the pane also changes width when the splitter moves
        return False

    def _fit_button_labels(self) -> None:
        """Long labels (with their shortcuts) only when all four fit beside each other: by the
        window's width alone, "Save as PDF… (Ctrl+Shift+S)" was cut off at 1280 × 800."""
        buttons = (("play", self.play_button), ("comment", self.comment_button), ("pdf", self.pdf_button),
                   ("try", self.try_button))
        padding = 44  # the style sheet's 14 px each side, the border, and the layout's spacing
        needed = sum(button.fontMetrics().horizontalAdvance(BUTTON_LABELS[key][0]) + padding
                     for key, button in buttons)
        short = needed > self.transcript_pane.width()  # the shortcuts stay in the menus and tooltips
        for key, button in buttons:
            button.setText(BUTTON_LABELS[key][1 if short else 0])

    # ------------------------------------------------------------------ loading
    def show_live(self, session: Any, lines: list[TranscriptLine], summary: dict | None, live: bool,
                  timing: bool = True) -> None:
        """From the session view. ``live``: the session still runs and takes ``try_again_from``;
        otherwise it has ended and new tries branch from its snapshots. ``timing`` is False
        when no turn was spoken (typed only), so talk share and latency show a dash."""
        self.session = session
        self.session_live = live
        self.branch_source = session
        self.session_id = getattr(session, "session_id", None)
        self.scenario = getattr(session, "scenario", None)
        self.comments = []
        started = SimpleNamespace(started_at=getattr(session, "started_at", None))  # as a stored one shows
        self._populate(list(lines), summary, started, timing=timing)
        problem = getattr(session, "storage_problem", None)
        if problem and not live:  # shown from memory: what History and the PDF will lack
            self.banner.show_error(f"Not all of this session could be stored. {problem}",
                                   "Review shows it all from memory; History and a saved PDF report have "
                                   "only what was stored.")

    def show_stored(self, stored: Any, scenario: Any = None, source: Any = None) -> None:
        """A stored session; ``source`` gives its snapshots for “Try it again”: the session
        object if it was practised in this app run, a ``trainer.replay.StoredSessionReplay``
        if it is from an earlier run, or None when neither is possible."""
        info = stored.info
        self.session = None
        self.session_live = False
        self.branch_source = source
        self.session_id = info.id
        self.scenario = scenario
        self.comments = [c for c in (getattr(stored, "comments", None) or []) if isinstance(c, dict)]
        settings = getattr(stored, "settings", None) or {}
        timing = not (isinstance(settings, dict) and settings.get("input_mode") == "text")
        lines = lines_from_stored(stored.turns)
        origin = try_again_of(settings)
        if origin and origin.get("client_text"):  # the line this try answered, stored with it
            lines.insert(0, TranscriptLine(int(origin.get("client_line") or 0), "client", str(origin["client_text"])))
        self._populate(lines, stored.summary, info, timing=timing, tried_again=origin is not None)

    def _populate(self, lines: list[TranscriptLine], summary: dict | None, info: Any = None,
                  timing: bool = True, tried_again: bool = False) -> None:
        self._close_try()
        self.banner.clear()  # a message about the session shown before
        self.lines = lines
        self.summary = summary
        persona = getattr(self.scenario, "persona", None)
        self.client_name = getattr(persona, "name", None) or "Client"
        title = getattr(self.scenario, "title", None) or getattr(info, "scenario_title", None) or "Session"
        self.title_label.setText(f"Review: {title}")
        when = getattr(info, "started_at", None)
        self._started_at = when
        bits = []
        if when is not None:
            bits.append(format_when(when))
        silences = sum(1 for line in lines if line.role == "trainee" and line.silence)
        bits.append(answers_text(sum(1 for line in lines if line.role == "trainee") - silences, silences))
        if getattr(info, "interrupted", False):
            bits.append("interrupted")
        if tried_again:
            bits.append("a try again: the summary also counts the original's earlier turns")
        self.subtitle_label.setToolTip(TRY_AGAIN_NOTE if tried_again else "")
        self.subtitle_label.setText(" · ".join(bits))
        self.table.setRowCount(0)
        for line in lines:
            self._add_row(line)
        self.table.resizeRowsToContents()
        self._show_session_comments()
        self.summary_panel.set_summary(summary, timing=timing, interrupted=bool(getattr(info, "interrupted", False)))
        self.status_label.setText("")
        # No way to put the client back (no source of snapshots): say so plainly.
        self.try_note.setVisible(bool(lines) and not self.session_live and self.branch_source is None
                                 and self.scenario is not None)
        first_client = self.row_of_client_line(0)
        if self.lines:
            self.select_row(first_client if first_client >= 0 else 0)
        self._update_buttons()

    def _add_row(self, line: TranscriptLine) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        who = self.client_name if line.role == "client" else "You"
        items = [
            QTableWidgetItem(str(line.turn_index)),
            QTableWidgetItem(who + (" (retry)" if line.branch else "")),
            QTableWidgetItem(line.text + ("  [cut short]" if line.interrupted else "")),
            QTableWidgetItem(chip_text(line.code, line.confidence) if line.code else ""),
            QTableWidgetItem(self._notes_text(line)),
        ]
        items[2].setToolTip(items[4].text())  # the notes, when a narrow window hides their column
        if line.code:
            items[3].setBackground(QColor(code_style(line.code).background))
            items[3].setToolTip(code_tooltip(line.code, line.confidence))
        items[0].setData(Qt.ItemDataRole.UserRole, row)
        for col, item in enumerate(items):
            if col != 3 and line.role == "client":
                item.setBackground(QColor("#f3f6f9"))
            self.table.setItem(row, col, item)

    # ------------------------------------------------------------------ selection
    def selected_line(self) -> TranscriptLine | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            row = self.table.currentRow()
        else:
            row = rows[0].row()
        if 0 <= row < len(self.lines):
            return self.lines[row]
        return None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)
        self.table.setCurrentCell(row, 2)

    def row_of_client_line(self, turn_index: int) -> int:
        for row, line in enumerate(self.lines):
            if line.role == "client" and line.turn_index == turn_index:
                return row
        return -1

    def _update_buttons(self) -> None:
        line = self.selected_line()
        self.play_button.setEnabled(line is not None and self.session_id is not None and self.services is not None)
        can_try = line is not None and line.role == "client" and (
            self.session_live or (self.branch_source is not None and self.session_factory is not None
                                  and self.scenario is not None)
        )
        self.try_button.setEnabled(can_try)
        self.comment_button.setEnabled(self.session_id is not None and self.services is not None)
        self.pdf_button.setEnabled(self.session_id is not None and self.services is not None)
        if not self.session_live and self.branch_source is None:
            self.try_button.setToolTip("Not available: the client's state can't be rebuilt for this session")
        else:
            self.try_button.setToolTip("Pick one of the client's lines, then answer it again")

    # ------------------------------------------------------------------ PDF report
    def save_pdf(self) -> None:
        """Ask where, load the stored session on a worker, write the PDF (Qt drawing stays on
        the GUI thread)."""
        session_id, store = self.session_id, getattr(self.services, "store", None)
        if session_id is None or store is None:
            return
        if self.session_live:
            self.status_label.setText("The report is of a finished session: end this one first (Ctrl+E).")
            return
        title = getattr(self.scenario, "title", None) or self.title_label.text().removeprefix("Review: ")
        path = self.choose_report_path(suggested_report_name(title, self._started_at))
        if path is None:
            return
        self.status_label.setText("Saving the report…")

        def write(stored: Any) -> None:
            try:
                export_pdf(stored, path)
            except Exception as exc:  # noqa: BLE001
                failed(exc)
                return
            self.status_label.setText(f"Report saved to {path}")

        def failed(exc: BaseException) -> None:
            self.status_label.setText("")
            self.banner.show_error(f"The report could not be saved: {exc}",  # the error names the file
                                   "Choose another folder, or check there is space on the disk.")

        self.tasks.start(lambda: store.load_session(session_id), write, failed)

    # ------------------------------------------------------------------ comments
    def _comments_on(self, line: TranscriptLine) -> list[dict]:
        """Comments on this line's turn: shown on the trainee's answer, or on the client's
        line when the turn has no answer (the opening line)."""
        if line.branch:
            return []
        if line.role == "client" and any(
            l.role == "trainee" and l.turn_index == line.turn_index and not l.branch for l in self.lines
        ):
            return []
        return [c for c in self.comments if c.get("turn_index") == line.turn_index]

    def _notes_text(self, line: TranscriptLine) -> str:
        notes = list(feedback_notes(line.feedback)) if line.feedback else []
        # Plain text, no emoji: the fonts on a clinic's machine may have no glyph for it.
        notes += [f"Comment from {c.get('author') or 'a reviewer'}: {c.get('text', '')}" for c in self._comments_on(line)]
        return " · ".join(notes)

    def _show_session_comments(self) -> None:
        general = [c for c in self.comments if c.get("turn_index") is None]
        self.session_comments_label.setText(
            "\n".join(f"Comment from {c.get('author') or 'a reviewer'} on the whole session: {c.get('text', '')}"
                      for c in general))
        self.session_comments_label.setVisible(bool(general))

    def add_comment_selected(self) -> None:
        """Ask for a comment on the selected line (or the whole session) and store it."""
        if self.session_id is None or self.services is None:
            self.status_label.setText("Open a session first (History, Ctrl+4), then add your comment.")
            return
        line = self.selected_line()
        if line is None:
            about = "On the whole session."
        else:
            who = self.client_name if line.role == "client" else "You"
            snippet = line.text if len(line.text) <= 90 else line.text[:87] + "…"
            about = f"On line {line.turn_index} ({who}): “{snippet}”"
        try:
            author = self.services.store.get_setting("comment_author", "") or ""
        except Exception:  # noqa: BLE001 - a locked store: just ask for the name
            author = ""
        dialog = self.comment_dialog_factory(about, str(author), self)
        if self._unsaved_comment:
            dialog.text_edit.setPlainText(self._unsaved_comment)
        if not dialog.exec():
            return
        self.add_comment(None if line is None else line.turn_index, dialog.author(), dialog.text())

    def add_comment(self, turn_index: int | None, author: str, text: str) -> None:
        """Store a comment (off the GUI thread) and show it once it is saved."""
        if not text.strip() or not author.strip() or self.session_id is None or self.services is None:
            return
        store, session_id = self.services.store, self.session_id
        self._unsaved_comment = text

        def job() -> dict:
            comment_id = store.add_comment(session_id, turn_index, author.strip(), text.strip())
            store.set_setting("comment_author", author.strip())
            return {"id": comment_id, "turn_index": turn_index, "author": author.strip(), "text": text.strip()}

        def saved(comment: dict) -> None:
            self._unsaved_comment = ""
            if session_id != self.session_id:
                return  # another session is on screen now; the comment is stored with its own
            self.comments.append(comment)
            for row, line in enumerate(self.lines):
                if self.table.item(row, 4) is not None:
                    self.table.item(row, 4).setText(self._notes_text(line))
                    self.table.item(row, 2).setToolTip(self._notes_text(line))
            self.table.resizeRowsToContents()
            self._show_session_comments()
            self.status_label.setText("Comment saved.")
            self.commentSaved.emit(comment)

        def failed(exc: BaseException) -> None:
            self.banner.show_error(f"Your comment could not be saved: {exc}",
                                   "Press Ctrl+M to try again; your text is kept.")

        self.tasks.start(job, saved, failed)

    # ------------------------------------------------------------------ replay
    def play_selected(self) -> None:
        line = self.selected_line()
        if line is None or self.session_id is None or self.services is None:
            return
        services, session_id, output_device = self.services, self.session_id, self.output_device

        def job() -> bool:
            found = services.store.load_turn_audio(session_id, line.turn_index, line.role)
            if found is None:
                return False
            samples, rate = found
            services.play(samples, rate, output_device())  # may look the device up by name: not on the GUI thread
            return True

        self.status_label.setText("Playing…")
        self.play_button.setEnabled(False)
        self.tasks.start(job, self._played, self._play_failed)

    def _played(self, found: bool) -> None:
        self._update_buttons()
        if found:
            self.status_label.setText("")
        else:
            self.status_label.setText(
                "No recording was kept for this line. Recordings are kept only when “Keep recordings of what was said” is on in Settings (Ctrl+5)."
            )
        self.audioPlayed.emit(bool(found))

    def _play_failed(self, exc: BaseException) -> None:
        self._update_buttons()
        self.status_label.setText("")
        self.banner.show_error(f"Could not play the recording: {exc}", "Check the output device in Settings (Ctrl+5).")

    # ------------------------------------------------------------------ try it again
    def try_again_selected(self) -> None:
        line = self.selected_line()
        if line is not None and line.role == "client":
            self.try_again(line.turn_index, line)

    def try_again(self, client_turn_index: int, line: TranscriptLine | None = None) -> bool:
        """Answer client line ``client_turn_index`` again.

        A running session is branched in place (``try_again_from``). A finished one stays as
        it was: a new session starts from its snapshot at that line (client and feedback
        state restored, no replaying) on a worker thread, and the two answers are shown side
        by side. For a session from an earlier app run the snapshot is rebuilt from its stored
        turns (trainer/replay.py); where that is impossible it is said, not faked.
        """
        client = line if line is not None and line.role == "client" else next(
            (l for l in self.lines if l.role == "client" and l.turn_index == client_turn_index), None)
        if client is None:
            return False
        self._stop_try_session()
        self.status_label.setText("")
        if self.session_live and self.session is not None:
            try:
                self.session.try_again_from(client_turn_index)
            except Exception as exc:  # noqa: BLE001
                self.banner.show_error(f"Could not start “Try it again”: {exc}",
                                       "Try another line, or start a new session.")
                return False
            if self.session is not self.try_session:
                self._connect_try_session(self.session)
            ready = True
        else:
            if self.branch_source is None or self.session_factory is None or self.scenario is None:
                self.status_label.setText(EARLIER_RUN_NOTE if self.scenario is not None else
                                          "This session's scenario is no longer installed, so it can't be "
                                          "practised again.")
                return False
            try:
                snapshot = self.branch_source.snapshot_at(client_turn_index)
            except Exception as exc:  # noqa: BLE001
                self.banner.show_error(f"Could not start “Try it again”: {exc}",
                                       "Try another line, or start a new session.")
                return False
            if getattr(snapshot, "client_line", "") and snapshot.client_line.strip() != client.text.strip():
                # The session answered this line more than once; only the latest try's state is kept.
                self.status_label.setText(
                    "That line was later replaced by a new try in the same session; pick the newest "
                    "version of it to try again from there.")
                return False
            self._start_branch(snapshot)
            ready = False
        original = original_answer(self.lines, client_turn_index)
        reply = None
        if original is not None:
            reply = next(
                (l.text for l in self.lines if l.role == "client" and l.turn_index == original.turn_index
                 and l.branch == original.branch), None)
        self.try_panel.begin(
            self.client_name, client.text,
            original.text if original else None,
            original.code if original else None,
            original.confidence if original else None,
            reply,
        )
        self.try_panel.set_ready(ready, f"Getting {self.client_name} back to that moment…")
        total = sum(self.left_splitter.sizes())
        if total > 0:  # the panel gets what it needs, up to a little over half; the transcript the rest
            panel = min(self.try_panel.preferred_height(), total * 11 // 20)
            self.left_splitter.setSizes([total - panel, panel])
        row = self.row_of_client_line(client_turn_index)
        if row >= 0:  # the line being answered again stays in view above the panel
            QTimer.singleShot(0, lambda: self.table.scrollToItem(self.table.item(row, 0)))
        self._awaiting_new = True
        self._new_turn = None
        self.tryAgainStarted.emit(client_turn_index)
        return True

    def _start_branch(self, snapshot: Any, mode: str | None = None) -> None:
        """Build and start the branch session off the GUI thread (devices, store writes)."""
        self._try_generation += 1
        generation = self._try_generation
        factory, scenario = self.session_factory, self.scenario

        def build() -> Any:
            return factory(scenario, snapshot, mode)

        def built(session: Any) -> None:
            if generation != self._try_generation:  # closed or replaced meanwhile
                _end_quietly(session)
                return
            self._connect_try_session(session)
            self.tasks.start(session.start, lambda _r: started(session), lambda exc: failed(exc, session))

        def started(session: Any) -> None:
            if generation != self._try_generation:
                _end_quietly(session)
                return
            self.try_panel.set_typing_only(getattr(session, "input_mode", None) == "text")
            self.try_panel.set_ready(True)
            self.trySessionReady.emit(session)

        def failed(exc: BaseException, session: Any = None) -> None:
            if session is not None:
                _end_quietly(session)
            if generation != self._try_generation:
                return
            self._forget_try_session()
            if mode != "text":
                # Most often the microphone: carry on by typing rather than give up.
                self.try_panel.status_label.setText(f"Voice input is not available ({exc}); type your new answer.")
                self._start_branch(snapshot, "text")
                return
            self._awaiting_new = False
            self.try_panel.set_ready(False, "")
            self.banner.show_error(f"Could not start “Try it again”: {exc}", "Try another line, or start a new session.")

        self.tasks.start(build, built, failed)

    def _connect_try_session(self, session: Any) -> None:
        if self._try_bridge is not None:
            self._try_bridge.close()
        self.try_session = session
        bridge = EngineBridge(self)
        session.add_listener(bridge.post)
        bridge.traineeSaid.connect(self._on_try_said)
        bridge.silenceHeld.connect(self._on_try_silence)
        bridge.feedbackReady.connect(self._on_try_feedback)
        bridge.clientSaid.connect(self._on_try_reply)
        bridge.turnCompleted.connect(self._on_try_turn_done)
        bridge.errorOccurred.connect(lambda m, h, f: self.banner.show_error(m, h, fatal=f))
        self._try_bridge = bridge

    def _forget_try_session(self) -> None:
        if self._try_bridge is not None:
            self._try_bridge.close()
        self._try_bridge = None
        self.try_session = None

    def _stop_try_session(self) -> None:
        """End a branch session of a finished session (never the live session itself)."""
        self._try_generation += 1
        if self.try_session is not None and self.try_session is not self.session:
            _end_quietly(self.try_session)
            self._forget_try_session()

    def _submit_new_answer(self, text: str) -> None:
        if self.try_session is None or self._new_turn is not None:
            return  # one new answer per try: more would go unseen into the try's record
        if is_wait_command(text):  # a held silence is an answer too
            if not self.try_session.hold_silence():
                self.try_panel.status_label.setText(wait_refused_text(self._awaiting_new and self._new_turn is not None))
        elif is_unknown_command(text):
            self.try_panel.status_label.setText(unknown_command_text(text))
            self.try_panel.input.setText(text)  # back in the box, to be corrected
        else:
            self.try_session.submit_text(text)

    def _on_try_said(self, e: Any) -> None:
        if self._awaiting_new and self._new_turn is None:
            self._new_turn = e.turn_index
            self.try_panel.set_new_answer(e.text)

    def _on_try_silence(self, e: Any) -> None:
        if self._awaiting_new and self._new_turn is None:
            self._new_turn = e.turn_index
            self.try_panel.set_new_answer(held_silence_label(e.seconds), coded=False)

    def _on_try_feedback(self, e: Any) -> None:
        if self._awaiting_new and e.turn_index == self._new_turn:
            self.try_panel.set_new_feedback(e.code, e.confidence)

    def _on_try_reply(self, e: Any) -> None:
        if self._awaiting_new and e.turn_index == self._new_turn:
            self.try_panel.set_new_reply(e.text)
            self._awaiting_new = False

    def _on_try_turn_done(self, turn_index: int, _record: Any) -> None:
        """The client has answered the new answer: a branch of a finished session has done
        its job, so end it (stored with its summary); its microphone must not go on
        recording into a session nobody sees. A live session simply carries on."""
        session = self.try_session
        if turn_index != self._new_turn or session is None or session is self.session:
            return
        self._try_generation += 1
        self._forget_try_session()
        self.tasks.start(lambda: _end_quietly(session), lambda _r: None, lambda _exc: None)

    def _close_try(self) -> None:
        self._awaiting_new = False
        self._new_turn = None
        self._stop_try_session()
        if not self.try_panel.isHidden():  # isVisible() is False while Review itself is hidden
            self.try_panel.hide()

    def shutdown(self) -> None:
        self._stop_try_session()
        self.tasks.close()
        self.tasks.wait_all()


def _end_quietly(session: Any) -> None:
    try:
        session.end()
    except Exception:  # noqa: BLE001
        log.warning("ending a try-again session failed", exc_info=True)
