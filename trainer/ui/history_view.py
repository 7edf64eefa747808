"""Past sessions: a table and charts over time; open one in Review, or delete it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trainer.feedback.summary import MIN_TURNS_FOR_ADVICE
from trainer.storage.records import try_again_of
from trainer.ui.error_banner import ErrorBanner
from trainer.ui.session_metrics import format_when
from trainer.ui.task_worker import TaskRunner
from trainer.ui.trend_chart import TrendChart

COLUMNS = ("Date", "Scenario", "Turns", "Attunement", "")
TRY_TIP = ("“Try it again”: one of the client's lines answered again. Its figures include the "
           "original session's turns before that line, so it is left out of the charts.")


def _sort_key(info: Any) -> str:
    value = getattr(info, "started_at", None)
    if isinstance(value, (int, float)):
        return f"{value:020.3f}"
    return str(value or "")


def summary_value(summary: dict | None, key: str) -> float | None:
    if not summary:
        return None
    entry = summary.get(key)
    if isinstance(entry, dict):
        entry = entry.get("value")
    try:
        return None if entry is None else float(entry)
    except (TypeError, ValueError):
        return None


def _too_short(summary: dict | None) -> bool:
    turns = summary.get("turns") if isinstance(summary, dict) else None
    return isinstance(turns, int) and turns < MIN_TURNS_FOR_ADVICE


def load_history(store: Any) -> list[tuple[Any, dict | None, dict | None]]:
    """Blocking: every session with its summary and, for a try, what it tried again;
    oldest first (run on a worker)."""
    rows = []
    for info in sorted(store.list_sessions(), key=_sort_key):
        try:
            stored = store.load_session(info.id)
            summary, origin = stored.summary, try_again_of(getattr(stored, "settings", None))
        except Exception:  # noqa: BLE001 - one unreadable session shouldn't hide the rest
            summary, origin = None, None
        rows.append((info, summary, origin))
    return rows


class HistoryView(QWidget):
    openRequested = Signal(str)
    loaded = Signal(int)
    deleted = Signal(str)

    def __init__(self, services: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HistoryView")
        self.services = services
        self.tasks = TaskRunner(self)
        self.rows: list[tuple[Any, dict | None, dict | None]] = []
        self.confirm: Callable[[str], bool] = self._ask
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 18, 24, 18)
        root.setSpacing(12)
        self.banner = ErrorBanner()
        root.addWidget(self.banner)
        title = QLabel("Your practice over time")
        title.setObjectName("ViewTitle")
        root.addWidget(title)
        charts = QGridLayout()
        charts.setSpacing(12)
        self.ratio_chart = TrendChart("Reflections to questions", "#6f9fcb", y_label="ratio")
        self.complex_chart = TrendChart("Complex reflections (%)", "#79b68c", y_max=100, y_label="%")
        self.attunement_chart = TrendChart("Attunement", "#b79bd6", y_max=100, y_label="score")
        charts.addWidget(self.ratio_chart, 0, 0)
        charts.addWidget(self.complex_chart, 0, 1)
        charts.addWidget(self.attunement_chart, 0, 2)
        root.addLayout(charts)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (it moved cell by cell, for good)
        self.table.setObjectName("HistoryTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeaderItem(2).setToolTip("Your turns: answers, and silences you let sit")
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _: self.open_selected())
        root.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.status_label = QLabel()
        self.status_label.setObjectName("Caption")
        self.status_label.setWordWrap(True)  # "… not in the charts: tries again" was cut off at 1024 px
        buttons.addWidget(self.status_label, 1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.delete_button = QPushButton("Delete…  (Del)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.open_button = QPushButton("Open in Review  (Enter)")
        self.open_button.setObjectName("PrimaryButton")
        self.open_button.clicked.connect(self.open_selected)
        for b in (self.refresh_button, self.delete_button, self.open_button):
            buttons.addWidget(b)
        root.addLayout(buttons)

    # ------------------------------------------------------------------ data
    def refresh(self) -> None:
        if self.services is None:
            return
        store = self.services.store
        self.status_label.setText("Loading your sessions…")
        self.tasks.start(lambda: load_history(store), self.set_rows, self._load_failed)

    def _load_failed(self, exc: BaseException) -> None:
        self.status_label.setText("")
        self.banner.show_error(f"Could not read your past sessions: {exc}",
                               "If you set a passphrase, check it with 'trainer passphrase'; then press Refresh.")

    def set_rows(self, rows: list[tuple[Any, dict | None, dict | None]]) -> None:
        # A try still waiting for its answer is not listed: unanswered, it is not kept.
        self.rows = [row for row in rows if not (row[2] and not getattr(row[0], "turns", 0))]
        self.table.setRowCount(0)
        for info, _summary, origin in reversed(self.rows):  # newest at the top
            row = self.table.rowCount()
            self.table.insertRow(row)
            score = getattr(info, "mean_attunement", None)
            title = getattr(info, "scenario_title", None) or getattr(info, "scenario_id", "")
            cells = [
                format_when(getattr(info, "started_at", None)),
                f"{title} · try again" if origin else title,
                str(getattr(info, "turns", "")),
                "—" if score is None else f"{round(float(score))}",
                "interrupted" if getattr(info, "interrupted", False) else "",
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, info.id)
                if col == 4 and text:
                    item.setToolTip("This session stopped before it was ended (e.g. the app closed).")
                if origin and col in (1, 3):
                    item.setToolTip(TRY_TIP)
                self.table.setItem(row, col, item)
        if self.rows:
            self.table.selectRow(0)
        # A try answers one line again on top of the original's earlier turns: charting it
        # as a session of its own would count those turns twice.
        sessions = [(i, s) for i, s, origin in self.rows if not origin]
        # One or two answers are too few to judge (the summary gives them no bands): a
        # single reflection charted as 100 % complex swung the trend.
        charted = [(i, s) for i, s in sessions if not _too_short(s)]
        # An interrupted session has no summary to chart: said in the status, not a silent gap.
        unfinished = sum(1 for i, s in charted if not s and getattr(i, "interrupted", False))
        charted = [(i, s) for i, s in charted if s or not getattr(i, "interrupted", False)]
        self.ratio_chart.set_values([summary_value(s, "reflection_to_question") for _, s in charted])
        # the summary gives percentages as 0-100
        self.complex_chart.set_values([summary_value(s, "percent_complex_reflections") for _, s in charted])
        self.attunement_chart.set_values([
            (float(i.mean_attunement) if getattr(i, "mean_attunement", None) is not None
             else summary_value(s, "mean_attunement")) for i, s in charted
        ])
        count, tries = len(sessions), len(self.rows) - len(sessions)
        short = len(sessions) - len(charted) - unfinished
        text = f"{count} session{'s' if count != 1 else ''}"
        if tries:
            text += f" and {tries} tr{'ies' if tries != 1 else 'y'} again"
        left_out = (["tries again"] if tries else []) + (
            [f"{short} session{'s' if short != 1 else ''} under {MIN_TURNS_FOR_ADVICE} answers"] if short else []) + (
            [f"{unfinished} interrupted (no summary)"] if unfinished else [])
        if left_out:
            text += " · not in the charts: " + ", ".join(left_out)
        self.status_label.setToolTip(text)  # also in full when the window is narrow
        self.status_label.setText(text if self.rows else "No sessions yet. Practise one from the library (Ctrl+1).")
        self.loaded.emit(len(self.rows))

    def selected_id(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    # ------------------------------------------------------------------ actions
    def open_selected(self) -> None:
        session_id = self.selected_id()
        if session_id is not None:
            self.openRequested.emit(session_id)

    def delete_selected(self) -> None:
        session_id = self.selected_id()
        if session_id is None or self.services is None:
            return
        row = self.table.currentRow()
        what = f"{self.table.item(row, 1).text()} on {self.table.item(row, 0).text()}"
        if not self.confirm(f"Delete the session “{what}”, with its transcript and audio? This can't be undone."):
            return
        try:
            self.services.store.delete_session(session_id)
        except Exception as exc:  # noqa: BLE001
            self.banner.show_error(f"Could not delete the session: {exc}", "Try again, or restart the app.")
            return
        self.rows = [row for row in self.rows if row[0].id != session_id]
        self.set_rows(self.rows)
        self.deleted.emit(session_id)

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Delete session", text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Delete:
            self.delete_selected()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # the table passes Enter on to us
            self.open_selected()
            return
        super().keyPressEvent(event)

    def shutdown(self) -> None:
        self.tasks.close()
        self.tasks.wait_all()
