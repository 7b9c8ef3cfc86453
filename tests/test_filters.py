"""Each filter also runs on its own under ``pandoc --filter``, outside citeproof."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pypandoc
import pytest

from citeproof.project.resources import PACKAGED_FILTERS as FILTERS


def pandoc_with(filter_name: str, markdown: str, *args: str) -> subprocess.CompletedProcess[str]:
    # pandoc runs a .py filter with the first python on PATH: make it this interpreter.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [pypandoc.get_pandoc_path(), "--filter", str(FILTERS / filter_name), *args],
        input=markdown, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip


def test_filter_products_standalone() -> None:
    text = "::: {.only-brochure}\nIn the brochure.\n:::\n\n[On screens.]{.only-web}\n"
    html = pandoc_with("products.py", text, "-t", "html", "-M", "citeproof-product=html")
    assert html.returncode == 0, html.stderr
    assert "In the brochure." not in html.stdout and "On screens." in html.stdout
    brochure = pandoc_with("products.py", text, "-t", "typst", "-M", "citeproof-product=brochure")
    assert "In the brochure." in brochure.stdout and "On screens." not in brochure.stdout


def test_filter_source_needed_standalone() -> None:
    text = '[Most people recover.]{.needs-source reason="ask"}\n'
    draft = pandoc_with("source_needed.py", text, "-t", "html", "-M", "citeproof-draft=true")
    assert draft.returncode == 0, draft.stderr
    assert "[source needed]" in " ".join(draft.stdout.split())  # pandoc wraps lines
    final = pandoc_with("source_needed.py", text, "-t", "html")
    assert "source needed" not in final.stdout and "needs-source" not in final.stdout


def test_filter_callouts_standalone() -> None:
    typst = pandoc_with("callouts.py", "::: {.warning}\nDo not mix.\n:::\n", "-t", "typst")
    assert typst.returncode == 0, typst.stderr
    assert '#callout("warning", "Warning")[' in typst.stdout


@pytest.mark.parametrize(("markdown", "ok"), [("![A chart](c.png)\n", True), ("![](c.png)\n", False)])
def test_filter_images_standalone(markdown: str, ok: bool) -> None:
    done = pandoc_with("images.py", markdown, "-t", "typst")
    assert (done.returncode == 0) is ok
    if ok:
        assert 'alt: "A chart"' in done.stdout
    else:
        assert "has no alt text" in done.stderr
