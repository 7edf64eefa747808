"""A small dialog for a supervisor's (or the trainee's own) comment on a line or a session."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class CommentDialog(QDialog):
    """Author and text; OK stays disabled until both are filled in."""

    def __init__(self, about: str, author: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a comment")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        about_label = QLabel(about)
        about_label.setWordWrap(True)
        about_label.setObjectName("Caption")
        layout.addWidget(about_label)
        layout.addWidget(QLabel("Your name"))
        self.author_edit = QLineEdit(author)
        self.author_edit.setPlaceholderText("e.g. Dr Patel (supervisor)")
        layout.addWidget(self.author_edit)
        layout.addWidget(QLabel("Comment"))
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText("What did you notice? What could be said instead?")
        layout.addWidget(self.text_edit, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.author_edit.textChanged.connect(self._update_ok)
        self.text_edit.textChanged.connect(self._update_ok)
        self._update_ok()
        (self.text_edit if author else self.author_edit).setFocus()

    def author(self) -> str:
        return self.author_edit.text().strip()

    def text(self) -> str:
        return self.text_edit.toPlainText().strip()

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.author() and self.text()))
