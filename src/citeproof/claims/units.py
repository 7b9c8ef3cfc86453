"""The units of a document, read from pandoc's JSON AST (plain dicts and lists).

A *unit* is a paragraph, a list item, a block-quote paragraph, a table cell, a
definition or a footnote. Headings and the reference list (Div ``#refs`` or
``.references``) are not units. The walk reads the dicts from ``json.loads`` rather
than panflute objects: building and walking those cost more than the rules themselves.

Block and inline shapes follow pandoc-types (API 1.23): ``{"t": "Para", "c": [...]}``,
an attribute is ``[id, [classes], [[key, value], ...]]``.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

WAIVE_CLASS = "no-claim"
GAP_CLASS = "needs-source"
_REFS_CLASS = "references"
_REFS_ID = "refs"

Node = dict[str, Any]  # one pandoc element: {"t": tag, "c": content}

_TEXT_BLOCKS = frozenset(("Para", "Plain", "LineBlock"))
_MARKS = {"DoubleQuote": ('"', '"'), "SingleQuote": ("'", "'")}
# Typographic quotes and apostrophes become straight ones once, here, so that no rule
# downstream needs to know both spellings (pandoc's smart reader writes "’" in Str).
_STRAIGHT = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
# Inlines whose content is a plain list of inlines (Link's is its second field)
_WRAPPERS = frozenset(("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"))


@dataclass
class Unit:
    """One unit's text, as the rules read it and as the source holds it."""

    kind: str  # paragraph, list-item, block-quote, table-cell, definition, footnote
    text: list[str] = field(default_factory=list)  # what the rules read: no citations, no waived spans
    locate: list[str] = field(default_factory=list)  # what the source holds, for the line search
    waived_text: list[str] = field(default_factory=list)
    gap_reasons: list[str] = field(default_factory=list)
    gap: bool = False  # a .needs-source mark in or around the unit
    gap_all: bool = False  # ... around it (a Div): every sentence is an open gap
    waived: bool = False
    cites: bool = False
    cite_at: list[int] = field(default_factory=list)  # indexes into ``text`` where a citation stood
    cite_keys: list[tuple[str, ...]] = field(default_factory=list)  # the keys of each citation in ``cite_at``
    gap_at: list[tuple[int, int, str]] = field(default_factory=list)  # .needs-source spans: (first, end) into ``text``, reason
    note_at: list[int] = field(default_factory=list)  # indexes into ``text`` where each footnote's mark stood
    covered: tuple[str, ...] = ()  # the keys of a cited lead-in that sources this item (lead_in_covers_items)
    notes: list[list[Node]] = field(default_factory=list)  # each footnote's blocks
    parent: Unit | None = None


@dataclass(frozen=True)
class _Context:
    kind: str = "paragraph"
    waived: bool = False
    gap: bool = False
    gap_reason: str = ""


def _classes(attr: Sequence[Any]) -> list[str]:
    classes: list[str] = attr[1]
    return classes


def _reason(attr: Sequence[Any]) -> str:
    reason = ""
    for key, value in attr[2]:  # the last one wins, as in pandoc's own attribute map
        if key == "reason":
            reason = value
    return str(reason).strip()


def _keys(citations: Sequence[Node]) -> tuple[str, ...]:
    # "[@*]" is nocite-style "everything", which sources nothing in particular
    return tuple(c["citationId"] for c in citations if c["citationId"] != "*")


def _inlines(items: Sequence[Node], unit: Unit, waived: bool) -> None:
    """Append the text of ``items`` to ``unit``; notes are kept aside as units of their own."""
    text = unit.waived_text if waived else unit.text
    locate = unit.locate
    # Str and Space are nearly every inline: a Str's content is its text, and Space,
    # SoftBreak and LineBreak have none (" "); every other inline's content is a list
    pieces = [item.get("c", " ") for item in items]
    try:
        joined = "".join(pieces).translate(_STRAIGHT)
    except TypeError:  # some other inline: join the runs of plain text between them
        run = 0
        for index, piece in enumerate(pieces):
            if piece.__class__ is not str:
                if run < index:
                    joined = "".join(pieces[run:index]).translate(_STRAIGHT)
                    locate.append(joined)
                    text.append(joined)
                _other(items[index], items[index]["t"], unit, waived)
                run = index + 1
        if run < len(pieces):
            joined = "".join(pieces[run:]).translate(_STRAIGHT)
            locate.append(joined)
            text.append(joined)
    else:
        locate.append(joined)
        text.append(joined)


