"""Commands for stored sessions and privacy: privacy, sessions, export, import, passphrase.

Each parser sets ``func=run``; ``run(args)`` returns the exit code (0 ok, 1 failed,
2 refused / bad usage). Passphrases come from getpass prompts, or for scripting from
``TRAINER_PASSPHRASE`` (the store), ``TRAINER_NEW_PASSPHRASE`` (passphrase set/change)
and ``TRAINER_PACKAGE_PASSPHRASE`` (supervision packages).
"""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from trainer.storage.audit import folder_is_encrypted, privacy_audit, sessions_being_recorded
from trainer.storage.errors import PackageError, PassphraseRequiredError, StoreError
from trainer.storage.export_json import export_json, export_text
from trainer.storage.package import KIND_COMMENTS, KIND_SESSION, package_kind
from trainer.storage.paths import (
    PACKAGE_PASSPHRASE_ENV,
    PASSPHRASE_ENV,
    DataPaths,
    resolve_data_dir,
)
from trainer.feedback.measures import code_label, held_silence_label, is_held_silence, score_note
from trainer.storage.records import SessionInfo, StoredSession
from trainer.storage.store import SessionStore, remove_store_files

NEW_PASSPHRASE_ENV = "TRAINER_NEW_PASSPHRASE"
MAX_RETENTION_DAYS = 36500


class CommandError(Exception):
    """A message for the user and the exit code to return."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------ parsers
def _leaf(subparsers: Any, name: str, command: str, help_text: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.add_argument(
        "--data-dir", type=Path, default=None,
        help="data folder (default: $TRAINER_DATA_DIR or the platform's user data folder)",
    )
    parser.set_defaults(func=run, storage_command=command)
    return parser


def register(subparsers: Any) -> None:
    """Add the storage and privacy commands to the main parser's subparsers."""
    _leaf(subparsers, "privacy", "privacy", "show what is stored, where, and how it is protected")

    sessions = subparsers.add_parser("sessions", help="list, show or delete stored sessions")
    sessions.set_defaults(func=run, storage_command="sessions-help", _sessions_parser=sessions)
    actions = sessions.add_subparsers(dest="sessions_action", metavar="ACTION")
    _leaf(actions, "list", "sessions-list", "list stored sessions")
    show = _leaf(actions, "show", "sessions-show", "print a session's annotated transcript")
    show.add_argument("session", metavar="ID|last")
    comment = _leaf(actions, "comment", "sessions-comment",
                    "add a supervisor's comment on a turn (or, without --turn, on the whole session)")
    comment.add_argument("session", metavar="ID|last")
    comment.add_argument("--turn", type=int, default=None, metavar="N", help="the turn number as in `sessions show` (0: the client's opening line)")
    comment.add_argument("--author", required=True, help="who is commenting, e.g. 'Dr Patel (supervisor)'")
    comment.add_argument("--text", required=True, help="the comment")
    delete = _leaf(actions, "delete", "sessions-delete", "delete one session and its audio for good")
    delete.add_argument("session", metavar="ID|last")
    delete.add_argument("--yes", action="store_true", help="do not ask first (needed without a terminal)")
    delete_all = _leaf(actions, "delete-all", "sessions-delete-all",
                       "delete every session, the database and the key file")
    delete_all.add_argument("--yes", action="store_true", help="really delete everything")
    retention = _leaf(actions, "retention", "sessions-retention",
                      "delete sessions automatically after DAYS days ('off' keeps them)")
    retention.add_argument("days", metavar="DAYS|off")
    audio = _leaf(actions, "audio", "sessions-audio", "keep recordings of new turns (on) or not (off)")
    audio.add_argument("state", choices=("on", "off"))
    audio.add_argument("--delete-existing", action="store_true",
                       help="with 'off': also delete the recordings already kept")

    export = _leaf(subparsers, "export", "export", "export a session as PDF, JSON or a supervision package")
    export.add_argument("session", metavar="SESSION", help="a session id (or its first 6+ characters) or 'last'")
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument("--pdf", type=Path, metavar="PATH", help="printable report")
    target.add_argument("--json", type=Path, metavar="PATH", help="plain JSON (not encrypted)")
    target.add_argument("--package", type=Path, metavar="PATH",
                        help=f"encrypted supervision package (passphrase from ${PACKAGE_PASSPHRASE_ENV} or a prompt)")
    target.add_argument("--comments", type=Path, metavar="PATH",
                        help="encrypted file of the comments on a review copy, for the trainee")

    imp = _leaf(subparsers, "import", "import", "import a supervision package or a supervisor's comments")
    imp.add_argument("path", type=Path, metavar="PATH")

    phrase = subparsers.add_parser("passphrase", help="encrypt the stored sessions, or change the passphrase")
    phrase.set_defaults(func=run, storage_command="passphrase-help", _passphrase_parser=phrase)
    phrase_actions = phrase.add_subparsers(dest="passphrase_action", metavar="ACTION")
    _leaf(phrase_actions, "set", "passphrase-set", "encrypt an unencrypted data folder")
    _leaf(phrase_actions, "change", "passphrase-change", "change the passphrase (re-encrypts everything)")


