"""The simulated client: persona prompt, inner state, LLM backend, role check, scripted fallback.

Public API (see docs/client.md and docs/contracts.md)::

    from trainer.client import SimulatedClient, LlamaBackend, ClientState
"""

from trainer.client.backend import ChatBackend, ReplayBackend
from trainer.client.llama_backend import LlamaBackend, ModelNotFoundError
from trainer.client.role_check import RoleVerdict, check_sentence
from trainer.client.sentences import SentenceSplitter, split_sentences
from trainer.client.simulated import ClientSnapshot, ClientStats, GenerationSettings, SimulatedClient
from trainer.client.state import ClientState

__all__ = [
    "ChatBackend",
    "ClientSnapshot",
    "ClientState",
    "ClientStats",
    "GenerationSettings",
    "LlamaBackend",
    "ModelNotFoundError",
    "ReplayBackend",
    "RoleVerdict",
    "SentenceSplitter",
    "SimulatedClient",
    "check_sentence",
    "split_sentences",
]
