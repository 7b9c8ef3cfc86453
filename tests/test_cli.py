"""The command line: --help teaches, file arguments, -v, --traceback, NO_COLOR; python -m works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MINI_DOC, REPO, MakeProject


def test_cli_help_lists_commands_and_exit_codes() -> None:
    done = subprocess.run([sys.executable, "-m", "citeproof", "--help"], capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 0
    assert "build" in done.stdout and "exit codes" in done.stdout and "[@korb2025]" in done.stdout


def test_cli_unknown_command_is_usage_error() -> None:
    done = subprocess.run([sys.executable, "-m", "citeproof", "bulid"], capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_cli_file_arguments_select_documents(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project({"one": MINI_DOC, "two": MINI_DOC}, config='formats = ["html"]\n')
    monkeypatch.chdir(project.root)
    result = project.run("build", "manuscript/two.md")
    assert result.code == 0, result.err
    assert [p.name for p in project.outputs()] == ["two.html"]
    check = project.run("check", "manuscript/one.md", "--format", "json")
    assert check.code == 0, check.err
    assert "two.md" not in check.out and "one.md" in check.out


@pytest.mark.parametrize("target", ["manuscript/missing.md", "README.md", "nosuchname"])
def test_cli_unconfigured_document_is_usage_error(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    project = make_project()
    project.write("README.md", "not an article\n")
    monkeypatch.chdir(project.root)
    for command in ("build", "check"):
        result = project.run(command, target)
        assert result.code == 2, result.err
        assert f"{target} is not a configured document" in result.err
        assert "invalid configuration" not in result.err
        assert "manuscript/article.md" in result.err  # says what is configured


def test_cli_verbose_prints_tool_commands(make_project: MakeProject) -> None:
    project = make_project(config='formats = ["html"]\n')
    result = project.run("-v", "build")
    assert result.code == 0, result.err
    commands = [line for line in result.err.splitlines() if line.startswith("+ ")]
    assert any("pandoc" in c and "--to html5" in c for c in commands), result.err
    quiet = project.run("build", "--force")
    assert not any(line.startswith("+ ") for line in quiet.err.splitlines())


def test_cli_traceback_only_on_request(make_project: MakeProject) -> None:
    project = make_project({"article": MINI_DOC.replace("[@smith2024]", "[@nosuchkey]")})
    plain = project.run("build")
    assert plain.code == 1 and "nosuchkey" in plain.err
    assert "Traceback (most recent call last)" not in plain.err
    traced = project.run("--traceback", "build")
    assert traced.code == 1
    assert "Traceback (most recent call last)" in traced.err and "nosuchkey" in traced.err


def test_cli_no_color_output_is_plain(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """citeproof writes no colour codes at all, so NO_COLOR (and a pipe) always get plain text."""
    monkeypatch.setenv("NO_COLOR", "1")
    project = make_project({"article": MINI_DOC.replace(" [@lee2023]", "")}, config='formats = ["html"]\n')
    for args in (("check",), ("build",)):
        result = project.run(*args)
        assert "\x1b[" not in result.err + result.out


def test_cli_init_needs_no_config(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "citeproof", "init", str(tmp_path / "x")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "x" / "pyproject.toml").is_file()


@pytest.mark.parametrize("order", [("-q", "check"), ("check", "-q")])
def test_cli_quiet_check_prints_no_infos(make_project: MakeProject, order: tuple[str, str]) -> None:
    """-q is "only warnings and errors": the reading-level infos go, the summary line stays."""
    project = make_project()
    loud = project.run("check", "--format", "text")
    assert " info: " in loud.out
    quiet = project.run(*order, "--format", "text")
    assert " info: " not in quiet.out and "claim check: documents 1" in quiet.out
    assert quiet.code == loud.code


def test_cli_a_misspelt_document_name_gets_a_guess(make_project: MakeProject) -> None:
    project = make_project()
    result = project.run("check", "artcle")
    assert result.code == 2 and "did you mean 'article'?" in result.err


def test_cli_config_may_follow_the_command(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`citeproof check --config x` as well as `citeproof --config x check` (-q and -v work both ways too)."""
    from citeproof.cli import main

    project = make_project()
    monkeypatch.chdir(tmp_path)  # no pyproject.toml here: only --config can find the project
    assert main(["check", "-q", "--config", str(project.root / "pyproject.toml")]) == 0


def test_cli_json_report_that_cannot_run_still_answers_in_json(make_project: MakeProject) -> None:
    """A tool reading `check --format json` gets the reason as JSON, not an empty stdout."""
    import json

    project = make_project()
    (project.root / "manuscript" / "article.md").write_bytes(b"---\ntitle: Caf\xe9\n---\n\nText.\n")
    result = project.run("check", "--format", "json")
    assert result.code == 1
    answer = json.loads(result.out)
    assert answer["exit_code"] == 1 and "UTF-8" in answer["error"] and answer["location"].startswith("manuscript/article.md")


@pytest.mark.parametrize("port", ["99999", "-1", "eighty"])
def test_cli_preview_port_out_of_range_is_a_usage_error(make_project: MakeProject, port: str, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project()
    result = project.run("preview", "--port", port)
    said = capsys.readouterr().err  # argparse speaks to the real stderr
    assert result.code == 2 and "expected a port" in said and "internal error" not in result.err + said


def test_cli_build_json_that_fails_still_answers_in_json(make_project: MakeProject) -> None:
    import json

    project = make_project({"a": "---\ntitle: T\n---\n\nSleep [@nosuchkey2020].\n"})
    result = project.run("build", "--json", "-f", "html")
    assert result.code == 1
    assert "nosuchkey2020" in json.loads(result.out)["error"]


def test_cli_an_unknown_product_is_a_usage_error_with_a_guess(make_project: MakeProject) -> None:
    project = make_project()
    result = project.run("build", "-p", "handot")
    assert result.code == 2
    assert "--product 'handot': no product of that name; did you mean 'handout'?" in result.err
    assert "invalid configuration" not in result.err
