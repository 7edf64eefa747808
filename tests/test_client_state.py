import itertools
import random

from tests.test_client_fixtures import (
    ADVICE, AFFIRM, ATTUNED, CLOSED, CLOSED_RUN, INFORM, OPEN_QUESTION, STACKED, feedback, make_scenario,
)
from trainer.client.disclosure import allowed_layer, layer_rank
from trainer.client.state import ClientState, initial_state, judge_turn, update_state


def run(scenario, feedbacks):
    state = initial_state(scenario)
    states = [state]
    for fb in feedbacks:
        state = update_state(state, fb, scenario)
        states.append(state)
    return states


def test_initial_state_matches_difficulty():
    easy, medium, hard = (initial_state(make_scenario(difficulty=d)) for d in ("easy", "medium", "hard"))
    assert easy.openness > medium.openness > hard.openness
    assert medium.layer_allowed == "surface"
    assert medium.attuned_turns == 0


def test_attuned_sequence_opens_every_layer_in_order():
    scenario = make_scenario()
    states = run(scenario, [ATTUNED] * 8)
    openness = [s.openness for s in states]
    assert openness == sorted(openness) and openness[-1] > 0.72
    ranks = [layer_rank(s.layer_allowed) for s in states]
    assert ranks == sorted(ranks)
    assert states[-1].layer_allowed == "core"
    first_core = next(i for i, s in enumerate(states) if s.layer_allowed == "core")
    assert first_core >= 3  # core needs sustained attunement, not one good line
    assert states[-1].mood == "open"


def test_lecturing_never_reaches_core_even_with_some_good_turns():
    scenario = make_scenario()
    rng = random.Random(7)
    for _ in range(50):
        turns = [rng.choice([ADVICE, INFORM, CLOSED, CLOSED_RUN, STACKED, ADVICE]) for _ in range(12)]
        # A lecturer who sometimes asks an open question or reflects once in a while.
        for i in range(0, 12, 4):
            turns[i] = rng.choice([OPEN_QUESTION, ATTUNED])
        for state in run(scenario, turns):
            assert state.layer_allowed != "core"
            assert state.attuned_turns < 3


def test_any_righting_reflex_resets_attuned_turns():
    scenario = make_scenario()
    states = run(scenario, [ATTUNED, ATTUNED, ATTUNED, ADVICE])
    assert states[3].attuned_turns == 3
    assert states[4].attuned_turns == 0
    assert states[4].openness < states[3].openness
    assert states[4].stance == "pushback"
    assert states[4].last_turn == "rupture"


def test_missteps_take_one_off_and_neutral_turns_leave_the_count():
    scenario = make_scenario()
    states = run(scenario, [ATTUNED, ATTUNED, STACKED, feedback("other")])
    assert [s.attuned_turns for s in states] == [0, 1, 2, 1, 1]


def test_hard_moves_up_slower_and_down_faster_than_easy():
    easy, hard = make_scenario(difficulty="easy"), make_scenario(difficulty="hard")
    up = lambda sc: update_state(initial_state(sc), ATTUNED, sc).openness - initial_state(sc).openness
    assert up(hard) < up(easy)
    start = ClientState(openness=0.6, intensity=0.5)
    down = lambda sc: 0.6 - update_state(start, ADVICE, sc).openness
    assert down(hard) > down(easy)


def test_stances_follow_the_last_turn():
    scenario = make_scenario()
    mid = ClientState(openness=0.45, intensity=0.5, layer_allowed="surface")
    assert update_state(mid, ADVICE, scenario).stance == "pushback"
    assert update_state(mid, STACKED, scenario).stance == "deflect"
    assert update_state(mid, CLOSED_RUN, scenario).stance == "deflect"
    hot = ClientState(openness=0.45, intensity=0.8, layer_allowed="surface")
    withdrawn = update_state(hot, feedback("reflection_simple", interrupted=True), scenario)
    assert withdrawn.stance == "withdraw" and withdrawn.mood == "withdrawn"
    assert update_state(mid, ATTUNED, scenario).stance == "share"
    closed_state = ClientState(openness=0.1, intensity=0.5)
    assert update_state(closed_state, CLOSED, scenario).stance == "guarded"


def test_intensity_rises_with_ruptures_and_stays_in_range():
    scenario = make_scenario()
    states = run(scenario, [ADVICE, feedback("advise", righting_reflex=True, interrupted=True)] * 6)
    assert states[-1].intensity > states[0].intensity
    assert all(0.0 <= s.intensity <= 1.0 and 0.0 <= s.openness <= 1.0 for s in states)
    assert states[-1].mood == "defensive"


def test_gating_needs_both_openness_and_attuned_turns():
    scenario = make_scenario()
    assert allowed_layer(scenario, 0.1, 9) is None
    assert allowed_layer(scenario, 0.9, 0) == "surface"
    assert allowed_layer(scenario, 0.9, 2) == "deeper"
    assert allowed_layer(scenario, 0.9, 3) == "core"
    assert allowed_layer(scenario, 0.6, 3) == "deeper"


