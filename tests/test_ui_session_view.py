"""SessionView: states, text and push-to-talk input, chips, attunement, feedback toggle,
pause/end, and the no-microphone error inside a session."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.ui_fakes import (  # noqa: E402,F401
    FakeServices,
    close_window,
    fake_services,
    make_window,
    say,
    start_text_session,
)
from trainer import events as ev  # noqa: E402
from trainer.ui.app_settings import SettingKey  # noqa: E402
from trainer.ui.codes import state_style  # noqa: E402
from trainer.ui.session_view import SessionView  # noqa: E402


def _activate(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


def test_text_turn_shows_transcript_chip_tooltip_and_attunement(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    session = start_text_session(qtbot, window)
    view = window.session_view
    assert view.name_label.text() == "Maya"
    opening = view.transcript.client_entry(0)
    assert opening is not None and opening.text == session.scenario.opening_lines[0]
    assert opening.speaker_label.text() == "Maya"
    say(qtbot, window, session, "What brings you here today?")
    entry = view.transcript.trainee_entry(1)
    assert entry.text == "What brings you here today?"
    assert entry.chip.isVisibleTo(view)
    assert entry.chip.text() == "Open question"
    assert entry.chip.toolTip() == "Open question — confidence 90%"
    say(qtbot, window, session, "Have you tried making a revision timetable?")
    advise = view.transcript.trainee_entry(2)
    assert advise.chip.code == "advise"
    assert "righting reflex" in advise.notes_label.text()
    panel = view.attunement
    assert panel.score_label.text() == "51"  # mean of 72 and 30
    assert panel.open_label.text() == "100%"
    assert panel.ratio_label.text() == "0.0 : 1"
    assert "reflection" in panel.nudge_label.text()
    # typed turns have no speech timings: a dash, not "0 ms" / "0%"
    for label in (panel.median_label, panel.talk_label, panel.latency_label):
        assert label.text() == "—"
        assert "typed replies have none" in label.toolTip()
    view.set_mode("voice")
    assert panel.median_label.text() == "825 ms"  # median of 750 and 900
    assert panel.latency_label.text() == "900 ms"
    assert panel.talk_label.text().endswith("%")
    client_reply = view.transcript.client_entry(2)
    assert client_reply.text.startswith("Yeah. Exhausted")
    close_window(window, fake_services)


def test_state_indicator_and_presence_follow_the_engine(qtbot):
    view = SessionView()
    qtbot.addWidget(view)
    for state in ev.TurnState:
        view.on_state(state)
        assert view.state_label.text() == state_style(state)[0]
        assert view.presence.state == state.value
    assert view.state_label.text() == "Session ended"
    view.on_state(ev.TurnState.CLIENT_THINKING)
    assert view.presence.colour.name() == state_style("client_thinking")[1]
    view.on_mic_level(-12.0, True)
    assert view.mic_meter.fraction == 0.8 and view.mic_meter.speech


def test_push_to_talk_space_press_and_release_call_the_session(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    session = start_text_session(qtbot, window)
    view = window.session_view
    _activate(qtbot, window)
    view.set_mode("push_to_talk")
    assert ("set_input_mode", "push_to_talk") in session.calls
    assert view.ptt_button.isVisible() and not view.text_row.isVisible()
    view.pause_button.setFocus()  # Space must not press the focused button
    qtbot.keyPress(view.pause_button, Qt.Key.Key_Space)
    assert session.calls[-1] == ("push_to_talk", True)
    qtbot.keyRelease(view.pause_button, Qt.Key.Key_Space)
    assert session.calls[-1] == ("push_to_talk", False)
    assert ("pause",) not in session.calls
    # the released utterance becomes a turn
    qtbot.waitUntil(lambda: view.transcript.trainee_entry(1) is not None, timeout=3000)
    qtbot.waitUntil(lambda: view.transcript.trainee_entry(1).chip.isVisibleTo(view), timeout=3000)
    # the hold button works with the mouse too
    qtbot.mousePress(view.ptt_button, Qt.MouseButton.LeftButton)
    assert session.calls[-1] == ("push_to_talk", True)
    qtbot.mouseRelease(view.ptt_button, Qt.MouseButton.LeftButton)
    assert session.calls[-1] == ("push_to_talk", False)
    close_window(window, fake_services)


def test_space_is_ignored_outside_push_to_talk(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    session = start_text_session(qtbot, window)
    view = window.session_view
    _activate(qtbot, window)
    view.set_mode("text")
    qtbot.keyClicks(view.text_input, "a b")
    assert view.text_input.text() == "a b"
    assert not any(c[0] == "push_to_talk" for c in session.calls)
    close_window(window, fake_services)


def test_feedback_toggle_hides_panel_and_chips(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    session = start_text_session(qtbot, window)
    view = window.session_view
    say(qtbot, window, session, "It sounds like you're exhausted.")
    chip = view.transcript.trainee_entry(1).chip
    assert chip.isVisibleTo(view) and view.attunement.isVisibleTo(view)
    _activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not view.feedback_visible
    assert not chip.isVisibleTo(view) and not view.attunement.isVisibleTo(view)
    assert not window.actions["feedback"].isChecked()
    assert fake_services.store.settings["ui.show_feedback"] is False
    # new turns stay hidden, then everything comes back
    say(qtbot, window, session, "What else?")
    assert not view.transcript.trainee_entry(2).chip.isVisibleTo(view)
    view.feedback_check.click()
    assert view.feedback_visible and chip.isVisibleTo(view)
    assert view.transcript.trainee_entry(2).chip.isVisibleTo(view)
    assert window.actions["feedback"].isChecked()
    close_window(window, fake_services)


def test_pause_resume_and_end_with_shortcuts(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    session = start_text_session(qtbot, window)
    view = window.session_view
    _activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert session.calls[-1] == ("pause",)
    qtbot.waitUntil(lambda: view.state == "paused", timeout=3000)
    assert view.pause_button.text() == "Resume" and view.state_label.text() == "Paused"
    assert window.actions["pause"].text() == "&Resume"
    # nothing can be typed into a paused session (a line used to vanish until Resume)
    assert not view.text_input.isEnabled() and "Paused" in view.text_input.placeholderText()
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert session.calls[-1] == ("resume",)
    qtbot.waitUntil(lambda: view.state == "listening", timeout=3000)
    assert view.pause_button.text() == "Pause"
    assert view.text_input.isEnabled() and "Paused" not in view.text_input.placeholderText()
    say(qtbot, window, session, "What brings you here today?")
    with qtbot.waitSignal(view.ended, timeout=3000):
        qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.current_view() == "review"
    assert not view.text_input.isEnabled()
    assert window.review_view.table.rowCount() == 3  # opening, answer, reply
    close_window(window, fake_services)


def test_a_microphone_that_stops_mid_session_switches_to_typing_for_that_session_only(qtbot, fake_services):
    # Remembered, it left every later session without the microphone, which still worked.
    from trainer.session import LISTENING_STOPPED

    window = make_window(qtbot, fake_services)
    fake_services.store.settings["ui.input_mode"] = "voice"
    with qtbot.waitSignal(window.sessionStarted, timeout=3000):
        window.start_session(window.scenarios[0], mode="voice")
    view = window.session_view
    view.on_error(f"{LISTENING_STOPPED}: no sound has come from the microphone for 3 seconds (it may have been "
                  "unplugged)", "You can keep practising by typing your answers.", False)
    assert view.error_banner.action_button.text() == "Switch to text mode"
    view.error_banner.action_button.click()
    assert view.mode == "text" and view.text_row.isVisible()
    assert fake_services.store.settings["ui.input_mode"] == "voice"
    close_window(window, fake_services)


def test_microphone_error_in_session_offers_text_mode(qtbot):
    services = FakeServices(no_microphone=True)
    window = make_window(qtbot, services)
    window.banner.dismiss()
    with qtbot.waitSignal(window.sessionStarted, timeout=3000):
        window.start_session(window.scenarios[0], mode="voice")
    session = services.created[-1]
    view = window.session_view
    qtbot.waitUntil(lambda: view.error_banner.isVisible(), timeout=3000)
    assert "No microphone" in view.error_banner.message
    assert view.error_banner.action_button.text() == "Switch to text mode"
    view.error_banner.action_button.click()
    assert ("set_input_mode", "text") in session.calls
    assert view.mode == "text" and view.text_row.isVisible()
    assert services.store.settings["ui.input_mode"] == "text"
    qtbot.waitUntil(lambda: view.state == "listening", timeout=3000)
    say(qtbot, window, session, "What brings you here today?")
    assert view.transcript.trainee_entry(1).chip.code == "question_open"
    close_window(window, services)
    services.close()


def test_client_reply_streams_sentence_by_sentence(qtbot):
    view = SessionView()
    qtbot.addWidget(view)
    view.on_client_part(1, "The nights are the worst.")
    entry = view.transcript.client_entry(1)
    assert entry.text == "The nights are the worst."
    view.on_client_part(1, "I lie awake.")
    assert entry.text == "The nights are the worst. I lie awake."
    view.on_client_said(ev.ClientSaid(0.0, 1, "The nights are the worst. I lie awake.", 0, 1, interrupted=True))
    assert len(view.transcript.entries()) == 1
    assert entry.marker_label.text() == "cut short"


def test_models_loading_event_shows_in_the_state_line(qtbot):
    view = SessionView()
    qtbot.addWidget(view)
    view.on_state(ev.TurnState.LISTENING)
    view.on_models_loading("client voice", 1, 2)
    assert view.state_label.text() == "Loading client voice…"
    view.on_models_loading("client voice", 2, 2)
    assert view.state_label.text() == "Listening to you"


def test_attunement_panel_shows_a_dash_when_feedback_has_no_timing(qtbot):
    from trainer.ui.attunement_panel import AttunementPanel

    panel = AttunementPanel()
    qtbot.addWidget(panel)
    panel.set_timing_available(True)
    panel.add_feedback("question_open", {"running_attunement": 70, "response_latency_ms": 640.0,
                                         "talk_share": 0.42})
    assert panel.latency_label.text() == "640 ms" and panel.talk_label.text() == "42%"
    # a turn with no client line before it / no speech timing: None from the feedback engine
    panel.add_feedback("reflection_simple", {"running_attunement": 72, "response_latency_ms": None,
                                             "talk_share": None})
    assert panel.latency_label.text() == "—"  # not the previous turn's 640 ms, not "0 ms"
    assert panel.talk_label.text() == "—"
    assert panel.median_label.text() == "640 ms"  # the median of the turns that had a timing
    panel.reset()
    panel.add_feedback("question_open", {"response_latency_ms": None, "talk_share": None})
    assert panel.latency_label.text() == "—" and panel.median_label.text() == "—"
    assert panel.talk_label.text() == "—"
    # text mode: even real numbers from the engine (typed turns have zero-length speech) show a dash
    panel.set_timing_available(False)
    panel.add_feedback("question_open", {"response_latency_ms": 0.0, "talk_share": 0.0})
    assert {panel.latency_label.text(), panel.talk_label.text(), panel.median_label.text()} == {"—"}
    panel.set_timing_available(True)
    assert panel.latency_label.text() == "0 ms"  # shown again once timings apply


def test_choosing_voice_in_a_session_without_a_microphone_keeps_text_mode(qtbot):
    services = FakeServices(no_microphone=True)
    services.store.settings[SettingKey.INPUT_MODE.value] = "text"
    window = make_window(qtbot, services)
    session = start_text_session(qtbot, window)
    view = window.session_view
    window.actions["mode_voice"].trigger()
    assert ("set_input_mode", "voice") in session.calls
    assert view.mode == "text" and view.mode_buttons["text"].isChecked()
    assert view.text_row.isVisible()
    assert services.store.settings[SettingKey.INPUT_MODE.value] == "text"  # not remembered as the choice
    assert "not available" in view.error_banner.message
    say(qtbot, window, session, "What brings you here today?")  # typing still works
    close_window(window, services)


def test_window_shortcuts_work_while_typing_a_reply(qtbot, fake_services):
    """In text mode the focus is always in the reply box, which on Linux claims Ctrl+E."""
    window = make_window(qtbot, fake_services)
    session = start_text_session(qtbot, window)
    view = window.session_view
    _activate(qtbot, window)
    view.text_input.setFocus()
    qtbot.waitUntil(view.text_input.hasFocus, timeout=3000)
    qtbot.keyClicks(view.text_input, "half a thou")
    qtbot.keyClick(view.text_input, Qt.Key.Key_Home)
    qtbot.keyClick(view.text_input, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert ("pause",) in session.calls
    qtbot.keyClick(view.text_input, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert ("end",) in session.calls
    assert view.text_input.text() == "half a thou"  # the box kept what was typed
    close_window(window, fake_services)


def test_the_reply_box_gives_way_to_a_window_shortcut_it_would_claim(qtbot):
    """Offscreen Qt has no Emacs keys, so test the mechanism with a key every QLineEdit claims."""
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QMainWindow

    from trainer.ui.reply_box import ReplyBox

    window = QMainWindow()
    qtbot.addWidget(window)
    box = ReplyBox()
    window.setCentralWidget(box)
    action = QAction("claimed by line edits", window)
    action.setShortcut(QKeySequence("Ctrl+A"))  # a QLineEdit's "select all"
    window.addAction(action)
    window.show()
    _activate(qtbot, window)
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=3000)
    with qtbot.waitSignal(action.triggered, timeout=1000):
        qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, "typed")
    assert box.text() == "typed"


def test_a_held_silence_shows_as_the_trainees_turn_before_the_client_goes_on(qtbot):
    view = SessionView()
    qtbot.addWidget(view)
    view.on_client_said(ev.ClientSaid(1.0, 0, "I'm not sure why I'm here.", 0.0, 1.0, False))
    view.on_silence_held(ev.SilenceHeld(12.0, 1, 1.0, 11.0))
    view.on_client_said(ev.ClientSaid(14.0, 1, "It's just been a lot.", 11.5, 13.0, False))
    assert [(l.role, l.text) for l in view.lines] == [
        ("client", "I'm not sure why I'm here."), ("trainee", "(let the silence sit for 10 s)"),
        ("client", "It's just been a lot.")]
    assert view.lines[1].silence
    assert view.transcript.trainee_entry(1).text == "(let the silence sit for 10 s)"
    assert not view.transcript.trainee_entry(1).chip.isVisible()


def test_typing_wait_lets_the_silence_sit_instead_of_sending_the_word(qtbot):
    from tests.ui_fakes import AnswerRecorder

    view = SessionView()
    qtbot.addWidget(view)
    view.session = AnswerRecorder()
    view.text_input.setText("/wait")
    view.submit_text()
    assert view.session.calls == ["hold_silence"] and view.text_input.text() == ""
    view.session.can_wait = False  # the client already went on twice: it waits for the trainee
    view.text_input.setText("/WAIT")
    view.submit_text()
    assert view.session.calls == ["hold_silence", "hold_silence"]
    assert "waiting for you" in view.error_banner.message_label.text()
    assert view.text_input.text() == ""  # or the next answer was typed onto it: "/waitSo you…"
    view.text_input.setText("/waitYou feel stuck.")  # a mistyped command never reaches the client
    view.submit_text()
    assert view.session.calls == ["hold_silence", "hold_silence"]
    assert "was not sent" in view.error_banner.message_label.text()
    assert view.text_input.text() == "/waitYou feel stuck."  # kept, to be corrected
    view.text_input.setText("You feel stuck.")
    view.submit_text()
    assert view.session.calls[-1] == "You feel stuck."
    view.show()
    assert view.error_banner.isVisible()
    view.on_trainee_said(ev.TraineeSaid(1.0, 1, "You feel stuck.", 0.0, 0.0))
    assert not view.error_banner.isVisible()  # the notice went with the next turn
    view.on_state(ev.TurnState.CLIENT_SPEAKING)  # typed ahead while the client answers
    view.text_input.setText("/wait")
    view.submit_text()
    assert view.error_banner.message_label.text() == "Let the client finish first; then /wait lets the silence sit."
    view.on_client_said(ev.ClientSaid(3.0, 1, "I suppose I am.", 1.0, 2.5, False))
    assert not view.error_banner.isVisible()


def test_a_reply_ended_before_its_first_word_leaves_no_empty_row(qtbot):
    view = SessionView()
    qtbot.addWidget(view)
    view.on_client_said(ev.ClientSaid(1.0, 0, "I'm not sure why I'm here.", 0.0, 1.0, False))
    view.on_client_said(ev.ClientSaid(5.0, 1, "", 4.0, 4.0, True))
    assert [line.text for line in view.lines] == ["I'm not sure why I'm here."]
    assert view.transcript.client_entry(1) is None
    view.on_client_part(2, "It's the nights.")  # streamed in, then cut before it was heard
    view.on_client_said(ev.ClientSaid(9.0, 2, "", 8.0, 8.0, True))
    assert view.transcript.client_entry(2) is None
    assert [e.text for e in view.transcript.entries()] == ["I'm not sure why I'm here."]


def test_a_very_long_word_gets_break_points_but_keeps_its_text(qtbot):
    from trainer.ui.transcript_entry import TranscriptEntry, breakable

    word = "Supercalifragilistic_" * 5
    assert breakable(word).replace("\u200b", "") == word and "\u200b" in breakable(word)
    assert breakable("ordinary words stay as they are") == "ordinary words stay as they are"
    entry = TranscriptEntry("trainee", 1, "You", word)
    qtbot.addWidget(entry)
    assert entry.text == word  # what Review and the tests read is the text as said


def test_a_narrow_window_gives_the_transcript_room(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    start_text_session(qtbot, window)
    view = window.session_view
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: view.transcript.width() >= 280, timeout=3000)
    assert view.mode_buttons["voice"].text() == "Talk" and view.mode_buttons["voice"].toolTip() == "Hands-free"
    window.resize(1400, 860)
    qtbot.waitUntil(lambda: view.mode_buttons["voice"].text() == "Hands-free", timeout=3000)
    close_window(window, fake_services)


def test_reflections_before_any_question_read_no_questions_not_a_ratio(qtbot):
    from trainer.ui.attunement_panel import AttunementPanel

    panel = AttunementPanel()
    qtbot.addWidget(panel)
    panel.add_feedback("reflection_complex", {"utterance_codes": [{"code": "reflection_complex"}]})
    assert panel.ratio_label.text() == "no questions"  # "1.0 : 1" read as if one had been asked
    label = panel.ratio_label
    assert label.minimumWidth() >= label.fontMetrics().horizontalAdvance("no questions")  # was cut to "no questio"
    panel.add_feedback("question_open", {"utterance_codes": [{"code": "question_open"}]})
    assert panel.ratio_label.text() == "1.0 : 1"


def test_the_live_score_says_it_is_a_running_one_not_the_summarys_mean(qtbot):
    from PySide6.QtWidgets import QLabel

    from trainer.ui.attunement_panel import AttunementPanel

    panel = AttunementPanel()
    qtbot.addWidget(panel)
    titles = [label.text() for label in panel.findChildren(QLabel) if label.objectName() == "PanelTitle"]
    assert titles == ["Running attunement"]
    assert "35%" in panel.score_label.toolTip() and "mean" in panel.score_label.toolTip()