# ------------------------------------------------------------------ helpers
MIN_NEW_PASSPHRASE_CHARS = 8


def _ask(prompt: str, env: str | None = None, confirm: bool = False) -> str:
    """A passphrase from ``env`` or the terminal. ``confirm``: a new one, asked twice and
    held to a minimum, since it guards clinical records."""
    if env and env in os.environ:
        if not os.environ[env]:
            raise CommandError(f"{env} is set but empty; an empty passphrase is not allowed. Nothing was changed.", 2)
        return _checked_new(os.environ[env]) if confirm else os.environ[env]
    if not sys.stdin.isatty():
        hint = f" (set {env})" if env else ""
        raise CommandError(f"A passphrase is needed but there is no terminal to ask on{hint}.", 2)
    try:
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("Again: ") != first:
            raise CommandError("The two passphrases differ; nothing was changed.", 2)
    except EOFError:  # Ctrl+D at the prompt
        raise CommandError("No passphrase given; nothing was changed.", 2) from None
    if not first:
        raise CommandError("An empty passphrase is not allowed; nothing was changed.", 2)
    return _checked_new(first) if confirm else first


def _checked_new(passphrase: str) -> str:
    if len("".join(passphrase.split())) < MIN_NEW_PASSPHRASE_CHARS:  # "a      b" is two characters
        raise CommandError(f"A new passphrase needs at least {MIN_NEW_PASSPHRASE_CHARS} characters besides spaces "
                           "(a few words you will remember work well); nothing was changed.", 2)
    return passphrase


