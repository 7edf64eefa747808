"""The simulated client's inner state and how each trainee turn changes it.

After every trainee turn the feedback engine's dict (code, flags, attunement) moves two
numbers: **openness** (trust, 0..1: how much the client is willing to say) and
**intensity** (emotional arousal, 0..1). From them and the last turn follow the
disclosure layer the client may reach (:mod:`trainer.client.disclosure`), a **stance**
for the next reply (share / guarded / deflect / pushback / withdraw) and a **mood**
word for the UI. All the numbers are documented in ``docs/client.md``.

Attuned turns are counted *since the last rupture*: an attuned turn adds one, a neutral
turn leaves the count alone, a lesser misstep (stacked questions, a run of closed
questions, a missed opportunity) takes one off, and a rupture (any righting reflex,
advice or information, or interrupting) resets it to zero.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

from trainer.client.disclosure import allowed_layer, deeper_of, layer_rank
from trainer.scenarios import Scenario

STANCES = ("share", "guarded", "deflect", "pushback", "withdraw")
MOODS = ("guarded", "warming", "open", "defensive", "withdrawn")

REFLECTION_CODES = frozenset({"reflection_simple", "reflection_complex"})
TELLING_CODES = frozenset({"advise", "inform"})


@dataclass(frozen=True)
class Dynamics:
    """How a difficulty level moves: where openness starts and how fast it moves."""

    start_openness: float
    start_intensity: float
    gain_up: float
    """Multiplies every rise in openness (hard clients warm up slower)."""
    gain_down: float
    """Multiplies every fall in openness (hard clients close up faster)."""


DYNAMICS: dict[str, Dynamics] = {
    "easy": Dynamics(start_openness=0.30, start_intensity=0.40, gain_up=1.2, gain_down=0.8),
    "medium": Dynamics(start_openness=0.25, start_intensity=0.50, gain_up=1.0, gain_down=1.0),
    "hard": Dynamics(start_openness=0.20, start_intensity=0.60, gain_up=0.95, gain_down=1.4),
}


@dataclass(frozen=True)
class Steps:
    """Openness and intensity changes per feature of a trainee turn (before gains)."""

    reflection_complex: float = 0.09
    reflection_simple: float = 0.06
    feeling_reflected: float = 0.04
    content_reflected: float = 0.02
    affirm: float = 0.06
    open_question: float = 0.04
    attunement_scale: float = 0.06
    """``(attunement - 50) / 50`` times this; attunement is the engine's 0..100 score."""
    righting_reflex: float = -0.10
    telling: float = -0.04
    """Advice or information, even with permission (a small cost)."""
    stacked_questions: float = -0.05
    closed_question: float = -0.01
    closed_run_per_question: float = -0.02
    interrupted: float = -0.06
    missed_opportunity: float = -0.04
    diminishing: float = 0.5
    """Rises are scaled by ``1 - diminishing * openness``: the last steps are the hardest."""
    intensity_rupture: float = 0.07
    intensity_interrupted: float = 0.08
    intensity_questions: float = 0.03
    intensity_held: float = -0.04
    """An accurate feeling reflection calms a little."""
    intensity_new_layer: float = 0.06
    """Opening up about something deeper stirs feeling."""
    intensity_relax: float = 0.1
    """Fraction of the way back to the starting intensity each turn."""


STEPS = Steps()


