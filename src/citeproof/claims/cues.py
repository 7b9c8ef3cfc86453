"""Cue words: what in a sentence makes it a claim that needs a source.

One alternation per rule (numbers, evidence language, causes and risks,
generalisations), tried only where a word could begin one of its branches, and then
only the branches that can begin with that word's first letter (see
:mod:`citeproof.claims.regex`). ``CUES`` is the plain pattern they must agree with.
"""

from __future__ import annotations

import re

from .regex import Dispatch, split_branches, trie

NUMBERS = "numbers"
EVIDENCE = "evidence-language"
CAUSAL = "causal-risk"
GENERALISATION = "generalisation"


def words(text: str) -> frozenset[str]:
    """A word list written as one string, so long lists stay readable."""
    return frozenset(text.split())


_words = words

_NUMWORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    r"|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    r"|hundred|thousand|million|billion|half|a\s+third|a\s+quarter|a\s+dozen|dozen)"
)
_UNIT = (
    r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|times?|doses?|tablets?"
    r"|pills?|drinks?|units?|cigarettes?|cups?|glasses?|servings?|portions?|people|persons?|adults?"
    r"|children|kids|teens|teenagers|women|men|patients|users|cases|deaths|americans|percent|per\s+cent"
    r"|mg|milligrams?|grams?|ml|millilit(?:re|er)s?|lit(?:re|er)s?|kilos?|kilograms?|pounds?|steps)"
)
_NUMBERS = (
    # digits, except where they are part of a name (omega-3, COVID-19, type 2 diabetes)
    r"(?<![\w-])(?<!type\s)\d+(?:[.,]\d+)*s?(?:\s*(?:%|percent|per\s+cent))?"
    rf"|\b{_NUMWORD}(?:\s+(?:to|or|and|in|of|-)\s+{_NUMWORD})?\s+(?:\w+\s+)?{_UNIT}\b"
    rf"|\bone\s+in\s+(?:{_NUMWORD}|\d+)\b"
    r"|\b(?:hundreds|thousands|millions|dozens)\s+of\b"
    r"|\b(?:a|an|one)\s+(?:hour|day|week|month|year)\s+or\s+two\b"
    r"|\b(?:several|a\s+few|few)\s+(?:seconds|minutes|hours|days|weeks|months|years|decades)\b"
    r"|\bfor\s+(?:hours|days|weeks|months|years|decades)\b"
    r"|\bthe\s+(?:sixties|seventies|eighties|nineties)\b"
)
_EVIDENCE = (
    r"\bresearch(?:ers)?\s+(?:\w+\s+)?(?:shows?|showed|suggests?|highlights?|has\s+shown|have\s+shown"
    r"|indicates?|finds?|found|confirms?|proves?|demonstrates?|reveals?|points?\s+to)\b"
    r"|\bstud(?:y|ies)\b|\btrials?\b|\bmeta-analys[ie]s\b|\bsystematic\s+reviews?\b"
    r"|\bdata\s+(?:\w+\s+){0,3}?(?:shows?|showed|suggests?|indicates?|reveals?|confirms?)\b|\bdata\s+from\b"
    r"|\baccording\s+to\b|\bexperts?\b|\bscientists?\b|\bresearchers?\b|\bspecialists\s+(?:say|agree)\b"
    r"|\b(?:clinical\s+)?(?:imaging|scans?|tests?)\s+(?:shows?|showed|reveals?|revealed)\b"
    r"|\bstatistics\b|\bevidence\b|\bsurveys?\b"
    r"|\b(?:reports?|reviews?|findings)\s+(?:shows?|suggests?|found|finds?|indicates?)\b"
    r"|\b(?:it\s+is|it's)\s+(?:well[-\s])?(?:known|established|proven|documented)\b"
    r"|\b(?:has|have)\s+been\s+(?:shown|proven|found)\b|\bproven\b|\bscientifically\b"
    r"|\b(?:doctors|physicians|clinicians|officials|authorities|guidelines|agencies|nurses)\s+(?:\w+\s+)?"
    r"(?:say|agree|recommend|warn|advise|report|note|describe|believe)\b"
    r"|\bguidelines\b"
)
_CAUSAL = (
    r"\b(?:increases?|raises?|lowers?|reduces?|cuts?|doubles?|triples?|decreases?|halves)\s+(?:your\s+|the\s+|their\s+)?"
    r"(?:risk|chance|odds|likelihood)s?\b"
    r"|\b(?:high|higher|low|lower|greater|increased|reduced|elevated|big|bigger|major)\s+(?:\w+\s+)?risks?\b"
    r"|\brisks?\s+of\b|\bcaus(?:e|es|ed|ing)\b|\b(?:leads?|led|leading)\s+to\b"
    r"|\b(?:linked|associated|tied|connected|related)\s+(?:to|with)\b"
    r"|\btrigger(?:s|ed|ing)?\b|\bblock(?:s|ed|ing)\b|\btreat(?:s|ed|ing)?\b"
    r"|\b(?:boost|drive|hijack|damage|harm|worsen|improve|prevent|protect|cure|heal|kill|weaken"
    r"|strengthen|relieve|ease|raise|lower|reduce|increase|decrease|affect|shorten|lengthen|slow|speed)"
    r"(?:s|es|ed|d|ing)?\b(?!\s+(?:factors?|dose|back))"
    r"|\bdriv(?:er|ers|en|ing)\b|\bspeeds?\s+up\b|\bslows?\s+down\b"
    r"|\b(?:is|are|was|were|be|been|being)\s+(?:\w+\s+)?(?:effective|safe|unsafe|dangerous|addictive|toxic"
    r"|harmful|beneficial|protective|contagious|infectious|deadly|fatal)\b"
    r"|\bworks?\s+(?:as|by|for|against|to)\b|\bhelps\s+\w+"
    r"|\bhelp\s+(?:to\s+)?(?:reduce|prevent|treat|manage|lower|control|relieve|protect|keep|people|you|the\s+body)\b"
    r"|\bresults?\s+in\b|\bcontributes?\s+to\b|\bresponsible\s+for\b|\bbecause\s+of\b|\bdue\s+to\b"
    r"|\b(?:more|less)\s+likely\b|\blikelier\b"
)
_GENERALISATION = (
    r"\balmost\s+(?:always|never|all|every)\b|\bnearly\s+(?:always|all|every)\b"
    r"|\b(?:the\s+)?vast\s+majority\b|\bmajority\b|\bin\s+general\b|\bsome\s+people\b"
    r"|\b(?:often|usually|most|mostly|many|always|commonly|common|typically|generally|frequently|rarely"
    r"|seldom|largely|widely|routinely|everyone|everybody|nobody)\b|\btends?\s+to\b"
)
CUES = re.compile(
    rf"(?P<numbers>{_NUMBERS})|(?P<evidence>{_EVIDENCE})|(?P<causal>{_CAUSAL})|(?P<general>{_GENERALISATION})",
    re.IGNORECASE,
)
GROUP_RULE = {"numbers": NUMBERS, "evidence": EVIDENCE, "causal": CAUSAL, "general": GENERALISATION}
_RULE_PATTERNS = ((NUMBERS, _NUMBERS), (EVIDENCE, _EVIDENCE), (CAUSAL, _CAUSAL), (GENERALISATION, _GENERALISATION))
_DISPATCH = Dispatch([(rule, branch) for rule, pattern in _RULE_PATTERNS for branch in split_branches(pattern)])

