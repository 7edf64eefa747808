"""Cut a stream of model tokens into speakable pieces.

The synthesizer speaks one piece at a time, so the client can start talking as soon as
the first sentence is complete instead of waiting for the whole reply. A piece ends at
``.``, ``!`` or ``?`` (with any closing quotes) followed by white space, or at a comma
once a clause has run past :data:`LONG_CLAUSE_WORDS` words.

Not a sentence end: abbreviations such as "Dr." or "Mr.", decimals such as "3.5",
initials ("J. Smith") and an ellipsis ("...") that is followed by a lower-case word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

LONG_CLAUSE_WORDS = 12
"""A comma after at least this many words in the current piece also ends the piece."""

FIRST_CLAUSE_WORDS = 5
"""For the first piece of a reply a shorter clause is enough: the client starts talking
sooner (docs/performance.md), and a pause at a comma sounds natural."""

ABBREVIATIONS = frozenset(
    {
        "dr", "mr", "mrs", "ms", "mx", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e",
        "eg", "ie", "approx", "dept", "no", "mt", "ft", "lt", "col", "gen", "sgt", "rev",
        "a.m", "p.m", "am", "pm", "min", "mins", "hr", "hrs",
    }
)

_CLOSERS = "\"'\u201d\u2019)]"
_END = re.compile(r"(\.\.\.|\u2026|[.!?]+)[" + re.escape(_CLOSERS) + r"]*(?=\s)")


def _word_before(text: str, end: int) -> str:
    match = re.search(r"([A-Za-z.]+)$", text[:end])
    return match.group(1).lower().rstrip(".") if match else ""


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    mark = match.group(1)
    after = text[match.end():].lstrip()
    if mark in ("...", "\u2026"):
        # An ellipsis trailing into a lower-case word is a hesitation, not an end.
        return not (after[:1].islower())
    if mark == ".":
        word = _word_before(text, match.start())
        if word in ABBREVIATIONS:
            return False
        if len(word) == 1 and word.isalpha() and text[match.start() - 1].isupper():
            return False  # an initial: "J. Smith"
        if after[:1].isdigit() and text[match.start() - 1 : match.start()].isdigit():
            return False
    return True


class SentenceSplitter:
    """Feed token pieces in with :meth:`feed`; take finished pieces out; :meth:`flush` at the end."""

    def __init__(self, long_clause_words: int = LONG_CLAUSE_WORDS,
                 first_clause_words: int = FIRST_CLAUSE_WORDS) -> None:
        self._buffer = ""
        self._long_clause_words = long_clause_words
        self._first_clause_words = min(first_clause_words, long_clause_words)
        self._pieces_out = 0

    def feed(self, piece: str) -> list[str]:
        """Add ``piece``; return the sentences it completed (possibly none)."""
        self._buffer += piece
        return self._take_complete()

    def flush(self) -> list[str]:
        """Whatever is left, as a last piece (empty list if only white space)."""
        rest = self._buffer.strip()
        self._buffer = ""
        return [rest] if rest else []

    def _take_complete(self) -> list[str]:
        done: list[str] = []
        while True:
            cut = self._next_cut()
            if cut is None:
                return done
            piece = self._buffer[:cut].strip()
            self._buffer = self._buffer[cut:].lstrip()
            if piece:
                done.append(piece)
                self._pieces_out += 1

    def _next_cut(self) -> int | None:
        text = self._buffer
        for match in _END.finditer(text):
            # Need at least one character after the white space to judge the boundary
            # (abbreviation, decimal, lower-case continuation); otherwise wait.
            if not text[match.end():].strip():
                return None
            if _is_boundary(text, match):
                return self._comma_cut(text[: match.end()]) or match.end()
        return self._comma_cut(text, need_following=True)

    def _comma_cut(self, text: str, need_following: bool = False) -> int | None:
        needed = self._first_clause_words if self._pieces_out == 0 else self._long_clause_words
        words = 0
        for match in re.finditer(r"\S+", text):
            words += 1
            token = match.group(0)
            if words >= needed and token.endswith((",", ";", ":")):
                end = match.end()
                if need_following and not text[end:].strip():
                    return None
                if end < len(text.rstrip()):
                    return end
        return None


def split_sentences(pieces: Iterable[str], long_clause_words: int = LONG_CLAUSE_WORDS,
                    first_clause_words: int = FIRST_CLAUSE_WORDS) -> Iterator[str]:
    """Yield speakable pieces from a token stream as soon as each one is complete."""
    splitter = SentenceSplitter(long_clause_words, first_clause_words)
    for piece in pieces:
        yield from splitter.feed(piece)
    yield from splitter.flush()
