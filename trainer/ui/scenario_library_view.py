"""The scenario library: searchable cards; Enter starts the selected scenario."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from trainer.ui.scenario_card import ScenarioCard


class ScenarioLibraryView(QWidget):
    startRequested = Signal(object)  # Scenario

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ScenarioLibraryView")
        self._ready = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(14)
        title = QLabel("Choose someone to practise with")
        title.setObjectName("ViewTitle")
        layout.addWidget(title)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("SearchBox")
        self.search.setPlaceholderText("Search scenarios, skills or concerns (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        bar.addWidget(self.search, 1)
        self.difficulty = QComboBox()
        self.difficulty.addItems(["Any difficulty", "easy", "medium", "hard"])
        self.difficulty.currentIndexChanged.connect(lambda _: self.apply_filter())
        bar.addWidget(self.difficulty)
        layout.addLayout(bar)
        self.list = QListWidget()
        self.list.setObjectName("ScenarioList")
        self.list.setSpacing(6)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.itemDoubleClicked.connect(lambda _item: self.start_selected())
        self.list.currentItemChanged.connect(self._on_current)
        layout.addWidget(self.list, 1)
        bottom = QHBoxLayout()
        self.status_label = QLabel("")
        self.status_label.setObjectName("Caption")
        self.status_label.setWordWrap(True)
        bottom.addWidget(self.status_label, 1)
        self.start_button = QPushButton("Start session  (Enter)")
        self.start_button.setObjectName("PrimaryButton")
        self.start_button.clicked.connect(self.start_selected)
        bottom.addWidget(self.start_button)
        layout.addLayout(bottom)
        self.empty_label = QLabel("No scenario matches. Clear the search to see them all.")
        self.empty_label.setObjectName("Placeholder")
        self.empty_label.hide()
        layout.insertWidget(3, self.empty_label)
        self._cards: list[ScenarioCard] = []
        self.set_ready(False, "Loading models…")

    # ------------------------------------------------------------------ data
    def set_scenarios(self, scenarios: list[Any]) -> None:
        self.list.clear()
        self._cards = []
        for scenario in scenarios:
            card = ScenarioCard(scenario)
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, scenario.id)
            item.setSizeHint(QSize(200, card.sizeHint().height() + 8))
            self.list.addItem(item)
            self.list.setItemWidget(item, card)
            self._cards.append(card)
        if scenarios:
            self.list.setCurrentRow(0)
        self.apply_filter()
        self._update_sizes()

    def _update_sizes(self) -> None:
        """Cards wrap their text, so their height follows the list's width."""
        width = max(200, self.list.viewport().width() - 2 * self.list.spacing())
        for i, card in enumerate(self._cards):
            layout = card.layout()
            height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else card.sizeHint().height()
            self.list.item(i).setSizeHint(QSize(width, height))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._update_sizes()

    def cards(self) -> list[ScenarioCard]:
        return list(self._cards)

    def visible_cards(self) -> list[ScenarioCard]:
        return [c for i, c in enumerate(self._cards) if not self.list.item(i).isHidden()]

    def set_ready(self, ready: bool, message: str = "") -> None:
        self._ready = ready
        self.start_button.setEnabled(ready)
        self.status_label.setText(message)

    # ------------------------------------------------------------------ behaviour
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def apply_filter(self, *_: object) -> None:
        words = self.search.text().lower().split()
        level = self.difficulty.currentText() if self.difficulty.currentIndex() > 0 else None
        first_visible = None
        for i, card in enumerate(self._cards):
            haystack = card.search_text()
            show = all(w in haystack for w in words) and (level is None or card.scenario.difficulty == level)
            self.list.item(i).setHidden(not show)
            if show and first_visible is None:
                first_visible = i
        current = self.list.currentRow()
        if first_visible is not None and (current < 0 or self.list.item(current).isHidden()):
            self.list.setCurrentRow(first_visible)
        self.empty_label.setVisible(bool(self._cards) and first_visible is None)

    def selected_scenario(self) -> Any | None:
        row = self.list.currentRow()
        if row < 0 or self.list.item(row).isHidden():
            return None
        return self._cards[row].scenario

    def select(self, scenario_id: str) -> bool:
        for i, card in enumerate(self._cards):
            if card.scenario.id == scenario_id:
                self.list.setCurrentRow(i)
                return True
        return False

    def start_selected(self) -> None:
        scenario = self.selected_scenario()
        if scenario is None:
            return
        if not self._ready:
            self.status_label.setText("The models are still loading; the session can start once they are ready.")
            return
        self.startRequested.emit(scenario)

    def _on_current(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        for i, card in enumerate(self._cards):
            card.set_selected(self.list.item(i) is current)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        # The one place Enter starts a session: the list and the search box both pass Enter
        # on to us, so starting from their own signals as well started it twice.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.start_selected()
            return
        super().keyPressEvent(event)
