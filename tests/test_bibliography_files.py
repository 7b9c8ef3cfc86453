"""Several bibliography files per document (BibTeX, CSL JSON and CSL YAML mixed), through real pandoc."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

from citeproof.commands.links import gather_targets
from citeproof.project.config import load_config
from tests.conftest import MakeProject
from tests.test_refs_fakes import FAKE, FakeRegistries, load, serve

# The .bib holds smith2024 and lee2023 (conftest's MINI_BIB); this CSL JSON holds a third work.
CSL_JSON = [
    {
        "id": "garcia2022",
        "type": "article-journal",
        "title": "Napping and Memory in Older Adults",
        "author": [{"family": "Garcia", "given": "Ana"}],
        "container-title": "Journal of Sleep Examples",
        "issued": {"date-parts": [[2022]]},
        "URL": "https://example.org/napping",
    }
]

TWO_FILE_DOC = """\
---
title: Two Bibliographies
lang: en-US
date: 2024-05-01
---

Most adults need seven hours of sleep [@smith2024].

A short nap helps memory [@garcia2022].

## References

::: {#refs}
:::
"""

TWO_FILES = 'bibliography = ["bibliography.bib", "extra.json"]\n'


def _json(items: list[dict[str, object]]) -> str:
    return json.dumps(items, indent=2) + "\n"


@pytest.mark.slow
def test_bibliography_bib_and_csl_json_build_every_format_with_both_references(make_project: MakeProject) -> None:
    project = make_project({"article": TWO_FILE_DOC}, config=TWO_FILES)
    project.write("extra.json", _json(CSL_JSON))
    result = project.run("-q", "build")
    assert result.code == 0, result.err
    html = " ".join((project.build / "article.html").read_text(encoding="utf-8").split())
    assert "<em>Sleep and health</em>" in html and "Napping and Memory in Older Adults" in html
    assert "Smith" in html and "Garcia" in html
    with zipfile.ZipFile(project.build / "article.epub") as archive:
        epub = " ".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml"))
    assert "Sleep and health" in epub and "Napping and Memory in Older Adults" in epub
    pdf = " ".join(" ".join(page.extract_text() for page in PdfReader(project.build / "article.pdf").pages).split())
    assert "Sleep and health" in pdf and "Napping and Memory" in pdf


def test_bibliography_single_string_is_read_as_before(make_project: MakeProject) -> None:
    project = make_project(config='bibliography = "bibliography.bib"\n')
    config = load_config(project.root / "pyproject.toml")
    (doc,) = config.documents
    assert doc.bibliography == project.root.resolve() / "bibliography.bib"
    assert doc.bibliographies == (doc.bibliography,)


def test_bibliography_list_in_a_document_table_and_bad_values(make_project: MakeProject) -> None:
    project = make_project()
    project.write(
        "pyproject.toml",
        '[tool.citeproof]\nbibliography = "bibliography.bib"\n'
        '[[tool.citeproof.documents]]\nsource = "manuscript/article.md"\nbibliography = ["bibliography.bib", "more.yaml"]\n',
    )
    (doc,) = load_config(project.root / "pyproject.toml").documents
    assert [p.name for p in doc.bibliographies] == ["bibliography.bib", "more.yaml"]
    project.write("pyproject.toml", '[tool.citeproof]\ndocuments = ["manuscript/*.md"]\nbibliography = []\n')
    result = project.run("check")
    assert result.code == 2, result.err
    assert "'tool.citeproof.bibliography': expected a path or a non-empty list of paths, got []" in result.err


def test_bibliography_key_in_two_files_is_a_duplicate_naming_both_places(make_project: MakeProject) -> None:
    twin = [{"id": "smith2024", "type": "webpage", "title": "Sleep and Health, again"}, *CSL_JSON]
    project = make_project({"article": TWO_FILE_DOC}, config=TWO_FILES)
    project.write("extra.json", _json(twin))
    checked = project.run("check", "--format", "text")
    assert checked.code == 1
    expected = "extra.json:3 [smith2024]: error: duplicate key 'smith2024': also defined in bibliography.bib at line 1"
    assert expected in checked.out, checked.out
    built = project.run("-q", "build", "-f", "html")
    assert built.code == 1
    assert "extra.json:3 [smith2024]: duplicate key 'smith2024': also defined in bibliography.bib at line 1" in built.err


def test_bibliography_unused_entries_are_reported_in_their_own_file(make_project: MakeProject) -> None:
    unused = [*CSL_JSON, {"id": "nobody2020", "type": "webpage", "title": "Unused", "URL": "https://example.org/u"}]
    project = make_project({"article": TWO_FILE_DOC}, config=TWO_FILES)
    project.write("extra.json", _json(unused))
    out = project.run("check", "--format", "text").out
    assert "bibliography.bib:8 [lee2023]: warning: entry 'lee2023' is never cited" in out, out
    assert "extra.json:23 [nobody2020]: warning: entry 'nobody2020' is never cited" in out, out
    assert "'garcia2022' is never cited" not in out and "'smith2024' is never cited" not in out


def test_bibliography_missing_key_names_every_file(make_project: MakeProject) -> None:
    project = make_project({"article": TWO_FILE_DOC.replace("@garcia2022", "@garcia2099")}, config=TWO_FILES)
    project.write("extra.json", _json(CSL_JSON))
    out = project.run("check", "--format", "text").out
    assert "cited key '@garcia2099' is not in bibliography.bib, extra.json; did you mean '@garcia2022'?" in out, out


def test_bibliography_file_read_as_empty_names_the_format_assumed(make_project: MakeProject) -> None:
    project = make_project({"article": TWO_FILE_DOC}, config='bibliography = ["bibliography.bib", "extra.bib"]\n')
    project.write("extra.bib", _json(CSL_JSON))  # CSL JSON saved as .bib: zero BibTeX entries
    result = project.run("-q", "build", "-f", "html")
    assert result.code == 1
    assert "extra.bib was read as BibTeX (by its extension) and holds no entries" in result.err


def test_bibliography_link_targets_name_the_file_of_their_entry(make_project: MakeProject) -> None:
    project = make_project({"article": TWO_FILE_DOC}, config=TWO_FILES)
    project.write("extra.json", _json(CSL_JSON))
    targets = {t.url: t.origins for t in gather_targets(load_config(project.root / "pyproject.toml"), None)}
    assert [(o.path, o.key) for o in targets["https://example.org/napping"]] == [("extra.json", "garcia2022")]
    assert [(o.path, o.key) for o in targets["https://example.org/sleep"]] == [("bibliography.bib", "smith2024")]


def test_bibliography_bib_json_and_yaml_mixed_in_one_document(make_project: MakeProject) -> None:
    """Three formats, one document: every key is known to check and to pandoc's HTML."""
    doc = TWO_FILE_DOC.replace("A short nap helps memory [@garcia2022].", "A short nap helps memory [@garcia2022; @okafor2021].")
    project = make_project({"article": doc}, config='bibliography = ["bibliography.bib", "extra.json", "more.yaml"]\n')
    project.write("extra.json", _json(CSL_JSON))
    project.write(
        "more.yaml",
        """\
        references:
        - id: okafor2021
          type: webpage
          title: Daytime Sleep Habits
          author:
          - family: Okafor
            given: Chidi
          issued:
            date-parts:
            - [2021]
          URL: https://example.org/daytime
        """,
    )
    out = project.run("check", "--format", "text").out
    assert "unknown-key" not in out and "duplicate-key" not in out, out
    assert "bibliography.bib:8 [lee2023]: warning: entry 'lee2023' is never cited" in out
    assert project.run("-q", "build", "-f", "html").code == 0
    html = " ".join((project.build / "article.html").read_text(encoding="utf-8").split())
    assert "<em>Daytime Sleep Habits</em>" in html and "Napping and Memory in Older Adults" in html and "Sleep and health" in html


@pytest.fixture
def fake() -> Iterator[FakeRegistries]:
    yield from serve()


def test_bibliography_refs_add_writes_the_first_bib_and_refuses_what_any_file_holds(
    make_project: MakeProject, fake: FakeRegistries
) -> None:
    """With a CSL JSON file first, 'refs add' writes into the .bib; an identifier in the JSON is refused, naming it."""
    fake.negotiation("10.5555/ok", "/crossref/v1/works/10.5555%2Fok/transform", load(FAKE / "csl-crossref-10.5555_ok.json"))
    fake.json("/crossref/works/10.5555%2Fok", load(FAKE / "crossref-10.5555_ok.json"))
    refs = (
        f'[tool.citeproof.refs]\ncrossref-api = "{fake.base}/crossref"\ndoi-resolver = "{fake.base}/doi"\n'
        f'crosscite = "{fake.base}/crosscite"\nallow-private = true\n'
    )
    project = make_project({"article": TWO_FILE_DOC}, config='bibliography = ["extra.json", "bibliography.bib"]\n' + refs)
    project.write("extra.json", _json([{**CSL_JSON[0], "DOI": "10.5555/datacite"}]))
    result = project.run("refs", "add", "doi:10.5555/datacite", "doi:10.5555/ok")
    assert result.code == 1
    assert "doi:10.5555/datacite is already in extra.json as @garcia2022; cite that key" in result.err
    assert "@article{tester2020sound," in (project.root / "bibliography.bib").read_text(encoding="utf-8")
    assert "tester2020" not in (project.root / "extra.json").read_text(encoding="utf-8")
    assert ("/doi/10.5555/ok", "application/vnd.citationstyles.csl+json") in [(p, h.get("accept")) for p, h in fake.headers]


def test_bibliography_file_shared_by_two_documents_counts_both_documents_citations(make_project: MakeProject) -> None:
    """One .bib shared by two documents (each with its own second file): an entry either cites is used."""
    one = "---\ntitle: One\nlang: en-US\n---\n\nSleep matters [@smith2024]. Naps help [@garcia2022].\n"
    two = "---\ntitle: Two\nlang: en-US\n---\n\nWalking helps [@lee2023].\n"
    project = make_project({"one": one, "two": two})
    project.write("extra.json", _json(CSL_JSON))
    project.write(
        "pyproject.toml",
        '[tool.citeproof]\nbibliography = "bibliography.bib"\nformats = ["html"]\n'
        '[[tool.citeproof.documents]]\nsource = "manuscript/one.md"\nbibliography = ["bibliography.bib", "extra.json"]\n'
        '[[tool.citeproof.documents]]\nsource = "manuscript/two.md"\n',
    )
    out = project.run("check", "--format", "text").out
    assert "unused-entry" not in out and "unknown-key" not in out, out
    built = project.run("-q", "build")
    assert built.code == 0, built.err
    assert "Napping and Memory" in (project.build / "one.html").read_text(encoding="utf-8")
    assert "Napping and Memory" not in (project.build / "two.html").read_text(encoding="utf-8")


def test_a_bibliography_is_read_again_only_when_its_text_changes(make_project: MakeProject, caplog: pytest.LogCaptureFixture) -> None:
    """preview rebuilds after every save: an unchanged .bib is not parsed or sent through pandoc again."""
    import logging

    from citeproof.project.loader import load_project

    project = make_project()
    config = load_config(project.root / "pyproject.toml")

    def pandoc_bib_reads() -> int:
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="citeproof.engines.process"):
            loaded = load_project(config, None, strict=False)
        assert "smith2024" in {entry.key for entry in loaded.documents[0].bib.entries}
        return sum("--from biblatex" in record.getMessage() for record in caplog.records)

    assert pandoc_bib_reads() == 1
    assert pandoc_bib_reads() == 0
    bib = project.root / "bibliography.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n@misc{extra2020, title = {Extra}, year = {2020}}\n", encoding="utf-8")
    assert pandoc_bib_reads() == 1
    bib.write_text("@misc{smith2024, title = {Only}, year = {2024}}\n@misc{broken key, title = {X}}\n", encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="citeproof.engines.process"):
        problems = load_project(config, None, strict=False).bib_problems
    assert any(f.rule == "malformed-entry" for found in problems.values() for f in found)
    with caplog.at_level(logging.DEBUG, logger="citeproof.engines.process"):
        again = load_project(config, None, strict=False).bib_problems
    assert again == problems  # the problems come back with the reused reading, not only the entries


