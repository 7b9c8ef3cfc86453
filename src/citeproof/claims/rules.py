"""Named rules that stand on their own: quotations, and the names every finding uses.

The cue rules (numbers, evidence language, causes and risks, generalisations) live in
:mod:`citeproof.claims.cues` and are evidence for the model
(:mod:`citeproof.claims.model`). A quotation is different: quoted words need a source
whatever the sentence around them says, and a quotation nobody is named for needs a
citation in its own sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cues import CAUSAL, EVIDENCE, GENERALISATION, NUMBERS, words

# Reported rule names, most serious first; a finding is named after the first that applies.
UNATTRIBUTED_QUOTATION = "unattributed-quotation"
QUOTATION = "quotation"
CLAIM = "claim"  # the model's verdict with no named rule behind it ("Measles spreads through the air.")
RULES: tuple[str, ...] = (UNATTRIBUTED_QUOTATION, QUOTATION, NUMBERS, EVIDENCE, CAUSAL, GENERALISATION, CLAIM)

# Unit text has straight quotes only (see citeproof.claims.units).
_QUOTES = re.compile(r"\"(?P<b>[^\"]{3,}?)\"|(?:(?<=^)|(?<=[\s(\[—–-]))'(?P<c>[^']{3,}?)'(?!\w)")
_NAME = re.compile(
    r"\b(?:Dr|Prof|Professor|Mr|Mrs|Ms|Sir|Dame)\.?\s+[A-Z]|\b[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z]+"
    r"|\b[A-Z]{2,}\b"
)
_NAME_STOP = words(
    """as the a an one in on at for from to and but or if when while this that these those it its
    public many some most according during after before by with our your their his her said says"""
)
_WINDOW = 120  # characters either side of a quotation searched for its speaker


@dataclass(frozen=True)
class Quotation:
    """Quoted words of three or more, where they are in the unit's text, and whether someone is named."""

    rule: str  # QUOTATION or UNATTRIBUTED_QUOTATION
    start: int
    end: int
    words: str


def _attributed(text: str, start: int, end: int) -> bool:
    """A named speaker (a person or an organisation) near the quotation, outside it."""
    window = text[max(0, start - _WINDOW) : start] + " " + text[end : end + _WINDOW]
    return any(match.group(0).split()[0].lower() not in _NAME_STOP for match in _NAME.finditer(window))


def quotations(text: str) -> list[Quotation]:
    """Every quotation in a unit's ``text``; scare quotes ("trance-like") are not quotations."""
    if '"' not in text and "'" not in text:
        return []
    found: list[Quotation] = []
    for match in _QUOTES.finditer(text):
        inner = match.group("b") or match.group("c") or ""
        if len(inner.split()) < 3:
            continue
        rule = QUOTATION if _attributed(text, match.start(), match.end()) else UNATTRIBUTED_QUOTATION
        found.append(Quotation(rule, match.start(), match.end(), match.group(0)))
    return found
