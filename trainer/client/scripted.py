"""Answers from the scenario's scripted lines: no language model needed.

Used when there is no backend, and as the fallback when a model's reply fails the role
check twice. Deterministic: each kind of line is cycled in a fixed order (the file's
order for seed 0, a seeded shuffle otherwise) and no line repeats until all of its kind
have been used.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from trainer.scenarios import Scenario

WITHDRAW_LINES = ("I don't really know.", "I'm not sure.", "I don't know what to say.")
"""Almost-silence: what a client says when shut down (never an empty line or "...")."""

STOCK_LINES = {
    # Agreement that fits after any reflection. "It feels strange, saying it out loud." was
    # here, and a QA pass met it in 6 of 13 sessions right after the client had said nothing.
    "share": (
        "Yeah. That's about right.",
        "I suppose so, yeah.",
        "Yeah. That's where I am with it.",
    ),
    "guarded": ("It's fine, honestly.", "Not much to say, really.", "I'm managing."),
    "pushback": ("That's what everyone says.", "It's not that simple.", "I've heard all this before."),
    "deflect": ("Can we talk about something else?", "I'd rather not get into that.", "I don't know."),
    "withdraw": WITHDRAW_LINES,
}
"""Scenario-free lines for a stance, for when the client has already said every scripted
line of its kind (a long stretch of fallbacks): better than saying one again. They
disclose nothing, so they never move the client's disclosure."""


def stock_lines(kind: str) -> tuple[str, ...]:
    """The stock lines for a scripted kind (the layers surface/deeper/core are "share")."""
    return STOCK_LINES["share" if kind in ("surface", "deeper", "core") else kind]


def scripted_kind(stance: str, layer: str | None) -> str:
    """Which list of lines answers ``stance`` when ``layer`` is what the client may reach."""
    if stance in ("pushback", "deflect", "withdraw"):
        return stance
    if stance == "share" and layer is not None:
        return layer
    return "guarded"


@dataclass(frozen=True)
class ScriptedCursor:
    """How many lines of each kind have been used (immutable, for snapshots)."""

    used: tuple[tuple[str, int], ...] = ()

    def count(self, kind: str) -> int:
        return dict(self.used).get(kind, 0)

    def advanced(self, kind: str) -> "ScriptedCursor":
        counts = dict(self.used)
        counts[kind] = counts.get(kind, 0) + 1
        return ScriptedCursor(tuple(sorted(counts.items())))


class ScriptedLines:
    """Picks the next line of a kind; the position lives in an immutable cursor."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self._scenario = scenario
        self._seed = seed
        self.cursor = ScriptedCursor()

    def lines(self, kind: str) -> tuple[str, ...]:
        if kind == "withdraw":
            return WITHDRAW_LINES
        return self._scenario.scripted.lines(kind)

    def _order(self, kind: str, n: int) -> list[int]:
        order = list(range(n))
        if self._seed:
            random.Random(f"{self._seed}:{kind}").shuffle(order)
        return order

    def peek(self, kind: str) -> str:
        lines = self.lines(kind)
        used = self.cursor.count(kind)
        order = self._order(kind, len(lines))
        return lines[order[used % len(lines)]]

    def next(self, kind: str) -> str:
        line = self.peek(kind)
        self.cursor = self.cursor.advanced(kind)
        return line
