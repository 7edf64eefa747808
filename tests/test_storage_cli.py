from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests.test_storage_fixtures import SECRET_PHRASE, _clean_env, grep_folder, make_turn, open_store  # noqa: F401
from trainer.cli import storage as cli


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="trainer")
    cli.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return args.func(args)


@pytest.fixture()
def data(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "data"
    with open_store(folder) as store:
        sid = store.start_session("grief-1", "Recent loss", {})
        store.add_turn(sid, make_turn(0, text=SECRET_PHRASE, feedback={"attunement": 71, "nudge": "Slow down."}))
        store.finish_session(sid, {"mean_attunement": 71})
    return folder, sid


def test_privacy_prints_audit(data, capsys) -> None:
    folder, _ = data
    assert run_cli("privacy", "--data-dir", str(folder)) == 0
    out = capsys.readouterr().out
    assert str(folder) in out and "sessions.sqlite3" in out
    assert "Encryption:    off" in out and "Sessions:      1" in out
    assert "Network: none. The app opens no network connections" in out


def test_list_show_delete(data, capsys) -> None:
    folder, sid = data
    assert run_cli("sessions", "list", "--data-dir", str(folder)) == 0
    out = capsys.readouterr().out
    assert sid in out and "finished" in out and "Recent loss" in out
    assert run_cli("sessions", "show", "last", "--data-dir", str(folder)) == 0
    out = capsys.readouterr().out
    assert SECRET_PHRASE in out and "question open" not in out and "open question" in out
    assert "tip: Slow down." in out
    assert run_cli("sessions", "show", "nope", "--data-dir", str(folder)) == 1
    assert "No session with id 'nope'" in capsys.readouterr().err
    assert run_cli("sessions", "delete", sid, "--data-dir", str(folder)) == 2  # no terminal to ask on
    assert "Nothing was deleted" in capsys.readouterr().err
    assert run_cli("sessions", "delete", sid, "--yes", "--data-dir", str(folder)) == 0
    assert run_cli("sessions", "list", "--data-dir", str(folder)) == 0
    assert "No stored sessions." in capsys.readouterr().out


def test_delete_all_needs_yes(data, capsys) -> None:
    folder, _ = data
    assert run_cli("sessions", "delete-all", "--data-dir", str(folder)) == 2
    assert "--yes" in capsys.readouterr().err
    assert (folder / "sessions.sqlite3").exists()
    assert run_cli("sessions", "delete-all", "--yes", "--data-dir", str(folder)) == 0
    assert not folder.exists()
    assert "passphrase went with them" not in capsys.readouterr().out  # there was none


def test_delete_all_of_an_encrypted_folder_says_new_sessions_are_not_encrypted(data, monkeypatch, capsys) -> None:
    folder, _ = data
    monkeypatch.setenv("TRAINER_NEW_PASSPHRASE", "a long passphrase")
    assert run_cli("passphrase", "set", "--data-dir", str(folder)) == 0
    assert run_cli("sessions", "delete-all", "--yes", "--data-dir", str(folder)) == 0
    assert "run `trainer passphrase set` again" in capsys.readouterr().out


def test_exports(data, tmp_path: Path, monkeypatch, capsys) -> None:
    folder, sid = data
    assert run_cli("export", "last", "--json", str(tmp_path / "s.json"), "--data-dir", str(folder)) == 0
    assert json.loads((tmp_path / "s.json").read_text())["id"] == sid
    assert run_cli("export", sid, "--pdf", str(tmp_path / "s.pdf"), "--data-dir", str(folder)) == 0
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    # No terminal and no env: a clear refusal, no file.
    assert run_cli("export", sid, "--package", str(tmp_path / "s.pkg"), "--data-dir", str(folder)) == 2
    assert "TRAINER_PACKAGE_PASSPHRASE" in capsys.readouterr().err
    assert not (tmp_path / "s.pkg").exists()
    monkeypatch.setenv("TRAINER_PACKAGE_PASSPHRASE", "pkg passphrase")
    assert run_cli("export", sid, "--package", str(tmp_path / "s.pkg"), "--data-dir", str(folder)) == 0
    other = tmp_path / "supervisor"
    assert run_cli("import", str(tmp_path / "s.pkg"), "--data-dir", str(other)) == 0
    assert "review copy" in capsys.readouterr().out
    monkeypatch.setenv("TRAINER_PACKAGE_PASSPHRASE", "wrong")
    assert run_cli("import", str(tmp_path / "s.pkg"), "--data-dir", str(other)) == 1
    assert "wrong package passphrase" in capsys.readouterr().err
    with open_store(other) as store:
        assert len(store.list_sessions()) == 1


def test_passphrase_set_and_change(data, monkeypatch, capsys) -> None:
    folder, sid = data
    monkeypatch.setenv("TRAINER_NEW_PASSPHRASE", "first passphrase")
    assert run_cli("passphrase", "set", "--data-dir", str(folder)) == 0
    assert grep_folder(folder, SECRET_PHRASE) == []
    # Encrypted now: listing without a passphrase is refused clearly.
    assert run_cli("sessions", "list", "--data-dir", str(folder)) == 2
    assert "TRAINER_PASSPHRASE" in capsys.readouterr().err
    monkeypatch.setenv("TRAINER_PASSPHRASE", "not it")
    assert run_cli("sessions", "list", "--data-dir", str(folder)) == 1
    assert "Wrong passphrase" in capsys.readouterr().err
    monkeypatch.setenv("TRAINER_PASSPHRASE", "first passphrase")
    monkeypatch.setenv("TRAINER_NEW_PASSPHRASE", "second passphrase")
    assert run_cli("passphrase", "change", "--data-dir", str(folder)) == 0
    monkeypatch.setenv("TRAINER_PASSPHRASE", "second passphrase")
    assert run_cli("sessions", "show", sid, "--data-dir", str(folder)) == 0
    assert SECRET_PHRASE in capsys.readouterr().out
    assert run_cli("privacy", "--data-dir", str(folder)) == 0
    assert "Encryption:    on. AES-256-GCM" in capsys.readouterr().out


@pytest.mark.parametrize("new, why", [("abc", "at least 8 characters"), ("          ", "at least 8 characters"),
                                      ("a      b", "at least 8 characters"), ("a b c d e f g", "at least 8 characters"),
                                      ("", "set but empty")])
def test_a_weak_new_passphrase_is_refused_and_nothing_changes(data, monkeypatch, capsys, new, why) -> None:
    folder, sid = data
    monkeypatch.setenv("TRAINER_NEW_PASSPHRASE", new)
    assert run_cli("passphrase", "set", "--data-dir", str(folder)) == 2
    assert why in capsys.readouterr().err
    assert run_cli("sessions", "show", sid, "--data-dir", str(folder)) == 0  # still readable, unencrypted
    monkeypatch.setenv("TRAINER_PACKAGE_PASSPHRASE", "x")  # a package is new data under a new passphrase too
    assert run_cli("export", sid, "--package", str(folder.parent / "s.pkg"), "--data-dir", str(folder)) == 2
    assert not (folder.parent / "s.pkg").exists()


def test_changing_to_the_same_passphrase_is_refused(data, monkeypatch, capsys) -> None:
    folder, _ = data
    monkeypatch.setenv("TRAINER_NEW_PASSPHRASE", "first passphrase")
    assert run_cli("passphrase", "set", "--data-dir", str(folder)) == 0
    assert run_cli("passphrase", "set", "--data-dir", str(folder)) == 2  # not "give the passphrase"
    assert "already has a passphrase; use `trainer passphrase change`" in capsys.readouterr().err
    monkeypatch.setenv("TRAINER_PASSPHRASE", "first passphrase")
    assert run_cli("passphrase", "change", "--data-dir", str(folder)) == 2
    assert "the same as the current one" in capsys.readouterr().err


def test_retention_and_audio_settings(data, capsys) -> None:
    folder, _ = data
    assert run_cli("sessions", "retention", "30", "--data-dir", str(folder)) == 0
    assert run_cli("sessions", "audio", "on", "--data-dir", str(folder)) == 0
    assert run_cli("sessions", "retention", "soon", "--data-dir", str(folder)) == 2
    capsys.readouterr()
    assert run_cli("privacy", "--data-dir", str(folder)) == 0
    out = capsys.readouterr().out
    assert "deleted 30 days after" in out and "Audio:         kept" in out


def test_foreign_database_reports_clearly(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "sessions.sqlite3").write_bytes(b"garbage" * 100)
    assert run_cli("sessions", "list", "--data-dir", str(folder)) == 1
    assert "not an SQLite database" in capsys.readouterr().err


def test_supervision_round_trip_by_cli(data, tmp_path: Path, monkeypatch, capsys) -> None:
    folder, sid = data
    supervisor = tmp_path / "supervisor"
    monkeypatch.setenv("TRAINER_PACKAGE_PASSPHRASE", "shared secret")
    assert run_cli("export", sid, "--package", str(tmp_path / "s.pkg"), "--data-dir", str(folder)) == 0
    assert run_cli("import", str(tmp_path / "s.pkg"), "--data-dir", str(supervisor)) == 0
    with open_store(supervisor) as store:
        copy_id = store.list_sessions()[0].id
        store.add_comment(copy_id, 0, "Dr S", "Good pacing here.")
    assert run_cli("export", copy_id, "--comments", str(tmp_path / "c.pkg"), "--data-dir", str(supervisor)) == 0
    assert run_cli("import", str(tmp_path / "c.pkg"), "--data-dir", str(folder)) == 0
    assert "Added 1 comment." in capsys.readouterr().out
    assert run_cli("sessions", "show", sid, "--data-dir", str(folder)) == 0
    shown = capsys.readouterr().out
    # the comment names its line and comes before the client's reply, not after it
    assert "comment on You (0) from Dr S: Good pacing here." in shown
    assert shown.index("Good pacing here.") < shown.index("Client: Client line 0.")


def test_comment_on_a_turn_and_on_the_session(data, capsys) -> None:
    folder, sid = data
    assert run_cli("sessions", "comment", sid, "--turn", "0", "--author", "Dr Patel",
                   "--text", "Name the feeling before asking.", "--data-dir", str(folder)) == 0
    assert "Comment added on the opening line" in capsys.readouterr().out  # turn 0: the client's opening line
    assert run_cli("sessions", "comment", "last", "--author", "Dr Patel",
                   "--text", "Warm and unhurried.", "--data-dir", str(folder)) == 0
    with open_store(folder) as store:
        comments = store.load_session(sid).comments
    assert [(c["turn_index"], c["text"]) for c in comments] == [
        (0, "Name the feeling before asking."), (None, "Warm and unhurried.")]
    assert run_cli("sessions", "show", sid, "--data-dir", str(folder)) == 0
    assert "Name the feeling before asking." in capsys.readouterr().out
    assert run_cli("sessions", "comment", sid, "--turn", "7", "--author", "Dr Patel",
                   "--text", "x", "--data-dir", str(folder)) != 0
    assert "has no turn 7" in capsys.readouterr().err
    assert run_cli("sessions", "comment", sid, "--author", "Dr Patel",
                   "--text", "   ", "--data-dir", str(folder)) != 0
    assert "needs some text" in capsys.readouterr().err
    assert run_cli("sessions", "comment", sid, "--author", "  ",  # showed as "Comment from : ..."
                   "--text", "Good.", "--data-dir", str(folder)) == 2
    assert "--author needs a name" in capsys.readouterr().err


def test_retention_refuses_a_number_too_large_before_saving_it(data, capsys) -> None:
    folder, _ = data
    assert run_cli("sessions", "retention", "1000000", "--data-dir", str(folder)) == 2
    assert "at most 36500" in capsys.readouterr().err
    with open_store(folder) as store:
        assert store.get_setting("retention_days") is None  # nothing saved


def test_a_json_export_onto_a_folder_leaves_no_plaintext_copy(data, tmp_path, capsys) -> None:
    folder, _ = data
    target = tmp_path / "out"
    target.mkdir()
    assert run_cli("export", "last", "--json", str(target), "--data-dir", str(folder)) != 0
    assert "is a folder" in capsys.readouterr().err
    assert list(tmp_path.glob("out.part")) == [] and list(target.iterdir()) == []
    written = tmp_path / "s.json"
    assert run_cli("export", "last", "--json", str(written), "--data-dir", str(folder)) == 0
    assert written.stat().st_mode & 0o077 == 0  # private, like the packages
    for flag in ("--pdf", "--package"):  # a QPainter warning and a raw "[Errno 21]" before
        assert run_cli("export", "last", flag, str(target), "--data-dir", str(folder)) == 2
        assert "is a folder; give a file name" in capsys.readouterr().err
    for flag in ("--json", "--pdf"):  # a folder that does not exist: said so, not "[Errno 2] … .part"
        assert run_cli("export", "last", flag, str(tmp_path / "no" / "x.out"), "--data-dir", str(folder)) == 2
        err = capsys.readouterr().err
        assert f"the folder {tmp_path / 'no'} does not exist" in err and ".part" not in err
    report = tmp_path / "r.pdf"
    assert run_cli("export", "last", "--pdf", str(report), "--data-dir", str(folder)) == 0
    assert report.stat().st_mode & 0o077 == 0  # it was 0644
    capsys.readouterr()
    assert run_cli("export", "last", "--json", "-", "--data-dir", str(folder)) == 0
    assert json.loads(capsys.readouterr().out)["format"] == "trainer-session-export"
    assert not (Path.cwd() / "-").exists()  # it wrote a file called "-"


def test_a_session_still_being_recorded_is_not_deleted(data, capsys) -> None:
    folder, _ = data
    with open_store(folder) as store:
        live = store.start_session("grief-1", "Recent loss", {})  # open in this process: active
        assert run_cli("sessions", "delete", live, "--yes", "--data-dir", str(folder)) == 2
        assert "still being recorded" in capsys.readouterr().err
        assert live in {info.id for info in store.list_sessions()}


def test_passphrase_change_asks_for_the_current_passphrase_once(data, monkeypatch) -> None:
    folder, _ = data
    monkeypatch.setenv("TRAINER_NEW_PASSPHRASE", "first passphrase")
    assert run_cli("passphrase", "set", "--data-dir", str(folder)) == 0
    monkeypatch.delenv("TRAINER_NEW_PASSPHRASE")
    monkeypatch.delenv("TRAINER_PASSPHRASE", raising=False)
    prompts, answers = [], iter(["first passphrase", "second passphrase", "second passphrase"])
    monkeypatch.setattr(cli.sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: prompts.append(prompt) or next(answers))
    assert run_cli("passphrase", "change", "--data-dir", str(folder)) == 0
    assert prompts == ["Passphrase: ", "New passphrase: ", "Again: "]
    monkeypatch.setenv("TRAINER_PASSPHRASE", "second passphrase")
    assert run_cli("sessions", "list", "--data-dir", str(folder)) == 0


def test_terminal_commands_apply_the_retention_period(data, capsys) -> None:
    """Only the window and `sessions retention` used to delete expired sessions, so a clinic
    working in the terminal kept what its policy said was gone."""
    from tests.test_storage_retention import _backdate

    folder, sid = data
    with open_store(folder) as store:
        store.set_setting("retention_days", 30)
        _backdate(store, sid, 40)
    assert run_cli("sessions", "list", "--data-dir", str(folder)) == 0
    captured = capsys.readouterr()
    assert "1 session older than the retention period deleted" in captured.err
    assert sid not in captured.out


def test_audio_off_says_what_is_still_stored(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "data"
    with open_store(folder) as store:
        store.set_setting("audio_retention", True)
        sid = store.start_session("s", "S", {})
        store.add_turn(sid, make_turn(1, audio=True))
        store.finish_session(sid, {})
        kept = store.recording_count()
    assert kept >= 1
    assert run_cli("sessions", "audio", "off", "--data-dir", str(folder)) == 0
    out = capsys.readouterr().out
    assert "still stored; add --delete-existing" in out
    assert run_cli("sessions", "audio", "off", "--delete-existing", "--data-dir", str(folder)) == 0
    assert "Deleted" in capsys.readouterr().out
    with open_store(folder) as store:
        assert store.recording_count() == 0


def test_delete_asks_on_a_terminal(data, monkeypatch, capsys) -> None:
    folder, sid = data
    monkeypatch.setattr(cli.sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda question: "n")
    assert run_cli("sessions", "delete", sid, "--data-dir", str(folder)) == 2
    monkeypatch.setattr("builtins.input", lambda question: "y" if "Recent loss" in question else "n")
    assert run_cli("sessions", "delete", sid, "--data-dir", str(folder)) == 0
    assert f"Deleted session {sid}" in capsys.readouterr().out


def test_delete_all_refuses_while_a_session_is_being_recorded(tmp_path: Path, capsys) -> None:
    """It deleted the store under a running practice, which then saved into nothing."""
    folder = tmp_path / "data"
    with open_store(folder) as store:
        store.start_session("s", "S", {})  # recording, by this (live) process
        assert run_cli("sessions", "delete-all", "--yes", "--data-dir", str(folder)) == 2
        assert "still being recorded" in capsys.readouterr().err
        assert len(store.list_sessions()) == 1


def test_an_empty_data_folder_variable_is_refused_not_read_as_the_default(monkeypatch, capsys) -> None:
    monkeypatch.setenv("TRAINER_DATA_DIR", "")  # never delete-all here: old code fell back to the real folder
    assert run_cli("sessions", "list") == 1
    assert "TRAINER_DATA_DIR is set but empty" in capsys.readouterr().err
    assert run_cli("privacy") == 1


def test_a_read_only_folder_still_lists_shows_and_exports(data, tmp_path, monkeypatch, capsys) -> None:
    from trainer.storage import db

    folder, sid = data
    monkeypatch.setattr(db, "folder_writable", lambda path: False)  # as a read-only mount (root ignores chmod)
    assert run_cli("sessions", "list", "--data-dir", str(folder)) == 0
    out, err = capsys.readouterr()
    assert sid in out and f"note: {folder} cannot be written to (read-only)" in err
    assert run_cli("sessions", "show", "last", "--data-dir", str(folder)) == 0
    assert SECRET_PHRASE in capsys.readouterr().out
    assert run_cli("export", "last", "--json", str(tmp_path / "s.json"), "--data-dir", str(folder)) == 0
    assert (tmp_path / "s.json").exists()
    capsys.readouterr()
    assert run_cli("sessions", "retention", "30", "--data-dir", str(folder)) == 1
    err = capsys.readouterr().err
    assert f"The data folder {folder} is read-only" in err and "cannot be read" not in err


def test_a_json_export_on_a_full_disk_names_the_file_and_leaves_nothing(data, tmp_path, monkeypatch, capsys) -> None:
    import errno
    import os

    from trainer.storage import private_file

    class FullDisk:
        def __init__(self, fd, *args, **kwargs):
            os.close(fd)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    folder, _ = data
    monkeypatch.setattr(private_file.os, "fdopen", FullDisk)
    target = tmp_path / "s.json"
    assert run_cli("export", "last", "--json", str(target), "--data-dir", str(folder)) == 1
    err = capsys.readouterr().err
    assert f"Cannot write {target}: the disk is full." in err and "[Errno" not in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]  # no partial file


def test_an_empty_list_ends_with_a_newline(tmp_path, capsys) -> None:
    assert run_cli("sessions", "list", "--data-dir", str(tmp_path / "new")) == 0
    assert capsys.readouterr().out == "No stored sessions.\n"
