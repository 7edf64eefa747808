"""The real chat backend: a local GGUF model through llama-cpp-python.

``create_chat_completion`` formats the chat with the GGUF's own chat template, so any
instruction-tuned chat GGUF a user adds works without code changes. llama-cpp-python
keeps the evaluated tokens of the previous call and reuses the longest common prefix,
so as long as the prompt starts with the same persona text every turn only the new
words are processed (see :mod:`trainer.client.prompt`).

Models are loaded only from local paths; nothing is downloaded here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

from trainer.models import LLM_FIX, ModelError, llm_problem, unusable_llm

DEFAULT_CONTEXT_TOKENS = 4096
DEFAULT_SEED = 1234
MIN_P = 0.1
"""Drop tokens under a tenth of the likeliest one's probability: cuts the small model's
stray, incoherent continuations (with the cooler temperature in GenerationSettings)."""


class ModelNotFoundError(FileNotFoundError):
    """The GGUF file is missing; the message says where it was looked for."""


def default_thread_count() -> int:
    """Half the cores (at least one, at most 8).

    Speech recognition and synthesis run at the same time, and llama.cpp's threads spin
    while waiting: on a busy 2-core machine one thread was about four times faster than
    two (measured: 3-4 s instead of 13-24 s of CPU per reply).
    """
    return max(1, min(8, (os.cpu_count() or 2) // 2))


class LlamaBackend:
    """A :class:`~trainer.client.backend.ChatBackend` around ``llama_cpp.Llama``.

    The model is loaded on first use (or by :meth:`warm_up`), so building one is cheap.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        n_ctx: int = DEFAULT_CONTEXT_TOKENS,
        n_threads: int | None = None,
        seed: int = DEFAULT_SEED,
    ) -> None:
        self.model_path = Path(model_path).expanduser()
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_thread_count()
        self.seed = seed
        self._llama = None
        self._lock = threading.Lock()
        self._calls = 0

    # ------------------------------------------------------------------ loading

    def _model(self):
        with self._lock:
            if self._llama is None:
                if not self.model_path.is_file():
                    raise ModelNotFoundError(
                        f"Language model not found at {self.model_path}. "
                        "Run 'trainer models' to see which models are installed."
                    )
                problem = llm_problem(self.model_path)
                if problem:
                    raise unusable_llm(self.model_path, problem)
                from llama_cpp import Llama  # heavy import: only when a model is used

                try:
                    self._llama = Llama(
                        model_path=str(self.model_path),
                        n_ctx=self.n_ctx,
                        n_threads=self.n_threads,
                        seed=self.seed,
                        verbose=False,
                    )
                except ValueError as error:  # llama.cpp's "Failed to load model from file: <path>"
                    raise ModelError(
                        f"The language model {self.model_path} could not be loaded by llama.cpp: the file may "
                        "be incomplete (an interrupted download) or damaged, or hold a model type this "
                        f"llama.cpp cannot run. {LLM_FIX}"
                    ) from error
            return self._llama

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    def warm_up(self, prompt: str | list[dict] | None = None) -> None:
        """Load the model and evaluate ``prompt`` into the cache.

        ``prompt`` is a chat (:meth:`SimulatedClient.warm_up` passes the start of its own,
        so the persona prefix is already processed when the trainee first speaks) or a
        system prompt string. Generates a single token.
        """
        if isinstance(prompt, list) and prompt:
            chat = prompt
        else:
            chat = [{"role": "system", "content": prompt or "You are a person."},
                    {"role": "user", "content": "Hello."}]
        for _ in self.stream_chat(chat, max_tokens=1, temperature=0.0):
            pass

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in this model (loads the model)."""
        return len(self._model().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    # ------------------------------------------------------------------ chatting

    def stream_chat(
        self,
        messages: list[dict],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        llama = self._model()
        with self._lock:
            self._calls += 1
            chunks = llama.create_chat_completion(
                messages=messages,
                stream=True,
                max_tokens=max_tokens,
                temperature=temperature,
                top_p=0.9,
                min_p=MIN_P,
                repeat_penalty=1.1,
                stop=list(stop or []),
                seed=self.seed + self._calls,
            )
            try:
                for chunk in chunks:
                    if cancel is not None and cancel.is_set():
                        break
                    choices = chunk.get("choices") or []
                    if not choices:
                        continue
                    piece = choices[0].get("delta", {}).get("content")
                    if piece:
                        yield piece
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
