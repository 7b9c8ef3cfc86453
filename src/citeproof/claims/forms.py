"""What is not an assertion: questions, instructions, advice, navigation, list lead-ins.

A sentence that only asks, instructs or points the reader elsewhere needs no source,
whatever cue words it holds. The costly patterns are :class:`~citeproof.claims.regex.Gated`:
each branch is tried only when the sentence has a word that the branch needs.
"""

from __future__ import annotations

import re

from .cues import words
from .regex import Gated

# Sentence-initial verbs that make an instruction to the reader ("Talk to your doctor").
_IMPERATIVE_VERBS = words(
    """talk call seek take keep ask book do don't dont never make bring try write drink please tell
    remember let contact find sign share consider start stop avoid check see read learn visit use go
    get follow eat limit wash wear choose speak reach text click download join be store look watch
    note plan record discuss stay put give wait make protect tap scroll explore subscribe register
    print save skip discover compare continue"""
)
_ADVERB_PREFIX = words("""always never please just simply also then first now so and""")
# Words after a sentence-initial verb that show it is really a noun ("Use of", "Exercise is").
_NOT_IMPERATIVE_NEXT = words(
    """of is are was were can may might could will would should has have had does helps causes makes
    leads tends"""
)
# A leading subordinate clause to look past before checking for an imperative.
_LEADING_CLAUSE = re.compile(
    r"^(?:if|when|whenever|before|after|while|once|until|unless|as\s+soon\s+as|in\s+case|to\s+\w+|for\s+\w+"
    r"|with\s+that\s+in\s+mind|in\s+the\s+meantime|meanwhile|otherwise|instead|finally|first|next)\b[^,:]*,\s*",
    re.IGNORECASE,
)
# Each branch: (words it cannot match without, pattern). A word is a lowercased \w+ run.
_NOUNS = "article page guide section leaflet website site post video booklet factsheet"
# Advice phrased as a statement about the reader: an instruction, not a claim.
ADVICE = Gated(
    [
        (
            "you we",
            r"^(?:you|we)\s+(?:should|must|need\s+to|can\s+(?:also\s+)?(?:call|text|ask|talk|speak|contact|visit|book|read"
            r"|learn|find|use|get\s+help|do|try|see)|could\s+(?:also\s+)?(?:ask|try|call))\b",
        ),
        ("good", r"\bgood\s+(?:idea|person|place|time)\s+to\b"),
        ("things", r"\bthings\s+you\s+can\s+do\b"),
        ("good best", r"\bit\s+is\s+(?:a\s+good\s+idea|best)\s+to\b"),
    ]
)
# Page furniture, navigation, bylines, disclaimers, marked definitions.
META = Gated(
    [
        (_NOUNS, r"\bthis\s+(?:article|page|guide|section|leaflet|website|site|post|video|booklet|factsheet)\b"),
        (_NOUNS, r"\bin\s+this\s+(?:article|guide|page|section|leaflet)\b"),
        ("section sections", r"\b(?:next|following|previous|last)\s+sections?\b"),
        ("following", r"\bthe\s+following\s+(?:sections?|pages?|questions?|tips?)\b"),
        ("below", r"\b(?:see|listed|shown|table)\s+below\b|^below\b"),
        ("read", r"\bread\s+on\b"),
        ("top", r"\bback\s+to\s+top\b"),
        ("skip", r"\bskip\s+to\b"),
        ("also", r"\bsee\s+also\b"),
        ("related", r"^related\s+\w+$"),
        ("next previous", r"^next:|^previous:"),
        ("reviewed updated written edited", r"\b(?:last\s+)?(?:reviewed|updated|written|edited)\s+(?:by|on|in)\b"),
        ("reviewed updated", r"\blast\s+(?:reviewed|updated)\b"),
        ("due", r"\breview\s+due\b"),
        ("newsletter", r"\bnewsletter\b"),
        ("thank", r"\bthank\s+you\b"),
        ("let", r"\blet(?:'|’)s\b|\blet\s+us\b"),
        ("here", r"^(?:here\s+(?:is|are)|here's)\b"),
        ("definition glossary term terms abbreviation abbreviations", r"^(?:definition|glossary|key\s+terms?|terms?|abbreviations?)\s*:"),
        ("term word phrase", r"\bwe\s+use\s+the\s+(?:term|word|phrase)\b"),
        ("stands", r"\bstands\s+for\b"),
        ("means", r"\bmeans\s+(?:that\s+)?(?:taking|using|having|a|an|the)\b(?=.*\bin\s+this\b)"),
        (
            "explain answer look cover discuss describe explore outline",
            r"\bwe\s+(?:explain|answer|look\s+at|cover|discuss|describe|explore|outline)\b",
        ),
    ]
)
# A lead-in whose clause is about the reader's options ("To lower your risk, you can:").
_ADVISORY_LEAD_IN = re.compile(
    r"(?:\b(?:you|we)\s+(?:can|could|should|might|may)(?:\s+also)?(?:\s+\w+)?|\bit\s+(?:can|may|might)\s+help(?:\s+to)?"
    r"|\btry(?:\s+to|\s+these)?)\s*:$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w’'-]+")


def _after_leading_clause(sentence: str) -> str:
    # the pattern is anchored at the start: match() there, rather than sub() trying every position
    clause = _LEADING_CLAUSE.match(sentence)
    return sentence if clause is None else sentence[clause.end() :]


def is_imperative(sentence: str) -> bool:
    """An instruction to the reader: starts (after a leading clause) with a base verb."""
    main = _after_leading_clause(sentence)
    found = [w.lower() for w in _WORD.findall(main)[:3]]
    while found and found[0] in _ADVERB_PREFIX and len(found) > 1:
        found = found[1:]
    if not found or found[0] not in _IMPERATIVE_VERBS:
        return False
    return not (len(found) > 1 and found[1] in _NOT_IMPERATIVE_NEXT)


def is_non_assertion(sentence: str, tokens: set[str], strong: bool) -> bool:
    """True when the sentence asks, instructs, navigates or introduces a list.

    ``tokens`` are the sentence's lowercased ``\\w+`` words. ``strong`` says whether a
    cue other than a generalisation fired in it; a list lead-in with one ("Persistent
    misuse often leads to ...:") still asserts.
    """
    text = sentence.strip().rstrip("”\"’')] ")
    if text.endswith("?"):
        return True
    if META.search(text, tokens):
        return True
    if tokens & ADVICE.words and ADVICE.search(_after_leading_clause(text), tokens):
        return True
    if is_imperative(text):
        return True
    if text.endswith(":"):
        return not strong or bool(_ADVISORY_LEAD_IN.search(text))
    return False
