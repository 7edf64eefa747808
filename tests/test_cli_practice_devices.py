"""`trainer practice` when the microphone goes away mid-session."""

from __future__ import annotations

import trainer.app
import trainer.audio.devices
import trainer.session
from tests.fakes import FakeRecognizer, FakeVad, practise_with_fakes
from trainer.__main__ import main
from trainer.audio.capture import ScriptedMicrophone


class UnpluggedMicrophone(ScriptedMicrophone):
    """A device stream that never delivers a block, as an unplugged microphone's."""

    streams_continuously = True


def test_a_lost_microphone_is_said_and_the_session_goes_on_typed(monkeypatch, capsys, tmp_path):
    # The session sat deaf with no message; the silence clock, which runs on the
    # microphone's blocks, stopped too, so the client never went on either.
    monkeypatch.setattr(trainer.session, "MICROPHONE_STALL_S", 0.3)
    monkeypatch.setattr(trainer.audio.devices, "resolve_device", lambda device, kind: device)
    monkeypatch.setattr(trainer.app, "make_microphone", lambda device: UnpluggedMicrophone(pace=False))
    practise_with_fakes(monkeypatch, "You sound worn out.\n/end\n", recognizer=FakeRecognizer([]), vad=FakeVad())
    assert main(["practice", "burnout-nurse", "--output-device", "null", "--no-save"]) == 0
    out, err = capsys.readouterr()
    assert "Listening stopped: no sound has come from the microphone" in out
    assert "Type your answers from here on" in out
    assert "You: You sound worn out." in out and "Session summary" in out
    assert "Traceback" not in err
    typed = out.split("Type your answers from here on")[1]
    assert "listening to you" not in typed.lower()  # the microphone is gone: no state words any more
