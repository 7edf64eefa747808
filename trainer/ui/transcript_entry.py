"""One line of the live transcript: who spoke, what they said, and (trainee) a code chip."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from trainer.feedback.measures import NOT_SCORED_NOTE, telling_part_codes
from trainer.ui.code_chip import CodeChip
from trainer.ui.codes import code_style


def feedback_notes(feedback: dict) -> list[str]:
    """Short plain-words annotations for one trainee turn."""
    notes = []
    if feedback.get("feeling_reflected"):
        notes.append("reflected a feeling")
    if feedback.get("content_reflected"):
        notes.append("reflected content")
    if feedback.get("missed_opportunity"):
        notes.append("missed an opening")
    if feedback.get("righting_reflex"):
        notes.append("righting reflex")
    if feedback.get("emphasised_autonomy"):
        notes.append("emphasised autonomy")
    if feedback.get("backchannel"):
        notes.append(NOT_SCORED_NOTE)
    if (feedback.get("closed_question_run") or 0) >= 2:
        notes.append(f"{feedback['closed_question_run']} closed questions in a row")
    if (feedback.get("questions_in_turn") or 0) >= 2:
        notes.append(f"{feedback['questions_in_turn']} questions at once")
    if feedback.get("interrupted"):
        notes.append("interrupted the client")
    parts = [code_style(code).label.lower() for code in telling_part_codes(feedback)]
    if parts:
        notes.append("in parts: " + ", then ".join(parts))
    return notes



LONG_WORD = 24  # characters; QLabel cannot wrap inside a word, so longer ones get break points


def breakable(text: str) -> str:
    """``text`` with zero-width spaces inside very long words, so that one of them cannot
    widen the whole transcript and cut every line off on the right."""
    return re.sub(r"\S{%d,}" % LONG_WORD,
                  lambda m: "\u200b".join(m.group(0)[i:i + LONG_WORD // 2]
                                           for i in range(0, len(m.group(0)), LONG_WORD // 2)), text)

class TranscriptEntry(QFrame):
    def __init__(self, role: str, turn_index: int, speaker: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role  # "client" | "trainee"
        self.turn_index = turn_index
        self.setObjectName("ClientLine" if role == "client" else "TraineeLine")
        self.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 10, 14, 10)
        outer.setSpacing(4)
        head = QHBoxLayout()
        head.setSpacing(8)
        self.speaker_label = QLabel(speaker)
        self.speaker_label.setObjectName("SpeakerLabel")
        head.addWidget(self.speaker_label)
        self.chip = CodeChip()
        self.chip.hide()
        head.addWidget(self.chip)
        head.addStretch(1)
        self.marker_label = QLabel()
        self.marker_label.setObjectName("MarkerLabel")
        self.marker_label.hide()
        head.addWidget(self.marker_label)
        outer.addLayout(head)
        self._text = text
        self.text_label = QLabel(breakable(text))
        self.text_label.setObjectName("LineText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.text_label)
        self.notes_label = QLabel()
        self.notes_label.setObjectName("NotesLabel")
        self.notes_label.setWordWrap(True)
        self.notes_label.hide()
        outer.addWidget(self.notes_label)
        self._has_feedback = False
        self._feedback_visible = True

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = text
        self.text_label.setText(breakable(text))

    def append_text(self, text: str) -> None:
        self.set_text(f"{self._text} {text}".strip())

    def set_marker(self, text: str) -> None:
        self.marker_label.setText(text)
        self.marker_label.setVisible(bool(text))

    def set_feedback(self, code: str, confidence: float | None, feedback: dict) -> None:
        self.chip.set_code(code, confidence)
        notes = feedback_notes(feedback)
        self.notes_label.setText(" · ".join(notes))
        self._has_feedback = True
        self._apply_visibility()
        self.notes_label.setVisible(bool(notes) and self._feedback_visible)

    def set_feedback_visible(self, visible: bool) -> None:
        self._feedback_visible = visible
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        show = self._has_feedback and self._feedback_visible
        self.chip.setVisible(show)
        self.notes_label.setVisible(show and bool(self.notes_label.text()))
