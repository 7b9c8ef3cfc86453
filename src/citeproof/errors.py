"""One exception hierarchy; ``cli.main`` turns each into a message and an exit code.

Findings (an uncited claim, a dead link) are *not* exceptions: they are
:class:`citeproof.findings.Finding` values returned by the checkers.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence


class ExitCode(enum.IntEnum):
    """Process exit codes, shaped like nox's."""

    OK = 0
    FINDINGS = 1  # the run worked and found problems (or a strictness gate failed)
    USAGE = 2  # bad command line or configuration
    TOOL = 3  # pandoc, typst or a validator failed or is missing
    OFFLINE = 4  # the link check could reach no URL at all: this machine has no network
    INTERRUPTED = 130  # SIGINT (Ctrl-C): 128 + 2, as a shell reports it
    TERMINATED = 143  # SIGTERM (a cancelled CI job): 128 + 15
    INTERNAL = 70  # a bug in citeproof (EX_SOFTWARE); --traceback shows where


class CiteproofError(Exception):
    """Base of every error citeproof reports to a user.

    ``hint`` says what to do about it; ``location`` is ``path[:line[:col]]``.
    """

    exit_code: ExitCode = ExitCode.FINDINGS

    def __init__(self, message: str, *, hint: str | None = None, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class ConfigError(CiteproofError):
    """The configuration (``[tool.citeproof]`` or flags) is invalid; may carry many problems."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[str], *, location: str | None = None) -> None:
        self.problems = problems
        message = "invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems)
        super().__init__(message, location=location)


class BibliographyError(CiteproofError):
    """The .bib file is unreadable, malformed or has duplicate keys."""


class CitationError(CiteproofError):
    """A document cites keys the bibliography does not have (one error lists them all)."""


class BuildError(CiteproofError):
    """A document could not be turned into an output (bad input, overflow, missing asset)."""


class UsageError(CiteproofError):
    """The command line names something that is not there (a document, a free file name)."""

    exit_code = ExitCode.USAGE


class FileSystemError(CiteproofError):
    """A file or folder citeproof must read or write is in the way: not a folder, read-only, disk full."""

    exit_code = ExitCode.USAGE


class RunInterruptedError(CiteproofError):
    """The run is stopping (a signal arrived): work that had not started is refused."""

    exit_code = ExitCode.INTERRUPTED


class FilterAuthorError(CiteproofError):
    """A filter found the author's mistake in a document (an image without alt text), not a bug of its own.

    Filters raise it (``from citeproof.errors import FilterAuthorError``: this module imports
    nothing else of citeproof) with ``source_texts``: pieces of Markdown the element may have
    been written with, most specific first (``![](photo.png``, then ``photo.png``). The build
    finds the first in the document's source and reports the error at that file and line,
    since pandoc's Markdown reader keeps no positions.
    """

    def __init__(self, message: str, *, source_texts: tuple[str, ...] = (), hint: str | None = None, location: str | None = None) -> None:
        super().__init__(message, hint=hint, location=location)
        self.source_texts = source_texts

    def at(self, display: str, source: str) -> FilterAuthorError:
        """This error at ``display:line``, the line of the first source text found in ``source`` (else the file)."""
        index = next((i for i in (source.find(t) for t in self.source_texts if t) if i >= 0), -1)
        location = f"{display}:{source.count(chr(10), 0, index) + 1}" if index >= 0 else display
        return FilterAuthorError(self.message, source_texts=self.source_texts, hint=self.hint, location=location)


class ToolMissingError(CiteproofError):
    """An external program (pandoc, typst, java, a validator) cannot be found."""

    exit_code = ExitCode.TOOL


class ToolFailedError(CiteproofError):
    """An external program ran and failed; keeps the command, return code and stderr tail."""

    exit_code = ExitCode.TOOL

    def __init__(self, command: list[str], returncode: int | None, stderr: str, *, hint: str | None = None) -> None:
        self.command = command
        self.returncode = returncode
        self.stderr = stderr
        # A Haskell call stack after pandoc's message says nothing to a user.
        lines = stderr.strip().split("\nHasCallStack backtrace:")[0].splitlines()
        tail = "\n".join(lines[-15:])
        shown = " ".join(command[:6]) + (" ..." if len(command) > 6 else "")
        status = "timed out" if returncode is None else f"exit code {returncode}"
        if returncode is not None and returncode < 0:  # killed by a signal: it crashed (or was killed)
            status = f"it crashed: killed by {_signal_name(-returncode)}"
        message = f"{shown!s} failed ({status})" + (f":\n{tail}" if tail else "")
        super().__init__(message, hint=hint)


def _signal_name(number: int) -> str:
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def counted(number: int, noun: str, plural: str = "") -> str:
    """``"1 output"``, ``"3 outputs"``; ``plural`` for a noun that does not just take an s (entry, entries)."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def listing(noun: str, lines: Sequence[str], *, suffix: str = "") -> str:
    """``"3 problems{suffix}:"`` and one indented line each: the shape of every error that lists what it found."""
    return f"{counted(len(lines), noun)}{suffix}:\n" + "\n".join(f"  {line}" for line in lines)
