"""Which blocks make claims, which cite, and where they are in the Markdown source.

A *unit* is a paragraph, a list item, a block-quote paragraph, a table cell or a
footnote. Headings and the reference list (Div ``#refs`` or ``.references``) are not
units. A unit *cites* when it holds a ``Cite`` with a real key (not only ``@*``), or
its footnote does. The text rules live in :mod:`citeproof.claimrules`.

Author marks, always reported so nothing hides:

* ``{.no-claim}`` on a Span, or on a Div around the unit: the claim is waived (info).
* ``{.needs-source reason="..."}`` on a Span or Div: a known gap (warning; error
  with ``strict``).

Pandoc's Markdown reader gives no source positions, so each unit is found in the
source by its text (see :class:`SourceLocator`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import panflute as pf

from .claimrules import QUOTATION, RULES, UNATTRIBUTED_QUOTATION, RuleHit, classify_text
from .errors import ConfigError
from .report import Finding, Location, Severity
from .sourcelines import SourceLocator

__all__ = ["ClaimSettings", "ClaimSummary", "RuleHit", "check_document", "classify_text"]

WAIVE_CLASS = "no-claim"
GAP_CLASS = "needs-source"
GAP_RULE = "needs-source"
WAIVE_RULE = "no-claim"
_REFS_CLASS = "references"
_REFS_ID = "refs"


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
        for key, value in raw.items():
            if key not in known:
                close = difflib.get_close_matches(str(key).replace("-", "_"), known, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
                problems.append(f"Unknown config key '{where}.{key}'{hint}")
            elif not isinstance(value, bool):  # "yes" or 1 would be a silent guess: say so instead
                problems.append(f"Config value '{where}.{key}': expected true or false, got {value!r}")
            else:
                values[key] = value
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


# --- units ----------------------------------------------------------------------


@dataclass
class _Unit:
    kind: str  # paragraph, list-item, block-quote, table-cell, definition, footnote
    text: list[str] = field(default_factory=list)  # what the rules read: no citations, no waived spans
    locate: list[str] = field(default_factory=list)  # what the source holds, for the line search
    waived_text: list[str] = field(default_factory=list)
    gap_reasons: list[str] = field(default_factory=list)
    gap: bool = False
    waived: bool = False
    cites: bool = False
    cite_at: list[int] = field(default_factory=list)  # indexes into ``text`` where a citation stood
    covered: bool = False  # sourced by a cited lead-in (lead_in_covers_items)
    notes: list[pf.Note] = field(default_factory=list)
    parent: _Unit | None = None


def _cites(cite: pf.Cite) -> bool:
    # "[@*]" is nocite-style "everything", which sources nothing in particular
    return any(c.id != "*" for c in cite.citations)


def _reason(elem: pf.Span | pf.Div) -> str:
    return str(elem.attributes.get("reason", "")).strip()


def _inline(elem: pf.Element, unit: _Unit, waived: bool) -> None:
    """Append the text of ``elem`` to ``unit``; notes are kept aside as units of their own."""
    kind = type(elem)
    if kind is pf.Str:
        text = elem.text
        unit.locate.append(text)
        (unit.waived_text if waived else unit.text).append(text)
    elif kind is pf.Space or kind is pf.SoftBreak or kind is pf.LineBreak:
        unit.locate.append(" ")
        (unit.waived_text if waived else unit.text).append(" ")
    elif kind is pf.Cite:
        unit.cites = unit.cites or _cites(elem)
        if _cites(elem):
            unit.cite_at.append(len(unit.text))
        # before citeproc the Cite holds its own "[@key]" source text: good for the
        # line search, but it is not part of the sentence the rules should read
        for child in elem.content.list:
            _inline(child, _Unit("cite", locate=unit.locate), True)
        unit.text.append(" ")
    elif kind is pf.Note:
        unit.notes.append(elem)
    elif kind is pf.Code or kind is pf.Math:
        unit.locate.append(elem.text)
        (unit.waived_text if waived else unit.text).append(elem.text)
    elif kind is pf.Quoted:
        # smart quotes arrive as Quoted elements; put the marks back for the quotation rule
        left, right = ("“", "”") if elem.quote_type == "DoubleQuote" else ("‘", "’")
        (unit.waived_text if waived else unit.text).append(left)
        for child in elem.content.list:
            _inline(child, unit, waived)
        (unit.waived_text if waived else unit.text).append(right)
    elif kind is pf.Span:
        classes = elem.classes
        if GAP_CLASS in classes:
            unit.gap = True
            unit.gap_reasons.append(_reason(elem))
        inner = waived or WAIVE_CLASS in classes
        for child in elem.content.list:
            _inline(child, unit, inner)
    elif kind is pf.Image or kind is pf.RawInline:
        return  # alt text and raw HTML are not prose the reader takes as a claim
    elif hasattr(elem, "content"):  # Emph, Strong, Link, Underline, SmallCaps, ...
        # .list: iterating the ListContainer itself costs a Python call per child
        for child in elem.content.list:
            _inline(child, unit, waived)


def _fill(unit: _Unit, blocks: Sequence[pf.Element]) -> None:
    """Gather the text of Para/Plain/LineBlock blocks (and, for notes, everything) into ``unit``."""
    for block in blocks:
        if isinstance(block, (pf.Para, pf.Plain)):
            if unit.text:
                unit.text.append(" ")
                unit.locate.append(" ")
            for inline in block.content.list:
                _inline(inline, unit, unit.waived)
        elif isinstance(block, pf.LineBlock):
            for line in block.content:
                for inline in line.content:
                    _inline(inline, unit, unit.waived)
                unit.text.append(" ")
                unit.locate.append(" ")
        elif unit.kind == "footnote" and hasattr(block, "content"):
            _fill(unit, [b for b in _descend(block) if isinstance(b, (pf.Para, pf.Plain, pf.LineBlock))])


def _descend(block: pf.Element) -> Iterator[pf.Element]:
    """Every block inside ``block``, depth first (footnotes are read as one unit)."""
    for child in getattr(block, "content", []):
        if isinstance(child, (pf.Block, pf.ListItem, pf.Definition, pf.DefinitionItem)):
            yield child
            yield from _descend(child)


@dataclass(frozen=True)
class _Context:
    kind: str = "paragraph"
    waived: bool = False
    gap: bool = False
    gap_reason: str = ""


def _make(kind: str, blocks: Sequence[pf.Element], ctx: _Context) -> _Unit:
    unit = _Unit(kind, waived=ctx.waived, gap=ctx.gap, gap_reasons=[ctx.gap_reason] if ctx.gap else [])
    _fill(unit, blocks)
    return unit


def _with_notes(unit: _Unit) -> Iterator[_Unit]:
    """The unit, then its footnotes; a footnote that cites sources its sentence too."""
    children: list[_Unit] = []
    for note in unit.notes:
        child = _Unit("footnote", waived=unit.waived, parent=unit)
        _fill(child, note.content)
        unit.cites = unit.cites or child.cites
        children.append(child)
    yield unit
    for child in children:
        yield from _with_notes(child)


def _lead_in_cites(block: pf.Element | None) -> bool:
    if not isinstance(block, (pf.Para, pf.Plain)):
        return False
    probe = _Unit("lead-in")
    _fill(probe, [block])
    return probe.cites and "".join(probe.text).rstrip().endswith(":")


def _units(blocks: Sequence[pf.Element], ctx: _Context, settings: ClaimSettings) -> Iterator[_Unit]:
    """Units in document order (the line search depends on it)."""
    previous: pf.Element | None = None
    for block in blocks:
        if isinstance(block, (pf.Para, pf.Plain, pf.LineBlock)):
            yield from _with_notes(_make(ctx.kind, [block], ctx))
        elif isinstance(block, pf.Div):
            if block.identifier == _REFS_ID or _REFS_CLASS in block.classes:
                previous = block
                continue
            inner = _Context(
                ctx.kind,
                ctx.waived or WAIVE_CLASS in block.classes,
                ctx.gap or GAP_CLASS in block.classes,
                _reason(block) if GAP_CLASS in block.classes else ctx.gap_reason,
            )
            yield from _units(block.content, inner, settings)
        elif isinstance(block, (pf.BulletList, pf.OrderedList)):
            covered = settings.lead_in_covers_items and _lead_in_cites(previous)
            for item in block.content:
                yield from _item(item.content, ctx, settings, covered)
        elif isinstance(block, pf.DefinitionList):
            for item in block.content:  # the term is a label, like a heading; its definitions speak
                for definition in item.definitions:
                    yield from _item(definition.content, _Context("definition", ctx.waived, ctx.gap, ctx.gap_reason), settings, False)
        elif isinstance(block, pf.BlockQuote):
            yield from _units(block.content, _Context("block-quote", ctx.waived, ctx.gap, ctx.gap_reason), settings)
        elif isinstance(block, pf.Table):
            yield from _table(block, ctx, settings)
        elif isinstance(block, pf.Figure):
            yield from _units(block.content, ctx, settings)
        # Header, CodeBlock, RawBlock, HorizontalRule: not units
        previous = block


def _item(blocks: Sequence[pf.Element], ctx: _Context, settings: ClaimSettings, covered: bool) -> Iterator[_Unit]:
    """A list item's own text is one unit; nested lists and quotes inside it are units of their own."""
    kind = "list-item" if ctx.kind != "definition" else "definition"
    own = [b for b in blocks if isinstance(b, (pf.Para, pf.Plain, pf.LineBlock))]
    if own:
        unit = _make(kind, own, ctx)
        unit.covered = covered
        yield from _with_notes(unit)
    rest = [b for b in blocks if not isinstance(b, (pf.Para, pf.Plain, pf.LineBlock))]
    yield from _units(rest, _Context("paragraph", ctx.waived, ctx.gap, ctx.gap_reason), settings)


