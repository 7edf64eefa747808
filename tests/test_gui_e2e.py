"""End to end: the window, the real engine, the real default models and real audio streams.

A two-turn hands-free session runs in ``MainWindow`` on a virtual ALSA sound card (see
``tests/virtual_alsa.py``): the trainee's two lines (synthesized with the trainee voice)
come from the capture file through ``sounddevice`` into the engine's VAD, turn detector and
Whisper; the client's voice goes through ``sounddevice`` into the playback file.

PortAudio reads the ALSA configuration when it starts, so the GUI runs in a subprocess
started with ``card.environment()`` and ``QT_QPA_PLATFORM=offscreen``.

The ALSA file plugin on the null device hands out capture data far faster than real time
(measured: about 7,000 s of audio in 4 s, with the rest dropped from the microphone's
bounded queue), and playback likewise (an unpaced run wrote 79,000 s, 3.5 GB, of mostly
silence into the playback file in two minutes). So the subprocess uses ``PacedMicrophone``
and ``PacedSpeaker``: the ordinary ``SoundDeviceMicrophone`` / ``SoundDeviceSpeaker``
whose PortAudio callback sleeps until each block is due, which throttles the device to
real time. The audio still goes through the real ``sounddevice`` streams; only their
clock is supplied.

Timeline of the capture file: 12 s of silence (the opening line plays meanwhile), line 1,
35 s of silence (time for the client's reply), line 2, 20 s of silence. On a very busy
machine the second line can start while the client is still answering the first; that is
a barge-in, which the app handles by cutting the reply short, and the test accepts it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from trainer import models
from trainer.demo import synthesized_lines
from trainer.speech.tts import PiperSynthesizer
from trainer.wer import word_error_rate

from tests.virtual_alsa import CAPTURE_RATE, PLAYBACK_RATE, VirtualSoundCard

pytestmark = pytest.mark.integration

SCENARIO = "burnout-nurse"
LINES = [
    "It sounds like coming here was partly someone else's idea, and you are not sure about it.",
    "What is a normal day at work like for you at the moment?",
]
CODES = {"question_open", "question_closed", "reflection_simple", "reflection_complex", "affirm", "advise",
         "inform", "other"}

GUI_SCRIPT = r"""
import json, os, sys, time
import trainer
from trainer import app as app_module
from trainer.audio.capture import SoundDeviceMicrophone
from trainer.audio.playback import SoundDeviceSpeaker


class Paced:
    # The virtual card runs far faster than real time in both directions; sleeping in the
    # PortAudio callback until each block is due makes the stream run at wall-clock rate.
    _due = None

    def _wait_due(self, frames, rate):
        now = time.monotonic()
        if self._due is None:
            self._due = now
        self._due += frames / rate
        if self._due > now:
            time.sleep(self._due - now)


class PacedMicrophone(Paced, SoundDeviceMicrophone):
    def _callback(self, indata, frames, time_info, status):
        self._wait_due(frames, 16000)
        super()._callback(indata, frames, time_info, status)


class PacedSpeaker(Paced, SoundDeviceSpeaker):
    def _callback(self, outdata, frames, time_info, status):
        self._wait_due(frames, self.sample_rate)
        super()._callback(outdata, frames, time_info, status)


mics = []
def paced(device):
    mic = PacedMicrophone(device=device)
    mics.append(mic)
    return mic
app_module.make_microphone = paced
app_module.make_speaker = lambda device, pace_null=False: PacedSpeaker(device=device)

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from trainer.ui.main_window import MainWindow

qapp = QApplication([sys.argv[0]])
services = app_module.Services()
# The fed audio leaves long gaps while the client talks and the models load; a client going
# on after a held silence (tested in test_session.py) would answer turns this test expects.
from trainer.ui.app_settings import AppSettings, SettingKey
AppSettings(services.store).set(SettingKey.CLIENT_GOES_ON_AFTER_S, 0)
window = MainWindow(services)
window.show()
loop = QEventLoop()
out = {"turns": [], "barge_ins": 0, "errors": [], "states": []}
timeout = QTimer(); timeout.setSingleShot(True)
timeout.timeout.connect(lambda: (out.__setitem__("timeout", True), loop.quit()))
timeout.start(int(float(os.environ["E2E_TIMEOUT_S"]) * 1000))

