#!/usr/bin/env python3
"""Benchmark: ``citeproof build`` against named baselines, ratios measured in the same run.

Sections (``--only`` picks some; all by default):

full     every output of 1 and 4 articles (``build --force``) against the same outputs made
         by hand: bare ``pandoc`` per format (re-reading the Markdown, re-running citeproc,
         one Python interpreter per ``--filter``), then a Python process per PDF calling
         ``typst.compile`` (the typst PyPI package ships no CLI).
cold     ``citeproof build -f html --force`` of the article against bare
         ``pandoc --citeproc ... -t html5 --embed-resources`` for the same page (goal <= 1.5x).
noop     a second ``citeproof build`` with nothing changed against ``citeproof --version``
         (goal <= 2x; and no pandoc or typst may run).
preview  edit-to-reload in a running ``citeproof preview`` (warm process, HTML): from the
         save to the page's reload event, against bare pandoc for the page (goal <= 1.2x).
library  a generated library (100 articles by default): full build, articles per minute per
         core, speed-up over one worker (on a slice of it, ``os.cpu_count`` set to 1), then
         one article edited: the rebuild touches only its outputs and takes at most 1.3x a
         single-article build.

citeproof always runs as ``python -m citeproof``, so its start-up is counted. Bytecode
caching is on, as in a user's installation (PYTHONDONTWRITEBYTECODE is removed from the
environment and a warm-up run writes the caches). Machines here are noisy: runs alternate
between the approaches compared and the medians are compared.
Usage: python benchmarks/build.py [--runs 5] [--only cold noop] [--library 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FILTERS = ("products.py", "source_needed.py", "callouts.py", "images.py")


def make_project(folder: Path, documents: int) -> Path:
    shutil.copytree(REPO / "templates", folder / "templates")  # the clinic's logo; the rest is packaged
    shutil.copy(REPO / "bibliography.bib", folder / "bibliography.bib")
    (folder / "manuscript").mkdir()
    article = (REPO / "manuscript" / "ketamine-addiction.md").read_text(encoding="utf-8")
    for index in range(documents):
        (folder / "manuscript" / f"article-{index}.md").write_text(article, encoding="utf-8")
    filters = ", ".join(f'"{name.removesuffix(".py")}"' for name in FILTERS)
    (folder / "pyproject.toml").write_text(f'[tool.citeproof]\ndocuments = ["manuscript/*.md"]\nfilters = [{filters}]\n', encoding="utf-8")
    return folder


def by_hand(project: Path, out: Path) -> None:
    import pypandoc

    from citeproof.project.styles import resolve_style

    pandoc = pypandoc.get_pandoc_path()
    csl = str(resolve_style("apa", project))
    from citeproof.project.resources import PACKAGED_FILTERS, PACKAGED_TEMPLATES

    templates = PACKAGED_TEMPLATES
    for source in sorted((project / "manuscript").glob("*.md")):
        filters = [arg for name in FILTERS for arg in ("--filter", str(PACKAGED_FILTERS / name))]
        common = [pandoc, str(source), "--citeproc", "--bibliography", str(project / "bibliography.bib"), "--csl", csl, *filters]
        common += ["-M", "link-citations=true"]
        stem = out / source.stem
        runs = [
            [
                *common,
                "-t",
                "html5",
                "-s",
                "--embed-resources",
                "--template",
                str(templates / "citeproof.html"),
                "--css",
                str(templates / "citeproof.css"),
                "-o",
                f"{stem}.html",
            ],
            [*common, "-t", "epub3", "--css", str(templates / "citeproof.css"), "-o", f"{stem}.epub"],
            [*common, "-t", "typst-citations", "--template", str(templates / "handout.typ"), "-o", f"{stem}.typ"],
            [
                sys.executable,
                "-c",
                f"import typst; typst.compile({str(stem) + '.typ'!r}, output={str(stem) + '.pdf'!r}, "
                "ignore_system_fonts=True, pdf_standards=['ua-1'])",
            ],
        ]
        # pandoc runs a .py filter with the first python on PATH: make it this one.
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        for command in runs:
            subprocess.run(command, check=True, cwd=project, capture_output=True, env=env)


def with_citeproof(project: Path) -> None:
    # --force: the hash store would otherwise make every run after the first a no-op.
    citeproof(project, "build", "--force")


# Bytecode caching on, as a user's installation has it.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ONE_WORKER = (
    "import os, sys, runpy; os.cpu_count = lambda: 1; sys.argv[0] = 'citeproof'; runpy.run_module('citeproof', run_name='__main__')"
)


def citeproof(project: Path, *args: str, workers: int | None = None) -> float:
    """Seconds one ``python -m citeproof`` run takes (``workers=1``: one output at a time)."""
    start = time.perf_counter()
    head = [sys.executable, "-c", ONE_WORKER] if workers == 1 else [sys.executable, "-m", "citeproof"]
    subprocess.run([*head, "-q", "--config", str(project / "pyproject.toml"), *args], check=True, capture_output=True, env=ENV)
    return time.perf_counter() - start


def timed(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=ENV, cwd=cwd)
    return time.perf_counter() - start


def bare_pandoc_html(project: Path, out: Path) -> list[str]:
    """The bare pandoc command for the article's web page: citeproc, the template, the stylesheet embedded."""
    import pypandoc

    from citeproof.project.resources import PACKAGED_TEMPLATES
    from citeproof.project.styles import resolve_style

    source = next(iter(sorted((project / "manuscript").glob("*.md"))))
    return [
        pypandoc.get_pandoc_path(), str(source), "--citeproc", "--bibliography", str(project / "bibliography.bib"),
        "--csl", str(resolve_style("apa", project)), "-t", "html5", "-s", "--embed-resources",
        "--template", str(PACKAGED_TEMPLATES / "citeproof.html"), "--css", str(PACKAGED_TEMPLATES / "citeproof.css"),
        "--section-divs", "-o", str(out / "bare.html"),
    ]  # fmt: skip


