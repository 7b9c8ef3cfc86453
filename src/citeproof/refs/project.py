"""Where the rest of citeproof meets the lock: the project's lock, and identifier-cited entries.

``load_project`` calls :func:`attach_records` so that ``[@doi:...]`` keys are known to the
build's gate, to ``check`` and to pandoc (as CSL items), all offline, from the lock alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from citeproof.errors import CitationError
from citeproof.project.bibliography import Bibliography
from citeproof.refs.identifiers import IdentifierError, is_identifier_key, parse_identifier
from citeproof.refs.lock import Lock, load_lock
from citeproof.refs.resolve import csl_item, resolve

if TYPE_CHECKING:
    from citeproof.project.config import Config


def identifier_keys(keys: Iterable[str]) -> set[str]:
    return {k for k in keys if is_identifier_key(k)}


def attach_records(bib: Bibliography, cited: Iterable[str], lock: Lock, display: str) -> Bibliography:
    """``bib`` plus a CSL item for each cited identifier key the lock has a record for (keys it lacks stay unknown)."""
    items = []
    for key in sorted(identifier_keys(cited) - bib.keys()):
        try:
            found = resolve(lock, parse_identifier(key))
        except IdentifierError as exc:
            raise CitationError(f"citation key '@{key}': {exc}", hint="fix the key in the Markdown") from None
        if found is not None:
            items.append(csl_item(key, found[0]))
    return bib.with_records(items, display) if items else bib


def lock_for(config: Config) -> tuple[Lock, str]:
    """The project's lock (where ``[tool.citeproof.refs]``, validated with the config, puts it) and how to show its path."""
    display = config.relative(config.refs.lock)
    return load_lock(config.refs.lock, display=display), display
