"""``citeproof check``: claims and bibliography facts for every document, as findings.

Each document is parsed once. Its claims are checked on the full text, then on what each
product really contains (a product filter may drop a citation that the full text has),
and the bibliography is read leniently so that its problems become findings too.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from citeproof.build.filtering import is_content_filter, load_filter
from citeproof.build.jobs import Job
from citeproof.build.products import Product, select_outputs
from citeproof.build.render import filtered_document
from citeproof.build.review import placeholder_findings, review_findings, review_status
from citeproof.claims import ClaimSettings, ClaimSummary, audit_ast, check_ast, explain_lines
from citeproof.errors import ExitCode
from citeproof.findings import Finding, Location, default_format, write_report
from citeproof.project.bibliography import Bibliography, bibliography_findings
from citeproof.project.citations import malformed_citations
from citeproof.project.config import Config
from citeproof.project.documents import ParsedDocument, unclosed_divs, unknown_keys
from citeproof.project.guards import title_findings
from citeproof.project.loader import load_project
from citeproof.readability.level import check_readability, is_english, meta_text


@dataclass
class CheckResult:
    """Everything one ``citeproof check`` found, and the counts for its summary line."""

    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)
    # Each document's audited units; their verdicts are written out only when a format asks
    # (JSON, --explain): building them for every text report cost a fifth of a parse.
    audits: list[tuple[str, Sequence[Any]]] = field(default_factory=list)

    @property
    def units(self) -> list[dict[str, Any]]:
        """Every unit's and sentence's claim verdict, for ``--format json``."""
        return [{"path": path, **unit.to_dict()} for path, units in self.audits for unit in units]

    @property
    def explained(self) -> list[str]:
        """The same verdicts, as ``--explain`` prints them."""
        return [line for path, units in self.audits for line in explain_lines(path, units)]

    def add_summary(self, summary: ClaimSummary) -> None:
        for key, value in summary.as_dict().items():
            self.summary[key] = self.summary.get(key, 0) + value


def _content_filters(config: Config) -> tuple[Path, ...]:
    """The filters that decide what a product contains (they declare ``CITEPROOF_CONTENT_FILTER = True``)."""
    return tuple(p for p in config.filters if is_content_filter(p))


# A content filter may also offer its rules as a pure function on pandoc's JSON (as Python
# data): ``product_ast(ast, ast_json, *, product, fmt, layout)`` returns the product's AST,
# or None when it changes nothing (the packaged products filter). Reading four products of a long
# article through panflute cost the check about 7x pandoc's parse; this costs a string search
# for a product that nothing changes.
JSON_DOOR = "product_ast"
JsonDoor = Callable[..., "dict[str, Any] | None"]


def _json_doors(paths: Sequence[Path]) -> list[JsonDoor] | None:
    """Each content filter's function on pandoc's JSON, in order; None when one has none (then panflute reads the products)."""
    doors: list[JsonDoor] = []
    for path in paths:
        door = getattr(load_filter(path), JSON_DOOR, None)
        if not callable(door):
            return None
        doors.append(door)
    return doors


def _product_ast(parsed: ParsedDocument, product: Product, doors: Sequence[JsonDoor]) -> dict[str, Any] | None:
    """The document as ``product`` says it, through the filters' JSON functions; None when they change no block."""
    ast, text = parsed.ast, parsed.ast_json
    for door in doors:
        changed = door(ast, text, product=product.name, fmt=product.format, layout=product.layout)
        if changed is not None:
            ast = changed
            text = json.dumps(ast, ensure_ascii=False, separators=(",", ":"))  # the next filter searches it too
    return None if ast["blocks"] == parsed.ast["blocks"] else ast


