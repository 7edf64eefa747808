"""Plain-words labels and calm colours for utterance codes, states and MITI bands.

Pure data (no Qt), so views and tests share one vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass

from trainer.feedback.measures import CODE_LABELS, is_tentative


@dataclass(frozen=True)
class CodeStyle:
    label: str
    background: str
    foreground: str = "#23313f"


_CODE_COLOURS: dict[str, str] = {
    "question_open": "#cfe3f7",
    "question_closed": "#f4dfc4",
    "reflection_simple": "#d4ecd9",
    "reflection_complex": "#b9e0c4",
    "affirm": "#e6dcf5",
    "advise": "#f6d1d1",
    "inform": "#e2e6ea",
    "other": "#ecebe6",
}

# The labels are the plain-word names the terminal, listings and PDF use, capitalised.
CODE_STYLES: dict[str, CodeStyle] = {
    code: CodeStyle(CODE_LABELS[code].capitalize(), colour) for code, colour in _CODE_COLOURS.items()
}

UNKNOWN_CODE = CodeStyle("Not coded", "#eeeeee", "#5b6670")


def code_style(code: str | None) -> CodeStyle:
    return CODE_STYLES.get(code or "", UNKNOWN_CODE)


def chip_text(code: str | None, confidence: float | None) -> str:
    """The chip's words: the label, with "?" when the coder is unsure."""
    label = code_style(code).label
    return f"{label}?" if is_tentative(code, confidence) else label


def code_tooltip(code: str | None, confidence: float | None) -> str:
    style = code_style(code)
    if confidence is None:
        return style.label
    unsure = " (a guess: the coder is not sure)" if is_tentative(code, confidence) else ""
    return f"{style.label} — confidence {round(float(confidence) * 100)}%{unsure}"


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
