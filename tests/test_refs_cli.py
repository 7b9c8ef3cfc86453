"""``citeproof refs`` and identifier citations end to end, in-process, offline (the lock is the only source)."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import MakeProject
from tests.test_refs_fakes import DATA, article_lock, fake_lock

IDENTIFIER_DOC = """\
---
title: Cited by Identifier
lang: en-US
date: 2024-05-01
---

Few people with ketamine use disorder seek treatment [@doi:10.1111/add.70073].

Ketamine has been tried as a treatment [@pmid:40320049; @pmcid:PMC12452417].

## References

::: {#refs}
:::
"""

RETRACTED_DOC = """\
---
title: Citing a Retracted Study
lang: en-US
date: 2024-05-01
---

Walking cures everything [@doi:10.5555/retracted].
"""


@pytest.mark.slow
def test_refs_identifier_citations_build_every_format_from_the_lock(make_project: MakeProject) -> None:
    """[@doi:...], [@pmid:...] and [@pmcid:...] build HTML, EPUB and PDF with no network and no .bib entry."""
    project = make_project({"article": IDENTIFIER_DOC})
    article_lock(project.root / "references.lock.json").save()
    result = project.run("-q", "build")
    assert result.code == 0, result.err
    assert sorted(p.name for p in project.build.iterdir() if p.is_file()) == ["article.epub", "article.html", "article.pdf"]
    html = " ".join((project.build / "article.html").read_text(encoding="utf-8").split())
    assert "Harding" in html and "perspectives on current treatment options" in html
    assert "Janssen-Aguilar" in html and "Thomas" in html and "NeuroSci" in html
    first = (project.build / "article.html").read_bytes()
    assert project.run("-q", "build", "-f", "html").code == 0
    assert (project.build / "article.html").read_bytes() == first  # two builds, same bytes


def test_refs_identifier_missing_from_the_lock_stops_the_build(make_project: MakeProject) -> None:
    project = make_project({"article": "---\ntitle: T\nlang: en-US\n---\n\nA claim [@doi:10.9999/nowhere].\n"})
    result = project.run("-q", "build", "-f", "html")
    assert result.code == 1 and "@doi:10.9999/nowhere" in result.err


def test_refs_retraction_fails_citeproof_check(make_project: MakeProject) -> None:
    project = make_project({"article": RETRACTED_DOC})
    fake_lock(project.root / "references.lock.json").save()
    result = project.run("check", "--format", "text")
    assert result.code == 1
    assert "references.lock.json [doi:10.5555/retracted]: error:" in result.out
    assert "is RETRACTED" in result.out and "doi:10.5555/retraction-notice dated 2024-03-01" in result.out


@pytest.mark.parametrize("target", ["bibliography.bib", "article.bib"], ids=["one-file", "second-of-two-files"])
def test_refs_check_offline_reports_mismatches_at_the_bib_line_then_fix(make_project: MakeProject, target: str) -> None:
    """Each mismatch at its .bib line; --fix writes into the file the entry lives in and leaves the other alone."""
    split = target != "bibliography.bib"
    project = make_project(
        {"article": "---\ntitle: T\nlang: en-US\nnocite: '@*'\n---\n\nText.\n"},
        config='bibliography = ["bibliography.bib", "article.bib"]\n' if split else "",
    )
    shutil.copy(DATA / "article-before.bib", project.root / target)
    article_lock(project.root / "references.lock.json").save()
    other = (project.root / "bibliography.bib").read_text(encoding="utf-8") if split else None
    entries = 11 if split else 9  # the two-file project keeps the small bibliography.bib's two entries
    result = project.run("refs", "check", "--offline", "--format", "text")
    assert result.code == 1
    assert f"{target}:74 [wiley2025landscape]: error: wiley2025landscape: title is truncated" in result.out
    assert f"refs check: entries {entries}, locked records 5, errors 3," in result.out
    fixed = project.run("refs", "check", "--offline", "--fix", "--format", "text")
    assert fixed.code == 0, fixed.out
    assert f"--- a/{target}" in fixed.out and "+  author       = {Lomas, Christopher}," in fixed.out
    assert f"refs check: entries {entries}, locked records 5, errors 0," in fixed.out
    assert "ref-incomplete" in fixed.out  # the gaps no record fills are still reported
    assert "{Lomas, Christopher}" in (project.root / target).read_text(encoding="utf-8")
    if other is not None:
        assert (project.root / "bibliography.bib").read_text(encoding="utf-8") == other


def test_refs_bibliography_in_the_wrong_format_names_the_format_assumed(make_project: MakeProject) -> None:
    """CSL JSON saved as .bib reads as zero BibTeX entries: an error saying so, not 'unknown key' noise."""
    project = make_project(bib='[{"id": "smith2024", "type": "webpage", "title": "Sleep and Health"}]\n')
    result = project.run("-q", "build", "-f", "html")
    assert result.code == 1
    assert "bibliography.bib was read as BibTeX (by its extension) and holds no entries" in result.err


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unreachable_registries() -> str:
    base = f"http://127.0.0.1:{_closed_port()}"
    keys = ("crossref-api", "doi-resolver", "crosscite", "eutils")
    settings = "".join(f'{k} = "{base}"\n' for k in keys) + f'idconv = "{base}/"\n'
    return "\n[tool.citeproof.refs]\nallow-private = true\ntimeout = 1\n" + settings


@pytest.mark.parametrize("identifier", ["doi:10.1111/add.70073", "url:http://127.0.0.1:{port}/page"], ids=["doi", "url"])
def test_refs_add_with_no_registry_answering_exits_4(make_project: MakeProject, identifier: str) -> None:
    """No network is its own state (exit 4, as the help says), not a finding about the DOI or the page."""
    project = make_project(config=_unreachable_registries())
    before = (project.root / "bibliography.bib").read_text(encoding="utf-8")
    result = project.run("refs", "add", identifier.format(port=_closed_port()))
    assert result.code == 4, result.err
    assert "the network" in result.err
    assert (project.root / "bibliography.bib").read_text(encoding="utf-8") == before


def test_refs_check_that_could_verify_nothing_does_not_pass(make_project: MakeProject) -> None:
    """An entry with a DOI and no locked record, and no registry answering: not 'errors 0, exit 0'."""
    bib = "@article{kept2020,\n  title = {A Title},\n  author = {Doe, Jane},\n  journal = {J},\n  year = {2020},\n  doi = {10.5555/ok}\n}\n"
    project = make_project(bib=bib, documents={"article": "---\ntitle: T\nnocite: '@*'\n---\n\nText.\n"}, config=_unreachable_registries())
    result = project.run("refs", "check", "--format", "text")
    assert result.code == 4, result.out + result.err
    assert "1 entry could not be verified" in result.err and "--offline" in result.err


def test_refs_check_offline_reports_a_malformed_entry(make_project: MakeProject) -> None:
    """bibtexparser drops a broken entry; refs check must say so, not count the rest and pass."""
    bib = "@misc{good2020,\n  title = {Fine},\n  year = {2020}\n}\n\n@misc{broken2021,\n  title = {Missing comma}\n  year = {2021}\n}\n"
    project = make_project(bib=bib, documents={"article": "---\ntitle: T\nnocite: '@*'\n---\n\nText.\n"})
    result = project.run("refs", "check", "--offline", "--format", "text")
    assert result.code == 1, result.out
    assert "bibliography.bib:6" in result.out and "error" in result.out


def test_refs_an_identifier_the_lock_lacks_is_told_how_to_lock_it(make_project: MakeProject) -> None:
    project = make_project({"article": "---\ntitle: T\n---\n\nSleep matters [@doi:10.5555/nope].\n"})
    result = project.run("check", "--format", "text")
    assert "citeproof refs update doi:10.5555/nope" in result.out + result.err
    assert "add an entry 'doi:10.5555/nope'" not in result.out + result.err


def test_refs_add_into_a_file_no_document_reads_says_so(make_project: MakeProject) -> None:
    project = make_project(config=_unreachable_registries())
    (project.root / "other.bib").write_text("", encoding="utf-8")
    result = project.run("refs", "add", "--bibliography", "other.bib", "doi:10.1111/add.70073")
    assert "other.bib is not a bibliography of any configured document" in result.err


def test_refs_fix_says_it_leaves_csl_files_to_the_reference_manager(make_project: MakeProject) -> None:
    project = make_project(config='bibliography = ["bibliography.bib", "extra.json"]\n')
    (project.root / "extra.json").write_text('[{"id": "x2020", "type": "book", "title": "X"}]\n', encoding="utf-8")
    result = project.run("refs", "check", "--offline", "--fix", "--format", "text")
    assert "extra.json is CSL, not BibTeX" in result.err


def test_refs_one_work_cited_by_key_and_by_identifier_is_a_warning(make_project: MakeProject) -> None:
    bib = "@article{kept2020,\n  title = {A Sound Study},\n  author = {Tester, Ann},\n  journal = {J},\n  year = {2020},\n"
    bib += "  doi = {10.5555/ok}\n}\n"
    doc = "---\ntitle: T\n---\n\nOne claim [@kept2020]. The same claim again [@doi:10.5555/ok].\n\n## References\n\n::: {#refs}\n:::\n"
    project = make_project({"article": doc}, bib=bib)
    fake_lock(project.root / "references.lock.json").save()
    result = project.run("check", "--format", "text")
    assert "@doi:10.5555/ok and @kept2020 are the same work (doi:10.5555/ok)" in result.out, result.out
