"""Registry answers read as CSL items: Crossref ``works``, DOI content negotiation (CSL JSON),
E-utilities ``esummary``, the PMC ID converter and a web page's own metadata.

Every reader keeps only what the record says; a field the record lacks stays absent. Notices
(retractions, corrections, expressions of concern) come out beside the item, as ``Notice``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

NoticeKind = Literal["retraction", "correction", "expression-of-concern"]

# Crossref update types (and PubMed's comment types) grouped by what a reader must be told.
_CROSSREF_KINDS: dict[str, NoticeKind] = {
    "retraction": "retraction",
    "partial_retraction": "retraction",
    "withdrawal": "retraction",
    "removal": "retraction",
    "correction": "correction",
    "corrigendum": "correction",
    "erratum": "correction",
    "addendum": "correction",
    "clarification": "correction",
    "expression_of_concern": "expression-of-concern",
}
_PUBMED_KINDS: dict[str, NoticeKind] = {
    "Retraction in": "retraction",
    "Partial retraction in": "retraction",
    "Erratum in": "correction",
    "Corrected and republished in": "correction",
    "Expression of concern in": "expression-of-concern",
}
_CROSSREF_TYPES = {
    "journal-article": "article-journal",
    "book-chapter": "chapter",
    "book": "book",
    "edited-book": "book",
    "monograph": "book",
    "proceedings-article": "paper-conference",
    "report": "report",
    "dataset": "dataset",
    "posted-content": "article",
    "dissertation": "thesis",
    "reference-entry": "entry",
}
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


@dataclass(frozen=True)
class Notice:
    """A retraction, correction or expression of concern attached to a work."""

    kind: NoticeKind
    label: str  # the registry's own word: "Retraction", "Erratum in", ...
    doi: str = ""
    date: str = ""  # ISO, as precise as the record
    source: str = ""  # who asserts it: "publisher", "retraction-watch", "pubmed", ...
    pmid: str = ""


@dataclass(frozen=True)
class Work:
    """A record read as a CSL item, with the notices about it."""

    item: Mapping[str, Any]
    notices: tuple[Notice, ...] = ()
    is_notice: bool = False  # the record is itself a retraction/correction notice
    links: Mapping[str, str] = field(default_factory=dict)  # other identifiers the record names: doi, pmid, pmcid


def read_record(source: str, response: Any) -> Work:
    """Dispatch on the registry that answered (the lock record's ``source``)."""
    from citeproof.refs.webmeta import webpage_work

    readers = {"crossref": crossref_work, "csl": csl_work, "esummary": esummary_work, "idconv": idconv_work, "webpage": webpage_work}
    return readers[source](response)


def _date_parts(value: Any) -> list[int] | None:
    if isinstance(value, Mapping):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0] and parts[0][0] is not None:
            return [int(p) for p in parts[0] if p is not None]
    return None


def iso(parts: Sequence[int]) -> str:
    return "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]).strip() if value else ""
    return str(value).strip() if value is not None else ""


def _names(people: Any) -> list[dict[str, str]]:
    names = []
    for person in people if isinstance(people, list) else []:
        if not isinstance(person, Mapping):
            continue
        if person.get("family"):
            name = {"family": str(person["family"])}
            if person.get("given"):
                name["given"] = str(person["given"])
            names.append(name)
        elif person.get("name") or person.get("literal"):
            names.append({"literal": str(person.get("name") or person.get("literal"))})
    return names


def crossref_work(response: Any) -> Work:
    """A Crossref REST ``/works/{doi}`` answer (``{"status": "ok", "message": {...}}``)."""
    msg = response.get("message", response) if isinstance(response, Mapping) else {}
    item: dict[str, Any] = {"type": _CROSSREF_TYPES.get(str(msg.get("type", "")), "article")}
    title = _first(msg.get("title"))
    if title:
        subtitle = _first(msg.get("subtitle"))
        item["title"] = f"{title}: {subtitle}" if subtitle and subtitle.lower() not in title.lower() else title
    for csl, key in (("author", "author"), ("editor", "editor")):
        if names := _names(msg.get(key)):
            item[csl] = names
    for csl, key in (
        ("container-title", "container-title"),
        ("volume", "volume"),
        ("issue", "issue"),
        ("page", "page"),
        ("publisher", "publisher"),
        ("DOI", "DOI"),
        ("URL", "URL"),
    ):
        if value := _first(msg.get(key)):
            item[csl] = value
    if "page" not in item and (number := _first(msg.get("article-number"))):
        item["number"] = number
    for key in ("issued", "published-print", "published-online", "published"):
        if parts := _date_parts(msg.get(key)):
            item["issued"] = {"date-parts": [parts]}
            break
    notices = [_crossref_notice(u) for u in msg.get("updated-by", []) if isinstance(u, Mapping)]
    return Work(item, tuple(n for n in notices if n is not None), is_notice=bool(msg.get("update-to")))


def _crossref_notice(update: Mapping[str, Any]) -> Notice | None:
    kind = _CROSSREF_KINDS.get(str(update.get("type", "")).lower())
    if kind is None:
        return None
    parts = _date_parts(update.get("updated"))
    return Notice(
        kind,
        str(update.get("label") or update.get("type")),
        str(update.get("DOI", "")).lower(),
        iso(parts) if parts else "",
        str(update.get("source", "")),
    )


