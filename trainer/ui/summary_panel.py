"""The end-of-session summary: MITI figures with fair/good bands, strengths, what to practise,
missed opportunities. Missing keys show as a dash."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from trainer.feedback.risk import describe_risk
from trainer.feedback.summary import MIN_TURNS_FOR_ADVICE, SUMMARY_LABELS
from trainer.ui.codes import band_colour, band_label
from trainer.ui.session_metrics import fmt_ms, fmt_percent, fmt_ratio

# key, label, how to show the value, key in summary["thresholds"], higher is better
BANDED_ROWS = tuple((key, SUMMARY_LABELS[key], kind, threshold, higher_is_better)
                    for key, kind, threshold, higher_is_better in (
    ("reflection_to_question", "ratio", "rq_ratio", True),
    ("percent_complex_reflections", "percent", "complex_reflection_pct", True),
    ("percent_open_questions", "percent", "open_question_pct", True),
    ("advise_without_permission", "count", "advice_without_permission_max", False),
    ("talk_share", "fraction", "talk_share_max", False),
))
MITI_ROWS = BANDED_ROWS[:3]
TIMING_KEYS = ("talk_share", "median_latency_ms")
NO_TIMING_TIP = "Typed replies have no speech timings, so talk share and latency aren't measured."
INTERRUPTED_NOTE = ("This session stopped before it was ended (the app closed or failed), so it has no "
                    "summary. Each answer's code and feedback are in the transcript.")


def _value(entry: Any) -> tuple[float | None, str | None]:
    """``{value, band}`` (the summary's format) or a bare number."""
    if isinstance(entry, dict):
        value = entry.get("value")
        try:
            return (None if value is None else float(value)), entry.get("band")
        except (TypeError, ValueError):
            return None, entry.get("band")
    if isinstance(entry, (int, float)) and not isinstance(entry, bool):
        return float(entry), None
    return None, None


def _show(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "ratio":
        return fmt_ratio(value)
    if kind == "percent":  # the summary gives percentages as 0-100
        return fmt_percent(value)
    if kind == "fraction":
        return fmt_percent(value, fraction=True)
    return str(round(value))


def _threshold_tip(thresholds: dict, key: str, higher: bool, kind: str) -> str:
    t = thresholds.get(key) if isinstance(thresholds, dict) else None
    if not isinstance(t, dict) or "fair" not in t or "good" not in t:
        return ""
    sign = "≥" if higher else "≤"
    return f"Fair {sign} {_show(t['fair'], kind)}, good {sign} {_show(t['good'], kind)}"


class SummaryPanel(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SummaryPanel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("SummaryInner")
        self._layout = QVBoxLayout(inner)
        self._layout.setContentsMargins(16, 12, 16, 12)
        self._layout.setSpacing(10)
        self.setWidget(inner)
        self.band_chips: dict[str, QLabel] = {}
        self.value_labels: dict[str, QLabel] = {}
        self.missed_labels: list[QLabel] = []
        self.set_summary(None)

    def _clear(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            w = item.widget()
            if w is not None:
                w.setParent(None)
                w.deleteLater()
            elif item.layout() is not None:
                lay = item.layout()
                while lay.count():
                    sub = lay.takeAt(0).widget()
                    if sub is not None:
                        sub.setParent(None)
                        sub.deleteLater()
        self.band_chips = {}
        self.value_labels = {}
        self.missed_labels = []

    def _heading(self, text: str) -> None:
        label = QLabel(text)
        label.setObjectName("PanelSubtitle")
        self._layout.addWidget(label)

    def _bullets(self, items: list[str], empty: str) -> None:
        if not items:
            items_text = empty
        else:
            items_text = "\n".join(f"•  {item}" for item in items)
        label = QLabel(items_text)
        label.setWordWrap(True)
        label.setObjectName("SummaryText")
        self._layout.addWidget(label)

    def set_summary(self, summary: dict | None, timing: bool = True, interrupted: bool = False) -> None:
        """``timing`` False (a typed session): talk share and latency have no audio behind
        them, so they show a dash instead of a made-up 0% / 0 ms. ``interrupted``: the
        session stopped without ending, so no summary will ever come."""
        self._clear()
        title = QLabel("Session summary")
        title.setObjectName("PanelTitle")
        self._layout.addWidget(title)
        if not summary:
            note = QLabel(INTERRUPTED_NOTE if interrupted else "The summary appears when a session ends.")
            note.setObjectName("Placeholder")
            note.setWordWrap(True)
            self._layout.addWidget(note)
            self._layout.addStretch(1)
            return
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        thresholds = summary.get("thresholds") or {}
        for row, (key, label, kind, threshold_key, higher) in enumerate(BANDED_ROWS):
            value, band = _value(summary.get(key))
            if key in TIMING_KEYS and not timing:
                value, band = None, None
            grid.addWidget(QLabel(label), row, 0)
            shown = _show(value, kind)
            if key == "reflection_to_question" and value is None and band:
                shown = "no questions"  # reflections only: "—" beside "Good" read as a fault
            value_label = QLabel(shown)
            value_label.setObjectName("SummaryValue")
            grid.addWidget(value_label, row, 1)
            chip = QLabel(band_label(band) if band else "—")
            chip.setObjectName("BandChip")
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            chip.setMinimumWidth(chip.fontMetrics().horizontalAdvance("Below fair") + 18)  # never cut off (padding 2 x 8 px)
            chip.setStyleSheet(f"background: {band_colour(band)};")
            tip = _threshold_tip(thresholds, threshold_key, higher, kind)
            if key in TIMING_KEYS and not timing:
                tip = NO_TIMING_TIP
            chip.setToolTip(tip or ("Band: " + band_label(band) if band else "Nothing to measure yet"))
            grid.addWidget(chip, row, 2)
            self.value_labels[key] = value_label
            self.band_chips[key] = chip
        extra = [
            ("mean_attunement", lambda v: "—" if v is None else f"{round(v)} / 100"),
            ("median_latency_ms", fmt_ms),
        ]
        if summary.get("silences_held"):  # a row only when it happened (older sessions lack it)
            extra.append(("silences_held", lambda v: "—" if v is None else f"{v:.0f}"))
        start = len(BANDED_ROWS)
        for offset, (key, fmt) in enumerate(extra):
            label = SUMMARY_LABELS[key]
            value, _band = _value(summary.get(key))
            if key in TIMING_KEYS and not timing:
                value = None
            grid.addWidget(QLabel(label), start + offset, 0)
            value_label = QLabel(fmt(value))
            if key in TIMING_KEYS and not timing:
                value_label.setToolTip(NO_TIMING_TIP)
            value_label.setObjectName("SummaryValue")
            grid.addWidget(value_label, start + offset, 1, 1, 2)
            self.value_labels[key] = value_label
        self._layout.addLayout(grid)
        too_short = (summary.get("turns") or 0) < MIN_TURNS_FOR_ADVICE
        empty = (f"Not enough to go on: {MIN_TURNS_FOR_ADVICE} answers are needed." if too_short else "—")
        self._heading("Strengths")
        self._bullets(list(summary.get("strengths") or []), empty)
        self._heading("To practise")
        self._bullets(list(summary.get("to_practise") or []), empty)
        risk = describe_risk(summary)
        if risk:
            self._heading("Suicide risk")
            self._bullets([risk], "")
        self._heading("Missed opportunities")
        missed = list(summary.get("missed_opportunities") or [])
        if not missed:
            self._bullets([], "None noticed.")
        for item in missed:
            if isinstance(item, dict):
                text = f"Client: “{item.get('client', '')}”\nYou: “{item.get('trainee', '')}”"
            else:
                text = str(item)
            label = QLabel(text)
            label.setObjectName("MissedItem")
            label.setWordWrap(True)
            self._layout.addWidget(label)
            self.missed_labels.append(label)
        self._layout.addStretch(1)
