"""Incremental builds: unchanged outputs are not remade; the hash store survives interruption.

Each test builds a real project with real pandoc and typst, changes one input, and looks
at which outputs were remade (their bytes and mtimes), through ``--json`` and ``-v``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from citeproof.build.cache import STORE
from tests.conftest import MINI_BIB, MINI_DOC, MakeProject, Project

pytestmark = pytest.mark.slow

OTHER_DOC = MINI_DOC.replace("A Small Test Article", "Another Article").replace(
    "Walking every day is linked to better health [@lee2023].", "Sleep matters [@smith2024]."
)


def _stamps(project: Project) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in project.outputs()}


def _status(project: Project, *args: str) -> dict[str, str]:
    result = project.run("build", "--json", *args)
    assert result.code == 0, result.err
    return {Path(o["path"]).name: o["status"] for o in json.loads(result.out)["outputs"]}


@pytest.fixture
def two(make_project: MakeProject) -> Project:
    """Two articles: ``article`` cites smith2024 and lee2023, ``other`` only smith2024."""
    project = make_project({"article": MINI_DOC, "other": OTHER_DOC}, config='formats = ["html", "pdf"]\n')
    assert project.run("-q", "build").code == 0
    return project


def test_incremental_noop_runs_no_tool(two: Project) -> None:
    before = _stamps(two)
    result = two.run("-v", "build")
    assert result.code == 0, result.err
    assert "nothing to do: 4 outputs up to date" in result.err
    assert "+ " not in result.err  # -v prints every pandoc and typst command: there is none
    assert _stamps(two) == before


def test_incremental_edit_remakes_only_that_article(two: Project) -> None:
    before = _stamps(two)
    two.write("manuscript/other.md", OTHER_DOC.replace("Sleep matters", "Sleep matters a lot"))
    status = _status(two)
    assert status == {"article.html": "up-to-date", "article.pdf": "up-to-date", "other.html": "built", "other.pdf": "built"}
    after = _stamps(two)
    assert after["article.html"] == before["article.html"] and after["article.pdf"] == before["article.pdf"]
    assert after["other.html"] != before["other.html"]


def test_incremental_bib_entry_remakes_only_its_citers(two: Project) -> None:
    (two.root / "bibliography.bib").write_text(MINI_BIB.replace("Walking Every Day", "Walking Every Single Day"), encoding="utf-8")
    status = _status(two)
    assert status["article.html"] == "built" and status["article.pdf"] == "built"
    assert status["other.html"] == "up-to-date" and status["other.pdf"] == "up-to-date"
    assert "single day" in (two.build / "article.html").read_text(encoding="utf-8").lower()


def test_incremental_stylesheet_remakes_html_not_pdf(two: Project) -> None:
    two.write("templates/citeproof.css", "body { color: #224466; }\n")
    status = _status(two)
    assert status == {"article.html": "built", "other.html": "built", "article.pdf": "up-to-date", "other.pdf": "up-to-date"}


def test_incremental_force_and_deleted_output(two: Project) -> None:
    (two.build / "other.pdf").unlink()
    status = _status(two)
    assert status["other.pdf"] == "built" and status["other.html"] == "up-to-date"
    assert set(_status(two, "--force").values()) == {"built"}


@pytest.mark.parametrize("damage", ["truncate", "tamper"])
def test_incremental_damaged_store_is_ignored(two: Project, damage: str) -> None:
    store = two.build / STORE
    text = store.read_text(encoding="utf-8")
    if damage == "truncate":  # what an interrupted writer without the rename would leave
        store.write_text(text[: len(text) // 2], encoding="utf-8")
    else:  # parses, but its checksum no longer matches: never trusted
        store.write_text(text.replace('"size": ', '"size": 1'), encoding="utf-8")
    assert set(_status(two).values()) == {"built"}
    assert set(_status(two).values()) == {"up-to-date"}  # and the rewritten store is whole again


def test_incremental_outputs_equal_full_rebuild(two: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    two.write("manuscript/other.md", OTHER_DOC + "\nOne more line [@smith2024].\n")
    assert two.run("-q", "build").code == 0
    incremental = {p.name: p.read_bytes() for p in two.outputs()}
    assert two.run("-q", "build", "--force").code == 0
    assert {p.name: p.read_bytes() for p in two.outputs()} == incremental


def test_incremental_shard_splits_stably(make_project: MakeProject) -> None:
    names = [f"doc-{i}" for i in range(8)]
    project = make_project(dict.fromkeys(names, MINI_DOC), config='formats = ["html"]\n')
    seen: list[str] = []
    for k in (1, 2, 3):
        result = project.run("-q", "build", "--shard", f"{k}/3", "--json")
        assert result.code == 0, result.err
        part = [o["document"] for o in json.loads(result.out)["outputs"]]
        again = json.loads(project.run("-q", "build", "--shard", f"{k}/3", "--json").out)["outputs"]
        assert [o["document"] for o in again] == part  # the same slice every time
        seen.extend(part)
    assert sorted(seen) == sorted(names)  # every document in exactly one shard
    assert sorted(p.name for p in project.outputs()) == sorted(f"{n}.html" for n in names)


def test_incremental_shard_rejects_bad_slices(two: Project) -> None:
    for bad in ("0/2", "3/2", "x"):
        assert two.run("build", "--shard", bad).code == 2


def test_incremental_restored_outputs_with_new_times_stay_fresh(two: Project) -> None:
    """A CI cache restores build/ with its contents but not always its times: contents decide."""
    html = two.build / "article.html"
    os.utime(html, ns=(1_000_000_000, 1_000_000_000))
    assert _status(two)["article.html"] == "up-to-date"
    data = bytearray(html.read_bytes())
    data[-2:-1] = b"X"  # same size, other bytes: a hand-edited output is remade
    html.write_bytes(bytes(data))
    assert _status(two)["article.html"] == "built"


def test_incremental_outputs_of_a_deleted_article_are_removed(two: Project) -> None:
    """A deleted article must not stay published; a file citeproof did not write (or that was changed) stays."""
    (two.build / "notes.txt").write_text("the web team's own file\n", encoding="utf-8")
    (two.root / "manuscript" / "other.md").unlink()
    result = two.run("build")
    assert result.code == 0, result.err
    assert "removed build/other.html: its document is no longer configured" in result.err
    assert sorted(p.name for p in two.outputs()) == ["article.html", "article.pdf", "notes.txt"]
    assert (two.build / "notes.txt").is_file()
    store = json.loads((two.build / STORE).read_text(encoding="utf-8"))["body"]["outputs"]
    assert sorted(store) == ["article.html", "article.pdf"]
    assert "removed" not in two.run("build").err  # said once


def test_incremental_a_changed_output_of_a_deleted_article_is_kept(two: Project) -> None:
    (two.build / "other.html").write_text("edited by hand\n", encoding="utf-8")
    (two.root / "manuscript" / "other.md").unlink()
    result = two.run("build")
    assert result.code == 0, result.err
    assert (two.build / "other.html").read_text(encoding="utf-8") == "edited by hand\n"
    assert not (two.build / "other.pdf").exists()


def test_incremental_paper_is_part_of_what_an_output_is_made_from(make_project: MakeProject) -> None:
    """A one-paper product keeps its file name on --paper a4: the A4 build must remake it, and a plain build remake Letter."""
    from pypdf import PdfReader

    config = '[tool.citeproof.products]\nbrochure = { format = "pdf", layout = "brochure", paper = "us-letter" }\n'
    project = make_project(config=config)
    assert project.run("-q", "build").code == 0
    (pdf,) = project.outputs()

    def width() -> int:
        return round(float(PdfReader(pdf).pages[0].mediabox.width))

    letter = width()
    assert project.run("-q", "build", "--paper", "a4").code == 0
    assert [p.name for p in project.outputs()] == [pdf.name] and width() != letter  # A4, under the same name
    assert project.run("-q", "build").code == 0
    assert width() == letter


def test_incremental_brochure_template_remakes_the_epub_whose_cover_it_typesets(make_project: MakeProject) -> None:
    from citeproof.project.resources import PACKAGED_TEMPLATES

    project = make_project(config='formats = ["epub"]\n')
    assert project.run("-q", "build").code == 0
    text = (PACKAGED_TEMPLATES / "brochure.typ").read_text(encoding="utf-8")
    project.write("templates/brochure.typ", text + "\n// the clinic's own edit\n")
    assert _status(project) == {"article.epub": "built"}
