"""Session summary in the spirit of MITI 4.2.1, plus attunement and timing figures.

Thresholds (``fair`` / ``good``):

* Reflection-to-question ratio (R:Q): 1:1 / 2:1 — MITI 4.2.1 (Moyers, Manuel & Ernst,
  2014/2015), summary-score thresholds.
* Percent complex reflections (%CR): 40% / 50% — MITI 4.2.1.
* Percent open questions (%OQ): 50% / 70% — *informal benchmark*: MITI 4.2.1 sets no
  threshold for it; these are the MITI 3.1.1 "beginning proficiency / competency" values.
* Advice or information without permission: 1 / 0 times — informal (in MITI 4.2.1 this
  is the "persuade" count, which has no threshold).
* Trainee talk share: ≤ 50% / ≤ 40% — informal: the client should do most of the talking.

A band is ``None`` when there is nothing to measure (no questions → no %OQ).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from statistics import mean
from typing import Sequence

from trainer.feedback.measures import (
    ALL_CODES,
    QUESTION_CODES,
    REFLECTION_CODES,
    UtteranceCode,
    longest_silence_ms,
    median_latency_ms,
    talk_share,
)

BELOW_FAIR, FAIR, GOOD = "below fair", "fair", "good"

RQ_FAIR, RQ_GOOD = 1.0, 2.0
COMPLEX_FAIR, COMPLEX_GOOD = 0.40, 0.50
OPEN_FAIR, OPEN_GOOD = 0.50, 0.70  # informal (MITI 3.1.1 values; 4.2.1 has none)
TALK_FAIR, TALK_GOOD = 0.50, 0.40  # informal, lower is better
MIN_TURNS_FOR_ADVICE = 3

# What each summary figure is called wherever it is shown (terminal, window, PDF), so a
# trainee comparing them reads the same words.
SUMMARY_LABELS = {
    "reflection_to_question": "Reflections to questions",
    "percent_complex_reflections": "Complex reflections",
    "percent_open_questions": "Open questions",
    "advise_without_permission": "Advice without permission",
    "talk_share": "Your share of talk",
    "median_latency_ms": "Median response latency",
    "silences_held": "Silences you let sit",
    "mean_attunement": "Mean attunement",
}
ADVICE_ITEMS = 3
# A dimension is praised only from this performance up; below it a trainee would read a
# weak figure ("25% of your questions were open", "attunement 22/100") as a strength.
STRENGTH_MIN_PERFORMANCE = 0.6
# A share of reflections or questions is praised only when it rests on this many of them
# ("100% of your reflections were complex" from a single reflection says little).
MIN_COUNT_TO_PRAISE_A_SHARE = 2


@dataclass(frozen=True)
class TurnRecord:
    """Everything the summary needs from one trainee turn."""

    index: int
    client_text: str
    trainee_text: str
    utterances: tuple[UtteranceCode, ...]
    primary_code: str
    feeling_applicable: bool
    feeling_reflected: bool
    content_applicable: bool
    content_reflected: bool
    missed_reason: str | None
    righting_reflex_severity: int
    questions_in_turn: int
    closed_question_run: int
    interrupted: bool
    latency_ms: float | None
    speaking_rate_wpm: float | None
    attunement: float
    nudge_key: str | None = None
    risk_cue: str | None = None  # words of the client's turn that hinted at suicide
    asked_about_risk: bool = False  # the trainee named suicide, self-harm or safety
    backchannel: bool = False  # "mm-hm": left out of the mean attunement


@dataclass(frozen=True)
class MissedItem:
    turn_index: int
    client: str
    trainee: str
    reason: str

    def to_dict(self) -> dict:
        return {"turn_index": self.turn_index, "client": self.client,
                "trainee": self.trainee, "reason": self.reason}


@dataclass(frozen=True)
class SessionSummary:
    turns: int
    code_counts: dict[str, int]
    primary_code_counts: dict[str, int]
    reflections: int
    questions: int
    rq_ratio: float | None
    rq_band: str | None
    complex_reflection_pct: float | None
    complex_reflection_band: str | None
    open_question_pct: float | None
    open_question_band: str | None
    advice_without_permission: int
    advice_without_permission_band: str | None
    talk_share: float | None
    talk_share_band: str | None
    median_latency_ms: float | None
    longest_silence_ms: float | None
    silences_held: int  # times the trainee let a silence sit until the client went on
    interruptions: int
    stacked_question_turns: int
    longest_closed_question_run: int
    feeling_capture_rate: float | None
    content_capture_rate: float | None
    missed_opportunities: tuple[MissedItem, ...]
    mean_attunement: float | None
    risk_hints: tuple[MissedItem, ...]
    asked_about_risk: bool | None  # None when the client never hinted and nobody asked
    strengths: tuple[str, ...]
    practise: tuple[str, ...]
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready (plain dicts, lists, numbers, strings and None)."""
        return {
            "turns": self.turns,
            "code_counts": dict(self.code_counts),
            "primary_code_counts": dict(self.primary_code_counts),
            "reflections": self.reflections,
            "questions": self.questions,
            # Banded measures as {value, band}: what the window, reports and terminal show.
            "reflection_to_question": {"value": _round(self.rq_ratio, 2), "band": self.rq_band},
            "percent_complex_reflections": {"value": _round(self.complex_reflection_pct, 1),
                                            "band": self.complex_reflection_band},
            "percent_open_questions": {"value": _round(self.open_question_pct, 1),
                                       "band": self.open_question_band},
            "advise_without_permission": {"value": self.advice_without_permission,
                                          "band": self.advice_without_permission_band},
            "talk_share": {"value": _round(self.talk_share, 3), "band": self.talk_share_band},
            "median_latency_ms": _round(self.median_latency_ms, 0),
            "longest_silence_ms": _round(self.longest_silence_ms, 0),
            "silences_held": self.silences_held,
            "interruptions": self.interruptions,
            "stacked_question_turns": self.stacked_question_turns,
            "longest_closed_question_run": self.longest_closed_question_run,
            "feeling_capture_rate": _round(self.feeling_capture_rate, 3),
            "content_capture_rate": _round(self.content_capture_rate, 3),
            "missed_opportunities": [m.to_dict() for m in self.missed_opportunities],
            "mean_attunement": _round(self.mean_attunement, 1),
            "risk": {"hints": [h.to_dict() for h in self.risk_hints],
                     "asked_directly": self.asked_about_risk},
            "strengths": list(self.strengths),
            "to_practise": list(self.practise),
            "thresholds": {k: dict(v) for k, v in self.thresholds.items()},
        }


