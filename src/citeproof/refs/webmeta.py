"""A web page's own metadata: ``citation_*`` (Highwire), Dublin Core, Open Graph and JSON-LD.

Only what the page states is kept; nothing is inferred from its text or address.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from citeproof.refs.records import Work

_PREFIXES = ("citation_", "dc.", "dcterms.", "og:", "article:")
_NAMES = {"author", "description"}
_WORK_TYPES = {"Article", "NewsArticle", "BlogPosting", "ScholarlyArticle", "VideoObject", "WebPage", "Report"}


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


def webpage_work(response: Any) -> Work:
    """A page's own metadata as stored by the web client: ``{"url", "meta": {name: [values]}, "jsonld": [...]}``."""
    data = response if isinstance(response, Mapping) else {}
    meta: Mapping[str, list[str]] = data.get("meta", {})
    jsonld = [d for d in data.get("jsonld", []) if isinstance(d, Mapping)]

    def pick(*names: str) -> str:
        for name in names:
            values = meta.get(name)
            if values:
                return str(values[0]).strip()
        return ""

    item: dict[str, Any] = {"type": "article-journal" if pick("citation_journal_title") else "webpage", "URL": str(data.get("url", ""))}
    # The object describing the work itself, not the site's Organization or BreadcrumbList.
    ld = next((d for d in jsonld if str(d.get("@type")) in _WORK_TYPES), jsonld[0] if jsonld else {})
    if title := pick("citation_title", "dc.title", "og:title") or str(ld.get("headline") or ld.get("name") or "").strip():
        item["title"] = title
    people = meta.get("citation_author") or meta.get("dc.creator") or meta.get("author") or []
    ld_authors = ld.get("author", [])
    ld_authors = ld_authors if isinstance(ld_authors, list) else [ld_authors]
    if not people:
        people = [str(a.get("name")) for a in ld_authors if isinstance(a, Mapping) and a.get("name")]
    if people:
        item["author"] = [_plain_name(p) for p in people]
    site = pick("citation_journal_title", "og:site_name", "dc.publisher")
    if not site and isinstance(ld.get("publisher"), Mapping):
        site = str(ld["publisher"].get("name", "")).strip()
    if site:
        item["container-title"] = site
    date = pick("citation_publication_date", "citation_date", "dc.date", "article:published_time") or str(ld.get("datePublished") or "")
    if parts := _iso_parts(date):
        item["issued"] = {"date-parts": [parts]}
    doi = pick("citation_doi", "dc.identifier")
    if doi.lower().startswith(("10.", "doi:", "https://doi.org/")):
        item["DOI"] = doi.lower().removeprefix("doi:").removeprefix("https://doi.org/")
    return Work(item)


def _plain_name(name: str) -> dict[str, str]:
    if "," in name:
        family, _, given = name.partition(",")
        return {"family": family.strip(), "given": given.strip()}
    return {"literal": name.strip()}


def _iso_parts(text: str) -> list[int] | None:
    match = re.match(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?", text.strip())
    return [int(g) for g in match.groups() if g] if match else None