def run_check(config: Config, documents: Sequence[str] | None, *, strict: bool, release: bool = False) -> CheckResult:
    """Check every selected document; never raises for a finding."""
    settings = config.claims
    if strict:
        settings = replace(settings, strict=True)
    result = CheckResult()
    result.summary = {"documents": 0}
    project = load_project(config, documents, strict=False)
    bibs: dict[tuple[Path, ...], Bibliography] = {}  # per set of files: merged, with the lock's entries
    files: dict[Path, Bibliography] = {}  # each file on its own
    cited_by_bib: dict[Path, set[str]] = {}
    nocite_by_bib: dict[Path, set[str]] = {}
    # The content filters and their JSON functions depend on the configuration only: found once, not per document.
    content_filters = _content_filters(config)
    doors = _json_doors(content_filters) if content_filters else None
    for loaded in project.documents:
        parsed, bib = loaded.parsed, loaded.bib
        result.summary["documents"] += 1
        bibs[tuple(part.path for part in bib.files)] = bib
        audit = audit_ast(parsed.ast, parsed.source_text, parsed.display, settings)
        findings = audit.findings
        result.findings.extend(findings)
        result.add_summary(audit.summary)
        result.audits.append((parsed.display, audit.units))
        result.findings.extend(
            _product_findings(config, parsed=parsed, bib=bib, filters=content_filters, doors=doors, settings=settings, full=findings)
        )
        cited = set(parsed.cited)
        nocite = set(parsed.nocite)
        for part in bib.files:
            files[part.path] = part
            cited_by_bib.setdefault(part.path, set()).update(cited)
            nocite_by_bib.setdefault(part.path, set()).update(nocite)
        result.findings.extend(_missing_keys(parsed, bib))
        result.findings.extend(malformed_citations(parsed, bib.keys()))
        result.findings.extend(unclosed_divs(parsed))
        result.findings.extend(_reference_list(parsed))
        result.findings.extend(_same_work_twice(parsed, bib))
        result.findings.extend(_misspelt_classes(parsed, config.products))
        result.findings.extend(_reading_findings(config, parsed, result, strict=strict, release=release))
    checked = {loaded.parsed.config.name for loaded in project.documents}
    for key, part in files.items():
        result.findings.extend(project.bib_problems[key])
        facts = bibliography_findings(part, cited_by_bib[key], nocite_by_bib[key])
        # Only every document that shares a file can tell that an entry is unused: a check of some of
        # them would advise deleting entries the others cite.
        sharers = {d.name for d in config.documents if key in d.bibliographies}
        if not sharers <= checked:
            facts = [f for f in facts if f.rule != "unused-entry"]
        result.findings.extend(facts)
    result.findings.extend(_reference_findings(config, list(bibs.values())))
    return result


def _reference_findings(config: Config, bibs: Sequence[Bibliography]) -> list[Finding]:
    """Each entry against its locked registry record (``citeproof refs check --offline``), when a lock exists."""
    from citeproof.refs.project import lock_for
    from citeproof.refs.retractionwatch import load_retraction_watch
    from citeproof.refs.verify import check_references

    if not config.refs.lock.exists():
        return []
    lock, _ = lock_for(config)
    retractions = load_retraction_watch(config.refs.retraction_watch)
    found = [f for bib in bibs for f in check_references(bib, lock, retractions=retractions) if f.severity != "info"]
    # Two documents may share one bibliography file among others: its entries' findings once.
    return list({(f.rule, f.message, str(f.location)): f for f in found}.values())


def _reading_findings(config: Config, parsed: ParsedDocument, result: CheckResult, *, strict: bool, release: bool) -> list[Finding]:
    """Reading level and medical review of one document; a non-English one is told the claim rules are English-only."""
    meta = parsed.ast.get("meta", {})
    lang = meta_text(meta, "lang") or str(parsed.config.metadata.get("lang", "en-US"))
    found: list[Finding] = []
    if not is_english(lang):
        message = f"lang is {lang!r}: the claim rules are English-only and cannot judge this document's claims; check its sources by hand"
        found.append(Finding("warning", "claims-language", message, Location(parsed.display)))
    readability, counts = check_readability(parsed.ast, parsed.source_text, parsed.display, config.readability, lang=lang, strict=strict)
    for name, value in counts.items():
        result.summary[name] = result.summary.get(name, 0) + value
    status = review_status(meta_text(meta, "reviewed"), meta_text(meta, "reviewer"), interval_months=config.review.interval_months)
    found += title_findings(meta, parsed.source_text, parsed.display, defaults=parsed.config.metadata)
    found += placeholder_findings(meta, parsed.source_text, parsed.display, strict=strict or release)
    return found + review_findings(status, parsed.display, release=release, source=parsed.source_text) + readability


