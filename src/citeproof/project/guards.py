"""Bounds on one document, checked before the work they bound: size, YAML aliases, nesting, types,
and the front matter values every product prints (title, lang, date).

A document comes from whoever opened the pull request. Without these, a YAML alias bomb
in the front matter ran for minutes, lists nested 500 deep crashed Python's recursive JSON
reader, and ``date: {a: b}`` ended in an AttributeError. Each check is linear in the input
and says where the problem is and what to do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from citeproof.engines import limits
from citeproof.errors import BuildError, listing
from citeproof.findings import Finding, Location
from citeproof.project.sourcelines import blank_code

# Pandoc reads a YAML block anywhere: "---" (not followed by a blank line), up to "---" or "...".
_YAML_BLOCK = re.compile(r"(?:\A|\n[ \t]*\n)---[ \t]*\n(?![ \t]*\n)(.*?)\n(?:---|\.\.\.)[ \t]*(?=\n|\Z)", re.DOTALL)
# Leading block markers of a line: quote ">", list "-", "*", "+", "1." or "1)".
_MARKERS = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))")
# Metadata read as plain text by the templates and the build (a date, a language tag).
TEXT_KEYS = ("title", "subtitle", "date", "lang", "description", "pagetitle", "identifier")
# Pandoc's JSON nests about four levels per list or quote level, plus inlines inside.
_JSON_PER_LEVEL = 4
_JSON_SLACK = 40


def check_size(size: int, display: str) -> None:
    """A document larger than ``limits.document_megabytes`` is refused before it is read."""
    most = limits.current().document_megabytes
    if size > most * 1_000_000:
        raise BuildError(
            f"the document is {size / 1_000_000:.1f} MB, more than the {most:g} MB limit",
            location=display,
            hint=f"split it into several documents, or raise CITEPROOF_DOCUMENT_MEGABYTES (now {most:g})",
        )


def check_no_nul(data: bytes, display: str) -> None:
    """A NUL byte is never text: say where it is (pandoc keeps it, and typst then cannot set it)."""
    at = data.find(b"\0")
    if at >= 0:
        line = data.count(b"\n", 0, at) + 1
        raise BuildError(
            "the document contains a NUL byte (binary data)",
            location=f"{display}:{line}",
            hint="remove it; if the file was pasted from elsewhere, save it again as plain UTF-8 text",
        )


def check_yaml_blocks(text: str, display: str) -> None:
    """Refuse a YAML block whose aliases expand past ``limits.yaml_nodes`` (an alias bomb)."""
    for match in _YAML_BLOCK.finditer(text):
        block = match.group(1)
        if "&" not in block or "*" not in block:
            continue  # no anchor or no alias: nothing can expand
        line = text.count("\n", 0, match.start(1)) + 1
        _check_expansion(block, display, line)


def _check_expansion(block: str, display: str, first_line: int) -> None:
    import yaml  # type: ignore[import-untyped]  # only for blocks with anchors and aliases: 20 ms to import

    try:
        # compose() builds the node graph with each alias pointing at its anchor's node:
        # nothing is expanded, so this is linear in the block's size.
        root = yaml.compose(block, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return  # pandoc reports broken YAML with its own line (see documents._unreadable)
    if root is None:
        return
    most = limits.current().yaml_nodes
    sizes: dict[int, int] = {}
    # Expanded size of each node, children before parents, with an explicit stack (deep YAML).
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(child), 1) for child in children)
        sizes[id(node)] = total
        if total > most:
            raise BuildError(
                f"the YAML block expands to more than {most:,} values through its aliases (*name)",
                location=f"{display}:{first_line}",
                hint="write the values out instead of repeating anchors (&name) inside each other; "
                f"raise CITEPROOF_YAML_NODES (now {most}) if the block is really this large",
            )


def _children(node: Any) -> list[Any]:
    value = getattr(node, "value", None)
    if not isinstance(value, list):
        return []
    children: list[Any] = []
    for item in value:
        children.extend(item if isinstance(item, tuple) else (item,))
    return children


def check_nesting(text: str, display: str) -> None:
    """Refuse lists and quotes nested deeper than ``limits.nesting_depth`` before pandoc reads them."""
    most = limits.current().nesting_depth
    for number, line in enumerate(text.splitlines(), start=1):
        depth = _line_depth(line)
        if depth > most:
            raise _too_deep(display, number, most)


def _line_depth(line: str) -> int:
    """Lists and quotes open at this line: its markers, plus two columns of indentation per level."""
    markers, position = 0, 0
    while (match := _MARKERS.match(line, position)) is not None and match.end() > position:
        markers += 1
        position = match.end()
    if not markers:
        return 0
    indent = len(line) - len(line.lstrip(" \t"))
    return markers + len(line[:indent].expandtabs(4)) // 2


# Pandoc's reader backtracks exponentially on nested brackets: 6 levels take 0.4 s, 9 take
# 4 s, 20 never finish. Real articles nest two ("[see [the guide](url)]{.note}").
BRACKET_DEPTH = 4


def check_brackets(text: str, display: str) -> None:
    """Refuse brackets nested deeper than :data:`BRACKET_DEPTH` in one paragraph (code is skipped)."""
    if text.count("[") < BRACKET_DEPTH:
        return
    prose = blank_code(text)
    depth = 0
    for match in re.finditer(r"[\[\]]|\n[ \t]*\n", prose):
        token = match.group()
        if token == "[":
            depth += 1
            if depth > BRACKET_DEPTH:
                raise BuildError(
                    f"brackets are nested more than {BRACKET_DEPTH} deep here; pandoc would take minutes to read them",
                    location=f"{display}:{text.count(chr(10), 0, match.start()) + 1}",
                    hint="close each [ before opening the next, or write a literal bracket as \\[",
                )
        elif token == "]":
            depth = max(0, depth - 1)
        else:
            depth = 0  # a blank line ends the paragraph, and pandoc's search with it


def check_json_depth(ast_json: str, display: str, source: str) -> None:
    """Pandoc's JSON nested deeper than Python's recursive readers can take is refused here."""
    most = limits.current().nesting_depth
    allowed = most * _JSON_PER_LEVEL + _JSON_SLACK
    if _json_depth(ast_json, allowed) > allowed:
        depths = [_line_depth(line) for line in source.splitlines()]
        line = depths.index(max(depths)) + 1 if depths else 1
        raise _too_deep(display, line, most, inline=True)


def _json_depth(ast_json: str, most: int) -> int:
    """How deep ``[``/``{`` nest in JSON text, counted up to ``most + 1``, without recursion.

    Each pass deletes every innermost ``[]`` pair, so the number of passes is the depth
    (0.1 s for a 5 MB article's 25 MB of JSON). Brackets inside strings can only make that
    count larger; only then are the strings removed for an exact count.
    """
    passes = _bracket_passes(ast_json.encode("utf-8"), most)
    if passes <= most:
        return passes
    return _bracket_passes(re.sub(r'"(?:[^"\\]|\\.)*"', "", ast_json).encode("utf-8"), most)


def _bracket_passes(data: bytes, most: int) -> int:
    kept = data.translate(_SQUARE, delete=_NOT_BRACKETS)
    passes = 0
    while kept and passes <= most:
        shorter = kept.replace(b"[]", b"")
        if len(shorter) == len(kept):
            break  # unbalanced brackets from inside strings: what is left is no deeper
        kept = shorter
        passes += 1
    return passes


_NOT_BRACKETS = bytes(b for b in range(256) if chr(b) not in "[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")


def _too_deep(display: str, line: int, most: int, *, inline: bool = False) -> BuildError:
    what = "lists, quotes or inline markup (emphasis, links, spans)" if inline else "lists or quotes"
    return BuildError(
        f"{what} are nested deeper than {most} levels here",
        location=f"{display}:{line}",
        hint=f"flatten the nesting; raise CITEPROOF_NESTING_DEPTH (now {most}) if this depth is intended",
    )


def check_metadata_types(meta: dict[str, Any], text: str, display: str) -> None:
    """Front matter keys read as text must be text, not a mapping or a list: say which key, where.

    Then the values themselves (see :func:`front_matter_problems`): an empty title, a ``lang``
    that is not a language tag and a ``date`` that is not a calendar date are refused here, at
    their lines, before any engine prints something wrong or fails on them.
    """
    for key in TEXT_KEYS:
        value = meta.get(key)
        if not isinstance(value, dict) or value.get("t") not in ("MetaMap", "MetaList"):
            continue
        kind = "a mapping (key: value pairs)" if value["t"] == "MetaMap" else "a list"
        raise BuildError(
            f"front matter '{key}' is {kind}; it must be plain text",
            location=f"{display}:{key_line(text, key)}",
            hint=f'write it as  {key}: some text  (quote it if it holds a colon or braces: {key}: "a: b")',
        )
    raise_front_matter(front_matter_problems(meta, text), display)


def key_line(text: str, key: str) -> int:
    """The line of ``key:`` in the front matter (1 when it cannot be found)."""
    match = re.search(rf"^{re.escape(key)}[ \t]*:", text, flags=re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


# A language tag (BCP 47, as HTML's lang and Typst read it): a 2-3 letter language, then
# optional extended language, script, region, variant, extension and private-use subtags.
_LANGUAGE_TAG = re.compile(
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"  # en, zh, yue; zh-yue
    r"(?:-[A-Za-z]{4})?"  # script: Hant, Latn
    r"(?:-(?:[A-Za-z]{2}|\d{3}))?"  # region: US, 419
    r"(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*"  # variants: oxendict, 1996
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"  # extensions: u-ca-gregory
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?"  # private use: x-clinic
)
# YYYY-MM-DD and nothing else: pandoc leaves the HTML's <time datetime> empty for a date with a time.
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_GAP = object()  # a space between two blocks' words
_BLOCK_TAGS = frozenset({"Para", "Plain", "Header", "LineBlock", "CodeBlock", "BlockQuote", "Div", "BulletList", "OrderedList"})


def is_language_tag(value: str) -> bool:
    """Whether ``value`` is a language tag such as en, en-US, es-419 or zh-Hant-TW."""
    return _LANGUAGE_TAG.fullmatch(value) is not None


def iso_date(value: object) -> dt.date | None:
    """The calendar day of a front matter value: a date object, or text YYYY-MM-DD; None otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _ISO_DATE.fullmatch(str(value or "").strip())
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:  # 2026-13-45, 2026-02-30
        return None


def meta_plain(value: Any) -> str:
    """A value of pandoc's JSON metadata as plain text, spaces collapsed ("" for a mapping, a list or a yes/no)."""
    if not isinstance(value, dict):
        return ""
    if value.get("t") == "MetaString":
        return " ".join(str(value.get("c", "")).split())
    if value.get("t") not in ("MetaInlines", "MetaBlocks"):
        return ""
    parts: list[str] = []
    # An explicit stack, children pushed in reverse so that they come off in reading order;
    # bare strings are attributes and link targets, never words.
    stack: list[Any] = [value.get("c")]
    while stack:
        node = stack.pop()
        if node is _GAP:
            parts.append(" ")
        elif isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            tag, content = node.get("t"), node.get("c")
            if tag == "Str" and isinstance(content, str):
                parts.append(content)
            elif tag in ("Space", "SoftBreak", "LineBreak"):
                parts.append(" ")
            elif tag in ("Code", "Math") and isinstance(content, list) and content and isinstance(content[-1], str):
                parts.append(content[-1])
            elif tag in _BLOCK_TAGS:
                stack.extend([_GAP, content, _GAP])
            elif tag != "Note":
                stack.append(content)
    return " ".join("".join(parts).split())


@dataclass(frozen=True)
class FrontMatterProblem:
    """One thing wrong with a front matter value: its line, what is wrong and what to do."""

    key: str  # title, lang or date
    line: int
    message: str
    hint: str

    def finding(self, display: str) -> Finding:
        return Finding("error", "front-matter", f"{self.message}; {self.hint}", Location(display, self.line), {"key": self.key})


def front_matter_problems(meta: Mapping[str, Any], text: str, *, defaults: Mapping[str, Any] | None = None) -> list[FrontMatterProblem]:
    """What is wrong with the title, ``lang`` and ``date`` of one document's metadata (pandoc's JSON ``meta``).

    ``defaults`` is the metadata the configuration gives the document ([tool.citeproof.metadata]
    and its own table), which may hold its title. When it is None (the configuration is not at
    hand) a missing title is not reported: only what the front matter itself gets wrong.
    """
    found: list[FrontMatterProblem] = []
    if "title" in meta:
        if not meta_plain(meta["title"]):
            found.append(
                FrontMatterProblem(
                    "title", key_line(text, "title"), "the front matter's title is empty", "write the article's title after 'title:'"
                )
            )
    elif defaults is not None:
        found += untitled(meta, text, defaults)
    if "lang" in meta:
        lang = meta_plain(meta["lang"])
        if not is_language_tag(lang):
            suggestion = lang.replace("_", "-")
            hint = f"write {suggestion}" if is_language_tag(suggestion) else "use a language tag such as en-US or es-US"
            found.append(FrontMatterProblem("lang", key_line(text, "lang"), f"'lang' is {lang!r}, not a language tag", hint))
    date = meta_plain(meta.get("date"))
    if date and iso_date(date) is None:
        found.append(
            FrontMatterProblem(
                "date",
                key_line(text, "date"),
                f"'date' is {date!r}, not a calendar date written YYYY-MM-DD",
                "write the day the article was last updated, such as 2026-03-01",
            )
        )
    return found


def missing_title(meta: Mapping[str, Any], text: str | None) -> FrontMatterProblem:
    """A document without a title (typst refuses the empty heading of its PDF); ``text`` None when the source is not at hand."""
    if text is None:
        return FrontMatterProblem(
            "title", 1, "the document has no title", "add a line 'title: ...' to its front matter (between the '---' lines at its top)"
        )
    if _YAML_BLOCK.match(text) is None:
        return FrontMatterProblem(
            "title", 1, "the document has no title: it does not start with front matter", "start it with three lines: ---, title: ..., ---"
        )
    if not meta:
        # Pandoc reads a block that is not 'key: value' pairs (a YAML list, a sentence) as text, not as metadata.
        return FrontMatterProblem(
            "title",
            1,
            "the front matter is not 'key: value' lines (a list?), so the document has no title",
            "write it as lines such as 'title: ...'",
        )
    return FrontMatterProblem("title", 1, "the front matter has no title", "add a line 'title: ...'")


def untitled(meta: Mapping[str, Any], text: str, defaults: Mapping[str, Any]) -> list[FrontMatterProblem]:
    """The document has no title anywhere: not in its front matter, not from the configuration (``defaults``).

    The parse already refused everything else :func:`front_matter_problems` finds (it runs
    without the configuration), so ``check`` and the build gate ask only this.
    """
    if "title" in meta or str(defaults.get("title") or "").strip():
        return []
    return [missing_title(meta, text)]


def title_findings(meta: Mapping[str, Any], text: str, display: str, *, defaults: Mapping[str, Any]) -> list[Finding]:
    """:func:`untitled` as ``check`` reports it: an error at its line."""
    return [problem.finding(display) for problem in untitled(meta, text, defaults)]


def raise_front_matter(problems: Sequence[FrontMatterProblem], display: str) -> None:
    """Refuse the document when there is any front matter problem: every one at once."""
    if len(problems) == 1:
        (problem,) = problems
        raise BuildError(problem.message, location=f"{display}:{problem.line}", hint=problem.hint)
    if problems:
        lines = [f"{display}:{p.line}: {p.message}; {p.hint}" for p in problems]
        raise BuildError(listing("front matter problem", lines), hint="fix each line above; nothing was built")
