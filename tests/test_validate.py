"""`citeproof validate`: the article's outputs pass EPUBCheck, Ace, the Nu checker, axe-core
and the PDF read-back; a deliberately broken page fails with the validators' own words.

The validators are real (Java, Node, Debian's Chromium); a test that needs one that is not
installed is skipped and says what to install. `.ci/run` and `nox -s tests` install them all,
and `.ci/run` sets CITEPROOF_REQUIRE_VALIDATORS=1, which turns every such skip into a failure:
there a missing validator is a broken CI machine, not a reason to pass.
"""

from __future__ import annotations

import io
import json
import os
import struct
from pathlib import Path

import pytest

from citeproof.cli import main
from citeproof.project.config import load_config
from citeproof.validate.pdf import check_pdf
from citeproof.validate.runner import INSTALL, Outcome, Toolbox, ValidateOptions, find_tools, missing, validate
from tests.conftest import REPO, MakeProject

TOOLS = find_tools(REPO)
# What each validator needs, as named in citeproof.validate.INSTALL.
NEEDS = {
    "EPUBCheck": ("java", "epubcheck"),
    "Ace": ("node", "ace", "chromium"),
    "Nu Html Checker": ("java", "vnu"),
    "axe-core": ("playwright", "chromium", "axe"),
    "pypdf": ("pypdf",),
    "pdftoppm": ("pdftoppm",),
}
RULE_PREFIX = {"EPUBCheck": "epubcheck/", "Ace": "ace/", "Nu Html Checker": "vnu/", "axe-core": "axe/", "pypdf": "pdf/"}

BROKEN_HTML = """\
<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Broken on purpose</title></head>
<body>
<main>
<h1>Broken on purpose</h1>
<p>A chart follows.</p>
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==">
</main>
</body>
</html>
"""


REQUIRE_VALIDATORS = os.environ.get("CITEPROOF_REQUIRE_VALIDATORS") == "1"


def _skip(reason: str) -> None:
    """Skip, or fail under CITEPROOF_REQUIRE_VALIDATORS=1 (set by .ci/run, where every validator is installed)."""
    if REQUIRE_VALIDATORS:
        pytest.fail(f"CITEPROOF_REQUIRE_VALIDATORS=1 but {reason}")
    pytest.skip(reason)


def _require(tool: str) -> None:
    """Skip (with what to install) when ``tool`` cannot run here; CI installs everything."""
    if lacking := missing(TOOLS, *NEEDS[tool]):
        _skip(f"{tool} is not installed here; install " + "; ".join(INSTALL[n] for n in lacking))


@pytest.fixture(scope="module")
def article_outcome(article_build: Path) -> Outcome:
    """Every validator that is installed, run once on the article's built outputs."""
    config = load_config(article_build.parent / "pyproject.toml")
    return validate(config, ValidateOptions(), log=lambda _: None, toolbox=TOOLS)


@pytest.mark.slow
@pytest.mark.parametrize("tool", list(RULE_PREFIX))
def test_validate_article_outputs_have_no_findings(article_outcome: Outcome, tool: str) -> None:
    _require(tool)
    assert any(run.startswith(tool) for run in article_outcome.ran), article_outcome.ran
    found = [f for f in article_outcome.findings if f.rule.startswith(RULE_PREFIX[tool])]
    assert found == [], "\n".join(f"{f.location}: {f.message} [{f.rule}]" for f in found)


@pytest.mark.slow
def test_validate_article_every_output_checked_nothing_skipped_when_all_installed(article_build: Path, article_outcome: Outcome) -> None:
    if any(missing(TOOLS, *needs) for needs in NEEDS.values()):
        _skip("not every validator is installed here: " + "; ".join(article_outcome.skipped))
    assert article_outcome.skipped == []
    assert article_outcome.problems() == []
    # EPUBCheck + Ace for the EPUB, Nu + axe for the HTML, one read-back per PDF.
    assert len(article_outcome.ran) == 4 + len(list(article_build.glob("*.pdf")))


