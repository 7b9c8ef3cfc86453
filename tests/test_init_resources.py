"""Packaged templates and filters, overridden file by file by the project's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from citeproof.errors import ConfigError
from citeproof.project.config import load_config
from citeproof.project.resources import PACKAGED_FILTERS, PACKAGED_TEMPLATES, html_template, template
from tests.conftest import MakeProject


def _write_pyproject(root: Path, body: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "manuscript").mkdir(exist_ok=True)
    (root / "manuscript" / "a.md").write_text("---\ntitle: A\n---\n\nText.\n", encoding="utf-8")
    (root / "bibliography.bib").write_text("", encoding="utf-8")
    path = root / "pyproject.toml"
    path.write_text('[tool.citeproof]\ndocuments = ["manuscript/*.md"]\n' + body, encoding="utf-8")
    return path


def test_resources_without_project_files_are_packaged(tmp_path: Path) -> None:
    config = load_config(_write_pyproject(tmp_path, 'filters = ["products", "images.py"]\n'))
    assert config.filters == (PACKAGED_FILTERS / "products.py", PACKAGED_FILTERS / "images.py")
    assert template(config, "handout.typ") == PACKAGED_TEMPLATES / "handout.typ"
    assert html_template(config) == PACKAGED_TEMPLATES / "citeproof.html"


def test_resources_project_file_overrides_only_that_file(tmp_path: Path) -> None:
    (tmp_path / "filters").mkdir()
    own_filter = tmp_path / "filters" / "callouts.py"
    own_filter.write_text("def main(doc=None):\n    return doc\n", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "citeproof.css").write_text("body { color: red; }\n", encoding="utf-8")
    config = load_config(_write_pyproject(tmp_path, 'filters = ["products", "callouts"]\n'))
    assert config.filters == (PACKAGED_FILTERS / "products.py", own_filter.resolve())
    assert template(config, "citeproof.css") == (tmp_path / "templates" / "citeproof.css").resolve()
    assert template(config, "citeproof.html") == PACKAGED_TEMPLATES / "citeproof.html"
    # The HTML template reads the stylesheet as a partial beside it: the pair must be this project's CSS.
    page = html_template(config)
    assert (page.parent / "citeproof.css").read_text(encoding="utf-8") == "body { color: red; }\n"
    assert page.read_bytes() == (PACKAGED_TEMPLATES / "citeproof.html").read_bytes()


def test_resources_old_filter_paths_fall_back_to_packaged(tmp_path: Path) -> None:
    config = load_config(_write_pyproject(tmp_path, 'filters = ["filters/products.py"]\n'))
    assert config.filters == (PACKAGED_FILTERS / "products.py",)


def test_resources_unknown_filter_and_missing_named_folder_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_write_pyproject(tmp_path, 'filters = ["prodcts"]\ntemplates = "my-templates"\n'))
    text = str(caught.value)
    assert "prodcts" in text and "products" in text
    assert "my-templates" in text


@pytest.mark.slow
def test_resources_overridden_stylesheet_reaches_html(make_project: MakeProject) -> None:
    project = make_project()
    project.write("templates/citeproof.css", "body { color: #123456; }\n")
    result = project.run("-q", "build", "-f", "html")
    assert result.code == 0, result.err
    html = (project.build / "article.html").read_text(encoding="utf-8")
    assert "#123456" in html
    assert "skip-link" in html  # the packaged HTML template still frames the page
