"""``citeproof preview`` in a real browser: serves, reloads on save, marks uncited claims, shows build errors.

The preview runs as its own process (``python -m citeproof preview --port 0``), as a writer
starts it, and is stopped with SIGINT, as Ctrl-C stops it. Chromium is Debian's, driven by
Playwright for Python, launched the way the validators launch it.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from citeproof.validate.html import CHROMIUM_ARGS
from tests.conftest import MINI_DOC, MakeProject, Project

CHROMIUM = Path("/usr/bin/chromium")
playwright_sync = pytest.importorskip("playwright.sync_api", reason="install the validate extra: pip install -e '.[validate]'")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs Debian's chromium (apt-get install chromium)")]

UNCITED = "Nine in ten adults walk for thirty minutes every day."


def _url(process: subprocess.Popen[str], seconds: float = 60) -> str:
    """The URL the preview prints on its first line of stdout."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if selector.select(timeout=0.5):
            line = process.stdout.readline()
            if "http://127.0.0.1:" in line:
                return line.split()[2]
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
    raise AssertionError("the preview printed no URL")


@pytest.fixture
def preview(make_project: MakeProject) -> Iterator[tuple[Project, subprocess.Popen[str], str]]:
    project = make_project(config='formats = ["html"]\n')
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    process = subprocess.Popen(
        [sys.executable, "-m", "citeproof", "--config", str(project.root / "pyproject.toml"), "preview", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=project.root, env=env,
    )  # fmt: skip
    try:
        yield project, process, _url(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_preview_reloads_on_save_and_marks_uncited_claims(preview: tuple[Project, subprocess.Popen[str], str], tmp_path: Path) -> None:
    project, process, url = preview
    with playwright_sync.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            page = context.new_page()
            page.goto(url)
            title = page.locator(".citeproof-panel-title")
            title.filter(has_text="no findings").wait_for(timeout=60_000)
            assert page.title().startswith("A Small Test Article")
            assert page.locator("mark.citeproof-uncited").count() == 0
            page.evaluate("window.citeproofMarker = 'before the save'")

            project.write("manuscript/article.md", MINI_DOC.replace("## References", f"{UNCITED}\n\n## References"))
            mark = page.locator("mark.citeproof-uncited")
            mark.first.wait_for(timeout=60_000)
            assert page.evaluate("window.citeproofMarker === undefined")  # a real reload, not a patch
            assert mark.first.inner_text().strip() == UNCITED
            hover = mark.first.get_attribute("title") or ""
            assert "claim" in hover and "score" in hover
            # The overlay is the preview's own: the built page in build/ carries none of it.
            built = (project.build / "article.html").read_text(encoding="utf-8")
            assert UNCITED in built and "citeproof-findings" not in built and "EventSource" not in built

            project.write("manuscript/article.md", MINI_DOC.replace("[@lee2023]", "[@nosuchkey2024]"))
            failure = page.locator(".citeproof-build-error")
            failure.wait_for(timeout=60_000)
            assert "nosuchkey2024" in failure.inner_text() and "manuscript/article.md" in failure.inner_text()

            project.write("manuscript/article.md", MINI_DOC)  # the next good save clears the error
            title.filter(has_text="no findings").wait_for(timeout=60_000)
            assert page.locator(".citeproof-build-error").count() == 0
        finally:
            context.close()
    process.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err


def test_preview_serves_an_article_created_while_it_runs(preview: tuple[Project, subprocess.Popen[str], str]) -> None:
    """A new file is not a known source: the config is read again and the new page is served."""
    import urllib.error
    import urllib.request

    project, process, url = preview
    deadline = time.monotonic() + 60
    while not (project.build / "article.html").is_file():
        assert time.monotonic() < deadline, "the first build never finished"
        time.sleep(0.2)
    project.write("manuscript/second.md", MINI_DOC.replace("A Small Test Article", "A Second Article"))
    while True:
        try:
            page = urllib.request.urlopen(f"{url}second.html", timeout=10).read().decode("utf-8")
            if "A Second Article" in page and "citeproof-findings" in page:
                break
        except urllib.error.HTTPError:
            pass  # 404 until the config has been read again
        assert time.monotonic() < deadline, "the new article was never served"
        time.sleep(0.2)
    assert "citeproof-findings" not in (project.build / "second.html").read_text(encoding="utf-8")
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert process.returncode == 0


def test_preview_stopped_by_sigterm_exits_143(preview: tuple[Project, subprocess.Popen[str], str]) -> None:
    """Ctrl-C is how a writer ends a preview (exit 0); SIGTERM is a service manager stopping it: 143, as every command."""
    import signal

    _, process, _ = preview
    process.send_signal(signal.SIGTERM)
    _, said = process.communicate(timeout=30)  # reads both pipes to the end and closes them
    assert process.returncode == 143, said
