"""Privacy promises checked end to end with the real ``trainer demo`` command.

Each test runs ``python -m trainer demo`` in a subprocess with the real default models
and its own temporary data folder (``TRAINER_DATA_DIR``), then looks at the files and
the other commands:

1. crash safety: the demo is killed with SIGKILL at several points of a session (read
   from its transcript on stdout); every turn whose client reply was printed is stored,
   the session is listed as interrupted and the database passes its integrity checks;
2. encryption at rest: with ``TRAINER_PASSPHRASE`` no file of the data folder (the
   ``-wal``/``-shm`` files included, during and after the session) contains words the
   trainee or the client said; the right passphrase shows them, a wrong one fails
   clearly and changes no file; the same search on an unencrypted folder finds them;
3. the PDF report of a demo session (checked with QtPdf).

About seven real demo runs in all (roughly 2-4 minutes on two cores).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from trainer.scenarios import find_scenario  # noqa: E402
from trainer.storage import SessionStore  # noqa: E402

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[1]
SCENARIO_ID = "burnout-nurse"
SCENARIO = find_scenario(SCENARIO_ID)
CLIENT_NAME = SCENARIO.persona.name
PASSPHRASE = "e2e correct horse battery"
DEMO_TIMEOUT_S = 300.0  # a whole demo, generous: two shared cores, several demos at once
CLI_TIMEOUT_S = 120.0
_SECRET_ENV = ("TRAINER_PASSPHRASE", "TRAINER_NEW_PASSPHRASE", "TRAINER_PACKAGE_PASSPHRASE")


# --------------------------------------------------------------------------- helpers
def _env(data_dir: Path, passphrase: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SECRET_ENV}
    env["TRAINER_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    if passphrase is not None:
        env["TRAINER_PASSPHRASE"] = passphrase
    return env


def _trainer(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trainer", *args], env=env, cwd=REPO_ROOT, text=True,
        capture_output=True, stdin=subprocess.DEVNULL, timeout=CLI_TIMEOUT_S,
    )


@dataclass
class Transcript:
    """What the demo printed so far: the opening line, then (trainee, client) pairs."""

    lines: list[str] = field(default_factory=list)

    @property
    def client_lines(self) -> list[str]:
        prefix = f"{CLIENT_NAME}: "
        return [_clean_client(line[len(prefix):]) for line in self.lines if line.startswith(prefix)]

    @property
    def trainee_lines(self) -> list[str]:
        return [line[len("You: "):].strip() for line in self.lines if line.startswith("You: ")]

    def completed_turns(self) -> list[tuple[str, str]]:
        """``[(trainee_text, client_text)]`` by turn index (turn 0: the opening line, no
        trainee text) for every turn whose client reply was printed."""
        clients, trainees = self.client_lines, self.trainee_lines
        return [("" if i == 0 else trainees[i - 1], text) for i, text in enumerate(clients)]


def _clean_client(text: str) -> str:
    return text.removesuffix(" [you came in here]").strip()


class DemoRun:
    """``trainer demo`` in a subprocess; its stdout read line by line on a thread."""

    def __init__(self, data_dir: Path, turns: int, log_dir: Path, passphrase: str | None = None) -> None:
        self.stderr_path = log_dir / f"demo-{time.monotonic_ns()}.stderr"
        self._stderr = self.stderr_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trainer", "demo", "--scenario", SCENARIO_ID, "--turns", str(turns)],
            env=_env(data_dir, passphrase), cwd=REPO_ROOT, text=True, bufsize=1,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
        )
        self.transcript = Transcript()
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _diagnostics(self) -> str:
        self._stderr.flush()
        err = self.stderr_path.read_text(errors="replace")[-3000:]
        return "stdout so far:\n" + "\n".join(self.transcript.lines) + "\nstderr (end):\n" + err

    def wait_for(self, predicate, timeout: float = DEMO_TIMEOUT_S) -> str:
        """Read lines until one satisfies ``predicate(line)``; return it."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise AssertionError(f"demo: no expected line within {timeout:.0f} s\n{self._diagnostics()}")
            try:
                line = self._lines.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait(timeout=30)
                raise AssertionError(
                    f"demo ended (exit {self.proc.returncode}) before the expected line\n{self._diagnostics()}")
            self.transcript.lines.append(line)
            if predicate(line):
                return line

    def wait_client_lines(self, count: int) -> None:
        prefix = f"{CLIENT_NAME}: "
        while len(self.transcript.client_lines) < count:
            self.wait_for(lambda line: line.startswith(prefix))

    def kill(self) -> None:
        """SIGKILL now; then take in what was already in the pipe (printed before the kill)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)  # reaped: the pid no longer counts as a running writer
        self._reader.join(timeout=30)
        self._drain()
        self._close()

    def _drain(self) -> None:
        while not self._lines.empty():
            line = self._lines.get_nowait()
            if line is None:
                break
            self.transcript.lines.append(line)

    def finish(self) -> Transcript:
        """Wait for a normal end; the whole transcript."""
        try:
            self.proc.wait(timeout=DEMO_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"demo did not end within {DEMO_TIMEOUT_S:.0f} s\n{self._diagnostics()}")
        self._reader.join(timeout=30)
        self._drain()
        assert self.proc.returncode == 0, f"demo failed (exit {self.proc.returncode})\n{self._diagnostics()}"
        self._close()
        return self.transcript

    def _close(self) -> None:
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


def _files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.rglob("*") if p.is_file())


def _hashes(data_dir: Path) -> dict[str, str]:
    return {str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in _files(data_dir)}


def _search(data_dir: Path, needles: list[str]) -> dict[str, list[str]]:
    """``{needle: [file names]}`` for every needle found (bytes, case-insensitive) in any
    file under the data folder (database, -wal, -shm, -journal, key file...)."""
    contents = {p.name: p.read_bytes().lower() for p in _files(data_dir)}
    assert any(name.endswith("-wal") for name in contents) or "sessions.sqlite3" in contents
    found: dict[str, list[str]] = {}
    for needle in needles:
        encoded = needle.lower().encode("utf-8")
        hits = [name for name, data in contents.items() if encoded in data]
        if hits:
            found[needle] = hits
    return found


def _metadata_words(data_dir: Path) -> set[str]:
    """Words that may appear in the clear by design (schema, scenario title, model names,
    key file...), read from a copy of the folder so the original is not touched."""
    copy = data_dir.parent / f"{data_dir.name}-metadata-copy"
    shutil.copytree(data_dir, copy)
    text = [SCENARIO.id, SCENARIO.title]
    conn = sqlite3.connect(copy / "sessions.sqlite3")
    try:
        text += [row[0] or "" for row in conn.execute("SELECT sql FROM sqlite_master")]
        for row in conn.execute("SELECT scenario_id, scenario_title, models, writer_host FROM sessions"):
            text += [str(value) for value in row]
        text += [str(row) for row in conn.execute("SELECT key, value FROM meta")]
        text += [row[0] for row in conn.execute("SELECT key FROM settings")]
    finally:
        conn.close()
    for key_file in copy.glob("keyinfo.json*"):
        text.append(key_file.read_text())
    shutil.rmtree(copy)
    return {word.lower() for word in re.findall(r"[A-Za-z]+", " ".join(text))}


def _static_metadata_words() -> set[str]:
    """Words that are in the clear by design, known without reading the folder (it is
    being written): the scenario id and title and the schema's table and column names."""
    from trainer.storage.schema import MIGRATIONS

    text = " ".join([SCENARIO.id, SCENARIO.title, *(sql for step in MIGRATIONS for sql in step)])
    return {word.lower() for word in re.findall(r"[A-Za-z]+", text)}