def ratio_line(name: str, ours: float, base: float, base_name: str, goal: float | None = None) -> None:
    verdict = "" if goal is None else ("  meets goal" if ours / base <= goal else "  MISSES goal") + f" (<= {goal:g}x)"
    print(f"{name:<34} {ours:7.3f} s   {base_name:<28} {base:7.3f} s   {ours / base:5.2f}x{verdict}")


def peak_rss_mib(approach: str, project: Path, out: Path) -> float:
    """Peak resident memory of the largest process one approach starts, measured in a fresh process."""
    done = subprocess.run(
        [sys.executable, __file__, "--measure", approach, str(project), str(out)], check=True, capture_output=True, text=True
    )
    return int(done.stdout.strip()) / 1024  # ru_maxrss is in KiB on Linux


def _measure(approach: str, project: Path, out: Path) -> None:
    import resource

    if approach == "hand":
        by_hand(project, out)
    else:
        with_citeproof(project)
    # RUSAGE_CHILDREN: the largest of the (waited-for) processes this one started.
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def full(args: argparse.Namespace) -> None:
    header = f"{'documents':>9}  {'by hand (s)':>11}  {'citeproof (s)':>13}  {'ratio':>6}"
    print(f"{header}  {'peak MiB hand':>13}  {'citeproof':>9}  {'ratio':>6}")
    for documents in args.documents:
        with tempfile.TemporaryDirectory() as tmp:
            project = make_project(Path(tmp) / "p", documents)
            hand_out = Path(tmp) / "hand"
            hand_out.mkdir()
            baseline: list[float] = []
            ours: list[float] = []
            by_hand(project, hand_out)  # warm the file cache for both
            for _ in range(args.runs):
                start = time.perf_counter()
                by_hand(project, hand_out)
                baseline.append(time.perf_counter() - start)
                start = time.perf_counter()
                with_citeproof(project)
                ours.append(time.perf_counter() - start)
            b, c = statistics.median(baseline), statistics.median(ours)
            mem_b, mem_c = peak_rss_mib("hand", project, hand_out), peak_rss_mib("citeproof", project, hand_out)
            print(f"{documents:>9}  {b:>11.2f}  {c:>13.2f}  {c / b:>5.2f}x  {mem_b:>13.0f}  {mem_c:>9.0f}  {mem_c / mem_b:>5.2f}x")
    print("time ratio = citeproof / by hand (median of runs); below 1.00x means citeproof is faster")
    print("peak MiB = resident memory of the largest process each approach starts (pandoc, typst, python)")


