"""“Try it again” for a session of an earlier app run: snapshots rebuilt from storage."""

from __future__ import annotations

import pytest

from trainer import events as ev
from trainer.audio.playback import NullSpeaker
from trainer.client.simulated import SimulatedClient
from trainer.feedback.coder import CodedUtterance
from trainer.feedback.engine import FeedbackEngine
from trainer.replay import StoredCodes, StoredSessionReplay, current_turns
from trainer.scenarios import find_scenario
from trainer.session import Session, SessionOptions
from trainer.storage.store import SessionStore

from tests.fakes import EventLog, FakeSynthesizer


class KeywordCoder:
    """Reflections for "you feel/sound", questions for "?", advice for "should"."""

    def __init__(self) -> None:
        self.calls = 0

    def code(self, text, context=()):
        self.calls += 1
        lowered = text.lower()
        if "?" in text:
            return CodedUtterance("question_closed", 0.8)
        if "should" in lowered:
            return CodedUtterance("advise", 0.7)
        if lowered.startswith(("you feel", "you sound", "you're")):
            return CodedUtterance("reflection_complex", 0.9)
        return CodedUtterance("other", 0.5)


TRAINEE_LINES = [
    "You sound completely worn out.",
    "You should take some time off. Have you asked your manager?",
    "You're carrying the whole ward and nobody sees it.",
]


WAIT = None
"""In ``practise_and_store``'s answers: let the silence sit (the client goes on)."""


def practise_and_store(tmp_path, scenario, answers, seed):
    """Practise a typed session, store it, and load it back as a new app run would:
    ``(stored session, {client line: live snapshot})``."""
    store = SessionStore.open(tmp_path / "data", passphrase=None, use_env=False)
    session = Session(scenario, client=SimulatedClient(scenario, None, seed=seed), speaker=NullSpeaker(),
                      synthesizer=FakeSynthesizer(), feedback=FeedbackEngine(KeywordCoder()),
                      recorder=store, options=SessionOptions(input_mode="text"))
    log = EventLog()
    session.add_listener(log)
    session.start()
    assert session.wait_for_listening(5)
    for n, answer in enumerate(answers, 1):
        if answer is WAIT:
            assert session.hold_silence()
        else:
            session.submit_text(answer)
        assert log.wait_for(lambda l, n=n: len(l.of(ev.TurnCompleted)) == n)
        assert session.wait_for_listening(5)
    session.end()
    assert session.wait_ended(5)
    live = {k: session.snapshot_at(k) for k in range(len(answers) + 1)}
    session_id = session.session_id
    store.close()
    reopened = SessionStore.open(tmp_path / "data", passphrase=None, use_env=False)
    stored = reopened.load_session(session_id)
    reopened.close()
    return stored, live


@pytest.fixture
def stored_run(tmp_path):
    """A session practised and stored, then the store re-opened as by a new app run."""
    scenario = find_scenario("burnout-nurse")
    stored, live = practise_and_store(tmp_path, scenario, TRAINEE_LINES, seed=3)
    return scenario, stored, live


def test_rebuilt_snapshots_match_the_live_ones(stored_run):
    scenario, stored, live = stored_run
    replay = StoredSessionReplay(stored.turns, scenario, seed=3)
    for k, expected in live.items():
        rebuilt = replay.snapshot_at(k)
        assert rebuilt.next_turn == expected.next_turn
        assert rebuilt.client_line == expected.client_line
        assert rebuilt.client.state == expected.client.state
        assert rebuilt.client.history == expected.client.history
        assert rebuilt.client.last_reply == expected.client.last_reply
        assert rebuilt.feedback.history == expected.feedback.history
        assert rebuilt.feedback.running_attunement == expected.feedback.running_attunement
        assert [t.primary_code for t in rebuilt.feedback.turns] == [t.primary_code for t in expected.feedback.turns]
    # The state moved during the session, so the comparison above was not trivial.
    assert live[3].client.state != live[0].client.state


def test_a_branch_resumes_from_a_rebuilt_snapshot(stored_run):
    scenario, stored, _live = stored_run
    snapshot = StoredSessionReplay(stored.turns, scenario, seed=3).snapshot_at(1)
    branch = Session(scenario, client=SimulatedClient(scenario, None, seed=3), speaker=NullSpeaker(),
                     synthesizer=FakeSynthesizer(), feedback=FeedbackEngine(KeywordCoder()),
                     options=SessionOptions(input_mode="text"), resume_from=snapshot)
    log = EventLog()
    branch.add_listener(log)
    branch.start()
    assert branch.wait_for_listening(5)
    branch.submit_text("What has the last month been like?")
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    record = log.of(ev.TurnCompleted)[0].record
    assert record["index"] == 2 and record["branch_of"] == 2
    assert record["feedback"]["turn_index"] == 1  # the engine remembered the first answer
    branch.end()
    assert branch.wait_ended(5)


def test_replay_uses_the_stored_codes_not_a_new_judgement(stored_run):
    scenario, stored, live = stored_run
    judge = KeywordCoder()
    snapshot = StoredSessionReplay(stored.turns, scenario, seed=3, fallback_coder=judge).snapshot_at(3)
    assert judge.calls == 0
    assert snapshot.feedback.turns[0].primary_code == "reflection_complex"


def test_unknown_or_empty_client_lines_are_refused(stored_run):
    scenario, stored, _live = stored_run
    replay = StoredSessionReplay(stored.turns, scenario)
    with pytest.raises(KeyError, match="no client line 9"):
        replay.snapshot_at(9)
    silent = [dict(t, client_text="") if t["index"] == 2 else t for t in stored.turns]
    with pytest.raises(KeyError):
        StoredSessionReplay(silent, scenario).snapshot_at(2)


def test_the_latest_attempt_of_a_turn_is_the_one_replayed():
    turns = [
        {"index": 0, "attempt": 0, "client_text": "Hello."},
        {"index": 1, "attempt": 0, "trainee_text": "first try", "client_text": "Old reply."},
        {"index": 1, "attempt": 1, "trainee_text": "second try", "client_text": "New reply."},
    ]
    assert [t["trainee_text"] for t in current_turns(turns)[1:]] == ["second try"]


def test_stored_codes_fall_back_for_unseen_text():
    codes = StoredCodes({"You feel stuck.": ("reflection_simple", 0.7)})
    assert codes.code(" You feel stuck. ") == CodedUtterance("reflection_simple", 0.7)
    assert codes.code("anything else") == CodedUtterance("other", 0.0)
    assert StoredCodes({}, KeywordCoder()).code("Did it help?").code == "question_closed"


def test_a_held_silence_is_rebuilt_like_the_live_session(tmp_path):
    scenario = find_scenario("recent-bereavement")
    stored, live = practise_and_store(tmp_path, scenario, [WAIT, "You sound completely worn out."], seed=1)
    assert stored.turns[1]["silence_held"] and stored.turns[1]["trainee_text"] == ""
    assert stored.turns[1]["silence_s"] is None  # typed: no clock ran, so no length
    replay = StoredSessionReplay(stored.turns, scenario, seed=1)
    for k, expected in live.items():
        rebuilt = replay.snapshot_at(k)
        assert rebuilt.next_turn == expected.next_turn
        assert rebuilt.client.history == expected.client.history
        assert rebuilt.feedback.history == expected.feedback.history
        assert rebuilt.feedback.held_silences_ms == expected.feedback.held_silences_ms
    assert len(live[2].feedback.held_silences_ms) == 1
