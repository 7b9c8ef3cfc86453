"""The bibliography: read a .bib strictly (duplicates and malformed entries are errors with
their line) and state facts about it (unused entries, web entries without a URL or DOI)."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from citeproof.errors import BibliographyError
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


@dataclass(frozen=True)
class Bibliography:
    """A parsed .bib file, shown to users as ``display``."""

    path: Path
    display: str
    entries: tuple[BibEntry, ...]

    def keys(self) -> set[str]:
        return {e.key for e in self.entries}

    def get(self, key: str) -> BibEntry | None:
        return next((e for e in self.entries if e.key == key), None)


def load_bibliography(path: Path, *, display: str | None = None) -> Bibliography:
    """Parse ``path`` strictly: any duplicate key or malformed entry raises one error listing all."""
    bib, problems = parse_bibliography(path, display=display)
    if problems:
        count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
        lines = "\n".join(f"  {p.location}: {p.message}" for p in problems)
        raise BibliographyError(f"{count} in the bibliography:\n{lines}", hint="fix the lines above; nothing was built")
    return bib


def parse_bibliography(path: Path, *, display: str | None = None) -> tuple[Bibliography, list[Finding]]:
    """Parse ``path``; duplicate keys and malformed entries come back as error findings."""
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import DuplicateBlockKeyBlock, ParsingFailedBlock

    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BibliographyError(
            f"bibliography {shown!r} does not exist", hint="create it, or fix 'bibliography' in [tool.citeproof]"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BibliographyError(f"cannot read bibliography {shown!r}: {exc}", hint="save it as UTF-8 text") from None
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
    return Bibliography(path=path, display=shown, entries=entries), problems


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