def go():
    if not (window.models_ready and window.scenarios) or out.get("started"):
        return
    out["started"] = True
    scenario = next(s for s in window.scenarios if s.id == os.environ["E2E_SCENARIO"])
    window.sessionCreated.connect(hook)
    window.sessionFailed.connect(lambda m: (out["errors"].append(m), loop.quit()))
    window.start_session(scenario, mode="voice")   # hands-free

def hook(session):
    b = window.session_view.bridge
    b.turnCompleted.connect(turn_done)
    b.bargeIn.connect(lambda ms: out.__setitem__("barge_ins", out["barge_ins"] + 1))
    b.errorOccurred.connect(lambda m, h, f: out["errors"].append(f"{m} {h}"))
    b.stateChanged.connect(lambda s: out["states"].append(str(getattr(s, "value", s))))
    window.session_view.ended.connect(lambda _s: QTimer.singleShot(200, loop.quit))

def turn_done(index, record):
    out["turns"].append(index)
    if len(out["turns"]) == 2:
        QTimer.singleShot(300, collect)

def collect():
    view = window.session_view
    panel = view.attunement
    out["mode"] = view.mode
    out["trainee"] = [{"turn": e.turn_index, "text": e.text, "chip_visible": e.chip.isVisibleTo(view),
                       "code": e.chip.code, "tooltip": e.chip.toolTip()}
                      for e in view.transcript.entries() if e.role == "trainee"]
    out["client"] = [{"turn": e.turn_index, "text": e.text, "marker": e.marker_label.text()}
                     for e in view.transcript.entries() if e.role == "client"]
    out["panel"] = {"score": panel.score_label.text(), "ratio": panel.ratio_label.text(),
                    "open": panel.open_label.text(), "talk": panel.talk_label.text(),
                    "latency": panel.latency_label.text(), "median": panel.median_label.text(),
                    "bar": panel.score_bar.value(), "turns": panel.metrics.turns}
    out["mic_dropped"] = sum(m.dropped_blocks for m in mics)
    view.end_session()

window.modelsReady.connect(go)
window.scenariosLoaded.connect(lambda n: go())
window.modelsFailed.connect(lambda m: (out["errors"].append(m), loop.quit()))
loop.exec()
finished = list(window.finished_sessions.values())
if finished:  # the output stream is closed once the session has ended
    out["speaker_closed"] = bool(getattr(getattr(finished[-1].speaker, "_stream", None), "closed", False))
