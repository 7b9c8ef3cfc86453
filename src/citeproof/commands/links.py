"""``citeproof links``: gather every URL of every document and report its verdict.

The URLs are the links and images in the Markdown, the ``url`` and ``doi`` fields of the
entries a document cites (or lists under ``nocite``), and the clinic's own addresses
from the config (the QR code's target, the helpline). Each URL is checked once.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from citeproof.errors import ExitCode
from citeproof.findings import Finding, Location, default_format, escape_text, write_report
from citeproof.links.verdicts import LinkResult, LinkTarget, check_links, extract_targets, results_to_findings, summarize
from citeproof.project.config import Config
from citeproof.project.loader import load_project

Progress = Callable[[int, int, LinkResult], None]


@dataclass(frozen=True)
class LinkRun:
    """What one ``citeproof links`` found."""

    results: list[LinkResult]
    findings: list[Finding]
    summary: dict[str, int]

    @property
    def offline(self) -> bool:
        return bool(self.summary.get("no_network"))


def gather_targets(config: Config, documents: Sequence[str] | None) -> list[LinkTarget]:
    """Every URL of the selected documents, merged so each is checked once."""
    clinic = config.clinic
    merged: dict[str, list[Location]] = {}
    pyproject = config.relative(config.root / "pyproject.toml")
    for loaded in load_project(config, documents, strict=False).documents:
        parsed, bib, doc_config = loaded.parsed, loaded.bib, loaded.parsed.config
        doc = parsed.load()
        cited = set(parsed.cited) | (bib.keys() if "*" in parsed.nocite else set(parsed.nocite))
        extra = [
            LinkTarget(url, (Location(pyproject, key=f"tool.citeproof.clinic.{name}"),))
            for name, url in (("online-url", clinic.online_address(doc_config.name)), ("helpline-url", clinic.helpline_url))
            if url
        ]
        # Each bibliography file on its own, so a URL's place names the file it is in; then the lock's entries.
        groups = [(part.entries, part.display) for part in bib.files] + [(tuple(e for e in bib.entries if e.origin), bib.display)]
        for entries, where in groups:
            for target in extract_targets(doc, parsed.source_text, parsed.display, entries, where, cited, extra=extra):
                places = merged.setdefault(target.url, [])
                places.extend(o for o in target.origins if o not in places)
    return [LinkTarget(url, tuple(origins)) for url, origins in merged.items()]


def run_links(
    config: Config,
    documents: Sequence[str] | None,
    *,
    strict: bool = False,
    no_cache: bool = False,
    suggest_archive: bool = False,
    progress: Progress | None = None,
) -> LinkRun:
    """Check every URL; one bad URL never stops the run, it becomes a finding."""
    settings = config.links
    settings = dataclasses.replace(
        settings, no_cache=settings.no_cache or no_cache, suggest_archive=settings.suggest_archive or suggest_archive
    )
    targets = gather_targets(config, documents)
    results = check_links(targets, settings, progress=progress)
    findings = results_to_findings(results, strict=strict, blocked_policy=settings.blocked_policy)
    summary = {"urls": len(results), **summarize(results)}
    return LinkRun(results, findings, summary)


def progress_printer(stream: TextIO | None = None) -> Progress:
    """A bar that redraws itself on a terminal; one plain line per URL elsewhere (CI logs)."""
    out = stream or sys.stderr
    live = out.isatty()

    def show(done: int, total: int, result: LinkResult) -> None:
        url = escape_text(result.url)  # from the Markdown or a .bib: a newline in it must not start a line
        if live:
            filled = int(24 * done / max(total, 1))
            out.write(f"\r[{'#' * filled}{'.' * (24 - filled)}] {done}/{total} {result.verdict:<10} {url[:60]:<60}")
            if done == total:
                out.write("\n")
        else:
            out.write(f"{done}/{total} {result.verdict:<10} {url}\n")
        out.flush()

    return show


def run(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:

    progress = None if args.quiet else progress_printer(err)
    run = run_links(
        config, args.documents, strict=args.strict, no_cache=args.no_cache, suggest_archive=args.suggest_archive, progress=progress
    )
    write_report(
        run.findings, fmt=args.report_format or default_format(), out=out, summary=run.summary, title="link check", quiet=args.quiet
    )
    if run.offline:
        print(
            f"citeproof: no network: none of the {run.summary['urls']} URLs could be reached; "
            "run the link check where the web is reachable",
            file=err,
        )
        return ExitCode.OFFLINE
    return ExitCode.FINDINGS if any(f.severity == "error" for f in run.findings) else ExitCode.OK
