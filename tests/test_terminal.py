"""The terminal transcript printer (trainer/terminal.py)."""

from __future__ import annotations

import io

from trainer import events as ev
from trainer.scenarios import find_scenario
from trainer.terminal import TranscriptPrinter


def test_feedback_line_shows_the_code_and_a_turns_parts():
    out = io.StringIO()
    printer = TranscriptPrinter(find_scenario("burnout-nurse"), out=out)
    feedback = {
        "attunement": 64.0,
        "utterance_codes": [{"code": "reflection_simple"}, {"code": "question_open"}],
        "code": "question_open",
        "nudge": "Nice reflection — you named the feeling.",
    }
    printer(ev.FeedbackReady(t=0.0, turn_index=0, code="question_open", confidence=0.7, feedback=feedback))
    assert out.getvalue().splitlines() == [
        "  [open question 70%]  attunement 64  in parts: simple reflection, then open question",
        "  Tip: Nice reflection — you named the feeling.",
    ]


def test_a_code_the_coder_is_unsure_of_is_printed_as_a_guess():
    out = io.StringIO()
    printer = TranscriptPrinter(find_scenario("burnout-nurse"), out=out)
    printer(ev.FeedbackReady(t=0.0, turn_index=0, code="advise", confidence=0.31, feedback={"attunement": 30.0}))
    assert out.getvalue().splitlines() == ["  [advice? 31%]  attunement 30"]


def test_typed_bytes_that_are_not_utf8_become_a_replacement_character():
    """They arrived as surrogate escapes, which the coder's tokenizer rejected (turn lost)."""
    from trainer.terminal import _valid_text

    assert _valid_text("caf\udce9 ok?") == "caf\ufffd ok?"
    assert _valid_text("café ok?") == "café ok?"


def test_a_minimal_encourager_is_shown_as_not_scored():
    out = io.StringIO()
    printer = TranscriptPrinter(find_scenario("burnout-nurse"), out=out)
    printer(ev.FeedbackReady(t=0.0, turn_index=0, code="other", confidence=0.97,
                             feedback={"attunement": 12.0, "backchannel": True}))
    assert out.getvalue().splitlines() == ["  [other 97%]  minimal encourager (not scored)"]


def test_typed_wait_lets_the_client_go_on_and_is_shown_as_a_held_silence(monkeypatch):
    from tests.fakes import FakeClient, FakeFeedback, FakeRecorder, FakeSynthesizer
    from trainer.audio.playback import NullSpeaker
    from trainer.session import Session, SessionOptions
    from trainer.terminal import read_typed_turns

    scenario = find_scenario("burnout-nurse")
    session = Session(scenario, client=FakeClient(), speaker=NullSpeaker(), synthesizer=FakeSynthesizer(),
                      feedback=FakeFeedback(), recorder=FakeRecorder(),
                      options=SessionOptions(input_mode="text"))
    out = io.StringIO()
    session.add_listener(TranscriptPrinter(scenario, out=out))
    typed = iter(["/wait", " /WAIT ", "/wait", "/wiat", "You feel stuck.", "/End"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    session.start()
    read_typed_turns(session)
    session.end()
    assert session.wait_ended(5)
    printed = out.getvalue()
    assert printed.count("You: (let the silence sit)") == 2  # the third /wait: client waits
    assert "You: You feel stuck." in printed
    records = session.recorder.sessions["s1"]
    assert [(r["trainee_text"], bool(r.get("silence_held"))) for r in records] == [
        ("", False), ("", True), ("", True), ("You feel stuck.", False)]
    assert session.client.heard == ["", "", "You feel stuck."]


def test_the_summary_names_its_figures_as_the_window_and_the_report_do():
    from tests.test_storage_export import SUMMARY
    from trainer.feedback.summary import SUMMARY_LABELS

    out = io.StringIO()
    TranscriptPrinter(find_scenario("burnout-nurse"), out=out).print_summary(SUMMARY)
    lines = out.getvalue().splitlines()
    assert "  Reflections to questions: 1.5 : 1 (fair)" in lines  # as the window and the PDF write it
    assert "  Advice without permission: 1 (needs work)" in lines
    assert "  Mean attunement: 64/100" in lines
    assert "  Median response latency: 1450 ms" in lines
    shown = {line.strip().split(":")[0] for line in lines}
    assert {label for key, label in SUMMARY_LABELS.items() if key in SUMMARY} <= shown


def test_the_summary_counts_held_silences():
    out = io.StringIO()
    TranscriptPrinter(find_scenario("burnout-nurse"), out=out).print_summary({"silences_held": 2})
    assert "Silences you let sit: 2" in out.getvalue()


def test_a_mistyped_command_is_not_said_to_the_client(monkeypatch, capsys):
    from tests.fakes import FakeClient, FakeFeedback, FakeSynthesizer
    from trainer.audio.playback import NullSpeaker
    from trainer.session import Session, SessionOptions
    from trainer.terminal import read_typed_turns

    session = Session(find_scenario("burnout-nurse"), client=FakeClient(), speaker=NullSpeaker(),
                      synthesizer=FakeSynthesizer(), feedback=FakeFeedback(),
                      options=SessionOptions(input_mode="text"))
    typed = iter(["/wiat", "/wait please", "/end"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    session.start()
    read_typed_turns(session)
    session.end()
    assert session.wait_ended(5)
    assert session.feedback.trainee_lines == [] and session.client.heard == []
    out = capsys.readouterr().out
    assert "(Unknown command /wiat: /wait lets a silence sit, /end finishes.)" in out
    assert "(Unknown command /wait please:" in out
