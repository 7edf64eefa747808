"""A small coloured label naming an utterance code; the tooltip gives the confidence."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from trainer.ui.codes import chip_text, code_style, code_tooltip


class CodeChip(QLabel):
    def __init__(self, code: str | None = None, confidence: float | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CodeChip")
        self.code: str | None = None
        self.confidence: float | None = None
        self.set_code(code, confidence)

    def set_code(self, code: str | None, confidence: float | None = None) -> None:
        self.code = code
        self.confidence = confidence
        style = code_style(code)
        self.setText(chip_text(code, confidence))
        self.setToolTip(code_tooltip(code, confidence))
        self.setAccessibleName(f"Code: {code_tooltip(code, confidence)}")
        self.setStyleSheet(
            f"QLabel#CodeChip {{ background: {style.background}; color: {style.foreground};"
            " border-radius: 9px; padding: 2px 10px; font-size: 9.5pt; }"
        )
