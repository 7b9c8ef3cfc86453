"""References you can trust: cite by identifier, lock registry records, verify every entry.

The public face: identifiers (:func:`parse_identifier`), the lock (:func:`load_lock`), the
checks (:func:`check_references`) and the settings of ``[tool.citeproof.refs]``
(:func:`refs_settings`). Registry clients live in :mod:`citeproof.refs.clients` and are only
imported by ``citeproof refs add`` / ``update``: builds and checks never touch the network.
"""

from __future__ import annotations

from citeproof.refs.identifiers import Identifier, IdentifierError, is_identifier_key, parse_identifier
from citeproof.refs.lock import Lock, LockRecord, load_lock
from citeproof.refs.settings import RefsSettings, refs_settings
from citeproof.refs.verify import check_references

__all__ = [
    "Identifier",
    "IdentifierError",
    "Lock",
    "LockRecord",
    "RefsSettings",
    "check_references",
    "is_identifier_key",
    "load_lock",
    "parse_identifier",
    "refs_settings",
]
