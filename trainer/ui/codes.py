"""Plain-words labels and calm colours for utterance codes, states and MITI bands.

Pure data (no Qt), so views and tests share one vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeStyle:
    label: str
    short: str
    background: str
    foreground: str = "#23313f"


CODE_STYLES: dict[str, CodeStyle] = {
    "question_open": CodeStyle("Open question", "Open Q", "#cfe3f7"),
    "question_closed": CodeStyle("Closed question", "Closed Q", "#f4dfc4"),
    "reflection_simple": CodeStyle("Simple reflection", "Simple R", "#d4ecd9"),
    "reflection_complex": CodeStyle("Complex reflection", "Complex R", "#b9e0c4"),
    "affirm": CodeStyle("Affirm", "Affirm", "#e6dcf5"),
    "advise": CodeStyle("Advise", "Advise", "#f6d1d1"),
    "inform": CodeStyle("Inform", "Inform", "#e2e6ea"),
    "other": CodeStyle("Other", "Other", "#ecebe6"),
}

UNKNOWN_CODE = CodeStyle("Not coded", "?", "#eeeeee", "#5b6670")


def code_style(code: str | None) -> CodeStyle:
    return CODE_STYLES.get(code or "", UNKNOWN_CODE)


def code_tooltip(code: str | None, confidence: float | None) -> str:
    style = code_style(code)
    if confidence is None:
        return style.label
    return f"{style.label} — confidence {round(float(confidence) * 100)}%"


# Turn states -> (plain words, presence colour)
STATE_STYLES: dict[str, tuple[str, str]] = {
    "idle": ("Getting ready", "#b8c4cf"),
    "client_speaking": ("Client speaking", "#8fb8de"),
    "listening": ("Listening to you", "#93c9a5"),
    "transcribing": ("Transcribing what you said", "#c5b7e3"),
    "client_thinking": ("Client thinking", "#e8c99b"),
    "paused": ("Paused", "#c9cfd4"),
    "ended": ("Session ended", "#c9cfd4"),
}


def state_style(state: object) -> tuple[str, str]:
    key = getattr(state, "value", state)
    return STATE_STYLES.get(str(key), (str(key).replace("_", " ").capitalize(), "#b8c4cf"))


BAND_COLOURS: dict[str, str] = {
    "good": "#b9e0c4",
    "fair": "#f4e3b5",
    "below fair": "#f3cccc",
    "below": "#f3cccc",
    "low": "#f3cccc",
    "poor": "#f3cccc",
}


def band_colour(band: str | None) -> str:
    return BAND_COLOURS.get((band or "").lower(), "#e2e6ea")


def band_label(band: str | None) -> str:
    band = (band or "").lower()
    if band == "good":
        return "Good"
    if band == "fair":
        return "Fair"
    if not band:
        return "—"
    return "Below fair"


QUESTION_CODES = ("question_open", "question_closed")
REFLECTION_CODES = ("reflection_simple", "reflection_complex")
