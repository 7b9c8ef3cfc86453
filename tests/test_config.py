"""Configuration problems are reported all at once, with the key and a hint."""

from __future__ import annotations

import dataclasses
import zipfile

import pytest

from citeproof.project.config import load_config
from tests.conftest import MINI_DOC, MakeProject


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


MISSPELT = {
    "claims": ("[tool.citeproof.claims]\nstrct = true\n", "'tool.citeproof.claims.strct': unknown key; did you mean 'strict'?"),
    "links": ("[tool.citeproof.links]\nread-timout = 5\n", "'tool.citeproof.links.read-timout': unknown key; did you mean 'read-timeout'?"),
    "products": (
        '[tool.citeproof.products]\nhtml = { format = "html", layot = "page" }\n',
        "'tool.citeproof.products.html.layot': unknown key; did you mean 'layout'?",
    ),
    "clinic": ('[tool.citeproof.clinic]\nnmae = "X"\n', "'tool.citeproof.clinic.nmae': unknown key; did you mean 'name'?"),
    "review": (
        "[tool.citeproof.review]\ninterval-month = 6\n",
        "'tool.citeproof.review.interval-month': unknown key; did you mean 'interval-months'?",
    ),
    "refs": ('[tool.citeproof.refs]\nemial = "a@b.c"\n', "'tool.citeproof.refs.emial': unknown key; did you mean 'email'?"),
    "readability": (
        "[tool.citeproof.readability]\ntarget-grad = 8\n",
        "'tool.citeproof.readability.target-grad': unknown key; did you mean 'target-grade'?",
    ),
    "limits": (
        "[tool.citeproof.limits]\npandoc-secons = 5\n",
        "'tool.citeproof.limits.pandoc-secons': unknown key; did you mean 'pandoc-seconds'?",
    ),
}


@pytest.mark.parametrize("command", ["build", "check", "links", "validate"])
@pytest.mark.parametrize("table", sorted(MISSPELT))
def test_config_misspelt_key_in_any_table_fails_every_command(make_project: MakeProject, table: str, command: str) -> None:
    text, message = MISSPELT[table]
    project = make_project(config=text)
    result = project.run(command)
    assert result.code == 2, result.err
    assert message in result.err
    assert not project.build.exists()  # nothing ran before the config was whole


def test_config_every_sub_table_problem_is_listed_at_once(make_project: MakeProject) -> None:
    project = make_project(config="".join(text for text, _ in MISSPELT.values()))
    result = project.run("build")
    assert result.code == 2
    for _, message in MISSPELT.values():
        assert message in result.err


def test_config_settings_are_typed_once_at_load(make_project: MakeProject) -> None:
    project = make_project(config='[tool.citeproof.links]\ndeadline = "2m"\n\n[tool.citeproof.claims]\nstrict = true\n')
    config = load_config(project.root / "pyproject.toml")
    assert config.links.deadline == 120.0 and config.claims.strict is True
    assert config.clinic.name == "" and set(config.products) == {"html", "epub", "handout"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.links.deadline = 1.0  # type: ignore[misc]


# Each case adds one layer above the last; the highest layer present must win.
PRECEDENCE = {
    "clinic": ("", "", "", "Clinic Name"),
    "shared table": ("", "", "Shared Table", "Shared Table"),
    "document table": ("", "Document Table", "Shared Table", "Document Table"),
    "front matter": ("Front Matter", "Document Table", "Shared Table", "Front Matter"),
}


@pytest.mark.parametrize("case", list(PRECEDENCE))
def test_config_metadata_precedence_with_a_clinic(make_project: MakeProject, case: str) -> None:
    """front matter > document table > shared [tool.citeproof.metadata] > clinic > built-in defaults."""
    front, own, shared, expected = PRECEDENCE[case]
    doc = MINI_DOC.replace("lang: en-US\n", f"lang: en-US\npublisher: {front}\n") if front else MINI_DOC
    project = make_project({"article": doc})
    document = f'{{ source = "manuscript/article.md", metadata = {{ publisher = "{own}" }} }}' if own else '"manuscript/article.md"'
    text = (project.root / "pyproject.toml").read_text().replace('["manuscript/*.md"]', f"[{document}]")
    text += 'formats = ["epub"]\n'
    text += f'\n[tool.citeproof.metadata]\npublisher = "{shared}"\n' if shared else ""
    text += '\n[tool.citeproof.clinic]\nname = "Clinic Name"\n'
    (project.root / "pyproject.toml").write_text(text)
    result = project.run("build")
    assert result.code == 0, result.err
    with zipfile.ZipFile(project.build / "article.epub") as archive:
        opf = archive.read("EPUB/content.opf").decode()
    assert f"<dc:publisher>{expected}</dc:publisher>" in opf


def test_config_a_file_name_with_spaces_is_named_with_the_rename_to_make(make_project: MakeProject) -> None:
    """The writer never wrote a 'name' key: the message names the file and the slug to rename it to."""
    project = make_project()
    project.write("manuscript/Salt and You.md", "---\ntitle: Salt\n---\n\nText.\n")
    (project.root / "manuscript" / "folder.md").mkdir()
    result = project.run("check")
    assert result.code == 2
    assert "'manuscript/Salt and You.md': a document's file name becomes the names of its outputs" in result.err
    assert "rename the file, e.g. to 'salt-and-you.md'" in result.err and ".name'" not in result.err
    assert "'manuscript/folder.md' matches 'manuscript/*.md' but is not a file" in result.err


def test_config_a_misspelt_tool_table_is_named(make_project: MakeProject) -> None:
    project = make_project(config="\n[tool.citeprof.clinic]\nname = 'Riverside Clinic'\n")
    result = project.run("check")
    assert result.code == 2
    assert "'tool': [tool.citeprof] looks like a misspelling of [tool.citeproof]; rename it" in result.err


def test_config_a_misspelt_key_of_a_host_limit_gets_a_guess(make_project: MakeProject) -> None:
    project = make_project(config='\n[tool.citeproof.links.hosts."example.org"]\nconcurency = 2\n')
    result = project.run("check")
    assert result.code == 2
    assert "host 'example.org': unknown key 'concurency'; did you mean 'concurrency'?" in result.err
