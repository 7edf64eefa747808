"""“Try it again”: the client's line, your first answer and your new answer side by side."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from trainer.ui.code_chip import CodeChip

SPOKEN_PLACEHOLDER = "Say or type your new answer"
TYPED_PLACEHOLDER = "Type your new answer (or /wait)"
AGAIN_HINT = "To try another answer, pick one of the client's lines and press Ctrl+T."


class _AnswerColumn(QFrame):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AnswerColumn")
        # equal halves whatever the text length
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        caption = QLabel(title)
        caption.setObjectName("PanelSubtitle")
        layout.addWidget(caption)
        # the chip gets a row of its own: in a half-width column a long code name
        # ("Complex reflection") would be cut off next to the caption
        chip_row = QHBoxLayout()
        self.chip = CodeChip()
        self.chip.hide()
        chip_row.addWidget(self.chip)
        chip_row.addStretch(1)
        layout.addLayout(chip_row)
        self.text_label = QLabel("—")
        self.text_label.setWordWrap(True)
        self.text_label.setObjectName("LineText")
        layout.addWidget(self.text_label)
        self.reply_label = QLabel()
        self.reply_label.setWordWrap(True)
        self.reply_label.setObjectName("ReplyLabel")
        self.reply_label.hide()
        layout.addWidget(self.reply_label)
        layout.addStretch(1)

    def set_answer(self, text: str | None, code: str | None = None, confidence: float | None = None) -> None:
        self.text_label.setText(text or "—")
        if code:
            self.chip.set_code(code, confidence)
        self.chip.setVisible(bool(code))

    def set_reply(self, name: str, text: str | None) -> None:
        self.reply_label.setText(f"{name}: “{text}”" if text else "")
        self.reply_label.setVisible(bool(text))


class TryAgainPanel(QFrame):
    submitted = Signal(str)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TryAgainPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        top = QHBoxLayout()
        title = QLabel("Try it again")
        title.setObjectName("PanelTitle")
        top.addWidget(title)
        top.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.close_panel)
        top.addWidget(close)
        layout.addLayout(top)
        # The quote and the two answers scroll when the window is short; the title and the
        # answer box stay in view.
        body = QWidget()
        body.setObjectName("TryAgainBody")
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(8)
        self.client_label = QLabel()
        self.client_label.setWordWrap(True)
        self.client_label.setObjectName("ClientQuote")
        body_layout.addWidget(self.client_label)
        columns = QHBoxLayout()
        self.original = _AnswerColumn("Your first answer")
        self.new = _AnswerColumn("Your new answer")
        columns.addWidget(self.original, 1)
        columns.addWidget(self.new, 1)
        body_layout.addLayout(columns)
        body_layout.addStretch(1)
        self.body_scroll = QScrollArea()
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body_scroll.setWidget(body)
        self.body_scroll.viewport().setAutoFillBackground(False)
        body.setAutoFillBackground(False)
        layout.addWidget(self.body_scroll, 1)
        row = QHBoxLayout()
        self.input = QLineEdit()
        self.input.setPlaceholderText(SPOKEN_PLACEHOLDER)
        self.input.returnPressed.connect(self._submit)
        row.addWidget(self.input, 1)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self._submit)
        row.addWidget(self.send_button)
        layout.addLayout(row)
        self.status_label = QLabel()
        self.status_label.setObjectName("Caption")
        self.status_label.setWordWrap(True)  # the hint after a try was cut off at 1024 px
        layout.addWidget(self.status_label)
        self.client_name = "Client"
        self.hide()

    def begin(self, client_name: str, client_text: str, original_text: str | None,
              original_code: str | None, original_confidence: float | None, original_reply: str | None = None) -> None:
        self.client_name = client_name
        self.client_label.setText(f"{client_name} said: “{client_text}”")
        self.original.set_answer(original_text, original_code, original_confidence)
        self.original.set_reply(client_name, original_reply)
        self.new.set_answer(None)
        self.new.set_reply(client_name, None)
        self.status_label.setText("Waiting for your new answer…")
        self.show()
        self.input.setFocus()

    def preferred_height(self) -> int:
        """The height that shows the quote and both answers without scrolling (a scroll
        area's own size hint is only a guess)."""
        body = self.body_scroll.widget()
        return self.sizeHint().height() - self.body_scroll.sizeHint().height() + body.sizeHint().height()

    def set_typing_only(self, typing_only: bool) -> None:
        """Text mode: there is no microphone to speak into."""
        self.input.setPlaceholderText(TYPED_PLACEHOLDER if typing_only else SPOKEN_PLACEHOLDER)

    def set_ready(self, ready: bool, message: str = "") -> None:
        """While the new session is being prepared the answer box waits (``message`` says why)."""
        self.input.setEnabled(ready)
        self.send_button.setEnabled(ready)
        if ready:
            self.status_label.setText("Waiting for your new answer…")
            self.input.setFocus()
        elif message:
            self.status_label.setText(message)

    def set_new_answer(self, text: str, coded: bool = True) -> None:
        """``coded`` False: a held silence, which gets no code (nothing to wait for).
        One new answer per try, so the answer box closes."""
        self.new.set_answer(text, self.new.chip.code if self.new.chip.isVisible() else None)
        self.input.setEnabled(False)
        self.send_button.setEnabled(False)
        self.status_label.setText("Coding your answer…" if coded else "")

    def set_new_reply(self, text: str) -> None:
        self.new.set_reply(self.client_name, text)
        if self.status_label.text() != "Coding your answer…":
            self.status_label.setText(AGAIN_HINT)  # e.g. a refused /wait is stale once the reply is in

    def set_new_feedback(self, code: str, confidence: float | None) -> None:
        self.new.set_answer(self.new.text_label.text(), code, confidence)
        self.status_label.setText(AGAIN_HINT if self.new.reply_label.text() else "")

    def _submit(self) -> None:
        text = self.input.text().strip()
        if text:
            self.input.clear()
            self.submitted.emit(text)

    def close_panel(self) -> None:
        self.hide()
        self.closed.emit()
