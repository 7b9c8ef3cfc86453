"""The one loader every command shares: select documents, parse each once, read each bibliography once.

``build`` loads strictly (a malformed .bib stops it); ``check`` and ``links`` load leniently
and turn the same problems into findings. Both read the .bib with the same reader, so they
never disagree about what is malformed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from citeproof.engines import tools
from citeproof.errors import BibliographyError, ConfigError, ToolFailedError
from citeproof.findings import Finding, Location
from citeproof.project.bibliography import Bibliography, merge_bibliographies, parse_bibliography, raise_bibliography_problems
from citeproof.project.config import Config, DocumentConfig
from citeproof.project.documents import ParsedDocument, parse_document

Log = Callable[[str], None]


@dataclass(frozen=True)
class LoadedDocument:
    """One document parsed once, with its bibliography read once (shared between documents).

    ``bib`` holds every bibliography file of the document merged (``bib.files`` for each one).
    """

    parsed: ParsedDocument
    bib: Bibliography


@dataclass(frozen=True)
class LoadedProject:
    """What every command starts from."""

    documents: tuple[LoadedDocument, ...]
    bib_problems: dict[Path, tuple[Finding, ...]]  # per bibliography file: malformed or duplicate entries (also across files)


def select_documents(config: Config, names: Sequence[str] | None) -> list[DocumentConfig]:
    """The configured documents, or only those ``names`` (an unknown name is a usage error)."""
    if not names:
        return list(config.documents)
    known = {d.name: d for d in config.documents}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError([f"no document named {n!r}; configured: {', '.join(known)}" for n in unknown])
    return [known[n] for n in names]


def load_project(config: Config, names: Sequence[str] | None, *, strict: bool, log: Log | None = None) -> LoadedProject:
    """Parse each selected document once (side by side) and read each bibliography once.

    ``strict``: a bibliography problem raises :class:`~citeproof.errors.BibliographyError` (the build);
    otherwise it is returned as findings (the checks).
    """
    selected = select_documents(config, names)
    # Each parse is a pandoc process: run them side by side.
    with ThreadPoolExecutor(max_workers=max(1, min(len(selected), os.cpu_count() or 1))) as pool:
        parsed_docs = list(pool.map(parse_document, selected))
    files: dict[Path, Bibliography] = {}
    merged: dict[tuple[Path, ...], Bibliography] = {}
    problems: dict[Path, tuple[Finding, ...]] = {}
    loaded = []
    for doc_config, parsed in zip(selected, parsed_docs, strict=True):
        if log is not None:
            for warning in parsed.warnings:
                log(f"warning: {warning}")
        paths = doc_config.bibliographies
        for path in paths:
            if path not in files:
                files[path], found = read_bibliography(path, config.relative(path))
                _stop_if(strict, found)
                problems[path] = tuple(found)
        if paths not in merged:
            merged[paths], across = merge_bibliographies([files[p] for p in paths])
            _stop_if(strict, across)
            for finding in across:  # filed under the file holding the second definition, once
                place = next(p for p in paths if files[p].display == finding.location.path)
                if finding not in problems[place]:
                    problems[place] += (finding,)
        loaded.append(LoadedDocument(parsed, merged[paths]))
    return LoadedProject(tuple(_with_identifier_entries(config, loaded)), problems)


# The last reading of each bibliography file, kept for the life of the process, as documents'
# parses are (project/documents.py): `preview` rebuilds after every save of an article, and the
# .bib, which rarely changes with it, would otherwise be parsed and sent through pandoc again
# (about 40 ms of each reload). Reused only for the same text, display name and pandoc.
_READ: dict[Path, tuple[tuple[str, str, str], Bibliography, tuple[Finding, ...]]] = {}


def read_bibliography(path: Path, display: str) -> tuple[Bibliography, list[Finding]]:
    """One bibliography file and its problems (bibtexparser's, then pandoc's own reader's), once per text."""
    try:
        text = "\n".join(path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        text = None  # parse_bibliography says what is wrong
    cached = _READ.get(path)
    if text is not None and cached is not None and cached[0] == (text, display, tools.pandoc_path()):
        return cached[1], list(cached[2])
    bib, found = parse_bibliography(path, display=display)
    found += _pandoc_problems(bib, {f.location.line for f in found})
    # Keyed by the lines that were parsed, not those read above: a save in between cannot pair them wrongly.
    _READ[path] = (("\n".join(bib.lines), display, tools.pandoc_path()), bib, tuple(found))
    return bib, found


def _stop_if(strict: bool, found: Sequence[Finding]) -> None:
    """In a strict load (the build), bibliography problems stop everything, listed with their places."""
    if strict:
        raise_bibliography_problems(found)


def _with_identifier_entries(config: Config, loaded: list[LoadedDocument]) -> list[LoadedDocument]:
    """Entries for keys cited by identifier (``[@doi:...]``), read from the lock file: never the network."""
    from citeproof.refs.project import attach_records, identifier_keys, lock_for

    wanted: dict[tuple[Path, ...], set[str]] = {}
    for doc in loaded:
        _check_not_empty(doc)
        keys = identifier_keys(set(doc.parsed.cited) | set(doc.parsed.nocite)) - doc.bib.keys()
        if keys:
            wanted.setdefault(_paths(doc.bib), set()).update(keys)
    if not wanted:
        return loaded
    lock, display = lock_for(config)
    extended = {_paths(d.bib): attach_records(d.bib, wanted[_paths(d.bib)], lock, display) for d in loaded if _paths(d.bib) in wanted}
    return [LoadedDocument(d.parsed, extended.get(_paths(d.bib), d.bib)) for d in loaded]


def _paths(bib: Bibliography) -> tuple[Path, ...]:
    return tuple(part.path for part in bib.files)


def _check_not_empty(doc: LoadedDocument) -> None:
    """A bibliography file read as empty while keys are cited is almost always the wrong format."""
    plain = {k for k in doc.parsed.cited if ":" not in k}
    for part in doc.bib.files if plain else ():
        if part.entries or not part.path.exists() or part.path.stat().st_size == 0:
            continue
        kind = {".json": "CSL JSON", ".yaml": "CSL YAML", ".yml": "CSL YAML"}.get(part.path.suffix.lower(), "BibTeX")
        raise BibliographyError(
            f"{part.display} was read as {kind} (by its extension) and holds no entries, but {doc.parsed.display} cites "
            f"{len(plain)} key(s)",
            hint="give the file the extension of its format: .bib (BibTeX/BibLaTeX), .json (CSL JSON), .yaml (CSL YAML)",
        )


def _pandoc_problems(bib: Bibliography, known_lines: set[int | None]) -> list[Finding]:
    """What pandoc's own .bib reader refuses (citeproc reads the file with it), so check and build agree.

    bibtexparser forgives a key with a space or a missing comma; pandoc stops the build
    on them. Asking pandoc costs one short process per .bib file (about 30 ms). It reads the
    text bibtexparser read (on stdin), not the file again, so both judge the same version.
    """
    path, display = bib.path, bib.display
    if path.suffix.lower() != ".bib" or not bib.lines:
        return []
    try:
        tools.pandoc(["--sandbox", "--from", "biblatex", "--to", "csljson"], stdin=("\n".join(bib.lines) + "\n").encode("utf-8"))
    except ToolFailedError as exc:
        if exc.returncode is None:
            raise
        where = re.search(r"line (\d+), column (\d+)", exc.stderr)
        line, column = (int(where.group(1)), int(where.group(2))) if where else (None, None)
        if line in known_lines:
            return []  # bibtexparser already named this place
        reason = next((ln.strip() for ln in exc.stderr.splitlines() if ln.strip().startswith("unexpected")), "unreadable entry")
        message = f"pandoc cannot read the bibliography here ({reason}); check the entry's key (no spaces) and the commas between fields"
        return [Finding("error", "malformed-entry", message, Location(display, line, column))]
    return []
