"""The desktop app (PySide6). Qt lives only in this package; see docs/ui.md.

PySide6 is pinned to 6.11.3: the 6.12.0 wheels drop a reference to ``None`` on every
void method call and to ``True`` on every signal emit under Python 3.11, which aborts
the interpreter after a few thousand calls (tests/test_ui_core.py guards this).
"""
