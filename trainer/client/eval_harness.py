"""Does the simulated client respond to attunement? A scripted trainee finds out.

Two scripted trainees talk to the client for a number of turns:

* **attuned**: complex reflections that name the feeling and content of the client's
  last reply (built from what the client actually said), single open questions and
  affirmations; wording varies with the run's seed;
* **lecturing**: advice, psychoeducation and closed questions.

Every trainee line goes through the real utterance coder and feedback engine, and the
feedback dict drives the client's state exactly as in a session: no labels are handed
in. Whether a layer was *reached* is judged from what the client actually said
(:func:`trainer.scenarios.layer_disclosed`); a layer said before the state ever allowed
it counts as a **leak**. Every spoken sentence is audited again with the role check;
failures count as **shipped** role breaks.
"""

from __future__ import annotations

import random
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from trainer.client.backend import ChatBackend
from trainer.client.disclosure import layer_rank
from trainer.client.role_check import check_sentence
from trainer.client.sentences import split_sentences
from trainer.client.simulated import SimulatedClient
from trainer.feedback.risk import risk_cue
from trainer.scenarios import Scenario, layer_disclosed

STYLES = ("attuned", "lecturing")
WORDS_PER_SECOND = 2.6
DEFAULT_TURNS = 10


class FeedbackSource(Protocol):
    def client_turn(self, text: str, start_s: float, end_s: float) -> None: ...

    def trainee_turn(self, text: str, start_s: float, end_s: float) -> dict: ...


# --------------------------------------------------------------------------- trainees

FEELING_WORDS = {
    "sad": ["sad", "low", "really down"],
    "anxious": ["anxious", "scared", "on edge"],
    "angry": ["frustrated", "angry", "fed up"],
    "ashamed": ["ashamed", "guilty", "embarrassed"],
    "tired": ["exhausted", "worn out", "drained"],
    "lonely": ["lonely", "alone", "isolated"],
    "hopeless": ["hopeless", "stuck", "defeated"],
    "overwhelmed": ["overwhelmed", "swamped", "under pressure"],
    "hurt": ["hurt", "let down", "rejected"],
    "confused": ["confused", "torn", "unsure"],
    "relieved": ["relieved", "lighter", "a bit relieved"],
    "hopeful": ["hopeful", "a bit hopeful", "more positive"],
    "happy": ["glad", "pleased", "happier"],
}
FALLBACK_FEELINGS = ["worn down", "uneasy", "weighed down", "stressed"]

_TO_SECOND_PERSON = [
    (r"\bI'm\b", "you're"), (r"\bI am\b", "you are"), (r"\bI've\b", "you've"), (r"\bI'd\b", "you'd"),
    (r"\bI'll\b", "you'll"), (r"\bI was\b", "you were"), (r"\bI\b", "you"), (r"\bmy\b", "your"),
    (r"\bme\b", "you"), (r"\bmyself\b", "yourself"), (r"\bmine\b", "yours"), (r"\bwe\b", "you"),
    (r"\bour\b", "your"), (r"\bus\b", "you"), (r"\bam\b", "are"),
]
_FILLERS = re.compile(r"^(well|honestly|yeah|yes|no|so|um|uh|look|i mean|to be honest|sorry|okay|ok|alright)[,.]?\s+", re.I)


def to_second_person(text: str) -> str:
    out = text
    for pattern, repl in _TO_SECOND_PERSON:
        out = re.sub(pattern, repl, out, flags=re.IGNORECASE)
    return out


def content_clause(reply: str, rng: random.Random) -> str | None:
    """A clause of the client's reply, turned round to "you", for a reflection."""
    sentences = [s for s in split_sentences([reply]) if len(s.split()) >= 4 and not s.endswith("?")]
    if not sentences:
        return None
    # Prefer the longest sentence: it usually carries the content.
    sentence = max(sentences, key=lambda s: len(s.split()) + rng.random())
    clause = re.split(r"[;:]|,\s+(?:but|and|so)\s+|\.\s", sentence)[0]
    for _ in range(2):
        clause = _FILLERS.sub("", clause.strip())
    clause = clause.strip(" .,!?\"'")
    words = clause.split()
    if len(words) < 3:
        return None
    clause = " ".join(words[:16])
    return to_second_person(clause[0].lower() + clause[1:])


