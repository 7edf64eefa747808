"""Checks every sentence before the client says it: is it still the client talking?

Small language models drift out of role: they announce they are an AI, turn into the
therapist ("How does that make you feel?"), give advice, narrate themselves in the third
person, add stage directions, or (the default model is a coding model) start writing
code. Each check returns a :class:`RoleVerdict`; :func:`check_sentence` runs them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Each rule: (reason, compiled pattern). Patterns run on the sentence as written. They end
# in (?!\w), not \b, so that alternatives ending in punctuation ("something close to:")
# can match.
_I = re.IGNORECASE

_AI_TALK = re.compile(
    r"\b(as an? (ai|a\.i\.|language model|assistant|chatbot|virtual)|language model|"
    r"i('| a)m (just )?an? (ai|artificial|assistant|chatbot|bot|program)|artificial intelligence|"
    r"openai|chatgpt|qwen|alibaba|i (can(no|')t|am unable to) (role-?play|pretend)|"
    r"i('m| am) not able to provide|(real|actual|human) (feelings|emotions) as an|"
    r"(a|an|just a) (computer|software) program|(don't|do not) have the (ability|capacity) to (feel|experience|have|speak|write|respond|answer)|(have|has) (any )?personal (feelings|emotions|opinions)|"
    r"as (a|the|your) client,)(?!\w)",
    _I,
)
_REFUSAL = re.compile(
    r"(\bi('m| am) sorry,? (but )?i (can('|no)?t|cannot|am unable|won't)|\bi can('|no)?t (assist|help) (you )?with|"
    r"\bi cannot (assist|help|continue|comply|do that|provide)|\bcan't (continue|comply|follow your|do that)|"
    r"\bi('m| am) (unable|not able) to (assist|help|comply|continue|provide)|\bi didn't understand what you|"
    r"\bi (don't|do not) have the (time or resources|resources|ability|capability) to (share|provide|help|assist|access)|"
    r"\bi (don't|do not) have (enough|sufficient) information to|\b(don't|do not) have access to (the |any )?(information|data)|"
    r"what (kind of )?language you('re| are) (using|speaking)|\bunderstand (the|your) request|"
    r"\bi('m| am) sorry,? (but )?i (don't|do not) (understand|know) what you('re| are)? ?(asking|trying|mean)|"
    r"\bi('m| am) sorry,? but i (don't|do not) understand[.!]?$|\bi apologi[sz]e,? but i\b|"
    r"\b(can|could|would) you (please )?(rephrase|reword)|\b(can|could|would) you please clarify|"
    r"\b(understand|rephrase|reword|clarify) your (message|request|input)|what you('re| are) trying to (communicate|convey))",
    _I,
)
_META = re.compile(
    r"\b(in this reply|(may|might|would|could) say something|something (close to|like):|i would say|i('d| would) say something|"
    r"(the|my) counsell?or (says|said|asks|asked|may|might)|"
    # the counsellor in the room, narrated: "The counsellor is not asking," (after a silence)
    r"the counsell?or (is|isn't|doesn't|does not) (not )?(asking|saying|speaking|talking|waiting)|private notes?|notes for playing|role-?play|in character|"
    r"(i'?m (just )?|as )(a|the|your) (trainee )?(counsell?or|therapist)|"
    r"(may|might) now say|if it feels right|say something close to|"
    r"^((okay|ok|alright|sure|yes|yeah|it'?s okay),? )?i'?m ready[.!]?$)(?!\w)",
    _I,
)
# The turn hint's own wording (prompt.STANCE_INSTRUCTIONS, prompt.MOOD_WORDS) turned into the
# first person: "I feel a little less wary. I answer honestly." Only phrasings a client
# would hardly use unprompted are listed; "I feel interrogated" on its own stays allowed.
_WARY = r"(wary|worried|cautious|guarded|nervous|anxious|uneasy|tense)"  # the model paraphrases "wary"
_HINT_ECHO = re.compile(
    r"\b(answer(s|ed)? (the question |that )?honestly|short,? vague answer|interrogated by the questions|"
    r"dodges? them|push(es)? back a little|says? only a few words|feelings are running high|"
    r"(a little|a bit|slightly) (less|more) (wary|cautious|guarded|on guard|defensive)|"
    rf"{_WARY} and on guard|on guard and (a little |a bit |slightly )?{_WARY}|"
    r"safe enough to be honest|irritated and defensive|shut down and tired)(?!\w)",
    _I,
)
_HELPER_TALK = re.compile(
    r"\b(i('| a)m here (to|for) (help|support|listen)|here to help you|how (can|may|could) i (help|assist|support)|"
    r"happy to help|glad to help|let me know if|feel free to|i hope this helps|"
    r"is there anything (else )?i can|thank you for sharing|thanks for sharing|sorry to hear|any other questions|"
    r"further clarification|(great|good) (point|question)|here('s| is) (a|an|the) (more |revised |honest )?(version|response|reply)|"
    r"sure,? here|^(sure|okay|ok|alright),? (that'?s a|here('s| is)|i can help|i'll help)|good start|certainly[,!]|"
    r"i can assist|assist (you )?with|i('d| would) (love|be (happy|glad)) to help|glad i could help|"
    r"help you understand|let'?s (start|begin|get started) with|how about:|"
    r"provide (me with )?(more|some|further) (context|information|details)|the problem or situation|(enough|more) context|in this context|clarify (your|the|my) question|"
    r"sorry for the confusion|sorry for (the|any) inconvenience|i'?m (glad|happy) (that )?you( feel|'re feeling| are feeling)|"
    r"anything i can help with|i can offer you|(ready|happy|glad) to answer (your|any) (questions|queries)|"
    r"let'?s talk about what you|let'?s start by|how i (can|could|might) help (you )?with (that|this)|the advice you (gave|give|have given)|"
    r"what'?s your (favou?rite|best)|apologi[sz]e for the confusion|sorry for the misunderstanding|"
    r"(can|could) you (please )?provide me with|ready to (help|assist)|something i can do to help|more details or context|(i'?m|i am) glad you found|(try|continue) (to|and) help you|"
    r"do (my|our) best to (help|assist|support|answer) you|"
    r"^(sure|yes|okay|ok|good|great|absolutely)( thing)?[,!.]? (i understand|i can|i'?d love|let'?s)|"
    r"^(sure|okay|ok|alright),? i'?ll (start|begin) (with|by)|\bmy apologies\b|"
    r"^(sure|yes|okay|ok|good|great)( thing)?[,!.]?\s*(how about:?\s*)?[\"\u201c])",
    _I,
)
_THERAPIST_QUESTION = re.compile(
    r"(how does (that|this|it) make you feel|how do you feel about|what brings you|"
    r"what would you like to (talk|discuss|focus)|what('s| is) on your mind|"
    r"anything (else )?you('d| would) like (me )?to (talk|discuss|focus|go over)|"
    r"can you tell me more|could you tell me more|tell me more about|"
    r"how (are|have) you (been )?(feeling|coping)|it sounds like (you|(this|that) is a|that'?s a) (tough|hard|difficult|lot|challenging|painful|really)|sounds like you('re| are)|"
    r"i hear (that )?you|i('m| am) hearing|underneath that,? you|that leaves you feeling|"
    r"(?<!when )(?<!if )(?<!once )you('re| are) feeling|"  # the client reflecting the counsellor, not "when you're feeling low"
    r"that must (be|have been) (really |so |very )?(hard|difficult|tough|painful) for you|"
    r"what do you think (is|might be) (causing|behind)|how can we|"
    r"i understand (your|you'?re|you are|how you|that you)|"
    r"it'?s (always |totally |perfectly )?(okay|ok|alright|normal) (to (feel|ask|need|seek|take)|if you feel)|"
    r"that sounds like a (very |really )?(tough|hard|difficult|sad|painful|serious) (job|time|situation|story))",
    _I,
)
_ADVICE = re.compile(
    r"(?<!\bdo )(?<!\bwhy )(?<!\bdid )\b(you should|you shouldn't|you must|you need to|you ought to|you could try|"
    r"you might (want to|try|consider)|"
    r"have you (tried|considered|thought about)|i (would )?(recommend|suggest|advise)|my advice|"
    r"it('s| is) (important|essential|crucial|helpful) (to|that you)|try to (take|get|make|talk|reach|practice)|"
    r"consider (talking|seeking|reaching)|(seek|reach out for) (professional )?(help|support)|"
    r"here are (some|a few|\w+ (good |great |simple )?(things|tips|ways|steps|ideas))|self-care tips?|remember to|"
    r"you (probably |really |just )?need (professional )?help|"
    r"you (probably|really|just) (should|need to|must|ought to)|always a good idea|might be helpful to|"
    r"(crucial|essential|important|key) (for|to) maintaining|maintaining good|mental health professional|"
    r"(has|have) been (shown|proven) to|remember,? it'?s|(can|will) help you (feel|sleep|relax|cope)|"
    r"(can|could|may|will)( help)?( to)? (you )?(reduce|improve|relieve|ease|lower|boost|manage) (your )?(stress|anxiety|mood|sleep|symptoms)|"
    r"can be (beneficial|helpful|good) for (stress|anxiety|mood|sleep|your|overall)|"
    r"(can|could|may|will|does) (indeed |really |definitely |also )?help (with|you with) (your )?(stress|anxiety|mood|sleep|depression|symptoms)|"
    r"(is|are) (great|good|beneficial|helpful|effective) (for|at) (reducing |managing |your )?(stress|anxiety|mood|sleep))(?!\w)",
    _I,
)
# A sentence ending in a colon announces a list or a script ("...and building a plan:").
_LIST_LEAD_IN = re.compile(r":\s*$")
_STAGE_DIRECTION = re.compile(r"(\*[^*]*\*?|\([^)]*\)?|\[[^\]]*\]?|<[^>]*>|\{|\})")
_SPEAKER_LABEL = re.compile(
    r"^\s*[\"'\u201c]?\s*(client|therapist|counsell?or|patient|user|assistant|system|trainee|me|you|"
    r"[A-Z][a-z]+( [A-Z][a-z]+)?)\s*:",
)
_CODE = re.compile(
    r"(```|`[^`]+`|\bdef \w+\s*\(|^\s*(from \w+ )?import \w+|\bprint\(|#include|\bfunction\s*\(|"
    r"\bconsole\.|\bSELECT\b.*\bFROM\b|\bself\.\w+|\w+\(\)|\breturn\b[^.!?]*;|=>|==|!=|\+\+|\+=|</?\w+>|"
    r"^\s*(class|for|while|if)\b[^.!?]*:\s*$|[{}]\s*$|[)\]0-9_]\s*;\s*$|^\s*(#|//)\s?\w)",
)
_MARKDOWN = re.compile(r"(\*\*|__|^#{1,6}\s|^\s*[-*+]\s|^\s*\d+[.)]\s|\|.*\|)", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@dataclass(frozen=True)
class RoleVerdict:
    """``ok`` if the sentence may be spoken; otherwise ``reason`` names the failure kind."""

    ok: bool
    reason: str = ""

    @staticmethod
    def passed() -> "RoleVerdict":
        return RoleVerdict(True, "")


FAILURE_KINDS = (
    "empty", "ai_talk", "meta", "refusal", "helper_talk", "therapist_question", "advice", "stage_direction",
    "speaker_label", "third_person", "code", "markdown", "not_english", "too_long",
)


def _not_english(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    ascii_letters = sum(1 for c in letters if c.isascii())
    if ascii_letters / len(letters) < 0.95:
        return True
    words = _WORD.findall(text)
    if not words:
        return True
    # Word salad: long unbroken letter runs or few vowels.
    if any(len(w) > 22 for w in words):
        return True
    vowel_words = sum(1 for w in words if re.search(r"[aeiouyAEIOUY]", w))
    return vowel_words / len(words) < 0.6


def _third_person(text: str, name: str) -> bool:
    """The client narrating themself ("Sarah says...", "She sighs") or using their own name.

    A client has no reason to say their own first name except to introduce themself
    ("I'm Sarah", "my name is Sarah"), so any other use counts.
    """
    if not name:
        return False
    first = re.escape(name.split()[0])
    for match in re.finditer(rf"\b{first}\b", text, _I):
        before = text[: match.start()].lower().rstrip()
        if re.search(r"(\bi'?m|\bi am|my name is|my name's|call me|\bit'?s|this is)$", before):
            continue
        return True
    return bool(re.match(r"^\s*(she|he|they)\s+(sighs|pauses|nods|shrugs|looks|smiles|laughs|says)\b", text, _I))


def check_sentence(sentence: str, persona_name: str = "", max_words: int = 60) -> RoleVerdict:
    """Whether ``sentence`` may be spoken by the client named ``persona_name``."""
    text = sentence.strip()
    words = _WORD.findall(text)
    if not any(c.isalpha() for c in text):
        return RoleVerdict(False, "empty")
    if _CODE.search(text):
        return RoleVerdict(False, "code")
    if _MARKDOWN.search(text):
        return RoleVerdict(False, "markdown")
    if _STAGE_DIRECTION.search(text):
        return RoleVerdict(False, "stage_direction")
    if _SPEAKER_LABEL.match(text):
        return RoleVerdict(False, "speaker_label")
    if _not_english(text):
        return RoleVerdict(False, "not_english")
    if _AI_TALK.search(text):
        return RoleVerdict(False, "ai_talk")
    if _META.search(text) or _HINT_ECHO.search(text):
        return RoleVerdict(False, "meta")
    if _REFUSAL.search(text):
        return RoleVerdict(False, "refusal")
    if _HELPER_TALK.search(text):
        return RoleVerdict(False, "helper_talk")
    if _THERAPIST_QUESTION.search(text):
        return RoleVerdict(False, "therapist_question")
    if _ADVICE.search(text):
        return RoleVerdict(False, "advice")
    if _LIST_LEAD_IN.search(text):
        return RoleVerdict(False, "helper_talk")
    if _third_person(text, persona_name):
        return RoleVerdict(False, "third_person")
    if len(words) > max_words:
        return RoleVerdict(False, "too_long")
    return RoleVerdict.passed()


def clean_sentence(sentence: str) -> str:
    """Harmless tidying before the check: white space and stray or enclosing quotes."""
    text = " ".join(sentence.split())
    quotes = "\"\u201c\u201d"
    inner = text.strip(quotes).strip()
    n_quotes = sum(text.count(q) for q in quotes)
    enclosed = text[:1] in quotes and text.rstrip(".!?")[-1:] in quotes and n_quotes == 2
    if n_quotes % 2 == 1 or enclosed:
        text = inner
    return text
