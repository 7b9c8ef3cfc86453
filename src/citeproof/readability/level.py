"""Reading level per section: grade (Flesch-Kincaid, SMOG), long sentences, plainer words.

Sections start at each top-level heading of level 1 or 2; a level-3 heading stays in its
section. The text read is what a reader reads: paragraphs, list items, quotations and
footnotes, without citations, headings, tables' cells, code or the reference list (the
units of :mod:`citeproof.claims.units`).

The grade formulas, the plain-word list and the sentence length all assume English:
for another ``lang`` only long sentences are reported, with a note saying so.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from citeproof.claims.units import units
from citeproof.errors import counted
from citeproof.findings import Finding, Location, Severity
from citeproof.project.sourcelines import SourceLocator

from .settings import ReadabilitySettings
from .words import find_plain_words

RULE_GRADE = "reading-grade"
RULE_LEVEL = "reading-level"
RULE_SENTENCE = "long-sentence"
RULE_WORD = "plain-word"
RULE_LANGUAGE = "reading-language"
# Under this many words a grade formula says little (SMOG was built on 30 sentences);
# shorter sections are shown but not judged.
MIN_WORDS = 40
_BEFORE_HEADING = "(before the first heading)"
# A sentence ends at . ! or ? followed by space and anything but a lowercase letter,
# so "e.g. this" stays one sentence ("Dr. Smith" splits, which errs on the short side).
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?![a-z])")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_TERMINAL = (".", "!", "?", ":", ";", "…")


@dataclass
class Passage:
    """A paragraph, list item or footnote: its text and its line in the Markdown."""

    text: str
    line: int | None


@dataclass
class Section:
    """The text under one heading."""

    title: str
    line: int | None
    passages: list[Passage] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The section as running text; a list item without a full stop still ends a sentence."""
        return " ".join(p.text if p.text.endswith(_TERMINAL) else p.text + "." for p in self.passages)


@dataclass(frozen=True)
class Grade:
    """One section's measures."""

    words: int
    sentences: int
    flesch_kincaid: float
    smog: float


def plain_text(inlines: Sequence[Any]) -> str:
    """The words of pandoc JSON inlines (a heading's, a metadata value's)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            tag = node.get("t")
            if tag == "Str":
                parts.append(node["c"])
            elif tag in {"Space", "SoftBreak", "LineBreak"}:
                parts.append(" ")
            elif tag not in {"Note", "Cite"}:
                walk(node.get("c"))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(list(inlines))
    return "".join(parts).strip()


def meta_text(meta: Mapping[str, Any], key: str) -> str:
    """A metadata value from pandoc's JSON as plain text ("" when absent)."""
    value = meta.get(key)
    if not isinstance(value, dict):
        return ""
    if value.get("t") in {"MetaString", "MetaBool"}:
        return str(value.get("c", ""))
    # pandoc's smart typography puts a no-break space after "Dr."; a report wants a plain one
    return plain_text(value.get("c", [])).replace("\xa0", " ")


def is_english(lang: str) -> bool:
    return lang.strip().lower().replace("_", "-").split("-")[0] in {"en", ""}


def sections(ast: Mapping[str, Any], source_text: str) -> list[Section]:
    """The document's text split at level-1 and level-2 headings, each passage placed on its line."""
    locator = SourceLocator(source_text)
    found = [Section(_BEFORE_HEADING, None)]
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        for unit in units(chunk):
            if unit.kind == "table-cell":
                continue  # a cell is a label or a figure, not a sentence
            text = " ".join(("".join(unit.text) + " " + "".join(unit.waived_text)).split())
            line, _ = locator.find("".join(unit.locate)) if unit.parent is None else (found[-1].line, False)
            if _WORD.search(text):
                found[-1].passages.append(Passage(text, line))
        chunk.clear()

    for block in ast["blocks"]:
        if block["t"] == "Header" and block["c"][0] <= 2:
            flush()
            title = plain_text(block["c"][2])
            line, _ = locator.find(title)
            found.append(Section(title, line))
        else:
            chunk.append(block)
    flush()
    return [s for s in found if s.passages]


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def grade(text: str) -> Grade:
    """Flesch-Kincaid and SMOG grades of English ``text``, exactly as textstat 0.7.13 gives them."""
    return _grade(text, _tally(text))


