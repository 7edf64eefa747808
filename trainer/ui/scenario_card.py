"""One scenario in the library: title, brief, skills, difficulty and content notes."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

DIFFICULTY_COLOURS = {"easy": "#d4ecd9", "medium": "#f4e3b5", "hard": "#f3cccc"}


def _chip(text: str, name: str, background: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    if background:
        label.setStyleSheet(f"background: {background};")
    return label


class ScenarioCard(QFrame):
    def __init__(self, scenario: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scenario = scenario
        self.setObjectName("ScenarioCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.title_label = QLabel(scenario.title)
        self.title_label.setObjectName("CardTitle")
        top.addWidget(self.title_label, 1)
        difficulty = str(scenario.difficulty)
        self.difficulty_chip = _chip(difficulty.capitalize(), "DifficultyChip", DIFFICULTY_COLOURS.get(difficulty))
        top.addWidget(self.difficulty_chip)
        layout.addLayout(top)
        persona = getattr(scenario, "persona", None)
        if persona is not None:
            who = QLabel(f"{persona.name}, {persona.age} ({persona.pronouns}) — {persona.presenting_concern}")
            who.setObjectName("CardPersona")
            who.setWordWrap(True)
            layout.addWidget(who)
        self.brief_label = QLabel(scenario.brief)
        self.brief_label.setObjectName("CardBrief")
        self.brief_label.setWordWrap(True)
        layout.addWidget(self.brief_label)
        chips = QHBoxLayout()
        chips.setSpacing(6)
        self.skill_chips = []
        for skill in scenario.skills:
            chip = _chip(skill, "SkillChip")
            self.skill_chips.append(chip)
            chips.addWidget(chip)
        chips.addStretch(1)
        layout.addLayout(chips)
        notes = tuple(getattr(scenario, "content_notes", ()) or ())
        self.warning_chip = _chip("⚠  Content notes: " + ", ".join(notes), "WarningChip")
        self.warning_chip.setWordWrap(True)
        self.warning_chip.setVisible(bool(notes))
        layout.addWidget(self.warning_chip)
        self.setAccessibleName(f"{scenario.title}, {difficulty}")

    def set_selected(self, selected: bool) -> None:
        self.setProperty("selected", selected)
        self.style().unpolish(self)
        self.style().polish(self)

    def search_text(self) -> str:
        s = self.scenario
        persona = getattr(s, "persona", None)
        parts = [s.id, s.title, s.brief, s.difficulty, *s.skills, *(getattr(s, "content_notes", ()) or ())]
        if persona is not None:
            parts += [persona.name, persona.presenting_concern]
        return " ".join(str(p) for p in parts).lower()
