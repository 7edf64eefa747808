"""ReviewView: annotated transcript, summary bands, replay, and “Try it again”."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QLabel  # noqa: E402

from tests.ui_fakes import (  # noqa: E402,F401
    close_window,
    fake_services,
    make_window,
    say,
    start_text_session,
)
from trainer.ui.codes import band_colour  # noqa: E402
from trainer.ui.review_view import ReviewView  # noqa: E402
from trainer.ui.summary_panel import SummaryPanel  # noqa: E402
from trainer.ui.transcript_model import lines_from_stored  # noqa: E402


def _finish_session(qtbot, window, lines):
    session = start_text_session(qtbot, window)
    for line in lines:
        say(qtbot, window, session, line)
    with qtbot.waitSignal(window.session_view.ended, timeout=3000):
        window.session_view.end_session()
    return session


def test_try_again_after_a_finished_session_shows_both_answers(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    first = _finish_session(qtbot, window, ["Have you tried making a revision timetable?", "What else?"])
    review = window.review_view
    assert window.current_view() == "review"
    row = review.row_of_client_line(0)
    review.select_row(row)
    assert review.try_button.isEnabled()
    with qtbot.waitSignal(review.tryAgainStarted, timeout=3000):
        review.try_again_selected()
    # the finished session can't branch, so a new session replays it
    replay = fake_services.created[-1]
    assert replay is not first
    assert replay.options["replay_session_id"] == first.session_id
    assert ("try_again_from", 0) in replay.calls
    panel = review.try_panel
    assert panel.isVisible()
    assert "I don't really know why I'm here" in panel.client_label.text()
    assert panel.original.text_label.text() == "Have you tried making a revision timetable?"
    assert panel.original.chip.code == "advise" and panel.original.chip.isVisibleTo(panel)
    assert panel.original.reply_label.text().startswith("Maya: “I guess it's been building")
    panel.input.setText("It sounds like part of you didn't want to come.")
    panel.input.returnPressed.emit()
    assert replay.calls[-1] == ("submit_text", "It sounds like part of you didn't want to come.")
    qtbot.waitUntil(lambda: panel.new.chip.isVisibleTo(panel), timeout=3000)
    assert panel.new.text_label.text() == "It sounds like part of you didn't want to come."
    assert panel.new.chip.code == "reflection_complex"
    assert panel.new.chip.toolTip() == "Complex reflection — confidence 77%"
    qtbot.waitUntil(lambda: panel.new.reply_label.isVisibleTo(panel), timeout=3000)
    # side by side: the two answer columns sit on one row
    assert panel.original.geometry().top() == panel.new.geometry().top()
    assert panel.original.geometry().right() < panel.new.geometry().left()
    close_window(window, fake_services)


def test_try_again_on_a_live_session_uses_that_session(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    session = start_text_session(qtbot, window)
    say(qtbot, window, session, "Is it every night?")
    view = window.session_view
    review = window.review_view
    review.show_live(session, view.lines, None, live=True)
    assert review.try_again(1)
    assert session.calls[-1] == ("try_again_from", 1)
    assert len(fake_services.created) == 1
    assert review.try_panel.original.text_label.text() == "—"  # nothing answered line 1 yet
    close_window(window, fake_services)


def test_review_of_a_stored_session_with_replay(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    window.open_stored_session("s1")
    qtbot.waitUntil(lambda: window.current_view() == "review", timeout=3000)
    review = window.review_view
    assert review.table.rowCount() == 5
    code_item = review.table.item(1, 3)
    assert code_item.text() == "Advise"
    assert code_item.toolTip() == "Advise — confidence 81%"
    assert "missed an opening" in review.table.item(1, 4).text()
    # replay a line that has audio
    review.select_row(1)
    with qtbot.waitSignal(review.audioPlayed, timeout=3000) as blocker:
        review.play_button.click()
    assert blocker.args == [True]
    assert fake_services.played[-1][1] == 16000
    # and one that doesn't
    review.select_row(2)
    with qtbot.waitSignal(review.audioPlayed, timeout=3000) as blocker:
        review.play_selected()
    assert blocker.args == [False]
    assert "No recording was kept" in review.status_label.text()
    close_window(window, fake_services)


def test_summary_bands_are_coloured_and_missing_keys_are_fine(qtbot):
    from tests.ui_fakes import FULL_SUMMARY

    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.set_summary(FULL_SUMMARY)
    chip = panel.band_chips["percent_complex_reflections"]
    assert chip.text() == "Good" and band_colour("good") in chip.styleSheet()
    assert panel.band_chips["reflection_to_question"].text() == "Fair"
    assert panel.value_labels["percent_open_questions"].text() == "67%"  # 0-100 in the summary
    assert panel.value_labels["talk_share"].text() == "38%"  # a fraction in the summary
    assert panel.band_chips["talk_share"].text() == "Good"
    assert panel.value_labels["advise_without_permission"].text() == "1"
    assert panel.band_chips["advise_without_permission"].text() == "Fair"
    assert panel.value_labels["median_latency_ms"].text() == "820 ms"
    assert panel.band_chips["percent_open_questions"].toolTip() == "Fair ≥ 50%, good ≥ 70%"
    below = dict(FULL_SUMMARY, reflection_to_question={"value": 0.4, "band": "below fair"})
    panel.set_summary(below)
    assert panel.band_chips["reflection_to_question"].text() == "Below fair"
    assert band_colour("below fair") in panel.band_chips["reflection_to_question"].styleSheet()
    assert band_colour("below fair") != band_colour("fair")
    assert len(panel.missed_labels) == 1 and "revision timetable" in panel.missed_labels[0].text()
    panel.set_summary({"strengths": ["Warm tone"]})
    assert panel.value_labels["reflection_to_question"].text() == "—"
    assert panel.band_chips["reflection_to_question"].text() == "—"
    texts = [w.text() for w in panel.findChildren(QLabel)]
    assert any("Warm tone" in t for t in texts)
    panel.set_summary(None)
    assert panel.band_chips == {}


def test_stored_turns_in_per_turn_shape_are_understood():
    lines = lines_from_stored([
        {"index": 0, "client_text": "Hello."},
        {"index": 1, "trainee_text": "Hi, what brings you?", "client_text": "Work.",
         "feedback": {"code": "question_open", "confidence": 0.8}},
        "garbage",
    ])
    assert [(l.turn_index, l.role) for l in lines] == [(0, "client"), (1, "trainee"), (1, "client")]
    assert lines[1].code == "question_open" and lines[1].confidence == 0.8


def test_review_without_scenario_cannot_try_again(qtbot, fake_services):
    review = ReviewView(fake_services, session_factory=lambda s, i: None)
    qtbot.addWidget(review)
    review.show_stored(fake_services.store.load_session("s2"), scenario=None)
    review.select_row(0)
    assert not review.try_button.isEnabled()
    assert review.play_button.isEnabled()


def test_review_mid_session_branches_the_live_session(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    session = start_text_session(qtbot, window)
    say(qtbot, window, session, "Have you tried sleeping earlier?")
    window.show_view("review")
    review = window.review_view
    assert review.session is session and review.session_live
    assert review.table.rowCount() == 3
    review.select_row(review.row_of_client_line(0))
    review.try_again_selected()
    assert session.calls[-1] == ("try_again_from", 0)
    assert len(fake_services.created) == 1  # no new session for a live one
    review.try_panel.input.setText("What brings you here today?")
    review.try_panel.input.returnPressed.emit()
    qtbot.waitUntil(lambda: review.try_panel.new.chip.isVisibleTo(review.try_panel), timeout=3000)
    assert review.try_panel.original.chip.code == "advise"
    assert review.try_panel.new.chip.code == "question_open"
    # the session view shows the new branch too, marked as a new try
    entry = window.session_view.transcript.trainee_entry(1)
    assert entry.text == "What brings you here today?" and entry.marker_label.text() == "new try"
    window.show_view("session")
    window.show_view("review")
    assert review.try_panel.isVisible()  # coming back keeps the comparison
    close_window(window, fake_services)


def test_try_again_error_is_shown_in_plain_words(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    _finish_session(qtbot, window, ["What else?"])

    def refuse(scenario, source_id):
        raise KeyError("no client line 0 in this session")

    window.review_view.session_factory = refuse
    window.review_view.select_row(0)
    assert not window.review_view.try_again(0)
    assert window.review_view.banner.isVisible()
    assert "Try it again" in window.review_view.banner.message
    close_window(window, fake_services)