def _table(table: pf.Table, ctx: _Context, settings: ClaimSettings) -> Iterator[_Unit]:
    rows: list[pf.TableRow] = list(table.head.content) if table.head else []
    for body in table.content:
        rows.extend(body.head)
        rows.extend(body.content)
    if table.foot:
        rows.extend(table.foot.content)
    cell_ctx = _Context("table-cell", ctx.waived, ctx.gap, ctx.gap_reason)
    for row in rows:
        for cell in row.content:
            own = [b for b in cell.content if isinstance(b, (pf.Para, pf.Plain, pf.LineBlock))]
            if own:
                yield from _with_notes(_make("table-cell", own, cell_ctx))
            rest = [b for b in cell.content if not isinstance(b, (pf.Para, pf.Plain, pf.LineBlock))]
            yield from _units(rest, cell_ctx, settings)


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
    """Find uncited claims in ``doc`` (read before citeproc) and place them on ``source_text`` lines."""
    locator = SourceLocator(source_text)
    findings: list[Finding] = []
    counts = dict.fromkeys(("units", "claims", "cited", "uncited", "waived", "open_gaps"), 0)
    where: dict[int, int] = {}  # id(unit) -> stream position, for its footnotes' searches
    for unit in _units(doc.content, _Context(), settings):
        counts["units"] += 1
        locate = "".join(unit.locate)
        if unit.parent is None:
            line, exact = locator.find(locate)
        else:  # a footnote's text may sit anywhere after its mark: search without moving on
            line, exact = locator.find(locate, start=where.get(id(unit.parent), locator.cursor))
        where[id(unit)] = locator.cursor
        outcome = _judge(unit, settings)
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
    summary = ClaimSummary(**counts)
    return findings, summary


@dataclass(frozen=True)
class _Outcome:
    bucket: str  # cited, uncited, waived, open_gaps
    severity: Severity | None = None
    rule: str = ""
    message: str = ""
    hits: list[RuleHit] = field(default_factory=list)


def _judge(unit: _Unit, settings: ClaimSettings) -> _Outcome | None:
    """Which bucket a unit falls in, and the finding it earns (None: not a claim)."""
    text = "".join(unit.text)
    hits = classify_text(text)
    if unit.kind == "block-quote":
        # a block quote is a quotation whatever its words; where it came from is outside it
        hits.append(RuleHit(QUOTATION, _opening(text), ""))
        hits.sort(key=lambda hit: RULES.index(hit.rule))
    waived_hits = classify_text("".join(unit.waived_text)) if unit.waived_text else []
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


def _cited_near(unit: _Unit, hit: RuleHit) -> bool:
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
