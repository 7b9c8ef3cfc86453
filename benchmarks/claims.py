"""What ``citeproof check`` costs against pandoc's own parse, and how well the claim model does.

Run: ``PYTHONPATH=src python benchmarks/claims.py [--paragraphs N] [--rounds R] [--seed S]``

Cost. A temporary project gets the repository's own configuration (``pyproject.toml``:
its filters and four products), bibliography, templates and lock file, and one
generated document of ``--paragraphs`` paragraphs: the labelled sentences of
``tests/data/claims/sentences.jsonl`` two to four at a time, a third of the paragraphs
cited, every sixth block a heading, some words bold or linked. Each round runs, as child
processes, ``pandoc -f markdown -t json`` on that file and then the whole
``citeproof check`` command on it; the CPU time of each (user + system, children
included) is read from ``getrusage``. The ratio is check / parse for the median round
(other work on the machine moves single rounds a lot). Goal: at most 1.5x the parse.

Quality. Recall, specificity and F1 of the shipped model on each split of the labelled
sentences (split by topic; the test topics were never used to choose anything).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pypandoc

from citeproof.claims.model import load_model, measure

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = ROOT / "tests" / "data" / "claims" / "sentences.jsonl"
PROJECT_FILES = ("pyproject.toml", "bibliography.bib", "references.lock.json")
PROJECT_DIRS = ("templates", "filters")


def _rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in SENTENCES.read_text(encoding="utf-8").splitlines() if line.strip()]


def make_document(paragraphs: int, seed: int, keys: list[str]) -> str:
    """A long article of labelled sentences: headings, citations, bold and links."""
    rng = random.Random(seed)
    texts = [r["text"] for r in _rows()]
    blocks = ["---\ntitle: Benchmark\nlang: en-US\ndate: 2026-01-01\n---"]
    for index in range(paragraphs):
        if index % 6 == 0:
            blocks.append(f"## Section {index // 6 + 1}")
        text = " ".join(rng.choice(texts) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.2:
            head, _, rest = text.partition(" ")
            text = f"**{head}** {rest}"
        if rng.random() < 0.1:
            head, _, rest = text.partition(" ")
            text = f"[{head}](https://example.org/{index}) {rest}"
        if rng.random() < 0.33:
            text = text.rstrip(".?!:") + f" [@{keys[index % len(keys)]}]."
        blocks.append(text)
    return "\n\n".join(blocks) + "\n"


def make_project(where: Path, paragraphs: int, seed: int, *, filters: bool = True) -> Path:
    """The repository's configuration with one generated document; returns the document."""
    for name in PROJECT_FILES:
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, where / name)
    if not filters:  # the same configuration with no filter: no product is re-checked
        config = where / "pyproject.toml"
        config.write_text(re.sub(r"(?ms)^filters\s*=\s*\[.*?\]", "filters = []", config.read_text(encoding="utf-8")), encoding="utf-8")
    for name in PROJECT_DIRS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, where / name)
    keys = re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "bibliography.bib").read_text(encoding="utf-8"), re.MULTILINE)
    (where / "manuscript").mkdir()
    document = where / "manuscript" / "bench.md"
    document.write_text(make_document(paragraphs, seed, keys), encoding="utf-8")
    return document


def _cpu(command: list[str], cwd: Path, stdin: Path | None = None) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """CPU seconds (user + system) a child process and its children spent."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with (stdin or Path("/dev/null")).open("rb") as handle:
        done = subprocess.run(command, cwd=cwd, stdin=handle, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done


def quality() -> list[str]:
    """Recall, specificity and F1 on each split of the labelled sentences."""
    model = load_model()
    lines = [f"claim model (threshold {model.threshold}):"]
    rows = _rows()
    for split in ("train", "dev", "test"):
        chosen = [r for r in rows if r["split"] == split]
        found = measure(model, ((r["text"], r["label"] == "claim") for r in chosen))
        topics = ", ".join(sorted({r["topic"] for r in chosen}))
        lines.append(f"  {split:5} {found.line()}  ({topics})")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the median one is reported")
    parser.add_argument("--no-filters", action="store_true", help="the repository's configuration without its filters")
    args = parser.parse_args()

    print("\n".join(quality()))
    pandoc = pypandoc.get_pandoc_path()
    with tempfile.TemporaryDirectory(prefix="citeproof-bench-") as folder:
        root = Path(folder)
        document = make_project(root, args.paragraphs, args.seed, filters=not args.no_filters)
        check = [sys.executable, "-m", "citeproof", "check", "-d", "bench", "--format", "text"]
        rounds: list[tuple[float, float]] = []
        summary = ""
        for _ in range(args.rounds):
            parse_s, _ = _cpu([pandoc, "-f", "markdown", "-t", "json"], root, stdin=document)
            check_s, done = _cpu(check, root)
            if done.returncode not in (0, 1):
                print(done.stderr.decode("utf-8", "replace")[-2000:], file=sys.stderr)
                return 1
            summary = done.stdout.decode("utf-8").rstrip().rsplit("\n", 1)[-1]
            rounds.append((parse_s, check_s))
        ratios = [c / p for p, c in rounds]
        parse_s, check_s = rounds[ratios.index(statistics.median_low(ratios))]
        size = document.stat().st_size / 1e6
    setup = "the repository's configuration" + (" without its filters" if args.no_filters else " (filters, four products)")
    print(f"document: {args.paragraphs} paragraphs, {size:.2f} MB; {setup}")
    print(summary)
    print(f"CPU time, median of {args.rounds} rounds (ratios: {', '.join(f'{r:.2f}x' for r in ratios)}):")
    print(f"  pandoc -f markdown -t json:           {parse_s:7.2f} s")
    print(f"  citeproof check (repo configuration): {check_s:7.2f} s")
    print(f"citeproof check costs {check_s / parse_s:.2f}x pandoc's parse (goal: at most 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