@dataclass(frozen=True)
class _Tally:
    """textstat's word, syllable and polysyllable counts of a text (they add up over texts joined by spaces)."""

    words: int
    syllables: int
    polysyllables: int

    def __add__(self, other: _Tally) -> _Tally:
        return _Tally(self.words + other.words, self.syllables + other.syllables, self.polysyllables + other.polysyllables)


def _grade(text: str, tally: _Tally) -> Grade:
    """The grades of ``text`` from its tally; the formulas and their float arithmetic are textstat's own.

    textstat.flesch_kincaid_grade and smog_index re-split the text for every count and ask
    Pyphen about every word each time (a 10,000-paragraph article: 10 s, most of
    ``citeproof check``); here each word's syllables are looked up once per run and the
    whole document's grade adds up its sections' tallies (tests/test_readability.py holds
    the two equal on awkward text).
    """
    counted = _textstat_sentences(text)
    per_sentence = tally.words / counted if counted else 0.0
    per_word = tally.syllables / tally.words if tally.words else 0.0
    flesch_kincaid = 0.0 if per_sentence == 0 or per_word == 0 else (0.39 * per_sentence) + (11.8 * per_word) - 15.59
    smog = (1.043 * (30 * (tally.polysyllables / counted)) ** 0.5) + 3.1291 if counted else 0.0
    return Grade(words=word_count(text), sentences=len(sentences(text)), flesch_kincaid=flesch_kincaid, smog=smog)


# textstat's own tokenising (textstat.backend: remove_punctuation, list_words, count_sentences), compiled once.
_NON_CONTRACTION = re.compile(r"\'(?!" + r"[tsd]|ve|ll|re" + ")")
_PUNCTUATION = re.compile(r"[^\w\s\']")
_TEXTSTAT_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)


def _textstat_words(text: str) -> list[str]:
    return _PUNCTUATION.sub("", _NON_CONTRACTION.sub("", text)).split()


def _textstat_sentences(text: str) -> int:
    """textstat's count_sentences: its pieces, less those of two words or fewer; at least 1 for any text."""
    if not text:
        return 0
    pieces = _TEXTSTAT_SENTENCE.findall(text)
    return max(1, sum(1 for piece in pieces if len(_textstat_words(piece)) > 2))


def _tally(text: str) -> _Tally:
    """textstat's counts: its words, their syllables (Pyphen's en-US patterns, plus one) and those of three or more."""
    syllables = _syllables()
    total = poly = 0
    words = _textstat_words(text)
    for word in words:
        count = syllables.get(word)
        if count is None:
            count = syllables[word] = len(_pyphen().positions(word.lower())) + 1
        total += count
        poly += count >= 3
    return _Tally(len(words), total, poly)


@functools.cache
def _syllables() -> dict[str, int]:
    """Each word's syllable count, asked of Pyphen once per run."""
    return {}


@functools.cache
def _pyphen() -> Any:
    # "en-US", not "en": for "en" textstat 0.7.13 counts syllables with nltk's cmudict,
    # which it downloads at run time; a build tool must not reach the network, so the
    # syllables come from Pyphen's US English hyphenation patterns (shipped with Pyphen).
    import pyphen  # type: ignore[import-untyped]

    return pyphen.Pyphen(lang="en-US")


