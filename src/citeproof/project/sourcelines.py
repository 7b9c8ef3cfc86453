"""Where a block of a document starts in its Markdown source.

Pandoc's Markdown reader gives no source positions, so a unit is found by its text:
the source and the unit are both reduced to lowercase letters and digits, and the
search moves forward through the document as the units come.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right

_NON_ALNUM = re.compile(r"[\W_]+")
# Fenced code blocks, code spans and backslash escapes: text pandoc never reads as Markdown.
_CODE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t]*\1[`~]*[ \t]*$|(`+)[^\n]*?\2|\\.", re.MULTILINE | re.DOTALL)
_PREFIXES = (40, 20, 10)


def _normalise(text: str) -> str:
    return _NON_ALNUM.sub("", text.lower())


def _normalised_prefix(text: str, size: int) -> str:
    """``_normalise(text)[:size]`` without normalising all of a long unit (most of it is not searched)."""
    window = size * 4
    while True:
        norm = _normalise(text[:window])
        if len(norm) > size or window >= len(text):
            return norm[:size]
        window *= 4


class SourceLocator:
    """Find where a unit starts in the Markdown source.

    The source and the unit are both reduced to lowercase letters and digits, so
    markup (``**``, ``[...]{.cls}``, list markers) mostly vanishes; what remains
    (link URLs, span attributes) can break a long prefix, hence the shorter retries.
    Units come in document order, so the search only moves forward.
    """

    def __init__(self, source: str) -> None:
        self._stream, self._offsets, self._lines = _index(source)
        self.cursor = 0

    def line_at(self, position: int) -> int | None:
        if not self._lines:
            return None
        return self._lines[max(0, bisect_right(self._offsets, position) - 1)]

    def find(self, text: str, start: int | None = None) -> tuple[int | None, bool]:
        """(line, exact) of ``text`` at or after ``start`` (the cursor); moves the cursor when ``start`` is None."""
        norm = _normalised_prefix(text, _PREFIXES[0])
        origin = self.cursor if start is None else start
        for prefix in dict.fromkeys(norm[:size] for size in _PREFIXES if norm):  # distinct, longest first
            position = self._stream.find(prefix, origin)
            if position >= 0:
                if start is None:
                    self.cursor = position + len(prefix)
                return self.line_at(position), True
        return self.line_at(origin), False  # not found: the last place we know, marked approximate


@functools.lru_cache(maxsize=8)
def _index(source: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """The source reduced to one stream, with where each line starts in it and its number.

    Kept for the last few sources: the claim check, each product's re-check and the reading
    level all locate units in the same text (a third of a second per pass on a 2 MB article).
    """
    lines = source.splitlines()
    first = _front_matter_end(lines)
    chunks: list[str] = []
    offsets: list[int] = []
    numbers: list[int] = []
    size = 0
    for number, line in enumerate(lines[first:], start=first + 1):
        norm = _normalise(line)
        if norm:
            offsets.append(size)
            numbers.append(number)
            chunks.append(norm)
            size += len(norm)
    return "".join(chunks), tuple(offsets), tuple(numbers)


def _front_matter_end(lines: list[str]) -> int:
    """Index of the first line after a leading YAML block, so metadata never matches a unit."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return index + 1
    return 0


def blank_code(source: str) -> str:
    """``source`` with code and escapes blanked to spaces, every offset and line number kept in place."""
    return _CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), source)
