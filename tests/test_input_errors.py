"""Input mistakes a writer makes become errors at the Markdown file and line, in the writer's words.

A div never closed (pandoc closes it itself and only warns), an image path that misses, and an
image file that is not a picture: each stops the build before any output, never as a traceback
or a message about citeproof's own files.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pypandoc
import pytest
from pytest_httpserver import HTTPServer

from citeproof.project.config import DocumentConfig
from citeproof.project.documents import ParsedDocument, parse_document, unclosed_divs
from citeproof.project.resources import PACKAGED_FILTERS
from tests.conftest import MINI_DOC, MakeProject, Project

FRONT_MATTER = '---\ntitle: "Managing high blood pressure"\nlang: en-US\ndate: 2026-12-01\ndescription: >-\n  How to measure it.\n---\n\n'
WARNING_LEFT_OPEN = "Measure it at home.\n\n::: {.warning}\nCall 911 if you have chest pain.\n\n## References\n\n::: {#refs}\n:::\n"


def _parse(tmp_path: Path, text: str, *, newline: str = "\n") -> ParsedDocument:
    source = tmp_path / "manuscript" / "x.md"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return parse_document(DocumentConfig("x", source, "manuscript/x.md", tmp_path / "bibliography.bib", "apa"))


def _line(text: str, opener: str) -> int:
    return text.split("\n").index(opener) + 1


def _with_body(body: str) -> str:
    return MINI_DOC.replace("## References", body + "\n\n## References")


@pytest.mark.parametrize("front", [FRONT_MATTER, "", FRONT_MATTER + "<!-- a comment\nover lines -->\n\n"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_unclosed_div_is_found_at_its_opening_line_counting_the_front_matter(tmp_path: Path, front: str, newline: str) -> None:
    """Pandoc's line numbers count the whole text it was sent, front matter included."""
    text = front + WARNING_LEFT_OPEN
    parsed = _parse(tmp_path, text, newline=newline)
    (finding,) = unclosed_divs(parsed)
    assert finding.severity == "error" and finding.rule == "unclosed-div"
    assert (finding.location.path, finding.location.line) == ("manuscript/x.md", _line(text, "::: {.warning}"))
    assert finding.message.startswith("the div opened here (::: {.warning}) is never closed")
    assert "the reference list too" in finding.message and "add a line with ':::'" in finding.message
    assert not any("unclosed" in w for w in parsed.warnings)  # an error now, not also a warning


def test_unclosed_html_div_is_closed_with_its_tag(tmp_path: Path) -> None:
    text = FRONT_MATTER + 'Text.\n\n<div class="warning">\n\nCall 911.\n'
    (finding,) = unclosed_divs(_parse(tmp_path, text))
    assert finding.location.line == _line(text, '<div class="warning">')
    assert '(<div class="warning">)' in finding.message and "add a line with '</div>'" in finding.message


@pytest.mark.parametrize(
    ("body", "opener"),
    [
        ("- Check it daily.\n\n  ::: {.note}\n  Sit still first.\n\n- Write it down.\n", "  ::: {.note}"),
        ("Before.\n\n> ::: {.warning}\n> Call 911.\n\nAfter.\n", "> ::: {.warning}"),
        ("- Check it daily.\n\n  ::: {.note}\n  Closed.\n  :::\n\n- Again.\n\n  ::: {.note}\n  Open.\n\n- End.\n", "  ::: {.note}"),
    ],
)
def test_unclosed_div_inside_a_list_or_quote_is_found_at_its_fence(tmp_path: Path, body: str, opener: str) -> None:
    """Inside a list or quote pandoc counts lines from the block, so the fence is found by its own scan."""
    text = FRONT_MATTER + body
    (finding,) = unclosed_divs(_parse(tmp_path, text))
    last = max(i for i, line in enumerate(text.split("\n"), start=1) if line == opener)
    assert finding.location.line == last
    assert "indented as this line is" in finding.message


def test_closed_divs_and_code_give_no_finding(tmp_path: Path) -> None:
    text = FRONT_MATTER + "::: {.warning}\nCall 911.\n:::\n\n```\n::: {.note}\n```\n\n::: {#refs}\n:::\n"
    assert unclosed_divs(_parse(tmp_path, text)) == []


def test_unclosed_div_stops_the_build_at_its_line(make_project: MakeProject) -> None:
    body = "::: {.warning}\nCall 911 if you have chest pain."
    project = make_project({"article": _with_body(body)})
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert "manuscript/article.md:11: the div opened here (::: {.warning}) is never closed" in result.err
    assert "(the reference list too)" in result.err
    assert "Traceback" not in result.err and "[WARNING]" not in result.err
    assert project.outputs() == []


def test_unclosed_div_is_a_check_finding(make_project: MakeProject) -> None:
    project = make_project({"article": _with_body("::: {.warning}\nCall 911 if you have chest pain.")})
    result = project.run("check")
    assert result.code == 1
    assert "manuscript/article.md:11" in result.out and "unclosed-div" in result.out


