"""Typst, compiled in a worker process that a signal or a time limit can stop.

The typst binding compiles in native code: in-process it ignores Ctrl-C and a layout that
loops holds the run forever. Each compile runs ``python -m citeproof.engines.typst_worker``
through :func:`citeproof.engines.process.run`, so it is registered, stopped with the rest
of the run on SIGINT/SIGTERM, and killed at ``limits.typst_seconds``. The cost is one
interpreter start and ``import typst`` per compile (about 40 ms; see the README's figures).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from citeproof.engines import limits, process
from citeproof.errors import BuildError, ToolFailedError

WORKER = [sys.executable, "-m", "citeproof.engines.typst_worker"]


def _call(request: dict[str, Any], source: bytes, label: str) -> tuple[dict[str, Any], bytes]:
    """Run one request in a worker; return its answer header and the bytes after it."""
    seconds = limits.current().typst_seconds
    payload = json.dumps(request).encode("utf-8") + b"\n" + source
    try:
        result = process.run(
            WORKER,
            stdin=payload,
            timeout=seconds,
            # PYTHONSAFEPATH: the worker imports citeproof, never a file from the project folder.
            env={"PYTHONSAFEPATH": "1"},
        )  # a timeout is turned into the BuildError below, with its own hint
    except ToolFailedError as exc:
        if exc.returncode is None:
            raise BuildError(
                f"typst did not finish {label} within {seconds:g} s and was stopped",
                hint="a layout that never settles (content that keeps growing a page) is the usual cause; "
                f"raise CITEPROOF_TYPST_SECONDS (now {seconds:g}) if it is only slow",
            ) from None
        raise
    header, _, body = result.stdout.partition(b"\n")
    try:
        answer: dict[str, Any] = json.loads(header)
    except ValueError:
        raise ToolFailedError(
            WORKER, result.returncode, result.stderr.decode("utf-8", "replace") or "no answer from the typst worker"
        ) from None
    return answer, body


def _options(root: Path, font_paths: Sequence[Path] = (), **extra: Any) -> dict[str, Any]:
    # System fonts are ignored so that a PDF is the same on every machine.
    return {"root": str(root), "font_paths": [str(p) for p in font_paths], "ignore_system_fonts": True, **extra}


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
    """Compile Typst ``source`` in a worker; return the pages (one item for PDF) and warnings.

    typst's own embedded fonts (Libertinus Serif, New Computer Modern, DejaVu Sans Mono) and
    the project's ``font_paths`` are all it sees.
    """
    options = _options(
        root,
        font_paths,
        format=output_format,
        ppi=ppi,
        pdf_standards=list(pdf_standards) or None,
        timestamp=timestamp,
        pdf_tags=True,
    )
    answer, body = _call({"op": "compile", "options": options}, source, label)
    if not answer.get("ok"):
        raise BuildError(
            f"typst could not typeset {label}:\n{answer.get('error', '')}",
            hint="see the Typst message above; its line refers to the generated Typst, not the Markdown",
        )
    pages, offset = [], 0
    for size in answer["sizes"]:
        pages.append(body[offset : offset + size])
        offset += size
    return pages, tuple(str(w) for w in answer.get("warnings", []))


def typst_query(source: bytes, selector: str, *, root: Path, sys_inputs: Mapping[str, str] | None = None, label: str = "typst") -> Any:
    """Compile ``source`` in a worker and return the ``value`` of every element ``selector`` finds."""
    options = _options(root, sys_inputs=dict(sys_inputs or {}))
    answer, body = _call({"op": "query", "selector": selector, "options": options}, source, label)
    if not answer.get("ok"):
        raise BuildError(f"typst could not measure {label}:\n{answer.get('error', '')}")
    return json.loads(body)
