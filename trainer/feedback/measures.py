"""Attunement measures: pure functions of transcripts, utterance codes and VAD timings.

Nothing here keeps state; ``engine.py`` feeds in the conversation so far and stores the
results. See ``docs/feedback.md`` for what each measure means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median
from typing import Any, Mapping, Sequence

from trainer.feedback.feelings import (
    NEGATIVE_FAMILIES,
    Feeling,
    feelings_in,
    related,
    strongest,
    tokens,
)

QUESTION_CODES = frozenset({"question_open", "question_closed"})
REFLECTION_CODES = frozenset({"reflection_simple", "reflection_complex"})
ADVICE_CODES = frozenset({"advise", "inform"})
ALL_CODES = (
    "question_open", "question_closed", "reflection_simple", "reflection_complex",
    "affirm", "advise", "inform", "other",
)
# The codes in plain words: the one vocabulary of the terminal, session listings, PDF
# export and (capitalised, with colours) the window's chips in trainer/ui/codes.py.
CODE_LABELS = {
    "question_open": "open question",
    "question_closed": "closed question",
    "reflection_simple": "simple reflection",
    "reflection_complex": "complex reflection",
    "affirm": "affirmation",
    "advise": "advice",
    "inform": "information",
    "other": "other",
}

# Below this confidence the coder gets even the code's group right only about half the
# time (held-out AnnoMI: 35–56%, against 77% from 0.5 and 94% from 0.7; docs/feedback.md),
# so the code is shown as a guess ("advice?"), not as a verdict.
TENTATIVE_BELOW = 0.4


def is_tentative(code: str | None, confidence: float | None) -> bool:
    """A real code whose confidence is too low to state it flatly."""
    return code in CODE_LABELS and confidence is not None and float(confidence) < TENTATIVE_BELOW


def code_label(code: str | None, confidence: float | None = None) -> str:
    """The plain-word name of a code, with "?" when the coder is unsure of it."""
    label = CODE_LABELS.get(code or "", code or "uncoded")
    return f"{label}?" if is_tentative(code, confidence) else label


def is_held_silence(turn: dict) -> bool:
    """A stored turn in which the trainee let a silence sit (no words; the client went on)."""
    return bool(turn.get("silence_held"))


def held_silence_label(seconds: float | None) -> str:
    """How a held silence reads where the trainee's words would be (transcripts, reports)."""
    if seconds is None or seconds < 1:
        return "(let the silence sit)"
    return f"(let the silence sit for {seconds:.0f} s)"

NOT_SCORED_NOTE = "minimal encourager (not scored)"


def score_note(feedback: dict) -> str | None:
    """How a turn's score reads in a transcript (terminal, window, PDF, `sessions show`):
    "attunement 64", or for "Mm-hm." (``backchannel``: left out of the running score and
    the mean) that it is not scored, rather than its score of about 17."""
    if feedback.get("backchannel"):
        return NOT_SCORED_NOTE
    score = feedback.get("attunement")
    if isinstance(score, (int, float)) and not isinstance(score, bool):
        return f"attunement {score:.0f}"
    return None


def answers_text(answers: int, silences: int = 0) -> str:
    """"5 answers, 1 silence let sit": a held silence is a turn but no answer, so every view
    names both (History's turn count is their sum)."""
    text = f"{answers} answer{'' if answers == 1 else 's'}"
    if silences:
        text += f", {silences} silence{'' if silences == 1 else 's'} let sit"
    return text


# Which utterance code stands for the whole turn: a reflection beats a question in the
# same turn, unsolicited advice beats a question, and so on.
PRIMARY_CODE_PRIORITY = (
    "reflection_complex", "reflection_simple", "advise", "question_open",
    "question_closed", "inform", "affirm", "other",
)

