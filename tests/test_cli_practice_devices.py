"""`trainer practice` when the microphone goes away mid-session."""

from __future__ import annotations

import io
import sys

import trainer.app
import trainer.audio.devices
import trainer.session
from tests.fakes import FakeClient, FakeFeedback, FakeRecognizer, FakeSynthesizer, FakeVad
from trainer.__main__ import main
from trainer.audio.capture import ScriptedMicrophone
from trainer.cli import practice
from trainer.session import Session


class UnpluggedMicrophone(ScriptedMicrophone):
    """A device stream that never delivers a block, as an unplugged microphone's."""

    streams_continuously = True


def test_a_lost_microphone_is_said_and_the_session_goes_on_typed(monkeypatch, capsys, tmp_path):
    # The session sat deaf with no message; the silence clock, which runs on the
    # microphone's blocks, stopped too, so the client never went on either.
    def build_session(scenario, models, *, speaker, microphone, recorder, options, **_):
        return Session(scenario, client=FakeClient(), speaker=speaker, synthesizer=FakeSynthesizer(),
                       microphone=microphone, recognizer=FakeRecognizer([]), vad=FakeVad(),
                       feedback=FakeFeedback(), recorder=recorder, options=options)

    monkeypatch.setattr(trainer.session, "MICROPHONE_STALL_S", 0.3)
    monkeypatch.setattr(trainer.audio.devices, "resolve_device", lambda device, kind: device)
    monkeypatch.setattr(trainer.app, "make_microphone", lambda device: UnpluggedMicrophone(pace=False))
    monkeypatch.setattr(practice, "load_models_or_fail", lambda args, need_speech_input: None)
    monkeypatch.setattr(trainer.app, "warm_up", lambda models: None)
    monkeypatch.setattr(trainer.app, "build_session", build_session)
    monkeypatch.setattr(sys, "stdin", io.StringIO("You sound worn out.\n/end\n"))
    assert main(["practice", "burnout-nurse", "--output-device", "null", "--no-save"]) == 0
    out, err = capsys.readouterr()
    assert "Listening stopped: no sound has come from the microphone" in out
    assert "Type your answers from here on" in out
    assert "You: You sound worn out." in out and "Session summary" in out
    assert "Traceback" not in err
