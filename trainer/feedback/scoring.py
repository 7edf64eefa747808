"""Attunement score for one trainee turn (0–100) and the running score.

The score is a weighted mean of the components that apply to the turn, scaled to 100,
minus penalties, clamped to 0..100:

    score = 100 × Σ(weight × value) / Σ(weight)  over applicable components
            − penalties

Components (values 0..1):

* ``response`` (always applies): how listening the turn's main move is, from its primary
  code — complex reflection 1.0, simple reflection 0.8, open question 0.6, affirmation
  0.6, closed question 0.3, other 0.3, information 0.2, advice 0.1.
* ``feeling`` (applies when the client expressed a feeling): ``FeelingCapture.score``.
* ``content`` (applies when the client's last turn had content words):
  ``ContentCapture.score``.

Penalties (points): righting reflex (more when nothing has been reflected yet), stacked
questions (plus a little for each extra question), interruption, missed opportunity.
All numbers live in ``ScoreWeights`` so they are tuned in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

_RESPONSE_VALUES = MappingProxyType(
    {
        "reflection_complex": 1.0,
        "reflection_simple": 0.8,
        "question_open": 0.6,
        "affirm": 0.6,
        "question_closed": 0.3,
        "other": 0.3,
        "inform": 0.2,
        "advise": 0.1,
    }
)


@dataclass(frozen=True)
class ScoreWeights:
    """Every weight and penalty of the attunement score, in one place."""

    response: float = 35.0
    feeling: float = 25.0
    content: float = 25.0
    response_values: Mapping[str, float] = field(default_factory=lambda: _RESPONSE_VALUES)
    righting_reflex_penalty: float = 15.0
    righting_reflex_before_reflection_penalty: float = 25.0
    stacked_questions_penalty: float = 10.0
    extra_question_penalty: float = 5.0
    stacked_questions_penalty_cap: float = 20.0
    interruption_penalty: float = 10.0
    missed_opportunity_penalty: float = 15.0
    running_alpha: float = 0.35  # weight of the newest turn in the running score


DEFAULT_WEIGHTS = ScoreWeights()


@dataclass(frozen=True)
class TurnFacts:
    """What the score needs to know about one trainee turn."""

    primary_code: str
    feeling_applicable: bool
    feeling_score: float
    content_applicable: bool
    content_score: float
    righting_reflex_severity: int  # 0 none, 1 without permission, 2 also before reflecting
    questions_in_turn: int
    interrupted: bool
    missed_opportunity: bool
    asked_about_risk_hint: bool = False  # asked directly about suicide after a hint
    asked_about_risk: bool = False  # asked directly about suicide, hint or not
    emphasised_autonomy: bool = False  # "It's your call": coded other, valued like an affirmation


@dataclass(frozen=True)
class TurnScore:
    """The score and how it was made: component values (0..1) and penalty points."""

    attunement: float
    components: Mapping[str, float]
    penalties: Mapping[str, float]

    def components_dict(self) -> dict[str, float]:
        """Components and penalties together, JSON-ready (penalties as negative points)."""
        out = {name: round(value, 3) for name, value in self.components.items()}
        out.update({f"penalty_{name}": -round(points, 1)
                    for name, points in self.penalties.items()})
        return out


def score_turn(facts: TurnFacts, weights: ScoreWeights = DEFAULT_WEIGHTS) -> TurnScore:
    """Attunement (0–100) for one turn; see the module docstring for the formula."""
    # Asking plainly about suicide after a hint is the best response there is, though
    # the coder (rightly) calls it a closed question.
    response = 1.0 if facts.asked_about_risk_hint else weights.response_values.get(facts.primary_code, 0.0)
    if facts.asked_about_risk:
        # Asked out of concern before any hint: not "the best response there is", but never
        # a poor closed question (it scored 18, and the summary told the trainee to ask open
        # questions instead): valued like a simple reflection.
        response = max(response, weights.response_values.get("reflection_simple", 0.0))
    if facts.emphasised_autonomy:  # MITI values it (partnership); as "other" it scored 0.3
        response = max(response, weights.response_values.get("affirm", 0.0))
    components: dict[str, float] = {"response": response}
    weighted = weights.response * components["response"]
    total_weight = weights.response
    if facts.feeling_applicable:
        components["feeling"] = facts.feeling_score
        weighted += weights.feeling * facts.feeling_score
        total_weight += weights.feeling
    if facts.content_applicable:
        components["content"] = facts.content_score
        weighted += weights.content * facts.content_score
        total_weight += weights.content
    penalties = _penalties(facts, weights)
    raw = 100.0 * weighted / total_weight - sum(penalties.values())
    return TurnScore(
        attunement=round(min(100.0, max(0.0, raw)), 1),
        components=MappingProxyType(components),
        penalties=MappingProxyType(penalties),
    )


def _penalties(facts: TurnFacts, weights: ScoreWeights) -> dict[str, float]:
    penalties: dict[str, float] = {}
    if facts.righting_reflex_severity >= 2:
        penalties["righting_reflex"] = weights.righting_reflex_before_reflection_penalty
    elif facts.righting_reflex_severity == 1:
        penalties["righting_reflex"] = weights.righting_reflex_penalty
    if facts.questions_in_turn >= 2:
        extra = (facts.questions_in_turn - 2) * weights.extra_question_penalty
        penalties["stacked_questions"] = min(
            weights.stacked_questions_penalty_cap, weights.stacked_questions_penalty + extra
        )
    if facts.interrupted:
        penalties["interruption"] = weights.interruption_penalty
    if facts.missed_opportunity:
        penalties["missed_opportunity"] = weights.missed_opportunity_penalty
    return penalties


def running_score(
    previous: float | None, latest: float, weights: ScoreWeights = DEFAULT_WEIGHTS
) -> float:
    """Exponential moving average of turn scores; the first turn starts it."""
    if previous is None:
        return latest
    alpha = weights.running_alpha
    return round(alpha * latest + (1.0 - alpha) * previous, 1)
