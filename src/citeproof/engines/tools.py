"""The one door to external engines: the pandoc process and the in-process typst compiler.

Every call goes through :func:`run` (list arguments, never a shell; a timeout; stderr kept
for the error) so that failures look the same whoever made them. pypandoc only finds the
binary that ``pypandoc_binary`` ships; we do not use its ``convert_*`` helpers because they
raise a bare ``RuntimeError`` and hide pandoc's warnings.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeproof.errors import BuildError, ToolFailedError, ToolMissingError

DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class ToolOutput:
    """What a finished tool gave back: its output and the warnings it printed."""

    stdout: bytes
    warnings: tuple[str, ...]


def run(
    command: Sequence[str],
    *,
    stdin: bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    ok_codes: Sequence[int] = (0,),
) -> subprocess.CompletedProcess[bytes]:
    """Run ``command`` and return it finished; raise a ToolError when it cannot or fails."""
    argv = [str(part) for part in command]
    if shutil.which(argv[0]) is None and not Path(argv[0]).is_file():
        raise ToolMissingError(f"cannot find the program {argv[0]!r}", hint="install it, or run through `nox`, which does")
    full_env = {**os.environ, **(env or {})}
    # start_new_session: a Ctrl-C reaches us, and we stop the child ourselves below, so
    # it never outlives us or prints into the terminal after we have exited.
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise ToolFailedError(
            argv, None, f"no answer after {timeout:.0f} s", hint="the input may be too large; try one document at a time"
        ) from None
    except BaseException:
        _stop(process)
        raise
    result = subprocess.CompletedProcess(argv, process.returncode, out, err)
    if process.returncode not in ok_codes:
        raise ToolFailedError(argv, process.returncode, err.decode("utf-8", "replace"))
    return result


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a child politely, then firmly (as nox's popen does)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=3)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@functools.cache
def pandoc_path() -> str:
    """The pandoc binary shipped by ``pypandoc_binary`` (or one on PATH as a fallback)."""
    try:
        import pypandoc

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
    result = run([pandoc_path(), *args], stdin=stdin, env=env, cwd=cwd)
    text = result.stderr.decode("utf-8", "replace")
    warnings = tuple(line for line in text.splitlines() if line.strip())
    return ToolOutput(result.stdout, warnings)


def typst_compile(
    source: bytes,
    *,
    root: Path,
    output_format: str = "pdf",
    timestamp: int | None = None,
    pdf_standards: Sequence[str] = (),
    font_paths: Sequence[Path] = (),
    ppi: float | None = None,
    label: str = "typst",
) -> tuple[list[bytes], tuple[str, ...]]:
    """Compile Typst ``source`` in-process; return the pages (one item for PDF) and warnings.

    System fonts are ignored so that a PDF is the same on every machine; typst's own
    embedded fonts (Libertinus Serif, New Computer Modern, DejaVu Sans Mono) and the
    project's ``font_paths`` are all it sees.
    """
    try:
        import typst
    except ImportError as exc:
        raise ToolMissingError("the typst package is not installed", hint="`pip install typst`") from exc
    try:
        # The package's stubs tie ``input`` and ``root`` to one type variable (bytes vs str).
        result, raw_warnings = typst.compile_with_warnings(  # type: ignore[call-overload]
            source,
            root=str(root),
            font_paths=[str(p) for p in font_paths],
            ignore_system_fonts=True,
            format=output_format,
            ppi=ppi,
            pdf_standards=list(pdf_standards) or None,
            timestamp=timestamp,
            pdf_tags=True,
        )
    except (typst.TypstError, RuntimeError) as exc:
        raise BuildError(
            f"typst could not typeset {label}:\n{_typst_message(exc)}",
            hint="see the Typst message above; its line refers to the generated Typst, not the Markdown",
        ) from None
    warnings = tuple(_typst_message(w) for w in raw_warnings)
    pages = result if isinstance(result, list) else [result]
    return [bytes(p) for p in pages], warnings


def _typst_message(item: object) -> str:
    """A one-paragraph message from a TypstError or TypstWarning (their fields vary by version)."""
    message = str(getattr(item, "message", "") or item)
    hints = getattr(item, "hints", None) or []
    return message + "".join(f"\n  hint: {h}" for h in hints)


def typst_query(source: bytes, selector: str, *, root: Path, sys_inputs: Mapping[str, str] | None = None, label: str = "typst") -> Any:
    """Compile ``source`` in-process and return the ``value`` of every element ``selector`` finds."""
    import json

    import typst

    try:
        # The package's stubs tie ``input`` and ``root`` to one type variable (bytes vs str).
        raw = typst.query(  # type: ignore[type-var]
            source, selector, field="value", root=str(root), ignore_system_fonts=True, sys_inputs=dict(sys_inputs or {})
        )
    except (typst.TypstError, RuntimeError) as exc:  # query reports compile errors as RuntimeError
        raise BuildError(f"typst could not measure {label}:\n{_typst_message(exc)}") from None
    return json.loads(raw)
