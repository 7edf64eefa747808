"""Live figures for the session: running attunement, ratios, talk share, latency, nudge."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QProgressBar, QVBoxLayout, QWidget

from trainer.feedback.scoring import DEFAULT_WEIGHTS
from trainer.feedback.summary import SUMMARY_LABELS
from trainer.ui.session_metrics import SessionMetrics, fmt_ms, fmt_percent, fmt_ratio

RUNNING_TIP = (f"Each new answer counts {DEFAULT_WEIGHTS.running_alpha:.0%} and the turns before it the rest, "
               "so this follows how you are doing now; the session summary gives the plain mean.")
NO_TIMING = "—"
NO_QUESTIONS = "no questions"  # the ratio before the first question
TEXT_MODE_TIP = "Talk share and latency come from speech timings; typed replies have none."
NO_TIMING_TIP = "No speech timing for this yet."


class AttunementPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AttunementPanel")
        self.metrics = SessionMetrics()
        self._timing = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(10)
        # Not the summary's mean: recent turns weigh most, so the two figures differ.
        title = QLabel("Running attunement")
        title.setObjectName("PanelTitle")
        title.setToolTip(RUNNING_TIP)
        layout.addWidget(title)
        self.score_label = QLabel("—")
        self.score_label.setObjectName("ScoreLabel")
        self.score_label.setAccessibleName("Running attunement score")
        self.score_label.setToolTip(RUNNING_TIP)
        layout.addWidget(self.score_label)
        self.score_bar = QProgressBar()
        self.score_bar.setObjectName("ScoreBar")
        self.score_bar.setRange(0, 100)
        self.score_bar.setValue(0)
        self.score_bar.setTextVisible(False)
        self.score_bar.setFixedHeight(8)
        layout.addWidget(self.score_bar)
        form = QFormLayout()
        form.setHorizontalSpacing(12)
        # a narrow window puts a figure under its label instead of cutting it off
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setVerticalSpacing(8)
        self.ratio_label = QLabel("—")
        self.open_label = QLabel("—")
        self.talk_label = QLabel("—")
        self.latency_label = QLabel("—")
        self.median_label = QLabel("—")
        for value in (self.ratio_label, self.open_label, self.talk_label, self.latency_label, self.median_label):
            widest = max(value.fontMetrics().horizontalAdvance(text) for text in ("10.0 : 1", NO_QUESTIONS))
            value.setMinimumWidth(widest)  # wrap rather than clip ("no questio" was cut off)
        form.addRow(SUMMARY_LABELS["reflection_to_question"], self.ratio_label)
        form.addRow("Open questions", self.open_label)
        form.addRow("Your share of talk", self.talk_label)
        form.addRow("Last response latency", self.latency_label)
        form.addRow("Median latency", self.median_label)
        layout.addLayout(form)
        nudge_title = QLabel("Latest coaching nudge")
        nudge_title.setObjectName("PanelSubtitle")
        layout.addWidget(nudge_title)
        self.nudge_label = QLabel("Nudges appear here as you go.")
        self.nudge_label.setObjectName("NudgeLabel")
        self.nudge_label.setWordWrap(True)
        layout.addWidget(self.nudge_label)
        layout.addStretch(1)

    def set_timing_available(self, available: bool) -> None:
        """Typed turns have no speech timings: show talk share and latency as not applicable."""
        self._timing = available
        self._render()

    def reset(self) -> None:
        self.metrics = SessionMetrics()
        self._render()
        self.nudge_label.setText("Nudges appear here as you go.")

    def add_feedback(self, code: str, feedback: dict) -> None:
        self.metrics.add(code, feedback)
        self._render()

    def _render(self) -> None:
        m = self.metrics
        score = m.running_attunement
        self.score_label.setText("—" if score is None else f"{round(score)}")
        self.score_bar.setValue(0 if score is None else int(round(score)))
        if m.nudge:
            self.nudge_label.setText(m.nudge)
        # Reflections and no question yet: "2.0 : 1" read as if one question had been asked.
        self.ratio_label.setText(NO_QUESTIONS if m.reflections and not m.questions
                                 else fmt_ratio(m.reflection_to_question))
        self.open_label.setText(fmt_percent(m.percent_open_questions))
        timing_labels = (self.talk_label, self.latency_label, self.median_label)
        if not self._timing:
            # Typed turns have no audio timings: a dash, never "0 ms" or "0%".
            for label in timing_labels:
                label.setText(NO_TIMING)
                label.setToolTip(TEXT_MODE_TIP)
            return
        share = m.talk_share
        self.talk_label.setText(fmt_percent(share, fraction=share is not None and share <= 1.0))
        self.latency_label.setText(fmt_ms(m.last_latency_ms))
        self.median_label.setText(fmt_ms(m.median_latency_ms))
        for label in timing_labels:
            label.setToolTip("" if label.text() != NO_TIMING else NO_TIMING_TIP)
