"""``trainer gui``: the desktop app (the default command)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from typing import Any, Callable


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("gui", help="open the desktop app (the default)",
                                   description="Open the practice window.")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="load the models, run the scenario's demo lines in text mode, save a "
                             "screenshot of the window to PATH and exit")
    parser.add_argument("--scenario", metavar="ID", help="scenario for --screenshot (default: the first)")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                        help="give up on --screenshot after this long (default 300)")
    parser.set_defaults(func=run)
    return parser


def _headless() -> bool:
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and sys.platform.startswith("linux")


SCREENSHOT_SIZE = (1280, 800)


def run_gui(services: Any, argv: list[str] | None = None, *, screenshot: str | None = None,
            scenario_id: str | None = None, timeout_s: float = 300.0,
            ask_passphrase: Callable[[str], str | None] | None = None) -> int:
    """Show the window; returns the exit code. With ``screenshot``, drive a demo and save it."""
    if screenshot and _headless():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from trainer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(list(argv) if argv else [sys.argv[0]])
    app.setApplicationName("trainer")
    app.setApplicationDisplayName("Counselling practice")
    problem = unlock_store(services, ask_passphrase or _passphrase_dialog)
    if problem:
        print(problem, file=sys.stderr)
        if ask_passphrase is None and not screenshot:
            # started from a desktop launcher there is no terminal: the app just vanished
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(None, "Counselling practice", problem)
        _close(services)
        return 1
    window = MainWindow(services)
    if screenshot:
        window.resize(SCREENSHOT_SIZE[0], SCREENSHOT_SIZE[1])  # the same picture whatever the (virtual) screen
    window.show()
    if not screenshot:
        code = app.exec()
        _close(services)
        return int(code)

    from trainer.ui.screenshot_driver import ScreenshotDriver
    from trainer.ui.stall_monitor import StallMonitor

    result = {"code": 1, "message": "The window closed before the screenshot was taken."}
    driver = ScreenshotDriver(window, screenshot, scenario_id, timeout_s=timeout_s)

    loop = QEventLoop()  # a local loop, so an already running QApplication (tests) stays usable

    def done(code: int, message: str) -> None:
        result["code"], result["message"] = code, message
        window.close()
        loop.quit()

    driver.finished.connect(done)
    driver.progress.connect(lambda text: print(text, file=sys.stderr))
    monitor = StallMonitor(interval_ms=5)  # how long the GUI thread was ever blocked
    # The same from the moment the models are ready: the session itself, without the
    # model loading (which runs on a worker but competes for the GIL).
    session_monitor = StallMonitor(interval_ms=5)
    window.modelsReady.connect(session_monitor.start)
    driver.start()
    monitor.start()
    loop.exec()
    monitor.stop()
    session_monitor.stop()
    window.deleteLater()
    if result["code"] == 0:
        print(f"GUI thread: longest stall {monitor.longest_gap_ms:.0f} ms, p99 {monitor.p99_gap_ms:.0f} ms "
              f"over {monitor.ticks} ticks; after the models loaded: longest "
              f"{session_monitor.longest_gap_ms:.0f} ms, p99 {session_monitor.p99_gap_ms:.0f} ms", file=sys.stderr)
    _close(services)
    print(result["message"], file=sys.stderr if result["code"] else sys.stdout)
    return int(result["code"])


PASSPHRASE_TRIES = 3


def unlock_store(services: Any, ask: Callable[[str], str | None]) -> str | None:
    """Open the session store before the window needs it, asking for the passphrase if it
    is encrypted (it crashed with a traceback). Returns a message when it cannot be opened."""
    from trainer.storage.errors import PassphraseRequiredError, StoreError, WrongPassphraseError

    try:
        services.store
        return None
    except PassphraseRequiredError:
        pass  # encrypted: ask for the passphrase below
    except StoreError as exc:
        return f"Your stored sessions could not be opened: {exc}"
    prompt = "Your practice sessions are encrypted. Passphrase:"
    for _ in range(PASSPHRASE_TRIES):
        passphrase = ask(prompt)
        if passphrase is None:  # cancelled
            return "No passphrase given; the app needs it to open your encrypted sessions."
        if not passphrase:  # OK on an empty box: ask again
            prompt = "The passphrase cannot be empty. Your practice sessions are encrypted. Passphrase:"
            continue
        try:
            services.unlock(passphrase)
            return None
        except WrongPassphraseError:
            prompt = "That passphrase did not open your sessions. Try again:"
        except StoreError as exc:
            return f"Your stored sessions could not be opened: {exc}"
    return f"Wrong passphrase {PASSPHRASE_TRIES} times; nothing was opened or changed."


def _passphrase_dialog(prompt: str) -> str | None:
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    text, accepted = QInputDialog.getText(None, "Counselling practice", prompt, QLineEdit.EchoMode.Password)
    return text if accepted else None


def _close(services: Any) -> None:
    close = getattr(services, "close", None)
    if callable(close):
        try:
            close()
        except Exception as exc:  # noqa: BLE001
            print(f"warning: shutting down: {exc}", file=sys.stderr)


def no_display() -> bool:
    """No screen to open a window on (Qt would abort the process)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return False  # the caller chose a platform (e.g. offscreen) on purpose
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    if no_display() and not getattr(args, "screenshot", None):
        print("No display found: the window needs a desktop session.\n"
              "Practise in the terminal instead: trainer practice burnout-nurse "
              "(add --text to type your answers), or see 'trainer scenarios list'.",
              file=sys.stderr)
        return 2
    scratch = _scratch_data_dir() if getattr(args, "screenshot", None) else None
    try:
        try:
            from trainer.app import Services

            services = Services()
        except Exception as exc:  # noqa: BLE001 - plain words, not a traceback
            print(f"The app could not start: {exc}", file=sys.stderr)
            return 1
        return run_gui(services, [sys.argv[0]], screenshot=getattr(args, "screenshot", None),
                       scenario_id=getattr(args, "scenario", None), timeout_s=getattr(args, "timeout", 300.0))
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _scratch_data_dir() -> str | None:
    """A screenshot runs a demo session: unless TRAINER_DATA_DIR says where, it goes to a
    throw-away folder, so it neither joins the user's History nor changes their settings."""
    from trainer.storage.paths import DATA_DIR_ENV

    if os.environ.get(DATA_DIR_ENV):
        return None
    scratch = tempfile.mkdtemp(prefix="trainer-screenshot-")
    os.environ[DATA_DIR_ENV] = scratch
    return scratch