def _mean_attunement(turns: Sequence[TurnRecord]) -> float | None:
    """Over the turns that respond: each "mm-hm" scored about 17 and dragged the mean down."""
    scored = [t.attunement for t in turns if not t.backchannel]
    return mean(scored) if scored else None


def _longest_closed_question_run(turns: Sequence[TurnRecord]) -> int:
    """The most closed questions asked in a row, counted by question as the live nudge
    counts them: "Do you sleep? Do you eat? Do you exercise?" in one turn is a run of
    three, not of one turn (a QA session praised it as "You avoided strings of yes/no
    questions"). A run spans the turns the engine counts in one (``closed_question_run``)
    and breaks where that breaks: a reflection, an open question, a necessary question."""
    longest = run = 0
    for turn in turns:
        if turn.closed_question_run:
            closed = sum(1 for u in turn.utterances if u.code == "question_closed")
            run = (run if turn.closed_question_run > 1 else 0) + max(1, closed)
        else:
            run = 0
        longest = max(longest, run)
    return longest


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# ---------------------------------------------------------------------------------------
# Bands
# ---------------------------------------------------------------------------------------


def band_higher_is_better(value: float | None, fair: float, good: float) -> str | None:
    if value is None:
        return None
    if value >= good:
        return GOOD
    return FAIR if value >= fair else BELOW_FAIR


def band_lower_is_better(value: float | None, fair: float, good: float) -> str | None:
    if value is None:
        return None
    if value <= good:
        return GOOD
    return FAIR if value <= fair else BELOW_FAIR


def rq_band(reflections: int, questions: int) -> str | None:
    """R:Q band; reflections with no questions at all is good, nothing at all is None."""
    if questions == 0:
        return GOOD if reflections else None
    return band_higher_is_better(reflections / questions, RQ_FAIR, RQ_GOOD)