# ---------------------------------------------------------------------------------------
# Splitting a turn into utterances
# ---------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.?!])[\"')\]]*\s+|(?<=[.?!])$")
_WH_WORDS = frozenset("what how why when where who which".split())
_AUXILIARIES = frozenset(
    "do does did are is was were have has had can could would will should shall may "
    "might".split()
)
_SUBJECTS = frozenset("you it there that he she they we things this your".split())
_WH_FOLLOWERS = _AUXILIARIES | frozenset("long much many often else about kind sort".split())
# "how much it matters" is an embedded clause, "how much do you drink" a question: after
# these an auxiliary must follow within two words ("how many times have you ...").
_QUANTITY_FOLLOWERS = frozenset("long much many often".split())
# Words after which a wh-word or auxiliary continues the same sentence ("I wonder what
# you ...", "tell me how it felt", "more or are you ...").
_NO_SPLIT_AFTER = frozenset(
    "know wonder wondering sure tell me see understand asking ask about of on is that "
    "exactly remember idea decide matter matters explain figure out show or and but "
    "because if so than like hear heard care notice noticed wondered imagine "
    "guess curious shows showed realise realize realised realized learn learned "
    "learnt says said knows knew explains describe describes reflects proves wonders "
    "asks asked tells told doubt doubts".split()
) | _WH_WORDS
# Words a spoken question often starts with before its wh-word ("so what kind of ...").
_LEAD_INS = frozenset("so and but okay ok well right alright um uh er now then oh".split())
_MIN_WORDS_BEFORE_SPLIT = 3


def split_utterances(text: str) -> list[str]:
    """Cut a turn into utterances at sentence ends and at clear question starts.

    Recognised speech often has no punctuation, so "that sounds hard how long has this
    been going on" is cut before "how long". A new question start is a wh-word followed
    by an auxiliary ("what do", "how long") or an auxiliary followed by a subject
    ("are you", "is it"), preceded by at least three words that do not embed it ("I
    wonder what ...", "tell me how ...").
    """
    utterances: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        sentence = sentence.strip()
        if sentence:
            utterances.extend(_split_at_question_starts(sentence))
    return utterances


def _split_at_question_starts(sentence: str) -> list[str]:
    if sentence.endswith((".", "!")):
        # Punctuated as a statement by the writer or the recogniser: "The thing that worries
        # you most is your son." holds no question to cut out.
        return [sentence]
    words = sentence.split()
    lowered = [_bare(word) for word in words]
    pieces: list[str] = []
    start = 0
    for i in range(1, len(words) - 1):
        if i - start < _MIN_WORDS_BEFORE_SPLIT or _ends_clause(words[i - 1]):
            continue
        if lowered[i - 1] in _NO_SPLIT_AFTER:
            continue
        if _awaits_auxiliary(lowered[start:i]):
            continue  # "how many nights | have you ..." is one question
        if _starts_question(lowered[i], lowered[i + 1], lowered[i + 2 : i + 4]):
            pieces.append(" ".join(words[start:i]))
            start = i
    pieces.append(" ".join(words[start:]))
    return pieces


def _bare(word: str) -> str:
    return re.sub(r"[^a-z']", "", word.lower().replace("\u2019", "'"))


def _ends_clause(word: str) -> bool:
    return word.endswith((",", ";", ":"))


def _awaits_auxiliary(piece: Sequence[str]) -> bool:
    """A short piece that opens with a wh-word and has not reached its auxiliary yet
    ("what kind of shifts | do you do"); longer ones are statements ("when I get home I
    crash | do you ...")."""
    lead = 0
    while lead < len(piece) and piece[lead] in _LEAD_INS:
        lead += 1  # "so what kind of work | are you looking for" is one question too
    piece = piece[lead:]
    return (
        0 < len(piece) <= 4 and piece[0] in _WH_WORDS and not any(w in _AUXILIARIES for w in piece[1:])
    )


def _starts_question(word: str, following: str, after: Sequence[str] = ()) -> bool:
    if word in _WH_WORDS:
        if following in _QUANTITY_FOLLOWERS:
            return any(w in _AUXILIARIES for w in after)
        return following in _WH_FOLLOWERS
    if word in {"what's", "how's", "where's", "who's", "why's"}:
        return True
    return word in _AUXILIARIES and following in _SUBJECTS


# ---------------------------------------------------------------------------------------
# Codes for a turn
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UtteranceCode:
    """One utterance of a turn with the coder's verdict."""

    text: str
    code: str
    confidence: float

    def to_dict(self) -> dict:
        return {"text": self.text, "code": self.code, "confidence": self.confidence}


