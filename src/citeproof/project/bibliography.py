"""The bibliography: read a .bib strictly (duplicates and malformed entries are errors with
their line) and state facts about it (unused entries, web entries without a URL or DOI).

The format follows the extension: ``.bib`` (BibTeX/BibLaTeX), ``.json`` (CSL JSON) or
``.yaml``/``.yml`` (CSL YAML, as Zotero exports). Entries cited by identifier
(``[@doi:...]``) come from the lock file as CSL items and reach pandoc as one more
bibliography (see :meth:`Bibliography.with_records`).

A document may have several bibliography files (mixed formats): each is parsed on its own
and :func:`merge_bibliographies` makes one :class:`Bibliography` of them that remembers its
``parts``, so findings name the file an entry lives in and pandoc gets every file.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from citeproof.errors import BibliographyError, listing
from citeproof.files import write_atomic
from citeproof.findings import Finding, Location

# Entry types whose reader needs an address to find the work.
WEB_TYPES = frozenset({"online", "www", "webpage", "electronic", "video", "misc"})


@dataclass(frozen=True)
class BibEntry:
    """One .bib entry; ``line`` is 1-based, ``fields`` keep their raw BibTeX values."""

    key: str
    entry_type: str
    fields: Mapping[str, str]
    line: int
    origin: str = ""  # "" for an entry of the file itself; else where it came from (the lock file)


@dataclass(frozen=True)
class Bibliography:
    """A parsed bibliography file (or several merged: see ``parts``), shown to users as ``display``."""

    path: Path  # of several files, the first
    display: str
    entries: tuple[BibEntry, ...]
    csl_items: tuple[Mapping[str, Any], ...] = ()  # entries cited by identifier, read from the lock
    parts: tuple[Bibliography, ...] = ()  # the files merged into this one; () for a single file
    # The file's lines as parsed, so findings point at a field's line without reading the file again
    # (and cannot disagree with the parse if the file changes meanwhile); () for a merged one.
    lines: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def files(self) -> tuple[Bibliography, ...]:
        """Each file on its own (a single file is its own only part)."""
        return self.parts or (replace(self, entries=tuple(e for e in self.entries if not e.origin), csl_items=()),)

    def part_of(self, entry: BibEntry) -> Bibliography:
        """The file ``entry`` lives in (this bibliography for an entry from the lock)."""
        return next((part for part in self._parts_with.get(entry.key, ()) if entry in part.entries), self)

    @functools.cached_property
    def _parts_with(self) -> dict[str, list[Bibliography]]:
        """The files that define each key: ``part_of`` runs once per entry, so it must not scan every file."""
        found: dict[str, list[Bibliography]] = {}
        for part in self.parts:
            for key in dict.fromkeys(e.key for e in part.entries):
                found.setdefault(key, []).append(part)
        return found

    def keys(self) -> set[str]:
        return {e.key for e in self.entries}

    def get(self, key: str) -> BibEntry | None:
        return next((e for e in self.entries if e.key == key), None)

    def with_records(self, items: Sequence[Mapping[str, Any]], origin: str) -> Bibliography:
        """This bibliography plus CSL ``items`` (from the lock) under their ``id``, marked as from ``origin``."""
        known = self.keys()
        fresh = [dict(i) for i in items if str(i.get("id")) not in known]
        entries = tuple(csl_entry(item, 0, origin) for item in fresh)
        return replace(self, entries=self.entries + entries, csl_items=self.csl_items + tuple(fresh))

    def pandoc_args(self, scratch: Path) -> list[str]:
        """``--bibliography`` arguments: the file itself, and the lock's items written once into ``scratch``."""
        args = [arg for part in self.files for arg in ("--bibliography", str(part.path))]
        if self.csl_items:
            text = json.dumps(sorted(self.csl_items, key=lambda i: str(i.get("id"))), indent=1, sort_keys=True, ensure_ascii=False)
            path = scratch / f"refs-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}.json"
            if not path.exists():  # content-addressed: parallel jobs write the same bytes, atomically
                scratch.mkdir(parents=True, exist_ok=True)
                write_atomic(path, text)
            args += ["--bibliography", str(path)]
        return args


# CSL item types and the BibLaTeX entry types checks expect.
_CSL_TO_BIB = {
    "article-journal": "article",
    "webpage": "online",
    "post-weblog": "online",
    "motion_picture": "video",
    "book": "book",
    "chapter": "incollection",
    "report": "report",
    "thesis": "thesis",
    "dataset": "dataset",
}


