"""Pure text rules: which words make a sentence a claim that needs a source.

No pandoc, no panflute: ``classify_text`` takes the plain text of one unit (a
paragraph, list item, cell or footnote, citations already removed) and returns the
rules that fired, each quoting the words that triggered it.

The rules are tuned to miss as little as possible (a missed uncited claim is worse
than a false alarm), so the design is "everything declarative about health is a
claim, except what is plainly not an assertion": questions, instructions to the
reader, navigation and site text, marked definitions and list lead-ins.
``tests/test_claim_rules.py`` measures recall and specificity on a labelled set.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from .cues import CAUSAL, EVIDENCE, GENERALISATION, NUMBERS, cue_matches, is_factual, words
from .forms import is_non_assertion

# Reported rule names, most serious first; a unit's finding is named after the first.
UNATTRIBUTED_QUOTATION = "unattributed-quotation"
QUOTATION = "quotation"
FACTUAL = "factual-statement"
RULES: tuple[str, ...] = (UNATTRIBUTED_QUOTATION, QUOTATION, NUMBERS, EVIDENCE, CAUSAL, GENERALISATION, FACTUAL)
_RANK = {name: i for i, name in enumerate(RULES)}

_EXCERPT = 80  # characters of context quoted in a finding


@dataclass(frozen=True)
class RuleHit:
    """One rule that fired: ``words`` is the quoted context, ``trigger`` the exact match."""

    rule: str
    words: str
    trigger: str = ""


# --- sentences and quotations ---------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?]+[”\"’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = words("""dr mr mrs ms prof st vs etc e.g i.e no approx fig u.s u.k""")
_QUOTES = re.compile(r"“(?P<a>[^”]{3,}?)”|\"(?P<b>[^\"]{3,}?)\"|(?:(?<=^)|(?<=[\s(\[—–-]))[‘'](?P<c>[^’']{3,}?)[’'](?!\w)")
_NAME = re.compile(
    r"\b(?:Dr|Prof|Professor|Mr|Mrs|Ms|Sir|Dame)\.?\s+[A-Z]|\b[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z]+"
    r"|\b[A-Z]{2,}\b"
)
_NAME_STOP = words(
    """as the a an one in on at for from to and but or if when while this that these those it its
    public many some most according during after before by with our your their his her said says"""
)
_WORD = re.compile(r"[\w’'-]+")


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


_FIRST_WORDS = re.compile(r"^\s*(?:\S+\s+){0,2}\S+")


def _excerpt(text: str, start: int, end: int) -> str:
    """The sentence up to the end of the trigger (at least three words), within ``_EXCERPT`` characters."""
    opening = _FIRST_WORDS.match(text)
    end = max(end, opening.end() if opening else 0)
    head = text[:end] if end <= _EXCERPT else "... " + text[max(0, end - _EXCERPT) : end].split(" ", 1)[-1]
    tail = text[end:].strip().rstrip(".")
    return f"{head.strip()} ..." if tail else head.strip()


def _shorten(text: str, limit: int = _EXCERPT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _attributed(text: str, start: int, end: int) -> bool:
    """A named speaker (a person or an organisation) near the quotation, outside it."""
    window = text[max(0, start - 120) : start] + " " + text[end : end + 120]
    return any(match.group(0).split()[0].lower() not in _NAME_STOP for match in _NAME.finditer(window))


def _quotations(text: str, sentences: list[tuple[int, int]], skipped: Callable[[int], bool]) -> list[RuleHit]:
    starts = [s for s, _ in sentences]
    hits: list[RuleHit] = []
    for match in _QUOTES.finditer(text):
        inner = match.group("a") or match.group("b") or match.group("c") or ""
        if len(inner.split()) < 3:  # scare quotes and quoted terms ("trance-like") are not quotations
            continue
        if skipped(bisect_right(starts, match.start()) - 1):
            continue
        rule = QUOTATION if _attributed(text, match.start(), match.end()) else UNATTRIBUTED_QUOTATION
        hits.append(RuleHit(rule, _shorten(match.group(0)), match.group(0)))
    return hits


_TOKEN = re.compile(r"\w+")


def _lowered(text: str) -> str:
    """``text.lower()``, kept the same length so offsets in one are offsets in the other."""
    lower = text.lower()
    if len(lower) != len(text):  # e.g. "İ" lowers to two characters: lower those one by one
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lower


def classify_text(text: str) -> list[RuleHit]:
    """Rules that make ``text`` a claim, most serious first; empty when it asserts nothing."""
    return classify_texts([text])[0]


def classify_texts(texts: list[str], enough: list[bool] | None = None) -> list[list[RuleHit]]:
    """``classify_text`` of each text: the cue patterns run once over all of them, joined by NULs.

    Where ``enough`` is true, only less is promised (see :func:`_enough`): what a
    cited unit's verdict needs.
    """
    texts = [" ".join(text.split()) for text in texts]
    lowers = [_lowered(text) for text in texts]
    found = cue_matches("\0".join(texts), "\0".join(lowers))  # no cue matches a NUL, so none spans two texts
    results: list[list[RuleHit]] = []
    offset, index = 0, 0
    for number, (text, lower) in enumerate(zip(texts, lowers, strict=True)):
        end, first = offset + len(text), index
        while index < len(found) and found[index][1] < end:
            index += 1
        cues = [(rule, start - offset, stop - offset) for rule, start, stop in found[first:index]] if index > first else []
        if not text:
            results.append([])
        elif enough is not None and enough[number]:
            results.append(_enough(text, lower, cues))
        else:
            results.append(_classify(text, lower, cues))
        offset = end + 1
    return results


def _sentence_cues(text: str, found_cues: list[tuple[str, int, int]]) -> tuple[list[tuple[int, int]], list[list[tuple[str, int, int]]]]:
    sentences = split_sentences(text)
    starts = [s for s, _ in sentences]
    cues: list[list[tuple[str, int, int]]] = [[] for _ in sentences]
    for rule, start, end in found_cues:
        cues[bisect_right(starts, start) - 1].append((rule, start, end))
    return sentences, cues


def _enough(text: str, lower: str, found_cues: list[tuple[str, int, int]]) -> list[RuleHit]:
    """Empty exactly when ``_classify`` is; else every quotation hit or, with none, one hit.

    So the unattributed quotations come in the same order, and the search stops at
    the first sentence that asserts: a cited unit's verdict needs no more.
    """
    sentences, cues = _sentence_cues(text, found_cues)
    verdicts: dict[int, bool] = {}

    def skipped(index: int) -> bool:
        if index < 0:
            return False
        if index not in verdicts:
            start, end = sentences[index]
            strong = any(rule != GENERALISATION for rule, _, _ in cues[index])
            verdicts[index] = is_non_assertion(text[start:end], set(_TOKEN.findall(lower, start, end)), strong)
        return verdicts[index]

    if "“" in text or '"' in text or "‘" in text or "'" in text:
        quotes = _quotations(text, sentences, skipped)
        if quotes:
            return sorted(quotes, key=lambda hit: _RANK[hit.rule])
    for index, (start, end) in enumerate(sentences):
        if skipped(index):
            continue
        if cues[index]:
            rule, s, e = cues[index][0]
            return [RuleHit(rule, _excerpt(text[start:end], s - start, e - start), text[s:e])]
        if is_factual(text[start:end], lower[start:end], set(_TOKEN.findall(lower, start, end))):
            return [RuleHit(FACTUAL, " ".join(text[start:end].split()[:8]), "")]
    return []


def _classify(text: str, lower: str, found_cues: list[tuple[str, int, int]]) -> list[RuleHit]:
    sentences, cues = _sentence_cues(text, found_cues)
    hits: list[RuleHit] = []
    skipped: set[int] = set()
    for index, (start, end) in enumerate(sentences):
        sentence = text[start:end]
        tokens = set(_TOKEN.findall(lower, start, end))
        found = cues[index]
        strong = any(rule != GENERALISATION for rule, _, _ in found)
        if is_non_assertion(sentence, tokens, strong):
            skipped.add(index)
            continue
        seen: set[str] = set()
        for rule, s, e in found:
            if rule not in seen:  # the first trigger of each rule per sentence is enough to quote
                seen.add(rule)
                hits.append(RuleHit(rule, _excerpt(sentence, s - start, e - start), text[s:e]))
        if not seen and is_factual(sentence, lower[start:end], tokens):
            words = sentence.split()
            hits.append(RuleHit(FACTUAL, " ".join(words[:8]) + (" ..." if len(words) > 8 else ""), ""))
    if "“" in text or '"' in text or "‘" in text or "'" in text:
        hits.extend(_quotations(text, sentences, skipped.__contains__))
    hits.sort(key=lambda hit: _RANK[hit.rule])  # stable: document order within a rule
    return hits
