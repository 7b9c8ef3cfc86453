"""Configuration problems in one style, and typed settings tables read from plain fields.

Every table of ``[tool.citeproof]`` reports through :class:`Problems`, so every message has
one shape and all of them are shown at once::

    'tool.citeproof.links.timout': unknown key; did you mean 'timeout'?

This module imports nothing of citeproof but the errors, so the settings classes that live
beside their code (claims, links, products, clinic) can use it without import cycles.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath
from typing import Any, Literal, TypeVar, Union

from citeproof.errors import ConfigError

T = TypeVar("T")
STRING_LIST: dict[str, Any] = {"type": "array", "items": {"type": "string"}}


class Problems:
    """Configuration problems, collected so that all are reported at once, in one style:
    ``'<key>': <what is wrong>; <what to do>``."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.messages.append(f"'{key}': {message}")

    def unknown_keys(self, table: Mapping[str, Any], known: Iterable[str], prefix: str, *, underscores: bool = False) -> None:
        """One problem per key of ``table`` not in ``known``, with the closest known key as a guess.

        ``underscores``: ``read_timeout`` is read as ``read-timeout`` (the tables that always allowed it).
        """
        names = sorted(known)
        for key in table:
            name = str(key).replace("_", "-") if underscores else str(key)
            if name not in names:
                guess = difflib.get_close_matches(name, names, n=1)
                hint = f"did you mean '{guess[0]}'?" if guess else f"known keys: {', '.join(names)}"
                self.add(f"{prefix}.{key}", f"unknown key; {hint}")

    def raise_if_any(self, location: str | None = None) -> None:
        if self.messages:
            raise ConfigError(list(self.messages), location=location)


# Plain field types a settings table may have: the JSON Schema of each and what to say when a value is not one.
SIMPLE_TYPES: dict[object, tuple[dict[str, Any], str]] = {
    bool: ({"type": "boolean"}, "expected true or false"),
    int: ({"type": "integer"}, "expected a whole number"),
    float: ({"type": "number"}, "expected a number"),
    str: ({"type": "string"}, "expected a string"),
    tuple[str, ...]: (STRING_LIST, "expected a list of strings"),
    # A path as written (relative to the project); the table's reader resolves it.
    PurePath: ({"type": "string", "minLength": 1}, "expected a file path"),
}


def plain_type(kind: object) -> object:
    """``X | None`` is read as ``X`` (None is the default, "not set"); ``Path`` as PurePath."""
    if typing.get_origin(kind) in (Union, types.UnionType):
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    return PurePath if isinstance(kind, type) and issubclass(kind, PurePath) else kind


def _fits(kind: object, value: Any) -> bool:
    if typing.get_origin(kind) is Literal:
        return value in typing.get_args(kind)
    if kind is bool:
        return isinstance(value, bool)
    if kind in (int, float):
        return isinstance(value, (int, float) if kind is float else int) and not isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    if kind is PurePath:
        return isinstance(value, str) and bool(value.strip())
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def read_settings(cls: type[T], raw: Any, prefix: str, problems: Problems, *, aliases: Mapping[str, str] | None = None) -> T:
    """A frozen dataclass whose fields are plain types (see SIMPLE_TYPES, or a Literal) from a table.

    Keys are the field names with hyphens (underscores are accepted too); ``aliases`` maps
    other accepted keys to those names. A bad value is reported and its default kept, so
    every problem of the table is found in one pass. Paths come back as written (a ``Path``).
    """
    if not isinstance(raw, Mapping):
        problems.add(prefix, f"expected a table, got {raw!r}")
        return cls()
    hints = typing.get_type_hints(cls)
    names = {f.name.replace("_", "-"): f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    names |= {alias: names[target] for alias, target in (aliases or {}).items()}
    problems.unknown_keys(raw, names, prefix, underscores=True)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = names.get(str(key).replace("_", "-"))
        if name is None:
            continue
        kind = plain_type(hints[name])
        if not _fits(kind, value):
            literal = typing.get_origin(kind) is Literal
            expected = "expected one of " + ", ".join(map(repr, typing.get_args(kind))) if literal else SIMPLE_TYPES[kind][1]
            problems.add(f"{prefix}.{key}", f"{expected}, got {value!r}")
        else:
            values[name] = _converted(kind, value)
    return cls(**values)


def _converted(kind: object, value: Any) -> Any:
    if kind is PurePath:
        return Path(value)
    return tuple(value) if isinstance(value, list) else float(value) if kind is float else value
