"""The command line: ``citeproof build | check | links | validate | refs | init | new | preview``; the only place errors meet the user."""

from __future__ import annotations

import argparse
import difflib
import errno
import importlib
import json
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from citeproof import __version__
from citeproof.engines import process
from citeproof.errors import CiteproofError, ExitCode, FileSystemError, UsageError
from citeproof.findings import FORMATS as REPORT_FORMATS
from citeproof.project.config import FORMATS, PAPERS, Config, load_config

RAW = argparse.RawDescriptionHelpFormatter

DESCRIPTION = """\
Build citation-checked health articles from Pandoc Markdown and BibTeX.

A document is Markdown with citation keys such as [@korb2025]; the keys live in a
.bib file. citeproof turns each document named in [tool.citeproof] of pyproject.toml
into HTML, EPUB and PDF with a formatted reference list (APA 7 unless configured),
and refuses to build while a cited key is missing from the bibliography.
"""

EPILOG = """\
examples:
  citeproof build                       every document into every product
  citeproof build -p brochure           only the tri-fold brochure
  citeproof build -f pdf --paper a4     every PDF product on A4
  citeproof build --draft               show "source needed" markers
  citeproof build --release             only if every check passes and every article is reviewed
  citeproof check                       every claim cites a source?
  citeproof check --format json         the same, for tools
  citeproof links                       every URL still live?
  citeproof validate                    EPUBCheck, Ace, Nu and axe-core on build/
  citeproof refs add doi:10.1111/add.70073   a complete entry from the registry
  citeproof refs check --offline        every reference matches its locked registry record?

exit codes: 0 ok, 1 findings or bad input, 2 usage or configuration,
            3 a tool (pandoc, typst, a validator) failed, 4 no network (links, refs),
            130 interrupted (Ctrl-C), 143 stopped (SIGTERM); preview, which Ctrl-C
            is meant to end, exits 0
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citeproof", description=DESCRIPTION, epilog=EPILOG, formatter_class=RAW)
    parser.add_argument("--version", action="version", version=f"citeproof {__version__}")
    parser.add_argument(
        "--config", type=Path, metavar="PYPROJECT", help="the pyproject.toml to use (default: found from the current folder upwards)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each pandoc and typst command as it starts")
    parser.add_argument("--traceback", action="store_true", help="on an error, print Python's traceback too (for bug reports)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # -q works after the command too ("citeproof build -q"); SUPPRESS keeps the global value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only warnings and errors")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="print each tool command as it starts")
    common.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS, help="on an error, print the traceback too")
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="PYPROJECT", help="the pyproject.toml to use")

    build = _command(sub, common, "build", "write HTML, EPUB and PDF into build/", BUILD_DESCRIPTION)
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
    publish = build.add_mutually_exclusive_group()
    publish.add_argument(
        "--draft", action="store_true", help='write into build/draft/, with a visible "source needed" marker at every known gap'
    )
    publish.add_argument(
        "--release",
        action="store_true",
        help="refuse to build (exit 1, every reason listed) while the strict claim check or the reference check has errors "
        "or a document is not medically reviewed or is overdue for review",
    )
    build.add_argument("--preview", action="store_true", help="also write PNG pages of every PDF into build/preview/")
    build.add_argument("--paper", choices=PAPERS, help="paper size of every PDF product (default: as configured per product)")
    build.add_argument("--force", action="store_true", help="remake every output, even those unchanged since the last build")
    build.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="build only the K-th of N stable slices of the documents (by a hash of each name), e.g. for a CI matrix",
    )
    build.add_argument("--json", action="store_true", help="print a JSON summary of every output (built or up to date) on stdout")
    check = _report_command(sub, common, "check", "every claim cites a source? (and bibliography facts)", CHECK_DESCRIPTION,
                            strict="release mode: open gaps (.needs-source) fail the check too")  # fmt: skip
    check.add_argument("--explain", action="store_true", help="print every unit and sentence with its verdict, score and deciding features")
    validate = _command(sub, common, "validate", VALIDATE_SUMMARY, VALIDATE_DESCRIPTION)
    _add_documents(validate)
    _add_report_format(validate)
    validate.add_argument("--only", dest="formats", action="append", choices=FORMATS, help="only outputs of this format (repeatable)")
    validate.add_argument("--no-preview", dest="previews", action="store_false", help="write no screenshots or PDF pages")
    validate.add_argument(
        "--require-tools", action="store_true", help="fail (exit 3) when any validator is missing instead of skipping it (CI)"
    )
    links = _report_command(sub, common, "links", "every URL still live?", LINKS_DESCRIPTION,
                            strict="permanent redirects, missing #fragments and the deadline fail the check too")  # fmt: skip
    links.add_argument("--no-cache", action="store_true", help="check every URL again, ignoring results cached in build/.cache/links.json")
    links.add_argument("--suggest-archive", action="store_true", help="for each broken URL, look up an archived copy to link instead")
    _refs_command(sub, common)
    _writer_commands(sub, common)
    return parser


def _writer_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """``init``, ``new`` and ``preview``: start a project, start an article, watch it take shape."""
    init = _command(sub, common, "init", "start a clinic project in DIR (default: here)", INIT_DESCRIPTION)
    init.add_argument("directory", nargs="?", default=".", metavar="DIR", help="the project folder (created if missing)")
    init.add_argument("--clinic", default="Example Clinic", metavar="NAME", help="the clinic's name, for the config and README")
    new = _command(sub, common, "new", 'add an article: citeproof new "Managing high blood pressure"', NEW_DESCRIPTION)
    new.add_argument("title", help="the article's title; its slug names the file")
    new.add_argument("--name", metavar="SLUG", help="the file name without .md (default: from the title)")
    new.add_argument("--lang", default="en-US", help="the article's language tag (default: en-US)")
    preview = _command(sub, common, "preview", PREVIEW_SUMMARY, PREVIEW_DESCRIPTION)
    _add_documents(preview)
    preview.add_argument("--port", type=_port, help="the port to serve on (default: 8765, or any free one if taken; 0: any)")
    preview.add_argument("--open", action="store_true", help="open the page in the default browser")


def _refs_command(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """``citeproof refs``: its actions are defined beside the command (citeproof.commands.refs)."""
    from citeproof.commands.refs import DESCRIPTION as REFS_DESCRIPTION
    from citeproof.commands.refs import configure_parser

    refs = _command(sub, common, "refs", "add references by DOI or PMID, lock their records, verify every entry", REFS_DESCRIPTION)
    configure_parser(refs)


BUILD_DESCRIPTION = """\
Write each document's outputs into the build folder. Outputs are replaced only
when every one of them is complete.
"""

VALIDATE_SUMMARY = "prove the built outputs with EPUBCheck, Ace, the Nu checker, axe-core and PDF read-back"
VALIDATE_DESCRIPTION = """\
Run each field's own validators on the outputs in build/ (run `citeproof build`
first) and write screenshots and PDF pages into build/preview/. A validator that
is not installed is skipped with a note saying what to install. Exit 0 when no
validator reports an error or warning, 1 otherwise.
"""

INIT_DESCRIPTION = """\
Write a new project: pyproject.toml with a commented [tool.citeproof] table,
manuscript/ with an example article, bibliography.bib, .gitignore, GitHub
workflows, a pre-commit config and a README. Templates and filters come from
citeproof itself. An existing file is never overwritten.
"""

NEW_DESCRIPTION = """\
Write manuscript/<slug>.md with its front matter (title, lang, date, description,
review fields). An existing file is never overwritten (exit 2).
"""

PREVIEW_SUMMARY = "serve the web page on this machine, rebuild on save, show the check's findings on it"
PREVIEW_DESCRIPTION = """\
Build the HTML, serve it on 127.0.0.1 (the URL is printed) and watch the project:
each save rebuilds what it touched (the page first, PDFs and EPUB after) and
reloads the browser. Uncited claims, open gaps and reference problems are marked
on the page; a build error shows as the page, with its file and line. Ctrl-C
stops it (exit 0: that is how a preview ends).
"""

LINKS_DESCRIPTION = """\
Check every URL: links and images in the Markdown, the url and doi fields of the cited
.bib entries, and the clinic's addresses in the config. Each URL is checked once, politely
(per-host limits, Retry-After honoured), and gets one verdict with its evidence:

  ok           the page answered
  redirected   it moved permanently: update the link (a warning)
  broken       404, 410, 5xx after retries, DNS failure, refused, TLS error, timeout
  blocked      a bot wall (403 challenge, 999), not a dead page (a warning)
  broken-fragment  the page has no such #anchor
  skipped      excluded by config, not HTTP, or refused by the SSRF guard

