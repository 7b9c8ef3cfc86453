"""Sessions for building, checking and testing citeproof.

nox -l            list them
nox -s build      install citeproof and build every document into build/
nox -s tests      install citeproof with its test extras and run the test suite
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build HTML, EPUB and PDF of every document into build/ (pass args, e.g. -- --draft)."""
    session.install(".")
    session.run("citeproof", "build", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite with real pandoc, typst and a loopback HTTP server."""
    session.install("-e", ".[test]")
    # pytest exits 5 when it collects no test; nox fails on any non-zero code, so an
    # empty run can never pass silently.
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (style and bugs) and mypy --strict on src/."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", "src", "tests", "filters", "benchmarks", "noxfile.py")
    session.run("mypy")


@nox.session(python=PYTHON)
def check(session: nox.Session) -> None:
    """Claim check: every claim in every document cites a source (pass -- --strict for releases)."""
    session.install(".")
    session.run("citeproof", "check", *session.posargs)


@nox.session(python=PYTHON)
def linkcheck(session: nox.Session) -> None:
    """Link check: every URL in the documents and the cited .bib entries is live."""
    session.install(".")
    session.run("citeproof", "links", *session.posargs)
