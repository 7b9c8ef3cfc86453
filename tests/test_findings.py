"""Report formats: every value from input is escaped, so no input can start a line or a CI command."""

from __future__ import annotations

import io
import json
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from citeproof.findings import (
    Finding,
    Format,
    Location,
    escape_github_data,
    escape_github_property,
    escape_text,
    format_github,
    format_text,
    write_report,
)

INJECTION = "http://x.example/a\n::error file=README.md,line=1::pwned\r\n##[error]old form\x1b[31mred"


def report(findings: list[Finding], fmt: Format) -> str:
    out = io.StringIO()
    write_report(findings, fmt=fmt, out=out, summary={"urls": len(findings)}, title="link check")
    return out.getvalue()


def test_findings_text_shows_controls_instead_of_obeying_them() -> None:
    line = format_text(Finding("error", "link-broken", f"{INJECTION}: broken", Location("a.md", 3)))
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert "\\n::error file=README.md" in line and "\\x1b[31m" in line and "##\\x5b" in line
    assert line.startswith("a.md:3: error: http://x.example/a\\n::error")


def test_findings_text_line_never_starts_with_a_command_even_from_a_path() -> None:
    line = format_text(Finding("warning", "r", "m", Location("  ::error file=x::y.md", 1)))
    assert not line.lstrip().startswith("::")
    assert line.startswith("  \\x3a:error")


def test_findings_github_uses_the_workflow_command_encoding() -> None:
    finding = Finding("error", "link,broken:x", INJECTION, Location("docs/a:b,c.md", 4, 2))
    line = format_github(finding)
    assert line.startswith("::error file=docs/a%3Ab%2Cc.md,line=4,col=2,title=link%2Cbroken%3Ax::")
    assert "%0A::error file=README.md,line=1::pwned%0D%0A" in line
    assert "\x1b" not in line and "\\x1b[31m" in line
    assert escape_github_data("100%") == "100%25"
    assert escape_github_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_findings_json_keeps_values_exact_and_on_safe_lines() -> None:
    text = report([Finding("error", "link-broken", INJECTION, Location("a.md", 1))], "json")
    assert json.loads(text)["findings"][0]["message"] == INJECTION  # tools get the value, not a rendering
    assert not any(line.lstrip().startswith("::") for line in text.splitlines())


def test_findings_escape_text_names_each_control() -> None:
    assert escape_text("a\tb\nc\rd\x00e\x7f\x85\u2028\u202e") == "a\\tb\\nc\\rd\\x00e\\x7f\\x85\\u2028\\u202e"
    assert escape_text("Zoë – naïve café 😀") == "Zoë – naïve café 😀"  # ordinary text untouched


# --- properties ---------------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec=None), max_size=60)  # every code point, surrogates included
HOSTILE = st.lists(
    st.sampled_from(["\n", "\r", "\r\n", "::", "::error file=a::b", "##[", "%", "%0A", ",", ":", " ", "\t", "\x1b", "\u2028",
                     "\x85", "\x0b", "\x0c", "\u00a0", "x"]),
    max_size=12,
).map("".join)  # fmt: skip
VALUES = st.one_of(ANY_TEXT, HOSTILE, st.tuples(HOSTILE, ANY_TEXT, HOSTILE).map("".join))
FINDINGS = st.builds(
    Finding,
    severity=st.sampled_from(["error", "warning", "info"]),
    rule=VALUES,
    message=VALUES,
    location=st.builds(
        Location, path=VALUES, line=st.none() | st.integers(1, 10**6), column=st.none() | st.integers(1, 500), key=st.none() | VALUES
    ),
)


BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _raw_controls(text: str, allowed: str = "\n") -> list[str]:
    return [c for c in text if (unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs") or c in BIDI) and c not in allowed]


@settings(max_examples=300, deadline=None)
@given(st.lists(FINDINGS, max_size=4))
def test_findings_github_report_only_our_lines_are_commands(findings: list[Finding]) -> None:
    lines = report(findings, "github").split("\n")
    assert lines[-1] == ""  # every line ends with a newline, nothing after it
    commands = [line for line in lines if line.lstrip().startswith("::")]
    assert len(commands) == len(findings) == len(lines) - 2  # one per finding, plus the summary
    for line, finding in zip(commands, findings, strict=True):
        level = {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
        assert line.startswith(f"::{level} file=")
        props, _, _message = line[len(level) + 3 :].partition("::")
        keys = ["file"] + ["line"] * (finding.location.line is not None) + ["col"] * (finding.location.column is not None)
        assert [p.split("=", 1)[0] for p in props.split(",")] == [*keys, "title"]  # no property leaked into another
    assert not _raw_controls("\n".join(lines))


@settings(max_examples=300, deadline=None)
@given(st.lists(FINDINGS, max_size=4))
def test_findings_text_report_has_no_raw_control_and_no_command(findings: list[Finding]) -> None:
    text = report(findings, "text")
    lines = text.split("\n")
    assert len(lines) == len(findings) + 2  # one line per finding, the summary, the final newline
    assert not _raw_controls(text)
    assert not any(line.lstrip().startswith("::") or "##[" in line for line in lines)
    text.encode("utf-8")  # writable to any UTF-8 stream: no lone surrogate left


@given(VALUES)
def test_findings_github_data_round_trips_through_the_runners_decoding(value: str) -> None:
    encoded = escape_github_data(value)
    assert "\n" not in encoded and "\r" not in encoded
    decoded = encoded.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")  # the runner's unescape
    if not _raw_controls(value, allowed="\r\n") and "##[" not in value:
        assert decoded == value  # ordinary text (and line breaks) reach the annotation unchanged
