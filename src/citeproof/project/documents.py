"""A document parsed once: its Markdown source, pandoc's JSON AST, and what it cites.

Everything downstream (the build of every format, the claim check, the link check) starts
from one :class:`ParsedDocument`, so pandoc reads each Markdown file once; the same text is not
parsed again in the same process (``build --release`` checks, then builds; ``preview`` rebuilds
after every save).
"""

from __future__ import annotations

import functools
import io
import json
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from citeproof.engines import limits, tools
from citeproof.errors import BuildError, CitationError, ToolFailedError, listing
from citeproof.findings import Finding, Location
from citeproof.project import guards
from citeproof.project.bibliography import Bibliography, closest_key
from citeproof.project.config import DocumentConfig
from citeproof.project.sourcelines import blank_code

# Pandoc Markdown with the extensions a clinic's article needs; smart quotes stay on.
READER = "markdown"

if TYPE_CHECKING:
    import panflute as pf


@functools.cache
def panflute() -> ModuleType:
    """panflute, imported on first use: with PyYAML and click it costs about 26 ms, which a build
    with nothing to do (and ``--version``, ``check`` on JSON) never needs."""
    import panflute as pf

    # panflute 2.3 predates pandoc's Typst writer and refuses raw ```{=typst} blocks.
    pf.elements.RAW_FORMATS.update({"typst", "html5", "epub3", "djot", "asciidoc", "markua"})
    module: ModuleType = pf
    return module


@dataclass(frozen=True)
class ParsedDocument:
    """One Markdown document, read and parsed once."""

    config: DocumentConfig
    source_text: str
    ast_json: str  # pandoc's JSON, before any filter or citeproc
    warnings: tuple[str, ...]
    unclosed: tuple[str, ...] = ()  # pandoc's warnings for divs it closed itself: the build refuses them, the check reports them

    @property
    def display(self) -> str:
        return self.config.display

    @functools.cached_property
    def ast(self) -> dict[str, Any]:
        """Pandoc's JSON as Python data, read once (panflute is only loaded where a filter needs it)."""
        from citeproof.claims.units import read_ast  # json.loads with the collector paused: twice as fast

        return read_ast(self.ast_json)

    @functools.cached_property
    def cited(self) -> frozenset[str]:
        """Every key cited in the body."""
        found = _body_cite_ids(self.ast_json)
        return frozenset(found if found is not None else _cite_ids(self.ast["blocks"]))

    @functools.cached_property
    def nocite(self) -> frozenset[str]:
        """Keys listed under ``nocite`` (``@*`` shows up as ``*``)."""
        return frozenset(_cite_ids(self.ast["meta"].get("nocite", [])))

    def load(self) -> pf.Doc:
        """A fresh panflute Doc (filters mutate it, so each consumer gets its own)."""
        try:
            doc: pf.Doc = panflute().load(io.StringIO(self.ast_json))
        except (TypeError, ValueError, KeyError) as exc:
            raise BuildError(f"cannot read pandoc's parse of {self.display}: {exc}", hint="please report this with the document") from None
        return doc


# The last parse of each file, kept for the life of the process: `build --release` checks then
# builds, and `preview` rebuilds after every save, so the same text would otherwise go through
# pandoc again. A parse is reused only for the same text, pandoc and limits.
_PARSED: dict[Path, tuple[tuple[str, str, limits.Limits], ParsedDocument]] = {}
_PARSED_KEPT = 256  # documents: a large library stays bounded in memory


