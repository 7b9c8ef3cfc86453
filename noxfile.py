"""Sessions for building, checking and testing citeproof.

nox -l            list them
nox -s build      install citeproof and build every document into build/
nox -s tests      install citeproof with its test group and run the test suite
nox -s lint       ruff check, ruff format --check and mypy --strict

Every session installs under constraints.txt, the lock (regenerate it with nox -s lock),
so a run uses the pandoc, typst and tools the outputs and tests were made with.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"
LOCK = "constraints.txt"


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build HTML, EPUB and PDF of every document into build/ (pass args, e.g. -- --draft)."""
    _citeproof(session, "build")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite with real pandoc, typst and a loopback HTTP server."""
    session.install("-c", LOCK, "-e", ".[validate]", "--group", "test")
    _install_node_validators(session)
    # pytest exits 5 when it collects no test; nox fails on any non-zero code, so an
    # empty run can never pass silently.
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (style, bugs and formatting) and mypy --strict on src/."""
    session.install("-c", LOCK, "-e", ".[validate]", "--group", "lint")  # mypy reads the validators' imports too
    paths = ["src", "tests", "filters", "benchmarks", "scripts", "noxfile.py"]
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)
    session.run("mypy")


@nox.session(python=PYTHON)
def check(session: nox.Session) -> None:
    """Claim check: every claim in every document cites a source (pass -- --strict for releases)."""
    _citeproof(session, "check")


@nox.session(python=PYTHON)
def linkcheck(session: nox.Session) -> None:
    """Link check: every URL in the documents and the cited .bib entries is live."""
    _citeproof(session, "links")


def _citeproof(session: nox.Session, command: str) -> None:
    """Install citeproof and run one of its commands with the session's arguments."""
    session.install("-c", LOCK, ".")
    session.run("citeproof", command, *session.posargs)


@nox.session(python=PYTHON)
def validate(session: nox.Session) -> None:
    """Build, then prove the outputs with their fields' validators: EPUBCheck and Ace (EPUB),
    the Nu Html Checker and axe-core (HTML), PDF read-back; previews go to build/preview/.
    Needs Java 17+, Node 20+, and Debian's chromium and poppler-utils (.ci/run installs them);
    pass -- --require-tools to fail rather than skip when one is missing, and -- --no-build to
    validate the outputs already in build/ (CI builds once, then validates what it publishes)."""
    session.install("-c", LOCK, ".[validate]")
    _install_node_validators(session)
    args = [a for a in session.posargs if a != "--no-build"]
    if len(args) == len(session.posargs):
        session.run("citeproof", "build")
    session.run("citeproof", "validate", *args)


@nox.session(venv_backend="none")
def lock(session: nox.Session) -> None:
    """Regenerate constraints.txt, the lock every session installs under (newest versions the pins allow)."""
    session.run(
        "uv", "pip", "compile", "pyproject.toml", "--extra", "validate", "--group", "test", "--group", "lint",
        "--python-version", PYTHON, "--python-platform", "x86_64-unknown-linux-gnu", "--custom-compile-command", "nox -s lock",
        "--upgrade", "-o", LOCK, *session.posargs, external=True,
    )  # fmt: skip


def _install_node_validators(session: nox.Session) -> None:
    """The Node validators pinned in validators/package-lock.json, into validators/node_modules."""
    folder = Path(__file__).parent / "validators"
    installed = folder / "node_modules" / ".package-lock.json"
    if installed.is_file() and installed.stat().st_mtime >= (folder / "package-lock.json").stat().st_mtime:
        return
    if shutil.which("npm") is None:
        session.warn("npm not found: the Node validators (Nu, Ace, axe-core) will be skipped; install Node.js 20+ and npm")
        return
    # --ignore-scripts and PUPPETEER_SKIP_DOWNLOAD: Ace's puppeteer must not fetch a browser;
    # it runs Debian's Chromium instead.
    session.run(
        "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", str(folder),
        external=True, env={"PUPPETEER_SKIP_DOWNLOAD": "1"},
    )  # fmt: skip
