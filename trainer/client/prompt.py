"""The chat sent to the language model for each client reply.

Layout, chosen so llama.cpp can reuse its cache between turns:

1. **system** (stable for the whole session): who the client is, how they speak, example
   lines and the rules of the role-play. Nothing here changes from turn to turn, so it
   is evaluated once.
2. **history**: a greeting cue and the opening line, then earlier trainee lines (user)
   and client replies (assistant), verbatim.
   When the history outgrows its token budget the oldest turns are dropped in chunks of
   :attr:`PromptSettings.drop_chunk_turns`, so the prefix changes rarely.
3. **the last user message**: the trainee's words, then a bracketed hint for this turn:
   how the client feels now, the stance to take, a line the client may say in their own
   words (a fact from a layer the state allows, or a scripted line for the stance: the
   model cannot leak what it was never told) and a short extractive summary of what the
   client already said in turns dropped from the history. Small models follow a concrete
   suggested line far better than abstract instructions, and tend to copy notes given
   as a separate block into their reply; a hint in brackets after the words works.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from trainer.client.disclosure import redact
from trainer.client.state import ClientState
from trainer.scenarios import Scenario, layer_disclosed

Turn = tuple[str, str]
"""``(speaker, text)`` with speaker ``"trainee"`` or ``"client"``."""


@dataclass(frozen=True)
class PromptSettings:
    history_token_budget: int = 1800
    """Tokens of verbatim history kept (a 4096-token context leaves room for the rest)."""
    drop_chunk_turns: int = 6
    """Dropped from the front together when over budget, so the cached prefix is stable."""
    summary_max_lines: int = 6
    """Client sentences from dropped turns kept as the running summary."""


STANCE_INSTRUCTIONS = {
    "share": "{name} answers honestly.",
    "guarded": "{name} is guarded and gives a short, vague answer.",
    "deflect": "{name} feels interrogated by the questions and dodges them or changes the subject.",
    "pushback": "{name} did not ask for advice and pushes back a little: it is not that simple.",
    "withdraw": "{name} feels overwhelmed and says only a few words.",
}

MOOD_WORDS = {
    "guarded": "wary and on guard",
    "warming": "a little less wary",
    "open": "safe enough to be honest",
    "defensive": "irritated and defensive",
    "withdrawn": "shut down and tired",
}

SILENCE_INSTRUCTION = (
    "The counsellor has stayed quietly with {name} for a while, waiting. {name} goes on without "
    "being asked, saying a little more about what {name} was just talking about."
)
"""Replaces the stance instruction when the trainee let a silence sit (no words to react to)."""

SILENCE_CUE = "(The counsellor says nothing and waits.)"
"""Stands for the trainee's words after a held silence. Tried on the 0.5B model, 7
scenarios x 3 seeds x 2 continuations: "..." was read as mumbling ("I'm sorry, I don't
understand you.", 6 of 42 replies off), an empty message as a new conversation ("Hello,
welcome to my session.", 9 of 42); this cue left 4 of 42."""

OPENING_CUE = "Hello, come in and take a seat."
"""The user message before the opening line, so the chat starts with a user turn and the
model sees one example of the client's voice."""


def estimate_tokens(text: str) -> int:
    """Cheap estimate (about four characters a token for English)."""
    return len(text) // 4 + 4


def system_prompt(scenario: Scenario) -> str:
    """The stable persona prompt (identical every turn of a session).

    Only what the surface layer may show goes here (persona text is redacted with
    :func:`~trainer.client.disclosure.redact`); the example lines are the scenario's
    guarded and surface scripted lines, which never reveal a deeper layer.
    """
    p = scenario.persona
    examples = list(scenario.scripted.guarded[:2]) + list(scenario.scripted.surface[:2])
    lines = [
        f"You are playing {p.name}, a {p.age}-year-old ({p.pronouns}) client in a counselling session. "
        "The user is a trainee counsellor practising their skills with you.",
        f"Background: {redact(p.background, scenario, 'surface')}",
        f"Why {p.name} is here: {redact(p.presenting_concern, scenario, 'surface')}",
        f"How {p.name} talks: {redact(p.speaking_style, scenario, 'surface')}",
        f"Examples of how {p.name} talks: " + " ".join(f'"{line}"' for line in examples),
        "",
        "Rules:",
        f"- Speak only as {p.name}, in the first person (I, me, my), as spoken words.",
        "- Reply in one to three short sentences.",
        "- You are the client. Never give advice, never ask the counsellor about their feelings, "
        "never act as a therapist or helper.",
        "- Never say you are an AI, an assistant or a model.",
        "- No stage directions, no asterisks, no brackets, no names or labels before your words, "
        "no lists, no code.",
        "- Only talk about things in your background and the hints. Do not invent new problems.",
        "- Stay consistent with what you said before.",
    ]
    return "\n".join(lines)


def turn_hint(
    scenario: Scenario,
    state: ClientState,
    suggestion: str | None = None,
    summary: Sequence[str] = (),
    strict: bool = False,
    silence: bool = False,
) -> str:
    """The private hint appended (in brackets) to the trainee's words for this reply.

    ``suggestion`` is a line the client may say in their own words: a fact of the layer
    the state allows (only ever from allowed layers) or a scripted line for the stance.
    ``silence``: the trainee said nothing and let the silence sit; the client goes on.
    """
    name = scenario.persona.name
    parts = [f"{name} feels {MOOD_WORDS.get(state.mood, state.mood)}."]
    if state.intensity >= 0.7:
        parts.append(f"{name}'s feelings are running high.")
    if summary:
        parts.append(f"Earlier {name} said: " + " ".join(summary))
    stance = SILENCE_INSTRUCTION if silence else STANCE_INSTRUCTIONS.get(state.stance, STANCE_INSTRUCTIONS["guarded"])
    parts.append(stance.format(name=name))
    if suggestion:
        parts.append(f'In this reply {name} may say something close to: "{suggestion}"')
    if strict:
        parts.append(f"Reply only with {name}'s own spoken words, in plain English, one or two sentences.")
    return " ".join(parts)


def _history_start(history: Sequence[Turn], settings: PromptSettings, count: Callable[[str], int]) -> int:
    """Index of the first turn kept verbatim: moves forward in whole chunks."""
    sizes = [count(text) for _, text in history]
    start = 0
    while sum(sizes[start:]) > settings.history_token_budget and start + settings.drop_chunk_turns < len(history):
        start += settings.drop_chunk_turns
    # The kept part must start with a trainee turn (user message) for strict templates.
    while start < len(history) and history[start][0] != "trainee":
        start += 1
    return start


def running_summary(scenario: Scenario, dropped: Sequence[Turn], max_lines: int) -> list[str]:
    """The client's disclosing lines from dropped turns (extractive), newest kept."""
    kept = [text for speaker, text in dropped if speaker == "client" and layer_disclosed(scenario, text)]
    return kept[-max_lines:]


def build_messages(
    scenario: Scenario,
    state: ClientState,
    history: Sequence[Turn],
    *,
    suggestion: str | None = None,
    strict: bool = False,
    settings: PromptSettings = PromptSettings(),
    count_tokens: Callable[[str], int] = estimate_tokens,
) -> list[dict]:
    """The chat for the next client reply.

    ``history`` is the whole session so far: it starts with the client's opening line
    and ends with the trainee's latest turn, or with the client's own line when the
    trainee let a silence sit (the client then goes on).
    """
    body = list(history)
    opening = body.pop(0)[1] if body and body[0][0] == "client" else None
    start = _history_start(body, settings, count_tokens)
    dropped, kept = body[:start], body[start:]
    summary = running_summary(scenario, dropped, settings.summary_max_lines)

    messages: list[dict] = [{"role": "system", "content": system_prompt(scenario)}]
    if opening is not None:
        messages.append({"role": "user", "content": OPENING_CUE})
        messages.append({"role": "assistant", "content": opening})
    for speaker, text in kept:
        role = "user" if speaker == "trainee" else "assistant"
        if messages[-1]["role"] == role:
            messages[-1] = {"role": role, "content": messages[-1]["content"] + " " + text}
        else:
            messages.append({"role": role, "content": text})
    silence = messages[-1]["role"] != "user"  # the client spoke last: the trainee held a silence
    hint = turn_hint(scenario, state, suggestion=suggestion, summary=summary, strict=strict, silence=silence)
    if messages[-1]["role"] == "user":
        last = messages.pop()["content"]
    else:
        last = SILENCE_CUE  # the trainee said nothing (a long silence)
    messages.append({"role": "user", "content": f"{last}\n\n({hint})"})
    return messages
