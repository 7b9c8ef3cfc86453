"""``citeproof build``: every document into every product, replacing outputs only when all are complete."""

from __future__ import annotations

import argparse
import time
from typing import TextIO

from citeproof.errors import ExitCode
from citeproof.project.config import Config


def run(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from citeproof.build.builder import BuildOptions, build

    documents = tuple(args.documents) if args.documents else None
    if args.shard:  # a stable slice, for a CI matrix: see .github/workflows/library-example.yml
        from citeproof.build.cache import shard

        documents = shard(config, documents, *args.shard)
        if not documents:
            print(f"shard {args.shard[0]}/{args.shard[1]} holds no document", file=err)
            if args.json:
                print('{"outputs": [], "built": 0, "up_to_date": 0}', file=out)
            return ExitCode.OK
    options = BuildOptions(
        documents=documents,
        formats=tuple(dict.fromkeys(args.formats)) if args.formats else None,
        products=tuple(dict.fromkeys(args.products)) if args.products else None,
        draft=args.draft,
        paper=args.paper,
        preview=args.preview,
        force=args.force,
    )
    started = time.perf_counter()

    def log(message: str) -> None:
        if message.startswith("warning") or not args.quiet:
            print(message, file=err)

    written = build(config, options, log=log)
    if not args.quiet:
        noun = "output" if len(written) == 1 else "outputs"
        print(f"built {len(written)} {noun} in {time.perf_counter() - started:.1f} s", file=err)
    if args.json:
        from citeproof.build.cache import summary

        print(summary(config, options, written, seconds=time.perf_counter() - started), file=out)
    return ExitCode.OK
