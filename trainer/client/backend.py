"""The one interface the simulated client needs from a language model.

A backend turns a chat (OpenAI-style ``[{"role": ..., "content": ...}]``) into a stream
of text pieces. :class:`~trainer.client.llama_backend.LlamaBackend` is the real one;
:class:`ReplayBackend` replays canned replies for tests and demos.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@runtime_checkable
class ChatBackend(Protocol):
    """Streams a chat reply as text pieces; stops early once ``cancel`` is set."""

    def stream_chat(
        self,
        messages: list[dict],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]: ...


def split_into_tokens(text: str) -> list[str]:
    """Cut ``text`` into word-sized pieces the way a model streams it (space first)."""
    pieces: list[str] = []
    for index, word in enumerate(text.split(" ")):
        pieces.append(word if index == 0 else " " + word)
    return [p for p in pieces if p]


@dataclass
class ReplayBackend:
    """A fake model: each call streams the next of ``replies`` word by word.

    Records every call's messages and temperature in ``calls`` so tests can inspect the
    prompt. When the replies run out the last one repeats.
    """

    replies: Sequence[str]
    calls: list[dict] = field(default_factory=list)

    def stream_chat(
        self,
        messages: list[dict],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        index = min(len(self.calls), len(self.replies) - 1)
        self.calls.append(
            {"messages": [dict(m) for m in messages], "temperature": temperature,
             "max_tokens": max_tokens, "stop": list(stop or [])}
        )
        for piece in split_into_tokens(self.replies[index]):
            if cancel is not None and cancel.is_set():
                return
            yield piece
