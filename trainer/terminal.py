"""Terminal front end: prints engine events as a readable transcript."""

from __future__ import annotations

import sys

from trainer import events as ev
from trainer.events import TurnState
from trainer.feedback.measures import code_label, held_silence_label, score_note, telling_part_codes
from trainer.feedback.risk import describe_risk
from trainer.feedback.summary import SUMMARY_LABELS
from trainer.session import is_unknown_command, is_wait_command, wait_refused_text

STATE_WORDS = {
    TurnState.LISTENING: "(listening to you...)",
    TurnState.TRANSCRIBING: "(transcribing...)",
    TurnState.CLIENT_THINKING: "(client thinking...)",
}


_MITI_KEYS = ("reflection_to_question", "percent_complex_reflections", "percent_open_questions")
_SUMMARY_FORMATS = (
    ("reflection_to_question", lambda v: f"{v:.1f} : 1"),
    ("percent_complex_reflections", lambda v: f"{v:.0f}%"),
    ("percent_open_questions", lambda v: f"{v:.0f}%"),
    ("advise_without_permission", lambda v: f"{v:.0f}"),
    ("talk_share", lambda v: f"{v:.0%}"),
    ("median_latency_ms", lambda v: f"{v:.0f} ms"),
    ("mean_attunement", lambda v: f"{v:.0f}/100"),
)


class TranscriptPrinter:
    def __init__(self, scenario, show_states: bool = False, out=None):
        self.name = scenario.persona.name
        self.show_states = show_states
        self.out = out or sys.stdout

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.ClientSaid) and event.text:
            cut = " [you came in here]" if event.interrupted else ""
            self._print(f"{self.name}: {event.text}{cut}")
        elif isinstance(event, ev.TraineeSaid):
            self._print(f"You: {event.text}")
        elif isinstance(event, ev.SilenceHeld):
            self._print(f"You: {held_silence_label(event.seconds)}")
        elif isinstance(event, ev.FeedbackReady):
            fb = event.feedback
            label = code_label(event.code, event.confidence)
            parts = [f"  [{label} {event.confidence:.0%}]"]
            note = score_note(fb)
            if note:
                parts.append(note)
            if fb.get("feeling_reflected"):
                parts.append("feeling reflected")
            if fb.get("missed_opportunity"):
                parts.append("missed opportunity")
            pieces = telling_part_codes(fb)
            if pieces:
                parts.append("in parts: " + ", then ".join(code_label(c) for c in pieces))
            self._print("  ".join(parts))
            if fb.get("nudge"):
                self._print(f"  Tip: {fb['nudge']}")
        elif isinstance(event, ev.StateChanged) and self.show_states and event.state in STATE_WORDS:
            self._print(STATE_WORDS[event.state])
        elif isinstance(event, ev.ErrorOccurred):
            self._print(f"! {event.message} {event.hint}".rstrip())

    def print_summary(self, summary: dict) -> None:
        if not summary:
            return
        self._print("\nSession summary")
        # Shown as the window and the PDF show them: "1.5 : 1", "28/100", with the band.
        for key, fmt in _SUMMARY_FORMATS:
            item = summary.get(key)
            value, band = (item.get("value"), item.get("band")) if isinstance(item, dict) else (item, None)
            if value is None:
                if key not in _MITI_KEYS:
                    continue  # not measured (e.g. typed turns have no speech timings)
                shown = "no questions" if key == "reflection_to_question" and band else "—"
            else:
                shown = fmt(value)
            self._print(f"  {SUMMARY_LABELS[key]}: {shown}" + (f" ({band})" if band else ""))
        if summary.get("silences_held"):
            self._print(f"  {SUMMARY_LABELS['silences_held']}: {summary['silences_held']}")
        risk = describe_risk(summary)
        if risk:
            self._print(f"  Suicide risk: {risk}")
        for title, key in (("Strengths", "strengths"), ("To practise", "to_practise")):
            items = summary.get(key) or []
            if items:
                self._print(f"  {title}:")
                for item in items:
                    self._print(f"   - {item}")
        missed = summary.get("missed_opportunities") or []
        if missed:
            self._print("  Missed opportunities:")
            for item in missed:
                self._print(f"   - Client: {item.get('client')}\n     You: {item.get('trainee')}")


def _valid_text(line: str) -> str:
    """Bytes that are not UTF-8 arrive as surrogate escapes, which the coder's tokenizer
    rejects (the turn was lost with a traceback); show them as U+FFFD instead."""
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_typed_turns(session) -> None:
    """Read trainee lines from stdin until EOF, '/end', or the session ends."""
    while not session.wait_ended(0):
        session.wait_for_listening(None)
        try:
            line = _valid_text(input("> ")).strip()
        except EOFError:
            break
        if line.lower() in ("/end", "/quit"):
            break
        if not line:
            continue
        before = session.jobs_done
        if is_wait_command(line):
            if not session.hold_silence():
                print(f"({wait_refused_text(False)})", flush=True)
                continue
        elif is_unknown_command(line):
            # a mistyped command must not reach the client (and the coder) as words
            print(f"(Unknown command {line}: /wait lets a silence sit, /end finishes.)", flush=True)
            continue
        else:
            session.submit_text(line)
        # Prompt again only once the client has answered this turn.
        while session.jobs_done == before and not session.wait_ended(0.05):
            pass
        session.wait_for_listening(None)
