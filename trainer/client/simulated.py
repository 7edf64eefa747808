"""The simulated client the session engine talks to.

One object per practice session::

    client = SimulatedClient(scenario, backend)        # backend None: scripted mode
    say(client.opening_line())
    state = client.observe_trainee_turn(text, feedback)  # feedback engine's dict
    for sentence in client.respond(text, cancel):        # role-checked, streamed
        speak(sentence)

``respond`` yields each sentence as soon as the model has finished it and the role
check has passed it, so speech can start before the reply is complete. A reply whose
first sentence fails the check is regenerated once (hotter, with a stricter hint);
if that fails too, a scripted line for the current stance and layer is said instead.
A sentence failing later in a reply ends the reply there (what was said stays said).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from trainer.client.backend import ChatBackend
from trainer.client.disclosure import deeper_of, layer_rank
from trainer.client.prompt import OPENING_CUE, PromptSettings, Turn, build_messages, turn_hint
from trainer.client.role_check import RoleVerdict, check_sentence, clean_sentence
from trainer.client.scripted import ScriptedCursor, ScriptedLines, scripted_kind, stock_lines
from trainer.client.sentences import split_sentences
from trainer.client.state import ClientState, initial_state, update_state
from trainer.feedback.measures import STOPWORDS, content_stems
from trainer.scenarios import LAYERS, Scenario, layer_disclosed, normalize_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GenerationSettings:
    max_tokens: int = 80
    # Cooler than the usual 0.7: with the 0.5B default, out-of-role replies (mostly
    # incoherent ones) fell from 18 % to 7 % in a blind count (docs/client.md).
    temperature: float = 0.5
    retry_temperature: float = 0.8
    max_sentences: int = 3
    max_words: int = 55
    stop: tuple[str, ...] = ("\n", "(", "[", "*", "Counsellor:", "Therapist:", "<|")
    """Cut generation where a reply turns into notes, stage directions or a new speaker."""


@dataclass(frozen=True)
class ClientStats:
    """Role-check figures for a session (or since the last restore)."""

    role_breaks_caught: int = 0
    """Sentences the role check stopped before they were spoken."""
    role_breaks_shipped: int = 0
    """Sentences spoken that fail the role check (only possible for scripted lines)."""
    regenerations: int = 0
    fallbacks: int = 0
    """Replies replaced by a scripted line (two failed attempts, or a model error)."""
    backend_errors: int = 0
    caught_kinds: tuple[tuple[str, int], ...] = ()

    def caught(self, kind: str) -> "ClientStats":
        kinds = dict(self.caught_kinds)
        kinds[kind] = kinds.get(kind, 0) + 1
        return replace(self, role_breaks_caught=self.role_breaks_caught + 1, caught_kinds=tuple(sorted(kinds.items())))

    def to_dict(self) -> dict[str, Any]:
        return {
            "role_breaks_caught": self.role_breaks_caught,
            "role_breaks_shipped": self.role_breaks_shipped,
            "regenerations": self.regenerations,
            "fallbacks": self.fallbacks,
            "backend_errors": self.backend_errors,
            "caught_kinds": dict(self.caught_kinds),
        }


@dataclass(frozen=True)
class ClientSnapshot:
    """Everything needed to rewind the client (for "try it again")."""

    state: ClientState
    history: tuple[Turn, ...]
    suggested: tuple[tuple[str, int], ...]
    scripted: ScriptedCursor
    stats: ClientStats
    last_reply: str


@dataclass(frozen=True)
class VoiceBase:
    """Piper's defaults, before scenario and state adjust them."""

    length_scale: float = 1.0
    noise_scale: float = 0.667
    noise_w: float = 0.8


ECHO_SPAN_WORDS = 6
"""A sentence sharing this many words in a row with the trainee's line is an echo."""
HINT_SPAN_WORDS = 5
"""A sentence sharing this many words in a row with the hint (minus its suggested line) is meta."""