def _other(item: Node, tag: str, unit: Unit, waived: bool) -> None:
    text = unit.waived_text if waived else unit.text
    content: Any = item.get("c")
    if tag in _WRAPPERS:
        _inlines(content, unit, waived)
    elif tag == "Link":
        _inlines(content[1], unit, waived)
    elif tag == "Cite":
        keys = _keys(content[0])
        if keys:
            unit.cites = True
            unit.cite_at.append(len(unit.text))
            unit.cite_keys.append(keys)
        # before citeproc the Cite holds its own "[@key]" source text: good for the
        # line search, but it is not part of the sentence the rules should read
        _inlines(content[1], Unit("cite", locate=unit.locate), True)
        unit.text.append(" ")
    elif tag == "Note":
        unit.notes.append(content)
        unit.note_at.append(len(unit.text))
    elif tag in {"Code", "Math"}:
        unit.locate.append(content[1])
        text.append(content[1])
    elif tag == "Quoted":
        # smart quotes arrive as Quoted elements; put the marks back for the quotation rule
        left, right = _MARKS[content[0]["t"]]
        text.append(left)
        _inlines(content[1], unit, waived)
        text.append(right)
    elif tag == "Span":
        attr = content[0]
        classes = _classes(attr)
        first = len(unit.text)
        waive = not waived and WAIVE_CLASS in classes
        _inlines(content[1], unit, waived or waive)
        if waive:  # keep two waived spans apart
            unit.waived_text.append(" ")
        if GAP_CLASS in classes:
            unit.gap = True
            unit.gap_reasons.append(_reason(attr))
            unit.gap_at.append((first, len(unit.text), _reason(attr)))
    # Image, RawInline: alt text and raw HTML are not prose the reader takes as a claim


def _fill(unit: Unit, blocks: Sequence[Node]) -> None:
    """Gather the text of Para/Plain/LineBlock blocks (and, for notes, everything) into ``unit``."""
    for block in blocks:
        tag = block["t"]
        if tag in {"Para", "Plain"}:
            if unit.text:
                unit.text.append(" ")
                unit.locate.append(" ")
            _inlines(block["c"], unit, unit.waived)
        elif tag == "LineBlock":
            for line in block["c"]:
                _inlines(line, unit, unit.waived)
                unit.text.append(" ")
                unit.locate.append(" ")
        elif unit.kind == "footnote":
            _fill(unit, list(_descend(block)))


def _children(block: Node) -> Iterator[Sequence[Node]]:
    """The block lists directly inside ``block`` (captions and terms are labels, not prose)."""
    tag: str = block["t"]
    content: Any = block.get("c")
    if tag == "BlockQuote":
        yield content
    elif tag in {"Div", "Figure"}:
        yield content[-1]
    elif tag == "BulletList":
        yield from content
    elif tag == "OrderedList":
        yield from content[1]
    elif tag == "DefinitionList":
        for _term, definitions in content:
            yield from definitions
    elif tag == "Table":
        for row in _rows(content):
            for cell in row[1]:
                yield cell[4]


def _descend(block: Node) -> Iterator[Node]:
    """Every text block inside ``block``, depth first (a footnote is read as one unit)."""
    for blocks in _children(block):
        for child in blocks:
            if child["t"] in _TEXT_BLOCKS:
                yield child
            else:
                yield from _descend(child)


def _rows(content: Sequence[Any]) -> list[Sequence[Any]]:
    """A table's rows in reading order: head, each body's head and rows, foot."""
    _attr, _caption, _specs, head, bodies, foot = content
    rows: list[Sequence[Any]] = list(head[1])
    for body in bodies:
        rows.extend(body[2])
        rows.extend(body[3])
    rows.extend(foot[1])
    return rows


def _make(kind: str, blocks: Sequence[Node], ctx: _Context) -> Unit:
    unit = Unit(kind, waived=ctx.waived, gap=ctx.gap, gap_all=ctx.gap, gap_reasons=[ctx.gap_reason] if ctx.gap else [])
    _fill(unit, blocks)
    return unit


def _with_notes(unit: Unit) -> Iterator[Unit]:
    """The unit, then its footnotes; a footnote that cites sources its sentence too."""
    children: list[Unit] = []
    for note, at in zip(unit.notes, unit.note_at, strict=True):
        child = Unit("footnote", waived=unit.waived, parent=unit)
        _fill(child, note)
        if child.cites:  # the note's citations stand where its mark stands
            unit.cites = True
            keys = tuple(dict.fromkeys(k for ks in child.cite_keys for k in ks))
            place = sum(1 for c in unit.cite_at if c <= at)
            unit.cite_at.insert(place, at)
            unit.cite_keys.insert(place, keys)
        children.append(child)
    yield unit
    for child in children:
        yield from _with_notes(child)


