"""Documents to outputs: parse once, check the citations, then write every product.

All outputs of a run are written into a private folder inside ``build/`` and moved into
place only when every one of them is complete, so a failed or interrupted build never
leaves a half-written file where the last good one was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from citeproof.build.cache import BuildCache
from citeproof.build.clinic import Clinic
from citeproof.build.jobs import PREVIEW_DIR, Job
from citeproof.build.publish import Stage, open_stage, publish, remove_stale_stages
from citeproof.engines import process
from citeproof.errors import UsageError, counted
from citeproof.project.config import Config

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


def build(config: Config, options: BuildOptions, *, log: Log) -> list[Path]:
    """Build every selected document into every selected product; return the written paths."""
    clinic = config.clinic
    for said in config.policy.relaxed():
        log(f"note: {said}")
    store = BuildCache(config, options, force=options.force)  # incremental: see build/cache.py
    for filename in store.remove_orphans():
        log(f"removed {config.relative(config.build_dir / filename)}: its document is no longer configured")
    narrowed = store.narrow(options)
    if narrowed:  # the gate (and its imports) only when some output is out of date
        from citeproof.build.gate import prepare

        jobs = prepare(config, narrowed, log)
    else:
        jobs = []
    if narrowed and not jobs:
        raise UsageError(
            "nothing to build: no configured product matches the --product and --format given",
            hint="citeproof build --help lists the choices; [tool.citeproof.products] says each product's format",
        )
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
        from citeproof.build.render import render  # only now: a build with nothing to do never needs it

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

    from citeproof.build.sandbox import checked_asset, mirror_root

    root = config.root.resolve()
    files = {name: path for job in jobs for name, path in job.resources.typst_files(root).items()}
    if clinic.logo is not None:
        logo = checked_asset(clinic.logo, config.root, config.build_dir, what="the clinic logo")
        files[logo.relative_to(root).as_posix()] = logo
    mirror_root(stage.typst_root, files)