def advice_band(count: int) -> str:
    """Informal: 0 good, 1 fair, 2 or more below fair."""
    return GOOD if count == 0 else FAIR if count == 1 else BELOW_FAIR


# ---------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _took_up_content(turn: TurnRecord) -> bool:
    """The turn followed what the client had just said: it shares their key words, or it
    is a reflection (which by MITI's definition says back the client's meaning). A
    paraphrase shares few words, so by words alone every session of complex reflections was
    told to "start from their last words", beside "80% of your reflections were complex"."""
    return turn.content_reflected or turn.primary_code in REFLECTION_CODES


def summarize(
    turns: Sequence[TurnRecord], trainee_seconds: float, client_seconds: float,
    held_silences_ms: Sequence[float | None] = (),
) -> SessionSummary:
    """Build the session summary from the trainee turns and total speech seconds.

    ``held_silences_ms``: silences the trainee let sit until the client went on by
    themselves; those of known length (not typed: None) count towards the longest silence.
    """
    utterances = [u for turn in turns for u in turn.utterances]
    counts = Counter(u.code for u in utterances)
    code_counts = {code: counts.get(code, 0) for code in ALL_CODES}
    primary = Counter(turn.primary_code for turn in turns)
    primary_counts = {code: primary.get(code, 0) for code in ALL_CODES}
    reflections = sum(counts[c] for c in REFLECTION_CODES)
    questions = sum(counts[c] for c in QUESTION_CODES)
    rq = reflections / questions if questions else None
    complex_pct = _rate(counts["reflection_complex"], reflections)
    open_pct = _rate(counts["question_open"], questions)
    advice = sum(1 for t in turns if t.righting_reflex_severity > 0)
    share = talk_share(trainee_seconds, client_seconds)
    feeling_turns = [t for t in turns if t.feeling_applicable]
    content_turns = [t for t in turns if t.content_applicable and not t.backchannel]  # "mm-hm" takes up nothing, nor should
    missed = tuple(
        MissedItem(t.index, t.client_text, t.trainee_text, t.missed_reason)
        for t in turns if t.missed_reason
    )
    latencies = [t.latency_ms for t in turns]
    hints = tuple(MissedItem(t.index, t.client_text, t.trainee_text, "risk_hint")
                  for t in turns if t.risk_cue)
    # Asked at the hint or at any later turn: asking a turn late still counts.
    if hints:
        asked = any(t.asked_about_risk for t in turns[hints[0].turn_index:])
    else:  # asking plainly out of concern, before any hint, is worth saying too
        asked = True if any(t.asked_about_risk for t in turns) else None
    summary = SessionSummary(
        turns=len(turns),
        code_counts=code_counts,
        primary_code_counts=primary_counts,
        reflections=reflections,
        questions=questions,
        rq_ratio=rq,
        rq_band=rq_band(reflections, questions),
        complex_reflection_pct=None if complex_pct is None else 100 * complex_pct,
        complex_reflection_band=band_higher_is_better(complex_pct, COMPLEX_FAIR, COMPLEX_GOOD),
        open_question_pct=None if open_pct is None else 100 * open_pct,
        open_question_band=band_higher_is_better(open_pct, OPEN_FAIR, OPEN_GOOD),
        advice_without_permission=advice,
        advice_without_permission_band=advice_band(advice) if turns else None,
        talk_share=share,
        talk_share_band=band_lower_is_better(share, TALK_FAIR, TALK_GOOD),
        median_latency_ms=median_latency_ms(latencies),
        longest_silence_ms=longest_silence_ms([*latencies, *held_silences_ms]),
        silences_held=len(held_silences_ms),
        interruptions=sum(1 for t in turns if t.interrupted),
        stacked_question_turns=sum(1 for t in turns if t.questions_in_turn >= 2),
        longest_closed_question_run=_longest_closed_question_run(turns),
        feeling_capture_rate=_rate(sum(t.feeling_reflected for t in feeling_turns),
                                   len(feeling_turns)),
        content_capture_rate=_rate(sum(_took_up_content(t) for t in content_turns), len(content_turns)),
        missed_opportunities=missed,
        mean_attunement=_mean_attunement(turns),
        risk_hints=hints,
        asked_about_risk=asked,
        strengths=(),
        practise=(),
        thresholds={
            "rq_ratio": {"fair": RQ_FAIR, "good": RQ_GOOD},
            "complex_reflection_pct": {"fair": 100 * COMPLEX_FAIR, "good": 100 * COMPLEX_GOOD},
            "open_question_pct": {"fair": 100 * OPEN_FAIR, "good": 100 * OPEN_GOOD},
            "talk_share_max": {"fair": TALK_FAIR, "good": TALK_GOOD},
            "advice_without_permission_max": {"fair": 1, "good": 0},
        },
    )
    strengths, practise = strengths_and_practise(summary, len(feeling_turns))
    summary = replace(summary, strengths=strengths, practise=practise)
    if len(turns) < MIN_TURNS_FOR_ADVICE:
        # One or two answers are too few to judge: a "Good" beside "not enough to go on"
        # read as a verdict. The figures themselves stay.
        summary = replace(summary, rq_band=None, complex_reflection_band=None, open_question_band=None,
                          advice_without_permission_band=None, talk_share_band=None)
    return summary