def feeling_word(replies: Sequence[str], rng: random.Random) -> str:
    from trainer.feedback.feelings import feelings_in, strongest

    for reply in reversed(replies):
        found = strongest(feelings_in(reply))
        if found is not None:
            return rng.choice(FEELING_WORDS.get(found.family, [found.family]))
    return rng.choice(FALLBACK_FEELINGS)


REFLECTION_TEMPLATES = [
    "It sounds like {content}, and you're feeling {feeling} about it.",
    "So {content}, and that leaves you feeling {feeling}.",
    "You're feeling {feeling}, because {content}.",
    "I'm hearing that {content}, and underneath that you feel {feeling}.",
    "It sounds really hard: {content}, and you feel {feeling}.",
]
FEELING_ONLY_TEMPLATES = [
    "You sound {feeling}, like you've been carrying this for a while.",
    "It sounds like you're feeling {feeling}, and it's hard to even put it into words.",
    "There's something that's left you feeling {feeling}, and it's been building up.",
]
OPEN_QUESTIONS = [
    "What has that been like for you?",
    "What feels hardest about it right now?",
    "How has all of this been affecting you?",
    "What goes through your mind when you think about it?",
]
RISK_QUESTION = ("Sometimes when people feel like that, they think about ending their life. "
                 "Are you having thoughts like that?")
AFFIRMATIONS = [
    "It takes real courage to talk about this, and you're doing it.",
    "You've kept going through all of this, and that says a lot about you.",
    "I appreciate how honest you're being with me.",
    "You've been carrying a lot, and you still came here today.",
]
LECTURING_LINES = [
    "You should try to get more sleep and cut down on your hours.",
    "Have you tried exercise? It really helps with stress.",
    "Research shows that stress is a normal reaction, and mindfulness apps can reduce it.",
    "What you need to do is make a plan and stick to it.",
    "Do you drink alcohol?",
    "Is it every day?",
    "You need to talk to your family about this.",
    "It's important to stay positive and focus on the good things.",
    "Did you see your doctor about it?",
    "The best thing would be to take some time off and relax.",
    "Have you thought about joining a support group? They are very effective.",
    "Are you eating properly?",
    "Many people feel this way, and it usually passes if you keep busy.",
    "You should write down three good things every evening.",
]


@dataclass
class AttunedTrainee:
    """Reflections from the client's own words, open questions and affirmations; and,
    after a client's first hint of suicide, a reflection and a plain question about it."""

    seed: int = 0
    rng: random.Random = field(init=False)
    asked_about_suicide: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"attuned:{self.seed}")
        # Mostly reflections: after a client shares something, the feedback engine counts
        # a question or an affirmation instead of a reflection as a missed opportunity.
        pattern = ["reflect", "reflect", "question", "reflect", "reflect", "affirm", "reflect",
                   "reflect", "reflect", "question", "reflect", "reflect", "affirm", "reflect"]
        # Vary which kind of line comes when, but keep reflections in the majority.
        if self.seed % 2:
            pattern[2], pattern[3] = pattern[3], pattern[2]
        self.pattern = pattern

    def line(self, turn: int, client_replies: Sequence[str]) -> str:
        kind = self.pattern[turn % len(self.pattern)]
        last = client_replies[-1] if client_replies else ""
        feeling = feeling_word(client_replies, self.rng)
        content = content_clause(last, self.rng)
        if content is None:
            reflection = self.rng.choice(FEELING_ONLY_TEMPLATES).format(feeling=feeling)
        else:
            reflection = self.rng.choice(REFLECTION_TEMPLATES).format(content=content, feeling=feeling)
        if not self.asked_about_suicide and risk_cue(last):
            self.asked_about_suicide = True
            return f"{reflection} {RISK_QUESTION}"
        # Questions and affirmations follow a reflection, as a skilled counsellor would:
        # a bare question after the client shares something is a missed opportunity.
        if kind == "question":
            return f"{reflection} {self.rng.choice(OPEN_QUESTIONS)}"
        if kind == "affirm":
            return f"{self.rng.choice(AFFIRMATIONS)} {reflection}"
        return reflection


