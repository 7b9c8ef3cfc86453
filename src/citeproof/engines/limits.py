"""Time and size limits that keep every run bounded, whatever the input.

Defaults suit a clinic's articles (a 5 MB article fits with room to spare). Each can be
changed for one run with an environment variable, e.g. ``CITEPROOF_TYPST_SECONDS=600``,
and for a project in ``[tool.citeproof.limits]`` (keys as below, with dashes) when the
configuration passes that table to :func:`configure`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from citeproof.project.problems import Problems

from citeproof.errors import ConfigError


@dataclass(frozen=True)
class Limits:
    """How long and how big one step may get before it is stopped with a clear error."""

    typst_seconds: float = 120.0  # one typst compile or query, in its worker process
    filter_seconds: float = 60.0  # the whole filter chain for one output
    pandoc_seconds: float = 300.0  # one pandoc run
    document_megabytes: float = 20.0  # one Markdown document
    nesting_depth: int = 64  # lists and quotes inside each other (pandoc's JSON nests ~4 per level)
    yaml_nodes: int = 100_000  # front matter, counted with every alias expanded


_ENV_PREFIX = "CITEPROOF_"
_current: list[Limits] = []  # the one in force, once read (a list, so no ``global``)


def current() -> Limits:
    """The limits in force: defaults, then the project's table, then the environment."""
    if not _current:
        _current.append(_from_environment(Limits()))
    return _current[0]


def configure(table: Mapping[str, Any] | None, problems: Problems | None = None) -> Limits:
    """Apply a project's ``[tool.citeproof.limits]`` table (the environment still wins).

    With ``problems`` (the config loader's collector) bad keys are added there, in the config's
    one message style; without, one ConfigError is raised here.
    """
    from citeproof.project.problems import Problems

    collector = problems if problems is not None else Problems()
    names = {f.name.replace("_", "-"): f for f in dataclasses.fields(Limits)}
    raw = dict(table or {})
    collector.unknown_keys(raw, names, "tool.citeproof.limits")
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        field = names.get(key)
        if field is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            collector.add(f"tool.citeproof.limits.{key}", f"expected a positive number, got {value!r}")
        else:
            changes[field.name] = int(value) if field.type == "int" else float(value)
    if problems is None:
        collector.raise_if_any()
    _current[:] = [_from_environment(dataclasses.replace(Limits(), **changes))]
    return _current[0]


def _from_environment(limits: Limits) -> Limits:
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(Limits):
        name = _ENV_PREFIX + field.name.upper()
        raw = os.environ.get(name, "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError([f"environment variable {name}: expected a positive number, got {raw!r}"]) from None
        if value <= 0:
            raise ConfigError([f"environment variable {name}: expected a positive number, got {raw!r}"])
        changes[field.name] = int(value) if field.type == "int" else value
    return dataclasses.replace(limits, **changes)
