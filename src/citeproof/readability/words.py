"""The shipped plain-language list: medical and formal words, each with a plainer one."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

# Common English endings, so "utilized" and "initiating" are found from "utilize" and "initiate".
_ENDINGS = r"(?:s|es|d|ed|ing)?"


@dataclass(frozen=True)
class PlainWord:
    """One entry: the word (or phrase) to avoid and what to say instead."""

    word: str
    plain: str
    pattern: re.Pattern[str]


@functools.cache
def plain_words() -> tuple[PlainWord, ...]:
    """The entries of ``plain_words.tsv``, read once."""
    text = resources.files("citeproof.readability").joinpath("plain_words.tsv").read_text(encoding="utf-8")
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, plain = (part.strip() for part in line.split("\t", 1))
        entries.append(PlainWord(word, plain, re.compile(rf"\b{_body(word)}{_ENDINGS}\b", re.IGNORECASE)))
    return tuple(entries)


@functools.cache
def _any_word() -> re.Pattern[str]:
    """One pattern that matches wherever some entry might: most passages hold none of the words.

    Searching every entry's own pattern in every passage cost a 10,000-paragraph article 1.7 s;
    each entry's pattern is its body with optional endings, so the bodies alone find a superset
    (0.2 s). The lookahead on the first letters halves the cost: most words fail it at once.
    """
    entries = plain_words()
    firsts = "".join(sorted({re.escape(entry.word[0]) for entry in entries}))
    return re.compile(rf"\b(?=[{firsts}])(?:{'|'.join(_body(entry.word) for entry in entries)})", re.IGNORECASE)


def _body(word: str) -> str:
    """A word's pattern without its endings; a phrase may break across lines in the source, so any run of spaces matches its spaces."""
    return r"\s+".join(re.escape(part) for part in word.split())


def find_plain_words(text: str) -> list[tuple[PlainWord, str]]:
    """Each listed word in ``text``, with the form it takes there, in list order."""
    found: list[tuple[PlainWord, str]] = []
    if _any_word().search(text) is None:
        return found
    for entry in plain_words():
        match = entry.pattern.search(text)
        if match:
            found.append((entry, match.group(0)))
    return found
