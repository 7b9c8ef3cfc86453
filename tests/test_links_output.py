"""``citeproof links`` output cannot be steered by a URL: progress lines and reports stay one line each."""

from __future__ import annotations

import io
import re

import pytest

from citeproof.commands.links import progress_printer
from citeproof.findings import Location
from citeproof.links.verdicts import LinkResult
from tests.conftest import MINI_DOC, MakeProject

# A .bib url field may span lines; whatever follows the newline must not become a workflow command.
HOSTILE_BIB = """@online{smith2024, title = {Sleep}, date = {2024},
  url = {http://127.0.0.1:9/a
::error file=README.md,line=1::injected
\x1b[2K##[error]old form}}
"""
COMMAND = re.compile(r"^\s*::|##\[")


@pytest.mark.parametrize("fmt", ["github", "text"])
def test_links_output_url_with_newline_cannot_inject_a_command(make_project: MakeProject, fmt: str) -> None:
    doc = MINI_DOC.replace("## References", "As shown [@smith2024].\n\n## References")
    project = make_project({"article": doc}, bib=HOSTILE_BIB, config="[tool.citeproof.links]\nretries = 0\n")
    result = project.run("links", "--format", fmt)
    assert "Traceback" not in result.err
    assert "::error file=README.md" in result.err  # the URL did reach the progress line ...
    injected = [line for line in (result.out + result.err).splitlines() if "injected" in line]
    assert injected, result.out + result.err
    for line in injected:  # ... but only ever inside a line that something else started
        assert "##[" not in line and (line.startswith("::notice file=bibliography.bib") or not COMMAND.search(line)), line
    assert "\x1b" not in result.out + result.err
    if fmt == "github":
        [notice] = [line for line in result.out.splitlines() if line.startswith("::")]
        assert notice.startswith("::notice file=bibliography.bib,line=1,title=link-skipped::http://127.0.0.1:9/a%0A::error")


def test_links_output_progress_line_escapes_the_url() -> None:
    out = io.StringIO()
    show = progress_printer(out)
    show(1, 1, LinkResult("http://a.example/\n::error::x\x1b[31m", (Location("a.md"),), "broken"))
    assert out.getvalue() == "1/1 broken     http://a.example/\\n::error::x\\x1b[31m\n"
