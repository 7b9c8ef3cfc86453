"""Documents to outputs: parse once, check the citations, then write every product.

All outputs of a run are written into a private folder inside ``build/`` and moved into
place only when every one of them is complete, so a failed or interrupted build never
leaves a half-written file where the last good one was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from citeproof.build.clinic import load_clinic
from citeproof.project.config import Config
from citeproof.project.documents import check_citations
from citeproof.project.loader import load_project
from citeproof.errors import ConfigError
from citeproof.build.products import load_products, select_outputs
from citeproof.build.render import PREVIEW_DIR, Job, render
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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def prepare(config: Config, options: BuildOptions, log: Log) -> list[Job]:
    """Every output to make, after the strictness gate passed for every document."""
    products = load_products(config)
    jobs: list[Job] = []
    for loaded in load_project(config, options.documents, strict=True, log=log).documents:
        parsed, bib = loaded.parsed, loaded.bib
        check_citations(parsed, bib)
        style = resolve_style(parsed.config.style, config.root)
        outputs = select_outputs(
            parsed.config.name,
            products,
            wanted=options.products,
            formats=options.formats,
            paper=options.paper,
            allowed=parsed.config.products,
        )
        jobs.extend(Job(parsed, bib, style, output, options.draft, options.preview) for output in outputs)
    return jobs


def build(config: Config, options: BuildOptions, *, log: Log) -> list[Path]:
    """Build every selected document into every selected product; return the written paths."""
    clinic = load_clinic(config.clinic, config.root)
    jobs = prepare(config, options, log)
    if not jobs:
        raise ConfigError(["nothing to build: no product matches the documents, --product and --format given"])
    config.build_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=config.build_dir))
    try:
        workers = max(1, min(len(jobs), os.cpu_count() or 1))
        documents = len({j.parsed.config.name for j in jobs})
        log(f"building {_count(len(jobs), 'output')} of {_count(documents, 'document')} ({workers} at a time)")
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda job: render(job, config, clinic, staging), jobs))
        for job, warnings in zip(jobs, results, strict=True):
            for warning in warnings:
                log(f"warning: {job.parsed.display} ({job.output.filename}): {warning}")
        # Only now, with every output complete, replace the previous ones.
        written = []
        for staged in sorted(p for p in staging.rglob("*") if p.is_file()):
            target = config.build_dir / staged.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.replace(target)
            written.append(target)
            if target.parent == config.build_dir:
                log(f"wrote {config.relative(target)} ({target.stat().st_size // 1024 + 1} KB)")
        outputs = [p for p in written if p.parent == config.build_dir]
        if len(written) > len(outputs):
            log(f"wrote {len(written) - len(outputs)} preview pages into {config.relative(config.build_dir / PREVIEW_DIR)}/")
        return outputs
    finally:
        shutil.rmtree(staging, ignore_errors=True)