window.close()
print("E2E " + json.dumps(out))
"""


@pytest.fixture
def card(tmp_path):
    return VirtualSoundCard(tmp_path)


def test_two_hands_free_turns_in_the_window_through_real_audio_streams(card, tmp_path):
    synthesizer = PiperSynthesizer(models.default_voice_path())
    speech = synthesized_lines(LINES, synthesizer)

    def silence(seconds: float) -> np.ndarray:
        return np.zeros(int(seconds * CAPTURE_RATE), np.float32)

    card.set_microphone_audio(np.concatenate([
        silence(12.0), speech[0].samples_16k, silence(35.0), speech[1].samples_16k, silence(20.0)]))
    env = {**card.environment(), "QT_QPA_PLATFORM": "offscreen", "TRAINER_DATA_DIR": str(tmp_path / "data"),
           "E2E_SCENARIO": SCENARIO, "E2E_TIMEOUT_S": "170"}
    env.pop("DISPLAY", None)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(GUI_SCRIPT)], env=env,
                            capture_output=True, text=True, timeout=240, cwd=os.getcwd())
    assert result.returncode == 0, result.stderr[-3000:]
    line = next((l for l in result.stdout.splitlines() if l.startswith("E2E ")), None)
    assert line is not None, result.stdout[-2000:] + result.stderr[-3000:]
    out = json.loads(line[4:])
    assert not out.get("timeout"), (out, result.stderr[-3000:])
    assert out["mode"] == "voice"
    assert out["turns"] == [1, 2], out

    # Two trainee transcripts in the transcript view, each with its code chip.
    trainee = out["trainee"]
    assert [t["turn"] for t in trainee] == [1, 2], trainee
    assert word_error_rate(list(zip(LINES, [t["text"] for t in trainee]))) <= 0.2, trainee
    for t in trainee:
        assert t["chip_visible"] and t["code"] in CODES, t
        assert "confidence" in t["tooltip"]
    assert trainee[1]["code"] in ("question_open", "question_closed")  # "What is a normal day ... like?"

    # The client's opening and both replies appeared (a reply cut short by a barge-in still shows).
    client = {c["turn"]: c for c in out["client"]}
    assert set(client) >= {0, 1, 2}, out["client"]
    assert client[0]["text"] and client[2]["text"], out["client"]
    if out["barge_ins"] == 0:
        assert client[1]["text"] and client[1]["marker"] == "", out["client"]

    # The attunement panel was updated by both turns, with speech timings (hands-free).
    panel = out["panel"]
    assert panel["turns"] == 2
    assert panel["score"].isdigit() and 0 < panel["bar"] <= 100, panel
    assert panel["talk"].endswith("%") and panel["talk"] != "—", panel
    assert panel["median"].endswith(("ms", " s")), panel
    assert panel["ratio"] != "—" or panel["open"] != "—", panel
    assert out["mic_dropped"] == 0
    assert out["speaker_closed"]

    # The client's voice went through the output stream into the playback file.
    played = card.played()
    loud = np.abs(played.astype(np.int32)) > 1000
    print(f"playback file: {played.size / PLAYBACK_RATE:.1f} s of audio, {loud.sum() / PLAYBACK_RATE:.1f} s loud; "
          f"barge-ins {out['barge_ins']}; panel {panel}")
    assert played.size and np.abs(played).max() > 3000
    assert loud.sum() / PLAYBACK_RATE > 2.0, "less than two seconds of client speech reached the speaker"
    # real time: the file holds about as much audio as the session lasted, not gigabytes
    assert played.size / PLAYBACK_RATE < 240, played.size


TRY_AGAIN_SCRIPT = r"""
import json, os, sys
import trainer
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from trainer import app as app_module
from trainer.ui.main_window import MainWindow

qapp = QApplication([sys.argv[0]])
services = app_module.Services()
window = MainWindow(services)
window.show()
loop = QEventLoop()
out = {"errors": []}
timeout = QTimer(); timeout.setSingleShot(True)
timeout.timeout.connect(lambda: (out.__setitem__("timeout", True), loop.quit()))
timeout.start(int(float(os.environ["E2E_TIMEOUT_S"]) * 1000))
FIRST = "Have you thought about just taking some time off work?"
AGAIN = "It sounds like you are completely exhausted."

def go():
    if not (window.models_ready and window.scenarios) or out.get("started"):
        return
    out["started"] = True
    scenario = next(s for s in window.scenarios if s.id == os.environ["E2E_SCENARIO"])
    window.sessionCreated.connect(hook)
    window.start_session(scenario, mode="text")

def hook(session):
    out["first_id"] = None
    b = window.session_view.bridge
    b.stateChanged.connect(lambda s: type_first() if str(getattr(s, "value", s)) == "listening" else None)
    b.turnCompleted.connect(lambda i, r: QTimer.singleShot(100, window.session_view.end_session))
    b.errorOccurred.connect(lambda m, h, f: out["errors"].append(f"{m} {h}"))
    window.session_view.ended.connect(lambda _s: QTimer.singleShot(100, lambda: try_again(session)))

