"""Verification: each .bib entry against its registry record, its completeness for APA, and its standing.

Findings point at the line of the field concerned in the .bib file. Rules:

- ``ref-title-mismatch``, ``ref-author-mismatch``, ``ref-year-mismatch`` (errors): the printed
  reference would be wrong; a truncated title is a mismatch and the registry's full title is shown;
- ``ref-field-mismatch`` (warning): journal, volume, issue or pages differ;
- ``ref-missing-field`` (warning): the registry has a value the entry lacks (``--fix`` adds it);
- ``ref-incomplete`` (warning): what APA 7 needs for the entry's type is missing and no record has it;
- ``ref-organisation-author`` (warning): an organisation is recorded as author where the registry names people;
- ``ref-retracted`` (error), ``ref-corrected`` and ``ref-expression-of-concern`` (warnings);
- ``ref-not-locked`` (info): the entry has an identifier the lock has no record for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from citeproof.findings import Finding, Location, Severity
from citeproof.project.bibliography import BibEntry, Bibliography
from citeproof.refs.completeness import completeness_gaps
from citeproof.refs.identifiers import Identifier, IdentifierError, entry_identifiers, parse_identifier
from citeproof.refs.lock import Lock
from citeproof.refs.names import bib_people, unbraced
from citeproof.refs.records import Notice, Work
from citeproof.refs.resolve import first_resolved

_NOTICE_RULES: dict[str, tuple[Severity, str]] = {
    "retraction": ("error", "ref-retracted"),
    "correction": ("warning", "ref-corrected"),
    "expression-of-concern": ("warning", "ref-expression-of-concern"),
}


def plain(text: str) -> str:
    """BibTeX or registry text reduced for comparison: no braces, TeX, accents, case or punctuation."""
    text = re.sub(r"\\[a-zA-Z]+\s*", "", text.replace("~", " ").replace("--", "-"))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def field_line(lines: Sequence[str], entry: BibEntry, name: str) -> int:
    """The line of ``name = ...`` inside ``entry`` (the entry's own line when the field is absent)."""
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=", re.IGNORECASE)
    for number in range(entry.line, min(len(lines), entry.line + 200) + 1):
        text = lines[number - 1]
        if number > entry.line and text.lstrip().startswith("@"):
            break
        if pattern.match(text):
            return number
    return entry.line


def year_of(fields: Mapping[str, str]) -> str:
    match = re.match(r"\s*(\d{4})", fields.get("date") or fields.get("year") or "")
    return match.group(1) if match else ""


def _record_people(item: Mapping[str, Any]) -> list[tuple[str, bool]]:
    return [(str(p.get("family") or p.get("literal", "")), "family" not in p) for p in item.get("author", [])]


class EntryChecker:
    """Checks the entries of one bibliography against a lock (and the Retraction Watch data)."""

    def __init__(self, bib: Bibliography, lock: Lock, retractions: Mapping[str, tuple[Notice, ...]] | None = None) -> None:
        self.bib, self.lock, self.retractions = bib, lock, retractions or {}
        self.lines = bib.lines

    def where(self, entry: BibEntry, name: str | None = None) -> Location:
        if entry.origin:  # cited by identifier: the entry is the lock's record
            return Location(entry.origin, key=entry.key)
        line = field_line(self.lines, entry, name) if name and self.lines else entry.line
        return Location(self.bib.display, line, key=entry.key)

    def check(self, entry: BibEntry) -> list[Finding]:
        if entry.origin:  # built from its own record: only its standing can be wrong
            try:
                found = first_resolved(self.lock, [parse_identifier(entry.key)])
            except IdentifierError:
                return []
            return self.notices(entry, found[0], found[1].notices) if found else []
        ids = list(entry_identifiers(entry.fields))
        found = first_resolved(self.lock, ids)  # entry_identifiers gives registry identifiers first, a page's last
        findings: list[Finding] = []
        if found is None:
            findings += [
                Finding(
                    "info",
                    "ref-not-locked",
                    f"{entry.key}: {i} has no record in the lock; run 'citeproof refs update' to fetch it",
                    self.where(entry, i.kind),
                    {"identifier": str(i)},
                )
                for i in ids
                if i.kind != "url"
            ]
            work = None
        else:
            identifier, work, _ = found
            findings += self.compare(entry, identifier, work)
            findings += self.notices(entry, identifier, work.notices)
        doi = next((i.value for i in ids if i.kind == "doi"), "")
        if doi in self.retractions:
            findings += self.notices(entry, Identifier("doi", doi), self.retractions[doi])
        findings += self.completeness(entry, work)
        return _dedupe(findings)

    def compare(self, entry: BibEntry, identifier: Identifier, work: Work) -> list[Finding]:
        item, fields, out = work.item, entry.fields, []
        if item.get("type") == "article-journal" and entry.entry_type != "article":
            out.append(
                Finding(
                    "warning",
                    "ref-type-mismatch",
                    f"{entry.key}: a @{entry.entry_type} entry, but {identifier} is a journal article; make it @article",
                    self.where(entry),
                    {"entry": entry.entry_type, "registry": "article-journal"},
                )
            )
        reg_title = str(item.get("title", ""))
        ours = unbraced(fields.get("title", ""))
        if reg_title and ours and plain(ours) != plain(reg_title):
            truncated = plain(reg_title).startswith(plain(ours))
            what = "is truncated" if truncated else "differs from the registry's"
            out.append(
                Finding(
                    "error",
                    "ref-title-mismatch",
                    f"{entry.key}: title {what}: the entry has {ours!r}, {identifier} has {reg_title!r}",
                    self.where(entry, "title"),
                    {"entry": ours, "registry": reg_title, "identifier": str(identifier)},
                )
            )
        reg_people, our_people = _record_people(item), bib_people(fields.get("author", ""))
        if reg_people and our_people:
            if any(org for _, org in our_people) and not any(org for _, org in reg_people):
                out.append(
                    Finding(
                        "warning",
                        "ref-organisation-author",
                        f"{entry.key}: {our_people[0][0]!r} is recorded as author, but {identifier} names {_first_names(reg_people)}",
                        self.where(entry, "author"),
                        {"registry": [n for n, _ in reg_people]},
                    )
                )
            elif [plain(n) for n, _ in our_people] != [plain(n) for n, _ in reg_people]:
                out.append(
                    Finding(
                        "error",
                        "ref-author-mismatch",
                        f"{entry.key}: authors differ: the entry has {'; '.join(n for n, _ in our_people)}, "
                        f"{identifier} has {'; '.join(n for n, _ in reg_people)}",
                        self.where(entry, "author"),
                        {"entry": [n for n, _ in our_people], "registry": [n for n, _ in reg_people]},
                    )
                )
        elif reg_people and fields.get("organization"):
            out.append(
                Finding(
                    "warning",
                    "ref-organisation-author",
                    f"{entry.key}: {unbraced(fields['organization'])!r} would print as the author, but {identifier} names "
                    f"{_first_names(reg_people)}",
                    self.where(entry, "organization"),
                    {"registry": [n for n, _ in reg_people]},
                )
            )
        elif reg_people and not our_people:
            out.append(
                Finding(
                    "warning",
                    "ref-missing-field",
                    f"{entry.key}: no author, but {identifier} names {_first_names(reg_people)}; 'citeproof refs check --fix' adds them",
                    self.where(entry),
                    {"field": "author"},
                )
            )
        parts = (item.get("issued") or {}).get("date-parts") or [[]]
        reg_year, our_year = (str(parts[0][0]) if parts and parts[0] else ""), year_of(fields)
        if reg_year and our_year and reg_year != our_year:
            out.append(
                Finding(
                    "error",
                    "ref-year-mismatch",
                    f"{entry.key}: year {our_year} in the entry, {reg_year} at {identifier}",
                    self.where(entry, "date" if "date" in fields else "year"),
                    {"entry": our_year, "registry": reg_year},
                )
            )
        for label, csl, names in (
            ("journal", "container-title", ("journaltitle", "journal")),
            ("volume", "volume", ("volume",)),
            ("issue", "issue", ("number", "issue")),
            ("pages", "page", ("pages",)),
        ):
            if entry.entry_type not in ("article",) and label == "journal":
                continue
            reg = str(item.get(csl, "")).strip()
            name = next((n for n in names if fields.get(n)), names[0])
            mine = unbraced(fields.get(name, ""))
            if reg and mine and plain(reg) != plain(mine):
                out.append(
                    Finding(
                        "warning",
                        "ref-field-mismatch",
                        f"{entry.key}: {label} is {mine!r} in the entry, {reg!r} at {identifier}",
                        self.where(entry, name),
                        {"field": name, "entry": mine, "registry": reg},
                    )
                )
            elif reg and not mine and entry.entry_type == "article":
                out.append(
                    Finding(
                        "warning",
                        "ref-missing-field",
                        f"{entry.key}: no {label}; {identifier} has {reg!r} ('citeproof refs check --fix' adds it)",
                        self.where(entry),
                        {"field": name, "registry": reg},
                    )
                )
        return out

    def notices(self, entry: BibEntry, identifier: Identifier, notices: Sequence[Notice]) -> list[Finding]:
        out = []
        for notice in notices:
            severity, rule = _NOTICE_RULES[notice.kind]
            what = {
                "retraction": "is RETRACTED",
                "correction": "has a correction",
                "expression-of-concern": "has an expression of concern",
            }[notice.kind]
            named = f"doi:{notice.doi}" if notice.doi else (f"pmid:{notice.pmid}" if notice.pmid else "no notice identifier given")
            date = f" dated {notice.date}" if notice.date else ""
            advice = (
                "remove the citation or cite the retraction notice" if notice.kind == "retraction" else "check the claim against the notice"
            )
            source = f" (per {notice.source})" if notice.source else ""
            out.append(
                Finding(
                    severity,
                    rule,
                    f"{entry.key}: {identifier} {what}{source}: notice {named}{date}; {advice}",
                    self.where(entry, identifier.kind),
                    {"notice": notice.doi or notice.pmid, "date": notice.date, "label": notice.label},
                )
            )
        return out

    def completeness(self, entry: BibEntry, work: Work | None) -> list[Finding]:
        return [
            Finding(
                "warning",
                "ref-incomplete",
                f"{entry.key}: {what}; no public record was found to supply it",
                self.where(entry, name),
                {"field": name},
            )
            for name, what in completeness_gaps(entry, work.item if work else {})
        ]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for finding in findings:
        if (finding.rule, finding.message) not in seen:
            seen.add((finding.rule, finding.message))
            out.append(finding)
    return out


def check_references(
    bib: Bibliography, lock: Lock, *, retractions: Mapping[str, tuple[Notice, ...]] | None = None, keys: set[str] | None = None
) -> list[Finding]:
    """Every entry (or those ``keys``) of ``bib`` checked against ``lock``; findings only, never raises.

    Of several bibliography files, each entry is checked against the file it lives in (its lines, its name).
    """
    checkers: dict[Path, EntryChecker] = {}
    findings: list[Finding] = []
    for entry in bib.entries:
        if keys is None or entry.key in keys:
            part = bib.part_of(entry)
            checker = checkers.get(part.path) or checkers.setdefault(part.path, EntryChecker(part, lock, retractions))
            findings += checker.check(entry)
    return findings


def _first_names(people: list[tuple[str, bool]]) -> str:
    """The first three names of a registry's author list, "et al." after them (as a finding shows them)."""
    return ", ".join(name for name, _ in people[:3]) + (" et al." if len(people) > 3 else "")