def csl_work(response: Any) -> Work:
    """CSL JSON from DOI content negotiation (Crossref, DataCite and mEDRA DOIs alike)."""
    raw = dict(response) if isinstance(response, Mapping) else {}
    item = {k: v for k, v in raw.items() if k in _CSL_KEEP}
    for key in ("title", "container-title"):
        if isinstance(item.get(key), list):
            item[key] = _first(item[key])
    for key in ("author", "editor"):
        if key in item:
            item[key] = _names(item[key])
    item.setdefault("type", "article")
    notices = [_crossref_notice(u) for u in raw.get("updated-by", []) if isinstance(u, Mapping)]
    return Work(item, tuple(n for n in notices if n is not None), is_notice=bool(raw.get("update-to")))


_CSL_KEEP = {
    "type",
    "title",
    "author",
    "editor",
    "container-title",
    "volume",
    "issue",
    "page",
    "number",
    "issued",
    "DOI",
    "URL",
    "PMID",
    "PMCID",
    "publisher",
    "genre",
    "medium",
    "accessed",
}


def esummary_work(response: Any) -> Work:
    """An E-utilities ``esummary.fcgi?db=pubmed&retmode=json`` answer for one PMID."""
    result = response.get("result", {}) if isinstance(response, Mapping) else {}
    uids = result.get("uids") or []
    doc = result.get(str(uids[0]), {}) if uids else {}
    item: dict[str, Any] = {"type": "article-journal", "PMID": str(doc.get("uid", ""))}
    if title := str(doc.get("title", "")).strip():
        item["title"] = title[:-1] if title.endswith(".") and not title.endswith("..") else title
    authors = [
        _pubmed_name(a["name"])
        for a in doc.get("authors", [])
        if isinstance(a, Mapping) and a.get("authtype", "Author") == "Author" and a.get("name")
    ]
    if authors:
        item["author"] = authors
    if journal := str(doc.get("fulljournalname") or doc.get("source") or "").strip():
        item["container-title"] = journal
        if not str(doc.get("fulljournalname") or "").strip():  # 'source' is the NLM abbreviation: say that it is
            item["container-title-short"] = journal
    for csl, key in (("volume", "volume"), ("issue", "issue"), ("page", "pages")):
        if value := str(doc.get(key, "")).strip():
            item[csl] = value
    if parts := pubmed_date(str(doc.get("pubdate", ""))) or pubmed_date(str(doc.get("epubdate", ""))):
        item["issued"] = {"date-parts": [parts]}
    links: dict[str, str] = {}
    for aid in doc.get("articleids", []):
        if isinstance(aid, Mapping) and aid.get("idtype") in ("doi", "pmc") and aid.get("value"):
            links["doi" if aid["idtype"] == "doi" else "pmcid"] = str(aid["value"])
    if "doi" in links:
        item["DOI"] = links["doi"].lower()
    if "pmcid" in links:
        item["PMCID"] = links["pmcid"]
    notices = []
    if "Retracted Publication" in (doc.get("pubtype") or []):
        notices.append(Notice("retraction", "Retracted Publication", source="pubmed"))
    for ref in doc.get("references", []) or []:
        kind = _PUBMED_KINDS.get(str(ref.get("reftype", ""))) if isinstance(ref, Mapping) else None
        if kind is not None:
            notices.append(Notice(kind, str(ref.get("reftype")), source="pubmed", pmid=str(ref.get("pmid", "")), date=""))
    return Work(item, tuple(notices), is_notice="Retraction of Publication" in (doc.get("pubtype") or []), links=links)


def _pubmed_name(name: str) -> dict[str, str]:
    """PubMed's "Harding RE" as CSL (family "Harding", given "R. E."); a collective name stays literal."""
    family, _, initials = str(name).rpartition(" ")
    if family and initials.isupper() and initials.isalpha() and len(initials) <= 4:
        return {"family": family, "given": " ".join(f"{c}." for c in initials)}
    return {"literal": str(name)}


def pubmed_date(text: str) -> list[int] | None:
    """PubMed's "2025 Oct", "2025 Apr 28", "2025 Sep-Oct" or "2025" as date parts."""
    match = re.match(r"^(\d{4})(?:\s+([A-Za-z]{3})[a-z]*(?:-[A-Za-z]+)?(?:\s+(\d{1,2}))?)?", text.strip())
    if not match:
        return None
    parts = [int(match.group(1))]
    if match.group(2) and match.group(2).lower() in _MONTHS:
        parts.append(_MONTHS[match.group(2).lower()])
        if match.group(3):
            parts.append(int(match.group(3)))
    return parts


def idconv_work(response: Any) -> Work:
    """The PMC ID converter's answer: no bibliographic data, only the other identifiers."""
    records = response.get("records", []) if isinstance(response, Mapping) else []
    first = records[0] if records and isinstance(records[0], Mapping) else {}
    links = {k: str(first[k]) for k in ("doi", "pmid", "pmcid") if first.get(k)}
    if "doi" in links:
        links["doi"] = links["doi"].lower()
    return Work({}, links=links)
