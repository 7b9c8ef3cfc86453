"""``citeproof init [DIR]``: a new clinic project that builds as it is, from packaged files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from citeproof.errors import ExitCode, FileSystemError


def run(config: None, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from citeproof.scaffold import PROJECT_FILES, fill, today, write_new

    folder = Path(args.directory).resolve()
    if folder.exists() and not folder.is_dir():
        raise FileSystemError(f"{args.directory} is a file, not a folder", hint="give citeproof init a folder to create or fill")
    values = {"clinic": args.clinic, "today": today()}
    written: list[str] = []
    kept: list[str] = []
    try:
        for source, target in PROJECT_FILES:
            data = source.read_bytes()
            if source.suffix != ".svg":
                data = fill(data.decode("utf-8"), values).encode("utf-8")
            (written if write_new(folder / target, data) else kept).append(target)
    except OSError as exc:
        raise FileSystemError(f"cannot write the project into {folder}: {exc.strerror}", location=exc.filename) from None
    for target in written:
        if not args.quiet:
            print(f"created {target}", file=err)
    for target in kept:
        print(f"kept {target} (it exists; citeproof init never overwrites a file)", file=err)
    if not args.quiet:
        where = "" if folder == Path.cwd().resolve() else f"cd {args.directory} && "
        print(f'next: {where}citeproof new "Your first article" && citeproof build', file=out)
    return ExitCode.OK
