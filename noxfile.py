"""Sessions for building, checking and testing citeproof.

nox -l            list them
nox -s build      install citeproof and build every document into build/
nox -s tests      install citeproof with its test extras and run the test suite
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build HTML, EPUB and PDF of every document into build/ (pass args, e.g. -- --draft)."""
    _citeproof(session, "build")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite with real pandoc, typst and a loopback HTTP server."""
    session.install("-e", ".[test,validate]")
    _install_node_validators(session)
    # pytest exits 5 when it collects no test; nox fails on any non-zero code, so an
    # empty run can never pass silently.
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (style and bugs) and mypy --strict on src/."""
    session.install("-e", ".[lint,validate]")  # mypy reads the validators' imports too
    session.run("ruff", "check", "src", "tests", "filters", "benchmarks", "noxfile.py")
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
    session.install(".")
    session.run("citeproof", command, *session.posargs)


@nox.session(python=PYTHON)
def validate(session: nox.Session) -> None:
    """Build, then prove the outputs with their fields' validators: EPUBCheck and Ace (EPUB),
    the Nu Html Checker and axe-core (HTML), PDF read-back; previews go to build/preview/.
    Needs Java 17+, Node 20+, and Debian's chromium and poppler-utils (.ci/run installs them);
    pass -- --require-tools to fail rather than skip when one is missing."""
    session.install(".[validate]")
    _install_node_validators(session)
    session.run("citeproof", "build")
    session.run("citeproof", "validate", *session.posargs)


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
