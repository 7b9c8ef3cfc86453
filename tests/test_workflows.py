"""The CI workflows and pre-commit hooks name only sessions and commands that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from citeproof.cli import COMMANDS
from tests.conftest import REPO

yaml = pytest.importorskip("yaml", reason="install PyYAML: pip install -e '.[test]'")

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
# The project's own overrides and the packaged templates and filters both shape the content.
CONTENT_PATHS = {"manuscript/**", "bibliography.bib", "filters/**", "templates/**", "src/citeproof/data/**", "pyproject.toml"}


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
    assert "nox -s check" in runs and "nox -s validate -- --require-tools" in runs
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
