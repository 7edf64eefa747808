"""SettingsView: values persist through the store; device tests run on a worker."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading  # noqa: E402

from tests.ui_fakes import FakeServices, fake_services  # noqa: E402,F401
from trainer.ui.app_settings import AppSettings  # noqa: E402
from trainer.ui.settings_view import SettingsView  # noqa: E402


def _view(qtbot, services):
    view = SettingsView(services, AppSettings(services.store))
    qtbot.addWidget(view)
    view.show()
    return view


def test_settings_persist_through_the_store(qtbot, fake_services):
    view = _view(qtbot, fake_services)
    assert view.silence_spin.value() == 700  # default end-of-turn silence
    assert view.rate_spin.value() == 1.0
    assert not view.keep_audio.isChecked()  # private by default, like the store
    assert not view.auto_delete.isChecked() and not view.retention_spin.isEnabled()
    view.silence_spin.setValue(950)
    view.rate_spin.setValue(0.9)
    view.keep_audio.setChecked(True)
    view.auto_delete.setChecked(True)
    view.retention_spin.setValue(7)
    store = fake_services.store.settings
    assert store["turn.end_silence_ms"] == 950
    assert store["voice.speaking_rate"] == 0.9
    assert store["audio_retention"] is True  # the store's own keys, so it applies them
    assert store["retention_days"] == 7
    again = _view(qtbot, fake_services)  # a fresh view reads them back
    assert again.silence_spin.value() == 950 and again.rate_spin.value() == 0.9
    assert again.keep_audio.isChecked() and again.auto_delete.isChecked()
    assert again.retention_spin.value() == 7 and again.retention_spin.isEnabled()
    again.auto_delete.setChecked(False)
    assert store["retention_days"] is None  # keep until deleted


def test_how_long_before_the_client_goes_on_is_a_setting_that_can_be_never(qtbot, fake_services):
    view = _view(qtbot, fake_services)
    settings = AppSettings(fake_services.store)
    assert view.goes_on_spin.value() == 10 and settings.session_options()["client_goes_on_after_s"] == 10
    view.goes_on_spin.setValue(20)
    assert settings.session_options()["client_goes_on_after_s"] == 20
    view.goes_on_spin.setValue(view.goes_on_spin.minimum())
    assert view.goes_on_spin.text() == "never"
    assert fake_services.store.settings["turn.client_goes_on_after_s"] == 0
    assert settings.session_options()["client_goes_on_after_s"] == 0
    assert _view(qtbot, fake_services).goes_on_spin.text() == "never"  # read back as never
    fake_services.store.settings["turn.client_goes_on_after_s"] = 1  # written by hand
    assert settings.session_options()["client_goes_on_after_s"] == 0  # shown as never, so never


def test_devices_and_models_load_on_workers_and_selection_persists(qtbot, fake_services):
    view = _view(qtbot, fake_services)
    with qtbot.waitSignals([view.devicesLoaded, view.modelsLoaded], timeout=3000):
        view.refresh()
    assert [view.input_combo.itemText(i) for i in range(view.input_combo.count())] == [
        "System default", "Built-in microphone", "USB headset"]
    view.input_combo.setCurrentIndex(2)
    view.output_combo.setCurrentIndex(1)
    assert fake_services.store.settings["ui.input_device"] == 3
    assert fake_services.store.settings["ui.input_device_name"] == "USB headset"  # a replug renumbers
    assert fake_services.store.settings["ui.output_device"] == 1
    fake_services.audio_devices = lambda: {"input": [(0, "Built-in microphone"), (5, "USB headset")],
                                           "output": [(1, "Built-in speakers"), (3, "USB headset")]}
    renumbered = _view(qtbot, fake_services)
    with qtbot.waitSignal(renumbered.devicesLoaded, timeout=3000):
        renumbered.refresh()
    assert renumbered.input_combo.currentText() == "USB headset" and renumbered.input_combo.currentData() == 5
    renumbered.tasks.wait_all()
    assert view.models_table.rowCount() == 4
    kinds = {view.models_table.item(r, 0).text() for r in range(4)}
    assert kinds <= {"Client language model", "Speech recognition", "Client voice"}  # not "llm", "asr"
    assert view.model_combos["voice"].count() == 2
    assert view.model_combos["voice"].currentText() == "en_US-joe-medium  (default)"
    view.model_combos["voice"].setCurrentIndex(1)
    assert fake_services.store.settings["models.voice"] == "en_GB-alba-medium"
    assert AppSettings(fake_services.store).session_options()["input_device"] == 3
    view.tasks.wait_all()


def test_a_file_that_cannot_be_a_model_is_listed_but_not_offered(qtbot, fake_services):
    rows = fake_services.models_table() + [
        {"kind": "voice", "name": "qa-text", "path": "/voices/qa-text.onnx", "size_bytes": 12, "default": False,
         "verified": None, "problem": "it is not an ONNX model; its qa-text.onnx.json is missing"}]
    fake_services.models_table = lambda: rows
    view = _view(qtbot, fake_services)
    with qtbot.waitSignal(view.modelsLoaded, timeout=3000):
        view.refresh()
    last = view.models_table.rowCount() - 1
    assert view.models_table.item(last, 4).text() == "cannot be used"
    assert "not an ONNX model" in view.models_table.item(last, 4).toolTip()
    combo = view.model_combos["voice"]
    assert combo.itemText(2) == "qa-text  (cannot be used)" and not combo.model().item(2).isEnabled()
    assert combo.model().item(1).isEnabled()
    view.tasks.wait_all()


def test_input_test_records_and_plays_back_off_the_gui_thread(qtbot, fake_services):
    view = _view(qtbot, fake_services)
    with qtbot.waitSignal(view.devicesLoaded, timeout=3000):
        view.refresh()
    view.input_combo.setCurrentIndex(2)
    view.output_combo.setCurrentIndex(2)
    threads = []
    original = fake_services.test_input_device
    fake_services.test_input_device = lambda i, s=2.0: threads.append(threading.current_thread()) or original(i, s)
    with qtbot.waitSignal(view.testFinished, timeout=3000) as blocker:
        view.input_test.click()
    assert blocker.args == ["input", True]
    assert threads and threads[0] is not threading.main_thread()
    assert fake_services.tested_inputs == [3]
    assert fake_services.played[-1] == (32000, 16000, 3)
    assert "Microphone works" in view.device_status.text()
    with qtbot.waitSignal(view.testFinished, timeout=3000) as blocker:
        view.output_test.click()
    assert blocker.args == ["output", True] and fake_services.played[-1][2] == 3
    view.tasks.wait_all()


def test_one_sound_test_at_a_time_and_both_buttons_come_back(qtbot, fake_services):
    # A tone started during the microphone test cut its playback short (one global stream)
    # and left the microphone button off for good.
    view = _view(qtbot, fake_services)
    with qtbot.waitSignal(view.devicesLoaded, timeout=3000):
        view.refresh()
    gate = threading.Event()
    original = fake_services.test_input_device
    fake_services.test_input_device = lambda i, s=2.0: gate.wait(3) and original(i, s)
    view.test_input()
    assert not view.input_test.isEnabled() and not view.output_test.isEnabled()
    with qtbot.waitSignal(view.testFinished, timeout=3000):
        gate.set()
    assert view.input_test.isEnabled() and view.output_test.isEnabled()
    with qtbot.waitSignal(view.testFinished, timeout=3000):
        view.test_output()
        assert not view.input_test.isEnabled()
    assert view.input_test.isEnabled() and view.output_test.isEnabled()
    view.tasks.wait_all()


def test_no_sound_devices_is_explained(qtbot):
    services = FakeServices(no_microphone=True)
    view = _view(qtbot, services)
    with qtbot.waitSignal(view.devicesLoaded, timeout=3000) as blocker:
        view.refresh()
    assert blocker.args == [False]
    assert view.banner.isVisible() and "text mode" in view.banner.hint
    assert not view.input_test.isEnabled()
    # a test started anyway (a shortcut, a race) fails; the buttons must not come back on
    with qtbot.waitSignal(view.testFinished, timeout=3000):
        view.test_input()
    assert not view.input_test.isEnabled() and not view.output_test.isEnabled()
    view.tasks.wait_all()
    services.close()


def test_privacy_text_follows_whether_the_store_is_encrypted(qtbot, fake_services):
    view = _view(qtbot, fake_services)
    assert "passphrase set" in view.passphrase_label.text()
    fake_services.store.encrypted = True
    view.load_values()
    assert "passphrase change" in view.passphrase_label.text() and "passphrase set" not in view.passphrase_label.text()


def test_the_wheel_scrolls_the_page_not_a_field_it_passes_over(qtbot, fake_services):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    view = _view(qtbot, fake_services)
    view.show()
    before = view.silence_spin.value()

    def wheel(widget) -> None:
        centre = QPointF(widget.rect().center())
        event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(widget, event)

    wheel(view.silence_spin)
    assert view.silence_spin.value() == before  # saved at once, so a scroll changed a setting
    view.silence_spin.setFocus()
    qtbot.waitUntil(view.silence_spin.hasFocus, timeout=3000)
    wheel(view.silence_spin)
    assert view.silence_spin.value() != before  # clicked into, it takes the wheel
    view.tasks.wait_all()


def _store_with_an_old_session_and_recordings(tmp_path):
    from datetime import datetime, timedelta, timezone

    from tests.test_storage_fixtures import make_turn, open_store

    store = open_store(tmp_path)
    store.set_setting("audio_retention", True)
    old = store.start_session("s", "Old one", {})
    store.add_turn(old, make_turn(1, audio=True))
    store.finish_session(old, {})
    recent = store.start_session("s", "Recent one", {})
    store.add_turn(recent, make_turn(1, audio=True))
    store.finish_session(recent, {})
    when = datetime.now(timezone.utc) - timedelta(days=59)
    store._db.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (when.isoformat(), old))
    store._db.commit()
    return store


def test_settings_say_what_is_still_stored_and_delete_it_only_when_asked(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication

    # Unticking "Keep recordings" left them on disk, and automatic deletion waits for the
    # next start; the page implied both had happened.
    store = _store_with_an_old_session_and_recordings(tmp_path)
    services = FakeServices()
    services.store = store
    view = _view(qtbot, services)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=3000)
    notes = view.stored_notes
    assert notes.recordings_note.isHidden() and notes.expired_note.isHidden()  # keeping: nothing to say
    view.keep_audio.setChecked(False)
    assert "4 recordings of earlier turns are still stored" in notes.recordings_note.text()
    view.auto_delete.setChecked(True)  # 30 days
    assert "1 session is older than 30 days: deleted the next time the app starts" in notes.expired_note.text()
    assert len(store.list_sessions()) == 2  # said, not done

    notes.confirm = lambda text: False  # "No" deletes nothing
    notes.delete_expired_button.click()
    assert len(store.list_sessions()) == 2
    asked = []
    notes.confirm = lambda text: asked.append(text) or True
    notes.delete_expired_button.click()
    assert [s.scenario_title for s in store.list_sessions()] == ["Recent one"]
    assert "older than 30 days" in asked[0] and notes.done_note.text() == "Deleted 1 session."
    assert notes.expired_note.isHidden()
    notes.delete_recordings_button.click()
    assert store.recording_count() == 0 and notes.done_note.text() == "Deleted 2 recordings."
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.keep_audio, timeout=3000)  # not to the sidebar
    assert notes.recordings_note.isHidden() and len(store.list_sessions()) == 1  # transcripts stay
    store.close()
    services.close()


def test_tab_leaves_the_models_table_so_privacy_can_be_reached_by_keyboard(qtbot, fake_services):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    view = _view(qtbot, fake_services)
    with qtbot.waitSignal(view.modelsLoaded, timeout=3000):
        view.refresh()
    view.activateWindow()
    view.models_table.setFocus()
    qtbot.waitUntil(view.models_table.hasFocus, timeout=3000)
    qtbot.keyClick(view.models_table, Qt.Key.Key_Tab)  # moved cell by cell, and wrapped round, before
    assert not view.models_table.hasFocus() and QApplication.focusWidget() is not None
    view.tasks.wait_all()