_REFS_DIV = re.compile(r'\[\s*"refs"\s*,')  # an element whose id is "refs" (pandoc's JSON: [id, classes, attributes])


def _reference_list(parsed: ParsedDocument) -> list[Finding]:
    """A document that cites but never says where its reference list goes gets it tacked on, without a heading."""
    if not (parsed.cited or parsed.nocite) or _REFS_DIV.search(parsed.ast_json):
        return []
    message = (
        "the document cites sources but has no place for its reference list; pandoc appends it, with no heading, "
        "after the last section; add a '## References' heading followed by two lines, '::: {#refs}' and ':::', where it should go"
    )
    return [Finding("warning", "no-reference-list", message, Location(parsed.display))]


def _same_work_twice(parsed: ParsedDocument, bib: Bibliography) -> list[Finding]:
    """Two cited keys for one work (``@smith2020`` and ``@doi:...`` of its DOI): the reference list prints it twice."""
    from citeproof.refs.identifiers import entry_identifiers, is_identifier_key, parse_identifier

    cited = set(parsed.cited) | set(parsed.nocite)
    keys_of: dict[str, set[str]] = {}
    for entry in bib.entries:
        if entry.key not in cited:
            continue
        found = {i for i in entry_identifiers(entry.fields) if i.kind != "url"}
        if is_identifier_key(entry.key):
            found.add(parse_identifier(entry.key))
        for identifier in found:
            keys_of.setdefault(str(identifier), set()).add(entry.key)
    return [
        Finding(
            "warning",
            "same-work-twice",
            f"{' and '.join(f'@{k}' for k in sorted(keys))} are the same work ({identifier}): the reference list prints it "
            "twice; cite it by one key",
            Location(parsed.display),
        )
        for identifier, keys in sorted(keys_of.items())
        if len(keys) > 1
    ]


# A class list in pandoc's JSON attributes: [id, [classes...], [[key, value]...]].
_CLASS_LIST = re.compile(r'\[\s*"(?:[^"\\]|\\.)*"\s*,\s*\[((?:\s*"[^"]*"\s*,?)*)\]\s*,\s*\[')
_CALLOUTS = ("note", "warning", "helpline", "tip")


def _misspelt_classes(parsed: ParsedDocument, products: Mapping[str, Product]) -> list[Finding]:
    """A class one letter away from one citeproof reads (.not-brochur, .warnng) does nothing, silently: say so.

    Only near misses are named: any other class is the writer's own (for the stylesheet) and stays quiet.
    """
    from citeproof.claims.units import GAP_CLASS, WAIVE_CLASS

    targets = ["print", "web", *products]
    known = {*_CALLOUTS, GAP_CLASS, WAIVE_CLASS, *(f"{side}-{t}" for side in ("only", "not") for t in targets)}
    used = {c for match in _CLASS_LIST.finditer(parsed.ast_json) for c in re.findall(r'"([^"]*)"', match.group(1))}
    found = []
    for name in sorted(used - known):
        guess = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
        if guess:
            message = f"the class .{name} does nothing; did you mean .{guess[0]}?"
            found.append(Finding("warning", "unknown-class", message, Location(parsed.display, *_class_line(parsed.source_text, name))))
    return found


def _class_line(source: str, name: str) -> tuple[int] | tuple[()]:
    at = source.find("." + name)
    return (source.count("\n", 0, at) + 1,) if at >= 0 else ()


