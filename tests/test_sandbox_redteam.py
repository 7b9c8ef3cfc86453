"""The build's sandbox attacked as a pull request's author would (issues 14 and 15).

Every test runs a real build (pandoc, typst) of hostile content and reads the outputs back.
A network witness is a loopback listener set as the build's HTTPS/HTTP proxy: typst's
package downloader honours the proxy variables, so a download attempt shows up as a
CONNECT on loopback and nothing ever leaves the machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import MINI_DOC, MakeProject
from tests.linkweb import Listener

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")
# "@preview/ex:0.1.0" spelled without an @ or a quote, which pandoc's Typst writer would escape.
COMPUTED_PACKAGE = "str(bytes((64,112,114,101,118,105,101,119,47,101,120,58,48,46,49,46,48)))"


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Listener]:
    """A loopback listener every proxy-aware client of the build (typst's downloader) goes through."""
    witness = Listener("127.0.0.1")
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, witness.url())
    yield witness
    witness.close()


def _with_body(body: str, front: str = "") -> str:
    doc = MINI_DOC.replace("## References", body + "\n\n## References")
    return doc.replace("lang: en-US\n", f"lang: en-US\n{front}\n") if front else doc


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values.extend(v for k, v in attrs if k in {"href", "src", "action", "formaction"} and v is not None)


def _browser_schemes(markup: str) -> list[str]:
    """Each URL's scheme as a browser reads it: C0 controls and spaces trimmed, tabs and newlines dropped."""
    reader = _Hrefs()
    reader.feed(markup)
    found = []
    for value in reader.values:
        cleaned = re.sub(r"[\t\n\r]", "", value.strip("".join(chr(c) for c in range(0x21))))
        match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
        found.append(match.group(1).lower() if match else "")
    return found


def _markup(build: Path) -> str:
    parts = [p.read_text(encoding="utf-8") for p in build.glob("*.html")]
    for path in build.glob("*.epub"):
        with zipfile.ZipFile(path) as epub:
            parts.extend(epub.read(n).decode("utf-8") for n in epub.namelist() if n.endswith(".xhtml"))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize(
    "body",
    [
        '<a href="java&#9;script:alert(1)">tab</a>',
        '<a href="java&#10;script:alert(1)">newline</a>',
        '<a href="&#1;javascript:alert(1)">control</a>',
        "[control](&#1;javascript:alert(1))",
    ],
    ids=["raw-tab", "raw-newline", "raw-leading-control", "markdown-leading-control"],
)
def test_redteam_javascript_url_spelled_with_ignored_characters_is_not_published(make_project: MakeProject, body: str) -> None:
    """Chromium runs each of these as javascript: (checked by hand); the sandbox read them as relative URLs."""
    project = make_project({"article": _with_body(body)})
    result = project.run("build", "-f", "html", "-f", "epub")
    assert "Traceback" not in result.err
    if result.code == 0:
        assert "javascript" not in _browser_schemes(_markup(project.build))
    else:
        assert result.code == 1
        assert "uses the javascript: scheme" in result.err


@pytest.mark.slow
def test_redteam_front_matter_cannot_fill_a_typst_code_variable(make_project: MakeProject, proxy: Listener) -> None:
    """citeproof-typst-keywords is pasted into the template as Typst code; a document could set it."""
    front = f"citeproof-typst-keywords: '{{import({COMPUTED_PACKAGE}):e;none}}'"
    project = make_project({"article": _with_body("", front=front)})
    result = project.run("build", "-f", "pdf", "-f", "epub")
    assert result.code == 1, result.err
    assert "manuscript/article.md:4: the front matter key 'citeproof-typst-keywords' is reserved" in result.err
    assert proxy.accepted == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "front",
    ["helpline-name: Help\nhelpline-url: 'javascript:alert(1)'", "contact-name: Desk\ncontact-url: 'java&#9;script:alert(1)'"],
    ids=["helpline-url", "contact-url"],
)
def test_redteam_front_matter_link_that_runs_script_is_refused(make_project: MakeProject, front: str) -> None:
    """These keys become <a href> in the HTML template and the EPUB's front block, unchecked before."""
    project = make_project({"article": _with_body("", front=front)})
    result = project.run("build", "-f", "html", "-f", "epub")
    assert result.code == 1, result.err
    assert "is a javascript: URL, which can run code" in result.err
    assert not project.build.exists() or "javascript" not in _browser_schemes(_markup(project.build))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("config", "key"),
    [
        ('\n[tool.citeproof.clinic]\nname = "C"\nhelpline-name = "H"\nhelpline-url = "javascript:alert(1)"\n', "clinic.helpline-url"),
        ('\n[tool.citeproof.metadata]\ncontact-name = "H"\ncontact-url = "javascript:alert(1)"\n', "metadata.contact-url"),
        ('\n[tool.citeproof.metadata.helpline]\nname = "H"\nURL = "JavaScript:alert(1)"\n', "metadata.helpline.URL"),
    ],
    ids=["clinic", "metadata", "metadata-nested"],
)
def test_redteam_configured_link_that_runs_script_is_not_published(make_project: MakeProject, config: str, key: str) -> None:
    """A configured address is refused when the config is read: every command stops with exit 2, at its key."""
    project = make_project(config=config)
    for command in (("build", "-f", "html", "-f", "epub"), ("check",)):
        result = project.run(*command)
        assert "Traceback" not in result.err
        assert result.code == 2, result.err
        assert f"'tool.citeproof.{key}': would run script when clicked (javascript:)" in result.err
    assert not project.build.exists() or "javascript" not in _browser_schemes(_markup(project.build))


