"""``citeproof check``: claims and bibliography facts for every document, as findings.

Each document is parsed once. Its claims are checked on the full text, then on what each
product really contains (a product filter may drop a citation that the full text has),
and the bibliography is read leniently so that its problems become findings too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from citeproof.bib import Bibliography, bibliography_findings, parse_bibliography
from citeproof.build import select_documents
from citeproof.claims import ClaimSettings, ClaimSummary, check_ast, check_document
from citeproof.clinic import Clinic, load_clinic
from citeproof.config import Config
from citeproof.document import ParsedDocument, parse_document, unknown_keys
from citeproof.filters import load_filter
from citeproof.products import Product, load_products, select_outputs
from citeproof.render import Job, filtered_document
from citeproof.report import Finding


@dataclass
class CheckResult:
    """Everything one ``citeproof check`` found, and the counts for its summary line."""

    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)

    def add_summary(self, summary: ClaimSummary) -> None:
        for key, value in summary.as_dict().items():
            self.summary[key] = self.summary.get(key, 0) + value


def _content_filters(config: Config) -> tuple[Path, ...]:
    """The filters that decide what a product contains (they set ``CHECKED = True``)."""
    return tuple(p for p in config.filters if getattr(load_filter(p), "CHECKED", False))


def run_check(config: Config, documents: Sequence[str] | None, *, strict: bool) -> CheckResult:
    """Check every selected document; never raises for a finding."""
    settings = ClaimSettings.from_mapping(config.claims)
    if strict:
        settings = ClaimSettings(lead_in_covers_items=settings.lead_in_covers_items, strict=True)
    products = load_products(config)
    clinic = load_clinic(config.clinic, config.root)
    result = CheckResult()
    result.summary = {"documents": 0}
    bibs: dict[str, tuple[Bibliography, list[Finding]]] = {}
    cited_by_bib: dict[str, set[str]] = {}
    nocite_by_bib: dict[str, set[str]] = {}
    for doc_config in select_documents(config, documents):
        parsed = parse_document(doc_config)
        result.summary["documents"] += 1
        key = str(doc_config.bibliography)
        if key not in bibs:
            bibs[key] = parse_bibliography(doc_config.bibliography, display=config.relative(doc_config.bibliography))
        bib, _ = bibs[key]
        findings, summary = check_ast(parsed.ast, parsed.source_text, parsed.display, settings)
        result.findings.extend(findings)
        result.add_summary(summary)
        result.findings.extend(
            _product_findings(config, parsed=parsed, bib=bib, products=products, clinic=clinic, settings=settings, full=findings)
        )
        cited = set(parsed.cited)
        nocite = set(parsed.nocite)
        cited_by_bib.setdefault(key, set()).update(cited)
        nocite_by_bib.setdefault(key, set()).update(nocite)
        result.findings.extend(_missing_keys(parsed, bib))
    for key, (bib, problems) in bibs.items():
        result.findings.extend(problems)
        result.findings.extend(bibliography_findings(bib, cited_by_bib[key], nocite_by_bib[key]))
    return result


def _missing_keys(parsed: ParsedDocument, bib: Bibliography) -> list[Finding]:
    return [
        Finding("error", "unknown-key", f"cited key '@{u.key}' is not in {bib.display}; {u.advice}", u.location)
        for u in unknown_keys(parsed, bib)
    ]


def _product_findings(
    config: Config,
    *,
    parsed: ParsedDocument,
    bib: Bibliography,
    products: Mapping[str, Product],
    clinic: Clinic,
    settings: ClaimSettings,
    full: list[Finding],
) -> list[Finding]:
    """Claims that lose their citation in a product (e.g. a citation marked .only-web)."""
    content_filters = _content_filters(config)
    if not content_filters:
        return []
    seen = {(f.location.line, f.rule) for f in full}
    extra: dict[tuple[int | None, str], Finding] = {}
    outputs = select_outputs(parsed.config.name, products, wanted=None, formats=None, paper=None, allowed=parsed.config.products)
    # One check per product, not per paper size: paper does not change the words.
    for output in {o.product.name: o for o in outputs}.values():
        job = Job(parsed, bib, Path(), output)  # the style plays no part before citeproc
        doc = filtered_document(job, config, clinic, filters=content_filters)
        findings, _ = check_document(doc, parsed.source_text, parsed.display, settings)
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
