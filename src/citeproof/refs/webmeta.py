"""A web page's own metadata: ``citation_*`` (Highwire), Dublin Core, Open Graph and JSON-LD.

Only what the page states is kept; nothing is inferred from its text or address.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

_PREFIXES = ("citation_", "dc.", "dcterms.", "og:", "article:")
_NAMES = {"author", "description"}


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.jsonld: list[str] = []
        self._in_jsonld = False
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            name = (values.get("name") or values.get("property") or "").strip().lower()
            content = values.get("content", "").strip()
            if content and (name.startswith(_PREFIXES) or name in _NAMES):
                self.meta.setdefault(name.replace("dcterms.", "dc."), []).append(content)
        elif tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self._in_jsonld, self._buffer = True, []

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_jsonld:
            self._in_jsonld = False
            self.jsonld.append("".join(self._buffer))


def page_metadata(html: str) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """The page's meta tags (by lower-cased name) and its JSON-LD objects (an ``@graph`` flattened)."""
    parser = _MetaParser()
    parser.feed(html)
    objects: list[dict[str, Any]] = []
    for text in parser.jsonld:
        try:
            data = json.loads(text)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                graph = item.get("@graph")
                objects.extend(g for g in graph if isinstance(g, dict)) if isinstance(graph, list) else objects.append(item)
    return parser.meta, objects