def _png(width: int = 600) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, width), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _image_project(make_project: MakeProject, target: str) -> Project:
    return make_project({"article": _with_body(f"![A cuff]({target})")})


@pytest.mark.parametrize(
    ("target", "where", "said"),
    [
        (
            "images/cuff.png",
            "images/cuff.png",
            "manuscript/article.md:11: image 'images/cuff.png' does not exist: a path starts at the Markdown file's folder, "
            "so it looked for manuscript/images/cuff.png; did you mean '../images/cuff.png'?",
        ),
        ("Cuff.PNG", "pictures/cuff.png", "did you mean '../pictures/cuff.png'?"),  # another case, elsewhere
    ],
    ids=["from-the-project-root", "another-case-elsewhere"],
)
def test_missing_image_says_where_it_looked_and_names_the_project_file(
    make_project: MakeProject, target: str, where: str, said: str
) -> None:
    project = _image_project(make_project, target)
    (project.root / where).parent.mkdir(parents=True)
    (project.root / where).write_bytes(_png())
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert said in result.err
    assert "pull request" not in result.err  # the hint is for the writer, not about the tool's threat model


def test_missing_image_never_suggests_hidden_or_built_files(make_project: MakeProject) -> None:
    project = _image_project(make_project, "cuff.png")
    for folder in (".git", "build"):
        (project.root / folder).mkdir()
        (project.root / folder / "cuff.png").write_bytes(_png())
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert "image 'cuff.png' does not exist" in result.err and "did you mean" not in result.err


def test_leading_slash_image_says_it_means_the_project_root(make_project: MakeProject) -> None:
    project = _image_project(make_project, "/etc/passwd")
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert (
        "manuscript/article.md:11: image '/etc/passwd' does not exist in the project: "
        "a leading '/' is the project root, so it looked for etc/passwd"
    ) in result.err
    assert "did you mean" not in result.err


def test_image_that_is_a_folder_says_so(make_project: MakeProject) -> None:
    project = _image_project(make_project, "images")
    (project.root / "manuscript" / "images").mkdir()
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert "image 'images' is a folder, not an image file" in result.err


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not an image\n", "is not a readable PNG picture"),
        (_png()[:200], "is not a readable PNG picture"),  # a copy cut short: its header still says PNG
        (None, "is a TIFF file under a .png name"),
    ],
)
@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_image_that_is_no_picture_is_an_error_at_its_line(make_project: MakeProject, data: bytes | None, words: str, fmt: str) -> None:
    project = _image_project(make_project, "x.png")
    if data is None:
        from PIL import Image

        Image.new("RGB", (40, 40), "red").save(project.root / "manuscript" / "x.png", format="TIFF")
    else:
        (project.root / "manuscript" / "x.png").write_bytes(data)
    result = project.run("build", "-f", fmt)
    assert result.code == 1
    assert f"manuscript/article.md:11: image 'x.png' {words}" in result.err
    assert "export it again as PNG or JPEG" in result.err
    assert "images.py" not in result.err and "UnidentifiedImageError" not in result.err
    assert project.outputs() == []


SCRIPTED_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="5" height="5"/></svg>'


@pytest.mark.parametrize(
    ("served", "said"),
    [
        (("cuff.png", _png()[:200], "image/png"), "is not a readable PNG picture"),
        (("chart.svg", SCRIPTED_SVG, "image/svg+xml"), "is an SVG that holds a <script> element"),  # as a local SVG would be
    ],
    ids=["png-cut-short", "svg-with-script"],
)
def test_remote_image_that_is_refused_is_an_error_at_its_line(
    make_project: MakeProject, httpserver: HTTPServer, served: tuple[str, bytes, str], said: str
) -> None:
    name, data, kind = served
    httpserver.expect_request(f"/{name}").respond_with_data(data, content_type=kind)
    config = 'remote-resources = "fetch"\n[tool.citeproof.links]\nallow-private = true\n'
    project = make_project({"article": _with_body(f"![A picture]({httpserver.url_for('/' + name)})")}, config=config)
    result = project.run("build", "-f", "html", "-f", "pdf")
    assert result.code == 1
    assert "manuscript/article.md:11: remote image" in result.err and said in result.err
    assert not any((project.build / ".cache" / "resources").glob(f"*{Path(name).suffix}"))  # the next build downloads it again


def test_images_filter_standalone_names_an_unreadable_image(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(b"not an image\n")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [pypandoc.get_pandoc_path(), "--filter", str(PACKAGED_FILTERS / "images.py"), "-t", "typst", "-M", f"citeproof-root={tmp_path}"],
        input="![A chart](x.png)\n", capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "the image 'x.png' is not a readable PNG picture" in done.stderr