def _needles(turns: list[tuple[str, str]], excluded: set[str]) -> list[str]:
    """Distinctive words (6+ letters) and phrases from what was actually said."""

    def words(texts: list[str]) -> list[str]:
        found = {w.lower() for text in texts for w in re.findall(r"(?<![A-Za-z'])[A-Za-z]{6,}(?![A-Za-z'])", text)}
        return sorted(found - excluded, key=lambda w: (-len(w), w))

    trainee = [t for t, _ in turns if t]
    client = [c for _, c in turns if c]
    picked = words(trainee)[:4] + [w for w in words(client) if w not in words(trainee)[:4]][:4]
    # The first four words of each trainee line, as they were spoken (a phrase).
    for text in trainee:
        phrase = " ".join(text.split()[:4])
        if re.fullmatch(r"[A-Za-z ]+", phrase) and len(phrase) >= 12:
            picked.append(phrase)
    return picked


def _open_store(data_dir: Path, passphrase: str | None = None) -> SessionStore:
    return SessionStore.open(data_dir, passphrase, use_env=False)


# --------------------------------------------------------------------------- 1. crash safety
# Kill points: (name, client lines printed before the kill, also wait for turn N's
# feedback line, i.e. the client is generating its reply to that turn).
KILL_POINTS = [
    ("after-opening-line", 1, None),
    ("after-turn-1-reply", 2, None),
    ("after-turn-2-reply", 3, None),
    ("mid-generation-turn-3", 3, 3),
]


