"""BibLaTeX text from registry records: new entries (``refs add``) and field edits in place (``--fix``).

Edits work on the file's text, not on a re-serialised library, so comments, field order,
notes and every field the registry does not know stay exactly as the writer left them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from citeproof.refs.identifiers import Identifier

_TYPES = {"article-journal": "article", "webpage": "online", "post-weblog": "online", "motion_picture": "video",
          "book": "book", "chapter": "incollection", "report": "report", "dataset": "dataset", "thesis": "thesis",
          "paper-conference": "inproceedings"}  # fmt: skip
_STOP = {"a", "an", "the", "of", "on", "in", "and", "for", "to", "with", "from", "by", "at", "is", "are"}
ORDER = ("author", "title", "type", "date", "journaltitle", "volume", "number", "pages", "publisher", "organization",
         "doi", "pmid", "pmcid", "url")  # fmt: skip


def ascii_word(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)).lower())


def protect(title: str) -> str:
    """Brace words whose capitals APA's sentence case must keep: acronyms, "U.S.", "NeuroSci"."""

    def guard(match: re.Match[str]) -> str:
        word = match.group(0)
        inner_capital = any(c.isupper() for c in word[1:])
        return "{" + word + "}" if inner_capital else word

    return re.sub(r"[A-Za-z][A-Za-z.\-']*[A-Za-z.]|[A-Z]", guard, title)


def bib_name(person: Mapping[str, Any]) -> str:
    if person.get("family"):
        given = str(person.get("given", "")).strip()
        return f"{person['family']}, {given}" if given else str(person["family"])
    return "{" + str(person.get("literal", "")) + "}"


def entry_fields(item: Mapping[str, Any], identifier: Identifier | None = None) -> tuple[str, dict[str, str]]:
    """A BibLaTeX entry type and fields holding exactly what the CSL ``item`` says."""
    kind = _TYPES.get(str(item.get("type", "")), "misc")
    fields: dict[str, str] = {}
    if authors := [bib_name(p) for p in item.get("author", []) if isinstance(p, Mapping)]:
        fields["author"] = " and ".join(authors)
    if item.get("title"):
        fields["title"] = protect(str(item["title"]))
    if kind == "video":
        fields["type"] = "Video"
    parts = (item.get("issued") or {}).get("date-parts") if isinstance(item.get("issued"), Mapping) else None
    if parts and parts[0]:
        fields["date"] = "-".join(f"{int(p):02d}" if i else str(p) for i, p in enumerate(parts[0]))
    if item.get("container-title"):
        fields["journaltitle" if kind == "article" else "organization"] = str(item["container-title"])
    for csl, name in (("volume", "volume"), ("issue", "number"), ("page", "pages"), ("publisher", "publisher")):
        if item.get(csl) and not (name == "publisher" and kind == "article"):
            fields[name] = str(item[csl]).replace("-", "--") if name == "pages" else str(item[csl])
    for csl, name in (("DOI", "doi"), ("PMID", "pmid"), ("PMCID", "pmcid")):
        if item.get(csl):
            fields[name] = str(item[csl])
    if identifier is not None and identifier.kind != "url" and identifier.kind not in fields:
        fields[identifier.kind] = identifier.value
    url = str(item.get("URL") or (identifier.value if identifier is not None and identifier.kind == "url" else ""))
    if url and not (fields.get("doi") and "doi.org/" in url):
        fields["url"] = url
    return kind, fields


def readable_key(item: Mapping[str, Any], taken: Iterable[str]) -> str:
    """Author, year, first title word: ``harding2025landscape``; ``b``, ``c``... when taken."""
    people = item.get("author") or []
    first = people[0] if people and isinstance(people[0], Mapping) else {}
    who = ascii_word(str(first.get("family") or (str(first.get("literal", "")).split() or [""])[0])) or "anon"
    parts = (item.get("issued") or {}).get("date-parts") if isinstance(item.get("issued"), Mapping) else None
    year = str(parts[0][0]) if parts and parts[0] else "nd"
    words = [ascii_word(w) for w in str(item.get("title", "")).split()]
    word = next((w for w in words if w and w not in _STOP), "")
    base = f"{who}{year}{word}"
    used = set(taken)
    key, suffix = base, ord("b")
    while key in used:
        key, suffix = f"{base}{chr(suffix)}", suffix + 1
    return key


def format_entry(kind: str, key: str, fields: Mapping[str, str]) -> str:
    names = sorted(fields, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    width = max((len(n) for n in names), default=0)
    body = "".join(f"  {n.ljust(width)} = {{{fields[n]}}},\n" for n in names)
    return f"@{kind}{{{key},\n{body}}}\n"


def entry_span(lines: Sequence[str], first: int) -> tuple[int, int]:
    """0-based [start, end] lines of the entry whose ``@type{`` is on 1-based line ``first``."""
    start, depth, opened = first - 1, 0, False
    for index in range(start, len(lines)):
        for char in lines[index]:
            if char == "{":
                depth, opened = depth + 1, True
            elif char == "}":
                depth -= 1
            if opened and depth == 0:
                return start, index
    return start, len(lines) - 1


def set_fields(lines: list[str], first: int, values: Mapping[str, str]) -> list[str]:
    """The file's lines with ``values`` written into the entry at line ``first``; other fields untouched."""
    start, end = entry_span(lines, first)
    block = lines[start : end + 1]
    indent, width = "  ", 0
    for text in block[1:]:
        if m := re.match(r"^(\s+)([A-Za-z_-]+)(\s*)=", text):
            indent, width = m.group(1), max(width, len(m.group(2)) + len(m.group(3)) - 1)
    for name, value in values.items():
        pattern = re.compile(rf"^(\s*){re.escape(name)}(\s*)=", re.IGNORECASE)
        at = next((i for i, text in enumerate(block) if i and pattern.match(text)), None)
        if at is None:
            closing = len(block) - 1
            before = block[closing - 1] if closing > 0 else ""
            if before.strip() and not before.rstrip().endswith(","):
                block[closing - 1] = before.rstrip() + ","
            block.insert(closing, f"{indent}{name.ljust(width)} = {{{value}}},")
            continue
        stop = _field_end(block, at)
        head = pattern.match(block[at])
        assert head is not None
        trailing = "," if block[stop].rstrip().endswith(",") or stop < len(block) - 2 else ""
        block[at : stop + 1] = [f"{head.group(1)}{name}{head.group(2)}= {{{value}}}{trailing}"]
    return lines[:start] + block + lines[end + 1 :]


def _field_end(block: Sequence[str], at: int) -> int:
    """The last line of the field starting on ``block[at]`` (values may span lines)."""
    depth = 0
    for index in range(at, len(block) - 1):
        text = block[index].split("=", 1)[1] if index == at else block[index]
        depth += text.count("{") - text.count("}")
        if depth <= 0:
            return index
    return at
