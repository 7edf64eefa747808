"""Which disclosure layer the client may reach now.

A scenario has three layers (surface, deeper, core), each with a ``min_openness`` and a
``min_attuned_turns``. A layer is open when the client's openness and attuned-turn count
both meet its thresholds *and* every shallower layer is open too. Core additionally
needs at least :data:`CORE_MIN_ATTUNED_TURNS` attuned turns whatever the scenario says,
so it always takes sustained attunement; since any righting reflex resets the count
(see :mod:`trainer.client.state`), a lecturing trainee never reaches it.
"""

from __future__ import annotations

import re

from trainer.scenarios import LAYERS, Scenario, layer_disclosed

CORE_MIN_ATTUNED_TURNS = 2


def layer_rank(layer: str | None) -> int:
    """0 for None, 1 surface, 2 deeper, 3 core."""
    if layer is None:
        return 0
    return LAYERS.index(layer) + 1


def deeper_of(first: str | None, second: str | None) -> str | None:
    return first if layer_rank(first) >= layer_rank(second) else second


def allowed_layer(
    scenario: Scenario,
    openness: float,
    attuned_turns: int,
    asked_about_suicide: bool = False,
    voiced: str | None = None,
) -> str | None:
    """The deepest layer whose thresholds (and all shallower ones) are met, or None.

    Once the trainee has asked plainly about suicide (after a hint or before), a layer
    marked ``opens_when_asked_about_suicide`` is allowed too, whatever its thresholds and
    those of the layers before it, provided the client is talking at all (some layer is
    allowed or already ``voiced``). It used to need the layer before it as well: a trainee
    who asked plainly after eight attuned turns was told "Not really. I get by." twice by
    the client whose line is "part of me wants someone to ask", and could have concluded
    the risk was low.
    """
    allowed: str | None = None
    for name in LAYERS:
        layer = scenario.layer(name)
        needed_turns = layer.min_attuned_turns
        if name == "core":
            needed_turns = max(needed_turns, CORE_MIN_ATTUNED_TURNS)
        if openness + 1e-9 < layer.min_openness or attuned_turns < needed_turns:
            break
        allowed = name
    if asked_about_suicide and deeper_of(allowed, voiced) is not None:
        for name in LAYERS:
            if scenario.layer(name).opens_when_asked_about_suicide:
                allowed = deeper_of(allowed, name)
    return allowed


def layers_up_to(layer: str | None) -> tuple[str, ...]:
    """The layers from surface down to ``layer`` inclusive (empty for None)."""
    return LAYERS[: layer_rank(layer)]


def allowed_facts(scenario: Scenario, layer: str | None) -> list[str]:
    """Every fact of every layer up to ``layer``: what the model may be told now."""
    facts: list[str] = []
    for name in layers_up_to(layer):
        facts.extend(scenario.layer(name).facts)
    return facts


_THIRD_TO_FIRST = {
    "he": "i", "she": "i", "they": "i", "his": "my", "her": "my", "their": "my", "hers": "mine",
    "him": "me", "them": "me", "himself": "myself", "herself": "myself", "themself": "myself",
    "themselves": "myself", "he's": "i'm", "she's": "i'm", "they're": "i'm",
}
HIDDEN_MARKERS = ("underneath", "secretly", "hidden", "deep down", "has not told", "hasn't told")


def _as_first_person(clause: str) -> str:
    return " ".join(_THIRD_TO_FIRST.get(word.lower(), word) for word in clause.split())


def redact(text: str, scenario: Scenario, available: str | None) -> str:
    """``text`` without the clauses that reveal a layer deeper than ``available``.

    Persona descriptions are written in the third person ("has been thinking about ending
    his life"), so each clause is also checked after turning he/she/his/her into I/my.
    Clauses with "underneath", "secretly" and the like describe hidden feelings and are
    kept only once the deeper layer is available.
    """
    kept = []
    for clause in re.split(r"(?<=[.;])\s+", text.strip()):
        if not clause:
            continue
        shown = layer_rank(available)
        revealed = max(layer_rank(layer_disclosed(scenario, clause)),
                       layer_rank(layer_disclosed(scenario, _as_first_person(clause))))
        if revealed > shown:
            continue
        if shown < 2 and any(marker in clause.lower() for marker in HIDDEN_MARKERS):
            continue
        kept.append(clause)
    return " ".join(kept).rstrip(";").strip()