@pytest.mark.slow
def test_redteam_pyproject_metadata_cannot_fill_a_typst_code_variable(make_project: MakeProject, proxy: Listener) -> None:
    config = f"\n[tool.citeproof.metadata]\nciteproof-typst-description = '{{import({COMPUTED_PACKAGE}):e;none}}'\n"
    project = make_project(config=config)
    result = project.run("build", "-f", "pdf")
    assert "Traceback" not in result.err
    assert proxy.accepted == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "typst",
    ['#import("@preview/ex:0.1.0"): e', f"#import {COMPUTED_PACKAGE}: e", '#eval("1")'],
    ids=["parenthesised", "computed", "eval"],
)
def test_redteam_allowed_raw_typst_cannot_import_a_package_in_disguise(make_project: MakeProject, proxy: Listener, typst: str) -> None:
    project = make_project({"article": _with_body(f"```{{=typst}}\n{typst}\n```")}, config='raw-typst = "allow"\n')
    result = project.run("build", "-f", "pdf")
    assert result.code == 1, result.err
    assert "may not import a Typst package" in result.err
    assert proxy.accepted == []


SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="20">'


@pytest.mark.slow
@pytest.mark.parametrize(
    ("inside", "why"),
    [
        ("<script>alert(1)</script>", "holds a <script> element"),
        ('<rect width="5" height="5" onload="alert(1)"/>', "has an event attribute (onload)"),
        ('<a xlink:href="javascript:alert(1)"><rect width="5" height="5"/></a>', "has a script URL"),
        ('<image href="../.git/config" width="5" height="5"/>', "refers to another file or address"),
        ("<foreignObject><p>x</p></foreignObject>", "holds a <foreignobject> element"),
    ],
    ids=["script", "event", "javascript-link", "external-image", "foreign-object"],
)
def test_redteam_svg_image_that_runs_script_or_loads_files_is_refused(make_project: MakeProject, inside: str, why: str) -> None:
    """The EPUB ships an SVG image as a file of its own, which a reader may open as a document."""
    project = make_project({"article": _with_body("![picture](picture.svg)")})
    project.write("manuscript/picture.svg", f"{SVG_HEAD}{inside}</svg>")
    result = project.run("build", "-f", "html", "-f", "epub", "-f", "pdf")
    assert result.code == 1, result.err
    assert f"manuscript/article.md:11: the SVG image 'picture.svg' {why}" in result.err


@pytest.mark.slow
def test_redteam_svg_entities_are_refused(make_project: MakeProject) -> None:
    project = make_project({"article": _with_body("![picture](picture.svg)")})
    entity = '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    project.write("manuscript/picture.svg", f"{entity}{SVG_HEAD}<text>&x;</text></svg>")
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert "declares XML entities" in result.err


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["x-no-such-encoding", "shift_jis"])
def test_redteam_svg_in_an_encoding_the_check_cannot_read_is_an_error_not_a_traceback(make_project: MakeProject, encoding: str) -> None:
    project = make_project({"article": _with_body("![picture](picture.svg)")})
    project.write("manuscript/picture.svg", f'<?xml version="1.0" encoding="{encoding}"?>\n{SVG_HEAD}</svg>')
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "is not well-formed XML" in result.err


