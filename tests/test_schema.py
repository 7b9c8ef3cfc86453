"""The published JSON Schema of [tool.citeproof] is the one the config model generates, and it is right.

Regenerate the committed file with ``python -m citeproof.project.schema > schema/citeproof.schema.json``.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

import pytest

from citeproof.project.schema import build_schema, schema_text
from tests.conftest import REPO

jsonschema = pytest.importorskip("jsonschema", reason="install the test group: uv pip install --group test (or nox -s tests)")
COMMITTED = REPO / "schema" / "citeproof.schema.json"


def _errors(table: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(build_schema())
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(table)]


def test_schema_committed_file_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "regenerate: python -m citeproof.project.schema > schema/citeproof.schema.json"
    )


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(COMMITTED.read_text(encoding="utf-8")))


def test_schema_accepts_this_repository_config() -> None:
    table = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["citeproof"]
    assert _errors(table) == []


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"documents": ["a.md"], "links": {"timout": 5}}, "'timout' was unexpected"),
        ({"documents": ["a.md"], "claims": {"strict": "yes"}}, "'yes' is not of type 'boolean'"),
        ({"documents": ["a.md"], "products": {"x": {"format": "pdf", "paper": "legal"}}}, "legal"),
        ({"documents": ["a.md"], "clinic": {"accent": "blue"}}, "does not match"),
        ({"documents": ["a.md"], "biblography": "x.bib"}, "'biblography' was unexpected"),
        ({"documents": ["a.md"], "links": {"deadline": "soon"}}, "soon"),
    ],
)
def test_schema_rejects_what_the_loader_rejects(table: dict[str, Any], words: str) -> None:
    assert any(words in e for e in _errors(table)), _errors(table)


def test_schema_lists_every_key_the_loader_knows() -> None:
    from citeproof.links.settings import LINK_KEYS

    properties = build_schema()["properties"]
    assert set(properties["links"]["properties"]) == set(LINK_KEYS)
    assert {"claims", "links", "products", "clinic", "review", "refs"} <= set(properties)


def test_schema_accepts_what_the_loader_accepts() -> None:
    table = {
        "documents": [{"source": "manuscript/a.md", "name": "a", "products": ["handout"]}],
        "links": {"deadline": "2m", "read-timeout": 4.5, "cache": False, "hosts": {"example.org": {"concurrency": 2, "rate": 1.0}}},
        "products": {"handout": {"format": "pdf", "layout": "handout", "paper": ["us-letter", "a4"]}},
        "claims": {"strict": True},
        "review": {"interval-months": 6},
    }
    assert _errors(table) == []
