"""From an identifier to a registry record in the lock, following the PMC ID converter's links."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from citeproof.refs.identifiers import Identifier, normalise_doi
from citeproof.refs.lock import Lock, LockRecord
from citeproof.refs.records import Work, read_record


def linked(kind: str, value: str) -> Identifier:
    return Identifier("doi", normalise_doi(value)) if kind == "doi" else Identifier(kind, value)  # type: ignore[arg-type]


def resolve(lock: Lock, identifier: Identifier) -> tuple[Work, LockRecord] | None:
    """The work ``identifier`` names, read from the lock; None when the lock has no usable record."""
    record = lock.get(identifier)
    if record is None and identifier.kind == "url" and not identifier.value.endswith("/"):
        # pandoc ends a citation key at its last letter or digit: [@url:https://x.org/page/] cites ".../page".
        record = lock.get(Identifier("url", identifier.value + "/"))
    if record is None:
        return None
    work = read_record(record.source, record.response)
    if record.source != "idconv":
        return work, record
    # The ID converter only names the other identifiers: the bibliographic record is theirs.
    for kind in ("doi", "pmid"):
        if kind in work.links:
            target = resolve(lock, linked(kind, work.links[kind]))
            if target is not None:
                inner, inner_record = target
                item = dict(inner.item)
                item.setdefault("PMCID", identifier.value)
                return replace(inner, item=item), inner_record
    return None


def first_resolved(lock: Lock, identifiers: Iterable[Identifier]) -> tuple[Identifier, Work, LockRecord] | None:
    """The first of ``identifiers`` (most authoritative first) that the lock can answer."""
    for identifier in identifiers:
        found = resolve(lock, identifier)
        if found is not None:
            return identifier, *found
    return None


def csl_item(key: str, work: Work) -> dict[str, object]:
    """The CSL item pandoc reads for a ``[@doi:...]`` citation: the record, under the cited key."""
    return {"id": key, **{k: v for k, v in work.item.items() if k != "id"}}
