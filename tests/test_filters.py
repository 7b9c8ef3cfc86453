"""Each filter also runs on its own under ``pandoc --filter``, outside citeproof."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import panflute as pf
import pypandoc
import pytest

from citeproof.build.filtering import load_filter
from citeproof.project.resources import PACKAGED_FILTERS as FILTERS
from tests.conftest import MakeProject


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


# Every place a div or span can sit, each rule, the brochure's heading before the refs, and
# prose that looks like a class ("not-for-profit", "only-child").
PRODUCT_CASES = """\
---
title: "Care [on screens]{.only-web}"
---

A not-for-profit clinic; an only-child. [Print only.]{.only-print} [Not in brochure.]{.not-brochure}

::: {.only-brochure}
Brochure text with [a web span]{.only-web} inside.

::: not-print
Nested, not in print.
:::
:::

- item [one]{.not-web}
- ::: only-handout
  Handout item.
  :::

| a | b |
|---|---|
| [cell]{.only-html} | plain |

Footnote here.[^1] > quote

> [Quoted]{.not-html} words.

[^1]: A note [with a span]{.only-print}.

## References {.unnumbered}

::: {#refs .not-web}
:::
"""


@pytest.mark.parametrize(
    ("product", "fmt", "layout"),
    [("html", "html", "page"), ("epub", "epub", "book"), ("handout", "pdf", "handout"), ("brochure", "pdf", "brochure")],
)
def test_products_json_door_matches_the_panflute_filter(product: str, fmt: str, layout: str) -> None:
    module = load_filter(FILTERS / "products.py")
    ast_json = pypandoc.convert_text(PRODUCT_CASES, "json", format="markdown")
    doc = pf.load(io.StringIO(ast_json))
    for key, value in {"citeproof-product": product, "citeproof-format": fmt, "citeproof-layout": layout}.items():
        doc.metadata[key] = value
    expected = module.main(doc).to_json()
    ast = json.loads(ast_json)
    pruned = module.product_ast(ast, ast_json, product=product, fmt=fmt, layout=layout)
    assert pruned is not None  # every product loses something in this document
    assert pruned["blocks"] == expected["blocks"]
    expected["meta"] = {k: v for k, v in expected["meta"].items() if not k.startswith("citeproof-")}
    assert pruned["meta"] == expected["meta"]
    assert json.loads(ast_json) == ast  # the input is left as it was


def test_products_json_door_skips_a_product_it_does_not_change() -> None:
    module = load_filter(FILTERS / "products.py")
    text = "A not-for-profit clinic. [Web only.]{.only-web}\n\n## References\n\n::: {#refs}\n:::\n"
    ast_json = pypandoc.convert_text(text, "json", format="markdown")
    ast = json.loads(ast_json)
    assert module.product_ast(ast, ast_json, product="html", fmt="html", layout="page") is None
    assert module.product_ast(ast, ast_json, product="handout", fmt="pdf", layout="handout") is not None
    brochure = module.product_ast(ast, ast_json, product="brochure", fmt="pdf", layout="brochure")
    assert brochure is not None and not any(block["t"] == "Header" for block in brochure["blocks"])
    assert brochure["blocks"][-1] is ast["blocks"][-1]  # what is kept is shared, not copied


def test_a_project_filter_may_build_raw_html5_blocks_when_it_is_loaded(make_project: MakeProject) -> None:
    """panflute 2.3 refuses html5/typst raw blocks until citeproof patches it: before any filter module runs.

    In a fresh process, as a user runs it: ``check`` loads filters without ever reading a document through panflute.
    """
    project = make_project()
    project.write(
        "filters/pagebreak.py",
        "import panflute as pf\n\nBREAK = pf.RawBlock('<hr>', format='html5')\n\n\ndef main(doc=None):\n    return doc\n",
    )
    config = (project.root / "pyproject.toml").read_text(encoding="utf-8")
    (project.root / "pyproject.toml").write_text(config.replace('filters = ["', 'filters = ["pagebreak", "', 1), encoding="utf-8")
    for command in (["check"], ["build", "-f", "html"]):
        done = subprocess.run([sys.executable, "-m", "citeproof", *command], cwd=project.root, capture_output=True, text=True, check=False)
        assert "failed to load" not in done.stderr, done.stderr
        assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
