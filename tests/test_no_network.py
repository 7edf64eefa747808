"""Provably offline: a whole demo session opens no network connection.

1. With every socket connection attempt and name lookup recorded and refused (installed
   before ``trainer`` is imported, so import-time code is covered too).
2. In a network namespace with no interfaces at all (``unshare -n``), as root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.integration

GUARDED_DEMO = textwrap.dedent("""
    import json, socket, sys
    attempts = []

    def refuse(what):
        def blocked(*args, **kwargs):
            attempts.append([what, repr(args[:2])])
            raise OSError("network use is forbidden in this test")
        return blocked

    original_connect = socket.socket.connect
    def guarded_connect(self, address):
        if self.family == socket.AF_UNIX:  # local IPC (e.g. D-Bus) is not network
            return original_connect(self, address)
        attempts.append(["connect", repr(address)])
        raise OSError("network use is forbidden in this test")

    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = lambda self, address: guarded_connect(self, address)
    socket.create_connection = refuse("create_connection")
    socket.getaddrinfo = refuse("getaddrinfo")
    socket.gethostbyname = refuse("gethostbyname")

    from trainer.__main__ import main
    code = main(["demo", "--scenario", "burnout-nurse", "--turns", "2", "--json"])
    print("ATTEMPTS " + json.dumps(attempts), file=sys.stderr)
    sys.exit(code)
""")


def test_a_demo_session_makes_no_connection_attempt_and_writes_nothing_outside_its_folders(tmp_path):
    import platformdirs

    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "TRAINER_DATA_DIR": str(tmp_path / "data"), "HOME": str(home),
           # the unpacked default models stay where they are; everything else goes under HOME
           "TRAINER_CACHE_DIR": os.environ.get("TRAINER_CACHE_DIR", platformdirs.user_cache_dir("trainer"))}
    env.pop("XDG_CACHE_HOME", None)
    result = subprocess.run([sys.executable, "-c", GUARDED_DEMO], capture_output=True, text=True,
                            env=env, timeout=600)
    attempts_line = [l for l in result.stderr.splitlines() if l.startswith("ATTEMPTS ")]
    assert result.returncode == 0, result.stderr[-3000:]
    assert attempts_line, result.stderr[-2000:]
    assert json.loads(attempts_line[-1][len("ATTEMPTS "):]) == []
    record = json.loads(result.stdout)
    assert len(record["turns"]) == 2 and record["session_id"]
    # Native code is beyond the socket guard above: onnxruntime's telemetry (a device id
    # and an event queue under ~/.cache/Microsoft, sent on a timer) must be off.
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    assert written == [], written


def namespace_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not namespace_available(),
                    reason="this machine does not allow network namespaces (unshare -n needs root)")
def test_demo_succeeds_in_a_namespace_without_network(tmp_path):
    env = {**os.environ, "TRAINER_DATA_DIR": str(tmp_path / "data")}
    probe = subprocess.run(["unshare", "-n", "ip", "-o", "link"], capture_output=True, text=True)
    if probe.returncode == 0:
        assert "eth" not in probe.stdout and "state UP" not in probe.stdout
    result = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "trainer", "demo", "--scenario", "reluctant-teen",
         "--turns", "2", "--json"],
        capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads(result.stdout)
    assert len(record["turns"]) == 2
    assert all(turn["client_reply"] for turn in record["turns"])
