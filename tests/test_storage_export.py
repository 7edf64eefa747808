from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.test_storage_fixtures import _clean_env, open_store  # noqa: F401
from trainer.feedback.summary import SUMMARY_LABELS
from trainer.storage.export_pdf import attunement_points, attunement_series, export_pdf, format_value

CONVERSATION = [
    ("", "Thanks for seeing me. I'm not really sure why I'm here, my GP said I should come.", None, None),
    ("What made your GP suggest it?", "I've been sleeping badly since Dad died. It's been four months.", "question_open", 48),
    ("So the nights have been the hardest part since you lost him.",
     "Yeah. Everyone says it should be getting easier by now.", "reflection_complex", 71),
    ("Have you tried cutting out caffeine?", "I... I suppose. That's not really the problem though.", "advise", 22),
    ("You're wondering whether it's normal that it still hurts this much.",
     "Exactly. Like I'm doing grief wrong somehow.", "reflection_complex", 83),
    ("Doing it wrong.", "My sister seems fine. She went back to work after a week.", "reflection_simple", 64),
    ("How is it for you, seeing her cope differently?",
     "Lonely, honestly. I can't talk to her about him.", "question_open", 69),
    ("It sounds like you've lost your dad and, in a way, the person you'd grieve him with.",
     "...Yeah. Nobody's said it like that.", "reflection_complex", 88),
]

SUMMARY = {
    "reflection_to_question": {"value": 1.5, "band": "fair"},
    "percent_complex_reflections": {"value": 75, "band": "good"},
    "percent_open_questions": {"value": 100, "band": "good"},
    "advise_without_permission": {"value": 1, "band": "needs work"},
    "talk_share": {"value": 0.38, "band": "good"},
    "median_latency_ms": {"value": 1450},
    "mean_attunement": 63.6,
    "risk": {"hints": [{"turn_index": 2, "client": "Some days I don't want to wake up.",
                        "trainee": "That sounds hard.", "reason": "risk_hint"}],
             "asked_directly": False},
    "missed_opportunities": [
        {"client": "I've been sleeping badly since Dad died.", "trainee": "Have you tried cutting out caffeine?"},
    ],
    "strengths": [
        "Complex reflections that named the feeling under the words",
        "Open questions that invited the client's own view",
        "Stayed with the loss instead of rushing to fix it",
    ],
    "to_practise": [
        "Ask permission before offering advice",
        "Follow a question with a reflection before asking another",
        "Leave a little more silence after emotional disclosures",
    ],
}


def build_fake_session(store) -> str:
    sid = store.start_session("grief-after-loss", "Grief after losing a parent", {"asr": "small.en", "llm": "client-1b"})
    for index, (trainee, client, code, attunement) in enumerate(CONVERSATION):
        feedback = {} if attunement is None else {
            "attunement": attunement,
            "nudge": "Try reflecting before advising." if code == "advise" else None,
        }
        store.add_turn(sid, {
            "index": index, "trainee_text": trainee, "client_text": client, "code": code,
            "confidence": 0.8, "feedback": feedback, "timings": {}, "client_state": {},
        })
    store.add_comment(sid, 4, "Dr Amara Obi (supervisor)", "Beautiful — this is where the client opens up.")
    store.finish_session(sid, SUMMARY)
    return sid


