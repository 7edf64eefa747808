"""ScenarioLibraryView: cards, content-note chips, search, Enter to start."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402

from tests.ui_fakes import SCENARIOS  # noqa: E402
from trainer.ui.scenario_library_view import ScenarioLibraryView  # noqa: E402


def _view(qtbot, ready=True):
    view = ScenarioLibraryView()
    qtbot.addWidget(view)
    view.set_scenarios(SCENARIOS)
    view.set_ready(ready)
    view.show()
    return view


def test_cards_show_details_and_content_notes_as_a_warning(qtbot):
    view = _view(qtbot)
    cards = view.cards()
    assert [c.title_label.text() for c in cards] == [s.title for s in SCENARIOS]
    assert cards[0].difficulty_chip.text() == "Easy"
    assert [c.text() for c in cards[1].skill_chips] == list(SCENARIOS[1].skills)
    assert not cards[0].warning_chip.isVisibleTo(view)
    assert cards[1].warning_chip.isVisibleTo(view)
    assert "mentions of suicide" in cards[1].warning_chip.text()


def test_search_and_difficulty_filter(qtbot):
    view = _view(qtbot)
    qtbot.keyClicks(view.search, "grief")
    assert [c.scenario.id for c in view.visible_cards()] == ["grief-anniversary"]
    assert view.selected_scenario().id == "grief-anniversary"
    view.search.clear()
    view.difficulty.setCurrentText("hard")
    assert [c.scenario.id for c in view.visible_cards()] == ["drinking-ambivalence"]
    view.difficulty.setCurrentIndex(0)
    view.search.setText("nothing like this")
    assert view.visible_cards() == [] and view.empty_label.isVisibleTo(view)
    assert view.selected_scenario() is None


def test_enter_starts_the_selected_scenario_only_when_ready(qtbot):
    view = _view(qtbot, ready=False)
    view.list.setFocus()
    with qtbot.assertNotEmitted(view.startRequested):
        qtbot.keyClick(view.list, Qt.Key.Key_Return)
    assert "still loading" in view.status_label.text()
    view.set_ready(True)
    qtbot.keyClick(view.list, Qt.Key.Key_Down)
    with qtbot.waitSignal(view.startRequested, timeout=1000) as blocker:
        qtbot.keyClick(view.list, Qt.Key.Key_Return)
    assert blocker.args[0].id == "grief-anniversary"


def test_enter_starts_once_from_the_list_and_from_the_search_box(qtbot):
    view = _view(qtbot)
    started = []
    view.startRequested.connect(started.append)
    view.list.setFocus()
    qtbot.keyClick(view.list, Qt.Key.Key_Return)
    assert [s.id for s in started] == [SCENARIOS[0].id]
    qtbot.keyClicks(view.search, "grief")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert [s.id for s in started] == [SCENARIOS[0].id, "grief-anniversary"]


def test_double_click_on_a_card_starts_it(qtbot):
    view = _view(qtbot)
    rect = view.list.visualItemRect(view.list.item(1))
    qtbot.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(view.startRequested, timeout=1000) as blocker:
        qtbot.mouseDClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args[0].id == SCENARIOS[1].id