# ---------------------------------------------------------------------------------------
# Strengths and things to practise
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dimension:
    """One skill: how well it went (0..1) and what to say either way."""

    name: str
    performance: float
    strength: str
    practise: str
    praiseworthy: bool = True  # False: too little evidence, or below the band's "fair"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _none_is_best(count: int) -> float:
    """Performance for a slip to avoid: none 1.0, once 0.4, more 0.0."""
    return 1.0 if count == 0 else 0.4 if count == 1 else 0.0


def _dimensions(s: SessionSummary, feeling_turns: int) -> list[_Dimension]:
    dims: list[_Dimension] = []
    if s.risk_hints:  # first, so that it wins ties: safety before skill
        hint = s.risk_hints[0].client
        dims.append(_Dimension(
            "risk", 1.0 if s.asked_about_risk else 0.0,
            "When the client hinted at suicide, you asked about it directly; that "
            "question is what lets a client say it.",
            (f"The client hinted at suicide (\"{hint}\") and you did not ask about it; ask "
             "plainly (\"Are you having thoughts of ending your life?\"). Asking does "
             "not put the idea in their head." if not s.asked_about_risk else
             "After asking about suicide, go on to ask about plans, means and what keeps "
             "the client safe."),
        ))
    r, q = s.reflections, s.questions
    if r or q:
        ratio_text = f"R:Q {s.rq_ratio:.1f}:1" if s.rq_ratio is not None else "no questions"
        dims.append(_Dimension(
            "rq", 1.0 if s.rq_ratio is None else min(1.0, s.rq_ratio / RQ_GOOD),
            (f"You reflected more than you asked: {_count(r, 'reflection')} to "
             f"{_count(q, 'question')} ({ratio_text}; good is 2:1)." if s.rq_band == GOOD
             else f"You balanced listening with asking: {_count(r, 'reflection')} to "
             f"{_count(q, 'question')} ({ratio_text})."),
            (f"Reflect before you ask: {_count(r, 'reflection')} to "
             f"{_count(q, 'question')} ({ratio_text}); "
             "aim for two reflections for every question." if s.rq_band != GOOD else
             f"Keep reflections ahead of questions ({ratio_text}): try offering two "
             "reflections before each new question."),
            praiseworthy=s.rq_band in (FAIR, GOOD) and r >= MIN_COUNT_TO_PRAISE_A_SHARE,
        ))
    else:
        dims.append(_Dimension(
            "rq", 0.0, "You gave the client space without steering.",
            "Try reflecting back what you hear — this session had no reflections or "
            "questions to count.",
        ))
    if s.complex_reflection_pct is not None:
        pct = s.complex_reflection_pct
        dims.append(_Dimension(
            "complex", min(1.0, pct / (100 * COMPLEX_GOOD)),
            f"{pct:.0f}% of your reflections were complex, adding meaning or feeling "
            "beyond the client's words (good is 50%).",
            (f"Only {pct:.0f}% of your reflections were complex; try adding the feeling or "
             "meaning beneath their words (aim for 50%)." if pct < 100 * COMPLEX_GOOD else
             f"Build on your complex reflections ({pct:.0f}%): try a double-sided "
             "reflection when the client sounds torn."),
            praiseworthy=pct >= 100 * COMPLEX_FAIR and r >= MIN_COUNT_TO_PRAISE_A_SHARE,
        ))
    if s.open_question_pct is not None:
        pct = s.open_question_pct
        dims.append(_Dimension(
            "open", min(1.0, pct / (100 * OPEN_GOOD)),
            f"{pct:.0f}% of your questions were open, inviting the client to say more.",
            (f"Only {pct:.0f}% of your questions were open; start with \"what\" or \"how\" "
             "instead of \"do you\" or \"is it\" (aim for 70%)." if pct < 100 * OPEN_GOOD
             else f"Your questions were mostly open ({pct:.0f}%); now try replacing some "
             "of them with reflections."),
            praiseworthy=pct >= 100 * OPEN_FAIR and q >= MIN_COUNT_TO_PRAISE_A_SHARE,
        ))
    n = s.advice_without_permission
    dims.append(_Dimension(
        "advice", 1.0 if n == 0 else 0.5 if n == 1 else 0.0,
        ("You held back advice unless it was invited, so the client kept ownership of "
         "the solutions." if n == 0 else
         f"You mostly held back advice (unasked-for advice {_times(n)})."),
        (f"You gave advice or information without asking first {_times(n)}; try \"Would "
         "it be OK if I shared an idea?\" and wait for a yes." if n else
         # No advice given: "keep asking" would praise asking that never happened.
         "When you do have an idea to offer, ask first (\"Would it be OK if I shared "
         "something?\") and afterwards ask what the client makes of it."),
    ))
    if s.feeling_capture_rate is not None:
        k = round(s.feeling_capture_rate * feeling_turns)
        dims.append(_Dimension(
            "feeling", s.feeling_capture_rate,
            f"You named the client's feeling in {k} of {feeling_turns} turns after they "
            "shared one.",
            (f"The client shared a feeling in {_count(feeling_turns, 'turn')} and you "
             f"named it back in {k}; try \"You sound ...\" with their feeling before "
             "moving on." if k < feeling_turns else
             "You named every feeling the client shared; next, match its strength "
             "(\"devastated\", not just \"sad\") and say what it is about."),
        ))
    if feeling_turns:
        m = len(s.missed_opportunities)
        dims.append(_Dimension(
            "missed", max(0.0, 1.0 - m / feeling_turns),
            # Not "you stayed with their feelings": a content-only reflection is no missed
            # opportunity, yet the feeling dimension may say it was never named.
            ("You never moved past a feeling the client shared with a question, advice or "
             "a new topic." if m == 0 else
             f"You mostly stayed with the client's feelings ({_times(m)} you moved on)."),
            (f"{_times(m).capitalize()} the client told you how they felt and you moved "
             "on with a question, advice or a new topic; pause and name the feeling first."
             if m else "Keep pausing on feelings: a reflection before the next question "
                       "tells the client they were heard."),
        ))
    if s.content_capture_rate is not None:
        pct = 100 * s.content_capture_rate
        dims.append(_Dimension(
            "content", s.content_capture_rate,
            f"You picked up the client's own words and content in {pct:.0f}% of turns.",
            # Not "echo their words": that pushes towards parroting, and the complex
            # reflections MITI asks for often paraphrase.
            (f"Your turns took up what the client had just said in {pct:.0f}% of cases; start "
             "from their last words (two of their key words, or the feeling they named, show "
             "you followed), then add the meaning you hear." if pct < 90 else
             "You tracked the client's words closely; now go a step further and guess at "
             "what it means to them (a complex reflection)."),
        ))
    if s.silences_held:  # only when it happened (a session can go well without one);
        # before the timing and question habits, which it beats as a skill shown
        dims.append(_Dimension(
            "silence", 1.0,
            f"You let a silence sit {_times(s.silences_held)}, and the client went on by "
            "themselves.",
            "Keep letting silences sit; a client often says the important thing after one.",
        ))
    # Interruptions come from speech timings: a typed session has none to praise or fault.
    if s.median_latency_ms is not None or s.talk_share is not None:
        i = s.interruptions
        dims.append(_Dimension(
            "interruptions", _none_is_best(i),
            ("You let the client finish every time before you spoke." if i == 0 else
             f"You mostly let the client finish (you came in early {_times(i)})."),
            (f"You started speaking before the client had finished {_times(i)}; wait for "
             "the pause at the end of their sentence." if i else
             "Try letting a short silence sit after the client finishes; they often add "
             "something important."),
        ))
    st = s.stacked_question_turns
    # With no questions asked, "one question at a time" and "no strings of yes/no
    # questions" would praise what never happened; after a turn of stacked questions,
    # either would praise what the live nudge had just faulted.
    dims.append(_Dimension(
        "stacked", _none_is_best(st),
        ("You asked one question at a time, leaving room to answer." if st == 0 else
         f"You mostly asked one question at a time (stacked {_times(st)})."),
        (f"You stacked two or more questions in one turn {_times(st)}; ask one and "
         "wait." if st else
         "Keep questions single, and follow each answer with a reflection."),
        praiseworthy=q > 0,
    ))
    run = s.longest_closed_question_run
    dims.append(_Dimension(
        "closed_run", 1.0 if run <= 1 else 0.5 if run == 2 else 0.0,
        ("You avoided strings of yes/no questions." if run <= 1 else
         f"Your yes/no questions came at most {run} in a row."),
        (f"At one point you asked {run} closed questions in a row; switch to an open "
         "question or a reflection after one." if run >= 2 else
         "Turn the remaining yes/no questions into \"what\" or \"how\" questions."),
        praiseworthy=q > 0 and st == 0,
    ))
    if s.talk_share is not None:
        share = 100 * s.talk_share
        dims.append(_Dimension(
            "talk_share",
            1.0 if s.talk_share <= TALK_GOOD else
            max(0.0, 1.0 - (s.talk_share - TALK_GOOD) / (1.0 - TALK_GOOD)),
            (f"You let the client do most of the talking (you spoke {share:.0f}% of the "
             "time)." if s.talk_share <= TALK_FAIR else
             f"You kept your turns fairly short (you spoke {share:.0f}% of the time)."),
            (f"You spoke {share:.0f}% of the time; shorter turns (aim under 40%) leave "
             "the client more room." if s.talk_share > TALK_GOOD else
             f"You spoke {share:.0f}% of the time; keep your reflections short so the "
             "client keeps the floor."),
        ))
    if s.mean_attunement is not None:
        dims.append(_Dimension(
            "attunement", s.mean_attunement / 100.0,
            f"Your average attunement was {s.mean_attunement:.0f}/100.",
            f"Your average attunement was {s.mean_attunement:.0f}/100; "
            + ("combining a reflection with the client's feeling and words lifts it most."
               if s.mean_attunement < 80 else
               "keep pairing each reflection with the feeling you hear."),
        ))
    return dims


