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
        # A phrase may break across lines in the source: any run of spaces matches its spaces.
        body = r"\s+".join(re.escape(part) for part in word.split())
        entries.append(PlainWord(word, plain, re.compile(rf"\b{body}{_ENDINGS}\b", re.IGNORECASE)))
    return tuple(entries)


def find_plain_words(text: str) -> list[tuple[PlainWord, str]]:
    """Each listed word in ``text``, with the form it takes there, in list order."""
    found = []
    for entry in plain_words():
        match = entry.pattern.search(text)
        if match:
            found.append((entry, match.group(0)))
    return found