@pytest.mark.slow
def test_validate_article_previews_written(article_build: Path, article_outcome: Outcome) -> None:
    _require("axe-core")
    _require("pdftoppm")
    preview = article_build / "preview"
    widths = {}
    for name in ("ketamine-addiction-phone.png", "ketamine-addiction-desktop.png"):
        data = (preview / name).read_bytes()
        assert data.startswith(b"\x89PNG")
        widths[name] = struct.unpack(">I", data[16:20])[0]
    assert widths == {"ketamine-addiction-phone.png": 390, "ketamine-addiction-desktop.png": 1280}
    for pdf in article_build.glob("*.pdf"):
        pages = sorted(preview.glob(f"{pdf.stem}-[0-9]*.png"))
        assert pages, f"no PNG pages for {pdf.name}"
        assert all(p in article_outcome.previews for p in pages)


@pytest.mark.slow
def test_validate_broken_html_fails_with_the_validators_messages(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    _require("Nu Html Checker")
    _require("axe-core")
    project = make_project()
    assert project.run("build", "-f", "html").code == 0
    (project.build / "article.html").write_text(BROKEN_HTML, encoding="utf-8")
    assert TOOLS.axe_js is not None
    monkeypatch.setenv("CITEPROOF_NODE_MODULES", str(TOOLS.axe_js.parent.parent))

    result = project.run("validate", "--only", "html", "--format", "json", "--no-preview")

    assert result.code == 1, result.err
    report = json.loads(result.out)
    messages = {(f["rule"], f["severity"]): f["message"] for f in report["findings"]}
    # The Nu Html Checker's own words ...
    assert "An “img” element must have an “alt” attribute" in messages[("vnu/error", "error")]
    assert "Consider adding a “lang” attribute to the “html” start tag" in messages[("vnu/warning", "warning")]
    # ... and axe-core's, with the element it points at.
    assert messages[("axe/html-has-lang", "error")].startswith("<html> element must have a lang attribute (serious) at html")
    assert messages[("axe/image-alt", "error")].startswith("Images must have alternative text (critical) at img")
    assert report["summary"]["errors"] >= 3


def test_validate_pdf_without_structure_fails_every_check(tmp_path: Path) -> None:
    """A blank, untagged PDF from pypdf: no title, no language, no text, no tags."""
    _require("pypdf")
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    path = tmp_path / "blank.pdf"
    with path.open("wb") as handle:
        writer.write(handle)

    run = check_pdf(path, "blank.pdf", standards=("ua-1",))

    rules = {f.rule for f in run.findings}
    assert rules == {"pdf/no-text", "pdf/no-title", "pdf/no-language", "pdf/untagged", "pdf/not-pdf-ua"}


def test_validate_missing_tools_are_skipped_loudly(make_project: MakeProject) -> None:
    """No validator installed: every check is a skip that names what to install, never a pass."""
    project = make_project()
    assert project.run("build", "-f", "html", "-f", "epub").code == 0
    config = load_config(project.root / "pyproject.toml")

    outcome = validate(config, ValidateOptions(formats=("html", "epub"), previews=False), log=lambda _: None, toolbox=Toolbox())

    assert outcome.ran == []
    assert len(outcome.skipped) == 4
    assert all(f.rule == "validate/skipped" and f.severity == "info" for f in outcome.findings)
    text = "\n".join(outcome.skipped)
    for words in (
        "EPUBCheck skipped",
        "apt-get install chromium",
        "npm install --ignore-scripts --prefix validators",
        "default-jre-headless",
    ):
        assert words in text


def test_validate_require_tools_exits_3_and_missing_output_is_an_error(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project()
    monkeypatch.setenv("CITEPROOF_NODE_MODULES", str(project.root / "nowhere"))
    monkeypatch.setenv("CITEPROOF_CHROMIUM", str(project.root / "no-chromium"))

    result = project.run("validate", "--only", "html", "--require-tools")
    assert "build/article.html does not exist; run `citeproof build` first" in result.out
    assert result.code == 1  # a missing output is a finding, checked before any tool

    assert project.run("build", "-f", "html").code == 0
    result = project.run("validate", "--only", "html", "--require-tools", "--no-preview")
    assert result.code == 3
    assert "axe-core and the HTML screenshots skipped" in result.out
    assert "--require-tools" in result.err


def test_validate_cli_help_lists_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--help"], out=io.StringIO(), err=io.StringIO()) == 0
    assert "--require-tools" in capsys.readouterr().out  # argparse prints help itself