@pytest.mark.parametrize("name,client_lines,generating_turn", KILL_POINTS, ids=[k[0] for k in KILL_POINTS])
def test_sigkill_during_demo_keeps_every_printed_turn(tmp_path: Path, name: str, client_lines: int,
                                                      generating_turn: int | None) -> None:
    data_dir = tmp_path / "data"
    run = DemoRun(data_dir, turns=4, log_dir=tmp_path)
    try:
        run.wait_client_lines(client_lines)
        if generating_turn is not None:
            # "You: ..." of that turn, then its feedback line ("  [code NN%] ..."), which
            # the engine emits before the client starts generating.
            while len(run.transcript.trainee_lines) < generating_turn:
                run.wait_for(lambda line: line.startswith("You: "))
            run.wait_for(lambda line: line.startswith("  ["))
    finally:
        run.kill()
    assert run.proc.returncode == -signal.SIGKILL, f"{name}: the demo ended before the kill"

    # Everything the demo wrote before it died (what was still in the pipe included).
    printed = run.transcript.completed_turns()
    assert len(printed) >= client_lines
    if generating_turn is not None:
        # Killed with a trainee turn under way: its line printed, the client's reply not.
        assert len(run.transcript.trainee_lines) == len(printed), run.transcript.lines

    with _open_store(data_dir) as store:
        assert store.integrity_check(deep=True)
        infos = store.list_sessions()
        assert len(infos) == 1
        info = infos[0]
        assert info.interrupted and not info.active and info.ended_at is None
        session = store.load_session(info.id)
    stored = {turn["index"]: turn for turn in session.turns}
    for index, (trainee_text, client_text) in enumerate(printed):
        assert index in stored, f"{name}: turn {index} was printed but not stored ({sorted(stored)})"
        assert stored[index]["trainee_text"] == trainee_text
        assert stored[index]["client_text"] == client_text
    # Nothing beyond the printed turns: the turn being generated is the one lost.
    assert sorted(stored) == list(range(len(printed)))
    assert info.turns == len(printed) - 1  # the trainee's turns; printed[0] is the opening line

    # The same through the commands a trainee would use.
    env = _env(data_dir)
    listed = _trainer(["sessions", "list"], env)
    assert listed.returncode == 0, listed.stderr
    assert info.id in listed.stdout and "interrupted" in listed.stdout
    shown = _trainer(["sessions", "show", "last"], env)
    assert shown.returncode == 0, shown.stderr
    assert "interrupted" in shown.stdout.splitlines()[1]
    for trainee_text, client_text in printed:
        assert trainee_text in shown.stdout and client_text in shown.stdout


# --------------------------------------------------------------------------- 2. encryption
@pytest.fixture(scope="module")
def plain_demo(tmp_path_factory) -> tuple[Path, Transcript]:
    """One 3-turn demo in an unencrypted data folder (search control and PDF report)."""
    base = tmp_path_factory.mktemp("plain")
    data_dir = base / "data"
    transcript = DemoRun(data_dir, turns=3, log_dir=base).finish()
    assert len(transcript.completed_turns()) == 4, transcript.lines
    return data_dir, transcript


