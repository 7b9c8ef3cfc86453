#!/usr/bin/env python3
"""Benchmark: ``citeproof build`` against the same outputs made by hand, in the same run.

Baseline ("by hand"): for each document, bare ``pandoc`` commands run one after another,
one per format (HTML, EPUB, Typst source), each re-reading the Markdown, re-running
citeproc and starting one Python interpreter per ``--filter``; then one ``typst compile``
process per PDF. The typst PyPI package ships no CLI, so that step is a Python process
calling ``typst.compile`` (what a ``typst compile`` command does, plus interpreter start).

citeproof: ``python -m citeproof build`` as a process, so its start-up is counted too.

Machines here are noisy: runs alternate between the two and the medians are compared.
Usage: python benchmarks/build.py [--runs 5] [--documents 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
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
    subprocess.run(
        [sys.executable, "-m", "citeproof", "-q", "--config", str(project / "pyproject.toml"), "build"], check=True, capture_output=True
    )


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--documents", type=int, nargs="*", default=[1, 4])
    parser.add_argument("--measure", nargs=3, metavar=("APPROACH", "PROJECT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args.measure[0], Path(args.measure[1]), Path(args.measure[2]))
        return
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


if __name__ == "__main__":
    main()
