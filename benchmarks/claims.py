"""How much the claim check adds to pandoc's own parse, on a 10,000-paragraph document.

Run: ``PYTHONPATH=src python benchmarks/claims.py [--paragraphs N] [--seed S]``

The document mixes the labelled units of ``tests/data/claims/units.jsonl`` (claims,
questions, instructions, lead-ins), a third of them cited, some bold, some linked.
It times, in one run: pandoc's parse (Markdown -> JSON), ``panflute.load`` (reported
apart: the build needs that Doc anyway) and ``check_document``. Goal: the check adds
less than 20% to the parse.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import time
from pathlib import Path

import panflute as pf
import pypandoc

from citeproof.claims import ClaimSettings, check_document

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    source = make_document(args.paragraphs, args.seed)
    pandoc = pypandoc.get_pandoc_path()

    started = time.perf_counter()
    result = subprocess.run([pandoc, "-f", "markdown", "-t", "json"], input=source.encode("utf-8"), capture_output=True, check=True)
    parsed = time.perf_counter()
    doc = pf.load(io.StringIO(result.stdout.decode("utf-8")))
    loaded = time.perf_counter()
    findings, summary = check_document(doc, source, "bench.md", ClaimSettings())
    checked = time.perf_counter()

    parse_s, load_s, check_s = parsed - started, loaded - parsed, checked - loaded
    per_k = 1000 / max(summary.units, 1)
    print(f"document: {len(source) / 1e6:.2f} MB, {summary.units} units, {len(findings)} findings")
    print(f"summary: {summary.as_dict()}")
    print(f"pandoc parse (markdown -> json): {parse_s:.3f} s  ({parse_s * per_k:.4f} s per 1,000 units)")
    print(f"panflute.load:                   {load_s:.3f} s  ({load_s * per_k:.4f} s per 1,000 units)")
    print(f"check_document:                  {check_s:.3f} s  ({check_s * per_k:.4f} s per 1,000 units)")
    print(f"end to end (parse + load + check): {(parse_s + load_s + check_s) * per_k:.4f} s per 1,000 units")
    print(f"share spent in pandoc's parse: {parse_s / (parse_s + check_s):.0%} of parse + check")
    print(f"check adds {check_s / parse_s:.0%} to the parse (goal: < 20%)")


if __name__ == "__main__":
    main()