def test_encrypted_demo_leaves_no_readable_words(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run = DemoRun(data_dir, turns=3, log_dir=tmp_path, passphrase=PASSPHRASE)
    # While the app runs (the write-ahead log is being written): once turn 3's trainee
    # line is printed, turn 2 has been stored (the engine stores a turn before it
    # starts on the next one).
    run.wait_client_lines(3)
    run.wait_for(lambda line: line.startswith("You: "))
    so_far = run.transcript.completed_turns()
    running_needles = _needles(so_far, _static_metadata_words())
    assert len(running_needles) >= 4, running_needles
    assert _search(data_dir, running_needles) == {}, "readable while the demo runs"
    transcript = run.finish()
    turns = transcript.completed_turns()
    assert len(turns) == 4, transcript.lines

    names = {p.name for p in _files(data_dir)}
    assert {"sessions.sqlite3", "keyinfo.json"} <= names, names
    needles = _needles(turns, _metadata_words(data_dir))
    assert len(needles) >= 6, needles
    assert any(n in {w.lower() for _, c in turns for w in re.findall(r"[A-Za-z]+", c)} for n in needles)
    assert _search(data_dir, needles) == {}, f"plaintext found in {sorted(names)}"

    # The privacy audit and a wrong passphrase change no file at all.
    before = _hashes(data_dir)
    audit = _trainer(["privacy"], _env(data_dir))
    assert audit.returncode == 0, audit.stderr
    assert "Encryption:    on" in audit.stdout and "Sessions:      1" in audit.stdout
    wrong = _trainer(["sessions", "show", "last"], _env(data_dir, "not the passphrase"))
    assert wrong.returncode != 0
    assert "Wrong passphrase" in wrong.stderr and "Nothing was changed" in wrong.stderr, wrong.stderr
    assert "Traceback" not in wrong.stderr
    missing = _trainer(["sessions", "show", "last"], _env(data_dir))
    assert missing.returncode != 0 and "passphrase" in missing.stderr.lower(), missing.stderr
    for result in (audit, wrong, missing):
        assert _search_text(result.stdout + result.stderr, needles) == []
    assert _hashes(data_dir) == before, "a wrong passphrase (or the audit) changed the data folder"

    # The right passphrase shows the whole conversation.
    right = _trainer(["sessions", "show", "last"], _env(data_dir, PASSPHRASE))
    assert right.returncode == 0, right.stderr
    for trainee_text, client_text in turns:
        assert trainee_text in right.stdout and client_text in right.stdout
    assert SCENARIO.title in right.stdout and "finished" in right.stdout
    # Once the store was opened and closed properly (log checkpointed), still nothing.
    assert _search(data_dir, needles) == {}


def _search_text(text: str, needles: list[str]) -> list[str]:
    return [n for n in needles if n.lower() in text.lower()]


LEFTOVER_LOG_WRITER = """
import os, sys
from trainer.storage.crypto import ScryptParams
from trainer.storage.store import SessionStore
store = SessionStore.open(sys.argv[1], "right one", kdf_params=ScryptParams(n=2**10))
sid = store.start_session("s", "Leftover log", {})
store.add_turn(sid, {"index": 1, "trainee_text": "marmalade lighthouse", "client_text": "ok"})
os._exit(0)  # like `trainer demo` or a crash: the store is never closed, the -wal stays
"""


def test_wrong_passphrase_leaves_leftover_log_untouched(tmp_path: Path) -> None:
    """Regression (found by the demo test above, no models needed): with a write-ahead log
    left over, opening with a wrong or missing passphrase used to checkpoint the log into
    the database file and delete the -wal/-shm files while saying "Nothing was changed"."""
    from trainer.storage import PassphraseRequiredError, WrongPassphraseError

    data_dir = tmp_path / "data"
    subprocess.run([sys.executable, "-c", LEFTOVER_LOG_WRITER, str(data_dir)], env=_env(data_dir),
                   cwd=REPO_ROOT, check=True, timeout=CLI_TIMEOUT_S)
    assert (data_dir / "sessions.sqlite3-wal").stat().st_size > 0
    before = _hashes(data_dir)
    with pytest.raises(WrongPassphraseError, match="Nothing was changed"):
        _open_store(data_dir, "wrong one")
    with pytest.raises(PassphraseRequiredError):
        _open_store(data_dir)
    assert _hashes(data_dir) == before
    with _open_store(data_dir, "right one") as store:
        assert store.load_session("last").turns[0]["trainee_text"] == "marmalade lighthouse"
        assert store.integrity_check(deep=True)


def test_unencrypted_demo_is_readable_control(plain_demo) -> None:
    """The same search finds the words when there is no passphrase (the search works)."""
    data_dir, transcript = plain_demo
    assert not (data_dir / "keyinfo.json").exists()
    needles = _needles(transcript.completed_turns(), _metadata_words(data_dir))
    assert len(needles) >= 6, needles
    found = _search(data_dir, needles)
    assert set(found) == set(needles), f"not found: {sorted(set(needles) - set(found))}"


# --------------------------------------------------------------------------- 3. PDF report
def test_pdf_report_of_demo_session(plain_demo, tmp_path: Path, qapp) -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtPdf import QPdfDocument

    data_dir, transcript = plain_demo
    pdf = tmp_path / "report.pdf"
    result = _trainer(["export", "last", "--pdf", str(pdf)], _env(data_dir))
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")

    doc = QPdfDocument(None)
    try:
        assert doc.load(str(pdf)) == QPdfDocument.Error.None_
        assert doc.pageCount() >= 1
        text = " ".join(doc.getAllText(page).text() for page in range(doc.pageCount()))
        flat = " ".join(text.split())
        assert SCENARIO.title in flat
        trainee = transcript.trainee_lines
        assert any(" ".join(line.split()) in flat for line in trainee), (trainee, flat[:2000])
        for heading in ("Reflections to questions", "trainee turn"):
            assert heading in flat, heading
        assert any(band in flat for band in ("below fair", "fair", "good"))
        # Page 1 renders to a non-blank image (the same page is in docs/images/report-page.png).
        image = doc.render(0, QSize(595, 842))
        assert not image.isNull()
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        assert len(colours) > 5
    finally:
        doc.close()


def test_json_export_matches_printed_transcript(plain_demo, tmp_path: Path) -> None:
    """Cheap extra check on the same run: the stored session is what was printed."""
    data_dir, transcript = plain_demo
    out = tmp_path / "session.json"
    result = _trainer(["export", "last", "--json", str(out)], _env(data_dir))
    assert result.returncode == 0, result.stderr
    record = json.loads(out.read_text())
    stored = [(t.get("trainee_text") or "", t.get("client_text") or "") for t in record["turns"]]
    assert stored == transcript.completed_turns()
