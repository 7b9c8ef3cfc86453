"""A pull request's content cannot read the runner's secrets or reach the network during a build.

Every attack here runs a real build (pandoc and typst) and reads every output back: the
HTML text, every member of the EPUB, and the PDF's bytes and extracted text.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from pytest_httpserver import HTTPServer

from tests.conftest import MINI_DOC, MakeProject, Project
from tests.linkweb import Listener

MARKER = "CITEPROOF-SECRET-7f3a9c"
TOKEN = "ghs_CITEPROOFTOKEN0123456789abcdef"
SAFE_FORMATS = ("-f", "html", "-f", "epub", "-f", "pdf")


def _outputs_text(build: Path) -> str:
    """Everything a reader of the outputs could see, as one string."""
    parts = []
    for path in sorted(build.glob("*")):
        if path.suffix == ".html":
            parts.append(path.read_text(encoding="utf-8"))
        elif path.suffix == ".epub":
            with zipfile.ZipFile(path) as epub:
                parts.extend(epub.read(name).decode("latin-1") for name in epub.namelist())
        elif path.suffix == ".pdf":
            data = path.read_bytes()
            parts.append(data.decode("latin-1"))
            parts.extend(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return "\n".join(parts)


def _with_body(body: str) -> str:
    return MINI_DOC.replace("## References", body + "\n\n## References")


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """A marker in the build's environment, as a CI secret would be."""
    monkeypatch.setenv("CITEPROOF_TEST_SECRET", MARKER)


def _git_config(project: Project) -> None:
    """What actions/checkout leaves behind: the repository token in .git/config."""
    project.write(".git/config", f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {TOKEN}\n')


@pytest.mark.slow
@pytest.mark.usefixtures("secrets")
def test_sandbox_stylesheet_link_to_environ_is_sanitised_away(make_project: MakeProject) -> None:
    project = make_project({"article": _with_body('<link rel="stylesheet" href="/proc/self/environ">\n\nMore text.')})
    result = project.run("build", *SAFE_FORMATS)
    assert result.code == 0, result.err
    text = _outputs_text(project.build)
    assert "More text." in text  # the outputs really were read back
    assert MARKER not in text
    assert "/proc/self/environ" not in project.build.joinpath("article.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.usefixtures("secrets")
def test_sandbox_raw_html_allowed_still_reads_no_file(make_project: MakeProject) -> None:
    """With raw-html = "allow" the tag stays, but pandoc runs sandboxed and reads nothing."""
    project = make_project(
        {"article": _with_body('<link rel="stylesheet" href="/proc/self/environ">\n\nMore text.')}, config='raw-html = "allow"\n'
    )
    result = project.run("build", *SAFE_FORMATS)
    assert result.code == 0, result.err
    assert 'raw-html = "allow"' in result.err  # said in every build
    assert MARKER not in _outputs_text(project.build)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "why"),
    [
        ('<img src="../.git/config" alt="">', "outside the project's content"),
        ("![config](../.git/config)", "outside the project's content"),
        ("![config](/.git/config)", "outside the project's content"),
        # A leading "/" means the project root (as in Typst), so this is <project>/etc/passwd.
        ("![passwd](/etc/passwd)", "does not exist"),
        ("![passwd](../../../../../../etc/passwd)", "outside the project's content"),
        ("![env](/proc/self/environ)", "does not exist"),
        ("![env](file:///proc/self/environ)", "uses the file: scheme"),
        ("![config](../pyproject.toml)", "is not an image file"),
    ],
)
def test_sandbox_files_outside_the_content_are_refused_at_their_line(make_project: MakeProject, body: str, why: str) -> None:
    project = make_project({"article": _with_body(body)})
    _git_config(project)
    result = project.run("build")
    assert result.code == 1
    assert "manuscript/article.md:11:" in result.err
    assert why in result.err
    assert "Traceback" not in result.err
    assert not project.build.exists() or not any(project.build.glob("article*"))


@pytest.mark.slow
def test_sandbox_symlink_leaving_the_project_is_refused(make_project: MakeProject) -> None:
    project = make_project({"article": _with_body("![notes](notes.png)")})
    (project.root / "manuscript" / "notes.png").symlink_to("/etc/passwd")
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert "image 'notes.png' is outside the project's content" in result.err


