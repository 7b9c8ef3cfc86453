"""The EPUB's cover image (the brochure's front cover panel, typeset alone as a PNG), and the finishing touches pandoc cannot make.

One design for both: the brochure template has a cover mode (``citeproof-cover``) that sets
its cover panel on a page of its own, so a clinic that restyles the brochure's cover
restyles the e-book's too.

Pandoc runs sandboxed and may read no image, so it cannot take ``--epub-cover-image``: the
PNG is added to the finished EPUB instead, as the manifest item with the ``cover-image``
property (EPUB 3) and the ``cover`` meta older readers look for.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from citeproof.build.layout import geometry
from citeproof.build.publish import Stage
from citeproof.engines import tools
from citeproof.errors import BuildError
from citeproof.project import resources
from citeproof.project.config import Config

# A cover about 1000 px high: sharp on a phone, small in the EPUB (readers scale it down).
COVER_PPI = 120.0
COVER_PAPER = "us-letter"
COVER_ID = "citeproof-cover"
COVER_HREF = "media/citeproof-cover.png"
_CHAPTER = re.compile(r"/ch\d+\.xhtml$")
_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title>[^<]*</title>")
_BODY = re.compile(r"<body\b[^>]*>")
EPUB_STYLESHEET = "EPUB/styles/stylesheet1.css"  # where pandoc puts the default stylesheet
_PANDOC_PURE_TIME = b"1970-01-01T00:00:00Z"  # the clock a sandboxed pandoc sees


def cover_png(
    tree: Mapping[str, Any],
    common: Sequence[str],
    typst_variables: Mapping[str, str],
    *,
    config: Config,
    stage: Stage,
    name: str,
    epoch: int,
) -> bytes:
    """The cover panel of ``tree`` (pandoc's JSON after the filters) typeset as a PNG.

    The cover shows only metadata, so the text is left out: it would be typeset for nothing,
    and its images are embedded for the web (data URIs) in a form Typst does not read.
    """
    ast = json.dumps({**tree, "blocks": []}).encode("utf-8")
    shape = geometry("brochure", COVER_PAPER)
    # The brochure's geometry takes the place of the output's own (the same keys).
    variables = {**typst_variables, **shape.typst_variables(), "citeproof-cover": "true", "citeproof-cover-height": shape.page_height}
    args = [
        *common,
        "--to", "typst-citations", "--template", str(resources.template(config, "brochure.typ")),
        *(arg for key, value in variables.items() for arg in ("--variable", f"{key}={value}")),
    ]  # fmt: skip
    source = tools.pandoc(args, stdin=ast, env={"SOURCE_DATE_EPOCH": str(epoch)}, cwd=config.root).stdout
    label = f"{name} cover"
    pages, _ = tools.typst_compile(source, root=stage.typst_root, output_format="png", ppi=COVER_PPI, timestamp=epoch, label=label)
    return pages[0]


def finish_epub(epub: Path, cover: bytes, meta: Mapping[str, Any], *, css: bytes, epoch: int) -> None:
    """What pandoc's EPUB lacks, added to the finished file in one rewrite of the ZIP: the
    cover image, each chapter's title (pandoc titles a chapter with its file name,
    "ch001.xhtml", which readers show), and the draft mark heading every chapter of an
    unreviewed article.

    And what a sandboxed pandoc cannot do: it cannot read ``--css``, so our stylesheet
    (``css``) takes the place of its default one; and it cannot read the clock or
    SOURCE_DATE_EPOCH, so it writes 1970 as the modification date, which we replace with
    ``epoch``. Every entry keeps its order, date and compression, so the file stays
    byte-reproducible.
    """
    with zipfile.ZipFile(epub) as old:
        entries = [(info, old.read(info)) for info in old.infolist()]
    opf = next((info for info, _ in entries if info.filename.endswith(".opf")), None)
    if opf is None:
        raise BuildError(f"pandoc's EPUB {epub.name} has no package document to name its cover in")
    if EPUB_STYLESHEET not in {info.filename for info, _ in entries}:
        raise BuildError(
            f"pandoc's EPUB has no {EPUB_STYLESHEET} to carry the stylesheet", hint="please report this with your pandoc version"
        )
    folder = opf.filename.rsplit("/", 1)[0] + "/" if "/" in opf.filename else ""
    mark = str((meta.get("l10n") or {}).get("draft-mark", "")) if meta.get("citeproof-unreviewed") else ""
    stamp = dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    with zipfile.ZipFile(epub, "w") as new:
        for info, content in entries:
            data = content
            if info is opf:
                data = _with_cover_item(content.decode("utf-8")).encode("utf-8").replace(_PANDOC_PURE_TIME, stamp)
            elif info.filename == EPUB_STYLESHEET:
                data = css
            elif _CHAPTER.search(info.filename):
                data = _finished_chapter(content.decode("utf-8"), mark).encode("utf-8")
            new.writestr(info, data)
        member = zipfile.ZipInfo(folder + COVER_HREF, date_time=entries[-1][0].date_time)
        member.compress_type = zipfile.ZIP_STORED  # a PNG is compressed already
        new.writestr(member, cover)


def _with_cover_item(opf: str) -> str:
    item = f'<manifest>\n    <item id="{COVER_ID}" href="{COVER_HREF}" media-type="image/png" properties="cover-image" />'
    opf = opf.replace("<manifest>", item, 1)
    return opf.replace("</metadata>", f'  <meta name="cover" content="{COVER_ID}" />\n  </metadata>', 1)


def _finished_chapter(page: str, mark: str) -> str:
    heading = _HEADING.search(page)
    if heading:
        title = html.escape(html.unescape(_TAG.sub("", heading.group(2))).strip(), quote=False)
        page = _TITLE.sub(f"<title>{title}</title>", page, count=1)
    if mark:
        page = _BODY.sub(lambda m: f'{m.group(0)}\n<p class="draft-mark">{html.escape(mark, quote=False)}</p>', page, count=1)
    return page
