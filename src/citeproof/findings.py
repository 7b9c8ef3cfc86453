"""Findings and the three ways to show them: text for people, JSON for tools, CI annotations.

Every checker (claims, bibliography, links, validators) returns ``Finding`` values; this
module is the only one that turns them into words on a terminal.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TextIO

Severity = Literal["error", "warning", "info"]
Format = Literal["text", "json", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "github")


@dataclass(frozen=True)
class Location:
    """Where a finding comes from: a file and line, or a .bib entry key."""

    path: str
    line: int | None = None
    column: int | None = None
    key: str | None = None  # a .bib entry, when the place is an entry rather than a line

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.key is not None:
            text += f" [{self.key}]"
        return text


@dataclass(frozen=True)
class Finding:
    """One problem (or open item) a checker found; data, never an exception."""

    severity: Severity
    rule: str
    message: str
    location: Location
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["location"] = {k: v for k, v in data["location"].items() if v is not None}
        data["extra"] = dict(self.extra)
        return data


def default_format() -> Format:
    """GitHub annotations inside GitHub Actions, plain text elsewhere."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def count_by_severity(findings: Iterable[Finding]) -> Counter[str]:
    return Counter(f.severity for f in findings)


def _escape_data(text: str) -> str:
    # GitHub workflow commands: %, CR and LF must be escaped in the message part.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_text(finding: Finding) -> str:
    return f"{finding.location}: {finding.severity}: {finding.message} [{finding.rule}]"


def format_github(finding: Finding) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
    props = [f"file={_escape_property(finding.location.path)}"]
    if finding.location.line is not None:
        props.append(f"line={finding.location.line}")
    if finding.location.column is not None:
        props.append(f"col={finding.location.column}")
    props.append(f"title={_escape_property(finding.rule)}")
    return f"::{level} {','.join(props)}::{_escape_data(finding.message)}"


def write_report(
    findings: Sequence[Finding],
    *,
    fmt: Format,
    out: TextIO,
    summary: Mapping[str, Any],
    title: str,
) -> None:
    """Write ``findings`` and a one-line ``summary`` in the chosen format."""
    if fmt == "json":
        payload = {"check": title, "summary": dict(summary), "findings": [f.to_dict() for f in findings]}
        json.dump(payload, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    line = format_github if fmt == "github" else format_text
    for finding in findings:
        out.write(line(finding) + "\n")
    parts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items())
    out.write(f"{title}: {parts}\n")
