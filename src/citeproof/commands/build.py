"""``citeproof build``: every document into every product, replacing outputs only when all are complete."""

from __future__ import annotations

import argparse
import time
from typing import TextIO

from citeproof.errors import ExitCode
from citeproof.project.config import Config


def run(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from citeproof.build.builder import BuildOptions, build

    options = BuildOptions(
        documents=tuple(args.documents) if args.documents else None,
        formats=tuple(dict.fromkeys(args.formats)) if args.formats else None,
        products=tuple(dict.fromkeys(args.products)) if args.products else None,
        draft=args.draft,
        paper=args.paper,
        preview=args.preview,
    )
    started = time.perf_counter()

    def log(message: str) -> None:
        if message.startswith("warning") or not args.quiet:
            print(message, file=err)

    written = build(config, options, log=log)
    if not args.quiet:
        noun = "output" if len(written) == 1 else "outputs"
        print(f"built {len(written)} {noun} in {time.perf_counter() - started:.1f} s", file=err)
    return ExitCode.OK