def cold_and_noop(args: argparse.Namespace, sections: set[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "p", 1)
        citeproof(project, "build")  # warm-up: bytecode caches written, file cache warm
        bare = bare_pandoc_html(project, Path(tmp))
        if "cold" in sections:
            ours, base = [], []
            for _ in range(args.runs):
                ours.append(citeproof(project, "build", "-f", "html", "--force"))
                base.append(timed(bare))
            ratio_line("cold: build -f html --force", statistics.median(ours), statistics.median(base), "bare pandoc, same page", 1.5)
        if "noop" in sections:
            ours, base = [], []
            for _ in range(args.runs):
                ours.append(citeproof(project, "build"))
                base.append(timed([sys.executable, "-m", "citeproof", "--version"]))
            ratio_line("no-op: second build", statistics.median(ours), statistics.median(base), "citeproof --version", 2.0)
            verbose = subprocess.run(
                [sys.executable, "-m", "citeproof", "-v", "--config", str(project / "pyproject.toml"), "build"],
                check=True, capture_output=True, text=True, env=ENV,
            )  # fmt: skip
            tools = [line for line in verbose.stderr.splitlines() if line.startswith("+ ")]
            print(f"{'':<34} tool commands in a no-op build (-v): {len(tools)}")


def preview_reload(args: argparse.Namespace) -> None:
    """Save -> reload event, in a running preview, against bare pandoc for the page."""
    import re
    import urllib.request

    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "p", 1)
        with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
            config.write('formats = ["html"]\n')  # the page alone: no PDF work competing for the cores
        source = next(iter((project / "manuscript").glob("*.md")))
        original = source.read_text(encoding="utf-8")
        bare = bare_pandoc_html(project, Path(tmp))
        server = subprocess.Popen(
            [sys.executable, "-m", "citeproof", "--config", str(project / "pyproject.toml"), "preview", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            url = server.stdout.readline().split()[2]
            page = url + source.stem + ".html"

            def version() -> int:
                text = urllib.request.urlopen(page, timeout=60).read().decode("utf-8")
                found = re.search(r'id="citeproof-findings">\{"version": (\d+), "checking": (true|false)', text)
                return int(found.group(1)) if found and found.group(2) == "false" else -1

            def settle() -> int:
                last, stable = -2, 0
                while stable < 3:
                    now = version()
                    stable = stable + 1 if now == last and now >= 0 else 0
                    last = now
                    time.sleep(0.3)
                return last

            ours, base = [], []
            for run in range(args.runs + 1):
                since = settle()
                events = urllib.request.urlopen(f"{url}_citeproof/events?since={since}", timeout=120)
                start = time.perf_counter()
                source.write_text(original + f"\nOne more sentence, number {run}.\n", encoding="utf-8")
                for line in events:
                    if line.startswith(b"event: reload"):
                        break
                took = time.perf_counter() - start
                events.close()
                if run:  # the first edit warms the process
                    ours.append(took)
                    base.append(timed(bare))
            ratio_line("preview: save to reload (HTML)", statistics.median(ours), statistics.median(base), "bare pandoc, same page", 1.2)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)


LIBRARY_ARTICLE = """---
title: "Library article {n}: sleep and blood pressure"
lang: en-US
date: 2026-01-{day:02d}
description: One of a generated library of short patient articles.
reviewed: ""
reviewer: ""
---

Article {n} of the library. Adults need at least seven hours of sleep each night
[@cdc2024sleep].

## Blood pressure

High blood pressure often causes no symptoms, so measuring it is the only way
to know [@who2023hypertension]. Reading {n} of this series explains why.

::: {{.note}}
Bring your own blood pressure readings to your next visit.
:::

## References

::: {{#refs}}
:::
"""


def make_library(folder: Path, articles: int) -> Path:
    from citeproof.scaffold import SCAFFOLD

    (folder / "manuscript").mkdir(parents=True)
    shutil.copy(SCAFFOLD / "bibliography.bib", folder / "bibliography.bib")
    for n in range(articles):
        text = LIBRARY_ARTICLE.format(n=n, day=n % 28 + 1)
        (folder / "manuscript" / f"article-{n:03d}.md").write_text(text, encoding="utf-8")
    (folder / "pyproject.toml").write_text(
        '[tool.citeproof]\ndocuments = ["manuscript/*.md"]\nfilters = ["products", "source_needed", "callouts", "images"]\n'
        'formats = ["html", "epub", "pdf"]\n',
        encoding="utf-8",
    )
    return folder


def library(args: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        single = make_library(Path(tmp) / "single", 1)
        citeproof(single, "build")  # warm-up
        one = statistics.median(citeproof(single, "build", "--force") for _ in range(args.runs))
        project = make_library(Path(tmp) / "library", args.library)
        full_build = citeproof(project, "build")
        outputs = len([p for p in (project / "build").iterdir() if p.is_file()])
        rate = args.library / (full_build / 60) / cores
        print(f"library: {args.library} articles, {outputs} outputs (HTML, EPUB, PDF), full build {full_build:.1f} s on {cores} cores")
        print(f"{'':<34} {rate:.1f} articles per minute per core")
        sliced = max(2, min(args.library, 2 * cores * 3))
        names = [f"article-{n:03d}" for n in range(sliced)]
        serial = citeproof(project, "build", "--force", *names, workers=1)
        parallel = citeproof(project, "build", "--force", *names)
        print(f"{'':<34} speed-up over one worker ({sliced} articles): {serial:.1f} s / {parallel:.1f} s = {serial / parallel:.2f}x")
        stamps = {p.name: p.stat().st_mtime_ns for p in (project / "build").iterdir() if p.is_file()}
        middle = args.library // 2
        edited = project / "manuscript" / f"article-{middle:03d}.md"
        edited.write_text(edited.read_text(encoding="utf-8").replace(f"Article {middle} ", "This article "), encoding="utf-8")
        rebuild = citeproof(project, "build")
        changed = sorted(p.name for p in (project / "build").iterdir() if p.is_file() and stamps.get(p.name) != p.stat().st_mtime_ns)
        ratio_line("library: one article edited", rebuild, one, "single-article build", 1.3)
        print(f"{'':<34} outputs remade: {', '.join(changed)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--documents", type=int, nargs="*", default=[1, 4])
    parser.add_argument("--library", type=int, default=100, help="articles in the generated library")
    sections = ("full", "cold", "noop", "preview", "library")
    parser.add_argument("--only", nargs="*", choices=sections, default=list(sections))
    parser.add_argument("--measure", nargs=3, metavar=("APPROACH", "PROJECT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args.measure[0], Path(args.measure[1]), Path(args.measure[2]))
        return
    chosen = set(args.only)
    if "full" in chosen:
        full(args)
    if chosen & {"cold", "noop"}:
        cold_and_noop(args, chosen)
    if "preview" in chosen:
        preview_reload(args)
    if "library" in chosen:
        library(args)


if __name__ == "__main__":
    main()
