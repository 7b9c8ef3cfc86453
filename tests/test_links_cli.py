"""``citeproof links`` end to end against a real HTTP server on loopback."""

from __future__ import annotations

import json
import re

import pytest
from pytest_httpserver import HTTPServer

from citeproof.cli import main
from tests.conftest import MINI_DOC, MakeProject

LINKS = """
[tool.citeproof.links]
allow-private = true   # the test server is on loopback, which the SSRF guard refuses by default
retries = 0
"""


def test_links_cli_reports_broken_link_with_its_line_and_caches_ok(make_project: MakeProject, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ok").respond_with_data("<p>fine</p>", content_type="text/html")
    httpserver.expect_request("/gone").respond_with_data("gone", status=404)
    ok, gone = httpserver.url_for("/ok"), httpserver.url_for("/gone")
    doc = MINI_DOC.replace("## References", f"See [this page]({ok}) and [that one]({gone}).\n\n## References")
    bib = f"@online{{smith2024, title = {{Sleep}}, date = {{2024}}, url = {{{ok}}}}}\n"
    bib += "@online{lee2023, title = {Walking}, date = {2023}}\n"
    project = make_project({"article": doc}, bib=bib, config=LINKS)
    result = project.run("links", "--format", "json")
    assert result.code == 1, result.err
    report = json.loads(result.out)
    assert report["summary"]["urls"] == 2 and report["summary"]["ok"] == 1 and report["summary"]["broken"] == 1
    (finding,) = report["findings"]
    assert finding["location"] == {"path": "manuscript/article.md", "line": 11}
    assert finding["extra"]["verdict"] == "broken" and "404" in finding["extra"]["evidence"]
    assert "1/2" in result.err and "2/2" in result.err  # progress, one plain line per URL off a terminal
    # the ok URL (cited in the text and in the .bib) is checked once and cached for the next run
    hits = len([r for r, _ in httpserver.log if r.path == "/ok"])
    again = project.run("links", "--format", "json")
    assert json.loads(again.out)["summary"]["cached"] == 1
    assert len([r for r, _ in httpserver.log if r.path == "/ok"]) == hits


def test_links_cli_help_teaches_the_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["links", "--help"]) == 0
    shown = capsys.readouterr().out
    for verdict in ("ok", "redirected", "broken", "blocked", "broken-fragment", "skipped", "no network"):
        # As a whole word: "ok" is inside "broken", "broken" inside "broken-fragment".
        assert re.search(rf"(?<![\w-]){re.escape(verdict)}(?![\w-])", shown), verdict
