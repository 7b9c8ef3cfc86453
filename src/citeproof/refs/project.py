"""Where the rest of citeproof meets the lock: settings from the project, and identifier-cited entries.

``load_project`` calls :func:`attach_records` so that ``[@doi:...]`` keys are known to the
build's gate, to ``check`` and to pandoc (as CSL items), all offline, from the lock alone.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from citeproof.errors import CitationError
from citeproof.project.bibliography import Bibliography
from citeproof.refs.identifiers import IdentifierError, is_identifier_key, parse_identifier
from citeproof.refs.lock import Lock, load_lock
from citeproof.refs.resolve import csl_item, resolve
from citeproof.refs.settings import RefsSettings, refs_settings


def project_settings(config: Any) -> RefsSettings:
    """``[tool.citeproof.refs]`` of the project (from the Config once it carries the table, else from pyproject.toml)."""
    raw = getattr(config, "refs", None)
    if isinstance(raw, RefsSettings):  # validated once, when the project config was loaded
        return raw
    if raw is None:
        raw = _pyproject_table(Path(config.root) / "pyproject.toml")
    elif not isinstance(raw, Mapping):
        # The project config's own typed table (email, tool, retractions): the same settings by its names.
        raw = {name: getattr(raw, name) for name in ("email", "tool", "retractions") if getattr(raw, name, "")}
    return refs_settings(raw, Path(config.root))


def _pyproject_table(path: Path) -> Mapping[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    table = data.get("tool", {}).get("citeproof", {}).get("refs", {})
    return table if isinstance(table, Mapping) else {}


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


def lock_for(config: Any) -> tuple[Lock, str]:
    """The project's lock and how to show its path."""
    settings = project_settings(config)
    return load_lock(settings.lock, display=config.relative(settings.lock)), config.relative(settings.lock)
