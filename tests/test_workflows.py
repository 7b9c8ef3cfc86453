"""The CI workflows and pre-commit hooks name only sessions and commands that exist."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from citeproof.cli import COMMANDS
from tests.conftest import REPO

yaml = pytest.importorskip("yaml", reason="install the test group: uv pip install --group test (or nox -s tests)")

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
# The project's own overrides and the packaged templates and filters both shape the content.
CONTENT_PATHS = {
    "manuscript/**",
    "bibliography.bib",
    "references.lock.json",
    "filters/**",
    "templates/**",
    "src/citeproof/data/**",
    "pyproject.toml",
}


def _nox_sessions() -> set[str]:
    """Session names in noxfile.py: functions decorated with @nox.session (or name=...)."""
    tree = ast.parse((REPO / "noxfile.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if isinstance(target, ast.Attribute) and target.attr == "session":
                override = [k.value for k in (call.keywords if call else []) if k.arg == "name"]
                names.add(override[0].value if override and isinstance(override[0], ast.Constant) else node.name)
    return names


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict)
    return triggers


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_workflows_exist_and_parse() -> None:
    assert {p.name for p in WORKFLOWS} >= {"content.yml", "linkcheck.yml"}
    for path in WORKFLOWS:
        workflow = _load(path)
        assert workflow["jobs"], path.name
        assert _triggers(workflow), path.name


def test_workflows_name_only_existing_nox_sessions() -> None:
    sessions = _nox_sessions()
    assert {"build", "tests", "check", "linkcheck", "validate"} <= sessions
    named = set()
    for path in [*WORKFLOWS, REPO / ".ci" / "run"]:
        text = path.read_text(encoding="utf-8")
        for session in re.findall(r"nox -s ([\w-]+)", text):
            named.add(session)
            assert session in sessions, f"{path.name} runs `nox -s {session}`, which noxfile.py does not define"
    assert {"build", "check", "validate", "linkcheck", "tests"} <= named


def test_workflow_content_runs_on_content_changes_and_uploads_outputs() -> None:
    workflow = _load(REPO / ".github" / "workflows" / "content.yml")
    triggers = _triggers(workflow)
    for event in ("push", "pull_request"):
        assert set(triggers[event]["paths"]) >= CONTENT_PATHS, event
    runs = " ".join(str(step.get("run", "")) for step in _steps(workflow))
    assert "nox -s check" in runs and re.search(r"nox -s validate -- .*--require-tools", runs)
    checkout = next(step for step in _steps(workflow) if str(step.get("uses", "")).startswith("actions/checkout"))
    assert checkout.get("with", {}).get("persist-credentials") is False  # no token in .git/config for content to read
    uses = [str(step.get("uses", "")) for step in _steps(workflow)]
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    publish = workflow["jobs"]["publish"]
    assert "refs/heads/main" in publish["if"]


def test_workflow_linkcheck_is_weekly_and_keeps_one_issue() -> None:
    workflow = _load(REPO / ".github" / "workflows" / "linkcheck.yml")
    triggers = _triggers(workflow)
    assert "workflow_dispatch" in triggers
    assert triggers["schedule"][0]["cron"].split()[4] in {"0", "1", "2", "3", "4", "5", "6"}  # one weekday
    runs = " ".join(str(step.get("run", "")) for step in _steps(workflow))
    assert "gh issue list --label dead-links" in runs
    assert "gh issue edit" in runs and "gh issue create" in runs
    assert workflow["permissions"]["issues"] == "write"


def test_precommit_hooks_run_existing_commands() -> None:
    config = _load(REPO / ".pre-commit-config.yaml")
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    entries = [hook["entry"].split() for hook in hooks]
    assert ["citeproof", "check"] in entries
    for words in entries:
        if words[0] == "citeproof":
            assert words[1] in COMMANDS, words


def test_ci_run_ends_with_the_readme_test_command() -> None:
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert re.fullmatch(r"python3 -m pip install (--quiet )?nox uv && python3 -m nox -s tests", lines[-1])
    assert "apt-get install" in "\n".join(lines)


def _step(workflow: dict[Any, Any], words: str) -> str:
    """The ``run`` script of the one step whose name contains ``words``."""
    (script,) = [str(step["run"]) for step in _steps(workflow) if words in str(step.get("name", ""))]
    return script


def _run_with_fake_gh(script: str, tmp_path: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    """Run a workflow step's script as GitHub does (bash -e) with a ``gh`` that records its calls."""
    log = tmp_path / "gh.log"
    fake = tmp_path / "bin" / "gh"
    fake.parent.mkdir(exist_ok=True)
    # `gh issue list` answers with the open issue's number when OPEN_ISSUE is set.
    fake.write_text(f'#!/bin/sh\necho "$*" >> {log}\n[ "$1 $2" = "issue list" ] && echo "$OPEN_ISSUE"\nexit 0\n', encoding="utf-8")
    fake.chmod(0o755)
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        env={"PATH": f"{fake.parent}:{os.environ['PATH']}", "GITHUB_RUN_ID": "7", "GITHUB_RUN_NUMBER": "12", "GITHUB_SHA": "abc", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return done.returncode, log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_workflow_engine_runs_on_manuscript_and_bibliography_changes() -> None:
    """The tests build the article, so an edit to it or to the .bib can break them."""
    triggers = _triggers(_load(REPO / ".github" / "workflows" / "engine.yml"))
    for event in ("push", "pull_request"):
        assert {"manuscript/**", "bibliography.bib", "src/**", "tests/**", "constraints.txt"} <= set(triggers[event]["paths"]), event


def test_workflow_content_builds_once_and_validates_that_build() -> None:
    workflow = _load(REPO / ".github" / "workflows" / "content.yml")
    runs = [str(step.get("run", "")) for step in _steps(workflow)]
    assert sum("nox -s build" in r for r in runs) == 1
    (validate,) = [r for r in runs if "nox -s validate" in r]
    assert "--no-build" in validate
    # ... and the nox session really skips its own build when told so.
    noxfile = (REPO / "noxfile.py").read_text(encoding="utf-8")
    assert 'if a != "--no-build"' in noxfile


@pytest.mark.parametrize(
    ("status", "open_issue", "exit_code", "calls"),
    [
        ("0", "", 0, []),  # every link live, no issue open: nothing to do
        ("0", "5", 0, ["issue close 5"]),
        ("1", "", 1, ["issue create"]),
        ("1", "5", 1, ["issue edit 5"]),
        ("4", "5", 1, []),  # no network: not a verdict on any link; the issue is left as it was
        ("3", "", 1, []),  # the check itself failed: no dead-links issue either
    ],
)
def test_workflow_linkcheck_only_dead_links_touch_the_issue(
    tmp_path: Path, status: str, open_issue: str, exit_code: int, calls: list[str]
) -> None:
    workflow = _load(REPO / ".github" / "workflows" / "linkcheck.yml")
    (tmp_path / "linkcheck.txt").write_text("report\n", encoding="utf-8")
    code, log = _run_with_fake_gh(_step(workflow, "dead-links issue"), tmp_path, {"STATUS": status, "OPEN_ISSUE": open_issue})
    assert code == exit_code
    touched = [line for line in log if line.startswith("issue") and not line.startswith("issue list")]
    assert [t for t in touched if any(t.startswith(c) for c in calls)] == touched
    assert all(any(t.startswith(c) for t in touched) for c in calls)


def test_workflow_publish_makes_a_new_versioned_release(tmp_path: Path) -> None:
    workflow = _load(REPO / ".github" / "workflows" / "content.yml")
    code, log = _run_with_fake_gh(_step(workflow, "release"), tmp_path, {})
    assert code == 0
    assert not any("release delete" in line for line in log)  # earlier releases stay downloadable
    (create,) = [line for line in log if line.startswith("release create")]
    assert re.match(r"release create outputs-\d{4}-\d\d-\d\d-run12 --target abc --latest", create)


def test_license_file_matches_the_declared_license() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    assert declared == "MIT"
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


PULL_REQUEST_BUILDS = [REPO / ".github" / "workflows" / "content.yml", REPO / "src/citeproof/data/scaffold/workflows/articles.yml"]


@pytest.mark.parametrize("path", PULL_REQUEST_BUILDS, ids=lambda p: p.name)
def test_workflow_pull_requests_build_with_the_base_branch_config(path: Path, tmp_path: Path) -> None:
    """A pull request's filters (Python), templates and sandbox switches must not run in its own build."""
    steps = _steps(_load(path))
    checkouts = [step for step in steps if str(step.get("uses", "")).startswith("actions/checkout")]
    assert all(step.get("with", {}).get("persist-credentials") is False for step in checkouts)
    base = next(step for step in checkouts if step.get("with", {}).get("ref") == "${{ github.base_ref }}")
    assert base["if"] == "github.event_name == 'pull_request'"
    script = next(str(step["run"]) for step in steps if step.get("name") == "Use the base branch's configuration")
    # Run the step as GitHub would: the pull request's copies are replaced by the base branch's.
    (tmp_path / ".base" / "templates").mkdir(parents=True)
    (tmp_path / ".base" / "pyproject.toml").write_text("[tool.citeproof]  # base\n", encoding="utf-8")
    (tmp_path / ".base" / "templates" / "citeproof.css").write_text("/* base */\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.citeproof]\nraw-html = "allow"\n', encoding="utf-8")
    (tmp_path / "filters").mkdir()
    (tmp_path / "filters" / "callouts.py").write_text("import os  # the pull request's code\n", encoding="utf-8")
    subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, check=True)
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == "[tool.citeproof]  # base\n"
    assert not (tmp_path / "filters").exists()
    assert (tmp_path / "templates" / "citeproof.css").read_text(encoding="utf-8") == "/* base */\n"
    assert not (tmp_path / ".base").exists()