def csl_entry(item: Mapping[str, Any], line: int, origin: str = "") -> BibEntry:
    """A CSL item seen as an entry: the fields checks read (title, author, journal, date, identifiers)."""
    fields: dict[str, str] = {}
    for csl, name in (
        ("title", "title"),
        ("container-title", "journaltitle"),
        ("volume", "volume"),
        ("issue", "number"),
        ("page", "pages"),
        ("DOI", "doi"),
        ("URL", "url"),
        ("PMID", "pmid"),
        ("PMCID", "pmcid"),
        ("publisher", "publisher"),
        ("genre", "type"),
    ):
        value = item.get(csl)
        if value:
            fields[name] = str(value[0] if isinstance(value, list) else value)
    people = []
    for person in item.get("author") or []:
        if isinstance(person, Mapping):
            if person.get("family"):
                people.append(f"{person['family']}, {person.get('given', '')}".rstrip(", "))
            elif person.get("literal"):
                people.append("{" + str(person["literal"]) + "}")
    if people:
        fields["author"] = " and ".join(people)
    parts = (item.get("issued") or {}).get("date-parts") if isinstance(item.get("issued"), Mapping) else None
    if parts and parts[0]:
        fields["date"] = "-".join(f"{int(p):02d}" if i else str(p) for i, p in enumerate(parts[0]))
    kind = _CSL_TO_BIB.get(str(item.get("type", "")), "misc")
    return BibEntry(key=str(item.get("id", "")), entry_type=kind, fields=fields, line=line, origin=origin)


def merge_bibliographies(parts: Sequence[Bibliography]) -> tuple[Bibliography, list[Finding]]:
    """One bibliography of several files; a key two files define is a duplicate-key error naming both places.

    The first definition wins (as within one file); a single file comes back unchanged.
    """
    if len(parts) == 1:
        return parts[0], []
    first: dict[str, tuple[Bibliography, BibEntry]] = {}
    entries: list[BibEntry] = []
    problems: list[Finding] = []
    for part in parts:
        for entry in part.entries:
            if entry.key in first:
                other, earlier = first[entry.key]
                message = (
                    f"duplicate key {entry.key!r}: also defined in {other.display} at line {earlier.line}; "
                    "rename one of them or delete the copy"
                )
                problems.append(Finding("error", "duplicate-key", message, Location(part.display, entry.line, key=entry.key)))
                continue
            first[entry.key] = (part, entry)
            entries.append(entry)
    display = ", ".join(p.display for p in parts)
    return Bibliography(path=parts[0].path, display=display, entries=tuple(entries), parts=tuple(parts)), problems


def load_bibliography(path: Path, *, display: str | None = None) -> Bibliography:
    """Parse ``path`` strictly: any duplicate key or malformed entry raises one error listing all."""
    bib, problems = parse_bibliography(path, display=display)
    raise_bibliography_problems(problems)
    return bib


def raise_bibliography_problems(problems: Sequence[Finding]) -> None:
    """The strict read (the build): any problem stops everything, all of them listed with their places."""
    if problems:
        raise BibliographyError(
            listing("problem", [f"{p.location}: {p.message}" for p in problems], suffix=" in the bibliography"),
            hint="fix the lines above; nothing was built",
        )


def parse_bibliography(path: Path, *, display: str | None = None) -> tuple[Bibliography, list[Finding]]:
    """Parse ``path``; duplicate keys and malformed entries come back as error findings."""
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import DuplicateBlockKeyBlock, ParsingFailedBlock

    shown = display or str(path)
    if path.suffix.lower() in (".json", ".yaml", ".yml"):
        return parse_csl_file(path, shown)
    text = _read_text(path, shown)
    # bibtexparser logs its own parse errors; we report them ourselves, with lines.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = parse_string(text)
    first_line = {e.key: (e.start_line or 0) + 1 for e in library.entries}
    problems: list[Finding] = []
    for block in library.failed_blocks:
        where = Location(shown, (block.start_line or 0) + 1)
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(
                Finding(
                    "error",
                    "duplicate-key",
                    f"duplicate key {block.key!r} (first defined at line {first_line.get(block.key, '?')}); "
                    "rename one of them or delete the copy",
                    Location(shown, (block.start_line or 0) + 1, key=block.key),
                )
            )
        elif isinstance(block, ParsingFailedBlock):
            raw = (block.raw or "").strip()
            head = raw.splitlines()[0][:60] if raw else ""
            problems.append(
                Finding(
                    "error",
                    "malformed-entry",
                    f"malformed entry {head!r}: {_reason(block)}; check its braces, the comma after each field and the closing '}}'",
                    where,
                )
            )
    entries = tuple(
        BibEntry(
            key=e.key,
            entry_type=e.entry_type.lower(),
            fields={f.key.lower(): str(f.value) for f in e.fields},
            line=(e.start_line or 0) + 1,
        )
        for e in library.entries
    )
    return Bibliography(path=path, display=shown, entries=entries, lines=tuple(text.splitlines())), problems