@dataclass
class LecturingTrainee:
    """Advice, psychoeducation and closed questions, in a seeded order."""

    seed: int = 0

    def __post_init__(self) -> None:
        self.order = list(LECTURING_LINES)
        random.Random(f"lecturing:{self.seed}").shuffle(self.order)

    def line(self, turn: int, client_replies: Sequence[str]) -> str:
        return self.order[turn % len(self.order)]


def make_trainee(style: str, seed: int):
    if style == "attuned":
        return AttunedTrainee(seed)
    if style == "lecturing":
        return LecturingTrainee(seed)
    raise ValueError(f"unknown trainee style {style!r}; expected one of {', '.join(STYLES)}")


# --------------------------------------------------------------------------- one run


@dataclass(frozen=True)
class TurnLog:
    trainee: str
    code: str
    attunement: float | None
    client: str
    state: dict
    layer_said: str | None
    leak: bool


@dataclass(frozen=True)
class RunResult:
    scenario_id: str
    style: str
    seed: int
    deepest_layer: str | None
    turns_to_core: int | None
    leaks: int
    role_breaks_shipped: int
    role_breaks_caught: int
    regenerations: int
    fallbacks: int
    reply_words: tuple[int, ...]
    turns: tuple[TurnLog, ...]


def audit_reply(reply: str, persona_name: str) -> int:
    """Role-check failures in a reply that was actually spoken."""
    return sum(1 for s in split_sentences([reply]) if not check_sentence(s, persona_name).ok)


def run_conversation(
    scenario: Scenario,
    style: str,
    seed: int,
    backend: ChatBackend | None,
    feedback_factory: Callable[[], FeedbackSource],
    turns: int = DEFAULT_TURNS,
) -> RunResult:
    client = SimulatedClient(scenario, backend, seed=seed)
    engine = feedback_factory()
    trainee = make_trainee(style, seed)
    clock = 0.0

    def speak(text: str) -> tuple[float, float]:
        nonlocal clock
        start = clock + 0.8
        end = start + max(0.5, len(text.split()) / WORDS_PER_SECOND)
        clock = end
        return start, end

    opening = client.opening_line()
    engine.client_turn(opening, *speak(opening))
    replies = [opening]
    deepest = layer_disclosed(scenario, opening)
    allowed_so_far = client.state.layer_allowed
    leaks = 0
    shipped = 0
    turns_to_core = None
    logs: list[TurnLog] = []
    words: list[int] = []
    for turn in range(turns):
        text = trainee.line(turn, replies)
        feedback = engine.trainee_turn(text, *speak(text))
        state = client.observe_trainee_turn(text, feedback)
        if layer_rank(state.layer_allowed) > layer_rank(allowed_so_far):
            allowed_so_far = state.layer_allowed
        reply = " ".join(client.respond(text))
        engine.client_turn(reply, *speak(reply))
        replies.append(reply)
        said = layer_disclosed(scenario, reply)
        leak = layer_rank(said) > layer_rank(allowed_so_far)
        leaks += leak
        shipped += audit_reply(reply, scenario.persona.name)
        words.append(len(reply.split()))
        if layer_rank(said) > layer_rank(deepest):
            deepest = said
        if said == "core" and turns_to_core is None:
            turns_to_core = turn + 1
        logs.append(TurnLog(text, str(feedback.get("code")), feedback.get("attunement"), reply,
                            client.state.to_dict(), said, bool(leak)))
    stats = client.stats
    return RunResult(
        scenario_id=scenario.id, style=style, seed=seed, deepest_layer=deepest, turns_to_core=turns_to_core,
        leaks=leaks, role_breaks_shipped=shipped + stats.role_breaks_shipped,
        role_breaks_caught=stats.role_breaks_caught, regenerations=stats.regenerations,
        fallbacks=stats.fallbacks, reply_words=tuple(words), turns=tuple(logs),
    )