def _lead_in_keys(block: Node | None) -> tuple[str, ...]:
    """The keys a "...:" lead-in paragraph cites (none when it is no cited lead-in)."""
    if block is None or block["t"] not in ("Para", "Plain"):
        return ()
    probe = Unit("lead-in")
    _fill(probe, [block])
    if not (probe.cites and "".join(probe.text).rstrip().endswith(":")):
        return ()
    return tuple(dict.fromkeys(k for ks in probe.cite_keys for k in ks))


def units(blocks: Sequence[Node], *, lead_in_covers_items: bool = False) -> Iterator[Unit]:
    """Every unit of a document's ``blocks``, in document order (the line search depends on it)."""
    return _units(blocks, _Context(), lead_in_covers_items)


def _units(blocks: Sequence[Node], ctx: _Context, lead_ins: bool) -> Iterator[Unit]:
    previous: Node | None = None
    for block in blocks:
        tag = block["t"]
        content: Any = block.get("c")
        if tag in _TEXT_BLOCKS:
            yield from _with_notes(_make(ctx.kind, [block], ctx))
        elif tag == "Div":
            attr = content[0]
            classes = _classes(attr)
            if attr[0] == _REFS_ID or _REFS_CLASS in classes:
                previous = block
                continue
            gap = GAP_CLASS in classes
            inner = _Context(ctx.kind, ctx.waived or WAIVE_CLASS in classes, ctx.gap or gap, _reason(attr) if gap else ctx.gap_reason)
            yield from _units(content[1], inner, lead_ins)
        elif tag in {"BulletList", "OrderedList"}:
            covered = _lead_in_keys(previous) if lead_ins else ()
            for item in content if tag == "BulletList" else content[1]:
                yield from _item(item, ctx, lead_ins, covered)
        elif tag == "DefinitionList":
            inner = _Context("definition", ctx.waived, ctx.gap, ctx.gap_reason)
            for _term, definitions in content:  # the term is a label, like a heading; its definitions speak
                for definition in definitions:
                    yield from _item(definition, inner, lead_ins, ())
        elif tag == "BlockQuote":
            yield from _units(content, _Context("block-quote", ctx.waived, ctx.gap, ctx.gap_reason), lead_ins)
        elif tag == "Table":
            yield from _table(content, ctx, lead_ins)
        elif tag == "Figure":
            yield from _units(content[2], ctx, lead_ins)
        # Header, CodeBlock, RawBlock, HorizontalRule: not units
        previous = block


def _item(blocks: Sequence[Node], ctx: _Context, lead_ins: bool, covered: tuple[str, ...]) -> Iterator[Unit]:
    """A list item's own text is one unit; nested lists and quotes inside it are units of their own."""
    kind = "list-item" if ctx.kind != "definition" else "definition"
    own = [b for b in blocks if b["t"] in _TEXT_BLOCKS]
    if own:
        unit = _make(kind, own, ctx)
        unit.covered = covered
        yield from _with_notes(unit)
    rest = [b for b in blocks if b["t"] not in _TEXT_BLOCKS]
    yield from _units(rest, _Context("paragraph", ctx.waived, ctx.gap, ctx.gap_reason), lead_ins)


def _table(content: Sequence[Any], ctx: _Context, lead_ins: bool) -> Iterator[Unit]:
    cell_ctx = _Context("table-cell", ctx.waived, ctx.gap, ctx.gap_reason)
    for row in _rows(content):
        for cell in row[1]:
            blocks = cell[4]
            own = [b for b in blocks if b["t"] in _TEXT_BLOCKS]
            if own:
                yield from _with_notes(_make("table-cell", own, cell_ctx))
            yield from _units([b for b in blocks if b["t"] not in _TEXT_BLOCKS], cell_ctx, lead_ins)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (refcounting still frees everything).

    The AST is a million small dicts and lists, none in a cycle, and the walk makes
    no cycles either; left running, the collector traverses them again and again
    while they are built and while they are alive, doubling the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_ast(ast_json: str) -> dict[str, Any]:
    """``json.loads`` of pandoc's JSON, with the garbage collector paused (see :func:`gc_paused`)."""
    with gc_paused():
        ast: dict[str, Any] = json.loads(ast_json)
    return ast
