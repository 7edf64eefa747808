from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.test_storage_fixtures import FAST_KDF, SECRET_PHRASE, _clean_env, make_turn, open_store  # noqa: F401
from trainer.storage import package as pkg
from trainer.storage.errors import PackageError, ReadOnlySessionError, StoreError
from trainer.storage.export_json import export_json


def _trainee_session(store) -> str:
    store.set_setting("audio_retention", True)
    sid = store.start_session("grief-1", "Recent loss", {"asr": "small.en"})
    store.add_turn(sid, make_turn(0, audio=True, text=SECRET_PHRASE))
    store.add_turn(sid, make_turn(1))
    store.finish_session(sid, {"mean_attunement": 61.0})
    return sid


def test_package_round_trip_to_supervisor(tmp_path: Path) -> None:
    package = tmp_path / "session.trainerpkg"
    with open_store(tmp_path / "trainee", "trainee pw") as trainee:
        sid = _trainee_session(trainee)
        pkg.export_package(trainee, sid, package, "shared secret", FAST_KDF)
    assert SECRET_PHRASE.encode() not in package.read_bytes()
    with open_store(tmp_path / "trainee", "trainee pw") as trainee, pytest.raises(StoreError, match="already here"):
        trainee.import_package(package, "shared secret")  # one's own package: a copy of itself
    assert pkg.package_kind(package) == "session"
    with open_store(tmp_path / "supervisor") as supervisor:
        copy_id = supervisor.import_package(package, "shared secret")
        assert copy_id != sid
        with pytest.raises(StoreError, match=f"already here \\(as session {copy_id}\\)"):
            supervisor.import_package(package, "shared secret")  # it made a second copy
        assert len(supervisor.list_sessions()) == 1
        copy = supervisor.load_session(copy_id)
        assert copy.info.read_only and copy.info.origin_session_id == sid
        assert copy.origin["package"] == "session.trainerpkg"
        assert copy.turns[0]["trainee_text"] == SECRET_PHRASE
        assert copy.summary == {"mean_attunement": 61.0}
        samples, rate = supervisor.load_turn_audio(copy_id, 0, "trainee")
        np.testing.assert_array_equal(samples, np.arange(1600, dtype=np.int16))
        with pytest.raises(ReadOnlySessionError):
            supervisor.add_turn(copy_id, make_turn(5))
        supervisor.add_comment(copy_id, 0, "Dr S", "Lovely complex reflection.")
        supervisor.add_comment(copy_id, None, "Dr S", "Overall: slow down.")
        comments_file = tmp_path / "comments.trainerpkg"
        assert pkg.export_comments(supervisor, copy_id, comments_file, "reply secret", FAST_KDF) == 2
    with open_store(tmp_path / "trainee", "trainee pw") as trainee:
        assert trainee.import_comments(comments_file, "reply secret") == 2
        assert trainee.import_comments(comments_file, "reply secret") == 0  # idempotent
        comments = trainee.load_session(sid).comments
        assert [(c["turn_index"], c["author"], c["text"]) for c in comments] == [
            (0, "Dr S", "Lovely complex reflection."),
            (None, "Dr S", "Overall: slow down."),
        ]


def test_wrong_package_passphrase_and_tampering(tmp_path: Path) -> None:
    package = tmp_path / "p.trainerpkg"
    with open_store(tmp_path / "a") as store:
        sid = _trainee_session(store)
        pkg.export_package(store, sid, package, "right", FAST_KDF)
    with open_store(tmp_path / "b") as other:
        with pytest.raises(PackageError, match="wrong package passphrase"):
            other.import_package(package, "wrong")
        data = bytearray(package.read_bytes())
        data[-5] ^= 0x01
        tampered = tmp_path / "tampered.trainerpkg"
        tampered.write_bytes(bytes(data))
        with pytest.raises(PackageError, match="changed or damaged"):
            other.import_package(tampered, "right")
        # The header is authenticated too: lowering the KDF cost is detected.
        header_tampered = tmp_path / "header.trainerpkg"
        header_tampered.write_bytes(package.read_bytes().replace(b'"p": 1', b'"p": 2'))
        with pytest.raises(PackageError):
            other.import_package(header_tampered, "right")
        # A forged header asking for a huge scrypt cost is refused before deriving.
        header, prefix, sealed = pkg.read_header(package)
        header["kdf"]["n"] = 2**30
        forged = json.dumps(header).encode()
        greedy = tmp_path / "greedy.trainerpkg"
        greedy.write_bytes(pkg.MAGIC + len(forged).to_bytes(4, "big") + forged + sealed)
        with pytest.raises(PackageError, match="bad key parameters"):
            other.import_package(greedy, "right")
        junk = tmp_path / "junk.trainerpkg"
        junk.write_bytes(b"hello")
        with pytest.raises(PackageError, match="not a trainer supervision package"):
            other.import_package(junk, "right")
        assert other.list_sessions() == []


def test_comments_for_unknown_session_and_wrong_kind(tmp_path: Path) -> None:
    with open_store(tmp_path / "a") as store:
        sid = _trainee_session(store)
        store.add_comment(sid, 1, "me", "note")
        comments_file = tmp_path / "c.trainerpkg"
        pkg.export_comments(store, sid, comments_file, "pw", FAST_KDF)
        with pytest.raises(PackageError, match="not 'session'"):
            store.import_package(comments_file, "pw")
    with open_store(tmp_path / "b") as other:
        with pytest.raises(PackageError, match="not in this data folder"):
            other.import_comments(comments_file, "pw")


def test_export_json(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        sid = _trainee_session(store)
        out = export_json(store.load_session(sid), tmp_path / "out.json")
    doc = json.loads(out.read_text())
    assert doc["format"] == "trainer-session-export"
    assert doc["id"] == sid and doc["scenario_id"] == "grief-1"
    assert doc["turns"][0]["trainee_text"] == SECRET_PHRASE
    assert doc["summary"]["mean_attunement"] == 61.0
