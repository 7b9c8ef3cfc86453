"""The installed command: --help teaches, --version answers, python -m works."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_cli_help_lists_commands_and_exit_codes() -> None:
    done = subprocess.run([sys.executable, "-m", "citeproof", "--help"], capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 0
    assert "build" in done.stdout and "exit codes" in done.stdout and "[@korb2025]" in done.stdout


def test_cli_unknown_command_is_usage_error() -> None:
    done = subprocess.run([sys.executable, "-m", "citeproof", "bulid"], capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