def primary_code(utterances: Sequence[UtteranceCode]) -> UtteranceCode:
    """The utterance that stands for the turn (see ``PRIMARY_CODE_PRIORITY``)."""
    if not utterances:
        return UtteranceCode("", "other", 0.0)
    rank = {code: i for i, code in enumerate(PRIMARY_CODE_PRIORITY)}
    return min(utterances, key=lambda u: (rank.get(u.code, len(rank)), -u.confidence))


def telling_part_codes(feedback: Mapping[str, Any]) -> list[str]:
    """The codes of a turn's pieces (from its feedback dict), when they say more than the
    turn's own code: "That sounds hard. How long?" is an open question made of a simple
    reflection and an open question. Empty for a turn of one piece or of like pieces."""
    pieces = [p.get("code") for p in feedback.get("utterance_codes") or [] if isinstance(p, Mapping)]
    if len(pieces) < 2 or set(pieces) == {feedback.get("code")}:
        return []
    return [str(code) for code in pieces]


def count_codes(utterances: Sequence[UtteranceCode], codes: frozenset[str]) -> int:
    return sum(1 for u in utterances if u.code in codes)


def questions_in_turn(utterances: Sequence[UtteranceCode]) -> int:
    return count_codes(utterances, QUESTION_CODES)


def has_reflection(utterances: Sequence[UtteranceCode]) -> bool:
    return count_codes(utterances, REFLECTION_CODES) > 0


STACKED_QUESTIONS = 2


def stacked_questions(utterances: Sequence[UtteranceCode]) -> bool:
    """Two or more questions in one turn."""
    return questions_in_turn(utterances) >= STACKED_QUESTIONS


def next_run(previous_run: int, counts: bool) -> int:
    """Length of a run of consecutive turns after this one (0 when the run breaks)."""
    return previous_run + 1 if counts else 0


def is_closed_question_turn(utterances: Sequence[UtteranceCode]) -> bool:
    """The turn's primary code is a closed question."""
    return primary_code(utterances).code == "question_closed"


def is_question_turn(utterances: Sequence[UtteranceCode]) -> bool:
    """The turn asks something and reflects nothing."""
    return primary_code(utterances).code in QUESTION_CODES


# ---------------------------------------------------------------------------------------
# Feeling and content capture
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeelingCapture:
    """Did the trainee name the feeling the client expressed?

    ``score``: 1.0 same family and intensity within one step, 0.8 same family but
    intensity off, 0.5 a neighbouring family ("hurt" for "sad"), 0.0 none.
    ``applicable`` is false when the client expressed no feeling.
    """

    applicable: bool
    reflected: bool
    score: float
    client_feelings: tuple[Feeling, ...]
    trainee_feelings: tuple[Feeling, ...]
    intensity_match: bool


def feeling_capture(client_text: str, trainee_text: str) -> FeelingCapture:
    client = tuple(feelings_in(client_text))
    trainee = tuple(feelings_in(trainee_text))
    if not client:
        return FeelingCapture(False, False, 0.0, client, trainee, False)
    client_families = {f.family for f in client}
    same = [f for f in trainee if f.family in client_families]
    if same:
        best = 0.0
        intensity_match = False
        for mine in same:
            theirs = strongest([f for f in client if f.family == mine.family])
            close = theirs is not None and abs(theirs.intensity - mine.intensity) <= 1
            intensity_match = intensity_match or close
            best = max(best, 1.0 if close else 0.8)
        return FeelingCapture(True, True, best, client, trainee, intensity_match)
    near = any(related(c.family, t.family) for c in client for t in trainee)
    return FeelingCapture(True, False, 0.5 if near else 0.0, client, trainee, False)


STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be
    because been before being below between both but by can can't cannot could couldn't
    did didn't do does doesn't doing don't down during each few for from further get gets
    got had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
    herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its
    itself just let's like me more most mustn't my myself no nor not now of off on once
    only or other ought our ours ourselves out over own really same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've this those
    through to too under until up very was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's which while who who's whom why why's will with
    won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
    yeah yes okay ok um uh er erm hmm mm well kind sort sorta kinda thing things stuff
    know think mean guess feel feeling feels felt sound sounds sounded seem seems lot
    lots bit little much many even still always never ever maybe something anything
    everything nothing someone anyone everyone say said says tell told go going gone
    went make made want wanted one two im youre dont cant its thats gonna wanna right
    actually basically literally pretty quite sure way back time""".split()
)

_SUFFIXES = ("ingly", "edly", "ness", "ment", "ings", "ing", "ies", "ied", "ed", "es",
             "ly", "er", "s")


def stem(word: str) -> str:
    """A crude suffix-stripping stem: "worrying" -> "worry", "jobs" -> "job"."""
    word = word.replace("'", "")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return base + "y"
            if len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # "stopped" -> "stop"
            return _drop_final_e(base)
    return _drop_final_e(word)


def _drop_final_e(word: str) -> str:
    """"lose" and "losing" meet at "los"."""
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def content_stems(text: str) -> tuple[str, ...]:
    """Stems of the content words of ``text``, in order.

    Content words: not stopwords, at least 3 letters, and not part of a feeling phrase
    (feelings are measured by ``feeling_capture``, so "drained" → "exhausted" is not
    penalised as missed content).
    """
    feeling_words = {w for f in feelings_in(text) for w in f.word.split()}
    seen: dict[str, None] = {}
    for word in tokens(text):
        if word in STOPWORDS or len(word) < 3 or word in feeling_words:
            continue
        seen.setdefault(stem(word), None)
    return tuple(seen)


CONTENT_FULL_CREDIT_WORDS = 3
CONTENT_REFLECTED_AT = 0.5


@dataclass(frozen=True)
class ContentCapture:
    """How much of what the client said the trainee picked up.

    ``score`` = shared content stems / min(3, client content stems), capped at 1:
    picking up three of the client's key words (or all of them if fewer) is full credit.
    ``reflected`` when ``score`` ≥ 0.5.
    """

    applicable: bool
    reflected: bool
    score: float
    shared: tuple[str, ...]


def content_capture(client_text: str, trainee_text: str) -> ContentCapture:
    client = content_stems(client_text)
    if not client:
        return ContentCapture(False, False, 0.0, ())
    trainee = set(content_stems(trainee_text))
    shared = tuple(s for s in client if s in trainee)
    score = min(1.0, len(shared) / min(CONTENT_FULL_CREDIT_WORDS, len(client)))
    return ContentCapture(True, score >= CONTENT_REFLECTED_AT, score, shared)


# ---------------------------------------------------------------------------------------
# Missed opportunity and righting reflex
# ---------------------------------------------------------------------------------------


_BACKCHANNEL_WORDS = frozenset("mm mhm hm hmm uh huh um yeah yes yep okay ok right sure i see go on oh".split())


def is_backchannel(trainee_text: str) -> bool:
    """A minimal encourager ("mm-hm", "yeah", "okay", "I see", "go on"): it keeps the
    client talking and is neither a response to score nor a change of topic."""
    words = tokens(trainee_text)
    return 1 <= len(words) <= 3 and all(word in _BACKCHANNEL_WORDS for word in words)


def emotional_disclosure(client_text: str) -> bool:
    """The client named a difficult feeling (sad, anxious, angry, ashamed, tired ...)."""
    return any(f.family in NEGATIVE_FAMILIES for f in feelings_in(client_text))


@dataclass(frozen=True)
class MissedOpportunity:
    """The client disclosed a feeling and the trainee moved past it.

    ``reason``: "question", "advice" or "topic_change" (None when not missed).
    """

    missed: bool
    reason: str | None


def missed_opportunity(
    client_text: str,
    utterances: Sequence[UtteranceCode],
    feeling: FeelingCapture,
    content: ContentCapture,
) -> MissedOpportunity:
    if not emotional_disclosure(client_text):
        return MissedOpportunity(False, None)
    if has_reflection(utterances) or feeling.reflected:
        return MissedOpportunity(False, None)
    if count_codes(utterances, ADVICE_CODES):
        return MissedOpportunity(True, "advice")
    if questions_in_turn(utterances):
        return MissedOpportunity(True, "question")
    if not content.reflected:
        return MissedOpportunity(True, "topic_change")
    return MissedOpportunity(False, None)


_PERMISSION_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\b(would|will|is) it (be )?(ok|okay|alright|all right|fine)( with you)? if i\b",
        r"\b(can|could|may|might) i (share|offer|suggest|tell you|give you|mention|make)\b",
        r"\bwould you (like|want|be interested in|be open to)( to hear| me to share)?"
        r" (some |a few |any )?(ideas|suggestions|thoughts|information|options|advice|tips"
        r"|what)\b",
        r"\bwould you like (me to|to hear|some)\b",
        r"\bdo you want (me to share|some ideas|some suggestions|to hear|my)\b",
        r"\b(ok|okay) if i (share|offer|suggest|mention)\b",
        r"\bmind if i (share|offer|suggest|mention)\b",
        # the ways trainees actually ask (QA 2026-11-28)
        r"\bwould it (help|be helpful|be useful|be ok|be okay)( for you)? if i\b",
        r"\bwould you be (interested in|open to) (hearing|me sharing|some|a few|what)\b",
        r"\bshall i (share|tell you|explain|mention|suggest|give you|go through)\b",
        r"\bdo you want (me to|to hear)\b",
        r"\b(can|could|may) i (run|throw) (something|an idea|a few ideas|some ideas)\b",
    )
)
_ADVICE_REQUEST_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\bwhat (should|can|could|do) i do\b",
        r"\bwhat (do|would) you (think i should|suggest|recommend|advise)\b",
        r"\bwhat would you do\b",
        r"\b(any|some|got any|have any) (ideas|advice|suggestions|tips)\b",
        r"\b(tell|show) me what to do\b",
        r"\b(can|could) you (help me|give me|suggest|tell me how)\b",
        r"\bhow (do|can|should) i (stop|fix|deal|handle|cope|get)\b",
        r"\bi need (help|advice|some ideas)\b",
        r"^(so |but |and )?should i\b",
        r"\b(just )?tell me what (you would|you'd|to|i should)\b",
        r"\bwhat (would|do) you (recommend|suggest)\b",
        r"\bis there (anything|something) i (can|could|should) do\b",
    )
)
# A client question the trainee's information can answer ("Is it normal to feel this
# exhausted?"): MITI counts information the client asked for as given with permission.
_QUESTION_START = re.compile(r"^(what|how|why|when|where|who|which|is|are|do|does|did|can|could|"
                             r"should|would|will|have|has)\b")
_DECLINE = re.compile(r"^\s*((um|uh|erm|hmm|well|actually|honestly|oh|so) )*"
                      r"(no\b|nope|nah\b|not really|not now|not right now|not yet|not today|"
                      r"i'd rather not|i would rather not|i'd rather just|i would rather just|"
                      r"please don't|i don't want|i just want to (vent|talk|be heard))")


def _normal(text: str) -> str:
    return " ".join(tokens(text))


_AUTONOMY_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\b(it'?s|that'?s|this is|it is|that is) (entirely |completely |totally |really |all |very much )?"
        r"(up to you|your (call|choice|decision|time|life))\b",
        r"\bwhatever you (decide|choose|want)\b",
        r"\byou (get to|can|are the one to|'re the one to) (decide|choose)\b",
        r"\b(only|nobody but) you can (decide|choose|know|say)\b",
        r"\bno ?one can make you\b|\bnobody can make you\b",
        r"\byou (don'?t|do not) have to (talk about|say|tell me|share|do|decide) (anything|it|that|this|now)\b",
        r"\byou'?re (the one in charge|in charge of|the expert on)\b",
    )
)


_ADVICE_MARKERS = re.compile(
    r"\byou (could|should|might|may want to|need to|ought to|must)\b|\b(try|consider) \w+ing\b|"
    r"\bwhy (don'?t|not) you\b|\bi('d| would) (suggest|recommend)\b|\bhave you (thought|tried)\b|"
    r"\bhow about\b|\bone (option|idea|thing)\b"
)


_SUGGESTION_QUESTION = re.compile(
    r"^((so|and|well|okay|ok|maybe|um) )*(why (don'?t|do not) you|why not) "
    r"(?!(want|like|think|feel|know|tell|say|talk|trust|believe|care)\b)\w+"
)
# "Have you tried anger management?" puts a course of action in front of the client as
# much as "You should try…"; "Have you thought about what you want?" asks for their view.
_HAVE_YOU_TRIED = re.compile(
    r"^((so|and|well|okay|ok|maybe|um|but) )*have you (ever )?(tried|thought about|considered|looked into) "
    r"(?!(what|how|whether|why|when|where|who|which|anything|something|everything|that|this|it|them|him|her)\b)\w+"
)


def suggests_as_a_question(trainee_text: str) -> bool:
    """Advice asked as a question ("Why don't you go and stay with your daughter?", "Have
    you tried anger management?"), which the coder calls a question; "Why don't you want to
    go?" and "Have you thought about what you want?" are real questions."""
    text = _normal(trainee_text)
    return bool(_SUGGESTION_QUESTION.search(text) or _HAVE_YOU_TRIED.search(text))


def with_mi_rules(text: str, code: str) -> str:
    """The coder's code for one utterance, corrected where MITI is plain and the coder, which
    saw few such lines, is not (used by the feedback engine and `trainer code` alike)."""
    if code in QUESTION_CODES and suggests_as_a_question(text):
        return "advise"  # "Why don't you go and stay with her?" is advice, scored as such
    if only_emphasises_autonomy(text) and (
            code in ADVICE_CODES or (code in REFLECTION_CODES and not reflects_and_emphasises_autonomy(text))):
        # "It's your call what we use this time for." is neither telling nor a reflection:
        # the coder called the skill a scenario teaches advice, or a reflection (inflating R:Q)
        return "other"
    return code


def emphasises_autonomy(trainee_text: str) -> bool:
    """The trainee said the choice is the client's ("It's your call", "Whatever you decide",
    "You don't have to talk about anything you don't want to"): MITI's Emphasize Autonomy."""
    text = _normal(trainee_text)
    return any(p.search(text) for p in _AUTONOMY_PATTERNS)


# Narrower than text_features.REFLECTION_STEMS (coder features, which must stay as the
# models were trained): "for you" or "you want" would call "It's up to you what you want
# to talk about" a reflection.
_REFLECTION_STEMS = re.compile(
    r"\b(sounds? like|it seems|seems like|you feel|you're feeling|you are feeling|so you|part of you|"
    r"on the one hand|you're saying|you are saying|you wonder)\b"
)


def reflects_and_emphasises_autonomy(trainee_text: str) -> bool:
    """A reflection that mentions the client's choice ("It sounds like it's your decision
    and you're torn") stays a reflection."""
    return bool(_REFLECTION_STEMS.search(_normal(trainee_text)))


def only_emphasises_autonomy(trainee_text: str) -> bool:
    """Autonomy and no advice with it. "If you wanted to, and this is really up to you, you
    could check out the blogs" is advice given with autonomy (MITI: persuade with
    permission), not autonomy alone."""
    return emphasises_autonomy(trainee_text) and not _ADVICE_MARKERS.search(_normal(trainee_text))


def asks_permission(trainee_text: str) -> bool:
    """The trainee asked to share advice or information."""
    text = _normal(trainee_text)
    return any(p.search(text) for p in _PERMISSION_PATTERNS)


def asks_for_advice(client_text: str) -> bool:
    """The client asked what to do."""
    text = _normal(client_text)
    return any(p.search(text) for p in _ADVICE_REQUEST_PATTERNS)


def asks_a_question(client_text: str) -> bool:
    """The client asked something: a question mark, or a sentence opening like a question."""
    if "?" in (client_text or ""):
        return True
    return any(_QUESTION_START.search(_normal(sentence)) for sentence in _SENTENCE_END.split(client_text or ""))


def declines(client_text: str) -> bool:
    """The client turned an offer down ("no", "not really" ...)."""
    return bool(_DECLINE.search(_normal(client_text)))


@dataclass(frozen=True)
class RightingReflex:
    """Advice or information given without permission.

    ``severity``: 0 none, 1 without permission, 2 without permission and before the
    client's concern had been reflected anywhere in the session.
    """

    flagged: bool
    severity: int
    permission: bool


def righting_reflex(
    utterances: Sequence[UtteranceCode],
    client_text: str,
    previous_trainee_text: str | None,
    reflected_before: bool,
    permission_standing: bool = False,
) -> RightingReflex:
    """Check this turn's advise/inform utterances against permission.

    Permission: the trainee asked in the previous trainee turn, or the previous turn's
    advice was itself given with permission (``permission_standing``: a granted yes covers
    the ideas that follow it), and the client did not decline; or the trainee asked earlier
    in this turn; or the client asked for advice, or asked a question that information
    answers.

    Only advice the coder is sure of counts: below ``TENTATIVE_BELOW`` an advise/inform
    code is right about a third of the time (held-out AnnoMI; docs/feedback.md), and a
    flat "advice before permission" that is wrong twice in three costs the trainee's trust
    in every other nudge. Such a turn is still shown as "advice?".
    """
    advice_at = [i for i, u in enumerate(utterances)
                 if u.code in ADVICE_CODES and not is_tentative(u.code, u.confidence)]
    if not advice_at:
        return RightingReflex(False, 0, False)
    asked_before = bool(previous_trainee_text) and asks_permission(previous_trainee_text)
    granted_before = (asked_before or permission_standing) and not declines(client_text)
    # MITI 4.2 counts advice given while emphasising the client's autonomy as with permission
    asked_now = (any(asks_permission(u.text) for u in utterances[: advice_at[0] + 1])
                 or any(emphasises_autonomy(u.text) for u in utterances))  # before or after it
    only_information = all(utterances[i].code == "inform" for i in advice_at)
    invited = asks_for_advice(client_text) or (only_information and asks_a_question(client_text))
    permission = granted_before or asked_now or invited
    if permission:
        return RightingReflex(False, 0, True)
    reflected = reflected_before or has_reflection(utterances[: advice_at[0]])
    return RightingReflex(True, 1 if reflected else 2, False)


# ---------------------------------------------------------------------------------------
# Timing (VAD timestamps, seconds on the engine clock)
# ---------------------------------------------------------------------------------------


def response_latency_ms(client_end_s: float | None, trainee_start_s: float) -> float | None:
    """Trainee speech start − client speech end, in ms (negative when overlapping)."""
    if client_end_s is None:
        return None
    return (trainee_start_s - client_end_s) * 1000.0


def interrupted(client_end_s: float | None, trainee_start_s: float) -> bool:
    """The trainee started before the client had finished speaking."""
    return client_end_s is not None and trainee_start_s < client_end_s


def speech_seconds(start_s: float, end_s: float) -> float:
    return max(0.0, end_s - start_s)


def talk_share(trainee_seconds: float, client_seconds: float) -> float | None:
    """Trainee speech seconds / all speech seconds.

    None until the trainee has spoken: typed turns (text mode) have no speech to share.
    """
    total = trainee_seconds + client_seconds
    return trainee_seconds / total if trainee_seconds > 0 and total > 0 else None


def speaking_rate_wpm(text: str, start_s: float, end_s: float) -> float | None:
    """Words per minute over the VAD speech span (None for an empty span)."""
    seconds = speech_seconds(start_s, end_s)
    if seconds <= 0:
        return None
    return len(tokens(text)) / seconds * 60.0


def longest_silence_ms(latencies_ms: Sequence[float | None]) -> float | None:
    """The longest gap the trainee left after the client finished."""
    gaps = [ms for ms in latencies_ms if ms is not None and ms >= 0]
    return max(gaps) if gaps else None


def median_latency_ms(latencies_ms: Sequence[float | None]) -> float | None:
    """Median latency over turns that did not overlap the client."""
    gaps = [ms for ms in latencies_ms if ms is not None and ms >= 0]
    return float(median(gaps)) if gaps else None