def _shared_runs(text: str, other: str, n: int) -> list[tuple[str, ...]]:
    """The runs of ``n`` words that normalized ``text`` shares with ``other``."""
    words, others = text.split(), other.split()
    grams = {tuple(others[i : i + n]) for i in range(len(others) - n + 1)}
    return [run for run in (tuple(words[i : i + n]) for i in range(len(words) - n + 1)) if run in grams]


def _shares_span(text: str, other: str, n: int) -> bool:
    """Whether normalized ``text`` and ``other`` share a run of ``n`` words."""
    return bool(_shared_runs(text, other, n))


SECOND_PERSON_ECHO_WORDS = 3
"""A statement sharing this many words in a row with the trainee's line, starting with
"you"/"your" and holding a content word, hands the trainee's words back ("You feel
stressed and scared." after "...and you feel stressed."): the model has slipped into the
counsellor's voice."""
_OPENING_CUE = normalize_text(OPENING_CUE)
_YOU_WORDS = frozenset({"you", "youre", "your", "youve", "youll", "youd", "yours", "yourself"})


_TO_FIRST_PERSON = {"you": "i", "youre": "im", "your": "my", "youve": "ive", "youll": "ill", "youd": "id",
                    "yours": "mine", "yourself": "myself"}


def _as_first_person(norm: str) -> str:
    return " ".join(_TO_FIRST_PERSON.get(word, word) for word in norm.split())


def _says_back_in_second_person(text: str, trainee: str) -> bool:
    """Whether normalized ``text`` repeats a second-person phrase of normalized ``trainee``."""
    return any(
        run[0] in _YOU_WORDS and any(w not in STOPWORDS and len(w) > 2 for w in run)
        for run in _shared_runs(text, trainee, SECOND_PERSON_ECHO_WORDS)
    )


OVERDUE_AFTER_SUGGESTIONS = 2
"""Replies in which the model was offered a newly opened layer's facts and said none of
them; the next reply is the scenario's scripted line for that layer."""
REPEAT_CLAUSE_WORDS = 4
"""A piece this long that the client already said, word for word, is a repeat even when it
is only a clause: streaming splits a long first sentence at a comma, so the piece being
checked is often a clause of a sentence said before."""


def _normalized_sentences(text: str) -> set[str]:
    return {normalize_text(s) for s in split_sentences([text + " "]) if normalize_text(s)}


REPEAT_SPAN_WORDS = 8
"""Sharing this many words in a row with an earlier client turn is a near-verbatim repeat
("Okay, I have a job offer in another city, a senior one, ..." a second time)."""


def _said_before(norm: str, earlier_turns: Sequence[str]) -> bool:
    """Whether the normalized piece repeats an earlier client turn (or a long run of one)."""
    if any(norm in _normalized_sentences(turn) for turn in earlier_turns):
        return True
    if len(norm.split()) < REPEAT_CLAUSE_WORDS:
        return False
    earlier = [normalize_text(turn) for turn in earlier_turns]
    return any(f" {norm} " in f" {turn} " or _shares_span(norm, turn, REPEAT_SPAN_WORDS) for turn in earlier)


_QUOTED_BACK = re.compile(r"\bwhat (you|u) mean(t)? by\s*[\"\u201c'\u2018](?P<quote>[^\"\u201d\u2019]+)", re.IGNORECASE)


def _misquotes(sentence: str, trainee_turns: Sequence[str]) -> bool:
    """The client asks what the counsellor meant by words the counsellor never said.

    The small model quotes its own earlier lines back as if the counsellor had said them
    ('I'm not sure what you mean by "that's literally what my mum says."'), which makes
    no sense to the trainee. Quoting the counsellor's real words is fine.
    """
    match = _QUOTED_BACK.search(sentence)
    if match is None:
        return False
    quote = normalize_text(match.group("quote"))
    return bool(quote) and not any(f" {quote} " in f" {normalize_text(turn)} " for turn in trainee_turns)


GOING_ON_REPEAT_SHARE = 0.6
"""Going on after a silence, a sentence with this share of its content words in the
client's line just before says it again in other words ("I've got a job offer in another
city, a senior one, ..." after "I've been offered a senior job in another city ...")."""
_CONFUSED = re.compile(
    r"\b(do(n't| not) (understand|follow|know what you mean)|not sure (what|i follow)|what (do )?you mean"
    r"|what you're (trying to )?say)", re.IGNORECASE)
