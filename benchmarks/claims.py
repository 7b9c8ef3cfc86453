"""How much the claim check adds to pandoc's own parse, on a 10,000-paragraph document.

Run: ``PYTHONPATH=src python benchmarks/claims.py [--paragraphs N] [--seed S]``

The document mixes the labelled units of ``tests/data/claims/units.jsonl`` (claims,
questions, instructions, lead-ins), a third of them cited, some bold, some linked.

Each round times, in one process: pandoc's parse (Markdown -> JSON text), then what
``citeproof check`` needs after that text exists: ``read_ast`` (``json.loads``) and
``check_ast``. The check's cost is read + check, counted against the parse of the
same round; the report gives the median round (other work on the machine moves
single rounds a lot). For reference only, not counted: ``panflute.load`` plus
``check_document``, the path a product-filtered Doc still takes.
Goal: the check adds less than 20% to the parse.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import subprocess
import time
from pathlib import Path

import panflute as pf
import pypandoc

from citeproof.claims.check import ClaimSettings, check_ast, check_document
from citeproof.claims.units import read_ast

UNITS = Path(__file__).resolve().parent.parent / "tests" / "data" / "claims" / "units.jsonl"


def make_document(paragraphs: int, seed: int) -> str:
    """A long article: every sixth block a heading, some paragraphs cited, bold or linked."""
    rng = random.Random(seed)
    texts = [json.loads(line)["text"] for line in UNITS.read_text(encoding="utf-8").splitlines() if line.strip()]
    blocks: list[str] = []
    for index in range(paragraphs):
        if index % 6 == 0:
            blocks.append(f"## Section {index // 6 + 1}")
        text = " ".join(rng.choice(texts) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.2:
            head, _, rest = text.partition(" ")
            text = f"**{head}** {rest}"
        if rng.random() < 0.1:
            head, _, rest = text.partition(" ")
            text = f"[{head}](https://example.org/{index}) {rest}"
        if rng.random() < 0.33:
            text = text.rstrip(".") + f" [@ref{index % 50}]."
        blocks.append(text)
    return "\n\n".join(blocks) + "\n"


def _round(pandoc: str, source: str, reference: bool) -> dict[str, float]:
    """One timed round: parse, then read + check (and, if asked, the panflute path)."""
    times: dict[str, float] = {}
    started = time.perf_counter()
    result = subprocess.run([pandoc, "-f", "markdown", "-t", "json"], input=source.encode("utf-8"), capture_output=True, check=True)
    ast_json = result.stdout.decode("utf-8")
    times["parse"] = time.perf_counter() - started
    started = time.perf_counter()
    ast = read_ast(ast_json)
    times["read"] = time.perf_counter() - started
    started = time.perf_counter()
    findings, summary = check_ast(ast, source, "bench.md", ClaimSettings())
    times["check"] = time.perf_counter() - started
    times["units"], times["findings"] = summary.units, len(findings)
    if reference:
        started = time.perf_counter()
        doc = pf.load(io.StringIO(ast_json))
        times["pf_load"] = time.perf_counter() - started
        started = time.perf_counter()
        check_document(doc, source, "bench.md", ClaimSettings())
        times["pf_check"] = time.perf_counter() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the median one is reported")
    args = parser.parse_args()

    source = make_document(args.paragraphs, args.seed)
    pandoc = pypandoc.get_pandoc_path()
    rounds = [_round(pandoc, source, reference=index == 0) for index in range(args.rounds)]
    ratios = [(r["read"] + r["check"]) / r["parse"] for r in rounds]
    median = rounds[ratios.index(statistics.median_low(ratios))]
    parse_s, read_s, check_s = median["parse"], median["read"], median["check"]
    per_k = 1000 / max(median["units"], 1)
    print(f"document: {len(source) / 1e6:.2f} MB, {median['units']:.0f} units, {median['findings']:.0f} findings")
    print(f"median of {args.rounds} rounds (ratios: {', '.join(f'{r:.0%}' for r in ratios)}):")
    print(f"  pandoc parse (markdown -> json):  {parse_s:.3f} s  ({parse_s * per_k:.4f} s per 1,000 units)")
    print(f"  read_ast (json.loads):            {read_s:.3f} s  ({read_s * per_k:.4f} s per 1,000 units)")
    print(f"  check_ast:                        {check_s:.3f} s  ({check_s * per_k:.4f} s per 1,000 units)")
    first = rounds[0]
    print(
        f"  for reference, not counted: panflute.load {first['pf_load']:.3f} s + check_document {first['pf_check']:.3f} s"
        f" (round 1; parse {first['parse']:.3f} s)"
    )
    print(f"share spent in pandoc's parse: {parse_s / (parse_s + read_s + check_s):.0%} of parse + read + check")
    print(f"check (read + check_ast) adds {(read_s + check_s) / parse_s:.0%} to the parse (goal: < 20%)")


if __name__ == "__main__":
    main()
