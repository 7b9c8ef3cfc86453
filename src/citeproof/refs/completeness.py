"""Completeness by entry type: what APA 7 needs printed, when neither the entry nor its registry record has it.

Each gap is (field, what is missing); ``verify`` turns them into ``ref-incomplete`` warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from citeproof.project.bibliography import WEB_TYPES, BibEntry  # video is taken by the VIDEO branch first
from citeproof.refs.names import bib_people

VIDEO = frozenset({"video", "movie", "audio"})


def completeness_gaps(entry: BibEntry, item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, what is missing) for ``entry``; ``item`` is its registry record as CSL (or empty)."""
    f, kind = entry.fields, entry.entry_type
    gaps: list[tuple[str, str]] = []
    if kind == "article":
        if not f.get("author") and not item.get("author"):
            gaps.append(("author", "a journal article without authors"))
        journal = str(f.get("journaltitle") or f.get("journal") or item.get("container-title") or "").strip()
        if not journal:
            gaps.append(("journaltitle", "a journal article without its journal"))
        elif journal == str(item.get("container-title-short") or "").strip():
            gaps.append(("journaltitle", f"a journal named only by its abbreviation ({journal}); APA prints the journal's full name"))
        if not (f.get("doi") or f.get("pages") or f.get("eid") or item.get("DOI") or item.get("page")):
            gaps.append(("doi", "a journal article without a DOI or pages"))
    elif kind in VIDEO:
        if not f.get("author") and not f.get("editor"):
            gaps.append(("author", "a video without its uploader (APA puts the channel or person first)"))
        if _year_only(f):
            gaps.append(("date", "a video dated by year only (APA gives the day it was posted)"))
    elif kind in WEB_TYPES and item.get("type") != "article-journal":
        org_author = any(org for _, org in bib_people(f.get("author", "")))
        if not (f.get("organization") or f.get("publisher") or f.get("journaltitle") or f.get("eprinttype") or org_author):
            gaps.append(("organization", "a web page without a site name"))
        date = f.get("date") or f.get("year") or ""
        if not date:
            gaps.append(("date", "a web page without a date"))
        elif _year_only(f):  # a news story or a post, by a person or an organisation alike
            gaps.append(("date", "a web page dated by year only (APA gives the day for a post or a story)"))
    return gaps


def _year_only(f: Mapping[str, str]) -> bool:
    return bool(re.fullmatch(r"\s*\d{4}\s*", f.get("date") or f.get("year") or ""))
