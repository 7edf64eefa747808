"""The live transcript: client lines stream in sentence by sentence; trainee lines get chips."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from trainer.ui.transcript_entry import TranscriptEntry


class TranscriptView(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TranscriptView")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._inner = QWidget()
        self._inner.setObjectName("TranscriptInner")
        self._layout = QVBoxLayout(self._inner)
        self._layout.setContentsMargins(8, 8, 8, 8)
        self._layout.setSpacing(10)
        self._placeholder = QLabel("The conversation will appear here.")
        self._placeholder.setObjectName("Placeholder")
        self._layout.addWidget(self._placeholder)
        self._layout.addStretch(1)
        self.setWidget(self._inner)
        self.client_name = "Client"
        self._entries: list[TranscriptEntry] = []
        self._client: dict[int, TranscriptEntry] = {}
        self._trainee: dict[int, TranscriptEntry] = {}
        self._feedback_visible = True
        self.verticalScrollBar().rangeChanged.connect(self._stick_to_bottom)
        self._follow = True

    # -- queries
    def entries(self) -> list[TranscriptEntry]:
        return list(self._entries)

    def trainee_entry(self, turn_index: int) -> TranscriptEntry | None:
        return self._trainee.get(turn_index)

    def client_entry(self, turn_index: int) -> TranscriptEntry | None:
        return self._client.get(turn_index)

    # -- updates
    def clear(self) -> None:
        for entry in self._entries:
            entry.setParent(None)
            entry.deleteLater()
        self._entries.clear()
        self._client.clear()
        self._trainee.clear()
        self._placeholder.show()

    def _add(self, entry: TranscriptEntry) -> TranscriptEntry:
        self._placeholder.hide()
        self._layout.insertWidget(self._layout.count() - 1, entry)
        self._entries.append(entry)
        entry.set_feedback_visible(self._feedback_visible)
        return entry

    def _current_client(self, turn_index: int) -> TranscriptEntry | None:
        """The client entry for this turn, unless a newer trainee line (a new try) came after it."""
        entry = self._client.get(turn_index)
        trainee = self._trainee.get(turn_index)
        if entry is None:
            return None
        if trainee is not None and self._entries.index(trainee) > self._entries.index(entry):
            return None
        return entry

    def _client_for(self, turn_index: int) -> TranscriptEntry:
        entry = self._current_client(turn_index)
        if entry is None:
            entry = self._add(TranscriptEntry("client", turn_index, self.client_name))
            self._client[turn_index] = entry
        return entry

    def add_client_part(self, turn_index: int, text: str) -> None:
        self._client_for(turn_index).append_text(text)

    def set_client_line(self, turn_index: int, text: str, interrupted: bool = False) -> None:
        entry = self._client_for(turn_index)
        entry.set_text(text)
        entry.set_marker("cut short" if interrupted else "")

    def remove_client_line(self, turn_index: int) -> None:
        """A reply cut short before a word of it was heard: its streamed text goes."""
        entry = self._current_client(turn_index)
        if entry is None:
            return
        self._entries.remove(entry)
        del self._client[turn_index]
        entry.setParent(None)
        entry.deleteLater()
        if not self._entries:
            self._placeholder.show()

    def add_trainee_line(self, turn_index: int, text: str, marker: str = "") -> None:
        entry = self._add(TranscriptEntry("trainee", turn_index, "You", text))
        if turn_index in self._trainee or marker:
            entry.set_marker(marker or "new try")
        self._trainee[turn_index] = entry

    def set_feedback(self, turn_index: int, code: str, confidence: float | None, feedback: dict) -> None:
        entry = self._trainee.get(turn_index)
        if entry is not None:
            entry.set_feedback(code, confidence, feedback)

    def set_feedback_visible(self, visible: bool) -> None:
        self._feedback_visible = visible
        for entry in self._entries:
            entry.set_feedback_visible(visible)

    def _stick_to_bottom(self, _min: int, maximum: int) -> None:
        if self._follow:
            QTimer.singleShot(0, lambda: self.verticalScrollBar().setValue(self.verticalScrollBar().maximum()))
