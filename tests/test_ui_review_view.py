"""ReviewView: annotated transcript, summary bands, replay, and “Try it again”."""

import datetime as dt
import os
from contextlib import contextmanager

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
from trainer.ui.try_again_panel import AGAIN_HINT  # noqa: E402
from trainer.ui.review_view import ReviewView  # noqa: E402
from trainer.ui.summary_panel import SummaryPanel  # noqa: E402
from trainer.ui.transcript_model import lines_from_stored  # noqa: E402


def open_in_review(qtbot, window, session_id):
    """Open a stored session from History and wait until Review shows it."""
    window.open_stored_session(session_id)
    qtbot.waitUntil(lambda: window.current_view() == "review", timeout=3000)
    return window.review_view


def _finish_session(qtbot, window, lines):
    session = start_text_session(qtbot, window)
    for line in lines:
        say(qtbot, window, session, line)
    with qtbot.waitSignal(window.session_view.ended, timeout=3000):
        window.session_view.end_session()
    return session


def _wait_try_ready(qtbot, review):
    qtbot.waitUntil(lambda: review.try_panel.input.isEnabled() and review.try_session is not None, timeout=3000)


def test_try_again_after_a_finished_session_branches_from_its_snapshot(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    first = _finish_session(qtbot, window, ["Have you tried making a revision timetable?", "What else?"])
    review = window.review_view
    assert window.current_view() == "review"
    assert window.session_for(first.session_id) is first  # kept in memory for this run
    assert not review.try_note.isVisibleTo(review)
    row = review.row_of_client_line(0)
    review.select_row(row)
    assert review.try_button.isEnabled()
    with qtbot.waitSignal(review.tryAgainStarted, timeout=3000):
        review.try_again_selected()
    panel = review.try_panel
    # the answer box waits until the new session is built and started (off the GUI thread)
    _wait_try_ready(qtbot, review)
    branch = fake_services.created[-1]
    # the box speaks of talking only when the try listens (here the settings' voice mode)
    assert branch.input_mode == "voice" and panel.input.placeholderText().startswith("Say or type your new answer")
    review._stop_try_session()
    review._start_branch(first.snapshots[0], "text")  # as when the microphone failed
    qtbot.waitUntil(lambda: panel.input.placeholderText().startswith("Type your new answer"), timeout=3000)
    _wait_try_ready(qtbot, review)
    branch = fake_services.created[-1]
    assert branch is not first
    assert ("snapshot_at", 0) in first.calls
    snapshot = branch.options["resume_from"]
    assert snapshot is first.snapshots[0] and snapshot.next_turn == 1
    assert "replay_session_id" not in branch.options and "replay_lines" not in branch.options
    assert ("start",) in branch.calls and not any(c[0] == "try_again_from" for c in branch.calls)
    assert ("try_again_from", 0) not in first.calls  # the finished session is left as it was
    assert panel.isVisible()
    assert "I don't really know why I'm here" in panel.client_label.text()
    assert panel.original.text_label.text() == "Have you tried making a revision timetable?"
    assert panel.original.chip.code == "advise" and panel.original.chip.isVisibleTo(panel)
    assert panel.original.reply_label.text().startswith("Maya: “I guess it's been building")
    assert not panel.new.reply_label.isVisibleTo(panel)  # the resumed client line is not a reply
    panel.input.setText("It sounds like part of you didn't want to come.")
    panel.input.returnPressed.emit()
    assert branch.calls[-1] == ("submit_text", "It sounds like part of you didn't want to come.")
    qtbot.waitUntil(lambda: panel.new.chip.isVisibleTo(panel), timeout=3000)
    assert panel.new.text_label.text() == "It sounds like part of you didn't want to come."
    assert panel.new.chip.code == "reflection_complex"
    assert panel.new.chip.toolTip() == "Complex reflection — confidence 77%"
    qtbot.waitUntil(lambda: panel.new.reply_label.isVisibleTo(panel), timeout=3000)
    assert branch.records[-1]["turn_index"] == 1 and branch.records[-1]["branch_of"] == 1
    # one answer per try: the box closes, and once the client has answered the try ends,
    # so nothing more is recorded into a session nobody sees
    assert not panel.input.isEnabled() and not panel.send_button.isEnabled()
    qtbot.waitUntil(lambda: branch.ended, timeout=3000)
    assert review.try_session is None and panel.isVisible()
    qtbot.waitUntil(lambda: panel.status_label.text() == AGAIN_HINT, timeout=3000)
    panel.input.setText("And one more thing.")
    panel.input.returnPressed.emit()
    assert not any(c == ("submit_text", "And one more thing.") for c in branch.calls)
    # side by side: the two answer columns sit on one row
    assert panel.original.geometry().top() == panel.new.geometry().top()
    assert panel.original.geometry().right() < panel.new.geometry().left()
    # the try is itself kept
    assert window.session_for(branch.session_id) is branch
    panel.close_panel()
    assert review.try_session is None and not panel.isVisible()
    close_window(window, fake_services)


def test_opening_another_session_from_history_closes_an_open_try(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    _finish_session(qtbot, window, ["What else?"])
    review = window.review_view
    assert review.try_again(0)
    _wait_try_ready(qtbot, review)
    branch = review.try_session
    window.show_view("history")  # Review is hidden now, and so is its panel, to Qt
    qtbot.waitUntil(lambda: window.history_view.table.rowCount() > 0, timeout=3000)
    open_in_review(qtbot, window, window.history_view.selected_id())
    assert not review.try_panel.isVisibleTo(review)
    qtbot.waitUntil(lambda: branch.ended, timeout=3000)
    close_window(window, fake_services)


def test_a_second_try_ends_the_first_branch(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    first = _finish_session(qtbot, window, ["What else?", "Is it every night?"])
    review = window.review_view
    assert review.try_again(0)
    _wait_try_ready(qtbot, review)
    one = review.try_session
    assert review.try_again(1)
    _wait_try_ready(qtbot, review)
    two = review.try_session
    assert two is not one and one.ended and not two.ended
    assert two.options["resume_from"] is first.snapshots[1]
    assert review.try_panel.original.text_label.text() == "Is it every night?"
    close_window(window, fake_services)


def test_stored_session_that_cannot_be_replayed_says_try_again_is_not_available(qtbot, fake_services):
    # The fake store keeps one row per utterance, not the store's one row per turn, so the
    # client's state cannot be rebuilt from it.
    window = make_window(qtbot, fake_services)
    review = open_in_review(qtbot, window, "s1")
    review.select_row(review.row_of_client_line(0))
    assert not review.try_button.isEnabled()
    assert review.try_note.isVisibleTo(review)
    assert "can't be rebuilt" in review.try_note.text()
    assert not review.try_again(0)
    assert "can't be rebuilt" in review.status_label.text()
    assert not review.try_panel.isVisible()
    assert fake_services.created == []  # nothing faked: no session was made
    close_window(window, fake_services)


def test_stored_session_practised_in_this_run_can_branch(qtbot, fake_services):
    from tests.ui_fakes import SessionInfo, StoredSession

    window = make_window(qtbot, fake_services)
    first = _finish_session(qtbot, window, ["Have you tried making a revision timetable?"])
    info = SessionInfo(first.session_id, "exam-stress", "Exam stress before finals",
                       dt.datetime(2026, 11, 28, 9, 0), None, 1, False, 50.0)
    turns = [{"turn_index": l.turn_index, "role": l.role, "text": l.text, "code": l.code}
             for l in window.session_view.lines]
    fake_services.store.sessions[first.session_id] = StoredSession(info, turns, dict(first.summary))
    window.show_view("library")
    review = open_in_review(qtbot, window, first.session_id)
    assert review.branch_source is first
    assert not review.try_note.isVisibleTo(review)
    review.select_row(review.row_of_client_line(1))
    assert review.try_button.isEnabled()
    review.try_again_selected()
    _wait_try_ready(qtbot, review)
    assert fake_services.created[-1].options["resume_from"] is first.snapshots[1]
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
    review = open_in_review(qtbot, window, "s1")
    assert review.table.rowCount() == 5
    code_item = review.table.item(1, 3)
    assert code_item.text() == "Advice"
    assert code_item.toolTip() == "Advice — confidence 81%"
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


def test_replay_plays_on_the_speaker_chosen_in_settings_found_by_name(qtbot, fake_services, monkeypatch):
    import trainer.audio.devices as devices

    fake_services.store.settings.update({"ui.output_device": 1, "ui.output_device_name": "USB headset"})
    monkeypatch.setattr(devices, "list_devices", lambda: {"input": [], "output": [(0, "Speakers"), (4, "USB headset")]})
    window = make_window(qtbot, fake_services)
    review = open_in_review(qtbot, window, "s1")
    review.select_row(1)
    with qtbot.waitSignal(review.audioPlayed, timeout=3000):
        review.play_button.click()
    assert fake_services.played[-1][2] == 4  # renumbered after a replug: the same headset, not device 1
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
    assert not any("Suicide risk" in w.text() for w in panel.findChildren(QLabel))
    hinted = dict(FULL_SUMMARY, risk={"hints": [{"client": "I feel like a burden."}], "asked_directly": True})
    panel.set_summary(hinted)
    texts = [w.text() for w in panel.findChildren(QLabel)]
    assert "Suicide risk" in texts
    assert any("hinted at suicide once" in t and "you asked about it directly" in t for t in texts)
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


def test_a_held_silence_is_shown_where_the_trainees_words_would_be(qtbot):
    lines = lines_from_stored([
        {"index": 0, "client_text": "Hello."},
        {"index": 1, "trainee_text": "", "silence_held": True, "silence_s": 10.4, "client_text": "It's been hard."},
        {"index": 2, "trainee_text": "", "silence_held": True, "silence_s": None, "client_text": "Yes."},
        {"index": 3, "trainee_text": "It's been hard.", "client_text": "Yes.",
         "feedback": {"code": "reflection_simple", "confidence": 0.8}},
    ])
    assert [(l.turn_index, l.role, l.text, l.silence) for l in lines[1:4]] == [
        (1, "trainee", "(let the silence sit for 10 s)", True), (1, "client", "It's been hard.", False),
        (2, "trainee", "(let the silence sit)", True)]  # typed: no length known
    assert lines[1].code is None
    review = ReviewView()
    qtbot.addWidget(review)
    review._populate(lines, {})
    assert review.subtitle_label.text() == "1 answer, 2 silences let sit"  # a silence is a turn, no answer
    assert review.table.item(1, 2).text() == "(let the silence sit for 10 s)"
    assert review.table.item(1, 3).text() == ""  # nothing coded


def test_wait_in_the_try_again_box_gives_a_held_silence_as_the_new_answer(qtbot):
    from tests.ui_fakes import AnswerRecorder
    from trainer import events as ev

    review = ReviewView()
    qtbot.addWidget(review)
    review.try_session = AnswerRecorder()
    review._submit_new_answer("/Wait")
    review._submit_new_answer("/wiat")
    assert review.try_panel.input.text() == "/wiat" and "was not sent" in review.try_panel.status_label.text()
    review._submit_new_answer("It's been hard.")
    assert review.try_session.calls == ["hold_silence", "It's been hard."]
    review.try_session.can_wait = False
    review._submit_new_answer("/wait")
    assert review.try_panel.status_label.text() == "The client is waiting for you to say something."
    review._awaiting_new, review._new_turn = True, None
    review._on_try_silence(ev.SilenceHeld(5.0, 2, 1.0, 13.0))
    assert review._new_turn == 2
    assert review.try_panel.new.text_label.text() == "(let the silence sit for 12 s)"
    assert review.try_panel.status_label.text() == ""  # a silence gets no code to wait for
    assert not review.try_panel.input.isEnabled()  # one new answer per try
    review._submit_new_answer("/wait")  # again, while the client answers the silence: not taken
    review._submit_new_answer("And another thing.")
    assert review.try_session.calls == ["hold_silence", "It's been hard.", "hold_silence"]
    review._on_try_reply(ev.ClientSaid(14.0, 2, "It's been hard.", 13.5, 14.0, False))
    assert review.try_panel.status_label.text() == AGAIN_HINT


def test_review_without_scenario_cannot_try_again(qtbot, fake_services):
    review = ReviewView(fake_services, session_factory=lambda scenario, snapshot, mode=None: None)
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
    modes = []

    def refuse(scenario, snapshot, mode=None):
        modes.append(mode)
        raise RuntimeError("the client model is not loaded")

    review = window.review_view
    review.session_factory = refuse
    review.select_row(0)
    assert review.try_again(0)
    qtbot.waitUntil(lambda: review.banner.isVisible(), timeout=3000)
    assert "Try it again" in review.banner.message and "not loaded" in review.banner.message
    assert modes == [None, "text"]  # voice failed, typing was tried, then it said so
    assert not review.try_panel.input.isEnabled()
    # a line the finished session has no snapshot for is refused in words, with no new session
    review.session_factory = window._create_try_session
    review.banner.dismiss()
    created = len(fake_services.created)
    review.lines.append(type(review.lines[0])(5, "client", "A line the engine never said."))
    assert not review.try_again(5)
    assert "no client line 5" in review.banner.message
    assert len(fake_services.created) == created
    close_window(window, fake_services)


def test_summary_of_a_typed_session_shows_no_timing_figures(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    _finish_session(qtbot, window, ["What else?"])
    panel = window.review_view.summary_panel
    assert panel.value_labels["talk_share"].text() == "—"  # FULL_SUMMARY says 0.38, but nothing was spoken
    assert panel.band_chips["talk_share"].text() == "—"
    assert panel.value_labels["median_latency_ms"].text() == "—"
    assert panel.value_labels["percent_open_questions"].text() == "67%"
    close_window(window, fake_services)


def test_stored_session_from_an_earlier_run_branches_from_a_rebuilt_snapshot(qtbot, fake_services):
    from tests.ui_fakes import SessionInfo, StoredSession
    from trainer.replay import StoredSessionReplay
    from trainer.scenarios import find_scenario

    window = make_window(qtbot, fake_services)
    scenario = find_scenario("burnout-nurse")
    window.scenarios.append(scenario)
    turns = [  # as SessionStore.load_session gives them: one row per turn
        {"index": 0, "attempt": 0, "trainee_text": "", "client_text": scenario.opening_lines[0],
         "feedback": {}, "client_speech": [0.0, 2.0]},
        {"index": 1, "attempt": 0, "trainee_text": "You sound worn out.", "client_text": "I am. Every shift.",
         "code": "reflection_simple", "confidence": 0.8,
         "feedback": {"code": "reflection_simple", "attunement": 70, "last_turn": "attuned",
                      "utterance_codes": [{"text": "You sound worn out.", "code": "reflection_simple",
                                           "confidence": 0.8}]},
         "trainee_speech": [3.0, 4.5], "client_speech": [5.2, 7.0]},
    ]
    info = SessionInfo("old1", "burnout-nurse", scenario.title, dt.datetime(2026, 11, 20, 9, 0), None, 1, False, 70.0)
    fake_services.store.sessions["old1"] = StoredSession(info, turns, None)
    review = open_in_review(qtbot, window, "old1")
    assert isinstance(review.branch_source, StoredSessionReplay)
    assert not review.try_note.isVisibleTo(review)
    review.select_row(review.row_of_client_line(1))
    assert review.try_button.isEnabled()
    review.try_again_selected()
    _wait_try_ready(qtbot, review)
    snapshot = fake_services.created[-1].options["resume_from"]
    assert snapshot.client_line == "I am. Every shift."
    assert snapshot.next_turn == 2
    assert snapshot.client.history[-2:] == (("trainee", "You sound worn out."), ("client", "I am. Every shift."))
    close_window(window, fake_services)


class ScriptedCommentDialog:
    """Stands in for CommentDialog: 'accepts' with the given author and text, no clicks."""

    shown: list = []

    def __init__(self, about, author, parent=None, answer=("Dr Patel", "Try naming the feeling first.")):
        from PySide6.QtWidgets import QPlainTextEdit

        self.about, self.prefilled_author = about, author
        self.text_edit = QPlainTextEdit()
        self._answer = answer
        ScriptedCommentDialog.shown.append(self)

    def exec(self):
        return True

    def author(self):
        return self._answer[0]

    def text(self):
        return self._answer[1]


def test_comments_are_shown_and_added_from_review(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    fake_services.store.sessions["s1"].comments.extend([
        {"id": "c0", "turn_index": None, "author": "Sam (supervisor)", "text": "Good pace overall."},
        {"id": "c1", "turn_index": 1, "author": "Sam (supervisor)", "text": "Advice came too early."},
    ])
    review = open_in_review(qtbot, window, "s1")
    answer_row = next(r for r, l in enumerate(review.lines) if l.role == "trainee" and l.turn_index == 1)
    assert "Advice came too early." in review.table.item(answer_row, 4).text()
    assert "Good pace overall." in review.session_comments_label.text()
    assert review.session_comments_label.isVisibleTo(review)

    ScriptedCommentDialog.shown.clear()
    review.comment_dialog_factory = ScriptedCommentDialog
    second = next(r for r, l in enumerate(review.lines) if l.role == "trainee" and l.turn_index == 2)
    review.select_row(second)
    assert review.comment_button.isEnabled()
    window.actions["comment"].trigger()  # Ctrl+M
    qtbot.waitUntil(lambda: review.status_label.text() == "Comment saved.", timeout=3000)
    assert "line 2" in ScriptedCommentDialog.shown[-1].about
    stored = fake_services.store.sessions["s1"].comments[-1]
    assert stored["turn_index"] == 2 and stored["author"] == "Dr Patel"
    assert "Try naming the feeling first." in review.table.item(second, 4).text()
    assert fake_services.store.get_setting("comment_author") == "Dr Patel"
    review.add_comment_selected()
    assert ScriptedCommentDialog.shown[-1].prefilled_author == "Dr Patel"  # remembered
    close_window(window, fake_services)


def test_a_comment_that_cannot_be_saved_is_kept_for_the_next_try(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    review = open_in_review(qtbot, window, "s1")
    review.comment_dialog_factory = ScriptedCommentDialog
    fake_services.store.comment_error = OSError("disk full")
    review.select_row(0)
    review.add_comment_selected()
    qtbot.waitUntil(lambda: review.banner.isVisibleTo(review), timeout=3000)
    assert "could not be saved" in review.banner.message_label.text()
    assert fake_services.store.sessions["s1"].comments == []
    fake_services.store.comment_error = None
    review.add_comment_selected()
    assert ScriptedCommentDialog.shown[-1].text_edit.toPlainText() == "Try naming the feeling first."
    qtbot.waitUntil(lambda: review.status_label.text() == "Comment saved.", timeout=3000)
    close_window(window, fake_services)


def test_summary_panel_explains_what_a_dash_would_hide(qtbot):
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.set_summary({"turns": 4, "reflection_to_question": {"value": None, "band": "good"},
                       "strengths": [], "to_practise": []})
    assert panel.value_labels["reflection_to_question"].text() == "no questions"
    panel.set_summary({"turns": 1, "strengths": [], "to_practise": []})
    texts = [label.text() for label in panel.findChildren(QLabel)]
    assert any("3 answers are needed" in text for text in texts)


def test_summary_panel_counts_held_silences_as_a_whole_number_only_when_there_were_some(qtbot):
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.set_summary({"turns": 4, "silences_held": 3, "strengths": [], "to_practise": []})
    assert panel.value_labels["silences_held"].text() == "3"
    panel.set_summary({"turns": 4, "silences_held": 0, "strengths": [], "to_practise": []})
    assert "silences_held" not in panel.value_labels


def test_review_at_1024_px_keeps_lines_readable(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    _finish_session(qtbot, window, ["How have the last weeks been, since it has been nearly a year now and "
                                    "people keep telling you to move on?"])
    review = window.review_view
    assert review.subtitle_label.text().endswith("1 answer")
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: review.table.isColumnHidden(4), timeout=3000)
    assert review.try_button.text() == "Try it again"
    table = review.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 1).text() == "You")
    qtbot.waitUntil(lambda: table.rowHeight(row) >= table.sizeHintForRow(row), timeout=3000)  # refitted
    assert table.horizontalScrollBar().maximum() == 0  # no sideways scrolling
    # an open "Try it again" leaves the transcript a few lines (it had left one and a half)
    assert review.try_again(0)
    _wait_try_ready(qtbot, review)
    qtbot.waitUntil(lambda: review.try_panel.input.isVisible(), timeout=3000)
    assert table.height() >= 150
    panel_bottom = review.try_panel.input.mapTo(window, review.try_panel.input.rect().bottomLeft()).y()
    assert panel_bottom <= window.height()
    close_window(window, fake_services)


def test_review_buttons_keep_their_whole_labels_at_1280_px_and_the_shortcuts_when_room(qtbot, fake_services):
    # At 1280 x 800 the long labels were kept (the window was wider than 1000 px) though the
    # transcript pane was not wide enough: "Save as PDF… (Ctrl+Shi" was cut off.
    window = make_window(qtbot, fake_services)
    _finish_session(qtbot, window, ["How have the last weeks been?"])
    review = window.review_view
    buttons = (review.play_button, review.comment_button, review.pdf_button, review.try_button)
    for width in (1280, 1700):
        window.resize(width, 760)
        qtbot.wait(50)
        for button in buttons:
            assert button.width() >= button.fontMetrics().horizontalAdvance(button.text()) + 20, (width, button.text())
    assert "Ctrl" in review.pdf_button.text()  # at 1700 px there is room for the shortcuts
    close_window(window, fake_services)


@contextmanager
def _review_of_a_stored_session(qtbot, tmp_path):
    """Review showing a session from a real store (the PDF needs real records)."""
    from types import SimpleNamespace

    from tests.test_storage_export import build_fake_session
    from tests.test_storage_fixtures import open_store

    with open_store(tmp_path) as store:
        stored = store.load_session(build_fake_session(store))
        review = ReviewView(SimpleNamespace(store=store))
        qtbot.addWidget(review)
        review.show_stored(stored)
        yield stored, review
        review.tasks.wait_all()


def test_a_finished_session_is_saved_as_a_pdf_from_review(qtbot, tmp_path):
    from tests.test_storage_export import _pdf_text
    from trainer.ui.report_saving import suggested_report_name

    asked = []
    with _review_of_a_stored_session(qtbot, tmp_path) as (stored, review):
        review.choose_report_path = lambda name: asked.append(name) or tmp_path / "report.pdf"
        assert review.pdf_button.isEnabled()
        review.save_pdf()
        qtbot.waitUntil(lambda: review.status_label.text().startswith("Report saved"), timeout=5000)
    assert asked == [suggested_report_name("Grief after losing a parent", stored.info.started_at)]
    assert asked[0].startswith("grief-after-losing-a-parent-2") and asked[0].endswith(".pdf")
    text = " ".join(_pdf_text(tmp_path / "report.pdf").split())
    assert "Grief after losing a parent" in text and "Dr Amara Obi" in text


def test_a_report_that_cannot_be_written_says_where_and_what_to_do(qtbot, tmp_path):
    with _review_of_a_stored_session(qtbot, tmp_path) as (_stored, review):
        review.choose_report_path = lambda name: tmp_path  # a folder, not a file
        review.save_pdf()
        qtbot.waitUntil(lambda: review.banner.isVisibleTo(review), timeout=5000)
    assert str(tmp_path) in review.banner.message and "Choose another folder" in review.banner.hint
    review.choose_report_path = lambda name: None  # cancelled: nothing happens
    review.banner.dismiss()
    review.save_pdf()
    assert not review.banner.isVisibleTo(review) and review.status_label.text() == ""


def test_review_of_a_try_says_its_summary_counts_the_originals_turns(qtbot, fake_services):
    import dataclasses

    stored = dataclasses.replace(fake_services.store.sessions["s1"], settings={"try_again_of": {
        "session_id": "s0", "client_line": 1, "client_text": "It's the nights, mostly."}})
    review = ReviewView(fake_services)
    qtbot.addWidget(review)
    review.show_stored(stored)
    assert (review.lines[0].role, review.lines[0].turn_index, review.lines[0].text) == (
        "client", 1, "It's the nights, mostly.")  # the line this try answered comes first
    assert review.subtitle_label.text().endswith("a try again: the summary also counts the original's earlier turns")
    assert "does not show" in review.subtitle_label.toolTip()
    review.show_stored(fake_services.store.sessions["s2"])
    assert "try again" not in review.subtitle_label.text() and review.subtitle_label.toolTip() == ""


def test_a_session_just_finished_shows_when_it_was_practised(qtbot):
    from types import SimpleNamespace

    review = ReviewView()
    qtbot.addWidget(review)
    session = SimpleNamespace(session_id="s9", scenario=None, started_at=dt.datetime(2026, 11, 29, 9, 30))
    review.show_live(session, lines_from_stored([{"index": 0, "client_text": "Hello."}]), {}, live=False)
    assert review.subtitle_label.text() == "2026-11-29 09:30 · 0 answers"  # as one opened from History


def test_review_of_an_interrupted_session_says_no_summary_will_come(qtbot):
    from types import SimpleNamespace

    from trainer.ui.summary_panel import INTERRUPTED_NOTE

    review = ReviewView(SimpleNamespace(store=None))
    qtbot.addWidget(review)
    info = SimpleNamespace(id="s1", scenario_title="Exam stress", started_at=dt.datetime(2026, 11, 7, 18, 0),
                           interrupted=True)
    review.show_stored(SimpleNamespace(info=info, turns=[], summary=None, settings={}, comments=[]))
    texts = [label.text() for label in review.summary_panel.findChildren(QLabel)]
    assert INTERRUPTED_NOTE in texts and "The summary appears when a session ends." not in texts


def test_review_of_a_session_not_all_stored_says_what_history_and_the_pdf_lack(qtbot, fake_services):
    # On a full disk Review showed every answer and the summary from memory, with no word
    # that History and the PDF report would have only the first turn.
    window = make_window(qtbot, fake_services)
    session = start_text_session(qtbot, window)
    say(qtbot, window, session, "How have the last weeks been?")
    session.storage_problem = "Not saved: turn 2 and the summary; they are in memory only."
    with qtbot.waitSignal(window.session_view.ended, timeout=3000):
        window.session_view.end_session()
    review = window.review_view
    qtbot.waitUntil(lambda: review.banner.isVisibleTo(review), timeout=3000)
    assert "Not all of this session could be stored. Not saved: turn 2" in review.banner.message
    assert "PDF report have only what was stored" in review.banner.hint
    review.show_live(session, [], {}, live=False)  # the same, shown again
    session.storage_problem = None
    review.show_live(session, [], {}, live=False)  # another session, all stored: no stale message
    assert not review.banner.isVisibleTo(review)
    close_window(window, fake_services)