def parse_document(config: DocumentConfig) -> ParsedDocument:
    """Read ``config.source`` and parse it with pandoc, once (the same text is not parsed again)."""
    text = _read_source(config)
    key = (text, tools.pandoc_path(), limits.current())
    cached = _PARSED.get(config.source)
    # A parse is kept only after every check below passed, for this text and these limits.
    if cached is not None and cached[0] == key and cached[1].config == config:
        return cached[1]
    _check_front_matter(text, config.display)
    guards.check_yaml_blocks(text, config.display)
    guards.check_nesting(text, config.display)
    guards.check_brackets(text, config.display)
    try:
        result = tools.pandoc(["--from", READER, "--to", "json"], stdin=text.encode("utf-8"))
    except ToolFailedError as exc:
        if exc.returncode is None or exc.returncode < 0:  # timed out, or crashed (a signal): not the Markdown's fault
            raise
        raise _unreadable(exc.stderr, config.display) from None
    unclosed = tuple(w for w in result.warnings if _UNCLOSED_DIV.search(w))
    warnings = tuple(f"{config.display}: pandoc {w}" for w in result.warnings if w not in unclosed)
    parsed = ParsedDocument(config, text, _pandoc_json(result.stdout, config.display), warnings, unclosed)
    guards.check_json_depth(parsed.ast_json, config.display, text)
    try:
        meta = parsed.ast["meta"]
        parsed.ast["blocks"]  # read now: a broken answer fails here, with a message
    except (ValueError, KeyError, TypeError):
        raise _not_json(result.stdout, config.display) from None
    guards.check_metadata_types(meta, text, config.display)
    if len(_PARSED) >= _PARSED_KEPT:
        _PARSED.pop(next(iter(_PARSED)), None)
    _PARSED[config.source] = (key, parsed)
    return parsed


def _read_source(config: DocumentConfig) -> str:
    """The document's text: a regular UTF-8 file within the size limit, or an error saying which."""
    try:
        info = config.source.stat()
        if not stat.S_ISREG(info.st_mode):
            raise BuildError(
                "the document is not a regular file (a folder, a device or a pipe)",
                location=config.display,
                hint="fix 'documents' in [tool.citeproof] so it names Markdown files",
            )
        guards.check_size(info.st_size, config.display)
        data = config.source.read_bytes()
    except FileNotFoundError:
        raise BuildError(f"document {config.display!r} does not exist", hint="fix 'documents' in [tool.citeproof]") from None
    except PermissionError:
        raise BuildError("the document cannot be read (permission denied)", location=config.display, hint="make it readable") from None
    guards.check_size(len(data), config.display)  # it may have grown since stat()
    guards.check_no_nul(data, config.display)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BuildError("the file is not UTF-8 text", location=f"{config.display}:{line}", hint="save it as UTF-8") from None


def _pandoc_json(stdout: bytes, display: str) -> str:
    """Pandoc's answer, checked to be its JSON before anything reads it."""
    text = stdout.decode("utf-8", "replace")
    if not text.startswith('{"pandoc-api-version"'):
        raise _not_json(stdout, display)
    return text


def _not_json(stdout: bytes, display: str) -> ToolFailedError:
    shown = " ".join(stdout[:80].decode("utf-8", "replace").split()) or "nothing"
    return ToolFailedError(
        [tools.pandoc_path(), "--from", READER, "--to", "json"],
        0,
        f"pandoc's answer for {display} is not its JSON (it began: {shown!r})",
        hint="the pandoc found is broken or not pandoc: reinstall pypandoc_binary, or set CITEPROOF_PANDOC to a working pandoc",
    )


def _unreadable(stderr: str, display: str) -> BuildError:
    """Pandoc refused the Markdown (almost always its YAML): say where, in the user's file."""
    message = " ".join(stderr.split())
    block = re.search(r"YAML metadata at \(line (\d+)", stderr)
    inner = re.search(r"exception at line (\d+)", stderr)
    line = int(block.group(1)) + int(inner.group(1)) if block and inner else (int(block.group(1)) if block else None)
    where = f"{display}:{line}" if line else display
    hint = "fix the YAML front matter (quotes closed? a space after each colon?)" if block else "fix the Markdown at that place"
    return BuildError(f"pandoc cannot read this document: {message}", location=where, hint=hint)


