"""Kill a writing process at arbitrary moments; every committed turn must survive."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.test_storage_fixtures import _clean_env, open_store  # noqa: F401

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from trainer.storage.crypto import ScryptParams
    from trainer.storage.store import SessionStore

    store = SessionStore.open(sys.argv[1], sys.argv[2] or None, kdf_params=ScryptParams(n=2**10))
    store.set_setting("audio_retention", True)
    sid = store.start_session("crash", "Crash test", {"asr": "fake"})
    print("session", sid, flush=True)
    i = 0
    while True:
        store.add_turn(sid, {
            "index": i,
            "trainee_text": f"trainee words {i}",
            "client_text": f"client words {i}",
            "code": "reflection_simple",
            "confidence": 0.9,
            "feedback": {"attunement": i % 100},
            "timings": {},
            "client_state": {},
            "trainee_audio": np.full(8000, i % 30000, dtype=np.int16),
            "client_audio": None,
            "sample_rates": {"trainee": 16000},
        })
        print("committed", i, flush=True)
        i += 1
    """
)


@pytest.mark.parametrize("passphrase", ["", "crash pw"])
def test_sigkill_loses_at_most_the_turn_in_progress(tmp_path: Path, passphrase: str) -> None:
    repo_root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    env.pop("TRAINER_PASSPHRASE", None)
    rng = random.Random(1234)
    reported: dict[str, int] = {}
    for kill_after in (0, 1, 7, 23):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), passphrase],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        first = proc.stdout.readline().split()
        if first[:1] != ["session"]:
            proc.kill()
            raise AssertionError(f"writer failed: {first} {proc.stderr.read()}")
        sid = first[1]
        committed = -1
        while committed < kill_after:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"writer died early: {proc.stderr.read()}")
            committed = int(line.split()[1])
        # Land the kill at a varying point inside the next transaction.
        for _ in range(rng.randint(0, 3000)):
            pass
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        # Lines already in the pipe were committed before the kill, however far the
        # writer ran ahead of this reader on a loaded machine.
        for line in proc.stdout.read().splitlines():
            if line.startswith("committed"):
                committed = int(line.split()[1])
        proc.stdout.close()
        proc.stderr.close()
        reported[sid] = committed

    with open_store(tmp_path, passphrase or None) as store:
        assert store.integrity_check(deep=True)
        infos = {info.id: info for info in store.list_sessions()}
        assert set(infos) == set(reported)
        for sid, committed in reported.items():
            info = infos[sid]
            assert info.interrupted and not info.active
            session = store.load_session(sid)
            indices = [turn["index"] for turn in session.turns]
            # Every reported turn is there, in order; at most one more (committed, not yet printed).
            assert indices[: committed + 1] == list(range(committed + 1))
            assert len(indices) <= committed + 2
            samples, rate = store.load_turn_audio(sid, committed, "trainee")
            assert rate == 16000 and int(samples[0]) == committed
