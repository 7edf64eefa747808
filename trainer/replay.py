"""“Try it again” for a session stored by an earlier app run.

A live session keeps a snapshot of the client and the feedback engine after every client
line (``Session.snapshot_at``), but only in memory. For a session from an earlier run,
this module rebuilds the same snapshot from what was stored: the turns are fed, in order,
through a fresh ``SimulatedClient`` and ``FeedbackEngine`` without generating or
recognising anything. The client's state follows the stored feedback of each turn, and
the engine codes each utterance with the code it was given at the time (``StoredCodes``),
so the rebuilt state is the one the trainee saw, not a re-judgement by today's coder.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from trainer.client.simulated import SimulatedClient
from trainer.feedback.coder import CodedUtterance
from trainer.feedback.engine import FeedbackEngine
from trainer.feedback.measures import is_held_silence
from trainer.session import SessionSnapshot


class StoredCodes:
    """A coder that answers with the codes a stored session gave its utterances.

    ``codes`` maps an utterance's text to (code, confidence). Text it has not seen goes to
    ``fallback`` (a real coder) when given, else comes out ``other`` with confidence 0.
    """

    def __init__(self, codes: Mapping[str, tuple[str, float]], fallback: Any = None) -> None:
        self._codes = {text.strip(): value for text, value in codes.items()}
        self._fallback = fallback

    def code(self, text: str, context: Sequence[tuple[str, str]] = ()) -> CodedUtterance:
        hit = self._codes.get(text.strip())
        if hit is not None:
            return CodedUtterance(code=hit[0], confidence=float(hit[1]))
        if self._fallback is not None:
            return self._fallback.code(text, context)
        return CodedUtterance(code="other", confidence=0.0)


def current_turns(turns: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One row per turn index, the latest attempt of each (what the session ended with)."""
    latest: dict[int, Mapping[str, Any]] = {}
    for turn in turns:
        index = int(turn.get("index", 0))
        if index not in latest or int(turn.get("attempt", 0)) >= int(latest[index].get("attempt", 0)):
            latest[index] = turn
    return [latest[index] for index in sorted(latest)]


def _span(turn: Mapping[str, Any], key: str) -> tuple[float, float]:
    span = turn.get(key)
    if isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(v, (int, float)) for v in span):
        return float(span[0]), float(span[1])
    return 0.0, 0.0  # no speech span stored (typed turn): no timing measures


def _stored_codes(turns: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, float]]:
    codes: dict[str, tuple[str, float]] = {}
    for turn in turns:
        feedback = turn.get("feedback") if isinstance(turn.get("feedback"), Mapping) else {}
        for piece in feedback.get("utterance_codes") or []:
            if isinstance(piece, Mapping) and piece.get("text") and piece.get("code"):
                codes[str(piece["text"])] = (str(piece["code"]), float(piece.get("confidence") or 0.0))
        text = str(turn.get("trainee_text") or "").strip()
        if text and turn.get("code") and text not in codes:
            codes[text] = (str(turn["code"]), float(turn.get("confidence") or 0.0))
    return codes


class StoredSessionReplay:
    """Gives ``snapshot_at`` for a stored session, like a session of this app run does."""

    def __init__(self, turns: Iterable[Mapping[str, Any]], scenario: Any, seed: int = 0,
                 fallback_coder: Any = None, session_id: str | None = None) -> None:
        self.scenario = scenario
        self.session_id = session_id
        self.seed = seed
        self._turns = current_turns(turns)
        self._coder = StoredCodes(_stored_codes(self._turns), fallback_coder)

    @staticmethod
    def can_replay(turns: Iterable[Mapping[str, Any]]) -> bool:
        """True for turns as the store keeps them (one row per turn: index, client_text)."""
        rows = list(turns)
        return bool(rows) and all(isinstance(t, Mapping) and "index" in t and "client_text" in t for t in rows)

    def snapshot_at(self, client_turn_index: int) -> SessionSnapshot:
        """The client and feedback state just after client line ``client_turn_index``."""
        path = [t for t in self._turns if int(t.get("index", 0)) <= client_turn_index]
        if not path or int(path[-1].get("index", 0)) != client_turn_index \
                or not str(path[-1].get("client_text") or "").strip():
            raise KeyError(f"no client line {client_turn_index} in this session")
        client = SimulatedClient(self.scenario, None, seed=self.seed)
        feedback = FeedbackEngine(self._coder)
        for turn in path:
            trainee_text = str(turn.get("trainee_text") or "").strip()
            if trainee_text:
                stored = turn.get("feedback") if isinstance(turn.get("feedback"), Mapping) else {}
                start, end = _span(turn, "trainee_speech")
                interrupted = stored.get("interrupted")
                result = feedback.trainee_turn(trainee_text, start, end,
                                               None if interrupted is None else bool(interrupted))
                client.observe_trainee_turn(trainee_text, stored or result)
            elif is_held_silence(turn):
                seconds = turn.get("silence_s")  # None when typed: no length known
                feedback.silence_held(0.0, None if seconds is None else float(seconds))
            client_text = str(turn.get("client_text") or "").strip()
            client.replay_client_line(client_text)
            if client_text:
                feedback.client_turn(client_text, *_span(turn, "client_speech"))
        return SessionSnapshot(
            client=client.snapshot(),
            feedback=feedback.snapshot(),
            next_turn=client_turn_index + 1,
            client_line=str(path[-1].get("client_text") or "").strip(),
            session_id=self.session_id,
        )
