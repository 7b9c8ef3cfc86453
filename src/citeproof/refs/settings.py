"""``[tool.citeproof.refs]``: where the lock lives, who NCBI should contact, which registries to ask.

    [tool.citeproof.refs]
    lock = "references.lock.json"
    ncbi-tool = "citeproof"
    ncbi-email = "editor@clinic.example"
    retraction-watch = "data/retraction_watch.csv"   # optional; read when present

``email``, ``tool`` and ``retractions`` are accepted for ``ncbi-email``, ``ncbi-tool`` and
``retraction-watch``.

The registry addresses are settings so that tests can point them at loopback fakes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeproof.project.problems import Problems, read_settings

WHERE = "tool.citeproof.refs"


@dataclass(frozen=True)
class RefsSettings:
    """Typed ``[tool.citeproof.refs]``; once read by :func:`refs_settings`, paths are absolute."""

    lock: Path = Path("references.lock.json")
    retraction_watch: Path | None = None
    ncbi_tool: str = "citeproof"
    ncbi_email: str = ""
    crossref_api: str = "https://api.crossref.org"
    doi_resolver: str = "https://doi.org"
    crosscite: str = "https://data.crosscite.org"  # negotiation in URL form: only when the resolver will not negotiate
    eutils: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    idconv: str = "https://www.ncbi.nlm.nih.gov/pmc/utils/idconv/v1.0/"
    timeout: float = 10.0
    deadline: float = 120.0
    allow_private: bool = False  # tests point the registries at 127.0.0.1

    @property
    def mailto(self) -> str:
        """Crossref's "polite pool" asks for a contact address; NCBI's e-mail doubles as it."""
        return self.ncbi_email


# The names [tool.citeproof.refs] has in the project config (project/config.py) mean the same settings.
ALIASES = {"email": "ncbi-email", "tool": "ncbi-tool", "retractions": "retraction-watch"}
_ADDRESSES = ("crossref_api", "doi_resolver", "crosscite", "eutils", "idconv")


def refs_settings(raw: Mapping[str, Any] | None, root: Path, *, problems: Problems | None = None) -> RefsSettings:
    """Read ``[tool.citeproof.refs]`` (types by the shared reader, then what only these settings need).

    With ``problems`` (the config loader's collector) problems are added there; without, one ConfigError is raised here.
    """
    collector = problems if problems is not None else Problems()
    read = read_settings(RefsSettings, raw or {}, WHERE, collector, aliases=ALIASES)
    defaults = RefsSettings()
    changes: dict[str, Any] = {}
    written = {str(key).replace("_", "-"): value for key, value in (raw or {}).items()}  # to quote what the user wrote
    for name in ("timeout", "deadline"):
        if getattr(read, name) <= 0:
            collector.add(f"{WHERE}.{name}", f"expected a number of seconds above 0, got {written.get(name, getattr(read, name))!r}")
            changes[name] = getattr(defaults, name)
    if read.ncbi_email and "@" not in read.ncbi_email:
        collector.add(f"{WHERE}.ncbi-email", f"expected an e-mail address NCBI can write to, got {read.ncbi_email!r}")
    for name in _ADDRESSES:
        address: str = getattr(read, name)
        if not address.startswith(("http://", "https://")):
            collector.add(f"{WHERE}.{name.replace('_', '-')}", f"expected an http(s) address, got {address!r}")
        elif name != "idconv":  # the converter's address ends in a slash it needs
            changes[name] = address.rstrip("/")
    changes["lock"] = (root / read.lock).resolve()
    changes["retraction_watch"] = (root / read.retraction_watch).resolve() if read.retraction_watch else None
    if problems is None:
        collector.raise_if_any()
    return dataclasses.replace(read, **changes)
