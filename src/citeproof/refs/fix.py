"""``refs check --fix``: the registry's values written into each entry, shown as a diff.

The key, the entry type, comments, notes and every field the registry does not have are
kept; a field is never removed. Only what the record says is written.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from citeproof.errors import counted
from citeproof.project.bibliography import BibEntry, Bibliography
from citeproof.refs.bibtex import entry_fields, set_fields
from citeproof.refs.identifiers import entry_identifiers
from citeproof.refs.lock import Lock
from citeproof.refs.names import bib_people, unbraced
from citeproof.refs.records import Work
from citeproof.refs.resolve import first_resolved
from citeproof.refs.verify import plain, year_of

FIXABLE = ("author", "title", "date", "journaltitle", "volume", "number", "pages", "doi")


@dataclass(frozen=True)
class Fix:
    """The new text of one bibliography file, and the diff that gets there."""

    text: str
    diff: str
    changed: dict[str, dict[str, str]]  # entry key -> field -> new value


def fix_values(entry: BibEntry, work: Work) -> dict[str, str]:
    """The fields of ``entry`` the registry record corrects or completes."""
    _, registry = entry_fields(work.item)
    mine = entry.fields
    values: dict[str, str] = {}
    for name in FIXABLE:
        new = registry.get(name)
        if not new:
            continue
        old = mine.get(name) or (mine.get("journal", "") if name == "journaltitle" else "")
        if name == "date":
            if year_of(mine) != new[:4]:
                values[name] = new
        elif name == "author":
            ours = bib_people(old)
            if [plain(n) for n, _ in ours] != [plain(n) for n, _ in bib_people(new)]:
                values[name] = new
        elif not old or plain(unbraced(old)) != plain(unbraced(new)):
            values["journal" if name == "journaltitle" and mine.get("journal") else name] = new
    return values


def fix_bibliography(bib: Bibliography, lock: Lock, text: str) -> Fix:
    """Apply the lock's records to every entry of ``bib`` (read from ``text``); nothing is written here."""
    lines = text.splitlines()
    changed: dict[str, dict[str, str]] = {}
    for entry in sorted((e for e in bib.entries if not e.origin), key=lambda e: e.line, reverse=True):
        found = first_resolved(lock, list(entry_identifiers(entry.fields)))  # registry identifiers first, a page's last
        if found is None:
            continue
        values = fix_values(entry, found[1])
        if values:
            lines = set_fields(lines, entry.line, values)
            changed[entry.key] = values
    new = "\n".join(lines) + ("\n" if text.endswith("\n") else "")
    diff = "".join(difflib.unified_diff(text.splitlines(True), new.splitlines(True), f"a/{bib.display}", f"b/{bib.display}"))
    return Fix(new, diff, dict(sorted(changed.items())))


def summary(changed: Mapping[str, Mapping[str, str]]) -> str:
    fields = sum(len(v) for v in changed.values())
    return f"{counted(fields, 'field')} in {counted(len(changed), 'entry', 'entries')}"
