"""``citeproof build``: every document into every product, replacing outputs only when all are complete."""

from __future__ import annotations

import argparse
import dataclasses
import time
from typing import TextIO

from citeproof.errors import BuildError, ExitCode, counted
from citeproof.project.config import Config

DRAFT_DIR = "draft"  # build/draft/: where --draft writes


def release_reasons(config: Config, documents: tuple[str, ...] | None) -> list[str]:
    """Every reason the documents may not be published, all at once: claim-check errors under
    --strict (open gaps included), reference errors against the lock, medical reviews missing,
    unnamed, dated in the future or overdue, and front matter without a title or still holding
    placeholder text (the check's findings under --release: see build/review.py)."""
    from citeproof.commands.check import run_check

    result = run_check(config, documents, strict=True, release=True)
    return [f"{f.location}: {f.message} [{f.rule}]" for f in result.findings if f.severity == "error"]


def run(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from citeproof.build.builder import BuildOptions, build

    if getattr(args, "release", False):
        reasons = release_reasons(config, tuple(args.documents) if args.documents else None)
        if reasons:
            listed = "\n".join(f"  - {reason}" for reason in reasons)
            raise BuildError(
                f"release refused: {counted(len(reasons), 'reason')} not to publish:\n{listed}",
                hint="fix each one (citeproof check --strict lists the claims), or build without --release for a draft",
            )
    if args.draft:
        # A draft never lands where a release is published from, nor overwrites one.
        config = dataclasses.replace(config, build_dir=config.build_dir / DRAFT_DIR)

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
        print(f"built {counted(len(written), 'output')} in {time.perf_counter() - started:.1f} s", file=err)
    if args.json:
        from citeproof.build.cache import summary

        print(summary(config, options, written, seconds=time.perf_counter() - started), file=out)
    return ExitCode.OK
