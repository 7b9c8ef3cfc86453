"""``citeproof init`` and ``citeproof new`` in an empty folder, then a build with only packaged files."""

from __future__ import annotations

import io
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from citeproof.cli import main
from tests.conftest import Result


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Path]:
    """An empty folder as the current directory, as a new user has it."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(before)


def run(*args: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue())


EXPECTED = (
    "pyproject.toml",
    "README.md",
    "bibliography.bib",
    "manuscript/getting-started.md",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".github/workflows/articles.yml",
    ".github/workflows/links.yml",
    "assets/clinic-logo.svg",
)


def test_init_writes_a_project_that_parses(empty: Path) -> None:
    result = run("init", "--clinic", "Riverside Clinic")
    assert result.code == 0, result.err
    for name in EXPECTED:
        assert (empty / name).is_file(), name
    config = tomllib.loads((empty / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["citeproof"]["clinic"]["name"] == "Riverside Clinic"
    assert "# " in (empty / "pyproject.toml").read_text(encoding="utf-8")  # the table is commented for the clinic
    for workflow in (empty / ".github" / "workflows").glob("*.yml"):
        assert isinstance(yaml.safe_load(workflow.read_text(encoding="utf-8")), dict), workflow
    assert not (empty / "templates").exists()  # templates come from the package


def test_init_never_overwrites(empty: Path) -> None:
    (empty / "README.md").write_text("ours\n", encoding="utf-8")
    result = run("init")
    assert result.code == 0, result.err
    assert (empty / "README.md").read_text(encoding="utf-8") == "ours\n"
    assert "kept README.md" in result.err
    again = run("init")
    assert again.code == 0
    assert again.err.count("kept ") == len(EXPECTED)


def test_init_into_a_new_folder(tmp_path: Path) -> None:
    result = run("init", str(tmp_path / "new-project"))
    assert result.code == 0, result.err
    assert (tmp_path / "new-project" / "pyproject.toml").is_file()


def test_new_writes_front_matter_and_refuses_to_overwrite(empty: Path) -> None:
    assert run("-q", "init").code == 0
    result = run("new", 'Managing high blood pressure: "what to do"')
    assert result.code == 0, result.err
    path = empty / "manuscript" / "managing-high-blood-pressure-what-to-do.md"
    assert result.out.strip() == "manuscript/managing-high-blood-pressure-what-to-do.md"
    front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    assert front["title"] == 'Managing high blood pressure: "what to do"'
    assert front["lang"] == "en-US"
    assert str(front["date"])[:4].isdigit()
    assert {"description", "reviewed", "reviewer"} <= set(front)
    path.write_text("edited\n", encoding="utf-8")
    again = run("new", 'Managing high blood pressure: "what to do"')
    assert again.code == 2
    assert "already exists" in again.err
    assert path.read_text(encoding="utf-8") == "edited\n"


@pytest.mark.slow
def test_init_new_build_produce_every_output_from_packaged_files(empty: Path) -> None:
    assert run("-q", "init").code == 0
    assert run("-q", "new", "Managing high blood pressure").code == 0
    result = run("build")
    assert result.code == 0, result.err
    for stem in ("getting-started", "managing-high-blood-pressure"):
        for suffix in (".html", ".epub", ".pdf", "-a4.pdf", "-brochure.pdf"):
            output = empty / "build" / f"{stem}{suffix}"
            assert output.is_file() and output.stat().st_size > 1000, output
    html = (empty / "build" / "getting-started.html").read_text(encoding="utf-8")
    assert "World Health Organization" in html  # citeproc ran with the scaffolded .bib
    assert run("-q", "check").code == 0  # the example article is an example of a clean check


def test_new_refuses_a_name_that_is_not_a_slug(empty: Path) -> None:
    assert run("-q", "init").code == 0
    result = run("new", "Anything", "--name", "../outside")
    assert result.code == 2 and "not a file-name slug" in result.err
    assert not (empty / "outside.md").exists()


def test_new_with_a_title_the_terminal_could_not_decode_says_so(empty: Path) -> None:
    """A Latin-1 terminal's 'Café' reaches Python as a surrogate: a usage error, not a traceback."""
    assert run("-q", "init").code == 0
    result = run("new", os.fsdecode(b"Caf\xe9 au lait"))
    assert result.code == 2, result.err
    assert "Caf\\xe9 au lait is not valid UTF-8 text" in result.err and "Traceback" not in result.err
    assert not list((empty / "manuscript").glob("caf*"))
