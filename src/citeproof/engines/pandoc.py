"""Pandoc as a process: find the binary once, run it through the registry, keep its warnings.

pypandoc only finds the binary that ``pypandoc_binary`` ships; we do not use its
``convert_*`` helpers because they raise a bare ``RuntimeError`` and hide pandoc's warnings.
``CITEPROOF_PANDOC`` names another binary (a newer pandoc, or a broken one in tests).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from citeproof.engines import limits, process
from citeproof.errors import FileSystemError, ToolFailedError, ToolMissingError
from citeproof.files import package_folder


@dataclass(frozen=True)
class ToolOutput:
    """What a finished tool gave back: its output and the warnings it printed."""

    stdout: bytes
    warnings: tuple[str, ...]


@functools.cache
def pandoc_path() -> str:
    """``CITEPROOF_PANDOC``, else the binary shipped by ``pypandoc_binary`` (unless ``PYPANDOC_PANDOC`` names one), else one on PATH."""
    chosen = os.environ.get("CITEPROOF_PANDOC", "").strip()
    if chosen:
        if not Path(chosen).is_file():
            raise ToolMissingError(f"CITEPROOF_PANDOC names {chosen}, which is not a file", hint="point it at a pandoc binary, or unset it")
        return chosen
    # pypandoc_binary's own pandoc, found without importing pypandoc; PYPANDOC_PANDOC is pypandoc's override
    folder = package_folder("pypandoc") if not os.environ.get("PYPANDOC_PANDOC") else None
    bundled = folder / "files" / "pandoc" if folder is not None else None
    if bundled is not None and bundled.is_file() and os.access(bundled, os.X_OK):
        return str(bundled)
    try:
        import pypandoc

        # pypandoc logs a traceback for each candidate it cannot run: we report our own error.
        logging.getLogger("pypandoc").setLevel(logging.CRITICAL)
        path: str = pypandoc.get_pandoc_path()
        return path
    except (ImportError, OSError) as exc:
        found = shutil.which("pandoc")
        if found:
            return found
        raise ToolMissingError(
            "pandoc is not installed", hint="`pip install pypandoc_binary` (or run `nox -s build`, which installs it)"
        ) from exc


def pandoc(args: Sequence[str], *, stdin: bytes, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> ToolOutput:
    """Run pandoc with ``args``; its warnings come back as lines, never swallowed."""
    try:
        result = process.run([pandoc_path(), *args], stdin=stdin, env=env, cwd=cwd, timeout=limits.current().pandoc_seconds)
    except ToolFailedError as exc:
        # pandoc says "resource exhausted (No space left on device)": the disk, not pandoc.
        full = re.search(r"^pandoc: (.*?): \w+: resource exhausted \(No space left on device\)", exc.stderr, flags=re.MULTILINE)
        if full:
            raise FileSystemError(
                "no space left on the device", location=full.group(1), hint="the disk is full: free some space and build again"
            ) from None
        raise
    text = result.stderr.decode("utf-8", "replace")
    warnings = tuple(line for line in text.splitlines() if line.strip())
    return ToolOutput(result.stdout, warnings)


def pandoc_version(path: str | None = None) -> str:
    """The first line of ``pandoc --version`` (through the one door, so a broken binary is a clear error)."""
    result = process.run([path or pandoc_path(), "--version"], timeout=60)
    lines = result.stdout.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0].startswith("pandoc"):
        shown = " ".join(result.stdout[:80].decode("utf-8", "replace").split()) or "nothing"
        raise ToolMissingError(
            f"{path or pandoc_path()} is not a working pandoc (--version printed {shown!r})",
            hint="reinstall pypandoc_binary, or set CITEPROOF_PANDOC to a working pandoc",
        )
    return lines[0]
