"""HTML: the Nu Html Checker (conformance) and axe-core in headless Chromium (accessibility).

Chromium is Debian's, driven by Playwright for Python with ``executable_path``; Playwright
never downloads a browser here. The same browser takes the phone and desktop screenshots.
Every http(s) request from the page is aborted: the HTML is self-contained, and a
validator must never reach the network.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeproof.engines import tools
from citeproof.errors import ToolFailedError
from citeproof.findings import Finding
from citeproof.validate.common import ToolRun, finding

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
# WCAG 2.1 level A and AA, plus axe's best practices (landmarks, one h1, ...).
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}
BROWSER_TIMEOUT_MS = 60_000


def run_vnu(java: str, jar: Path, html: Path, display: str) -> ToolRun:
    """Run the Nu Html Checker on ``html``: errors are errors, its "info warning"s warnings."""
    result = tools.run([java, "-jar", str(jar), "--format", "json", "--stdout", "--exit-zero-always", str(html)])
    data: dict[str, Any] = json.loads(result.stdout.decode("utf-8"))
    version = str(data.get("version", "?")).split()[0]
    return ToolRun(f"Nu Html Checker {version}", display, tuple(vnu_findings(data, display)))


def vnu_findings(data: dict[str, Any], display: str) -> list[Finding]:
    """Findings from the Nu checker's JSON; plain "info" messages are advice and are left out."""
    found: list[Finding] = []
    for message in data.get("messages", []):
        kind, sub = message.get("type"), message.get("subType")
        if kind in {"error", "non-document-error"}:
            severity = "error"
        elif kind == "info" and sub == "warning":
            severity = "warning"
        else:
            continue
        line = message.get("lastLine") or message.get("firstLine")
        column = message.get("firstColumn")
        found.append(
            finding(
                "error" if severity == "error" else "warning",
                f"vnu/{sub or kind}",
                str(message.get("message", "")),
                display,
                line=line if isinstance(line, int) else None,
                column=column if isinstance(column, int) else None,
                extra={"tool": "vnu", "extract": message.get("extract")},
            )
        )
    return found


@dataclass(frozen=True)
class Page:
    """One HTML output to check in the browser, and the stem of its preview files."""

    html: Path
    display: str
    name: str


def run_browser(chromium: Path, axe_js: Path, pages: Sequence[Page], preview_dir: Path | None) -> tuple[list[ToolRun], list[Path]]:
    """axe-core on every page at phone and desktop widths, and screenshots of both."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    runs: list[ToolRun] = []
    shots: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="citeproof-chromium-") as profile, sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                profile,  # a fresh user-data-dir: no state from earlier runs or the user's browser
                executable_path=str(chromium),
                args=list(CHROMIUM_ARGS),
                headless=True,
                timeout=BROWSER_TIMEOUT_MS,
            )
        except PlaywrightError as exc:
            hint = "check that Chromium starts: chromium --headless --no-sandbox --version"
            raise ToolFailedError([str(chromium), *CHROMIUM_ARGS], None, str(exc), hint=hint) from None
        try:
            context.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())
            page = context.new_page()
            page.set_default_timeout(BROWSER_TIMEOUT_MS)
            for item in pages:
                findings: dict[tuple[str, str], Finding] = {}
                version = "?"
                for width_name, (width, height) in VIEWPORTS.items():
                    page.set_viewport_size({"width": width, "height": height})
                    page.goto(item.html.resolve().as_uri(), wait_until="load")
                    page.add_script_tag(path=str(axe_js))
                    result: dict[str, Any] = page.evaluate(
                        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                        list(AXE_TAGS),
                    )
                    version = str(result.get("testEngine", {}).get("version", "?"))
                    for new in axe_findings(result, item.display, width_name):
                        # The same node failing at both widths is one problem, reported once.
                        findings.setdefault((new.rule, str(new.extra.get("target"))), new)
                    if width_name == "phone" and page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                        findings[("preview/sideways-scroll", "")] = finding(
                            "warning", "preview/sideways-scroll", f"the page scrolls sideways at {width} px wide", item.display
                        )
                    if preview_dir is not None:
                        shot = preview_dir / f"{item.name}-{width_name}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        shots.append(shot)
                runs.append(ToolRun(f"axe-core {version}", item.display, tuple(findings.values())))
        except PlaywrightError as exc:
            raise ToolFailedError(["chromium (playwright)"], None, str(exc), hint="run again with one document (-d NAME)") from None
        finally:
            context.close()
    return runs, shots


def axe_findings(result: dict[str, Any], display: str, width: str) -> list[Finding]:
    """One error per violating node, with axe's own help text and failure summary."""
    found: list[Finding] = []
    for violation in result.get("violations", []):
        for node in violation.get("nodes", []):
            target = ", ".join(str(t) for t in node.get("target", []))
            summary = str(node.get("failureSummary", "")).replace("Fix any of the following:", "").replace("Fix all of the following:", "")
            found.append(
                finding(
                    "error",
                    f"axe/{violation.get('id', '?')}",
                    f"{violation.get('help', '')} ({violation.get('impact')}) at {target}: {summary}",
                    display,
                    extra={
                        "tool": "axe-core",
                        "target": target,
                        "impact": violation.get("impact"),
                        "help": violation.get("helpUrl"),
                        "width": width,
                        "html": node.get("html"),
                    },
                )
            )
    return found
