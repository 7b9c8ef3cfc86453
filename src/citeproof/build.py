"""Documents to outputs: parse once, check the citations, then write every format.

All outputs of a run are written into a private folder inside ``build/`` and moved into
place only when every one of them is complete, so a failed or interrupted build never
leaves a half-written file where the last good one was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import panflute as pf

from citeproof import tools
from citeproof.bib import Bibliography, load_bibliography
from citeproof.config import Config, DocumentConfig
from citeproof.document import ParsedDocument, check_citations, parse_document
from citeproof.errors import ConfigError
from citeproof.filters import apply_filters
from citeproof.styles import resolve_style

Log = Callable[[str], None]
EXTENSIONS = {"html": "html", "epub": "epub", "pdf": "pdf"}
# 1980-01-01: the earliest time a ZIP (and so an EPUB) can record.
FALLBACK_EPOCH = 315532800
ACCESSIBILITY_DEFAULTS: dict[str, object] = {
    "accessModes": ["textual"],
    "accessModeSufficient": ["textual"],
    "accessibilityFeatures": ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"],
    "accessibilityHazards": ["none"],
    "accessibilitySummary": (
        "A text-only article with headings, lists and a linked reference list; no images, audio or video, and no known hazards."
    ),
}


@dataclass(frozen=True)
class BuildOptions:
    """What one ``citeproof build`` asks for; ``None`` means "as configured"."""

    documents: tuple[str, ...] | None = None
    formats: tuple[str, ...] | None = None
    draft: bool = False
    paper: str | None = None


@dataclass(frozen=True)
class Job:
    """One output of one document."""

    parsed: ParsedDocument
    bib: Bibliography
    style: Path
    fmt: str

    @property
    def filename(self) -> str:
        return f"{self.parsed.config.name}.{EXTENSIONS[self.fmt]}"


def select_documents(config: Config, names: Sequence[str] | None) -> list[DocumentConfig]:
    """The configured documents, or only those ``names`` (an unknown name is a usage error)."""
    if not names:
        return list(config.documents)
    known = {d.name: d for d in config.documents}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError([f"no document named {n!r}; configured: {', '.join(known)}" for n in unknown])
    return [known[n] for n in names]


def source_date_epoch(meta_date: str | None) -> int:
    """SOURCE_DATE_EPOCH if set, else the document's date, else a fixed early date."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    if meta_date:
        try:
            day = dt.date.fromisoformat(meta_date.strip()[:10])
            return int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp())
        except ValueError:
            pass
    return FALLBACK_EPOCH


def prepare(config: Config, options: BuildOptions, log: Log) -> list[Job]:
    """Parse every document once and pass the strictness gate, before anything is written."""
    formats = options.formats or config.formats
    bibs: dict[Path, Bibliography] = {}
    jobs: list[Job] = []
    for doc_config in select_documents(config, options.documents):
        parsed = parse_document(doc_config)
        for warning in parsed.warnings:
            log(f"warning: {warning}")
        if doc_config.bibliography not in bibs:
            bibs[doc_config.bibliography] = load_bibliography(doc_config.bibliography, display=config.relative(doc_config.bibliography))
        bib = bibs[doc_config.bibliography]
        check_citations(parsed, parsed.load(), bib)
        style = resolve_style(doc_config.style, config.root)
        jobs.extend(Job(parsed, bib, style, fmt) for fmt in formats)
    return jobs


def build(config: Config, options: BuildOptions, *, log: Log) -> list[Path]:
    """Build every selected document in every selected format; return the written paths."""
    jobs = prepare(config, options, log)
    config.build_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=config.build_dir))
    try:
        workers = max(1, min(len(jobs), os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda job: _render(config, options, job, staging), jobs))
        for job, warnings in zip(jobs, results, strict=True):
            for warning in warnings:
                log(f"warning: {job.parsed.display} ({job.fmt}): {warning}")
        written = []
        # Only now, with every output complete, replace the previous ones.
        for job in jobs:
            target = config.build_dir / job.filename
            (staging / job.filename).replace(target)
            written.append(target)
            log(f"wrote {config.relative(target)} ({target.stat().st_size // 1024 + 1} KB)")
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _render(config: Config, options: BuildOptions, job: Job, staging: Path) -> tuple[str, ...]:
    """Filter a fresh copy of the AST for ``job.fmt`` and write it into ``staging``."""
    doc = job.parsed.load()
    doc.format = job.fmt
    _set_defaults(doc, job, options)
    doc = apply_filters(doc, config.filters)
    ast = json.dumps(doc.to_json()).encode("utf-8")
    epoch = source_date_epoch(doc.get_metadata("date", default=None))
    source_dir = job.parsed.config.source.parent
    common = [
        "--from",
        "json",
        "--citeproc",
        "--bibliography",
        str(job.bib.path),
        "--csl",
        str(job.style),
        "--resource-path",
        f"{source_dir}{os.pathsep}{config.root}",
    ]
    env = {"SOURCE_DATE_EPOCH": str(epoch)}
    out = staging / job.filename
    templates = config.templates
    if job.fmt == "html":
        result = tools.pandoc(
            [
                *common,
                "--to",
                "html5",
                "--standalone",
                "--embed-resources",
                "--template",
                str(templates / "citeproof.html"),
                "--css",
                str(templates / "citeproof.css"),
                "--section-divs",
                "--output",
                str(out),
            ],
            stdin=ast,
            env=env,
            cwd=config.root,
        )
        return result.warnings
    if job.fmt == "epub":
        result = tools.pandoc(
            [*common, "--to", "epub3", "--css", str(templates / "citeproof.css"), "--output", str(out)],
            stdin=ast,
            env=env,
            cwd=config.root,
        )
        return result.warnings
    paper = options.paper or config.paper
    result = tools.pandoc(
        [
            *common,
            "--to",
            "typst-citations",
            "--template",
            str(templates / "handout.typ"),
            "--variable",
            f"papersize={paper}",
            *_typst_strings(doc),
        ],
        stdin=ast,
        env=env,
        cwd=config.root,
    )
    pages, typst_warnings = tools.typst_compile(result.stdout, root=config.root, timestamp=epoch, label=job.filename)
    out.write_bytes(pages[0])
    return result.warnings + typst_warnings


def _set_defaults(doc: pf.Doc, job: Job, options: BuildOptions) -> None:
    """Metadata every output needs, unless the document sets it itself."""
    meta = doc.metadata
    title = doc.get_metadata("title", default="") or job.parsed.config.name
    defaults: dict[str, object] = {
        "lang": "en-US",
        "link-citations": True,
        "link-bibliography": True,
        # A stable identifier: the same document gets the same EPUB id in every build.
        "identifier": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'citeproof:' + job.parsed.config.name + ':' + str(title))}",
        "pagetitle": str(title),
        **ACCESSIBILITY_DEFAULTS,
    }
    for key, value in defaults.items():
        if key not in meta:
            meta[key] = value
    meta["citeproof-draft"] = options.draft
    meta["citeproof-format"] = job.fmt


def _typst_strings(doc: pf.Doc) -> list[str]:
    """Description and keywords as Typst string literals for the PDF's metadata."""

    def literal(text: str) -> str:
        return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'

    args = []
    description = doc.get_metadata("description", default=None)
    if isinstance(description, str) and description.strip():
        args += ["--variable", f"citeproof-typst-description={literal(description)}"]
    keywords = doc.get_metadata("keywords", default=None)
    if isinstance(keywords, list) and keywords:
        items = ", ".join(literal(str(k)) for k in keywords)
        args += ["--variable", f"citeproof-typst-keywords=({items},)"]
    return args
