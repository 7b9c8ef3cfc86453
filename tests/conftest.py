"""Shared fixtures: small throw-away projects built with the real pandoc and typst."""

from __future__ import annotations

import io
import os
import shutil
import textwrap
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import pytest

from citeproof.cli import main
from citeproof.project.resources import packaged_filters

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


# .ci/run installs every tool (validators, Chromium, Playwright) and sets this: there, a test
# that would skip for a missing tool (a module-level importorskip, a skipif, a pytest.skip)
# fails instead, so CI can never pass by skipping what it was meant to prove.
REQUIRE_EVERYTHING = os.environ.get("CITEPROOF_REQUIRE_VALIDATORS") == "1"


def _refuse_skip(report: pytest.CollectReport | pytest.TestReport) -> None:
    if REQUIRE_EVERYTHING and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CITEPROOF_REQUIRE_VALIDATORS=1, where every tool is installed: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    _refuse_skip(outcome.get_result())  # type: ignore[attr-defined]


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, pytest.CollectReport, None]:
    outcome = yield
    _refuse_skip(outcome.get_result())  # type: ignore[attr-defined]


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Project:
    """A project folder with its own pyproject.toml; templates and filters are the packaged ones."""

    root: Path

    @property
    def build(self) -> Path:
        return self.root / "build"

    def outputs(self) -> list[Path]:
        """The files in build/ (not its folders: the hash store and caches live in build/.cache/)."""
        return sorted(p for p in self.build.iterdir() if p.is_file()) if self.build.is_dir() else []

    def run(self, *args: str) -> Result:
        """Run citeproof in-process against this project."""
        out, err = io.StringIO(), io.StringIO()
        code = main(["--config", str(self.root / "pyproject.toml"), *args], out=out, err=err)
        return Result(code, out.getvalue(), err.getvalue())

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path


MakeProject = Callable[..., Project]

MINI_BIB = """\
@online{smith2024,
  author = {Smith, Jane},
  title  = {Sleep and Health},
  date   = {2024},
  url    = {https://example.org/sleep},
}

@article{lee2023,
  author       = {Lee, Kim},
  title        = {Walking Every Day},
  date         = {2023},
  journaltitle = {Journal of Examples},
  doi          = {10.1234/example.5678},
}
"""

MINI_DOC = """\
---
title: A Small Test Article
lang: en-US
date: 2024-05-01
---

Most adults need seven hours of sleep [@smith2024].

Walking every day is linked to better health [@lee2023].

## References

::: {#refs}
:::
"""


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """A factory for projects: the packaged templates and filters, the repo's logo, your documents and .bib."""

    def make(
        documents: dict[str, str] | None = None,
        bib: str = MINI_BIB,
        config: str = "",
        copy_article: bool = False,
    ) -> Project:
        root = tmp_path / "project"
        root.mkdir()
        # Only the clinic's logo is the project's own; everything else comes from the package.
        shutil.copytree(REPO / "templates", root / "templates")
        filters = list(packaged_filters())
        if copy_article:
            shutil.copytree(REPO / "manuscript", root / "manuscript")
            shutil.copy(REPO / "bibliography.bib", root / "bibliography.bib")
        else:
            (root / "bibliography.bib").write_text(bib, encoding="utf-8")
            (root / "manuscript").mkdir()
            for name, text in (documents if documents is not None else {"article": MINI_DOC}).items():
                path = root / "manuscript" / f"{name}.md"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(textwrap.dedent(text), encoding="utf-8")
        (root / "pyproject.toml").write_text(
            f'[tool.citeproof]\ndocuments = ["manuscript/*.md"]\nfilters = {filters!r}\n'.replace("'", '"') + textwrap.dedent(config),
            encoding="utf-8",
        )
        return Project(root)

    return make


@pytest.fixture(scope="session")
def article_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own article, built once per test run into a private folder."""
    root = tmp_path_factory.mktemp("article")
    for name in ("manuscript", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "bibliography.bib", root / "bibliography.bib")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    code = main(["--config", str(root / "pyproject.toml"), "-q", "build", "--preview"])
    assert code == 0
    return root / "build"