@dataclass(frozen=True)
class ClientState:
    """Where the client is after ``turn`` trainee turns. Immutable; see module docs."""

    openness: float
    intensity: float
    attuned_turns: int = 0
    layer_allowed: str | None = None
    layer_voiced: str | None = None
    """The deepest layer the client has actually said out loud so far."""
    stance: str = "guarded"
    mood: str = "guarded"
    turn: int = 0
    last_turn: str = "none"
    """How the last trainee turn was judged: attuned, neutral, misstep, rupture or none."""
    asked_about_suicide: bool = False
    """The trainee has asked plainly about suicide (see trainer/feedback/risk.py)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "openness": round(self.openness, 3),
            "intensity": round(self.intensity, 3),
            "layer_allowed": self.layer_allowed,
            "layer_voiced": self.layer_voiced,
            "attuned_turns": self.attuned_turns,
            "mood": self.mood,
            "stance": self.stance,
            "turn": self.turn,
            "last_turn": self.last_turn,
            "asked_about_suicide": self.asked_about_suicide,
        }

    @property
    def layer_available(self) -> str | None:
        """What the client may talk about: the allowed layer or anything already said."""
        return deeper_of(self.layer_allowed, self.layer_voiced)

    def with_voiced(self, layer: str | None) -> "ClientState":
        if layer_rank(layer) <= layer_rank(self.layer_voiced):
            return self
        return replace(self, layer_voiced=layer)


def dynamics_for(scenario: Scenario) -> Dynamics:
    return DYNAMICS.get(scenario.difficulty, DYNAMICS["medium"])


def initial_state(scenario: Scenario) -> ClientState:
    dyn = dynamics_for(scenario)
    layer = allowed_layer(scenario, dyn.start_openness, 0)
    stance = "share" if layer is not None else "guarded"
    return ClientState(
        openness=dyn.start_openness,
        intensity=dyn.start_intensity,
        layer_allowed=layer,
        stance=stance,
        mood=choose_mood(dyn.start_openness, dyn.start_intensity, stance, "none"),
    )


def _clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def _flag(feedback: Mapping[str, Any], key: str) -> bool:
    return bool(feedback.get(key) or False)


def _int(feedback: Mapping[str, Any], key: str) -> int:
    try:
        return int(feedback.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def judge_turn(feedback: Mapping[str, Any]) -> str:
    """``rupture``, ``misstep``, ``attuned`` or ``neutral`` for one feedback dict."""
    code = feedback.get("code", "other")
    if _flag(feedback, "righting_reflex") or code in TELLING_CODES or _flag(feedback, "interrupted"):
        return "rupture"
    if _flag(feedback, "answered_risk_hint"):  # asked plainly about suicide after a hint
        return "attuned"
    if (
        _int(feedback, "questions_in_turn") >= 2
        or _int(feedback, "closed_question_run") >= 2
        or _flag(feedback, "missed_opportunity")
    ):
        return "misstep"
    attunement = feedback.get("attunement")
    good_enough = attunement is None or float(attunement) >= 50
    if good_enough and (
        code in REFLECTION_CODES
        or code == "affirm"
        or (code == "question_open" and _int(feedback, "questions_in_turn") <= 1)
        or _flag(feedback, "feeling_reflected")
    ):
        return "attuned"
    return "neutral"


def openness_change(feedback: Mapping[str, Any], openness: float, dyn: Dynamics, steps: Steps = STEPS) -> float:
    code = feedback.get("code", "other")
    up = 0.0
    down = 0.0
    # A client who hinted at suicide and is asked plainly feels heard, as by a complex
    # reflection, though the question is a closed one.
    if code == "reflection_complex" or _flag(feedback, "answered_risk_hint"):
        up += steps.reflection_complex
    elif code == "reflection_simple":
        up += steps.reflection_simple
    elif code == "affirm":
        up += steps.affirm
    elif code == "question_open" and _int(feedback, "questions_in_turn") <= 1:
        up += steps.open_question
    elif code == "question_closed":
        down += steps.closed_question
    if _flag(feedback, "feeling_reflected"):
        up += steps.feeling_reflected
    if _flag(feedback, "content_reflected"):
        up += steps.content_reflected
    attunement = feedback.get("attunement")
    if attunement is not None:
        term = (float(attunement) - 50.0) / 50.0 * steps.attunement_scale
        if term >= 0:
            up += term
        else:
            down += term
    if _flag(feedback, "righting_reflex"):
        down += steps.righting_reflex
    elif code in TELLING_CODES:
        down += steps.telling
    if _int(feedback, "questions_in_turn") >= 2:
        down += steps.stacked_questions
    run = _int(feedback, "closed_question_run")
    if run >= 2:
        down += steps.closed_run_per_question * min(run - 1, 3)
    if _flag(feedback, "interrupted"):
        down += steps.interrupted
    if _flag(feedback, "missed_opportunity"):
        down += steps.missed_opportunity
    change = up * dyn.gain_up * (1.0 - steps.diminishing * openness) + down * dyn.gain_down
    if _flag(feedback, "asked_about_risk"):
        # Asking plainly about suicide is never held against the trainee: as a closed
        # question scored 18, each plain question made the client more closed.
        change = max(change, 0.0)
    return change


def intensity_change(feedback: Mapping[str, Any], verdict: str, new_layer: bool, steps: Steps = STEPS) -> float:
    change = 0.0
    if verdict == "rupture":
        change += steps.intensity_rupture
    if _flag(feedback, "interrupted"):
        change += steps.intensity_interrupted
    if _int(feedback, "questions_in_turn") >= 2 or _int(feedback, "closed_question_run") >= 2:
        change += steps.intensity_questions
    if _flag(feedback, "feeling_reflected") and verdict == "attuned":
        change += steps.intensity_held
    if new_layer:
        change += steps.intensity_new_layer
    return change


def choose_stance(feedback: Mapping[str, Any], openness: float, intensity: float, layer: str | None) -> str:
    """How the client answers the turn just heard (see docs/client.md, Resistance)."""
    code = feedback.get("code", "other")
    if _flag(feedback, "righting_reflex") or (code in TELLING_CODES and openness < 0.5):
        return "pushback"
    if _flag(feedback, "interrupted") and intensity >= 0.6:
        return "withdraw"
    if _int(feedback, "questions_in_turn") >= 2 or _int(feedback, "closed_question_run") >= 2:
        return "deflect"
    if layer is None:
        return "guarded"
    if code == "question_closed" and openness < 0.5 and not _flag(feedback, "asked_about_risk"):
        return "guarded"  # a plain question about suicide gets an answer, not a shrug
    return "share"


def choose_mood(openness: float, intensity: float, stance: str, verdict: str) -> str:
    if stance == "withdraw":
        return "withdrawn"
    if stance == "pushback" or (verdict == "rupture" and intensity >= 0.6):
        return "defensive"
    if openness < 0.35:
        return "guarded"
    if openness < 0.6:
        return "warming"
    return "open"


def update_state(state: ClientState, feedback: Mapping[str, Any], scenario: Scenario) -> ClientState:
    """The state after one trainee turn described by ``feedback``."""
    dyn = dynamics_for(scenario)
    verdict = judge_turn(feedback)
    openness = _clamp(state.openness + openness_change(feedback, state.openness, dyn))
    if verdict == "rupture":
        attuned = 0
    elif verdict == "misstep":
        attuned = max(0, state.attuned_turns - 1)
    elif verdict == "attuned":
        attuned = state.attuned_turns + 1
    else:
        attuned = state.attuned_turns
    # Asked plainly, with or without a hint before: a client who wants someone to ask
    # (hidden-risk) answers the question, whoever noticed what prompted it.
    asked = (state.asked_about_suicide or _flag(feedback, "answered_risk_hint")
             or _flag(feedback, "asked_about_risk"))
    layer = allowed_layer(scenario, openness, attuned, asked, state.layer_voiced)
    new_layer = layer_rank(layer) > layer_rank(state.layer_allowed) and layer_rank(layer) >= 2
    intensity = state.intensity + intensity_change(feedback, verdict, new_layer)
    intensity += (dyn.start_intensity - intensity) * STEPS.intensity_relax
    intensity = _clamp(intensity, 0.05, 1.0)
    stance = choose_stance(feedback, openness, intensity, layer)
    return replace(
        state,
        openness=openness,
        intensity=intensity,
        attuned_turns=attuned,
        layer_allowed=layer,
        stance=stance,
        mood=choose_mood(openness, intensity, stance, verdict),
        turn=state.turn + 1,
        last_turn=verdict,
        asked_about_suicide=asked,
    )
