"""The box a trainee types replies into; it gives way to the window's shortcuts."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLineEdit, QWidget


class ReplyBox(QLineEdit):
    """A QLineEdit that lets the window's own shortcuts through.

    On Linux QLineEdit claims Emacs-style keys such as Ctrl+E (end of line), so with the
    focus in the box, which in text mode is always, Ctrl+E (End and review) did nothing.
    A key that one of the window's actions uses now goes to that action instead.
    """

    def event(self, event: QEvent) -> bool:  # noqa: D401 - Qt override
        if event.type() == QEvent.Type.ShortcutOverride and self._is_window_shortcut(event):
            event.ignore()  # not ours: the shortcut system hands it to the window's action
            return True
        return super().event(event)

    def _is_window_shortcut(self, event) -> bool:
        pressed = QKeySequence(event.keyCombination())
        # QWidget.actions, called unbound: MainWindow keeps a dict of its actions as `actions`
        return any(action.shortcut() == pressed for action in QWidget.actions(self.window())
                   if not action.shortcut().isEmpty())