def check_readability(
    ast: Mapping[str, Any],
    source_text: str,
    path: str,
    settings: ReadabilitySettings,
    *,
    lang: str,
    strict: bool = False,
) -> tuple[list[Finding], dict[str, int]]:
    """Findings on the reading level of one document, and counts for the summary."""
    if not settings.enabled:
        return [], {}
    english = is_english(lang)
    findings: list[Finding] = []
    counts = {"long_sentences": 0, "plain_words": 0, "sections_above_grade": 0}
    parts = sections(ast, source_text)
    if not english:
        findings.append(
            Finding(
                "info",
                RULE_LANGUAGE,
                f"lang is {lang!r}, not English: the grade formulas and the plain-word list are for English, so only "
                "sentence length is checked here",
                Location(path),
            )
        )
    whole: list[str] = []
    whole_tally = _Tally(0, 0, 0)
    for section in parts:
        text = section.text
        whole.append(text)
        where = Location(path, section.line if section.line is not None else section.passages[0].line)
        if english:
            tally = _tally(text)
            whole_tally += tally
            counts["sections_above_grade"] += _judge(findings, section, _grade(text, tally), where, settings, strict=strict)
        for passage in section.passages:
            for sentence in sentences(passage.text):
                size = word_count(sentence)
                if size > settings.long_sentence_words:
                    counts["long_sentences"] += 1
                    findings.append(
                        Finding(
                            "warning",
                            RULE_SENTENCE,
                            f'a sentence of {size} words (over {settings.long_sentence_words}): "{_opening(sentence)}"; split it in two',
                            Location(path, passage.line),
                            {"words": size, "section": section.title},
                        )
                    )
            if english:
                for entry, form in find_plain_words(passage.text):
                    counts["plain_words"] += 1
                    findings.append(
                        Finding(
                            "info",
                            RULE_WORD,
                            f"'{form}': a plainer word is '{entry.plain}'",
                            Location(path, passage.line),
                            {"word": entry.word, "plain": entry.plain, "section": section.title},
                        )
                    )
    if english and whole:
        overall = _grade(" ".join(whole), whole_tally)  # joined by spaces: the tallies add up
        findings.append(
            Finding(
                "info",
                RULE_LEVEL,
                f"whole document: {_figures(overall)}; target grade {settings.target_grade:g}",
                Location(path),
                {"flesch_kincaid": round(overall.flesch_kincaid, 1), "smog": round(overall.smog, 1), "words": overall.words},
            )
        )
    return findings, counts


def _figures(grade: Grade) -> str:
    """``grade 5.5 (Flesch-Kincaid), 6.4 (SMOG), 39 words in 3 sentences`` (a grade below 0 reads as 0: very easy)."""
    words, sentences = counted(grade.words, "word"), counted(grade.sentences, "sentence")
    return f"grade {max(grade.flesch_kincaid, 0.0):.1f} (Flesch-Kincaid), {max(grade.smog, 0.0):.1f} (SMOG), {words} in {sentences}"


def _judge(
    findings: list[Finding], section: Section, measured: Grade, where: Location, settings: ReadabilitySettings, *, strict: bool
) -> int:
    """Report one section's grade; return 1 when it is above the target."""
    extra = {
        "section": section.title,
        "flesch_kincaid": round(measured.flesch_kincaid, 1),
        "smog": round(measured.smog, 1),
        "words": measured.words,
        "sentences": measured.sentences,
    }
    figures = _figures(measured)
    above = max(measured.flesch_kincaid, measured.smog) > settings.target_grade
    if measured.words < MIN_WORDS or not above:
        note = f"; too short to judge (under {MIN_WORDS} words)" if measured.words < MIN_WORDS else ""
        findings.append(Finding("info", RULE_LEVEL, f"section {section.title!r}: {figures}{note}", where, extra))
        return 0
    severity: Severity = "error" if strict and settings.strict_grade else "warning"
    findings.append(
        Finding(
            severity,
            RULE_GRADE,
            f"section {section.title!r} reads above grade {settings.target_grade:g}: {figures}; use shorter sentences and everyday words",
            where,
            extra,
        )
    )
    return 1


def _opening(text: str) -> str:
    words = text.split()
    return " ".join(words[:10]) + (" ..." if len(words) > 10 else "")
