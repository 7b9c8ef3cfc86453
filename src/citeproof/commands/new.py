"""``citeproof new "Title"``: a new article with its front matter, named by its title's slug."""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from typing import TextIO

from citeproof.errors import ExitCode, FileSystemError, UsageError
from citeproof.project.config import Config, load_config


def run(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from citeproof.scaffold import SCAFFOLD, fill, slugify, today, write_new

    title = " ".join(args.title.split())
    if not title:
        raise UsageError("the article needs a title", hint='citeproof new "Managing high blood pressure"')
    try:
        title.encode("utf-8")
    except UnicodeEncodeError:  # bytes the terminal's encoding could not decode (a Latin-1 terminal): Python keeps them as surrogates
        raise UsageError(
            f"the title {os.fsencode(title).decode('ascii', 'backslashreplace')} is not valid UTF-8 text",
            hint="set your terminal to UTF-8 (e.g. LANG=en_US.UTF-8), or type the title without accented letters and add them in the file",
        ) from None
    # Where the articles already are (the most common folder), else manuscript/.
    folders = Counter(d.source.parent for d in config.documents)
    folder = folders.most_common(1)[0][0] if folders else config.root / "manuscript"
    name = args.name or slugify(title)
    if name != slugify(name):
        hint = f"use lower-case letters, digits and hyphens, e.g. {slugify(name)!r}"
        raise UsageError(f"--name {name!r} is not a file-name slug", hint=hint)
    path = folder / f"{name}.md"
    text = fill(
        (SCAFFOLD / "article.md").read_text(encoding="utf-8"),
        # JSON strings are YAML strings: quotes, colons and accents in a title stay intact.
        {"title": json.dumps(title, ensure_ascii=False), "lang": json.dumps(args.lang), "today": today()},
    )
    try:
        created = write_new(path, text.encode("utf-8"))
    except OSError as exc:
        raise FileSystemError(f"cannot write {config.relative(path)}: {exc.strerror}") from None
    if not created:
        raise UsageError(
            f"{config.relative(path)} already exists; citeproof new never overwrites a file",
            hint="choose another title, or another file name with --name",
        )
    print(config.relative(path), file=out)
    reloaded = load_config(args.config or config.root / "pyproject.toml")
    if path.resolve() not in {d.source for d in reloaded.documents}:
        print(
            f"warning: {config.relative(path)} is not among [tool.citeproof] documents; add it there to build it",
            file=err,
        )
    return ExitCode.OK
