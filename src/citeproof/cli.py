"""The command line: ``citeproof build | check | links``; the only place errors meet the user."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from citeproof import __version__
from citeproof.config import FORMATS, PAPERS, Config, load_config
from citeproof.errors import CiteproofError, ExitCode
from citeproof.report import FORMATS as REPORT_FORMATS

DESCRIPTION = """\
Build citation-checked health articles from Pandoc Markdown and BibTeX.

A document is Markdown with citation keys such as [@korb2025]; the keys live in a
.bib file. citeproof turns each document named in [tool.citeproof] of pyproject.toml
into HTML, EPUB and PDF with a formatted reference list (APA 7 unless configured),
and refuses to build while a cited key is missing from the bibliography.
"""

EPILOG = """\
examples:
  citeproof build                       every document, every format
  citeproof build -p brochure -d ketamine-addiction
  citeproof build -f pdf --paper a4       every PDF product on A4
  citeproof build --draft               show "source needed" markers
  citeproof check                       every claim cites a source?
  citeproof check --format json         the same, for tools
  citeproof links                       every URL still live?

exit codes: 0 ok, 1 findings or bad input, 2 usage or configuration,
            3 a tool (pandoc, typst, a validator) failed, 130 interrupted
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citeproof", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"citeproof {__version__}")
    parser.add_argument(
        "--config", type=Path, metavar="PYPROJECT", help="the pyproject.toml to use (default: found from the current folder upwards)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = sub.add_parser(
        "build",
        help="write HTML, EPUB and PDF into build/",
        description="Write each document's outputs into the build folder. Outputs are replaced only when every one of them is complete.",
    )
    _add_documents(build)
    build.add_argument(
        "-p",
        "--product",
        dest="products",
        action="append",
        metavar="PRODUCT",
        help="only this product, e.g. brochure or handout (repeatable; default: every configured product)",
    )
    build.add_argument("-f", "--format", dest="formats", action="append", choices=FORMATS, help="only products of this format (repeatable)")
    build.add_argument("--draft", action="store_true", help='show a visible "source needed" marker at every known gap')
    build.add_argument("--paper", choices=PAPERS, help="paper size of every PDF product (default: as configured per product)")
    return parser


def _add_documents(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-d",
        "--document",
        dest="documents",
        action="append",
        metavar="NAME",
        help="only this document (repeatable; NAME is the file name without .md)",
    )


def _add_report_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", dest="report_format", choices=REPORT_FORMATS, help="report format (default: github inside GitHub Actions, else text)"
    )


def _cmd_build(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from citeproof.build import BuildOptions, build

    options = BuildOptions(
        documents=tuple(args.documents) if args.documents else None,
        formats=tuple(dict.fromkeys(args.formats)) if args.formats else None,
        products=tuple(dict.fromkeys(args.products)) if args.products else None,
        draft=args.draft,
        paper=args.paper,
    )
    started = time.perf_counter()

    def log(message: str) -> None:
        if message.startswith("warning") or not args.quiet:
            print(message, file=err)

    written = build(config, options, log=log)
    if not args.quiet:
        print(f"built {len(written)} outputs in {time.perf_counter() - started:.1f} s", file=err)
    return ExitCode.OK


COMMANDS = {"build": _cmd_build}


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run citeproof with ``argv``; return the exit code (never raises for a user's mistake)."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage or --help
        return int(exc.code or 0)
    try:
        config = load_config(args.config)
        return COMMANDS[args.command](config, args, out, err)
    except CiteproofError as exc:
        print(f"citeproof: error: {exc}", file=err)
        return exc.exit_code
    except KeyboardInterrupt:
        print("citeproof: interrupted; build/ was left as it was", file=err)
        return ExitCode.INTERRUPTED


def run() -> None:
    """Console entry point."""
    sys.exit(main())