def test_core_always_needs_two_attuned_turns_even_if_the_scenario_says_zero():
    data = make_scenario().model_dump()
    for layer in ("surface", "deeper", "core"):
        data["disclosure"][layer]["min_attuned_turns"] = 0
    scenario = make_scenario(disclosure=data["disclosure"])
    assert allowed_layer(scenario, 0.95, 1) == "deeper"
    assert allowed_layer(scenario, 0.95, 2) == "core"


def test_judge_turn_labels():
    assert judge_turn(ATTUNED) == "attuned"
    assert judge_turn(AFFIRM) == "attuned"
    assert judge_turn(ADVICE) == "rupture"
    assert judge_turn(STACKED) == "misstep"
    assert judge_turn(feedback("other")) == "neutral"
    assert judge_turn(feedback("reflection_complex", attunement=20)) == "neutral"


def test_to_dict_has_the_documented_keys():
    state = initial_state(make_scenario())
    data = state.to_dict()
    for key in ("openness", "intensity", "layer_allowed", "attuned_turns", "mood"):
        assert key in data
    assert isinstance(data["openness"], float)


def test_every_order_of_positive_turns_gets_further_than_lecturing():
    scenario = make_scenario()
    for order in itertools.permutations([ATTUNED, AFFIRM, OPEN_QUESTION, ATTUNED, ATTUNED]):
        good = run(scenario, list(order))[-1]
        bad = run(scenario, [ADVICE, CLOSED, INFORM, CLOSED_RUN, STACKED])[-1]
        assert good.openness > bad.openness + 0.3


def test_asking_plainly_about_suicide_after_a_hint_is_attuned():
    asked = feedback("question_closed", answered_risk_hint=True, attunement=70)
    assert judge_turn(feedback("question_closed", attunement=70)) == "neutral"
    assert judge_turn(asked) == "attuned"
    scenario = make_scenario()
    start = initial_state(scenario)
    after_closed = update_state(start, feedback("question_closed", attunement=70), scenario)
    after_asked = update_state(start, asked, scenario)
    assert after_asked.openness > after_closed.openness
    assert after_asked.attuned_turns == start.attuned_turns + 1


def _opened_by_asking_scenario():
    data = make_scenario().model_dump()
    data["disclosure"]["core"]["opens_when_asked_about_suicide"] = True
    return make_scenario(disclosure=data["disclosure"])


def test_a_layer_marked_so_opens_when_the_trainee_asks_about_suicide():
    plain, marked = make_scenario(), _opened_by_asking_scenario()
    assert allowed_layer(marked, 0.6, 2) == "deeper"  # thresholds as usual until asked
    assert allowed_layer(marked, 0.6, 2, asked_about_suicide=True) == "core"
    assert allowed_layer(plain, 0.6, 2, asked_about_suicide=True) == "deeper"
    # Asked plainly, a client who is talking at all answers, whatever the thresholds of the
    # layers before (the hidden-risk client "wants someone to ask"); one who is not yet
    # talking (no layer open or said) does not.
    assert allowed_layer(marked, 0.3, 0, asked_about_suicide=True) == "core"
    assert allowed_layer(marked, 0.0, 0, asked_about_suicide=True) is None
    assert allowed_layer(marked, 0.0, 0, asked_about_suicide=True, voiced="surface") == "core"


def test_asking_about_suicide_after_a_hint_is_remembered_and_opens_the_marked_core():
    scenario = _opened_by_asking_scenario()
    state = initial_state(scenario)
    for _ in range(3):
        state = update_state(state, ATTUNED, scenario)
    assert state.layer_allowed == "deeper" and not state.asked_about_suicide
    state = update_state(state, feedback("question_closed", answered_risk_hint=True, attunement=70), scenario)
    assert state.asked_about_suicide and state.layer_allowed == "core"
    state = update_state(state, feedback("other"), scenario)  # stays open on later turns
    assert state.asked_about_suicide and state.layer_allowed == "core"


def test_asking_plainly_about_suicide_never_makes_the_client_more_closed():
    from trainer.client.state import dynamics_for, openness_change

    scenario = _opened_by_asking_scenario()
    plain_question = feedback("question_closed", asked_about_risk=True, attunement=18)
    assert openness_change(plain_question, 0.46, dynamics_for(scenario)) >= 0.0
    assert openness_change(feedback("question_closed", attunement=18), 0.46, dynamics_for(scenario)) < 0.0


def test_a_plain_question_about_suicide_is_answered_not_shrugged_off():
    from trainer.client.state import choose_stance

    assert choose_stance(feedback("question_closed"), 0.375, 0.3, "core") == "guarded"
    assert choose_stance(feedback("question_closed", asked_about_risk=True), 0.375, 0.3, "core") == "share"


def test_asking_about_suicide_without_a_hint_also_opens_the_marked_core():
    scenario = _opened_by_asking_scenario()
    state = initial_state(scenario)
    for _ in range(3):
        state = update_state(state, ATTUNED, scenario)
    state = update_state(state, feedback("question_closed", asked_about_risk=True, attunement=50), scenario)
    assert state.asked_about_suicide and state.layer_allowed == "core"
