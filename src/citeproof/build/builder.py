"""Documents to outputs: parse once, check the citations, then write every product.

All outputs of a run are written into a private folder inside ``build/`` and moved into
place only when every one of them is complete, so a failed or interrupted build never
leaves a half-written file where the last good one was.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeproof.build.cache import BuildCache
from citeproof.build.clinic import Clinic
from citeproof.build.products import select_outputs
from citeproof.build.publish import Stage, open_stage, publish, remove_stale_stages
from citeproof.build.render import PREVIEW_DIR, Job, render
from citeproof.build.sandbox import (
    Resources,
    check_content,
    checked_asset,
    line_of,
    mirror_root,
    raise_problems,
    retarget_images,
    shown,
)
from citeproof.engines import process
from citeproof.errors import ConfigError, counted
from citeproof.findings import Finding
from citeproof.project.citations import malformed_citations, raise_malformed
from citeproof.project.config import Config
from citeproof.project.documents import ParsedDocument, check_citations
from citeproof.project.loader import load_project
from citeproof.project.styles import resolve_style

Log = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    """What one ``citeproof build`` asks for; ``None`` means "as configured"."""

    documents: tuple[str, ...] | None = None
    formats: tuple[str, ...] | None = None
    products: tuple[str, ...] | None = None
    draft: bool = False
    paper: str | None = None
    preview: bool = False  # also write PNG pages of every PDF into build/preview/
    force: bool = False  # remake every output, even those the hash store says are up to date


def prepare(config: Config, options: BuildOptions, log: Log) -> list[Job]:
    """Every output to make, after the strictness gate and the sandbox passed for every document."""
    products = config.products
    jobs: list[Job] = []
    problems: list[str] = []
    malformed: list[Finding] = []
    for loaded in load_project(config, options.documents, strict=True, log=log).documents:
        parsed, bib = loaded.parsed, loaded.bib
        check_citations(parsed, bib)
        malformed.extend(malformed_citations(parsed, bib.keys()))
        tree, resources, found = check_content(
            parsed.ast,
            source=parsed.source_text,
            display=parsed.display,
            folder=parsed.config.source.parent,
            root=config.root,
            build_dir=config.build_dir,
            policy=config.policy,
        )
        problems.extend(found)
        if resources.remote:
            problems.extend(_download(config, parsed, tree, resources))
        # Every engine downstream reads the checked copy (raw HTML sanitised), never the original.
        checked = dataclasses.replace(parsed, ast_json=json.dumps(tree))
        style = resolve_style(parsed.config.style, config.root)
        outputs = select_outputs(
            parsed.config.name,
            products,
            wanted=options.products,
            formats=options.formats,
            paper=options.paper,
            allowed=parsed.config.products,
        )
        jobs.extend(Job(checked, bib, style, output, options.draft, options.preview, resources) for output in outputs)
    raise_malformed(malformed)
    raise_problems(problems)
    return jobs


def build(config: Config, options: BuildOptions, *, log: Log) -> list[Path]:
    """Build every selected document into every selected product; return the written paths."""
    clinic = config.clinic
    for said in config.policy.relaxed():
        log(f"note: {said}")
    store = BuildCache(config, options, force=options.force)  # incremental: see build/cache.py
    narrowed = store.narrow(options)
    jobs = prepare(config, narrowed, log) if narrowed else []
    if narrowed and not jobs:
        raise ConfigError(["nothing to build: no product matches the documents, --product and --format given"])
    jobs = store.stale_jobs(jobs)
    if not jobs:
        log(f"nothing to do: {counted(len(store.fresh), 'output')} up to date (--force remakes them)")
        return []
    for folder in remove_stale_stages(config.build_dir):
        log(f"removed {config.relative(folder)}, left by a build that was stopped")
    stage = open_stage(config.build_dir)
    try:
        _fill_typst_root(config, clinic, jobs, stage)
        workers = max(1, min(len(jobs), os.cpu_count() or 1))
        documents = len({j.parsed.config.name for j in jobs})
        log(f"building {counted(len(jobs), 'output')} of {counted(documents, 'document')} ({workers} at a time)")
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda job: render(job, config, clinic, stage), jobs))
        for job, warnings in zip(jobs, results, strict=True):
            for warning in warnings:
                log(f"warning: {job.parsed.display} ({job.output.filename}): {warning}")
        # Only now, with every output complete, replace the previous ones, as one set.
        # A signal now waits for the set to be replaced (or rolled back) whole.
        with process.deferred_signals():
            written = publish(stage, config.build_dir)
        store.record(jobs, written)
        outputs = [p for p in written if p.parent == config.build_dir]
        for target in outputs:
            log(f"wrote {config.relative(target)} ({target.stat().st_size // 1024 + 1} KB)")
        if len(written) > len(outputs):
            log(f"wrote {len(written) - len(outputs)} preview pages into {config.relative(config.build_dir / PREVIEW_DIR)}/")
        return outputs
    finally:
        shutil.rmtree(stage.folder, ignore_errors=True)


def _fill_typst_root(config: Config, clinic: Clinic, jobs: Sequence[Job], stage: Stage) -> None:
    """Typst compiles in a folder holding copies of only the checked files: the images and the logo."""
    if not any(job.output.product.format in {"pdf", "epub"} for job in jobs):  # an EPUB's cover is typeset too
        return
    root = config.root.resolve()
    files = {name: path for job in jobs for name, path in job.resources.typst_files(root).items()}
    if clinic.logo is not None:
        logo = checked_asset(clinic.logo, config.root, config.build_dir, what="the clinic logo")
        files[logo.relative_to(root).as_posix()] = logo
    mirror_root(stage.typst_root, files)


def _download(config: Config, parsed: ParsedDocument, tree: dict[str, Any], resources: Resources) -> list[str]:
    """Remote images (remote-resources = "fetch"), through the link checker's guarded client; problems at their lines."""
    from citeproof.build.remote import fetch_images  # urllib3 and the link client: only when a document has remote images

    fetched, failed = fetch_images(resources.remote, config.build_dir, config.links)
    retarget_images(tree, {url: resources.add_download(url, path) for url, path in fetched.items()})
    return [
        f"{parsed.display}:{line_of(parsed.source_text, resources.remote[url])}: remote image {shown(url)} {why}"
        for url, why in failed.items()
    ]
