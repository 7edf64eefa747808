"""EngineBridge, StallMonitor, AppSettings, SessionMetrics, the refcount guard."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QThread  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.ui_fakes import FakeStore  # noqa: E402
from trainer import events as ev  # noqa: E402
from trainer.ui.app_settings import AppSettings, SettingKey  # noqa: E402
from trainer.ui.engine_bridge import EngineBridge  # noqa: E402
from trainer.ui.session_metrics import SessionMetrics  # noqa: E402
from trainer.ui.stall_monitor import StallMonitor  # noqa: E402


def test_bridge_delivers_engine_thread_events_on_gui_thread_in_order(qtbot):
    bridge = EngineBridge()
    received = []
    gui_thread = QApplication.instance().thread()

    def record(name):
        return lambda *args: received.append((name, QThread.currentThread() is gui_thread, args))

    bridge.stateChanged.connect(record("state"))
    bridge.clientSaidPart.connect(record("part"))
    bridge.feedbackReady.connect(record("feedback"))
    bridge.errorOccurred.connect(record("error"))
    bridge.sessionEnded.connect(record("ended"))
    posted_from = []

    def engine():
        posted_from.append(threading.current_thread() is not threading.main_thread())
        bridge.post(ev.StateChanged(0.0, ev.TurnState.CLIENT_SPEAKING))
        bridge.post(ev.ClientSaidPart(0.1, 0, "Hello."))
        bridge.post(ev.FeedbackReady(0.2, 1, "question_open", 0.9, {"attunement": 70}))
        bridge.post(ev.ErrorOccurred(0.3, "No microphone", "Use text mode", False))
        bridge.post(ev.SessionEnded(0.4, {"mean_attunement": 70}))

    with qtbot.waitSignal(bridge.sessionEnded, timeout=3000):
        thread = threading.Thread(target=engine, name="engine")
        thread.start()
    thread.join()
    assert posted_from == [True]
    assert [name for name, _, _ in received] == ["state", "part", "feedback", "error", "ended"]
    assert all(on_gui for _, on_gui, _ in received)
    assert received[0][2] == (ev.TurnState.CLIENT_SPEAKING,)
    assert received[1][2] == (0, "Hello.")
    assert received[2][2][0].code == "question_open"
    assert received[3][2] == ("No microphone", "Use text mode", False)
    assert received[4][2] == ({"mean_attunement": 70},)


def test_bridge_close_drops_later_events(qtbot):
    bridge = EngineBridge()
    seen = []
    bridge.event.connect(seen.append)
    bridge(ev.StateChanged(0.0, ev.TurnState.LISTENING))  # callable like a listener
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=2000)
    bridge.close()
    bridge.post(ev.StateChanged(0.0, ev.TurnState.PAUSED))
    with qtbot.assertNotEmitted(bridge.event, wait=50):
        pass
    assert len(seen) == 1


def test_stall_monitor_sees_a_blocked_gui_thread(qtbot):
    monitor = StallMonitor(interval_ms=5, report_above_ms=30)
    stalls = []
    monitor.stall.connect(stalls.append)
    monitor.start()
    qtbot.waitUntil(lambda: monitor.ticks >= 5, timeout=2000)
    end = time.perf_counter() + 0.08  # busy GUI thread for 80 ms (deliberate stall)
    while time.perf_counter() < end:
        pass
    qtbot.waitUntil(lambda: bool(stalls), timeout=2000)
    monitor.stop()
    assert monitor.longest_gap_ms >= 75
    assert stalls and max(stalls) >= 75  # a busy machine may add a shorter stall of its own first
    report = monitor.report()
    assert report["ticks"] >= 6 and report["longest_gap_ms"] >= 75
    assert not monitor.running


def test_app_settings_typed_defaults_and_persistence():
    store = FakeStore(0)
    settings = AppSettings(store)
    assert settings.get(SettingKey.END_SILENCE_MS) == 700
    assert settings.get(SettingKey.SHOW_FEEDBACK) is True
    assert settings.get(SettingKey.INPUT_MODE) == "voice"
    settings.set(SettingKey.END_SILENCE_MS, "900")
    assert store.settings["turn.end_silence_ms"] == 900
    assert AppSettings(store).get(SettingKey.END_SILENCE_MS) == 900
    store.settings["ui.show_feedback"] = "false"
    assert settings.get(SettingKey.SHOW_FEEDBACK) is False
    store.settings["ui.input_mode"] = "telepathy"
    assert settings.get(SettingKey.INPUT_MODE) == "voice"  # bad value falls back
    settings.set(SettingKey.SPEAKING_RATE, 9)
    assert settings.get(SettingKey.SPEAKING_RATE) == 2.0  # clamped
    options = settings.session_options()
    assert options["end_silence_ms"] == 900 and options["show_feedback"] is False


def test_session_metrics_from_feedback():
    m = SessionMetrics()
    m.add("question_open", {"running_attunement": 60, "response_latency_ms": 800, "talk_share": 0.4})
    m.add("question_closed", {"running_attunement": 55, "response_latency_ms": 1200})
    m.add("reflection_complex", {"running_attunement": 70, "response_latency_ms": 600, "nudge": "Slow down"})
    m.add("other", {"utterance_codes": ["reflection_simple", "question_open"]})
    assert m.reflections == 2 and m.complex_reflections == 1
    assert m.open_questions == 2 and m.closed_questions == 1
    assert m.reflection_to_question == pytest.approx(2 / 3)
    assert m.percent_open_questions == pytest.approx(200 / 3)
    assert m.median_latency_ms == 800
    assert m.running_attunement == 70
    assert m.nudge is None  # the last turn had no nudge


def test_pyside_keeps_reference_counts_of_none_and_true(qtbot):
    """PySide6 6.12.0 leaked these on Python 3.11 and crashed the app mid-session."""
    import sys

    bridge = EngineBridge()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(20000):
        bridge.setObjectName("x")
        bridge.event.emit(None)
    assert bridge.objectName() == "x"
    assert abs(sys.getrefcount(None) - none_before) < 100
    assert abs(sys.getrefcount(True) - true_before) < 100


def test_feedback_notes_show_the_parts_of_a_turn_coded_whole():
    from trainer.ui.transcript_entry import feedback_notes

    turn = {
        "code": "question_open",
        "utterance_codes": [
            {"text": "That sounds hard.", "code": "reflection_simple", "confidence": 0.8},
            {"text": "How long has it been going on?", "code": "question_open", "confidence": 0.9},
        ],
    }
    assert feedback_notes(turn) == ["in parts: simple reflection, then open question"]
    # One piece, or pieces that all carry the turn's code, add nothing.
    assert feedback_notes({"code": "question_open", "utterance_codes": turn["utterance_codes"][1:]}) == []
    same = {"code": "question_closed", "utterance_codes": [{"code": "question_closed"}] * 3,
            "questions_in_turn": 3}
    assert feedback_notes(same) == ["3 questions at once"]


def test_a_code_the_coder_is_unsure_of_shows_as_a_guess(qtbot):
    from trainer.ui.code_chip import CodeChip

    sure = CodeChip("advise", 0.72)
    unsure = CodeChip("advise", 0.31)
    qtbot.addWidget(sure)
    qtbot.addWidget(unsure)
    assert sure.text() == "Advice" and sure.toolTip() == "Advice — confidence 72%"
    assert unsure.text() == "Advice?"
    assert unsure.toolTip() == "Advice — confidence 31% (a guess: the coder is not sure)"
    unsure.set_code(None, 0.0)  # an uncoded turn is not a guess
    assert unsure.text() == "Not coded"
