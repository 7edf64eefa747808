"""Saving a finished session's report as a PDF from the window (in a terminal:
``trainer export ID --pdf``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from trainer.ui.session_metrics import format_when


def suggested_report_name(title: str | None, started_at: Any) -> str:
    """``exam-stress-before-finals-2026-11-07-1800.pdf``: readable, and safe on every file system."""
    stem = re.sub(r"[^a-z0-9]+", "-", (title or "session").lower()).strip("-") or "session"
    when = re.sub(r"[^0-9]+", "-", format_when(started_at) if started_at is not None else "").strip("-")
    return f"{stem}-{when}.pdf" if when else f"{stem}.pdf"


def ask_for_report_path(parent: QWidget, suggested: str) -> Path | None:
    """The file the user chose, with ``.pdf`` added if they left it off; None if cancelled."""
    start = Path.home() / "Documents"
    folder = start if start.is_dir() else Path.home()
    chosen, _ = QFileDialog.getSaveFileName(parent, "Save the session report", str(folder / suggested),
                                            "PDF report (*.pdf)")
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")
