"""``[tool.citeproof.claims]``: how the claim check reads citations, validated once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, cast

from citeproof.project.problems import Problems

from .sentences import SCOPES, Scope


@dataclass(frozen=True)
class ClaimSettings:
    """``[tool.citeproof.claims]``: how strictly claims are checked."""

    lead_in_covers_items: bool = False  # a cited "...:" lead-in also sources its list's items
    strict: bool = False  # open gaps (.needs-source) are errors, not warnings
    citation_scope: Scope = "preceding"  # a citation covers its sentence and the uncited ones before it

    @classmethod
    def from_mapping(
        cls, raw: Mapping[str, Any], *, where: str = "tool.citeproof.claims", problems: Problems | None = None
    ) -> ClaimSettings:
        """Build settings from a config table; every bad key or value is listed at once.

        With ``problems`` (the config loader's collector) problems are added there and the
        defaults stand in for bad values; without, a ConfigError lists them all.
        """
        collector = problems if problems is not None else Problems()
        if not isinstance(raw, Mapping):
            collector.add(where, f"expected a table, got {type(raw).__name__}")
            raw = {}
        known = [f.name.replace("_", "-") for f in fields(cls)]  # keys are written with hyphens, as elsewhere
        collector.unknown_keys(raw, known, where, underscores=True)
        values: dict[str, Any] = {}
        for key, value in raw.items():
            name = str(key).replace("_", "-")
            if name not in known:
                continue
            if name == "citation-scope":
                if value in SCOPES:
                    values["citation_scope"] = cast(Scope, value)
                else:
                    choices = " or ".join(f"'{s}'" for s in SCOPES)
                    collector.add(f"{where}.{key}", f"expected {choices}, got {value!r}")
            elif not isinstance(value, bool):  # "yes" or 1 would be a silent guess: say so instead
                collector.add(f"{where}.{key}", f"expected true or false, got {value!r}")
            else:
                values[name.replace("-", "_")] = value
        if problems is None:
            collector.raise_if_any()
        return cls(**values)
