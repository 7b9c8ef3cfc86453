"""The lock file: every registry record a build relies on, committed, so builds never need the network.

``references.lock.json`` maps an identifier (``doi:10.1111/add.70073``) to the registry's own
answer, where and when it was fetched, and a SHA-256 of that answer. It is written with sorted
keys and a fixed layout, so an unchanged record never changes the file, and two builds from
the same lock are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citeproof.errors import BibliographyError, listing
from citeproof.files import write_atomic
from citeproof.refs.identifiers import Identifier, IdentifierError, parse_identifier

VERSION = 1
# Which registry answered: decides how the record is read (see records.py).
SOURCES = frozenset({"crossref", "csl", "esummary", "idconv", "webpage"})


def digest(response: Any) -> str:
    """SHA-256 of the record in its canonical JSON form (sorted keys, no spaces)."""
    canonical = json.dumps(response, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LockRecord:
    """One registry answer for one identifier."""

    identifier: Identifier
    source: str
    url: str
    fetched: str  # ISO 8601, UTC
    response: Any
    note: str = ""  # e.g. how a record was obtained when not fetched live

    @property
    def sha256(self) -> str:
        return digest(self.response)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"source": self.source, "url": self.url, "fetched": self.fetched, "sha256": self.sha256}
        if self.note:
            data["note"] = self.note
        data["response"] = self.response
        return data


@dataclass
class Lock:
    """All records, keyed by identifier; ``path`` is where it is read from and written to."""

    path: Path
    records: dict[Identifier, LockRecord] = field(default_factory=dict)

    def get(self, identifier: Identifier) -> LockRecord | None:
        return self.records.get(identifier)

    def put(self, record: LockRecord) -> bool:
        """Store ``record``; False when the same answer was already locked (nothing changes)."""
        old = self.records.get(record.identifier)
        if old is not None and old.sha256 == record.sha256 and old.source == record.source:
            return False
        self.records[record.identifier] = record
        return True

    def __iter__(self) -> Iterator[LockRecord]:
        return iter(sorted(self.records.values(), key=lambda r: r.identifier))

    def __len__(self) -> int:
        return len(self.records)

    def dumps(self) -> str:
        body = {"version": VERSION, "records": {str(r.identifier): r.to_json() for r in self}}
        return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def save(self) -> None:
        """Write atomically: a crash never leaves half a lock file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, self.dumps())


def load_lock(path: Path, *, display: str | None = None) -> Lock:
    """Read ``path``; a missing file is an empty lock, a damaged one an error naming the record."""
    shown = display or str(path)
    if not path.exists():
        return Lock(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BibliographyError(
            f"cannot read the lock file {shown!r}: {exc}", hint="restore it from git, or run 'citeproof refs update'"
        ) from None
    if not isinstance(data, Mapping) or data.get("version") != VERSION or not isinstance(data.get("records"), Mapping):
        raise BibliographyError(
            f"{shown!r} is not a version-{VERSION} citeproof lock file", hint="run 'citeproof refs update' to rewrite it"
        )
    lock = Lock(path)
    problems = []
    for key, raw in data["records"].items():
        try:
            identifier = parse_identifier(key)
        except IdentifierError as exc:
            problems.append(f"{key}: {exc}")
            continue
        if not isinstance(raw, Mapping) or raw.get("source") not in SOURCES or "response" not in raw:
            problems.append(f"{key}: a record needs 'source' (one of {', '.join(sorted(SOURCES))}) and 'response'")
            continue
        record = LockRecord(
            identifier, str(raw["source"]), str(raw.get("url", "")), str(raw.get("fetched", "")), raw["response"], str(raw.get("note", ""))
        )
        if raw.get("sha256") and raw["sha256"] != record.sha256:
            problems.append(f"{key}: the record does not match its sha256 (edited by hand?)")
            continue
        lock.records[identifier] = record
    if problems:
        raise BibliographyError(
            listing("damaged record", problems, suffix=f" in {shown}"),
            hint="restore the file from git, or run 'citeproof refs update' for those identifiers",
        )
    return lock
