"""HistoryView: the table, the charts over time, open and delete with confirmation."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402

from tests.ui_fakes import close_window, fake_services, make_window  # noqa: E402,F401
from trainer.ui.history_view import HistoryView  # noqa: E402


def _loaded_view(qtbot, services):
    view = HistoryView(services)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=3000):
        view.refresh()
    return view


def test_history_table_and_charts_have_points(qtbot, fake_services):
    view = _loaded_view(qtbot, fake_services)
    assert view.table.rowCount() == 3
    assert view.table.item(0, 0).text() == "2026-11-07 18:00"  # newest first
    assert view.table.item(0, 2).text() == "8"
    assert view.table.item(0, 3).text() == "67"
    assert view.table.item(1, 4).text() == "interrupted"
    assert view.ratio_chart.point_count() == 3
    assert view.complex_chart.point_count() == 3
    assert view.attunement_chart.point_count() == 3
    points = view.complex_chart.series.points()
    assert [round(p.y()) for p in points] == [20, 35, 50]  # fractions shown as percent, oldest first
    assert [p.x() for p in view.attunement_chart.series.points()] == [1, 2, 3]
    # round ticks from 0: 0, 25, 50, 75, 100 for percentages, not 0, 27, 54, 81, 108
    assert view.complex_chart.y_axis.tickInterval() == 25 and view.complex_chart.y_axis.tickAnchor() == 0
    assert view.ratio_chart.y_axis.tickInterval() == 0.5  # ratios up to 1.4: 0, 0.5, 1.0, 1.5
    view.tasks.wait_all()


def test_a_try_again_is_listed_as_one_and_left_out_of_the_charts(qtbot, fake_services):
    import dataclasses

    original = fake_services.store.sessions["s3"]
    info = dataclasses.replace(original.info, id="s4", started_at=original.info.started_at.replace(hour=19))
    fake_services.store.sessions["s4"] = dataclasses.replace(
        original, info=info, settings={"input_mode": "text", "try_again_of": {"session_id": "s3", "client_line": 1}})
    view = _loaded_view(qtbot, fake_services)
    assert view.table.rowCount() == 4
    assert view.table.item(0, 1).text() == "Exam stress before finals · try again"
    assert "left out of the charts" in view.table.item(0, 1).toolTip()
    assert view.table.item(1, 1).text() == "Exam stress before finals"
    assert view.attunement_chart.point_count() == 3 and view.ratio_chart.point_count() == 3
    assert view.status_label.text() == "3 sessions and 1 try again · not in the charts: tries again"
    view.tasks.wait_all()


def test_a_session_too_short_to_judge_and_a_try_still_unanswered_stay_out(qtbot, fake_services):
    import dataclasses

    store = fake_services.store
    short = store.sessions["s2"]
    store.sessions["s2"] = dataclasses.replace(short, summary=dict(short.summary, turns=1))
    running = store.sessions["s3"]
    store.sessions["s4"] = dataclasses.replace(
        running, info=dataclasses.replace(running.info, id="s4", turns=0),
        settings={"try_again_of": {"session_id": "s3", "client_line": 1}})
    view = _loaded_view(qtbot, fake_services)
    assert view.table.rowCount() == 3  # the unanswered try is not listed: it is not kept
    assert view.attunement_chart.point_count() == 2  # one answer is too few to chart
    assert view.status_label.text() == "3 sessions · not in the charts: 1 session under 3 answers"
    view.tasks.wait_all()


def test_an_interrupted_session_without_a_summary_is_said_to_be_left_out_of_the_charts(qtbot, fake_services):
    import dataclasses

    store = fake_services.store
    interrupted = store.sessions["s2"]
    assert interrupted.info.interrupted
    store.sessions["s2"] = dataclasses.replace(interrupted, summary=None)  # as a real one has
    view = _loaded_view(qtbot, fake_services)
    assert view.table.rowCount() == 3 and view.attunement_chart.point_count() == 2
    assert view.status_label.text() == "3 sessions · not in the charts: 1 interrupted (no summary)"
    view.tasks.wait_all()


def test_delete_asks_first(qtbot, fake_services):
    view = _loaded_view(qtbot, fake_services)
    asked = []
    view.confirm = lambda text: asked.append(text) or False
    view.table.selectRow(0)
    view.delete_selected()
    assert asked and "can't be undone" in asked[0]
    assert fake_services.store.deleted == [] and view.table.rowCount() == 3
    view.confirm = lambda text: True
    with qtbot.waitSignal(view.deleted, timeout=1000) as blocker:
        view.table.setFocus()
        qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    assert blocker.args == ["s3"]
    assert fake_services.store.deleted == ["s3"]
    assert view.table.rowCount() == 2 and view.attunement_chart.point_count() == 2
    view.tasks.wait_all()


def test_open_in_review_from_history(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    window.show_view("history")
    qtbot.waitUntil(lambda: window.history_view.table.rowCount() == 3, timeout=3000)
    window.history_view.table.selectRow(2)
    with qtbot.waitSignal(window.history_view.openRequested, timeout=1000) as blocker:
        window.actions["history_open"].trigger()
    assert blocker.args == ["s1"]
    qtbot.waitUntil(lambda: window.current_view() == "review", timeout=3000)
    assert window.review_view.session_id == "s1"
    assert window.review_view.title_label.text() == "Review: Exam stress before finals"
    close_window(window, fake_services)


def test_empty_history_says_how_to_start(qtbot):
    from tests.ui_fakes import FakeServices

    services = FakeServices(sessions=0)
    view = _loaded_view(qtbot, services)
    assert view.table.rowCount() == 0 and view.ratio_chart.point_count() == 0
    assert "No sessions yet" in view.status_label.text()
    view.tasks.wait_all()


def test_enter_opens_the_selected_session_once(qtbot, fake_services):
    view = _loaded_view(qtbot, fake_services)
    opened = []
    view.openRequested.connect(opened.append)
    view.table.setFocus()
    view.table.selectRow(1)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened == [view.selected_id()] and opened[0] is not None
    view.tasks.wait_all()
