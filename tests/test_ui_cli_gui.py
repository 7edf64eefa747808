"""trainer gui: argument parsing and the --screenshot run on fake services."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402

from PySide6.QtGui import QImage  # noqa: E402

from tests.ui_fakes import FakeServices  # noqa: E402
from trainer.cli import gui  # noqa: E402


def test_register_adds_gui_command():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    gui.register(sub)
    args = parser.parse_args(["gui", "--screenshot", "out.png", "--scenario", "exam-stress"])
    assert args.func is gui.run
    assert args.screenshot == "out.png" and args.scenario == "exam-stress"
    assert parser.parse_args(["gui"]).screenshot is None


def test_screenshot_runs_the_demo_and_saves_the_window(qtbot, tmp_path):
    services = FakeServices()
    path = tmp_path / "shot.png"
    code = gui.run_gui(services, ["trainer"], screenshot=str(path), scenario_id="grief-anniversary", timeout_s=20)
    assert code == 0
    image = QImage(str(path))
    assert not image.isNull() and image.width() >= 900
    session = services.created[0]
    assert session.scenario.id == "grief-anniversary"
    typed = [c[1] for c in session.calls if c[0] == "submit_text"]
    assert typed == list(session.scenario.demo)


def test_screenshot_fails_with_a_message_when_models_fail(qtbot, tmp_path, capsys):
    services = FakeServices(model_error="voices/joe.onnx failed its check")
    code = gui.run_gui(services, ["trainer"], screenshot=str(tmp_path / "x.png"), timeout_s=20)
    assert code == 1
    assert "joe.onnx" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_screenshot_unknown_scenario(qtbot, tmp_path, capsys):
    services = FakeServices()
    code = gui.run_gui(services, ["trainer"], screenshot=str(tmp_path / "x.png"), scenario_id="nope", timeout_s=20)
    assert code == 1
    assert "exam-stress" in capsys.readouterr().err


def test_a_screenshot_run_keeps_out_of_the_users_data(monkeypatch, tmp_path):
    """It used to save its demo session into the user's History and set text mode for good."""
    import trainer.app

    monkeypatch.setenv("TRAINER_DATA_DIR", "placeholder")
    monkeypatch.delenv("TRAINER_DATA_DIR")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    seen = []

    class ServicesThatRecordTheFolder:
        def __init__(self):
            seen.append(os.environ.get("TRAINER_DATA_DIR"))
            raise RuntimeError("stop here")

    monkeypatch.setattr(trainer.app, "Services", ServicesThatRecordTheFolder)
    args = argparse.Namespace(screenshot=str(tmp_path / "x.png"), scenario=None, timeout=5.0)
    assert gui.run(args) == 1
    assert seen and "trainer-screenshot-" in seen[0]
    assert not os.path.exists(seen[0])  # removed afterwards
    # a folder the caller chose is used as given
    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path / "mine"))
    assert gui.run(args) == 1
    assert seen[-1] == str(tmp_path / "mine")


def test_an_encrypted_store_is_unlocked_by_asking_not_a_traceback(tmp_path, monkeypatch):
    from tests.test_storage_fixtures import open_store
    from trainer.app import Services

    with open_store(tmp_path, "right one") as store:
        store.start_session("s", "S", {})
    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRAINER_PASSPHRASE", raising=False)
    prompts, answers = [], iter(["wrong", "right one"])
    services = Services()
    assert gui.unlock_store(services, lambda prompt: prompts.append(prompt) or next(answers)) is None
    assert len(services.store.list_sessions()) == 1
    assert "encrypted" in prompts[0] and "did not open" in prompts[1]
    services.store.close()

    cancelled = Services()
    message = gui.unlock_store(cancelled, lambda prompt: None)
    assert message and "No passphrase given" in message
    empty_then_right, answers = Services(), iter(["", "right one"])
    assert gui.unlock_store(empty_then_right, lambda prompt: next(answers)) is None  # asked again
    empty_then_right.store.close()
    three_wrong = Services()
    assert "3 times" in gui.unlock_store(three_wrong, lambda prompt: "nope")
