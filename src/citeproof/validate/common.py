"""What every validator module shares: the toolbox it is handed and a finding helper."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeproof.findings import Finding, Location, Severity


@dataclass(frozen=True)
class Toolbox:
    """Where each validator lives on this machine; ``None`` means it is not installed."""

    java: str | None = None
    node: str | None = None
    epubcheck_jar: Path | None = None
    vnu_jar: Path | None = None
    ace_js: Path | None = None
    axe_js: Path | None = None
    chromium: Path | None = None
    playwright: bool = False
    pypdf: bool = False
    pdftoppm: str | None = None


@dataclass(frozen=True)
class ToolRun:
    """What one validator said about one output: its name and version, the output, its findings."""

    tool: str
    target: str
    findings: tuple[Finding, ...]


def finding(
    severity: Severity,
    rule: str,
    message: str,
    path: str,
    *,
    line: int | None = None,
    column: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Finding:
    """A Finding with a one-line message (validators' messages may contain newlines)."""
    text = " ".join(message.split())
    return Finding(severity, rule, text, Location(path, line=line, column=column), dict(extra or {}))
