"""At most one short coaching nudge after a trainee turn.

Candidates are checked in priority order (corrections first, then praise); the first one
that applies and is not the same as the previous nudge is shown. ``None`` when nothing is
warranted, so most turns pass without comment.
"""

from __future__ import annotations

from dataclasses import dataclass

QUESTION_RUN_NUDGE_AT = 3
CLOSED_RUN_NUDGE_AT = 2

_NUMBER_WORDS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight",
                 "Nine", "Ten")


@dataclass(frozen=True)
class NudgeFacts:
    """What the nudge rules look at for one turn."""

    righting_reflex: bool
    missed_opportunity: bool
    interrupted: bool
    questions_in_turn: int
    question_run: int  # consecutive turns whose main move was a question, this one included
    closed_question_run: int
    reflected: bool  # the turn contains a reflection
    complex_reflection: bool
    feeling_reflected: bool
    risk_hint_unasked: bool = False  # the client just hinted at suicide; not asked about


@dataclass(frozen=True)
class Nudge:
    """``key`` identifies the kind of nudge (for no-repeat); ``text`` is shown."""

    key: str
    text: str


def _count_word(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def candidates(facts: NudgeFacts) -> list[Nudge]:
    """Every nudge that applies to the turn, highest priority first."""
    found: list[Nudge] = []
    if facts.risk_hint_unasked:  # safety before skill
        found.append(Nudge("risk_unasked",
                           "That may be a hint of suicidal thoughts — it's OK to ask "
                           "directly: \"Are you thinking about ending your life?\""))
    if facts.righting_reflex:
        found.append(Nudge("righting_reflex",
                           "Advice before permission — try asking if they'd like ideas first."))
    if facts.missed_opportunity:
        found.append(Nudge("missed_feeling",
                           "They told you how they feel — try naming it back."))
    if facts.interrupted:
        found.append(Nudge("interruption",
                           "You came in while they were still speaking — let them finish."))
    if facts.questions_in_turn >= 2:
        found.append(Nudge("stacked_questions",
                           f"{_count_word(facts.questions_in_turn)} questions at once — "
                           "ask one, then listen."))
    if facts.question_run >= QUESTION_RUN_NUDGE_AT:
        found.append(Nudge("question_run",
                           f"{_count_word(facts.question_run)} questions in a row — "
                           "try reflecting what you heard."))
    if facts.closed_question_run >= CLOSED_RUN_NUDGE_AT:
        found.append(Nudge("closed_run",
                           "Several yes/no questions — try an open one: \"what\" or \"how\"."))
    if facts.reflected and facts.feeling_reflected:
        found.append(Nudge("praise_feeling", "Nice reflection — you named the feeling."))
    elif facts.complex_reflection:
        found.append(Nudge("praise_complex",
                           "Good reflection — you went beyond their words."))
    return found


def choose_nudge(facts: NudgeFacts, previous_key: str | None) -> Nudge | None:
    """The highest-priority nudge that is not a repeat of the previous one, or None."""
    for nudge in candidates(facts):
        if nudge.key != previous_key:
            return nudge
    return None