def _check_front_matter(text: str, display: str) -> None:
    """Pandoc skips a broken YAML block silently in some cases; we refuse it with its line."""
    if not text.startswith("---"):
        return
    end = re.search(r"^(---|\.\.\.)\s*$", text[3:], flags=re.MULTILINE)
    if end is None:
        raise BuildError(
            "the YAML front matter that starts at line 1 is never closed",
            location=f"{display}:1",
            hint="end it with a line of three dashes: ---",
        )


# In pandoc's JSON "citationId" and "blocks" occur only as keys (inside strings quotes are
# escaped), so the text can be searched directly: 0.1 s on a 5 MB article, where walking
# the parsed tree took 3 s.
_CITATION_ID = re.compile(r'"citationId":\s*("(?:[^"\\]|\\.)*")')
_BLOCKS_KEY = re.compile(r'"blocks":\s*\[')
_META_KEY = re.compile(r'"meta":\s*\{')


def _body_cite_ids(ast_json: str) -> set[str] | None:
    """Keys cited after the ``"blocks"`` key of pandoc's JSON; None when its layout is not the usual one."""
    blocks = _BLOCKS_KEY.search(ast_json)
    meta = _META_KEY.search(ast_json)
    if blocks is None or meta is None or meta.start() > blocks.start():
        return None  # "blocks" is not last: walk the tree instead
    return {json.loads(quoted) for quoted in _CITATION_ID.findall(ast_json, blocks.end())}


