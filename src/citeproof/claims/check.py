"""Which units make claims, which cite, and where they are in the Markdown source.

A *unit* is a paragraph, a list item, a block-quote paragraph, a table cell or a
footnote (read from pandoc's JSON by :mod:`citeproof.claims.units`). A unit *cites*
when it holds a ``Cite`` with a real key (not only ``@*``), or its footnote does.
The text rules live in :mod:`citeproof.claims.rules`.

Author marks, always reported so nothing hides:

* ``{.no-claim}`` on a Span, or on a Div around the unit: the claim is waived (info).
* ``{.needs-source reason="..."}`` on a Span or Div: a known gap (warning; error
  with ``strict``).

Pandoc's Markdown reader gives no source positions, so each unit is found in the
source by its text (see :class:`SourceLocator`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import panflute as pf

from citeproof.errors import ConfigError
from citeproof.findings import Finding, Location, Severity
from citeproof.project.sourcelines import SourceLocator

from .rules import QUOTATION, RULES, UNATTRIBUTED_QUOTATION, RuleHit, classify_text, classify_texts
from .units import GAP_CLASS, WAIVE_CLASS, Unit, gc_paused, units

__all__ = ["GAP_CLASS", "WAIVE_CLASS", "ClaimSettings", "ClaimSummary", "RuleHit", "check_ast", "check_document", "classify_text"]

GAP_RULE = "needs-source"
WAIVE_RULE = "no-claim"


@dataclass(frozen=True)
class ClaimSettings:
    """``[tool.citeproof.claims]``: how strictly claims are checked."""

    lead_in_covers_items: bool = False  # a cited "...:" lead-in also sources its list's items
    strict: bool = False  # open gaps (.needs-source) are errors, not warnings

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], *, where: str = "tool.citeproof.claims") -> ClaimSettings:
        """Build settings from a config table; every bad key or value is listed at once."""
        if not isinstance(raw, Mapping):
            raise ConfigError([f"Config value '{where}': expected a table, got {type(raw).__name__}"])
        known = [f.name for f in fields(cls)]
        problems: list[str] = []
        values: dict[str, bool] = {}
        shown = [k.replace("_", "-") for k in known]  # keys are written with hyphens, as elsewhere in the config
        for key, value in raw.items():
            name = str(key).replace("-", "_")
            if name not in known:
                close = difflib.get_close_matches(str(key).replace("_", "-"), shown, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(shown)}"
                problems.append(f"Unknown config key '{where}.{key}'{hint}")
            elif not isinstance(value, bool):  # "yes" or 1 would be a silent guess: say so instead
                problems.append(f"Config value '{where}.{key}': expected true or false, got {value!r}")
            else:
                values[name] = value
        if problems:
            raise ConfigError(problems)
        return cls(**values)


@dataclass(frozen=True)
class ClaimSummary:
    """Counts for the report line; ``claims == cited + uncited + waived + open_gaps``."""

    units: int = 0
    claims: int = 0
    cited: int = 0
    uncited: int = 0
    waived: int = 0
    open_gaps: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "units": self.units,
            "claims": self.claims,
            "cited": self.cited,
            "uncited": self.uncited,
            "waived": self.waived,
            "open_gaps": self.open_gaps,
        }


# --- the check ------------------------------------------------------------------

_ALSO = 3  # other rules named in one message


def _describe(hits: list[RuleHit]) -> str:
    first, rest = hits[0], list[str]()
    seen = {first.rule}
    for hit in hits[1:]:
        if hit.rule not in seen and len(rest) < _ALSO:
            seen.add(hit.rule)
            rest.append(f'[{hit.rule}] "{hit.words}"')
    also = f"; also {', '.join(rest)}" if rest else ""
    return f'[{first.rule}] "{first.words}"{also}'


def _opening(text: str) -> str:
    words = text.split()
    return " ".join(words[:8]) + (" ..." if len(words) > 8 else "")


def check_document(doc: pf.Doc, source_text: str, path: str, settings: ClaimSettings) -> tuple[list[Finding], ClaimSummary]:
    """Find uncited claims in a panflute ``doc`` (read before citeproc); see :func:`check_ast`."""
    return check_ast(doc.to_json(), source_text, path, settings)


def check_ast(ast: Mapping[str, Any], source_text: str, path: str, settings: ClaimSettings) -> tuple[list[Finding], ClaimSummary]:
    """Find uncited claims in pandoc's JSON ``ast`` (read before citeproc) and place them on ``source_text`` lines."""
    with gc_paused():
        return _check(ast, source_text, path, settings)


