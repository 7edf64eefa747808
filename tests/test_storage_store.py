from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from tests.test_storage_fixtures import _clean_env, make_turn, open_store  # noqa: F401
from trainer.storage.errors import AudioDataError, SessionNotFoundError
from trainer.storage.store import SessionStore


def test_data_dir_comes_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path / "from-env"))
    store = SessionStore.open()
    try:
        assert store.paths.data_dir == tmp_path / "from-env"
        assert store.paths.db_file.exists()
        assert store.paths.db_file.stat().st_mode & 0o077 == 0
    finally:
        store.close()


def test_pragmas_wal_full_secure_delete(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        conn = store._db
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


def test_round_trip_session(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        sid = store.start_session("grief-1", "Recent loss", {"asr": "small.en"}, {"voice": "joe"})
        store.add_turn(sid, make_turn(0))  # the client's opening line: not a trainee turn
        store.add_turn(sid, make_turn(1))
        store.add_turn(sid, make_turn(2))
        store.finish_session(sid, {"mean_attunement": 62.5, "strengths": ["a", "b", "c"]})
    with open_store(tmp_path) as store:
        [info] = store.list_sessions()
        assert (info.id, info.scenario_id, info.turns) == (sid, "grief-1", 2)
        assert info.mean_attunement == 62.5
        assert not info.interrupted and not info.active and info.ended_at is not None
        session = store.load_session("last")
        assert session.models == {"asr": "small.en"}
        assert session.settings == {"voice": "joe"}
        assert [t["index"] for t in session.turns] == [0, 1, 2]
        first = session.turns[1]
        assert first["trainee_text"] == "So you feel stuck with turn 1?"
        assert first["code"] == "reflection_complex"
        assert first["feedback"]["components"] == {"empathy": 0.7}
        assert first["timings"]["response_latency_ms"] == 801
        assert first["client_state"] == {"trust": 0.1}
        assert session.summary["strengths"] == ["a", "b", "c"]


def test_audio_only_kept_when_setting_on(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        assert store.get_setting("audio_retention") is False
        sid = store.start_session("s", "S", {})
        store.add_turn(sid, make_turn(1, audio=True))
        assert store.load_turn_audio(sid, 1, "trainee") is None
        store.set_setting("audio_retention", True)
        store.add_turn(sid, make_turn(2, audio=True))
        samples, rate = store.load_turn_audio(sid, 2, "trainee")
        assert rate == 16000 and samples.dtype == np.int16
        np.testing.assert_array_equal(samples, np.arange(1600, dtype=np.int16) * 3)
        client, client_rate = store.load_turn_audio(sid, 2, "client")
        assert client_rate == 22050 and int(client[0]) == -7 and client.size == 2205
        assert store.load_session(sid).turns[1]["audio"] == ["client", "trainee"]


def test_rejects_bad_audio_before_writing_anything(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.set_setting("audio_retention", True)
        sid = store.start_session("s", "S", {})
        with pytest.raises(ValueError, match="int16"):
            store.add_turn(sid, make_turn(1, trainee_audio=np.zeros(10, dtype=np.int32)))
        with pytest.raises(ValueError, match="mono"):
            store.add_turn(sid, make_turn(1, trainee_audio=np.zeros((10, 2), dtype=np.int16)))
        with pytest.raises(ValueError, match="no rate"):
            store.add_turn(sid, make_turn(1, audio=True, sample_rates={"trainee": 16000}))
        assert store.load_session(sid).turns == ()


def test_float_audio_is_converted(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.set_setting("audio_retention", True)
        sid = store.start_session("s", "S", {})
        store.add_turn(sid, make_turn(1, trainee_audio=np.array([0.0, 0.5, -1.0, 2.0], dtype=np.float32)))
        samples, _ = store.load_turn_audio(sid, 1, "trainee")
        assert samples.tolist() == [0, 16383, -32767, 32767]


def test_engine_record_extra_keys_are_kept(tmp_path: Path) -> None:
    """The engine's record carries more than the listed keys; none of it is lost."""
    with open_store(tmp_path) as store:
        sid = store.start_session("s", "S", {})
        store.add_turn(sid, make_turn(
            3, trainee_reference="reference text", client_interrupted=True,
            trainee_speech=[1.0, 2.5], client_speech=[3.0, 4.0],
        ))
        turn = store.load_session(sid).turns[0]
        assert turn["trainee_reference"] == "reference text"
        assert turn["client_interrupted"] is True
        assert turn["trainee_speech"] == [1.0, 2.5] and turn["client_speech"] == [3.0, 4.0]
        assert turn["index"] == 3 and "trainee_audio" not in turn


def test_try_again_attempts_and_branch(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        sid = store.start_session("s", "S", {})
        store.add_turn(sid, make_turn(1, text="Why did you do that?"))
        store.add_turn(sid, make_turn(1, text="It sounds like that hurt.", branch_of=1))
        turns = store.load_session(sid).turns
        assert [(t["index"], t["attempt"], t["branch_of"]) for t in turns] == [(1, 0, None), (1, 1, 1)]
        assert turns[1]["trainee_text"] == "It sounds like that hurt."


def test_settings_json_values(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.set_setting("window", {"w": 800, "h": 600})
        store.set_setting("retention_days", 30)
        with pytest.raises(ValueError):
            store.set_setting("retention_days", 0)
        with pytest.raises(ValueError):
            store.set_setting("audio_retention", "yes")
    with open_store(tmp_path) as store:
        assert store.get_setting("window") == {"w": 800, "h": 600}
        assert store.get_setting("retention_days") == 30
        assert store.get_setting("missing", 5) == 5


def test_a_session_is_found_by_the_start_of_its_id(tmp_path: Path, monkeypatch) -> None:
    import uuid

    ids = iter(uuid.UUID(u) for u in ("da1fcea9-0000-4000-8000-000000000001",
                                       "da1fcea9-1111-4000-8000-000000000002",
                                       "7b3e0a11-2222-4000-8000-000000000003"))
    with open_store(tmp_path) as store:
        monkeypatch.setattr(uuid, "uuid4", lambda: next(ids))
        first, _second, third = (store.start_session("s", "S", {}) for _ in range(3))
        monkeypatch.undo()
        assert store.load_session("7b3e0a11").info.id == third  # as copied from `sessions list`
        assert store.load_session("da1fcea9-00").info.id == first
        with pytest.raises(SessionNotFoundError, match="More than one"):
            store.load_session("da1fcea9")  # two start so: say so, never pick one
        with pytest.raises(SessionNotFoundError):
            store.load_session("7b3e0")  # too short to be meant
        with pytest.raises(SessionNotFoundError):
            store.load_session("ffffffffff")


def test_unknown_session_errors(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        with pytest.raises(SessionNotFoundError, match="no stored sessions"):
            store.load_session("last")
        with pytest.raises(SessionNotFoundError, match="nope"):
            store.load_session("nope")
        with pytest.raises(SessionNotFoundError):
            store.add_turn("nope", make_turn(1))
        with pytest.raises(SessionNotFoundError):
            store.delete_session("nope")


def test_unfinished_session_is_interrupted_after_close(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    sid = store.start_session("s", "S", {})
    store.add_turn(sid, make_turn(1))
    [info] = store.list_sessions()
    assert info.active and not info.interrupted
    store.close()
    with open_store(tmp_path) as again:
        [info] = again.list_sessions()
        assert info.interrupted and not info.active and info.turns == 1
        assert again.load_session(sid).turns[0]["index"] == 1


def test_truncated_audio_blob_gives_clear_error(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.set_setting("audio_retention", True)
        sid = store.start_session("s", "S", {})
        store.add_turn(sid, make_turn(1, audio=True))
        store._db.execute("UPDATE audio SET data = substr(data, 1, 200) WHERE role = 'trainee'")
        with pytest.raises(AudioDataError, match="truncated"):
            store.load_turn_audio(sid, 1, "trainee")
        assert store.load_turn_audio(sid, 1, "client") is not None


def test_threads_can_write_concurrently(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        sid = store.start_session("s", "S", {})
        errors: list[BaseException] = []

        def write(offset: int) -> None:
            try:
                for i in range(20):
                    store.add_turn(sid, make_turn(offset + i))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(k * 100,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(store.load_session(sid).turns) == 80
        assert store.integrity_check(deep=True)


def test_closed_store_refuses_calls(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.close()
    store.close()  # idempotent
    from trainer.storage.errors import StoreError

    with pytest.raises(StoreError, match="closed"):
        store.list_sessions()
