"""Configuration problems are reported all at once, with the key and a hint."""

from __future__ import annotations

import zipfile

from tests.conftest import MakeProject


def test_config_lists_every_problem_at_once(make_project: MakeProject) -> None:
    project = make_project(config='formats = ["html", "pfd"]\npaper = "legal"\nbiblography = "x.bib"\n')
    result = project.run("build")
    assert result.code == 2
    assert "unknown format 'pfd'; did you mean 'pdf'?" in result.err
    assert "'tool.citeproof.paper': unknown paper 'legal'" in result.err
    assert "'tool.citeproof.biblography': unknown key; did you mean 'bibliography'?" in result.err
    assert "Traceback" not in result.err


def test_config_missing_document_is_named(make_project: MakeProject) -> None:
    project = make_project()
    text = (project.root / "pyproject.toml").read_text().replace('"manuscript/*.md"', '"manuscript/nope.md"')
    (project.root / "pyproject.toml").write_text(text)
    result = project.run("build")
    assert result.code == 2
    assert "document 'manuscript/nope.md' does not exist" in result.err


def test_config_missing_bibliography_says_what_to_do(make_project: MakeProject) -> None:
    project = make_project()
    (project.root / "bibliography.bib").unlink()
    result = project.run("build")
    assert result.code == 1
    assert "bibliography 'bibliography.bib' does not exist" in result.err
    assert "hint:" in result.err


def test_config_shared_metadata_reaches_every_document(make_project: MakeProject) -> None:
    project = make_project(config='formats = ["epub"]\n\n[tool.citeproof.metadata]\npublisher = "Shared Publisher"\n')
    assert project.run("build").code == 0
    with zipfile.ZipFile(project.build / "article.epub") as archive:
        opf = archive.read("EPUB/content.opf").decode()
    assert "<dc:publisher>Shared Publisher</dc:publisher>" in opf
