from tests.test_client_fixtures import ADVICE, ATTUNED, make_scenario
from trainer.client.prompt import PromptSettings, build_messages, system_prompt
from trainer.client.simulated import SimulatedClient
from trainer.client.state import ClientState, initial_state, update_state
from trainer.client.backend import ReplayBackend


def prompt_text(messages):
    return "\n".join(m["content"] for m in messages)


def test_system_prompt_is_free_of_hidden_persona_details():
    scenario = make_scenario()
    text = system_prompt(scenario)
    assert "gambled" not in text  # emotional_state's hidden clause
    assert "Sam" in text and "bakery" in text.lower()


def test_prompt_never_contains_facts_of_layers_not_allowed():
    scenario = make_scenario()
    client = SimulatedClient(scenario, ReplayBackend(["It's fine."]))
    client.opening_line()
    deeper = scenario.layer("deeper").facts + scenario.layer("core").facts
    core = scenario.layer("core").facts
    for turn in range(8):
        fb = ADVICE if turn % 2 else ATTUNED
        state = client.observe_trainee_turn(f"line {turn}", fb)
        list(client.respond(f"line {turn}"))
        text = prompt_text(client.backend.calls[-1]["messages"])
        hidden = deeper if state.layer_available in (None, "surface") else core if state.layer_available == "deeper" else ()
        for fact in hidden:
            assert fact not in text
        assert "gambl" not in text.lower() or state.layer_available == "core"


def test_the_allowed_layer_fact_is_offered_when_sharing():
    scenario = make_scenario()
    state = ClientState(openness=0.9, intensity=0.5, attuned_turns=4, layer_allowed="core", stance="share", mood="open")
    messages = build_messages(scenario, state, [("client", "Hi."), ("trainee", "Go on.")],
                              suggestion=scenario.layer("core").facts[0])
    assert scenario.layer("core").facts[0] in messages[-1]["content"]
    assert messages[-1]["role"] == "user" and messages[-1]["content"].startswith("Go on.")


def test_prefix_is_stable_between_turns():
    scenario = make_scenario()
    state = initial_state(scenario)
    history = [("client", "My sister made me come."), ("trainee", "Hello."), ("client", "Hi."), ("trainee", "How is work?")]
    first = build_messages(scenario, state, history[:2])
    second = build_messages(scenario, update_state(state, ATTUNED, scenario), history)
    assert first[:3] == second[:3]  # system prompt, greeting cue, opening line
    assert second[3] == {"role": "user", "content": "Hello."}  # older turns carry no hint


def test_long_sessions_stay_within_budget_and_keep_a_summary():
    scenario = make_scenario()
    state = ClientState(openness=0.5, intensity=0.5, layer_allowed="surface", stance="share", mood="warming")
    history = [("client", "My sister made me come.")]
    for i in range(200):
        history.append(("trainee", f"Tell me about day {i} of this long week you have described to me."))
        text = "I work early shifts at the bakery." if i == 3 else f"Day {i} was long and I was tired again."
        history.append(("client", text))
    history.append(("trainee", "What else?"))
    settings = PromptSettings(history_token_budget=600, drop_chunk_turns=6)
    messages = build_messages(scenario, state, history, settings=settings)
    body = sum(len(m["content"]) // 4 for m in messages[3:-1])
    assert body <= 700
    assert "bakery" in messages[-1]["content"]  # extractive summary of a dropped disclosing line
    assert messages[3]["role"] == "user"
    # One more exchange: the dropped chunk does not move, so the cached prefix survives.
    later = build_messages(scenario, state, history[:-1] + [("trainee", "And then?"), ("client", "Not much."),
                                                            ("trainee", "Go on.")], settings=settings)
    assert later[3] == messages[3]