def _cite_ids(node: Any) -> set[str]:
    """Every citation key under ``node`` of pandoc's JSON (an explicit stack: documents nest deep)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("t") == "Cite":
                found.update(citation["citationId"] for citation in item["c"][0])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


# A key may hold internal punctuation (``smith:2020``) but never ends with it (``@smith.``).
_KEY_END = r"(?!\w|[:.#$%&\-+?<>~/]\w)"


def locate_key(source: str, key: str) -> tuple[int, int] | None:
    """1-based (line, column) of the first ``@key`` in the Markdown source."""
    pattern = re.compile(r"(?<![\w.])@\{?" + re.escape(key) + r"\}?" + _KEY_END)
    for number, line in enumerate(source.splitlines(), start=1):
        match = pattern.search(line)
        if match:
            return number, match.start() + 1
    return None


@dataclass(frozen=True)
class UnknownKey:
    """A key a document cites that its bibliography lacks: where, and what it might have meant."""

    key: str
    location: Location
    advice: str  # "did you mean '@x'?" or "add an entry 'x' to <bib>"


def unknown_keys(parsed: ParsedDocument, bib: Bibliography) -> list[UnknownKey]:
    """Every cited or nocite key missing from ``bib`` (the build's gate and the check share it)."""
    from citeproof.refs.identifiers import is_identifier_key

    known = bib.keys()
    found = []
    for key in sorted((set(parsed.cited) | (parsed.nocite - {"*"})) - known):
        where = locate_key(parsed.source_text, key)
        guess = closest_key(key, known)
        if is_identifier_key(key):  # [@doi:...]: its entry comes from the lock, not from a .bib
            advice = f"lock its record with `citeproof refs update {key}` (this needs the network), then build again"
        elif guess:
            advice = f"did you mean '@{guess}'?"
        else:
            advice = f"add an entry '{key}' to {'one of ' if len(bib.files) > 1 else ''}{bib.display}"
        found.append(UnknownKey(key, Location(parsed.display, *where) if where else Location(parsed.display), advice))
    return found


def check_citations(parsed: ParsedDocument, bib: Bibliography) -> None:
    """The strictness gate: an unknown key anywhere stops the build before any output."""
    unknown = unknown_keys(parsed, bib)
    if not unknown:
        return
    lines = [f"{u.location}: unknown citation key '@{u.key}'; {u.advice}" for u in unknown]
    raise CitationError(
        listing("unknown citation key", lines, suffix=f" in {parsed.display} (keys known to {bib.display}: {len(bib.keys())})"),
        hint="fix the key in the Markdown, or add the entry to the .bib; nothing was built",
    )


# Pandoc closes a div that is never closed (a fenced ``:::`` one or an HTML ``<div>``) at the end
# of what holds it and only warns, so everything after it, the reference list too, lands inside
# the box. At the top level the warning's line counts the text pandoc was sent (front matter
# included); inside a block quote, list item, note or front matter value it counts from the
# start of that block ("Div at _chunk line 3 ..."), which pandoc does not tell us.
_UNCLOSED_DIV = re.compile(r"\bDiv at (?:(\S+) )?line (\d+) column \d+ unclosed at\b")
# Block quote markers, then the indent (a list marker counts as indent): a fence closes only a
# fence with the same ones.
_CONTAINER = re.compile(r"((?:[ \t]*>)*)([ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?)")
_FENCE = re.compile(r"(:{3,})[ \t]*(\S?)")


def unclosed_divs(parsed: ParsedDocument) -> list[Finding]:
    """Every div pandoc had to close itself, at the line that opens it (the build refuses them; the check reports them)."""
    if not parsed.unclosed:
        return []
    lines = parsed.source_text.split("\n")  # pandoc's lines: str.splitlines would also split at \f or U+2028
    nested = _nested_open_fences(parsed.source_text)
    found = []
    for warning in parsed.unclosed:
        match = _UNCLOSED_DIV.search(warning)
        if match is None:
            continue
        number: int | None = int(match.group(2))
        if match.group(1):  # a line within a quote, list item or note: find an opener our own scan left open
            number = next((n for n in nested if n >= int(match.group(2))), None)
            if number is not None:
                nested.remove(number)
        found.append(_unclosed_finding(parsed, lines, number, top=not match.group(1)))
    return found


def raise_unclosed(findings: list[Finding]) -> None:
    """The build's gate: a div left open stops the build before any output."""
    if len(findings) == 1:
        raise BuildError(findings[0].message, location=str(findings[0].location), hint="nothing was built")
    if findings:
        raise BuildError(listing("unclosed div", [f"{f.location}: {f.message}" for f in findings]), hint="nothing was built")


def _unclosed_finding(parsed: ParsedDocument, lines: list[str], number: int | None, *, top: bool) -> Finding:
    if number is None or not 0 < number <= len(lines):
        message = "a div inside a list, block quote or note is never closed; add a line with ':::' (or '</div>') where it should end"
        return Finding("error", "unclosed-div", message, Location(parsed.display))
    opener = _container(lines[number - 1])[2].strip()
    shown = opener if len(opener) <= 60 else opener[:57] + "..."
    closer = "':::'" if opener.startswith(":") else "'</div>'"
    message = f"the div opened here ({shown}) is never closed"
    if top:
        refs = re.search(r"\{[^}]*#refs\b", "\n".join(lines[number:]))
        message += f", so everything after it{' (the reference list too)' if refs else ''} ends up inside it"
    message += f"; add a line with {closer} where it should end" + ("" if top else ", indented as this line is")
    return Finding("error", "unclosed-div", message, Location(parsed.display, number))


def _nested_open_fences(source: str) -> list[int]:
    """Lines of ``:::`` fences inside a quote, list item or front matter value that no fence with the same prefix closes."""
    open_at: dict[tuple[int, int], list[int]] = {}
    for number, line in enumerate(blank_code(source).split("\n"), start=1):
        quotes, indent, rest = _container(line)
        fence = _FENCE.match(rest)
        if fence is None:
            continue
        if fence.group(2):  # attributes or a class after the colons: it opens a div
            open_at.setdefault((quotes, indent), []).append(number)
        elif open_at.get((quotes, indent)):
            open_at[(quotes, indent)].pop()
    return sorted(n for key, numbers in open_at.items() if key != (0, 0) for n in numbers)


def _container(line: str) -> tuple[int, int, str]:
    """(block quote depth, indent, the rest) of one line; a list marker counts as indent."""
    match = _CONTAINER.match(line)
    quotes, indent = (match.group(1), match.group(2)) if match else ("", "")
    return quotes.count(">"), len(indent.expandtabs(4)), line[len(quotes) + len(indent) :]
