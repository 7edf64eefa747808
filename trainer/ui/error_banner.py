"""An in-window message in plain words, with the way out as a button."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


# The audio layer words its errors for the terminal; in the window the way out is a
# button or a setting, never a command-line flag.
_TERMINAL_WORDING = (
    ("practise by typing with --text", "type your replies instead"),
    ("use --output-device null to run silently", "choose another speaker in Settings (Ctrl+5)"),
)
_PORTAUDIO_NO_DEVICE = re.compile(r"Error querying device -1")


def window_wording(text: str) -> str:
    """``text`` with command-line advice swapped for the window's own."""
    for terminal, window in _TERMINAL_WORDING:
        text = text.replace(terminal, window)
    return _PORTAUDIO_NO_DEVICE.sub("none is connected", text)


class ErrorBanner(QFrame):
    """Shows the newest message; an earlier one still unread waits behind it and comes
    back when the newer one is dismissed (a scenario problem was lost under "No
    microphone was found" before)."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ErrorBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 10, 10, 10)
        text = QVBoxLayout()
        self.message_label = QLabel()
        self.message_label.setObjectName("ErrorMessage")
        self.message_label.setWordWrap(True)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("ErrorHint")
        self.hint_label.setWordWrap(True)
        text.addWidget(self.message_label)
        text.addWidget(self.hint_label)
        layout.addLayout(text, 1)
        self.action_button = QPushButton()
        self.action_button.setObjectName("ErrorAction")
        self.action_button.hide()
        layout.addWidget(self.action_button)
        self.close_button = QPushButton("Dismiss")
        self.close_button.clicked.connect(self.dismiss)
        layout.addWidget(self.close_button)
        self._action: Callable[[], None] | None = None
        self._fatal = False
        self._waiting: list[tuple[str, str, str | None, Callable[[], None] | None, bool]] = []
        self.action_button.clicked.connect(self._run_action)
        self.hide()

    def show_error(
        self,
        message: str,
        hint: str = "",
        action_text: str | None = None,
        action: Callable[[], None] | None = None,
        fatal: bool = False,
    ) -> None:
        message, hint = window_wording(message), window_wording(hint)
        if self.isVisible() and self.message != message:
            self._waiting.append((self.message, self.hint, self.action_button.text() if self._action else None,
                                  self._action, self._fatal))
        self._waiting = [waiting for waiting in self._waiting if waiting[0] != message]
        self._show(message, hint, action_text, action, fatal)

    def _show(self, message: str, hint: str, action_text: str | None,
              action: Callable[[], None] | None, fatal: bool) -> None:
        self.message_label.setText(message)
        self.hint_label.setText(hint)
        self.hint_label.setVisible(bool(hint))
        self._action = action
        self.action_button.setVisible(bool(action_text and action))
        if action_text:
            self.action_button.setText(action_text)
        self._fatal = fatal
        self.setProperty("fatal", fatal)
        self.style().unpolish(self)
        self.style().polish(self)
        self.close_button.setText(f"Dismiss ({len(self._waiting)} more)" if self._waiting else "Dismiss")
        self.show()
        if self.action_button.isVisible():
            self.action_button.setFocus()

    @property
    def message(self) -> str:
        return self.message_label.text()

    @property
    def hint(self) -> str:
        return self.hint_label.text()

    def _run_action(self) -> None:
        action = self._action
        self.dismiss()
        if action is not None:
            action()

    def dismiss(self) -> None:
        """Put this message away; an earlier one still waiting is shown again."""
        if self._waiting:
            self._show(*self._waiting.pop())
            return
        self.hide()
        self.dismissed.emit()

    def clear(self) -> None:
        """Put away this message and every one waiting (a fresh start: retrying, a new session)."""
        self._waiting.clear()
        self.dismiss()
