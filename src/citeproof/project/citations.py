"""Citations that pandoc would publish as literal text: ``[@ key]``, ``@ key``, ``[key]``, ``@{key``.

Pandoc reads a malformed citation as ordinary words and carries on, so the reader of a
handout would see "[@ korb2025]" in print. These are found in the Markdown source (outside
code), each with its line and the corrected form; the build refuses them and the check
reports them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from citeproof.errors import CitationError, listing
from citeproof.findings import Finding, Location
from citeproof.project.documents import ParsedDocument
from citeproof.project.sourcelines import blank_code

_KEY = r"[\w][\w:.#$%&\-+?<>~/]*"
# "[@ key" or "; @ key": an at sign, then a space, then something shaped like a key.
_SPACED = re.compile(r"(?<![\w.])@\s+(" + _KEY + r")")
# "[key]" or "[key; other]" where a word in brackets is a known key without its @.
_BARE = re.compile(r"(?<![\]\w!^@])\[([^\[\]@\n]{1,200})\](?![(\[{:])")
# "@{key" never closed, or "@key}" never opened.
_BRACE_OPEN = re.compile(r"(?<![\w.])@\{([^}\s\[\];,]*?)[.:]?(?=[\s\];,]|$)")
# "[@a; b]": a citation group (brackets holding an @) one of whose parts names a known key without '@'.
_GROUP = re.compile(r"(?<![\]\w!^])\[([^\[\]\n]*@[^\[\]\n]*)\]")
# "[@key" whose bracket the paragraph never closes.
_OPEN_GROUP = re.compile(r"(?<![\]\w!^])\[(?=[^\[\]\n]*@" + _KEY + r")")


def raise_malformed(findings: list[Finding]) -> None:
    """The build's gate: one error listing every malformed citation; nothing is built."""
    if findings:
        raise CitationError(
            listing("malformed citation", [f"{f.location}: {f.message}" for f in findings]),
            hint="fix each citation as shown; nothing was built",
        )


def malformed_citations(parsed: ParsedDocument, known: Iterable[str]) -> list[Finding]:
    """Every malformed citation in the document's Markdown, with the corrected form as a hint."""
    keys = set(known)
    found: list[Finding] = []
    lines = _prose_lines(parsed.source_text)
    for number, line in lines:
        for match in _SPACED.finditer(line):
            key = match.group(1).rstrip(".,;:")
            if key in keys or _looks_like_key(key):
                found.append(_finding(parsed, number, match.start(), f"'@ {key}' has a space after '@'", f"write @{key}"))
        for match in _BRACE_OPEN.finditer(line):
            found.append(
                _finding(
                    parsed, number, match.start(), f"'@{{{match.group(1)}' opens a brace it never closes", f"write @{{{match.group(1)}}}"
                )
            )
        for match in _GROUP.finditer(line):
            for part in match.group(1).split(";"):
                bare = next((w for w in re.findall(_KEY, part) if w in keys), None) if "@" not in part else None
                if bare is not None:
                    what = f"'{part.strip()}' in the citation '[{match.group(1)}]' names a key without '@'"
                    found.append(_finding(parsed, number, match.start(), what, f"write @{bare}"))
        for match in _BARE.finditer(line):
            words = [w.strip() for w in match.group(1).split(";")]
            if words and all(w in keys for w in words):
                fixed = "; ".join(f"@{w}" for w in words)
                found.append(
                    _finding(parsed, number, match.start(), f"'[{match.group(1)}]' names a citation key without '@'", f"write [{fixed}]")
                )
    found.extend(_unclosed_groups(parsed, lines))
    return found


def _unclosed_groups(parsed: ParsedDocument, lines: list[tuple[int, str]]) -> list[Finding]:
    """Every ``[@key`` whose paragraph ends before its closing bracket (pandoc prints the '[' and cites in-text)."""
    found = []
    for index, (number, line) in enumerate(lines):
        for match in _OPEN_GROUP.finditer(line):
            if not _closes(line[match.end() :], lines, index + 1):
                opened = line[match.start() : match.start() + 40].split("]")[0].rstrip()
                found.append(
                    _finding(parsed, number, match.start(), f"'{opened}' opens a bracket the paragraph never closes", "add the ']'")
                )
    return found


def _closes(rest: str, lines: list[tuple[int, str]], following: int) -> bool:
    """Whether a bracket opened just before ``rest`` closes before its paragraph ends (a blank line)."""
    depth = 0
    index, text = following, rest
    while True:
        for char in text:
            depth += {"[": 1, "]": -1}.get(char, 0)
            if depth < 0:
                return True
        if index >= len(lines) or not lines[index][1].strip():
            return False
        text, index = lines[index][1], index + 1


def _looks_like_key(word: str) -> bool:
    """A word shaped like a citation key (letters then a year, e.g. korb2025), not an address or handle."""
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z_-]*\d{4}[a-z]?", word))


def _finding(parsed: ParsedDocument, line: int, column: int, what: str, fix: str) -> Finding:
    return Finding(
        "error",
        "malformed-citation",
        f"{what}: pandoc would print it as text, not cite it; {fix}",
        Location(parsed.display, line, column + 1),
    )


def _prose_lines(source: str) -> list[tuple[int, str]]:
    """(line number, text) of every line after the front matter, code and escapes blanked."""
    lines = blank_code(source).splitlines()
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() in {"---", "..."}), None)
        start = end + 1 if end is not None else 0
    return [(index + 1, lines[index]) for index in range(start, len(lines))]