def _check(ast: Mapping[str, Any], source_text: str, path: str, settings: ClaimSettings) -> tuple[list[Finding], ClaimSummary]:
    locator = SourceLocator(source_text)
    where: dict[int, int] = {}  # id(unit) -> stream position, for its footnotes' searches
    placed: list[tuple[Unit, int | None, bool]] = []
    for unit in units(ast["blocks"], lead_in_covers_items=settings.lead_in_covers_items):
        locate = "".join(unit.locate)
        if unit.parent is None:
            line, exact = locator.find(locate)
        else:  # a footnote's text may sit anywhere after its mark: search without moving on
            line, exact = locator.find(locate, start=where.get(id(unit.parent), locator.cursor))
        if unit.notes:
            where[id(unit)] = locator.cursor
        placed.append((unit, line, exact))
    # every unit's text (and waived text) classified in one pass: the cue patterns run once
    texts = ["".join(unit.text) for unit, _, _ in placed]
    waived = [(index, "".join(unit.waived_text)) for index, (unit, _, _) in enumerate(placed) if unit.waived_text]
    # a cited unit needs only whether it is a claim and its unattributed quotations (see _judge)
    enough = [unit.cites and not unit.gap and not unit.waived and unit.kind != "block-quote" for unit, _, _ in placed]
    classified = classify_texts(texts + [text for _, text in waived], enough + [False] * len(waived))
    waived_hits = dict(zip((index for index, _ in waived), classified[len(texts) :], strict=True))
    findings: list[Finding] = []
    counts = dict.fromkeys(("units", "claims", "cited", "uncited", "waived", "open_gaps"), 0)
    counts["units"] = len(placed)
    for index, (unit, line, exact) in enumerate(placed):
        outcome = _judge(unit, settings, texts[index], classified[index], waived_hits.get(index, []))
        if outcome is None:
            continue
        counts["claims"] += 1
        counts[outcome.bucket] += 1
        if outcome.severity is not None:
            extra: dict[str, Any] = {
                "unit": unit.kind,
                "hits": [{"rule": h.rule, "words": h.words} for h in outcome.hits],
            }
            if unit.gap_reasons and outcome.rule == GAP_RULE:
                extra["reason"] = "; ".join(r for r in unit.gap_reasons if r)
            if not exact:
                extra["line_approximate"] = True
            findings.append(Finding(outcome.severity, outcome.rule, outcome.message, Location(path, line), extra))
    return findings, ClaimSummary(**counts)


@dataclass(frozen=True)
class _Outcome:
    bucket: str  # cited, uncited, waived, open_gaps
    severity: Severity | None = None
    rule: str = ""
    message: str = ""
    hits: list[RuleHit] = field(default_factory=list)


def _judge(unit: Unit, settings: ClaimSettings, text: str, hits: list[RuleHit], waived_hits: list[RuleHit]) -> _Outcome | None:
    """Which bucket a unit falls in, and the finding it earns (None: not a claim).

    ``text`` is the unit's text, ``hits`` and ``waived_hits`` what the rules found in
    it and in its waived spans.
    """
    if unit.kind == "block-quote":
        # a block quote is a quotation whatever its words; where it came from is outside it
        hits.append(RuleHit(QUOTATION, _opening(text), ""))
        hits.sort(key=lambda hit: RULES.index(hit.rule))
    if unit.waived and hits:  # the whole unit sits in a .no-claim Div
        waived_hits, hits = hits, []
    if not hits and not waived_hits and not unit.gap:
        return None
    worst = _worst(hits or waived_hits)
    if unit.gap:
        reasons = "; ".join(r for r in unit.gap_reasons if r)
        shown = _describe(hits or waived_hits) if (hits or waived_hits) else f'"{_opening(text)}"'
        # A known gap is a warning until release (--strict), even an anonymous quotation:
        # the mark is the author's acknowledgement, and the message still says what it is.
        severity: Severity = "error" if settings.strict else "warning"
        message = f"open gap {shown}: needs a source" + (f" ({reasons})" if reasons else "")
        return _Outcome("open_gaps", severity, GAP_RULE, message, hits or waived_hits)
    anonymous = next((h for h in hits if h.rule == UNATTRIBUTED_QUOTATION), None)
    if anonymous is not None and unit.cites and not _cited_near(unit, anonymous):
        # A paragraph's citation elsewhere does not source a quotation nobody is named for.
        message = f"uncited claim {_describe([anonymous])} (the paragraph's citations are in other sentences)"
        return _Outcome("uncited", "error", UNATTRIBUTED_QUOTATION, message, [anonymous])
    if unit.cites or unit.covered:
        return _Outcome("cited")
    if hits:
        return _Outcome("uncited", "error", hits[0].rule, f"uncited claim {_describe(hits)}", hits)
    if worst == UNATTRIBUTED_QUOTATION:
        # an anonymous quotation is the one thing a waiver cannot make acceptable
        message = f"uncited claim {_describe(waived_hits)} (a .no-claim mark does not waive an unattributed quotation)"
        return _Outcome("waived", "error", UNATTRIBUTED_QUOTATION, message, waived_hits)
    return _Outcome("waived", "info", WAIVE_RULE, f"waived claim {_describe(waived_hits)}", waived_hits)


def _cited_near(unit: Unit, hit: RuleHit) -> bool:
    """Whether a citation stands in the sentence where ``hit`` was found."""
    text = "".join(unit.text)
    needle = hit.trigger or hit.words.strip(". ")
    found = text.find(needle)
    if found < 0:
        return True  # cannot place the quotation: trust the unit's citation
    start = max(text.rfind(". ", 0, found), text.rfind("? ", 0, found), text.rfind("! ", 0, found)) + 1
    ends = [i for i in (text.find(". ", found + len(needle)), text.find(".” ", found + len(needle))) if i >= 0]
    end = min(ends) + 3 if ends else len(text)
    offsets = []
    position = 0
    for index, piece in enumerate(unit.text):
        if index in unit.cite_at:
            offsets.append(position)
        position += len(piece)
    if len(unit.text) in unit.cite_at:
        offsets.append(position)
    return any(start <= offset <= end for offset in offsets)


def _worst(hits: list[RuleHit]) -> str:
    return hits[0].rule if hits else ""
