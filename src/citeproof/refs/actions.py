"""What ``citeproof refs add`` and ``refs update`` do, apart from the command line: testable with any registries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from citeproof.errors import BibliographyError, CiteproofError
from citeproof.files import write_atomic
from citeproof.project.bibliography import Bibliography
from citeproof.refs.bibtex import entry_fields, format_entry, readable_key
from citeproof.refs.clients import NotRegisteredError, Registries
from citeproof.refs.identifiers import Identifier, entry_identifiers, parse_identifier
from citeproof.refs.lock import Lock
from citeproof.refs.records import read_record
from citeproof.refs.resolve import linked, resolve

Log = Callable[[str], None]


@dataclass
class Outcome:
    """What a run did: the keys it added, each record it refreshed (and whether it changed), one problem per identifier."""

    added: list[str] = field(default_factory=list)
    refreshed: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unreachable: int = 0  # of the problems, those where no registry answered at all (no network?)
    unknown: set[str] = field(default_factory=set)  # identifiers every registry said it does not know (a typo?)

    @property
    def offline(self) -> bool:
        """Nothing could be asked: every problem was an unanswered request."""
        return bool(self.problems) and self.unreachable == len(self.problems) and not (self.added or self.refreshed)

    @property
    def changed(self) -> list[str]:
        return [name for name, changed in self.refreshed.items() if changed]

    @property
    def unchanged(self) -> list[str]:
        return [name for name, changed in self.refreshed.items() if not changed]


def fetch_into(lock: Lock, registries: Registries, identifier: Identifier) -> bool:
    """Fetch ``identifier`` (and the DOI or PMID a PMCID names) into ``lock``; True when a record changed."""
    record = registries.fetch(identifier)
    changed = lock.put(record)
    if record.source == "idconv":
        links = read_record(record.source, record.response).links
        for kind in ("doi", "pmid"):
            if kind in links:
                changed = lock.put(registries.fetch(linked(kind, links[kind]))) or changed
                break
    return changed


def add_references(bib_path: Path, bib: Bibliography, texts: Sequence[str], *, lock: Lock, registries: Registries, log: Log) -> Outcome:
    """Append a complete entry per identifier to the .bib; refuse one already present; lock every record.

    ``bib`` may be several files (the document's): an identifier or key in any of them counts as present.
    """
    shown = next((part.display for part in bib.files if part.path == bib_path), bib.display)
    if bib_path.suffix.lower() != ".bib":
        raise BibliographyError(f"'refs add' writes BibTeX, and {shown} is not a .bib file", hint="name a .bib with --bibliography")
    present = {i: e.key for e in bib.entries for i in entry_identifiers(e.fields)}
    where = {e.key: bib.part_of(e).display for e in bib.entries if not e.origin}
    keys = set(bib.keys())
    outcome, blocks = Outcome(), []
    for text in texts:
        try:
            identifier = parse_identifier(text)
        except ValueError as exc:
            outcome.problems.append(str(exc))
            continue
        if identifier in present:
            outcome.problems.append(
                f"{identifier} is already in {where.get(present[identifier], shown)} as @{present[identifier]}; cite that key"
            )
            continue
        try:
            fetch_into(lock, registries, identifier)
        except CiteproofError as exc:
            outcome.problems.append(f"{exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
            outcome.unreachable += getattr(exc, "unreachable", False)
            continue
        found = resolve(lock, identifier)
        if found is None:
            outcome.problems.append(f"{identifier}: the registry's answer names no record to cite")
            continue
        work = found[0]
        kind, fields = entry_fields(work.item, identifier)
        duplicate = next((present[i] for i in entry_identifiers(fields) if i in present), None)
        if duplicate:
            outcome.problems.append(f"{identifier} is the same work as @{duplicate} in {where.get(duplicate, shown)}; cite that key")
            continue
        key = readable_key(work.item, keys)
        keys.add(key)
        present.update(dict.fromkeys(entry_identifiers(fields), key))
        blocks.append(format_entry(kind, key, fields))
        outcome.added.append(key)
        log(f"added @{key} ({identifier})")
    if blocks:
        text = bib_path.read_text(encoding="utf-8") if bib_path.exists() else ""
        joiner = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        write_atomic(bib_path, text + joiner + "\n".join(blocks))  # a stop mid-write must not truncate the .bib
    return outcome


def update_records(identifiers: Iterable[Identifier], lock: Lock, registries: Registries, log: Log) -> Outcome:
    """Refresh each identifier's record; a failure keeps the last good record and is reported."""
    outcome = Outcome()
    for identifier in sorted(set(identifiers)):
        try:
            changed = fetch_into(lock, registries, identifier)
        except NotRegisteredError as exc:
            outcome.problems.append(exc.message)
            outcome.unknown.add(str(identifier))
            continue
        except CiteproofError as exc:
            outcome.problems.append(f"{exc.message}; kept the locked record" if lock.get(identifier) else exc.message)
            outcome.unreachable += getattr(exc, "unreachable", False)
            continue
        outcome.refreshed[str(identifier)] = changed
        if changed:
            log(f"updated {identifier}")
    return outcome
