"""Suicide risk: did the client hint at it, and did the trainee ask directly?

Clients rarely say "I want to kill myself" unprompted; they say they are a burden, that
everyone would be better off without them, that there is no point. The skill a trainee
practises (the hidden-risk scenario) is to notice such a hint and ask plainly: asking
directly does not put the idea in anyone's head, and it lets the client say it.

Pure functions over text; phrase lists, not a model. A hint missed here costs one nudge;
a false one would bring talk of suicide into an ordinary session, so the lists stay narrow.
"""

from __future__ import annotations

import re

_RISK_CUES = re.compile(
    r"\b(kill(ing)? myself|suicid\w*|end(ing)? (it all|my life)|take my (own )?life|"
    r"(don'?t|do not) want to (be alive|live|wake up|go on|be here any ?more)|"
    r"(better|easier) off without me|"
    r"(i'?m|i am|i feel( like)?|i'?ve become|being) (just |such )?a burden|"
    r"sav(e|ed|ing) up (my |the |some )?(tablets|pills)|"
    r"(no|not much) point (in )?(anything|going on|living|carrying on|any of it)|"
    r"what'?s the point (of|in) (it all|anything|going on|living|carrying on)|"
    r"can'?t (go on|carry on|keep going)|wish i (was|were) dead|wish i (wasn'?t|weren'?t) (here|around|alive)|"
    r"not (be|being) (here|around) (any ?more|much longer)|(hurt|harm)(ing)? myself|"
    r"nothing (left )?to live for)\b",
    re.IGNORECASE,
)

_DIRECT_QUESTIONS = re.compile(
    r"\b(suicid\w*|kill(ing)? (yourself|themselves)|(end(ing|s)?|tak(e|es|ing)) (your|their) (own )?li(fe|ves)|"
    r"end(ing)? it all|(hurt|harm)(ing)? yourself|want(ed|ing)? to die|"
    r"thoughts? (of|about) (dying|death|not (wanting to )?(be|being) (here|alive|around))|"
    r"(don'?t|not) want(ing)? to (be here|be alive|live|wake up)|"
    r"wish(ing)? you (were|was) dead|(are you|do you feel|feeling) safe|keep(ing)? yourself safe|"
    r"(the|those|these|saving|saved) (tablets|pills))\b",
    re.IGNORECASE,
)


# After the direct question, a safety assessment goes on with plain closed questions
# ("Do you have a plan?"); these are the right questions, not a string of yes/no habits.
_SAFETY_FOLLOW_UPS = re.compile(
    r"\b(a plan|any plans?|made plans|thought about how|how (you )?would you|the means|"
    r"(tablets|pills|rope|gun)|keeps? you (safe|going)|keep(ing)? yourself safe|stopped you|"
    r"held you back|acted on|tried (before|to)|how often|crisis line|someone (you could|to) "
    r"(call|tell|ring)|anyone (you could|to) (call|tell|ring)|right now|tonight)\b",
    re.IGNORECASE,
)


def is_safety_follow_up(trainee_text: str) -> bool:
    """A question that goes on assessing risk once suicide has been asked about."""
    return bool(_SAFETY_FOLLOW_UPS.search(trainee_text or ""))


def risk_cue(client_text: str) -> str | None:
    """The words in the client's turn that hint at suicide or self-harm, or None."""
    match = _RISK_CUES.search(client_text or "")
    return match.group(0) if match else None


def describe_risk(summary: dict) -> str | None:
    """One sentence for a session summary dict's ``risk`` entry; None when no hint came and
    the trainee did not ask."""
    risk = summary.get("risk") or {}
    hints = risk.get("hints") or []
    if not hints:
        if risk.get("asked_directly"):
            return "You asked about suicide directly before the client hinted at it; asking plainly is what lets a client say it."
        return None
    times = "once" if len(hints) == 1 else f"{len(hints)} times"
    asked = ("you asked about it directly" if risk.get("asked_directly")
             else "you did not ask about it directly")
    return f"The client hinted at suicide {times} (first: \u201c{hints[0].get('client', '')}\u201d); {asked}."


def asks_about_risk(trainee_text: str) -> bool:
    """The trainee named suicide, self-harm or safety plainly (a question or a reflection)."""
    return bool(_DIRECT_QUESTIONS.search(trainee_text or ""))