A DOI is checked at the DOI resolver first (is it registered?), then at its landing page.
Results that were ok are cached for a day (build/.cache/links.json).
Exit 0 when nothing is broken, 1 otherwise, 4 when no URL could be reached at all
(no network). Settings live in [tool.citeproof.links].
"""


CHECK_DESCRIPTION = """\
Report every claim that cites no source, sentence by sentence: each sentence of a
paragraph, list item, quotation, table cell or footnote is scored by a small model
whose features a reader can check (cue words, the sentence's form, what its numbers
do). A citation covers its own sentence and the uncited sentences before it, never
those after it ([tool.citeproof.claims] citation-scope = "sentence" narrows it to its
own). Each finding quotes the sentence, its Markdown line, its score and the features
that decided it; --explain prints every sentence's verdict.

Marks an author can set, always counted in the summary:
  [text]{.no-claim}                          not a claim (a definition, a call to action)
  [text]{.needs-source reason="..."}         a known gap: a warning, an error with --strict

Also checked: cited keys missing from the .bib, duplicate or malformed entries (errors),
entries never cited, web entries without a URL or DOI (warnings).
Exit 0 when nothing is an error, 1 otherwise.
"""


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    name: str,
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    """A command with the common options; its description keeps its own line breaks (tables of verdicts)."""
    return sub.add_parser(name, parents=[common], help=summary, description=description, formatter_class=RAW)


def _report_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    name: str,
    summary: str,
    description: str,
    *,
    strict: str,
) -> argparse.ArgumentParser:
    """A checking command: documents to check, a report format, and --strict."""
    parser = _command(sub, common, name, summary, description)
    _add_documents(parser)
    _add_report_format(parser)
    parser.add_argument("--strict", action="store_true", help=strict)
    return parser


def _add_documents(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="DOCUMENT",
        help="only these documents: a name, or the Markdown file itself (manuscript/x.md); default: every configured document",
    )
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


# Each command lives in citeproof.commands.<name> as run(config, args, out, err) -> exit code;
# imported only when chosen, so `citeproof --help` loads none of them.
COMMANDS = ("build", "check", "links", "validate", "init", "new", "preview", "refs")


def _say(err: TextIO, message: str) -> None:
    """An error for the user: messages quote input (keys, paths, URLs), so no line of it may act on a
    terminal or start a CI workflow command."""
    from citeproof.findings import escape_text, safe_line

    print("\n".join(safe_line(escape_text(line)) for line in message.split("\n")), file=err)


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run citeproof with ``argv``; return the exit code (never raises for a user's mistake)."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage or --help
        return int(exc.code or 0)
    process.reset()
    previous = _catch_signals()
    try:
        _log_tool_commands(err if args.verbose else None)
        config = None if args.command == "init" else load_config(args.config)  # init writes the config
        if config is not None and hasattr(args, "targets"):
            args.documents = select_targets(config, [*(args.documents or ()), *args.targets]) or None
        command = importlib.import_module(f"citeproof.commands.{args.command}")
        code: int = command.run(config, args, out, err)
        return code
    except KeyboardInterrupt:  # our handler raises it for SIGTERM too
        name = signal.Signals(process.stop_signal() or signal.SIGINT).name
        print(f"citeproof: stopped by {name}; build/ was left as it was", file=err)
        return ExitCode.TERMINATED if process.stop_signal() == signal.SIGTERM else ExitCode.INTERRUPTED
    except CiteproofError as exc:
        if process.stop_signal():  # a failure caused by the stop itself: report the stop
            print(f"citeproof: stopped by {signal.Signals(process.stop_signal() or 2).name}", file=err)
            return ExitCode.TERMINATED if process.stop_signal() == signal.SIGTERM else ExitCode.INTERRUPTED
        _traceback(args, err)
        _say(err, f"citeproof: error: {exc}")
        _json_error(args, out, exc)
        return exc.exit_code
    except OSError as exc:  # a file or folder in the way (build/ is a file, read-only, disk full)
        problem = FileSystemError(f"{exc.strerror or exc}", location=exc.filename and str(exc.filename), hint=_os_hint(exc))
        _traceback(args, err)
        _say(err, f"citeproof: error: {problem}")
        return problem.exit_code
    except Exception as exc:  # a bug in citeproof: one line for users, the traceback on request
        _traceback(args, err)
        _say(err, f"citeproof: internal error: {type(exc).__name__}: {exc}")
        if not args.traceback:
            print("  hint: this is a bug in citeproof; run again with --traceback and report what it prints", file=err)
        return ExitCode.INTERNAL
    finally:
        _log_tool_commands(None)
        # Whatever happened, no child outlives the run.
        process.stop_all()
        _restore_signals(previous)


def _json_error(args: argparse.Namespace, out: TextIO, exc: CiteproofError) -> None:
    """With ``--format json``, a run that could not report still answers in JSON on stdout, so a tool reading it sees why."""
    if getattr(args, "report_format", None) != "json" and not getattr(args, "json", False):  # build --json too
        return
    payload = {"error": exc.message, "location": exc.location, "hint": exc.hint, "exit_code": int(exc.exit_code)}
    json.dump(payload, out, indent=2, ensure_ascii=False)
    out.write("\n")


def select_targets(config: Config, targets: Sequence[str]) -> list[str]:
    """Document names for ``targets``, each a name or a Markdown path (relative to the current folder)."""
    by_name = {d.name: d.name for d in config.documents}
    by_path = {d.source: d.name for d in config.documents}
    names: list[str] = []
    for target in targets:
        name = by_name.get(target) or by_path.get(Path(target).resolve())
        if name is None:
            what = "file" if Path(target).suffix or "/" in target or os.sep in target else "name"
            shown = ", ".join(d.display for d in config.documents) or "none"
            guess = difflib.get_close_matches(target, [*by_name, *(d.display for d in config.documents)], n=1, cutoff=0.75)
            raise UsageError(
                f"{target} is not a configured document ({what} not in [tool.citeproof] documents)"
                + (f"; did you mean {guess[0]!r}?" if guess else ""),
                hint=f"configured: {shown}",
            )
        if name not in names:
            names.append(name)
    return names


def _port(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 (any free one) to 65535, got {port}")
    return port


def _shard(text: str) -> tuple[int, int]:
    """``K/N`` (1 <= K <= N) for --shard."""
    k, _, n = text.partition("/")
    try:
        index, count = int(k), int(n)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected K/N such as 1/4, got {text!r}") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"expected 1 <= K <= N, got {text!r}")
    return index, count


_TOOL_LOG = logging.getLogger("citeproof.engines.process")


def _log_tool_commands(err: TextIO | None) -> None:
    """With -v, each tool command goes to ``err`` as it starts; ``None`` stops that."""
    for handler in list(_TOOL_LOG.handlers):
        _TOOL_LOG.removeHandler(handler)
    _TOOL_LOG.propagate = True  # as it was before a -v run (main() may run again in this process)
    _TOOL_LOG.setLevel(logging.NOTSET)
    if err is not None:
        handler = logging.StreamHandler(err)
        handler.setFormatter(logging.Formatter("+ %(message)s"))
        _TOOL_LOG.addHandler(handler)
        _TOOL_LOG.setLevel(logging.DEBUG)
        _TOOL_LOG.propagate = False


def _traceback(args: argparse.Namespace, err: TextIO) -> None:
    if getattr(args, "traceback", False):
        traceback.print_exc(file=err)


_OS_HINTS = {
    errno.ENOSPC: "the disk is full: free some space (or point build-dir at a larger disk) and build again",
    errno.EDQUOT: "your disk quota is used up: free some space and build again",
    errno.EROFS: "that file system is read-only: set build-dir to a writable folder",
    errno.EACCES: "permission denied: fix its permissions (or set build-dir to a folder you own)",
    errno.EPERM: "permission denied: fix its permissions (or set build-dir to a folder you own)",
    errno.ENOTDIR: "a file stands where a folder is needed: move the file away (or set build-dir)",
    errno.EEXIST: "a file stands where a folder is needed: move the file away (or set build-dir)",
    errno.EISDIR: "a folder stands where a file is needed: move the folder away",
}


def _os_hint(exc: OSError) -> str:
    return _OS_HINTS.get(exc.errno or 0, "check that path, then run again")


Handlers = dict[int, Any]


def _catch_signals() -> Handlers:
    """SIGINT and SIGTERM both stop the run the same way: children first, then our own cleanup."""
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread may set handlers (main() called from a test's thread)
    return {signum: signal.signal(signum, _on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}


def _on_signal(signum: int, frame: FrameType | None) -> None:
    # The first signal stops the children and unwinds the run through every finally
    # (staging folders removed); a second one only hurries the children with SIGKILL,
    # and never raises, so it cannot cut that cleanup short. Inside process.deferred_signals()
    # (replacing the outputs as a set) the raise waits for the end of that block.
    if process.begin_stop(signum) and process.interrupt_now():
        raise process.Stopping


def _restore_signals(previous: Handlers) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def run() -> None:
    """Console entry point."""
    sys.exit(main())
