"""A JSON Schema of ``[tool.citeproof]``, generated from the same declarations the loader validates with.

Editors that read JSON Schema (e.g. Even Better TOML, via ``schema/citeproof.schema.json``)
complete and check the table as it is typed. The keys come from the config module's key
tables and the settings classes' fields, so a key added there appears here; the committed
file is regenerated with::

    python -m citeproof.project.schema > schema/citeproof.schema.json

and ``tests/test_schema.py`` fails while the committed file differs from this output.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import typing
from pathlib import Path
from typing import Any, Literal

from citeproof.build.clinic import CLINIC_KEYS
from citeproof.build.products import PRODUCT_KEYS
from citeproof.links.settings import LINK_KEYS, LinkSettings
from citeproof.project import config
from citeproof.project.problems import SIMPLE_TYPES, plain_type

SCHEMA_ID = "https://github.com/citeproof/citeproof/schema/citeproof.schema.json"
_SECONDS = {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*[smhdw]\s*$"}]}
# Link keys whose values are more than one plain type (see links.settings._parse); every
# float of LinkSettings is a number of seconds, added by _link_overrides.
_LINK_OVERRIDES: dict[str, dict[str, Any]] = {
    "cache": {"description": "the cache file, relative to the build folder, or false for none", "type": ["string", "boolean"]},
    "hosts": {
        "description": 'per-host politeness, e.g. { "example.org" = { concurrency = 2, rate = 1.0 } }',
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"concurrency": {"type": "integer", "minimum": 1}, "rate": {"type": "number", "exclusiveMinimum": 0}},
        },
    },
}


def _value_schema(kind: object) -> dict[str, Any]:
    if typing.get_origin(kind) is Literal:
        return {"enum": list(typing.get_args(kind))}
    kind = plain_type(kind)
    return dict(SIMPLE_TYPES[kind][0]) if kind in SIMPLE_TYPES else {}


def settings_schema(cls: type, overrides: dict[str, dict[str, Any]] | None = None, keys: list[str] | None = None) -> dict[str, Any]:
    """The table a settings dataclass is read from: one property per field, hyphenated, with its default."""
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        key = item.name.replace("_", "-")
        if keys is not None and key not in keys:
            continue
        schema = _value_schema(hints[item.name])
        default = item.default
        if default is not dataclasses.MISSING and default is not None:
            schema["default"] = list(default) if isinstance(default, tuple) else str(default) if isinstance(default, Path) else default
        properties[key] = schema
    for key, schema in (overrides or {}).items():
        # An override replaces the plain type, keeping only the default.
        properties[key] = {**{k: v for k, v in properties.get(key, {}).items() if k == "default"}, **schema}
    return {"type": "object", "additionalProperties": False, "properties": dict(sorted(properties.items()))}


def _link_overrides() -> dict[str, dict[str, Any]]:
    hints = typing.get_type_hints(LinkSettings)
    seconds = {f.name.replace("_", "-"): _SECONDS for f in dataclasses.fields(LinkSettings) if hints[f.name] is float}
    return {**seconds, **_LINK_OVERRIDES}


def _refs_schema() -> dict[str, Any]:
    from citeproof.refs.settings import ALIASES, RefsSettings  # the aliases are the names the README uses

    schema = settings_schema(RefsSettings)
    for alias, name in ALIASES.items():
        schema["properties"][alias] = schema["properties"][name]
    schema["properties"] = dict(sorted(schema["properties"].items()))
    return schema


def _claim_settings() -> type:
    from citeproof.claims.settings import ClaimSettings

    return ClaimSettings


def build_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the ``[tool.citeproof]`` table."""
    from citeproof.project.policy import ContentPolicy
    from citeproof.readability.settings import ReadabilitySettings

    tables: dict[str, dict[str, Any]] = {
        "products": {
            "type": "object",
            "additionalProperties": {"type": "object", "required": ["format"], "additionalProperties": False, "properties": PRODUCT_KEYS},
        },
        "clinic": {"type": "object", "additionalProperties": False, "properties": CLINIC_KEYS},
        "claims": settings_schema(_claim_settings()),
        "links": settings_schema(LinkSettings, _link_overrides(), keys=LINK_KEYS),
        "review": settings_schema(config.ReviewSettings),
        "readability": settings_schema(ReadabilitySettings),
        "refs": _refs_schema(),
    }
    policy = settings_schema(ContentPolicy)["properties"]
    properties = {}
    for key, schema in config.TOP_KEYS.items():
        properties[key] = {**schema, **tables.get(key, {}), **policy.get(key, {})}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "[tool.citeproof]",
        "description": "citeproof's configuration, in pyproject.toml",
        "type": "object",
        "required": ["documents"],
        "additionalProperties": False,
        "properties": properties,
        "$defs": {
            "document": {"type": "object", "required": ["source"], "additionalProperties": False, "properties": config.DOC_KEYS},
        },
    }


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())