# The first word of every branch of _CUES. Trying the big pattern only where a unit
# has one of these words is ~10x faster than letting the regex try every character;
# tests/test_claim_rules.py checks it finds exactly what a full scan finds.
_ANCHOR_WORDS = _words(
    """a an in it is are was were be been being the for few half one two three four five six seven eight nine
    ten eleven twelve twenty thirty forty fifty sixty seventy eighty ninety led due big cut cuts"""
)
_ANCHOR_STEMS = tuple(
    sorted(
        _words(
            """research stud trial meta systematic data accord expert scientis specialist clinical imaging scan test
            statistic evidence survey report review finding has have proven scientific doctor physician
            clinician official authorit guideline agenc nurse increas rais lower reduc doubl tripl decreas halve
            high low great elevat major risk caus lead link associat tied connect relat trigger block treat
            boost driv hijack damag harm worsen improv prevent protect cur heal kill weaken strengthen reliev
            eas affect shorten lengthen slow speed work help result contribut responsible because more less
            likel almost nearly vast majority some often usual most many always common typical general
            frequent rare seldom larg wide routine every nobody tend several hundred thousand million billion
            dozen thirteen fourteen fifteen sixteen seventeen eighteen nineteen"""
        )
    )
)
_ANCHOR = re.compile(r"(?<!\w)(?:\d|" + trie(_ANCHOR_WORDS, _ANCHOR_STEMS) + ")")


def lowered(text: str) -> str:
    """``text.lower()``, kept the same length so offsets in one are offsets in the other."""
    lower = text.lower()
    if len(lower) != len(text):  # e.g. "İ" lowers to two characters: lower those one by one
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lower


def cue_matches(text: str, lower: str) -> list[tuple[str, int, int]]:
    """(rule, start, end) of each match of ``CUES`` in ``text``, as ``finditer`` would find them.

    ``lower`` is ``text.lower()`` with the same length. The pattern is tried only at
    anchor words: ~10x faster than letting the regex try every character. No match
    spans a NUL, so many texts joined by NULs are searched in one call.
    """
    found: list[tuple[str, int, int]] = []
    end = 0
    for anchor in _ANCHOR.finditer(lower):
        start = anchor.start()
        if start < end:
            continue
        hit = _DISPATCH.match(text, lower, start)
        if hit is not None:
            found.append((hit[0], start, hit[1]))
            end = hit[1]
    return found
