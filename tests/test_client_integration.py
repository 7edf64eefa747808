"""The simulated client with the real default model (short: a few replies in all)."""

import time

import pytest

from trainer.client.llama_backend import LlamaBackend
from trainer.client.role_check import check_sentence
from trainer.client.simulated import GenerationSettings, SimulatedClient
from trainer.scenarios import LAYERS, layer_disclosed, load_scenarios

pytestmark = pytest.mark.integration

ATTUNED = {
    "code": "reflection_complex", "confidence": 0.9, "feeling_reflected": True, "content_reflected": True,
    "righting_reflex": False, "questions_in_turn": 0, "closed_question_run": 0, "interrupted": False,
    "missed_opportunity": False, "attunement": 80,
}
FIRST_LINE = "It sounds like coming here today wasn't entirely your idea."


@pytest.fixture(scope="module")
def backend():
    from trainer.models import default_llm_path

    llm = LlamaBackend(default_llm_path(), n_ctx=2048)
    llm.warm_up()
    return llm


@pytest.mark.parametrize("scenario", load_scenarios(), ids=lambda s: s.id)
def test_first_reply_is_in_character(backend, scenario):
    client = SimulatedClient(scenario, backend, settings=GenerationSettings(max_tokens=60))
    client.opening_line()
    client.observe_trainee_turn(FIRST_LINE, ATTUNED)
    sentences = list(client.respond(FIRST_LINE))
    assert sentences, "the client said nothing"
    for sentence in sentences:
        assert check_sentence(sentence, scenario.persona.name).ok, sentence
    said = layer_disclosed(scenario, " ".join(sentences))
    assert LAYERS.index(said) <= LAYERS.index("surface") if said else True  # nothing hidden leaked
    assert client.stats.role_breaks_shipped == 0
    # The model, not only the scripted fallback, produced a usable reply for most scenarios:
    # checked across scenarios in test_model_replies_are_mostly_its_own.
    _MODEL_REPLIES.append(client.stats.fallbacks == 0)


_MODEL_REPLIES: list[bool] = []


def test_model_replies_are_mostly_its_own():
    if not _MODEL_REPLIES:
        pytest.fail("run together with test_first_reply_is_in_character")
    assert sum(_MODEL_REPLIES) >= len(_MODEL_REPLIES) / 2


def test_backend_streams_pieces_and_stops_on_cancel(backend):
    import threading

    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Count from one to thirty in words, separated by commas."}]
    pieces = list(backend.stream_chat(messages, max_tokens=30, temperature=0.0))
    assert len(pieces) >= 10  # streamed piece by piece, not one block at the end
    cancel = threading.Event()
    got = []
    for piece in backend.stream_chat(messages, max_tokens=30, temperature=0.0, cancel=cancel):
        got.append(piece)
        if len(got) == 3:
            cancel.set()
    assert len(got) <= 4


def test_client_reply_is_streamed_through_the_splitter(backend):
    scenario = load_scenarios()[0]
    client = SimulatedClient(scenario, backend, settings=GenerationSettings(max_tokens=60))
    client.opening_line()
    client.observe_trainee_turn(FIRST_LINE, ATTUNED)
    sentences = list(client.respond(FIRST_LINE))
    assert sentences and all(s == s.strip() and s for s in sentences)
    assert client.history[-1] == ("client", " ".join(sentences))


def test_persona_prefix_is_reused_between_turns(backend):
    scenario = load_scenarios()[-1]
    client = SimulatedClient(scenario, backend, settings=GenerationSettings(max_tokens=40))
    client.opening_line()
    client.observe_trainee_turn(FIRST_LINE, ATTUNED)
    list(client.respond(FIRST_LINE))
    llama = backend._model()
    first_prompt = [int(t) for t in llama._input_ids[:250]]
    assert llama.n_tokens > 250  # the persona prompt is in the KV cache
    client.observe_trainee_turn("That sounds like a lot to carry.", ATTUNED)
    list(client.respond("That sounds like a lot to carry."))
    # Same leading tokens: llama.cpp keeps them and evaluates only the new part.
    assert [int(t) for t in llama._input_ids[:250]] == first_prompt