# --------------------------------------------------------------------------- aggregate


def summarize_runs(results: Sequence[RunResult]) -> dict[str, Any]:
    """The figures for one scenario and style (see docs/client.md)."""
    if not results:
        return {}
    reached = [r for r in results if r.deepest_layer == "core"]
    deepest = max((r.deepest_layer for r in results), key=layer_rank)
    to_core = [r.turns_to_core for r in results if r.turns_to_core is not None]
    words = [w for r in results for w in r.reply_words]
    return {
        "runs": len(results),
        "core_reached_rate": round(len(reached) / len(results), 3),
        "deepest_layer": deepest,
        "deepest_layer_by_run": [r.deepest_layer for r in results],
        "turns_to_core": statistics.median(to_core) if to_core else None,
        "leaks": sum(r.leaks for r in results),
        "role_breaks_shipped": sum(r.role_breaks_shipped for r in results),
        "role_breaks_caught": sum(r.role_breaks_caught for r in results),
        "regenerations": sum(r.regenerations for r in results),
        "fallbacks": sum(r.fallbacks for r in results),
        "avg_reply_words": round(sum(words) / len(words), 1) if words else 0.0,
    }


def default_feedback_factory() -> Callable[[], FeedbackSource]:
    """The real coder and feedback engine (the coder is loaded once)."""
    from trainer.feedback.blended_coder import BlendedCoder
    from trainer.feedback.engine import FeedbackEngine

    coder = BlendedCoder.load()
    return lambda: FeedbackEngine(coder)


def evaluate(
    scenarios: Sequence[Scenario],
    backend: ChatBackend | None,
    runs: int = 3,
    turns: int = DEFAULT_TURNS,
    feedback_factory: Callable[[], FeedbackSource] | None = None,
    progress: Callable[[RunResult], None] | None = None,
) -> tuple[dict[str, Any], list[RunResult]]:
    """Run every scenario with both trainee styles; returns (report, all runs)."""
    factory = feedback_factory or default_feedback_factory()
    report: dict[str, Any] = {"scenarios": {}}
    results: list[RunResult] = []
    for scenario in scenarios:
        per_style = {}
        for style in STYLES:
            style_results = []
            for seed in range(runs):
                result = run_conversation(scenario, style, seed, backend, factory, turns)
                style_results.append(result)
                if progress is not None:
                    progress(result)
            per_style[style] = summarize_runs(style_results)
            results.extend(style_results)
        report["scenarios"][scenario.id] = per_style
    report["goal_met"] = goal_met(report)
    return report, results


def goal_met(report: dict[str, Any]) -> bool:
    """Attuned reaches core in >= 80% of runs, lecturing <= 20%, no shipped breaks, no leaks."""
    for styles in report["scenarios"].values():
        attuned, lecturing = styles["attuned"], styles["lecturing"]
        if attuned["core_reached_rate"] < 0.8 or lecturing["core_reached_rate"] > 0.2:
            return False
        for figures in (attuned, lecturing):
            if figures["leaks"] or figures["role_breaks_shipped"]:
                return False
    return True


def format_table(report: dict[str, Any]) -> str:
    header = ("scenario", "style", "core rate", "deepest", "turns→core", "leaks", "shipped", "caught", "words")
    rows = [header]
    for scenario_id, styles in report["scenarios"].items():
        for style in STYLES:
            f = styles[style]
            rows.append((
                scenario_id, style, f"{f['core_reached_rate']:.0%}", str(f["deepest_layer"]),
                "-" if f["turns_to_core"] is None else f"{f['turns_to_core']:g}",
                str(f["leaks"]), str(f["role_breaks_shipped"]), str(f["role_breaks_caught"]),
                f"{f['avg_reply_words']:.1f}",
            ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


__all__ = [
    "AttunedTrainee", "LecturingTrainee", "RunResult", "STYLES", "evaluate", "format_table",
    "goal_met", "run_conversation", "summarize_runs",
]
