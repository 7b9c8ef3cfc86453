"""Incremental builds: an output is remade only when something it is made from changed.

Each output in ``build/`` is recorded in a hash store (``build/.cache/build-hashes.json``)
with a content hash of everything it depends on: the document's source and pandoc's parse
of it, the bibliography entries it uses, the CSL style, the templates and filters of its
format, the project's configuration, the clinic's identity and logo, its images, the
pandoc and typst versions and citeproof's version. Two checks use the store:

* before parsing, a document whose recorded input files all hash the same, and whose
  outputs are all still in ``build/`` as they were written, is skipped without any pandoc
  work (this is what makes a no-op build cheap: nothing is parsed);
* after parsing, each output's full key is compared, so editing one .bib entry rebuilds
  only the documents that cite it, and editing the stylesheet leaves the PDFs alone.

The store is written atomically (temporary file, then rename) with a checksum of its
body; a store that does not parse or whose checksum does not match is ignored, so an
interrupted write costs a full rebuild, never a stale output. Outputs are byte-identical
either way: skipping a job changes nothing about how the others are made.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citeproof import __version__
from citeproof.build.products import Output, select_outputs
from citeproof.errors import CiteproofError
from citeproof.files import write_atomic
from citeproof.project import resources
from citeproof.project.config import Config, DocumentConfig

if TYPE_CHECKING:
    from citeproof.build.builder import BuildOptions
    from citeproof.build.jobs import Job

STORE = Path(".cache") / "build-hashes.json"
FORMAT = 1  # bump when what a key covers changes: every older record then misses
# The templates each format reads; a PDF reads its layout's. The EPUB's cover is the brochure's
# cover panel, typeset from brochure.typ (build/cover.py), so an edit there must remake the EPUB.
_TEMPLATES_BY_FORMAT = {"html": ("citeproof.html", "citeproof.css"), "epub": ("citeproof.css", "brochure.typ")}


def _digest(*parts: object) -> str:
    """One SHA-256 over ``parts`` (JSON-encoded, so ("ab", "c") and ("a", "bc") differ)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8")).hexdigest()


@functools.cache
def _file_hash(path: Path, size: int, mtime_ns: int) -> str:
    # Keyed by size and mtime too, so a long-lived process (preview) sees a saved file anew.
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_hash(path: Path) -> str:
    """The file's content hash, or "missing"."""
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return _file_hash(path, stat.st_size, stat.st_mtime_ns)


def code_hash() -> str:
    """citeproof's version: a new release rebuilds everything.

    Not a hash of its source: in a development checkout (an editable install) every save
    of any module would make every output stale. After editing citeproof itself, build
    with --force. Its templates and filters are hashed per output like a project's own.
    """
    return _digest(__version__)