@pytest.mark.slow
def test_redteam_plain_svg_with_internal_references_still_builds(make_project: MakeProject) -> None:
    """Gradients and <use> point inside the drawing (#id): the SVG check must not refuse those."""
    drawing = (
        f'{SVG_HEAD}<defs><linearGradient id="g"><stop offset="0" stop-color="#000"/></linearGradient>'
        '<rect id="r" width="5" height="5"/></defs><use xlink:href="#r" fill="url(#g)"/></svg>'
    )
    project = make_project({"article": _with_body("![picture](picture.svg)")})
    project.write("manuscript/picture.svg", drawing)
    result = project.run("build", "-f", "html", "-f", "epub", "-f", "pdf")
    assert result.code == 0, result.err


@pytest.mark.slow
def test_redteam_second_src_attribute_is_dropped(make_project: MakeProject) -> None:
    """The image check reads the first src; a second one (never checked) must not reach the HTML or the EPUB's XHTML."""
    project = make_project({"article": _with_body('<img src="picture.svg" src="/proc/self/environ" alt="a">')})
    project.write("manuscript/picture.svg", f'{SVG_HEAD}<rect width="5" height="5"/></svg>')
    result = project.run("build", "-f", "html", "-f", "epub")
    assert result.code == 0, result.err
    assert "/proc/self/environ" not in _markup(project.build)


MARKER = "CITEPROOF-REDTEAM-SECRET-41c7"
TOKEN = "ghs_CITEPROOFREDTEAM0123456789"


def _leaks(build: Path) -> bool:
    text = _markup(build)
    for path in build.glob("*.epub"):
        with zipfile.ZipFile(path) as epub:
            text += "\n".join(epub.read(n).decode("latin-1") for n in epub.namelist())
    return MARKER in text or TOKEN in text


@pytest.mark.slow
def test_redteam_stylesheet_override_symlinked_to_the_environment_is_not_embedded(make_project: MakeProject) -> None:
    """A CI secret is in citeproof's own /proc/self/environ only if it was there at start: run it as CI does."""
    project = make_project()
    (project.root / "templates" / "citeproof.css").symlink_to("/proc/self/environ")
    env = {**os.environ, "CITEPROOF_REDTEAM_SECRET": MARKER}
    command = [sys.executable, "-m", "citeproof", "--config", str(project.root / "pyproject.toml"), "build", "-f", "html", "-f", "epub"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in result.stderr
    assert not _leaks(project.build)


@pytest.mark.slow
def test_redteam_html_template_override_symlinked_to_git_config_is_not_used(make_project: MakeProject) -> None:
    project = make_project()
    project.write(".git/config", f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {TOKEN}\n')
    (project.root / "templates" / "citeproof.html").symlink_to("../.git/config")
    result = project.run("build", "-f", "html")
    assert "Traceback" not in result.err
    assert not _leaks(project.build)


@pytest.mark.slow
def test_redteam_templates_folder_outside_the_project_is_not_used(make_project: MakeProject, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "citeproof.css").write_text(f"/* {MARKER} */\n", encoding="utf-8")
    project = make_project(config=f'templates = "{outside}"\n')
    result = project.run("build", "-f", "html", "-f", "epub")
    assert "Traceback" not in result.err
    assert not _leaks(project.build)


@pytest.mark.slow
def test_redteam_build_dir_outside_the_project_is_a_config_error(make_project: MakeProject, tmp_path: Path) -> None:
    project = make_project(config='build-dir = "../elsewhere"\n')
    result = project.run("build", "-f", "html")
    assert "Traceback" not in result.err
    assert not (tmp_path / "elsewhere").exists()
    assert result.code == 2


@pytest.mark.slow
@pytest.mark.parametrize("value", ["07:32:00", "1979-05-27T07:32:00Z"], ids=["time", "offset-datetime"])
def test_redteam_toml_time_in_shared_metadata_is_not_an_internal_error(make_project: MakeProject, value: str) -> None:
    project = make_project(config=f"\n[tool.citeproof.metadata]\nstamp = {value}\n")
    result = project.run("build", "-f", "html")
    assert "internal error" not in result.err
    assert result.code in {0, 2}