def _missing_keys(parsed: ParsedDocument, bib: Bibliography) -> list[Finding]:
    found = []
    for unknown in unknown_keys(parsed, bib):
        written = _written_entry(bib, unknown.key)
        if written is not None:  # there, but the reader dropped it: adding another would make a duplicate
            message = f"cited key '@{unknown.key}' is at {written}, but that entry could not be read; fix the entry (see its error)"
        else:
            message = f"cited key '@{unknown.key}' is not in {bib.display}; {unknown.advice}"
        found.append(Finding("error", "unknown-key", message, unknown.location))
    return found


def _written_entry(bib: Bibliography, key: str) -> str | None:
    """``file:line`` where an entry for ``key`` is written in a .bib, though it did not parse."""
    opening = re.compile(r"^\s*@\w+\s*[{(]\s*" + re.escape(key) + r"\s*,", re.IGNORECASE)
    for part in bib.files:
        line = next((number for number, text in enumerate(part.lines, 1) if opening.match(text)), None)
        if line is not None:
            return f"{part.display}:{line}"
    return None


# A class the products filter reads (only-web, not-brochure): in a class list, so after '[' or ',', never a word's ':'.
_PRODUCT_CLASS = re.compile(r'[\[,]\s*"((?:only|not)-[a-z0-9-]+)"')


def _product_findings(
    config: Config,
    *,
    parsed: ParsedDocument,
    bib: Bibliography,
    filters: tuple[Path, ...],
    doors: list[JsonDoor] | None,
    settings: ClaimSettings,
    full: list[Finding],
) -> list[Finding]:
    """Claims that lose their citation in a product (e.g. a citation marked .only-web); ``filters`` are the content filters."""
    if not filters:
        marked = _PRODUCT_CLASS.search(parsed.ast_json)
        if marked is None:
            return []
        message = (
            f"the document marks text for some products (.{marked.group(1)}), but no filter that decides what a product "
            'contains is configured, so every product shows it; add "products" to [tool.citeproof] filters'
        )
        return [Finding("warning", "no-product-filter", message, Location(parsed.display))]
    seen = {(f.location.line, f.rule) for f in full}
    extra: dict[tuple[int | None, str], Finding] = {}
    outputs = select_outputs(parsed.config.name, config.products, wanted=None, formats=None, paper=None, allowed=parsed.config.products)
    # One check per product, not per paper size: paper does not change the words.
    for output in {o.product.name: o for o in outputs}.values():
        if doors is not None:
            maybe = _product_ast(parsed, output.product, doors)
            if maybe is None:
                continue  # the filters changed no block: the full text's findings stand for this product
            filtered = maybe
        else:  # a content filter with no JSON function: the product as the build makes it
            job = Job(parsed, bib, Path(), output)  # the style plays no part before citeproc
            filtered = filtered_document(job, config, config.clinic, filters=filters).to_json()
            if filtered["blocks"] == parsed.ast["blocks"]:
                continue
        findings, _ = check_ast(filtered, parsed.source_text, parsed.display, settings)
        for finding in findings:
            place = (finding.location.line, finding.rule)
            if place in seen:
                continue
            if place in extra:
                names = [*extra[place].extra["products"], output.product.name]
                extra[place] = Finding(
                    finding.severity, finding.rule, extra[place].message, finding.location, {**finding.extra, "products": names}
                )
            else:
                message = f"in the {output.product.name} product: {finding.message}"
                extra[place] = Finding(
                    finding.severity, finding.rule, message, finding.location, {**finding.extra, "products": [output.product.name]}
                )
    return list(extra.values())


def run(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:

    result = run_check(config, args.documents, strict=args.strict)
    fmt = args.report_format or default_format()
    if fmt == "json":  # every unit's verdict too, so the check can be audited
        payload = {"check": "claim check", "summary": result.summary, "findings": [f.to_dict() for f in result.findings]}
        json.dump({**payload, "units": result.units}, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        if getattr(args, "explain", False):
            out.write("\n".join(result.explained) + "\n")
        write_report(result.findings, fmt=fmt, out=out, summary=result.summary, title="claim check", quiet=args.quiet)
    failed = any(f.severity == "error" for f in result.findings)
    return ExitCode.FINDINGS if failed else ExitCode.OK