def strengths_and_practise(
    s: SessionSummary, feeling_turns: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Three strengths (best dimensions) and three things to practise (weakest ones).

    With fewer than ``MIN_TURNS_FOR_ADVICE`` turns there is not enough data: nothing.
    Ties keep the order of ``_dimensions`` (MITI measures first).
    """
    if s.turns < MIN_TURNS_FOR_ADVICE:
        return (), ()
    dims = _dimensions(s, feeling_turns)
    order = {d.name: i for i, d in enumerate(dims)}
    best = sorted(dims, key=lambda d: (-d.performance, order[d.name]))
    n_strengths = min(ADVICE_ITEMS, (len(dims) + 1) // 2)
    earned = [d for d in best if d.praiseworthy and d.performance >= STRENGTH_MIN_PERFORMANCE]
    strengths = earned[:n_strengths]
    rest = sorted((d for d in best if d not in strengths), key=lambda d: (d.performance, order[d.name]))
    # Only what fell short: a skill at its target offered as "to practise" read as a
    # contradiction ("mostly open (100%); now try replacing some of them with reflections"
    # beside R:Q 2.0 : 1, good).
    practise = [d for d in rest if d.performance < 1.0][:ADVICE_ITEMS]
    return tuple(d.strength for d in strengths), tuple(d.practise for d in practise)