"""Not understanding the counsellor, when the counsellor said nothing."""


_NARRATES_SILENCE = re.compile(
    r"\b(the counsell?or\b|(says|said) nothing and wait(s|ed)?\s*([.,;:!?]|$)|(is not|isn't) asking\s*([.,;:!?]|$))", re.IGNORECASE)
"""Going on after a silence, the cue "(The counsellor says nothing and waits.)" told back in
the third person ("The counsellor is not asking," from the real model, shown and stored).
"My old counsellor never listened.", "He says nothing and waits for me to calm down." and "My
boss isn't asking for much." stay client lines."""


def _restates(sentence: str, line: str) -> bool:
    words = set(content_stems(sentence))
    return len(words) >= 2 and len(words & set(content_stems(line))) / len(words) >= GOING_ON_REPEAT_SHARE


def _line_said_before(line: str, earlier_turns: Sequence[str]) -> bool:
    """Whether the client already said a scripted line, or any sentence of it."""
    pieces = _normalized_sentences(line) | {normalize_text(line)}
    return any(_said_before(piece, earlier_turns) for piece in pieces if piece)


class SimulatedClient:
    """See module docs. Not thread-safe: one engine thread drives it."""

    def __init__(
        self,
        scenario: Scenario,
        backend: ChatBackend | None,
        *,
        seed: int = 0,
        settings: GenerationSettings = GenerationSettings(),
        prompt_settings: PromptSettings = PromptSettings(),
    ) -> None:
        self.scenario = scenario
        self.backend = backend
        self.seed = seed
        self.settings = settings
        self.prompt_settings = prompt_settings
        self._state = initial_state(scenario)
        self._history: list[Turn] = []
        self._suggested: dict[str, int] = {}
        self._scripted = ScriptedLines(scenario, seed)
        self._stats = ClientStats()
        self._last_reply = ""
        self._hint_text = ""
        self.caught_log: list[tuple[str, str]] = []
        """The most recent sentences the role check stopped, as (kind, sentence)."""

    # ------------------------------------------------------------------ read-only views

    @property
    def state(self) -> ClientState:
        return self._state

    @property
    def history(self) -> tuple[Turn, ...]:
        return tuple(self._history)

    @property
    def stats(self) -> ClientStats:
        return self._stats

    @property
    def last_reply(self) -> str:
        """The whole text of the last reply (what was actually said)."""
        return self._last_reply

    # ------------------------------------------------------------------ the turn

    def warm_up(self) -> None:
        """Load the model and put the persona prompt in its cache (no-op when scripted).

        Call after :meth:`opening_line` (or let it be chosen here): the first reply then
        only evaluates the trainee's words.
        """
        warm = getattr(self.backend, "warm_up", None)
        if warm is None:
            return
        if not self._history:
            self.opening_line()
        messages = build_messages(self.scenario, self._state, list(self._history), settings=self.prompt_settings)
        warm(messages[:-1] if len(messages) > 1 else messages)

    def prefill(self) -> None:
        """Called by the engine while the trainee talks: put everything the next prompt
        starts with (persona, history, the last reply) in the model's cache, so the end
        of the turn only evaluates the trainee's new words."""
        self.warm_up()

    def opening_line(self) -> str:
        """The client's first words (from the scenario; chosen by seed)."""
        if self._history and self._history[0][0] == "client":
            return self._history[0][1]
        lines = self.scenario.opening_lines
        line = lines[self.seed % len(lines)]
        self._history.insert(0, ("client", line))
        self._last_reply = line
        self._state = self._state.with_voiced(layer_disclosed(self.scenario, line))
        return line

    def observe_trainee_turn(self, trainee_text: str, feedback: Mapping[str, Any]) -> ClientState:
        """Record the trainee's turn and update the state from its feedback."""
        self._history.append(("trainee", trainee_text.strip()))
        self._state = update_state(self._state, feedback, self.scenario)
        return self._state

    def respond(self, trainee_text: str, cancel: threading.Event | None = None) -> Iterator[str]:
        """Yield the reply sentence by sentence, each one role-checked.

        If :meth:`observe_trainee_turn` was not called for ``trainee_text`` it is recorded
        here without changing the state. Closing the iterator early (barge-in) or setting
        ``cancel`` stops generation; what was yielded so far is recorded as the reply.
        """
        if not self._history or self._history[-1] != ("trainee", trainee_text.strip()):
            self._history.append(("trainee", trainee_text.strip()))
        yield from self._reply(cancel)

    def continue_after_silence(self, cancel: threading.Event | None = None) -> Iterator[str]:
        """The client goes on by themselves: the trainee let a silence sit after their line.

        Nothing is added to the history for the trainee and the state is unchanged (a held
        silence neither earns nor costs openness); the prompt asks the client to say a
        little more about what they were talking about, within the layers already allowed.
        """
        yield from self._reply(cancel)

    def _reply(self, cancel: threading.Event | None) -> Iterator[str]:
        spoken: list[str] = []
        if self.backend is None:
            source = self._scripted_sentences(self._scripted_line())
        elif self._disclosure_overdue():
            self._stats = replace(self._stats, fallbacks=self._stats.fallbacks + 1)
            source = self._scripted_sentences(self._scripted_line())
        else:
            source = self._model_sentences(cancel)
        try:
            for sentence in source:
                spoken.append(sentence)
                yield sentence
        finally:
            source.close()  # stops the model at once on barge-in (releases its lock)
            self._record_reply(" ".join(spoken))

    def trim_last_reply(self, heard: str) -> None:
        """The trainee cut the last reply short: keep only what was ``heard`` (sentences
        whose sound had begun). The client must not remember, or later refer to, words
        the trainee never heard; a disclosure that was not heard is not yet voiced."""
        if not self._history or self._history[-1][0] != "client":
            return
        heard = heard.strip()
        if heard:
            self._history[-1] = ("client", heard)
        else:
            self._history.pop()
        self._last_reply = heard
        voiced = None
        for speaker, text in self._history:
            if speaker == "client":
                voiced = deeper_of(voiced, layer_disclosed(self.scenario, text))
        self._state = replace(self._state, layer_voiced=voiced)

    def replay_client_line(self, text: str) -> None:
        """Record a line the client said in a stored session (rebuilding a snapshot of an
        earlier run's session, see trainer/replay.py); nothing is generated."""
        self._record_reply(text)

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> ClientSnapshot:
        return ClientSnapshot(
            state=self._state,
            history=tuple(self._history),
            suggested=tuple(sorted(self._suggested.items())),
            scripted=self._scripted.cursor,
            stats=self._stats,
            last_reply=self._last_reply,
        )

    def restore(self, snapshot: ClientSnapshot) -> None:
        self._state = snapshot.state
        self._history = list(snapshot.history)
        self._suggested = dict(snapshot.suggested)
        self._scripted.cursor = snapshot.scripted
        self._stats = snapshot.stats
        self._last_reply = snapshot.last_reply

    # ------------------------------------------------------------------ voice

    def voice_params(self) -> dict[str, float]:
        """Piper synthesis parameters for the next reply, following the state.

        Low intensity (flat, sad) speaks slower and softer; high intensity (agitated)
        quicker, louder and slightly higher; a defensive client a little clipped. The
        scenario's ``voice.speaking_rate`` and ``pitch_semitones`` are the baseline.
        """
        base = VoiceBase()
        voice = self.scenario.voice
        intensity = self._state.intensity
        tempo = 1.12 - 0.24 * intensity  # 1.12 (slow) at 0 .. 0.88 (quick) at 1
        if self._state.mood == "defensive":
            tempo -= 0.04
        if self._state.mood == "withdrawn":
            tempo += 0.06
        length_scale = base.length_scale * tempo / voice.speaking_rate
        pitch = voice.pitch_semitones + (intensity - 0.5) * 1.5
        volume = 0.8 + 0.25 * intensity
        return {
            "length_scale": round(min(2.0, max(0.5, length_scale)), 3),
            "noise_scale": round(base.noise_scale * (0.9 + 0.2 * intensity), 3),
            "noise_w": round(base.noise_w * (0.9 + 0.25 * intensity), 3),
            "pitch_semitones": round(pitch, 2),
            "volume": round(min(1.0, max(0.5, volume)), 3),
        }

    # ------------------------------------------------------------------ internals

    def _record_reply(self, text: str) -> None:
        text = text.strip()
        self._last_reply = text
        if text:
            self._history.append(("client", text))
            self._state = self._state.with_voiced(layer_disclosed(self.scenario, text))

    def _scripted_line(self) -> str:
        """The next scripted line for the stance and layer that the client has not said yet
        (the model may have said it in its own words); once all have been said, a stock
        line for the stance not said yet; failing that, any but the last reply."""
        kind = scripted_kind(self._state.stance, self._state.layer_allowed)
        fresh = self._unsaid_line(kind)
        if fresh is not None:
            return fresh
        line = self._scripted.next(kind)
        if normalize_text(line) == normalize_text(self._last_reply):
            line = self._scripted.next(kind)
        return line

    def _unsaid_line(self, kind: str) -> str | None:
        """The next scripted line of ``kind`` no sentence of which the client has said,
        else such a stock line, else None."""
        earlier = [text for speaker, text in self._history if speaker == "client"]
        for _ in range(len(self._scripted.lines(kind))):
            line = self._scripted.next(kind)
            if not _line_said_before(line, earlier):
                return line
        for line in stock_lines(kind):
            if not _line_said_before(line, earlier):
                return line
        return None

    def _scripted_sentences(self, line: str) -> Iterator[str]:
        for sentence in split_sentences([line]):
            if not check_sentence(sentence, self.scenario.persona.name).ok:
                self._stats = replace(self._stats, role_breaks_shipped=self._stats.role_breaks_shipped + 1)
            yield sentence

    def _disclosure_overdue(self) -> bool:
        """The trainee opened a layer, the model was offered its facts twice and said none.

        A small model often ignores the suggested line; the trainee who earned the
        disclosure should still hear it, so the scenario's own line for the layer is said.
        A layer that opens when the trainee asks about suicide is due at once: the answer
        to that question is the point of the scenario (the model, offered "I've been
        thinking about ending my life", answered "I'm not feeling like a burden").
        """
        kind = scripted_kind(self._state.stance, self._state.layer_allowed)
        if kind not in LAYERS or layer_rank(kind) <= layer_rank(self._state.layer_voiced):
            return False
        asked = self._state.asked_about_suicide and self.scenario.layer(kind).opens_when_asked_about_suicide
        return asked or self._suggested.get(kind, 0) >= OVERDUE_AFTER_SUGGESTIONS

    def _suggestion(self) -> str | None:
        """A line the model may say in its own words (only from allowed layers)."""
        state = self._state
        kind = scripted_kind(state.stance, state.layer_allowed)
        # Never a line the client already said: the small model says the suggestion
        # nearly word for word, the repeat check stops it, and the reply ends up a
        # scripted fallback (a third of all replies before this rule).
        if kind not in ("surface", "deeper", "core"):
            return self._unsaid_line(kind)
        facts = self.scenario.layer(kind).facts
        earlier = [text for speaker, text in self._history if speaker == "client"]
        used = self._suggested.get(kind, 0)
        while used < len(facts) and _line_said_before(facts[used], earlier):
            used += 1
        self._suggested[kind] = used + 1
        if used < len(facts):
            return facts[used]
        return self._unsaid_line(kind)

    def _check(self, sentence: str, spoken: list[str]) -> RoleVerdict:
        verdict = check_sentence(sentence, self.scenario.persona.name)
        if not verdict.ok:
            return verdict
        if layer_rank(layer_disclosed(self.scenario, sentence)) > layer_rank(self._state.layer_available):
            return RoleVerdict(False, "leak")
        norm = normalize_text(sentence)
        # After a held silence the last line is the client's own: no trainee words to echo.
        trainee = normalize_text(self._history[-1][1]) if self._history and self._history[-1][0] == "trainee" else ""
        if (len(norm.split()) >= 4 and norm in trainee) or _shares_span(norm, trainee, ECHO_SPAN_WORDS):
            return RoleVerdict(False, "echo")
        if not sentence.rstrip().endswith("?") and _says_back_in_second_person(norm, trainee):
            return RoleVerdict(False, "echo")
        if _misquotes(sentence, [t for s, t in self._history if s == "trainee"]):
            return RoleVerdict(False, "misquote")
        if len(norm.split()) >= 4 and norm in _OPENING_CUE:  # the greeting the chat starts with
            return RoleVerdict(False, "echo")
        # the trainee's own question asked back ("...worn out. What would help?" seen in a
        # README run): short, so the length rule above misses it
        if sentence.rstrip().endswith("?") and trainee and norm in _normalized_sentences(self._history[-1][1]):
            return RoleVerdict(False, "echo")
        if _shares_span(norm, self._hint_text, HINT_SPAN_WORDS):
            return RoleVerdict(False, "meta")
        earlier = [t for s, t in self._history if s == "client"]
        if _said_before(norm, earlier) or norm in {normalize_text(s) for s in spoken}:
            return RoleVerdict(False, "repeat")
        # Its own earlier line said back from the counsellor's side: "I'm not sure what
        # you're meant to say" after opening with "...what I'm meant to say" (a demo run).
        if _YOU_WORDS & set(norm.split()) and _said_before(_as_first_person(norm), earlier):
            return RoleVerdict(False, "repeat")
        if self._history and self._history[-1][0] == "client":  # going on after a silence
            if _restates(sentence, self._history[-1][1]):
                return RoleVerdict(False, "repeat")
            if _CONFUSED.search(sentence):
                return RoleVerdict(False, "confused")
            if _NARRATES_SILENCE.search(sentence):
                return RoleVerdict(False, "meta")
        return verdict

    def _model_sentences(self, cancel: threading.Event | None) -> Iterator[str]:
        settings = self.settings
        suggestion = self._suggestion()
        spoken: list[str] = []
        for attempt in range(2):
            strict = attempt > 0
            if strict:
                self._stats = replace(self._stats, regenerations=self._stats.regenerations + 1)
            messages = build_messages(
                self.scenario, self._state, self._history,
                suggestion=suggestion, strict=strict, settings=self.prompt_settings,
            )
            self._hint_text = normalize_text(
                turn_hint(self.scenario, self._state, suggestion=None, strict=strict,
                          silence=bool(self._history) and self._history[-1][0] == "client")
            )
            stream = self.backend.stream_chat(  # a generator: errors surface when iterated
                messages,
                max_tokens=settings.max_tokens,
                temperature=settings.retry_temperature if strict else settings.temperature,
                stop=list(settings.stop),
                cancel=cancel,
            )
            got_any = False
            failed = False
            try:
                for raw in split_sentences(stream):
                    got_any = True
                    if cancel is not None and cancel.is_set():
                        return
                    sentence = clean_sentence(raw)
                    verdict = self._check(sentence, spoken)
                    if not verdict.ok:
                        self._stats = self._stats.caught(verdict.reason)
                        self.caught_log = (self.caught_log + [(verdict.reason, sentence)])[-50:]
                        log.info("client sentence not used (%s): %r", verdict.reason, sentence)  # with -v
                        break
                    spoken.append(sentence)
                    yield sentence
                    words = sum(len(s.split()) for s in spoken)
                    if len(spoken) >= settings.max_sentences or words >= settings.max_words:
                        break
            except Exception:  # a failing model must not end the session: fall back
                log.exception("the language model failed while replying; using a scripted line")
                self._stats = replace(self._stats, backend_errors=self._stats.backend_errors + 1)
                failed = True
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
            if spoken or (cancel is not None and cancel.is_set()):
                return
            if failed:
                break
            if not got_any:
                self._stats = self._stats.caught("empty")
        self._stats = replace(self._stats, fallbacks=self._stats.fallbacks + 1)
        yield from self._scripted_sentences(self._scripted_line())
