"""Findings and the three ways to show them: text for people, JSON for tools, CI annotations.

Every checker (claims, bibliography, links, validators) returns ``Finding`` values; this
module is the only one that turns them into words on a terminal.

Everything in a finding may come from input (a URL from a .bib in a pull request, a title, a
server's error text), so every value is escaped for the format it is written in: in text, control
characters are shown (``\\n``, ``\\x1b``) rather than acted on; in GitHub annotations the workflow
command encoding is used. No input can start a line of output, so none can start a ``::command``.
"""

from __future__ import annotations

import json
import os
import re
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


# Characters that end a line or steer a terminal or a reader: C0 and C1 controls, DEL, line and
# paragraph separators, bidi embeddings/overrides/isolates ("Trojan Source"), lone surrogates
# (which would also make writing to a UTF-8 stream fail).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_BUT_LINE_ENDS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LINE_COMMAND = re.compile(r"^(\s*):(?=:)")  # a runner strips leading blanks before looking for "::"


def _show(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_text(value: object) -> str:
    """``value`` fit for one line of a terminal or CI log: controls shown as ``\\n``, ``\\x1b``, never acted on.

    ``##[`` is shown as ``##\\x5b`` too: the GitHub runner still obeys its old ``##[command]``
    form anywhere in a line.
    """
    return _UNSAFE.sub(_show, str(value)).replace("##[", "##\\x5b")


def safe_line(line: str) -> str:
    """A line whose start no CI runner reads as a ``::command`` (input may lead a line: a path)."""
    return _LINE_COMMAND.sub(lambda m: m[1] + "\\x3a", line)


def escape_github_data(value: object) -> str:
    """``value`` as the message of a GitHub workflow command: %, CR and LF encoded, other controls shown."""
    text = _UNSAFE_BUT_LINE_ENDS.sub(_show, str(value)).replace("##[", "##\\x5b")  # as in escape_text
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_github_property(value: object) -> str:
    """``value`` as a property (file=, title=): also ``:`` and ``,``, which end a property."""
    return escape_github_data(value).replace(":", "%3A").replace(",", "%2C")


def format_text(finding: Finding) -> str:
    text = f"{escape_text(finding.location)}: {finding.severity}: {escape_text(finding.message)} [{escape_text(finding.rule)}]"
    return safe_line(text)


def format_github(finding: Finding) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
    props = [f"file={escape_github_property(finding.location.path)}"]
    if finding.location.line is not None:
        props.append(f"line={int(finding.location.line)}")
    if finding.location.column is not None:
        props.append(f"col={int(finding.location.column)}")
    props.append(f"title={escape_github_property(finding.rule)}")
    return f"::{level} {','.join(props)}::{escape_github_data(finding.message)}"


def write_report(
    findings: Sequence[Finding],
    *,
    fmt: Format,
    out: TextIO,
    summary: Mapping[str, Any],
    title: str,
    quiet: bool = False,
) -> None:
    """Write ``findings`` and a one-line ``summary`` in the chosen format.

    ``quiet`` (``-q``: "only warnings and errors") leaves out the infos of the text and
    GitHub formats; JSON is for tools and keeps everything.
    """
    if fmt == "json":
        payload = {"check": title, "summary": dict(summary), "findings": [f.to_dict() for f in findings]}
        json.dump(payload, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    line = format_github if fmt == "github" else format_text
    for finding in findings:
        if not (quiet and finding.severity == "info"):
            out.write(line(finding) + "\n")
    parts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items())
    out.write(safe_line(escape_text(f"{title}: {parts}")) + "\n")
