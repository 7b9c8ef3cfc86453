"""Regex machinery that makes the claim rules fast without changing what they match.

Python's ``re`` tries every branch of a case-insensitive alternation at every
position, so a long rule pattern costs far more than its few matches. The remedy:

* :class:`Dispatch`: a leftmost-first pattern split into buckets by the first
  character its branches can match, each bucket one case-sensitive pattern run on
  lowercased text (``re`` checks a literal first character of a branch at C speed).

``tests/test_claim_rules.py`` checks it against the plain pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def split_branches(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern`` (``a|(?:b|c)`` -> ``["a", "(?:b|c)"]``)."""
    branches, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1 if pattern[index + 1 : index + 2] != "^" else 2  # a "]" first in a class is literal
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
        index += 1
    branches.append(pattern[start:])
    return branches


def _first(items: Iterable[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """(characters a match of ``items`` can start with or None for "any", whether it can be empty)."""
    found: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL:
            return found | {chr(av)}, False
        if op is sre.IN:
            chars = _charset(av)
            return (None if chars is None else found | chars), False
        if op is sre.SUBPATTERN:
            sub, empty = _first(av[3].data)
        elif op is sre.BRANCH:
            sub, empty = set(), False
            for alternative in av[1]:
                alt, alt_empty = _first(alternative.data)
                if alt is None:
                    return None, False
                sub |= alt
                empty = empty or alt_empty
        elif op in _REPEATS:
            sub, empty = _first(av[2].data)
            empty = empty or av[0] == 0
        else:
            return None, False
        if sub is None:
            return None, False
        found |= sub
        if not empty:
            return found, False
    return found, True


def _charset(items: Sequence[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < 256:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is sre.CATEGORY and av is sre.CATEGORY_DIGIT:
            chars.update("0123456789")  # other scripts' digits go to the full pattern (see Dispatch)
        else:
            return None
    return chars


class Dispatch:
    """``full.match(text, pos)`` for the branches of ``branches``, tried only where they can start.

    ``branches`` are (label, pattern) pairs in priority order, all lowercase; a match
    returns the label of the branch that won, as the joined pattern would choose it.
    """

    def __init__(self, branches: Sequence[tuple[str, str]]) -> None:
        self.full = re.compile("|".join(f"({p})" for _, p in branches), re.IGNORECASE)
        self._labels = [label for label, _ in branches]
        starts: list[set[str] | None] = []
        for _, pattern in branches:
            if re.compile(pattern).groups or re.sub(r"\\.", "", pattern) != re.sub(r"\\.", "", pattern).lower():
                raise ValueError(f"a dispatched branch must be lowercase, with no capturing group: {pattern}")
            starts.append(_first(sre_parse.parse(pattern).data)[0])
        keys = set().union(*(s for s in starts if s is not None))
        self._buckets: dict[str, tuple[re.Pattern[str], list[str]]] = {}
        for key in keys:
            chosen = [i for i, s in enumerate(starts) if s is None or key in s]
            pattern = "|".join(f"({branches[i][1]})" for i in chosen)
            self._buckets[key] = (re.compile(pattern), [self._labels[i] for i in chosen])

    def match(self, text: str, lower: str, pos: int) -> tuple[str, int] | None:
        """(label, end) of the match at ``pos``; ``lower`` is ``text`` lowercased, same length."""
        bucket = self._buckets.get(lower[pos])
        if bucket is None:
            found = self.full.match(text, pos)
            return None if found is None else (self._labels[(found.lastindex or 1) - 1], found.end())
        pattern, labels = bucket
        found = pattern.match(lower, pos)
        return None if found is None else (labels[(found.lastindex or 1) - 1], found.end())


def trie(words: Iterable[str], stems: Iterable[str]) -> str:
    """One pattern for whole ``words`` and word beginnings ``stems``, shaped as a trie for ``re``."""
    tree: dict[str, Any] = {}
    for stem in stems:
        node = tree
        for char in stem:
            node = node.setdefault(char, {})
        node[""] = "stem"
    for word in words:
        node = tree
        for char in word:
            if node.get("") == "stem":
                break  # a shorter stem already takes every word that starts so
            node = node.setdefault(char, {})
        else:
            node.setdefault("", "word")
    return _emit(tree)


def _emit(node: dict[str, Any]) -> str:
    if node.get("") == "stem":
        return ""
    alternatives = [re.escape(char) + _emit(child) for char, child in sorted(node.items()) if char]
    if "" in node:
        alternatives.append(r"(?!\w)")
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