def _read_text(path: Path, shown: str) -> str:
    """The bibliography's text, or an error that says what to do."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BibliographyError(
            f"bibliography {shown!r} does not exist", hint="create it, or fix 'bibliography' in [tool.citeproof]"
        ) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise BibliographyError(
            f"the bibliography is not UTF-8 text: byte {exc.object[exc.start : exc.start + 1]!r} on this line",
            location=f"{shown}:{line}",
            hint="save it as UTF-8 (your reference manager's export has an encoding option)",
        ) from None
    except OSError as exc:
        raise BibliographyError(f"cannot read bibliography {shown!r}: {exc.strerror or exc}", hint="check the file") from None


def parse_csl_file(path: Path, shown: str) -> tuple[Bibliography, list[Finding]]:
    """A CSL JSON (``.json``) or CSL YAML (``.yaml``/``.yml``) bibliography; each entry's line is its ``id``'s."""
    kind = "CSL JSON" if path.suffix.lower() == ".json" else "CSL YAML"
    text = _read_text(path, shown)
    try:
        if kind == "CSL JSON":
            data: Any = json.loads(text)
        else:
            import yaml  # type: ignore[import-untyped, unused-ignore]

            data = yaml.safe_load(text)
    except ImportError:
        raise BibliographyError(f"reading {shown!r} as {kind} needs PyYAML", hint="pip install PyYAML, or export CSL JSON") from None
    except Exception as exc:  # json.JSONDecodeError or yaml.YAMLError (which share no base but Exception)
        raise BibliographyError(f"{shown!r} is not valid {kind} (chosen by its extension): {exc}", hint="export it again") from None
    if isinstance(data, Mapping) and "references" in data:  # CSL YAML as pandoc writes it
        data = data["references"]
    if not isinstance(data, list):
        raise BibliographyError(
            f"{shown!r} read as {kind} (by its extension) holds no list of items", hint="a CSL file is a list of items with 'id'"
        )
    lines = text.splitlines()
    entries: list[BibEntry] = []
    problems: list[Finding] = []
    seen: dict[str, int] = {}
    after = 0  # the last item's line: ids come in file order, so each search starts there
    for item in data:
        if not isinstance(item, Mapping) or not item.get("id"):
            # pandoc prints such an item anyway (nocite: '@*'), with no key to cite it by or to check it under
            title = str(item.get("title", "")) if isinstance(item, Mapping) else ""
            where = next((n for n, text in enumerate(lines, 1) if title and title in text), None)
            message = f"an item without an 'id' ({title!r})" if title else "an item without an 'id'"
            problems.append(Finding("error", "malformed-entry", f"{message}; give it a key as its id", Location(shown, where)))
            continue
        key = str(item["id"])
        line = _id_line(lines, key, after=after)
        if key in seen:
            message = f"duplicate key {key!r} (first defined at line {seen[key]}); rename one of them or delete the copy"
            problems.append(Finding("error", "duplicate-key", message, Location(shown, line, key=key)))
            continue
        seen[key] = line
        after = max(after, line)
        entries.append(csl_entry(item, line))
    return Bibliography(path=path, display=shown, entries=tuple(entries), lines=tuple(lines)), problems


def _id_line(lines: Sequence[str], key: str, *, after: int = 0) -> int:
    """The line of ``"id": key`` (or ``id: key``) below line ``after``; 1 when it cannot be found."""
    # Anywhere on its line: a compact file has a whole item on one line ({"id": "a", "title": ...}).
    pattern = re.compile(r"""(?:^|[\s{,])["']?id["']?\s*:\s*["']?""" + re.escape(key) + r"""["']?\s*(?:[,}\]]|$)""")
    return next((n for n, text in enumerate(lines[after:], after + 1) if pattern.search(text)), 1)


def _reason(block: object) -> str:
    error = getattr(block, "error", None)
    text = str(error).strip() if error else "it could not be parsed"
    return text.splitlines()[0] if text else "it could not be parsed"


def closest_key(key: str, known: Iterable[str]) -> str | None:
    """The known key most like ``key`` (for "did you mean"), or None when none is close."""
    lowered = {k.lower(): k for k in known}
    match = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def bibliography_findings(bib: Bibliography, cited: Iterable[str], nocite: Iterable[str]) -> list[Finding]:
    """Warnings about the .bib itself: entries no document cites, web entries with no address."""
    cited_set = set(cited)
    nocite_set = set(nocite)
    everything = "*" in nocite_set
    findings: list[Finding] = []
    for entry in bib.entries:
        where = Location(bib.display, entry.line, key=entry.key)
        if entry.key not in cited_set and entry.key not in nocite_set and not everything:
            findings.append(
                Finding(
                    "warning", "unused-entry", f"entry {entry.key!r} is never cited; cite it, list it under 'nocite', or remove it", where
                )
            )
        if entry.entry_type in WEB_TYPES and not ({"url", "doi"} & set(entry.fields)):
            findings.append(
                Finding(
                    "warning",
                    "web-entry-without-address",
                    f"{entry.entry_type} entry {entry.key!r} has no url or doi; a reader cannot find it",
                    where,
                )
            )
    return findings