@pytest.mark.slow
def test_sandbox_local_image_is_embedded_by_citeproof(make_project: MakeProject) -> None:
    """Pandoc is sandboxed, so citeproof itself embeds the checked image in HTML and EPUB."""
    project = make_project({"article": _with_body("![A red square](red.png)")})
    from PIL import Image

    Image.new("RGB", (600, 600), "red").save(project.root / "manuscript" / "red.png")
    result = project.run("build")
    assert result.code == 0, result.err
    assert 'src="data:image/png;base64,' in project.build.joinpath("article.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(project.build / "article.epub") as epub:
        assert any(name.startswith("EPUB/media/") and name.endswith(".png") for name in epub.namelist())
    reader = PdfReader(project.build / "article.pdf")
    assert any("/XObject" in (page.get("/Resources") or {}) for page in reader.pages)


@pytest.fixture
def listener() -> Iterator[Listener]:
    """The SSRF witness the link tests use: it records every connection it accepts."""
    witness = Listener("127.0.0.1")
    yield witness
    witness.close()


@pytest.mark.slow
def test_sandbox_remote_images_make_no_request(make_project: MakeProject, listener: Listener) -> None:
    body = f'![c](http://127.0.0.1:{listener.port}/x.png)\n\n<img src="http://127.0.0.1:{listener.port}/y.png" alt="y">'
    project = make_project({"article": _with_body(body)})
    result = project.run("build")
    assert result.code == 1
    assert result.err.count("remote image") == 2
    assert 'remote-resources = "fetch"' in result.err  # the hint says how to allow it
    assert listener.accepted == []


@pytest.mark.slow
def test_sandbox_raw_typst_is_refused_by_default(make_project: MakeProject) -> None:
    project = make_project({"article": _with_body('```{=typst}\n#raw(read("/.git/config"))\n```')})
    _git_config(project)
    result = project.run("build", "-f", "pdf")
    assert result.code == 1
    assert "manuscript/article.md:12: raw Typst is not allowed" in result.err


@pytest.mark.slow
def test_sandbox_raw_typst_allowed_still_cannot_read_unchecked_files(make_project: MakeProject) -> None:
    """Typst compiles in a folder of checked copies: the project's .git is not there to read."""
    project = make_project({"article": _with_body('```{=typst}\n#raw(read("/.git/config"))\n```')}, config='raw-typst = "allow"\n')
    _git_config(project)
    result = project.run("build", "-f", "pdf")
    assert result.code != 0
    assert "Traceback" not in result.err
    assert not any(project.build.glob("*.pdf")) if project.build.exists() else True


@pytest.mark.slow
def test_sandbox_typst_package_import_is_refused(make_project: MakeProject) -> None:
    project = make_project({"article": _with_body('```{=typst}\n#import "@preview/cetz:0.3.0"\n```')}, config='raw-typst = "allow"\n')
    result = project.run("build", "-f", "pdf")
    assert result.code == 1
    assert "may not import a Typst package" in result.err


@pytest.mark.slow
def test_sandbox_script_and_event_attributes_are_sanitised(make_project: MakeProject) -> None:
    body = (
        'Text <script>alert(1)</script> and <span onclick="steal()" class="x">hi</span> '
        '<a href="javascript:alert(2)">link</a>.\n\n<div onmouseover="y()">\n\nblock\n\n</div>'
    )
    project = make_project({"article": _with_body(body)})
    result = project.run("build", "-f", "html", "-f", "epub")
    assert result.code == 0, result.err
    text = _outputs_text(project.build)
    for bad in ("alert(1)", "steal()", "javascript:", "onmouseover", "onclick"):
        assert bad not in text
    assert '<span class="x">hi</span>' in project.build.joinpath("article.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_sandbox_javascript_markdown_link_is_an_error(make_project: MakeProject) -> None:
    project = make_project({"article": _with_body("[click](javascript:alert(1))")})
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert "uses the javascript: scheme" in result.err


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/abs", ".hidden", "a/b"])
def test_sandbox_document_name_that_leaves_build_is_a_config_error(make_project: MakeProject, name: str) -> None:
    project = make_project()
    text = project.root.joinpath("pyproject.toml").read_text(encoding="utf-8")
    text = text.replace('documents = ["manuscript/*.md"]', f'documents = [{{source = "manuscript/article.md", name = "{name}"}}]')
    project.root.joinpath("pyproject.toml").write_text(text, encoding="utf-8")
    result = project.run("build", "-f", "html")
    assert result.code == 2
    assert "must be a plain file name" in result.err


def test_sandbox_document_outside_the_project_is_refused(make_project: MakeProject, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text(MINI_DOC, encoding="utf-8")
    project = make_project()
    text = project.root.joinpath("pyproject.toml").read_text(encoding="utf-8")
    project.root.joinpath("pyproject.toml").write_text(text.replace('"manuscript/*.md"', f'"{outside}"'), encoding="utf-8")
    result = project.run("build", "-f", "html")
    assert result.code == 2
    assert "outside the project folder" in result.err


@pytest.mark.slow
def test_sandbox_outputs_are_replaced_as_a_set(make_project: MakeProject) -> None:
    project = make_project()
    assert project.run("build", "-f", "html", "-f", "epub").code == 0
    before = {p.name: p.read_bytes() for p in project.build.glob("article.*")}
    project.write("manuscript/article.md", MINI_DOC.replace("seven hours", "eight hours"))
    (project.build / "article.epub").unlink()
    (project.build / "article.epub").mkdir()  # a folder where the EPUB should go
    before.pop("article.epub")
    result = project.run("build", "-f", "html", "-f", "epub")
    assert result.code == 1
    assert "nothing was replaced" in result.err
    assert {p.name: p.read_bytes() for p in project.build.glob("article.*") if p.is_file()} == before
    assert not list(project.build.glob(".staging-*"))


@pytest.mark.slow
def test_sandbox_stale_staging_folders_are_removed(make_project: MakeProject) -> None:
    project = make_project()
    stale = project.build / ".staging-killed"
    stale.mkdir(parents=True)
    (stale / "citeproof.pid").write_text("999999999", encoding="ascii")  # no such process
    (stale / "out").mkdir()
    (stale / "out" / "half.html").write_text("<p>half", encoding="utf-8")
    result = project.run("build", "-f", "html")
    assert result.code == 0, result.err
    assert not stale.exists()
    assert not (project.build / "half.html").exists()


MALFORMED = [
    ("Walking helps [@ lee2023].", "write @lee2023"),
    ("Walking helps [lee2023].", "write [@lee2023]"),
    ("Walking helps, says @ lee2023.", "write @lee2023"),
    ("Walking helps [@{lee2023].", "write @{lee2023}"),
    # found by an outside verifier: pandoc printed "[Smith (2024); lee2023]" and "[Smith (2024)."
    ("Walking helps [@smith2024; lee2023].", "write @lee2023"),
    ("Walking helps [@smith2024.", "add the ']'"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("sentence", "hint"), MALFORMED)
def test_sandbox_malformed_citation_is_an_error_in_build_and_check(make_project: MakeProject, sentence: str, hint: str) -> None:
    project = make_project({"article": _with_body(sentence)})
    build = project.run("build", "-f", "html")
    assert build.code == 1
    assert "manuscript/article.md:11:" in build.err and hint in build.err
    check = project.run("check")
    assert check.code == 1
    assert "malformed-citation" in check.out and hint in check.out


def test_sandbox_links_in_brackets_are_not_citations(make_project: MakeProject) -> None:
    """Ordinary bracketed words, links and emails stay quiet."""
    body = (
        "See [the guide](https://example.org) [note] and write to me @ home; [lee2023 is great] stays. "
        "A group [see @smith2024, p. 3; also @lee2023] and one over two lines [@smith2024;\n@lee2023] are fine."
    )
    project = make_project({"article": _with_body(body)})
    check = project.run("check", "--format", "json")
    assert "malformed-citation" not in check.out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("@article{lee 2023,\n  title = {Walking},\n  date = {2023},\n}\n", "lee 2023"),
        ("@article{lee2023\n  title = {Walking},\n  date = {2023},\n}\n", "lee2023"),
    ],
)
def test_sandbox_check_and_build_agree_on_a_broken_bib(make_project: MakeProject, entry: str, words: str) -> None:
    from tests.conftest import MINI_BIB

    bib = MINI_BIB.split("@article")[0] + entry
    project = make_project({"article": MINI_DOC.replace(" [@lee2023]", "")}, bib=bib)
    build = project.run("build", "-f", "html")
    check = project.run("check")
    assert build.code == 1, build.err
    assert check.code == 1, check.out + check.err
    assert "bibliography.bib" in build.err
    assert "bibliography.bib" in check.out


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


FETCH = 'remote-resources = "fetch"\n[tool.citeproof.links]\nallow-private = true\n'


@pytest.mark.slow
def test_sandbox_remote_image_fetched_once_through_the_guarded_client(make_project: MakeProject, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/blue.png").respond_with_data(_png(), content_type="image/png")
    project = make_project({"article": _with_body(f"![A blue square]({httpserver.url_for('/blue.png')})")}, config=FETCH)
    result = project.run("build", "-f", "html", "-f", "pdf")
    assert result.code == 0, result.err
    assert 'remote-resources = "fetch"' in result.err
    assert 'src="data:image/png;base64,' in project.build.joinpath("article.html").read_text(encoding="utf-8")
    assert any("/XObject" in (page.get("/Resources") or {}) for page in PdfReader(project.build / "article.pdf").pages)
    assert len(httpserver.log) == 1
    assert project.run("build", "-f", "html").code == 0
    assert len(httpserver.log) == 1  # the second build reads its cached copy


@pytest.mark.slow
def test_sandbox_remote_fetch_that_is_not_an_image_is_an_error(make_project: MakeProject, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/fake.png").respond_with_data("API_KEY=abc", content_type="image/png")
    project = make_project({"article": _with_body(f"![fake]({httpserver.url_for('/fake.png')})")}, config=FETCH)
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert "manuscript/article.md:11:" in result.err and "is not an image" in result.err


@pytest.mark.slow
def test_sandbox_remote_fetch_to_a_private_address_makes_no_connection(make_project: MakeProject, listener: Listener) -> None:
    """Fetching is allowed, private addresses are not (the default): the guard refuses before any SYN."""
    body = f"![c](http://127.0.0.1:{listener.port}/x.png)\n\n![d](http://[::1]:{listener.port}/y.png)"
    project = make_project({"article": _with_body(body)}, config='remote-resources = "fetch"\n')
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert result.err.count("could not be downloaded") == 2
    assert listener.accepted == []


FRONT_MATTER_ATTACK = """\
---
title: A Small Test Article
header-includes: |
  <script>alert("meta")</script>
  <link rel="stylesheet" href="/proc/self/environ">
---

Most adults need seven hours of sleep [@smith2024].
"""


@pytest.mark.slow
@pytest.mark.usefixtures("secrets")
def test_sandbox_front_matter_raw_html_is_sanitised_too(make_project: MakeProject) -> None:
    project = make_project({"article": FRONT_MATTER_ATTACK})
    result = project.run("build", *SAFE_FORMATS)
    assert result.code == 0, result.err
    text = _outputs_text(project.build)
    assert "seven hours" in text
    for bad in ('alert("meta")', "/proc/self/environ", MARKER):
        assert bad not in text


@pytest.mark.parametrize(
    ("line", "key"),
    [("css: /proc/self/environ", "css"), ("cover-image: /etc/passwd", "cover-image"), ("bibliography: /etc/passwd", "bibliography")],
)
def test_sandbox_front_matter_file_keys_are_refused(make_project: MakeProject, line: str, key: str) -> None:
    project = make_project({"article": MINI_DOC.replace("lang: en-US\n", f"lang: en-US\n{line}\n")})
    result = project.run("build", "-f", "html", "-f", "epub")
    assert result.code == 1
    assert f"manuscript/article.md:4: the front matter key '{key}' names a file pandoc would read" in result.err


@pytest.mark.slow
def test_sandbox_front_matter_image_is_checked(make_project: MakeProject) -> None:
    doc = MINI_DOC.replace("lang: en-US\n", "lang: en-US\nabstract: |\n  ![leak](../.git/config)\n")
    project = make_project({"article": doc})
    _git_config(project)
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert "manuscript/article.md:5: image '../.git/config' is outside the project's content" in result.err
