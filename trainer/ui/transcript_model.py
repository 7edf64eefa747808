"""Transcript lines as plain data, from live events or from a stored session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trainer.feedback.measures import held_silence_label, is_held_silence


@dataclass
class TranscriptLine:
    turn_index: int
    role: str  # "client" | "trainee"
    text: str
    code: str | None = None
    confidence: float | None = None
    feedback: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    branch: int = 0  # 0 = the original conversation, 1.. = later tries
    silence: bool = False  # a trainee "line" that was a held silence (no words, no code)


def _first(d: dict, *keys: str, default: Any = None) -> Any:
    for key in keys:
        if key in d and d[key] is not None:
            return d[key]
    return default


def lines_from_stored(turns: list[dict]) -> list[TranscriptLine]:
    """Accepts either one row per utterance (``role``/``speaker`` + ``text``) or one row per
    turn (``trainee_text`` / ``client_text``), with feedback fields inline or under
    ``feedback``. Unknown shapes are skipped rather than failing."""
    lines: list[TranscriptLine] = []
    for position, row in enumerate(turns or []):
        if not isinstance(row, dict):
            continue
        index = int(_first(row, "turn_index", "index", "turn", default=position))
        feedback = row.get("feedback") if isinstance(row.get("feedback"), dict) else {}
        code = _first(row, "code", default=feedback.get("code"))
        confidence = _first(row, "confidence", default=feedback.get("confidence"))
        branch = int(_first(row, "branch", "attempt", default=0) or 0)
        role = _first(row, "role", "speaker")
        if role is not None:
            role = "trainee" if str(role).lower() in ("trainee", "user", "counsellor", "you") else "client"
            lines.append(
                TranscriptLine(
                    index, role, str(_first(row, "text", default="")),
                    code if role == "trainee" else None,
                    confidence if role == "trainee" else None,
                    feedback if role == "trainee" else {},
                    bool(_first(row, "interrupted", default=False)),
                    branch,
                )
            )
            continue
        trainee_text = _first(row, "trainee_text", "trainee")
        client_text = _first(row, "client_text", "client")
        if trainee_text:
            lines.append(TranscriptLine(index, "trainee", str(trainee_text), code, confidence, feedback, branch=branch))
        elif is_held_silence(row):
            lines.append(TranscriptLine(index, "trainee", held_silence_label(row.get("silence_s")),
                                        branch=branch, silence=True))
        if client_text:
            lines.append(
                TranscriptLine(
                    index, "client", str(client_text),
                    interrupted=bool(_first(row, "client_interrupted", "interrupted", default=False)),
                    branch=branch,
                )
            )
    return lines


def original_answer(lines: list[TranscriptLine], client_turn_index: int) -> TranscriptLine | None:
    """The trainee's first answer to the client line ``client_turn_index``."""
    for line in lines:
        if line.role == "trainee" and line.turn_index == client_turn_index + 1 and line.branch == 0:
            return line
    for line in lines:
        if line.role == "trainee" and line.turn_index == client_turn_index + 1:
            return line
    return None
