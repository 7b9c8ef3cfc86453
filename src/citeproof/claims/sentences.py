"""A unit's sentences, and which citation covers each (the citation scope).

A citation covers its own sentence. With ``citation-scope = "preceding"`` (the default)
it also covers the sentences before it in the same unit, back to the previous citation:
the common "one citation at the end of the passage" convention. Sentences after a
unit's last citation are never covered, so ``... [@okafor2024]. Nearly half of adults
...`` leaves the second sentence uncited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


def words(text: str) -> frozenset[str]:
    """A word list written as one string (as in .cues, which is not imported here: importing it
    compiles every cue pattern, ~0.25 s that every command paid for the settings' SCOPES)."""
    return frozenset(text.split())


Scope = Literal["sentence", "preceding"]
SCOPES: tuple[Scope, ...] = ("sentence", "preceding")

# A sentence ends at . ! or ? (and any closing quotes or brackets), then space, then a
# capital, a digit or an opening quote. "e.g. the", "6.5%" and "U.S. adults" do not end one.
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = words("""dr mr mrs ms prof st vs etc e.g i.e no approx fig u.s u.k jr sr dept""")
_SPACE_BEFORE_MARK = re.compile(r"\s+([.,;:!?])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text``; abbreviations do not end one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start() + 1].rsplit(None, 1)[-1].rstrip(".").lower()
        if before in _ABBREVIATIONS:
            continue
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def clean(text: str) -> str:
    """One sentence as a reader sees it: single spaces, no space left where a citation was."""
    return _SPACE_BEFORE_MARK.sub(r"\1", " ".join(text.split()))


@dataclass(frozen=True)
class Piece:
    """One sentence of a unit: its text, its offsets in the unit's text, its own citations."""

    text: str
    start: int
    end: int
    keys: tuple[str, ...] = ()  # keys cited inside this sentence
    gap: bool = False  # a .needs-source mark touches it
    gap_reasons: tuple[str, ...] = ()  # the reasons those marks give


def pieces(
    parts: Sequence[str], cite_at: Sequence[int], cite_keys: Sequence[tuple[str, ...]], gap_at: Sequence[tuple[int, int, str]] = ()
) -> list[Piece]:
    """The sentences of a unit whose text is ``parts``, with the citations placed by part index."""
    offsets = [0]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    text = "".join(parts)
    spans = split_sentences(text)
    found: list[Piece] = []
    for start, end in spans:
        keys: list[str] = []
        for at, cited in zip(cite_at, cite_keys, strict=True):
            # a citation right after a sentence's full stop still belongs to that sentence
            if start <= offsets[at] < end or (offsets[at] == end and end == len(text)):
                keys.extend(k for k in cited if k not in keys)
        marks = [reason for a, b, reason in gap_at if offsets[a] < end and offsets[b] > start]
        found.append(Piece(clean(text[start:end]), start, end, tuple(keys), bool(marks), tuple(r for r in marks if r)))
    if not found and cite_at:  # a unit that is only a citation
        return []
    return found


def coverage(own: Sequence[tuple[str, ...]], scope: Scope) -> list[tuple[str, ...]]:
    """The keys that cover each sentence, given each sentence's own keys."""
    if scope == "sentence":
        return list(own)
    covered: list[tuple[str, ...]] = [()] * len(own)
    carry: tuple[str, ...] = ()
    for index in range(len(own) - 1, -1, -1):  # walk back: each citation covers back to the previous one
        if own[index]:
            carry = own[index]
        covered[index] = carry
    return covered
