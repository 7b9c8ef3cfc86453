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

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from citeproof.project.problems import Problems

WHERE = "tool.citeproof.refs"


@dataclass(frozen=True)
class RefsSettings:
    """Typed ``[tool.citeproof.refs]``; paths are absolute."""

    lock: Path
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


_STRINGS = {"ncbi-tool", "ncbi-email", "crossref-api", "doi-resolver", "crosscite", "eutils", "idconv"}
_NUMBERS = {"timeout", "deadline"}
_PATHS = {"lock", "retraction-watch"}
# The names [tool.citeproof.refs] has in the project config (project/config.py) mean the same settings.
_ALIASES = {"email": "ncbi-email", "tool": "ncbi-tool", "retractions": "retraction-watch"}


def refs_settings(raw: Mapping[str, Any] | None, root: Path, *, problems: Problems | None = None) -> RefsSettings:
    """Validate ``[tool.citeproof.refs]``; every bad key is named, with "did you mean".

    With ``problems`` (the config loader's collector) problems are added there; without, one ConfigError is raised here.
    """
    collector = problems if problems is not None else Problems()
    raw = raw or {}
    known = {f.name.replace("_", "-") for f in fields(RefsSettings)}
    values: dict[str, Any] = {"lock": root / "references.lock.json"}
    for key, value in raw.items():
        name = _ALIASES.get(str(key).replace("_", "-"), str(key).replace("_", "-"))
        attr = name.replace("-", "_")
        if name not in known:
            guess = difflib.get_close_matches(name, sorted(known | set(_ALIASES)), n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else f"known keys: {', '.join(sorted(known))}"
            collector.add(f"{WHERE}.{name}", f"unknown key; {hint}")
        elif name in _PATHS:
            if not isinstance(value, str) or not value.strip():
                collector.add(f"{WHERE}.{name}", f"expected a file path, got {value!r}")
            else:
                values[attr] = (root / value).resolve()
        elif name in _NUMBERS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                collector.add(f"{WHERE}.{name}", f"expected a number of seconds above 0, got {value!r}")
            else:
                values[attr] = float(value)
        elif name == "allow-private":
            if not isinstance(value, bool):
                collector.add(f"{WHERE}.{name}", f"expected true or false, got {value!r}")
            else:
                values[attr] = value
        elif name in _STRINGS:
            if not isinstance(value, str):
                collector.add(f"{WHERE}.{name}", f"expected a string, got {value!r}")
            elif name == "ncbi-email" and value and "@" not in value:
                collector.add(f"{WHERE}.{name}", f"expected an e-mail address NCBI can write to, got {value!r}")
            elif name not in {"ncbi-tool", "ncbi-email"} and not value.startswith(("http://", "https://")):
                collector.add(f"{WHERE}.{name}", f"expected an http(s) address, got {value!r}")
            else:
                values[attr] = value.rstrip("/") if name not in {"ncbi-tool", "ncbi-email", "idconv"} else value
    if problems is None:
        collector.raise_if_any()
    return RefsSettings(**values)