def test_the_report_of_a_try_says_what_it_is(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        sid = store.start_session("exam-stress", "Exam stress", {}, {"try_again_of": {
            "session_id": "abc", "client_line": 2, "client_text": "I just feel tired all the time."}})
        store.add_turn(sid, {"index": 3, "trainee_text": "You're worn out.", "code": "reflection_complex",
                             "confidence": 0.8, "client_text": "I am.", "feedback": {"attunement": 80}})
        store.finish_session(sid, {"turns": 3, "mean_attunement": 41})
        flat = " ".join(_pdf_text(export_pdf(store.load_session(sid), tmp_path / "t.pdf")).split())
    assert "A “try it again”" in flat and "Session abc, from the client's line 2" in flat
    assert "Transcript Client: I just feel tired all the time. You (3): You're worn out." in flat  # what it answered


def test_chart_points_sit_by_turn_number_so_a_left_out_turn_leaves_a_gap() -> None:
    from trainer.storage.export_pdf import chart_positions

    assert chart_positions(["1", "2", "3", "4", "6"], 5) == [0.0, 0.2, 0.4, 0.6, 1.0]
    assert chart_positions(["1", "2", "2'", "3"], 4) == [0.0, 1 / 3, 2 / 3, 1.0]  # tries: evenly
    assert chart_positions(None, 3) == [0.0, 0.5, 1.0] and chart_positions(["4"], 1) == [0.5]


def test_format_value_handles_units_and_missing() -> None:
    assert format_value(None, "%") == "—"
    assert format_value(0.38, "%") == "38%"
    assert format_value(75, "%") == "75%"
    assert format_value(1.5, "ratio") == "1.5 : 1"
    assert format_value(1450, "ms") == "1.4 s" or format_value(1450, "ms") == "1.5 s"
    assert format_value("n/a", "%") == "n/a"


def test_attunement_series_skips_opening_line(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        session = store.load_session(build_fake_session(store))
    assert attunement_series(session) == [48, 71, 22, 83, 64, 69, 88]
    assert [label for label, _ in attunement_points(session)] == ["1", "2", "3", "4", "5", "6", "7"]


def _pdf_text(path: Path) -> str:
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument(None)
    doc.load(str(path))
    text = "\n".join(doc.getAllText(page).text() for page in range(doc.pageCount()))
    doc.close()
    return text


def test_pdf_report_contains_sections(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        session = store.load_session(build_fake_session(store))
    out = export_pdf(session, tmp_path / "report.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    text = _pdf_text(out)
    for expected in ("Practice session report", "Grief after losing a parent", "Reflections to questions",
                     "needs work", "Ask permission before offering advice", "Missed opportunities",
                     "Have you tried cutting out caffeine?", "complex reflection", "Dr Amara Obi",
                     "trainee turn", "Suicide risk", "you did not ask about it directly"):
        assert expected in " ".join(text.split()), expected  # lines wrap anywhere
    flat = " ".join(text.split())
    for key, label in SUMMARY_LABELS.items():  # the same words as the terminal and the window
        assert (label in flat) == (key in SUMMARY), label
    # the comment on turn 4 names it and sits under that answer, before the client's reply
    assert "Comment on You (4) from Dr Amara Obi (supervisor):" in flat


def test_pdf_report_with_empty_summary_and_no_turns(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        sid = store.start_session("s", "Bare", {})
        store.close()
    with open_store(tmp_path) as store:
        session = store.load_session(sid)
    out = export_pdf(session, tmp_path / "bare.pdf")
    text = _pdf_text(out)
    assert "interrupted" in text and "No summary was stored" in text
    assert "No attunement scores were recorded" in text


def test_pdf_renders_with_poppler(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        session = store.load_session(build_fake_session(store))
    out = export_pdf(session, tmp_path / "report.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(p.name for p in tmp_path.glob("page*.png"))
    assert len(pages) >= 2
    assert all(os.path.getsize(tmp_path / p) > 1000 for p in pages)


def test_a_window_can_open_after_a_report_was_exported_in_the_same_process():
    # Qt aborts the process on a widget under a plain QGuiApplication; the report's own
    # application must not stand in the way of a window opened afterwards.
    import sys

    script = (
        "from trainer.storage.export_pdf import ensure_gui_application\n"
        "ensure_gui_application()\n"
        "from PySide6.QtWidgets import QWidget\n"
        "QWidget()\n"
        "print('window ok')\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                            cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert result.returncode == 0 and "window ok" in result.stdout, result.stderr[-500:]


def test_a_held_silence_reads_as_the_trainees_turn_in_the_report_and_the_terminal(tmp_path: Path) -> None:
    from trainer.cli.storage import format_transcript

    with open_store(tmp_path) as store:
        sid = store.start_session("recent-bereavement", "Seven weeks on", {})
        store.add_turn(sid, {"index": 0, "trainee_text": "", "client_text": "Hello. My daughter thought I should come."})
        store.add_turn(sid, {"index": 1, "trainee_text": "", "silence_held": True, "silence_s": 11.6, "code": "",
                             "client_text": "The house is so quiet now.",
                             "feedback": {"silence_held": True, "silence_ms": 11600.0}})
        store.add_turn(sid, {"index": 2, "trainee_text": "It's so quiet without him.", "code": "reflection_simple",
                             "confidence": 0.8, "client_text": "Yes.", "feedback": {"attunement": 70}})
        store.add_comment(sid, 1, "Supervisor", "Good: you waited.")
        store.finish_session(sid, {"silences_held": 1, "turns": 1})
        session = store.load_session(sid)
    assert attunement_points(session) == [("2", 70.0)]  # a silence has no score
    shown = format_transcript(session).splitlines()
    at = shown.index("You (1): (let the silence sit for 12 s)")
    assert shown[at + 1] == "    comment on You (1) from Supervisor: Good: you waited."
    assert shown[at + 2] == "Client: The house is so quiet now."
    flat = " ".join(_pdf_text(export_pdf(session, tmp_path / "r.pdf")).split())
    assert "You (1): (let the silence sit for 12 s) Comment on You (1) from Supervisor" in flat
    assert "Silences you let sit 1" in flat
    assert "2 turns (1 answer, 1 silence let sit)" in flat  # as Review and History count them


def test_a_minimal_encourager_is_not_scored_in_the_report_as_in_the_other_views(tmp_path: Path) -> None:
    # QA: the Session view and Review said "minimal encourager (not scored)" and the mean
    # left it out, but the PDF printed "Mm-hm. [other · attunement 18]" and plotted 18.
    from trainer.ui.transcript_entry import feedback_notes

    mm_feedback = {"attunement": 18, "backchannel": True}
    with open_store(tmp_path) as store:
        sid = store.start_session("recent-bereavement", "Seven weeks on", {})
        store.add_turn(sid, {"index": 0, "trainee_text": "", "client_text": "Hello. My daughter thought I should come."})
        for index, (said, code, feedback) in enumerate([
                ("It's been hard.", "reflection_simple", {"attunement": 70}),
                ("Mm-hm.", "other", mm_feedback),
                ("It's so quiet without him.", "reflection_simple", {"attunement": 80})], start=1):
            store.add_turn(sid, {"index": index, "trainee_text": said, "code": code, "confidence": 0.8,
                                 "client_text": "The house is so quiet now.", "feedback": feedback})
        store.finish_session(sid, {"turns": 3, "mean_attunement": 75.0})
        session = store.load_session(sid)
    assert "minimal encourager (not scored)" in feedback_notes(mm_feedback)  # the window's words
    assert attunement_points(session) == [("1", 70.0), ("3", 80.0)]  # real turn numbers
    assert attunement_series(session) == [70.0, 80.0]
    flat = " ".join(_pdf_text(export_pdf(session, tmp_path / "r.pdf")).split())
    assert "You (2): Mm-hm. [other · minimal encourager (not scored)]" in flat
    assert "attunement 18" not in flat
    assert "You (3): It's so quiet without him. [simple reflection · attunement 80]" in flat
    from trainer.cli.storage import format_transcript  # `trainer sessions show`, the same words

    shown = format_transcript(session).splitlines()
    assert "You (2) [other, minimal encourager (not scored)]: Mm-hm." in shown
    assert "You (3) [simple reflection, attunement 80]: It's so quiet without him." in shown


def test_a_report_that_cannot_be_written_in_full_fails_and_leaves_no_file(tmp_path: Path, monkeypatch) -> None:
    # A full disk: QPdfWriter used to leave an 8 KB truncated file and the caller said "saved".
    import errno

    with open_store(tmp_path) as store:
        session = store.load_session(build_fake_session(store))
    older = tmp_path / "report.pdf"
    older.write_bytes(b"%PDF an earlier report")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match=r"Cannot write .*report\.pdf: the disk is full"):
        export_pdf(session, older)
    assert older.read_bytes() == b"%PDF an earlier report"  # untouched
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("report")] == ["report.pdf"]  # no .part left


def test_the_report_is_private_and_complete(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        session = store.load_session(build_fake_session(store))
    out = export_pdf(session, tmp_path / "report.pdf")
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_bytes().rstrip().endswith(b"%%EOF")
