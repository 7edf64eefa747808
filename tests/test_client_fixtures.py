"""Shared helpers for the client tests (no tests here): a small scenario and feedback dicts."""

from __future__ import annotations

from trainer.scenarios import Scenario

SCENARIO_DATA = {
    "id": "test-client",
    "title": "Test client",
    "brief": "A client for unit tests.",
    "skills": ["reflections"],
    "difficulty": "medium",
    "persona": {
        "name": "Sam",
        "age": 40,
        "pronouns": "he/him",
        "background": "Works in a bakery. Lives alone with a cat.",
        "presenting_concern": "His sister asked him to come because he seems low.",
        "emotional_state": "Tired and guarded; underneath, ashamed that he gambled away his savings.",
        "speaking_style": "Short sentences, dry humour.",
    },
    "voice": {"id": "en_US-joe-medium", "speaking_rate": 1.0, "pitch_semitones": 0.0},
    "opening_lines": ["My sister made me come.", "I'm not sure why I'm here."],
    "disclosure": {
        "surface": {
            "facts": ["I work early shifts at the bakery and I'm always tired."],
            "key_phrases": ["bakery|early shift*"],
            "min_openness": 0.2,
            "min_attuned_turns": 0,
        },
        "deeper": {
            "facts": ["I stopped answering my sister's calls weeks ago."],
            "key_phrases": ["stopped answering|ignore her calls"],
            "min_openness": 0.5,
            "min_attuned_turns": 2,
        },
        "core": {
            "facts": ["I gambled away all my savings and nobody knows."],
            "key_phrases": ["gambled|gambling"],
            "min_openness": 0.72,
            "min_attuned_turns": 3,
        },
    },
    "scripted": {
        "guarded": ["I'm alright.", "Nothing much to say.", "It's fine, really."],
        "surface": ["The bakery means early shifts.", "Early shifts wear you down."],
        "deeper": ["I stopped answering my sister.", "I ignore her calls now."],
        "core": ["I gambled it all away.", "The gambling took everything."],
        "pushback": ["That's easy to say.", "I've heard that before."],
        "deflect": ["I don't know. Can we move on?", "Hard to say."],
    },
    "demo": ["a", "b", "c", "d", "e"],
}


def make_scenario(**overrides) -> Scenario:
    data = {**SCENARIO_DATA, **overrides}
    return Scenario.model_validate(data)


def feedback(code: str = "other", **flags) -> dict:
    base = {
        "code": code,
        "confidence": 0.9,
        "feeling_reflected": False,
        "content_reflected": False,
        "righting_reflex": False,
        "questions_in_turn": 1 if code.startswith("question") else 0,
        "closed_question_run": 1 if code == "question_closed" else 0,
        "interrupted": False,
        "missed_opportunity": False,
        "attunement": 50,
    }
    base.update(flags)
    return base


ATTUNED = feedback("reflection_complex", feeling_reflected=True, content_reflected=True, attunement=80)
AFFIRM = feedback("affirm", attunement=70)
OPEN_QUESTION = feedback("question_open", attunement=65)
ADVICE = feedback("advise", righting_reflex=True, attunement=15)
INFORM = feedback("inform", righting_reflex=True, attunement=20)
CLOSED = feedback("question_closed", attunement=40)
CLOSED_RUN = feedback("question_closed", closed_question_run=3, attunement=30)
STACKED = feedback("question_open", questions_in_turn=3, attunement=35)
