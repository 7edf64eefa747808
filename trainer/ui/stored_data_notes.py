"""What the privacy settings leave on disk, said under them, with a button to act on it.

Unticking "Keep recordings" stops new recordings only, and automatic deletion runs when
the app starts: without these notes the window implied both had already happened while
the recordings and old sessions were still stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class StoredDataNotes(QWidget):
    def __init__(self, store: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        # Where the keyboard goes after a deletion hides the button it was on (Qt sent it
        # to the sidebar): the setting the note is about.
        self.focus_after_recordings: QWidget | None = None
        self.focus_after_expired: QWidget | None = None
        self.confirm: Callable[[str], bool] = self._ask
        self._days: int | None = None
        self._keep_recordings = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.recordings_note, self.delete_recordings_button = self._row(layout, self.delete_recordings)
        self.expired_note, self.delete_expired_button = self._row(layout, self.delete_expired)
        self.done_note = QLabel()
        self.done_note.setObjectName("Caption")
        layout.addWidget(self.done_note)
        self.done_note.hide()

    def _row(self, layout: QVBoxLayout, action: Callable[[], None]) -> tuple[QLabel, QPushButton]:
        row = QHBoxLayout()
        note = QLabel()
        note.setObjectName("Caption")
        note.setWordWrap(True)
        button = QPushButton()
        button.clicked.connect(action)
        row.addWidget(note, 1)
        row.addWidget(button)
        layout.addLayout(row)
        note.hide()
        button.hide()
        return note, button

    def show_for(self, keep_recordings: bool, retention_days: int | None) -> None:
        """Say what the current settings leave stored (nothing shown when nothing is)."""
        self._keep_recordings, self._days = keep_recordings, retention_days
        recordings = 0 if keep_recordings else self._count(lambda: self.store.recording_count())
        self._set(self.recordings_note, self.delete_recordings_button, recordings,
                  f"{_plural(recordings, 'recording')} of earlier turns {'is' if recordings == 1 else 'are'} "
                  "still stored: the box stops new recordings only.",
                  f"Delete {'it' if recordings == 1 else 'them'}…")
        expired = len(self._expired_ids()) if retention_days is not None else 0
        self._set(self.expired_note, self.delete_expired_button, expired,
                  f"{_plural(expired, 'session')} {'is' if expired == 1 else 'are'} older than "
                  f"{_plural(retention_days or 0, 'day')}: deleted the next time the app starts.",
                  "Delete now…")

    @staticmethod
    def _set(note: QLabel, button: QPushButton, count: int, text: str, button_text: str) -> None:
        note.setText(text)
        button.setText(button_text)
        note.setVisible(count > 0)
        button.setVisible(count > 0)

    @staticmethod
    def _count(query: Callable[[], int]) -> int:
        try:
            return int(query())
        except Exception:  # noqa: BLE001 - a note must never stop the settings page
            return 0

    def _expired_ids(self) -> list[str]:
        if self._days is None:
            return []
        cutoff = datetime.now(timezone.utc) - timedelta(days=self._days)
        try:
            # astimezone: a time without a zone is read as local time rather than refused
            return [s.id for s in self.store.list_sessions()
                    if s.started_at.astimezone(timezone.utc) < cutoff and not getattr(s, "active", False)]
        except Exception:  # noqa: BLE001 - a note must never stop the settings page
            return []

    def delete_recordings(self) -> None:
        count = self._count(lambda: self.store.recording_count())
        if not count or not self.confirm(f"Delete the {_plural(count, 'stored recording')}? "
                                         "The transcripts and feedback stay. This can't be undone."):
            return
        self._report(lambda: f"Deleted {_plural(self.store.delete_audio(), 'recording')}.",
                     self.focus_after_recordings)

    def delete_expired(self) -> None:
        count = len(self._expired_ids())
        if not count or not self.confirm(f"Delete the {_plural(count, 'session')} older than "
                                         f"{_plural(self._days or 0, 'day')}, with their transcripts and "
                                         "recordings? This can't be undone."):
            return
        self._report(lambda: f"Deleted {_plural(self.store.purge_older_than(self._days), 'session')}.",
                     self.focus_after_expired)

    def _report(self, delete: Callable[[], str], focus_after: QWidget | None) -> None:
        try:
            text = delete()
        except Exception as exc:  # noqa: BLE001 - plain words in place of a crash
            text = f"Nothing was deleted: {exc}"
        self.done_note.setText(text)
        self.done_note.show()
        self.show_for(self._keep_recordings, self._days)
        if focus_after is not None:
            focus_after.setFocus()

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Delete stored data", text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