def _confirm(question: str) -> bool:
    """Yes from the terminal; no terminal means no (the window also asks before deleting)."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def open_store_asking(data_dir: Path | None, read_only_ok: bool = False) -> tuple[SessionStore, str | None]:
    """The store, asking for the passphrase on a terminal if it is encrypted; also returns
    the passphrase typed, if any. Without a terminal the ``PassphraseRequiredError`` stands
    (its message names the environment variable). ``read_only_ok``: a read-only data
    folder is opened for reading (see ``SessionStore.open``)."""
    try:
        return SessionStore.open(data_dir, read_only_ok=read_only_ok), None
    except PassphraseRequiredError:
        if not sys.stdin.isatty():
            raise
        passphrase = _ask("Passphrase: ", PASSPHRASE_ENV)
        return SessionStore.open(data_dir, passphrase, read_only_ok=read_only_ok), passphrase


# Commands that only read, and so also work on a read-only data folder.
READING_COMMANDS = ("sessions-list", "sessions-show", "export")


def _open_store(args: argparse.Namespace) -> SessionStore:
    try:
        store, passphrase = open_store_asking(args.data_dir, args.storage_command in READING_COMMANDS)
    except PassphraseRequiredError as error:  # no terminal to ask on: a usage problem, exit 2
        raise CommandError(str(error), 2) from None
    if passphrase:
        args.opened_with_passphrase = passphrase  # `passphrase change` need not ask for it again
    if store.read_only is not None:
        print(f"note: {store.paths.data_dir} cannot be written to (read-only); its sessions are "
              "shown as stored, and nothing can be changed there.", file=sys.stderr)
        return store  # retention cannot delete anything here; it runs when the folder is writable
    apply_retention_quietly(store)
    return store


def apply_retention_quietly(store: SessionStore) -> None:
    """Delete sessions past the retention period, as the window does at start-up: a clinic
    using only the terminal must not keep what its policy says is gone."""
    try:
        removed = store.apply_retention()
    except StoreError as error:
        print(f"warning: old sessions could not be cleaned up: {error}", file=sys.stderr)
        return
    if removed:
        print(f"({_plural(removed, 'session')} older than the retention period deleted.)", file=sys.stderr)


def _status(info: SessionInfo) -> str:
    if info.read_only:
        return "review copy"
    if info.active:
        return "in progress"
    return "interrupted" if info.interrupted else "finished"


def _print_list(store: SessionStore) -> None:
    infos = store.list_sessions()
    if not infos:
        print("No stored sessions.")
        return
    print(f"{'ID':36}  {'STARTED':16}  {'TURNS':>5}  {'ATTUNE':>6}  {'STATUS':12}  SCENARIO")
    for info in infos:
        started = info.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        mean = f"{info.mean_attunement:.0f}" if info.mean_attunement is not None else "-"
        print(f"{info.id:36}  {started:16}  {info.turns:>5}  {mean:>6}  {_status(info):12}  {info.scenario_title}")


def format_transcript(session: StoredSession) -> str:
    """A readable transcript with codes, tips and comments (``sessions show``)."""
    info = session.info
    started = info.started_at.astimezone().strftime("%d %b %Y %H:%M")
    lines = [f"Session {info.id}", f"{info.scenario_title} ({info.scenario_id}), {started}, {_status(info)}", ""]
    comments: dict[Any, list[dict[str, Any]]] = {}
    for comment in session.comments:
        comments.setdefault(comment.get("turn_index"), []).append(comment)
    for turn in session.turns:
        feedback = turn.get("feedback") or {}
        if turn.get("trainee_text"):
            tags = [code_label(turn.get("code"), turn.get("confidence"))]
            note = score_note(feedback)
            if note:
                tags.append(note)
            if turn.get("branch_of") is not None:
                tags.append(f"try again of turn {turn['branch_of']}")
            lines.append(f"You ({turn['index']}) [{', '.join(tags)}]: {turn['trainee_text']}")
            if feedback.get("nudge"):
                lines.append(f"    tip: {feedback['nudge']}")
        elif is_held_silence(turn):
            lines.append(f"You ({turn['index']}): {held_silence_label(turn.get('silence_s'))}")
        # the comment follows the line it is about (after the client's reply it read as
        # a comment on the next answer)
        answered = bool(turn.get("trainee_text")) or is_held_silence(turn)
        about = f"You ({turn['index']})" if answered else "the opening line"
        turn_comments = [f"    comment on {about} from {c['author']}: {c['text']}"
                         for c in comments.pop(turn.get("index"), [])]
        if answered:
            lines += turn_comments
        if turn.get("client_text"):
            lines.append(f"Client: {turn['client_text']}")
        if not answered:
            lines += turn_comments
    for turn_index, rest in comments.items():
        for comment in rest:
            about = "the whole session" if turn_index is None else f"turn {turn_index}"
            lines.append(f"Comment on {about} from {comment['author']}: {comment['text']}")
    summary = session.summary or {}
    if isinstance(summary.get("mean_attunement"), (int, float)):
        lines += ["", f"Mean attunement: {summary['mean_attunement']:.0f}/100"]
    return "\n".join(lines)


# ------------------------------------------------------------------ commands
def _cmd_privacy(args: argparse.Namespace) -> int:
    print(privacy_audit(args.data_dir))
    return 0


def _cmd_delete_all(args: argparse.Namespace) -> int:
    paths = DataPaths(resolve_data_dir(args.data_dir))
    if not args.yes:
        raise CommandError(
            f"This deletes every stored session, recording and key in {paths.data_dir} for good. "
            "Run again with --yes to do it.", 2)
    if sessions_being_recorded(paths.db_file):  # the running practice would save into nothing
        raise CommandError("A practice session is still being recorded in this folder; end it first, "
                           "then delete everything. Nothing was deleted.", 2)
    was_encrypted = folder_is_encrypted(paths) if paths.db_file.exists() else False
    removed = remove_store_files(paths)
    print(f"Deleted {len(removed)} files from {paths.data_dir}." if removed else "Nothing was stored.")
    if was_encrypted:  # the key went too: what is practised next is stored without encryption
        print("The passphrase went with them: new sessions will not be encrypted until you run "
              "`trainer passphrase set` again.")
    return 0


def _cmd_with_store(args: argparse.Namespace) -> int:
    command = args.storage_command
    with _open_store(args) as store:
        if command == "sessions-list":
            _print_list(store)
        elif command == "sessions-show":
            print(format_transcript(store.load_session(args.session)))
        elif command == "sessions-comment":
            session = store.load_session(args.session)
            if args.turn is not None and args.turn not in {int(t.get("index", -1)) for t in session.turns}:
                raise CommandError(f"Session {session.info.id} has no turn {args.turn}; "
                                   "`trainer sessions show` lists its turns.")
            if not args.author.strip():  # it showed as "Comment from : ..."
                raise CommandError("--author needs a name, e.g. --author 'Dr Patel (supervisor)'.", 2)
            try:
                store.add_comment(session.info.id, args.turn, args.author.strip(), args.text)
            except ValueError as error:
                raise CommandError(str(error)) from error
            where = ("the opening line" if args.turn == 0 else f"turn {args.turn}" if args.turn is not None
                     else "the whole session")
            print(f"Comment added on {where} (session {session.info.id}).")
        elif command == "sessions-delete":
            session = store.load_session(args.session)
            if session.info.active:  # its practice would lose every later turn and the summary
                raise CommandError(f"Session {session.info.id} is still being recorded by a running "
                                   "practice; end that session first, then delete it.", 2)
            what = (f"{session.info.scenario_title}, "
                    f"{session.info.started_at.astimezone():%d %b %Y %H:%M}, {session.info.id}")
            if not args.yes and not _confirm(f"Delete the session ({what}) with its transcript and "
                                             "recordings? This cannot be undone. [y/N] "):
                raise CommandError("Nothing was deleted. (Add --yes to delete without being asked.)", 2)
            store.delete_session(session.info.id)
            print(f"Deleted session {session.info.id} ({session.info.scenario_title}).")
        elif command == "sessions-retention":
            days = None if args.days.lower() in ("off", "none", "never") else _parse_days(args.days)
            store.set_setting("retention_days", days)
            removed = store.apply_retention()
            print("Sessions are kept until deleted." if days is None
                  else f"Sessions are deleted {days} days after they start ({removed} deleted now).")
        elif command == "sessions-audio":
            store.set_setting("audio_retention", args.state == "on")
            deleted = store.delete_audio() if args.state == "off" and args.delete_existing else 0
            print(f"Audio retention {args.state}." + (f" Deleted {_plural(deleted, 'recording')}." if deleted else ""))
            kept = store.recording_count() if args.state == "off" else 0
            if kept:  # "off" is about new turns: say what is still on disk and how to remove it
                print(f"{_plural(kept, 'recording')} of earlier turns {'is' if kept == 1 else 'are'} still "
                      "stored; add --delete-existing to delete them.")
        elif command == "export":
            _export(store, args)
        elif command == "import":
            _import(store, args.path)
        elif command == "passphrase-set":
            if store.encrypted:
                raise CommandError("This data folder already has a passphrase; use `trainer passphrase change`.")
            store.set_passphrase(_ask("New passphrase: ", NEW_PASSPHRASE_ENV, confirm=True))
            print(f"Encrypted the sessions in {store.paths.data_dir}. Keep the passphrase safe: "
                  "without it they cannot be recovered.")
        elif command == "passphrase-change":
            if not store.encrypted:
                raise CommandError("This data folder has no passphrase yet; use `trainer passphrase set`.")
            old = getattr(args, "opened_with_passphrase", None) or _ask("Current passphrase: ", PASSPHRASE_ENV)
            new = _ask("New passphrase: ", NEW_PASSPHRASE_ENV, confirm=True)
            if new == old:
                raise CommandError("The new passphrase is the same as the current one; nothing was changed.", 2)
            store.change_passphrase(old, new)
            print("Passphrase changed; everything was re-encrypted.")
        else:
            raise CommandError(f"Unknown command {command!r}.", 2)
    return 0


def _parse_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise CommandError(f"DAYS must be a whole number or 'off', not {text!r}.", 2) from None
    if days < 1:
        raise CommandError("DAYS must be at least 1.", 2)
    if days > MAX_RETENTION_DAYS:  # larger overflowed the date arithmetic, after being saved
        raise CommandError(f"DAYS must be at most {MAX_RETENTION_DAYS} (100 years); use 'off' to "
                           "keep sessions until you delete them.", 2)
    return days


def _export(store: SessionStore, args: argparse.Namespace) -> None:
    target = args.json or args.pdf or args.comments or args.package
    if str(target) != "-" and Path(target).is_dir():  # raw "[Errno 21]" or a QPainter warning before
        raise CommandError(f"{target} is a folder; give a file name, e.g. {Path(target) / 'session'}"
                           f"{'.json' if args.json else '.pdf' if args.pdf else '.trainerpkg'}.", 2)
    folder = Path(target).expanduser().parent
    if str(target) != "-" and not folder.is_dir():  # was "[Errno 2] … x.json.part", our temporary name
        raise CommandError(f"Cannot write {target}: the folder {folder} does not exist. "
                           "Create it first, or give a file in an existing folder.", 2)
    session = store.load_session(args.session)
    if args.json and str(args.json) == "-":  # to standard output, as "-" means for most tools
        print(export_text(session))
        return
    try:
        _write_export(store, session, args)
    except OSError as error:  # was a bare "[Errno 28] No space left on device"
        if error.errno == errno.ENOSPC:
            raise CommandError(f"Cannot write {target}: the disk is full. Nothing was written; "
                               "free some space, or choose a place on another disk.") from error
        raise CommandError(f"Cannot write {target}: {error.strerror or error}.") from error


def _write_export(store: SessionStore, session: StoredSession, args: argparse.Namespace) -> None:
    if args.json:
        export_json(session, args.json)
        print(f"Wrote {args.json} (plain JSON, not encrypted).")
    elif args.pdf:
        from trainer.storage.export_pdf import export_pdf

        export_pdf(session, args.pdf)
        print(f"Wrote {args.pdf}.")
    elif args.comments:
        passphrase = _ask("Passphrase for the comments file: ", PACKAGE_PASSPHRASE_ENV, confirm=True)
        count = store.export_comments(session.info.id, args.comments, passphrase)
        print(f"Wrote {_plural(count, 'comment')} to {args.comments} (encrypted).")
    else:
        passphrase = _ask("Package passphrase (share it with your supervisor separately): ",
                          PACKAGE_PASSPHRASE_ENV, confirm=True)
        store.export_package(session.info.id, args.package, passphrase)
        print(f"Wrote {args.package} (encrypted supervision package).")


def _import(store: SessionStore, path: Path) -> None:
    kind = package_kind(path)
    passphrase = _ask("Package passphrase: ", PACKAGE_PASSPHRASE_ENV)
    if kind == KIND_SESSION:
        new_id = store.import_package(path, passphrase)
        print(f"Imported a read-only review copy as session {new_id}.")
    elif kind == KIND_COMMENTS:
        added = store.import_comments(path, passphrase)
        print(f"Added {_plural(added, 'comment')}.")
    else:
        raise CommandError(f"{path} holds {kind!r}, which this version cannot import.")


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "storage_command", None)
    try:
        if command == "sessions-help":
            args._sessions_parser.print_help()
            return 2
        if command == "passphrase-help":
            args._passphrase_parser.print_help()
            return 2
        if command == "privacy":
            return _cmd_privacy(args)
        if command == "sessions-delete-all":
            return _cmd_delete_all(args)
        if command == "passphrase-set" and folder_is_encrypted(DataPaths(resolve_data_dir(args.data_dir))):
            # said before asking for the current passphrase, which `set` has no use for
            raise CommandError("This data folder already has a passphrase; use `trainer passphrase change`.", 2)
        return _cmd_with_store(args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:
        raise  # the reader went away (`sessions show last | head`): trainer.__main__ ends quietly
    except (StoreError, PackageError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