def pandoc_version(known: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """pandoc's version, asked once per pandoc binary (path, size, mtime) and remembered in the store.

    The binary the store names is trusted while it is unchanged and CITEPROOF_PANDOC still
    says the same, so a no-op build does not even import pypandoc to find it.
    """
    chosen = os.environ.get("CITEPROOF_PANDOC", "").strip()
    identity = known.get("identity")
    if known.get("chosen") == chosen and isinstance(identity, list) and len(identity) == 3 and isinstance(known.get("version"), str):
        try:
            stat = Path(identity[0]).stat()
        except OSError:
            stat = None
        if stat is not None and [identity[0], stat.st_size, stat.st_mtime_ns] == identity:
            return known["version"], dict(known)
    from citeproof.engines.pandoc import pandoc_path
    from citeproof.engines.pandoc import pandoc_version as probe  # the one door: a broken pandoc is a clear error

    path = Path(pandoc_path())
    stat = path.stat()
    version = probe(str(path))
    return version, {"identity": [str(path), stat.st_size, stat.st_mtime_ns], "version": version, "chosen": chosen}


def typst_version(known: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The typst package's version, remembered in the store while its module file is unchanged
    (reading package metadata scans every folder on sys.path: ~20 ms of a no-op build)."""
    import importlib.util

    spec = importlib.util.find_spec("typst")
    origin = spec.origin if spec is not None and spec.origin else ""
    try:
        stat = Path(origin).stat()
        identity: list[Any] = [origin, stat.st_size, stat.st_mtime_ns]
    except OSError:
        identity = [origin]
    if known.get("identity") == identity and isinstance(known.get("version"), str):
        return known["version"], dict(known)
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("typst")
    except PackageNotFoundError:
        found = "unknown"
    return found, {"identity": identity, "version": found}


def shard_of(name: str, count: int) -> int:
    """The shard (0-based) a document belongs to: stable across machines, runs and library growth."""
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:12], 16) % count


def expected_outputs(config: Config, options: BuildOptions) -> list[tuple[DocumentConfig, Output]]:
    """The outputs a build with ``options`` makes, known from the configuration alone (no parsing)."""
    wanted = set(options.documents) if options.documents else None
    found: list[tuple[DocumentConfig, Output]] = []
    for document in config.documents:
        if wanted is not None and document.name not in wanted:
            continue
        outputs = select_outputs(
            document.name,
            config.products,
            wanted=options.products,
            formats=options.formats,
            paper=options.paper,
            allowed=document.products,
        )
        found.extend((document, output) for output in outputs)
    return found


class BuildCache:
    """The hash store of one build: what is fresh, what must be made, and what was made."""

    def __init__(self, config: Config, options: BuildOptions, *, force: bool = False) -> None:
        self.config = config
        self.options = options
        self.force = force
        self.path = config.build_dir / STORE
        body = self._load()
        self.outputs: dict[str, dict[str, Any]] = body.get("outputs", {})
        self.documents: dict[str, dict[str, Any]] = body.get("documents", {})
        version, self._pandoc = pandoc_version(body.get("pandoc", {}))
        typst, self._typst = typst_version(body.get("typst", {}))
        # What changes an output without changing its inputs: a draft mark, preview pages, and the paper
        # (--paper a4 writes the A4 handout under the name the Letter one has when a product has one paper).
        self.flags = [options.draft, options.preview, options.paper]
        shared = [
            FORMAT,
            code_hash(),
            version,
            typst,
            # The configuration as loaded (whatever file it came from), less the document list:
            # adding an article must not make every other article stale.
            repr(dataclasses.replace(config, documents=())),
            os.environ.get("SOURCE_DATE_EPOCH", ""),
            [(str(p), file_hash(p)) for p in config.filters],
            repr(config.clinic),
            file_hash(config.clinic.logo) if config.clinic.logo else "",
            file_hash(config.refs.lock),  # entries cited by identifier come from the lock
        ]
        self.shared = _digest(shared)
        every_template = sorted({*_TEMPLATES_BY_FORMAT["html"], "handout.typ", "brochure.typ"})
        self.all_templates = _digest([(n, file_hash(resources.template(config, n))) for n in every_template])
        self.fresh: list[str] = []  # file names found up to date in this run
        self._keys: dict[str, str] = {}
        self._touched: set[str] = set()  # output file names recorded in this run
        self._touched_documents: set[str] = set()
        self._removed: set[str] = set()  # output file names this run removed (their document is gone)

    # -- the store ------------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            body = data["body"]
            if data.get("format") != FORMAT or data.get("checksum") != _digest(body) or not isinstance(body, dict):
                return {}
        except (OSError, ValueError, KeyError, TypeError):
            return {}  # missing, half-written or foreign: trust nothing in it
        return body

    def save(self) -> None:
        """Write the store atomically: readers see the old store or the new one, whole.

        Only this run's records are written over what is on disk now, so two builds that
        overlap (preview's web pages and its PDFs) do not drop each other's records.
        """
        body = self._load()
        outputs = {**body.get("outputs", {}), **{f: self.outputs[f] for f in self._touched if f in self.outputs}}
        outputs = {f: record for f, record in outputs.items() if f not in self._removed}
        documents = {**body.get("documents", {}), **{d: self.documents[d] for d in self._touched_documents}}
        body = {"outputs": outputs, "documents": documents, "pandoc": self._pandoc, "typst": self._typst}
        text = json.dumps({"format": FORMAT, "checksum": _digest(body), "body": body}, sort_keys=True, indent=1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, text, durable=True)

    # -- before parsing: whole documents --------------------------------------------------
    def _document_state(self, document: DocumentConfig, style: Path | None, images: Iterable[str]) -> str:
        files = [document.source, *document.bibliographies, *(Path(p) for p in images)]
        if style is not None:
            files.append(style)
        return _digest(self.shared, self.all_templates, document.name, [(str(p), file_hash(p)) for p in files])

    def _output_intact(self, filename: str, record: Mapping[str, Any]) -> bool:
        """The output is in build/ as it was written: same size and time, or (restored from a CI cache,
        which keeps contents but not always times) same content hash."""
        path = self.config.build_dir / filename
        try:
            stat = path.stat()
        except OSError:
            return False
        if record.get("flags") != self.flags or record.get("size") != stat.st_size:
            return False
        return record.get("mtime_ns") == stat.st_mtime_ns or record.get("sha") == file_hash(path)

    def _style(self, document: DocumentConfig, known: Mapping[str, Any], resolve: Callable[[str, Path], Path]) -> Path | None:
        """The document's CSL file: as recorded for the same style name (no lookup among the
        thousands of packaged styles), else resolved now; None if it cannot be (the parse says why)."""
        if known.get("style-name") == document.style and isinstance(known.get("style"), str) and Path(known["style"]).is_file():
            return Path(known["style"])
        try:
            return resolve(document.style, self.config.root)
        except CiteproofError:
            return None

    def stale_documents(self) -> list[str]:
        """Names of the selected documents that must be parsed: some output may need remaking."""
        from citeproof.project.styles import resolve_style

        by_document: dict[str, list[Output]] = {}
        documents: dict[str, DocumentConfig] = {}
        for document, output in expected_outputs(self.config, self.options):
            by_document.setdefault(document.name, []).append(output)
            documents[document.name] = document
        stale: list[str] = []
        for name, outputs in by_document.items():
            known = self.documents.get(name, {})
            style = self._style(documents[name], known, resolve_style)
            state = self._document_state(documents[name], style, known.get("images", []))
            records = [self.outputs.get(o.filename) for o in outputs]
            if self.force or not all(
                r and r.get("state") == state and self._output_intact(o.filename, r) for o, r in zip(outputs, records, strict=True)
            ):
                stale.append(name)
            else:
                self.fresh.extend(o.filename for o in outputs)
        return stale

    def narrow(self, options: BuildOptions) -> BuildOptions | None:
        """``options`` limited to the documents that must be parsed; None when none must."""
        if options.documents and not set(options.documents) <= {d.name for d in self.config.documents}:
            return options  # an unknown name: the parse reports it, with the configured names
        if not expected_outputs(self.config, options):
            return options  # nothing selected at all: the build says so
        stale = self.stale_documents()
        if not stale:
            return None
        return dataclasses.replace(options, documents=tuple(stale))

    # -- after parsing: single outputs ----------------------------------------------------
    def job_key(self, job: Job) -> str:
        """Everything ``job``'s output is made from, as one hash."""
        parsed, product = job.parsed, job.output.product
        names = _TEMPLATES_BY_FORMAT.get(product.format, (f"{product.layout}.typ",))
        templates = [(n, file_hash(resources.template(self.config, n))) for n in names]
        keys = parsed.cited | parsed.nocite
        everything = "*" in keys
        entries = sorted((e.key, e.entry_type, sorted(e.fields.items())) for e in job.bib.entries if everything or e.key in keys)
        items = sorted(json.dumps(i, sort_keys=True) for i in job.bib.csl_items if everything or str(i.get("id")) in keys)
        images = sorted((target, file_hash(path)) for target, path in job.resources.files.items())
        return _digest(
            self.shared, templates, parsed.source_text, parsed.ast_json, repr(parsed.config), entries, items,
            file_hash(job.style), images, job.output.filename, repr(product), job.output.paper, self.flags,
        )  # fmt: skip

    def stale_jobs(self, jobs: Sequence[Job]) -> list[Job]:
        """The jobs whose output must be made; the others are marked fresh (and the store saved if none remain)."""
        stale: list[Job] = []
        for job in jobs:
            name = job.parsed.config.name
            images = sorted(str(p) for p in job.resources.files.values())
            self.documents[name] = {"images": images, "style": str(job.style), "style-name": job.parsed.config.style}
            self._touched_documents.add(name)
            key = self.job_key(job)
            self._keys[job.output.filename] = key
            record = self.outputs.get(job.output.filename)
            if not self.force and record and record.get("key") == key and self._output_intact(job.output.filename, record):
                record["state"] = self._state_of(job)
                self._touched.add(job.output.filename)
                self.fresh.append(job.output.filename)
            else:
                stale.append(job)
        if not stale:
            self.save()
        return stale

    def _state_of(self, job: Job) -> str:
        images = self.documents.get(job.parsed.config.name, {}).get("images", [])
        return self._document_state(job.parsed.config, job.style, images)

    def remove_orphans(self) -> list[str]:
        """Remove from build/ the outputs this store made for documents no longer configured.

        An article deleted from the manuscript must not stay published by the next CI run. Only
        a file citeproof wrote and nobody changed since (its recorded size and hash) is removed;
        anything else in build/ is the user's and stays.
        """
        configured = {d.name for d in self.config.documents}
        removed = []
        for filename, record in sorted(self.outputs.items()):
            document = record.get("document")
            if not isinstance(document, str) or document in configured:
                continue
            path = self.config.build_dir / filename
            try:
                ours = path.stat().st_size == record.get("size") and file_hash(path) == record.get("sha")
            except OSError:
                ours = False  # already gone: forget it
            if ours:
                path.unlink()
                removed.append(filename)
            self._removed.add(filename)
            del self.outputs[filename]
        if self._removed:
            self.save()
        return removed

    def record(self, jobs: Sequence[Job], written: Sequence[Path]) -> None:
        """Remember what the published outputs were made from, then save the store."""
        published = {p.name for p in written}
        for job in jobs:
            filename = job.output.filename
            if filename not in published:
                continue
            stat = (self.config.build_dir / filename).stat()
            self._touched.add(filename)
            self.outputs[filename] = {
                "document": job.parsed.config.name,
                "key": self._keys.get(filename) or self.job_key(job),
                "state": self._state_of(job),
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
                "sha": file_hash(self.config.build_dir / filename),
                "flags": self.flags,
            }
        self.save()


def shard(config: Config, names: Sequence[str] | None, index: int, count: int) -> tuple[str, ...]:
    """The documents (of ``names``, or all) in shard ``index`` of ``count`` (1-based, as --shard K/N)."""
    chosen = names if names is not None else [d.name for d in config.documents]
    return tuple(n for n in chosen if shard_of(n, count) == index - 1)


def summary(config: Config, options: BuildOptions, written: Sequence[Path], *, seconds: float) -> str:
    """``citeproof build --json``: every selected output, built in this run or up to date."""
    made = {p.name for p in written}
    outputs = [
        {
            "document": document.name,
            "product": output.product.name,
            "format": output.product.format,
            "paper": output.paper,
            "path": config.relative(config.build_dir / output.filename),
            "status": "built" if output.filename in made else "up-to-date",
        }
        for document, output in expected_outputs(config, options)
    ]
    built = sum(o["status"] == "built" for o in outputs)
    return json.dumps({"outputs": outputs, "built": built, "up_to_date": len(outputs) - built, "seconds": round(seconds, 3)}, indent=2)