def type_first():
    if out.get("typed"):
        return
    out["typed"] = True
    window.session_view.text_input.setText(FIRST)
    window.session_view.submit_text()

def try_again(first):
    out["first_id"] = first.session_id
    review = window.review_view
    out["view"] = window.current_view()
    row = review.row_of_client_line(0)
    review.select_row(row)
    out["button_enabled"] = review.try_button.isEnabled()
    review.trySessionReady.connect(lambda s: answer(first, s))
    review.try_again_selected()

def answer(first, branch):
    out["branch_is_new"] = branch is not first
    panel = window.review_view.try_panel
    panel.input.setText(AGAIN)
    panel.input.returnPressed.emit()
    def check():
        if panel.new.reply_label.isVisibleTo(panel):
            out["panel"] = {"client": panel.client_label.text(),
                            "original": panel.original.text_label.text(), "original_code": panel.original.chip.code,
                            "new": panel.new.text_label.text(), "new_code": panel.new.chip.code,
                            "new_chip_visible": panel.new.chip.isVisibleTo(panel),
                            "new_reply": panel.new.reply_label.text(), "original_reply": panel.original.reply_label.text()}
            out["branch_turns"] = [{"index": t["index"], "branch_of": t.get("branch_of"),
                                    "trainee_text": t["trainee_text"]} for t in branch.turns]
            out["first_turns"] = [{"index": t["index"], "trainee_text": t["trainee_text"]} for t in first.turns]
            out["first_openness"] = first.turns[0]["client_state"].get("openness")
            out["branch_openness"] = branch.turns[0]["client_state"].get("openness")
            out["remembered"] = window.session_for(branch.session_id) is branch
            loop.quit()
        else:
            QTimer.singleShot(100, check)
    check()

window.modelsReady.connect(go)
window.scenariosLoaded.connect(lambda n: go())
window.modelsFailed.connect(lambda m: (out["errors"].append(m), loop.quit()))
loop.exec()
window.close()
print("E2E " + json.dumps(out))
"""


def test_try_again_on_a_finished_session_with_the_real_engine(tmp_path):
    """Review of a finished session → "Try it again" from the opening line → a new session
    restored from the snapshot (no opening, no replay) codes and answers the new line."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRAINER_DATA_DIR": str(tmp_path / "data"),
           "E2E_SCENARIO": SCENARIO, "E2E_TIMEOUT_S": "170"}
    env.pop("DISPLAY", None)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(TRY_AGAIN_SCRIPT)], env=env,
                            capture_output=True, text=True, timeout=240, cwd=os.getcwd())
    assert result.returncode == 0, result.stderr[-3000:]
    line = next((l for l in result.stdout.splitlines() if l.startswith("E2E ")), None)
    assert line is not None, result.stdout[-2000:] + result.stderr[-3000:]
    out = json.loads(line[4:])
    assert not out.get("timeout"), (out, result.stderr[-3000:])
    assert out["view"] == "review" and out["button_enabled"] and out["branch_is_new"]
    panel = out["panel"]
    assert panel["original"] == "Have you thought about just taking some time off work?"
    assert panel["original_code"] in ("advise", "question_closed")
    assert panel["new"] == "It sounds like you are completely exhausted."
    assert panel["new_chip_visible"] and panel["new_code"] in ("reflection_simple", "reflection_complex")
    assert panel["new_reply"] and panel["original_reply"]
    # The branch started from the same snapshot: the reflection opened the client up
    # where the unasked-for advice had closed them down. (The spoken words may even be
    # the same scripted line, so compare the state, not the text.)
    assert out["branch_openness"] > out["first_openness"], out
    # the first session is unchanged; the branch answered line 0 again as turn 1, marked as a branch
    assert out["first_turns"] == [{"index": 1, "trainee_text": panel["original"]}]
    assert out["branch_turns"] == [{"index": 1, "branch_of": 1, "trainee_text": panel["new"]}]
    assert out["remembered"]