def test_a_bibliography_that_is_not_utf8_is_named_at_its_line(make_project: MakeProject) -> None:
    project = make_project()
    with (project.root / "bibliography.bib").open("ab") as bib:
        bib.write(b"\n@misc{cafe2020,\n  title = {Caf\xe9},\n  year = {2020}\n}\n")
    lines = (project.root / "bibliography.bib").read_bytes().split(b"\n")
    line = next(n for n, text in enumerate(lines, 1) if b"\xe9" in text)
    for command in ("build", "check"):
        result = project.run(command)
        assert result.code == 1, result.err
        assert f"bibliography.bib:{line}: the bibliography is not UTF-8 text" in result.err
        assert "save it as UTF-8" in result.err and "Traceback" not in result.err


def test_a_compact_csl_json_file_gives_each_item_its_line_and_an_item_without_id_is_an_error(make_project: MakeProject) -> None:
    doc = "---\ntitle: T\n---\n\nSleep [@smith2024].\n\n## References\n\n::: {#refs}\n:::\n"
    project = make_project({"article": doc}, config='bibliography = ["bibliography.bib", "extra.json"]\n')
    (project.root / "extra.json").write_text(
        '[\n{"id": "first2020", "type": "book", "title": "First"},\n{"id": "second2021", "type": "book", "title": "Second"},\n'
        '{"type": "book", "title": "Nameless"}\n]\n',
        encoding="utf-8",
    )
    result = project.run("check", "--format", "text")
    assert "extra.json:3 [second2021]: warning: entry 'second2021' is never cited" in result.out, result.out
    assert "extra.json:4: error: an item without an 'id' ('Nameless')" in result.out
