"""One output from one parsed document: filters in-process, then pandoc (and typst)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citeproof.build.clinic import Clinic, qr_svg, typst_string
from citeproof.build.docmeta import epub_front, template_metadata, typst_links
from citeproof.build.filtering import apply_filters
from citeproof.build.jobs import PREVIEW_DIR, Job, Resources
from citeproof.build.layout import geometry
from citeproof.build.publish import Stage
from citeproof.build.sandbox import checked_asset, embed_images, shown
from citeproof.engines import tools
from citeproof.errors import BuildError, FilterAuthorError
from citeproof.project import resources
from citeproof.project.config import Config
from citeproof.project.policy import runs_code

if TYPE_CHECKING:
    import panflute as pf

_REDUNDANT_IMG_ROLE = re.compile(r'(<img\b[^>]*?) role="img"')
PREVIEW_PPI = 72.0
# 1980-01-01: the earliest time a ZIP (and so an EPUB) can record.
FALLBACK_EPOCH = 315532800
ACCESSIBILITY_DEFAULTS: dict[str, object] = {
    "accessModes": ["textual"],
    "accessModeSufficient": ["textual"],
    "accessibilityFeatures": ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"],
    "accessibilityHazards": ["none"],
    "accessibilitySummary": (
        "A text article with headings, lists and a linked reference list; "
        "any images carry text alternatives; no audio, video or known hazards."
    ),
}


def source_date_epoch(meta_date: str | None) -> int:
    """SOURCE_DATE_EPOCH if set, else the document's date, else a fixed early date."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    if meta_date:
        try:
            day = dt.date.fromisoformat(meta_date.strip()[:10])
            return int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp())
        except ValueError:
            pass
    return FALLBACK_EPOCH


def filtered_document(job: Job, config: Config, clinic: Clinic, *, filters: Sequence[Path] | None = None) -> pf.Doc:
    """A fresh copy of the document's AST, with defaults set and the filters applied."""
    doc = job.parsed.load()
    product = job.output.product
    doc.format = product.format
    name = job.parsed.config.name
    title = doc.get_metadata("title", default="") or name
    meta = doc.metadata
    # Precedence, highest first: front matter (already in ``meta``), the document's own table,
    # the shared [tool.citeproof.metadata] (both merged in config.metadata), the clinic, built-in defaults.
    defaults: dict[str, object] = {
        "lang": "en-US",
        "link-citations": True,
        "link-bibliography": True,
        # The same document gets the same EPUB identifier in every build.
        "identifier": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'citeproof:{name}:{title}')}",
        "pagetitle": str(title),
        **ACCESSIBILITY_DEFAULTS,
        **({"publisher": clinic.name} if clinic.name else {}),
        **clinic.metadata(name),
        **job.parsed.config.metadata,
    }
    for key, value in defaults.items():
        if key not in meta:
            meta[key] = value
    # Labels in the document's language, its review status and its contacts: one source for every product.
    plain = doc.get_metadata()
    document_values = template_metadata(plain, display=job.parsed.display, clinic=clinic, interval_months=config.review.interval_months)
    for key, value in document_values.items():
        meta[key] = value
    _refuse_script_addresses(plain | document_values, job.parsed.display)
    meta["citeproof-draft"] = job.draft
    meta["citeproof-format"] = product.format
    meta["citeproof-product"] = product.name
    meta["citeproof-layout"] = product.layout
    if job.output.paper:  # the images filter judges print resolution against this paper's text width
        meta["citeproof-paper"] = job.output.paper
    meta["citeproof-resource-dir"] = config.relative(job.parsed.config.source.parent)
    meta["citeproof-root"] = str(config.root)
    try:
        return apply_filters(doc, config.filters if filters is None else filters)
    except FilterAuthorError as exc:  # the author's mistake, named at the Markdown file and line
        raise exc.at(job.parsed.display, job.parsed.source_text) from None


def _refuse_script_addresses(values: Mapping[str, Any], display: str) -> None:
    """Every ``*-url`` a template links to (from front matter, config or the clinic), checked as a browser reads it.

    The sandbox checks the document's own links; these addresses come from everywhere else
    and become ``<a href>`` in the HTML and EPUB, so a ``javascript:`` one would run there.
    """
    bad = [
        f"{key} = {shown(str(value))}"
        for key, value in sorted(values.items())
        if key.endswith("url") and isinstance(value, str) and runs_code(value)
    ]
    if bad:
        raise BuildError(
            f"{display}: these addresses would run script when clicked: {'; '.join(bad)}",
            hint="give http(s) addresses in the front matter, [tool.citeproof.metadata] or [tool.citeproof.clinic]",
        )


def filter_warnings(doc: pf.Doc) -> tuple[str, ...]:
    """What the filters asked to tell the user (under ``citeproof-warnings``), taken out of the metadata."""
    warnings = doc.get_metadata("citeproof-warnings", default=[]) or []
    if "citeproof-warnings" in doc.metadata:
        del doc.metadata["citeproof-warnings"]
    return tuple(str(w) for w in warnings)


def render(job: Job, config: Config, clinic: Clinic, stage: Stage) -> tuple[str, ...]:
    """Write ``job``'s output into ``stage.out``; return the tools' warnings.

    Pandoc runs with ``--sandbox``: it reads only the files on its command line (template,
    stylesheet, bibliography, style) and never the network, so every image it embeds is
    one citeproof checked and inlined itself.
    """
    doc = filtered_document(job, config, clinic)
    notes = filter_warnings(doc)
    tree = doc.to_json()
    if job.output.product.format in {"html", "epub"}:
        embed_images(tree, job.resources)
        logo = _logo_uri(clinic, config)
        if logo:
            tree["meta"]["clinic-logo"] = {"t": "MetaString", "c": logo}
    ast = json.dumps(tree).encode("utf-8")
    epoch = source_date_epoch(doc.get_metadata("date", default=None))
    product = job.output.product
    common = [
        "--from", "json", "--citeproc", "--sandbox",
        *job.bib.pandoc_args(config.build_dir / ".cache" / "refs"), "--csl", str(job.style),
        "--resource-path", f"{job.parsed.config.source.parent}{os.pathsep}{config.root}",
    ]  # fmt: skip
    env = {"SOURCE_DATE_EPOCH": str(epoch)}
    out = stage.out / job.output.filename
    if product.format == "html":
        args = ["--to", "html5", "--standalone", "--embed-resources", "--template", str(resources.html_template(config)),
                "--css", str(resources.template(config, "citeproof.css")), "--section-divs"]  # fmt: skip
        result = tools.pandoc([*common, *args], stdin=ast, env=env, cwd=config.root)
        # --embed-resources marks every embedded <img> role="img", which the Nu checker
        # warns is redundant on an <img>; the element's own role is the right one.
        out.write_text(_REDUNDANT_IMG_ROLE.sub(r"\1", result.stdout.decode("utf-8")), encoding="utf-8")
        return notes + result.warnings
    if product.format == "epub":
        from citeproof.build.cover import cover_png, finish_epub

        typst_variables = _typst_variables(doc, clinic, job)
        cover = cover_png(tree, common, typst_variables, config=config, stage=stage, name=job.parsed.config.name, epoch=epoch)
        # One title (no title page: pandoc would head the first chapter with the title again),
        # the front block in its place, a chapter per section, the brochure's cover as the cover.
        tree["blocks"][:0] = [epub_front(doc.get_metadata())]
        args = ["--to", "epub3", "--epub-title-page=false", "--split-level=2", "--output", str(out)]
        warnings = tools.pandoc([*common, *args], stdin=json.dumps(tree).encode("utf-8"), env=env, cwd=config.root).warnings
        finish_epub(out, cover, doc.get_metadata(), css=resources.template(config, "citeproof.css").read_bytes(), epoch=epoch)
        return notes + warnings
    template = resources.template(config, f"{product.layout}.typ")
    if not template.is_file():
        raise BuildError(
            f"no Typst template for the {product.layout!r} layout",
            location=config.relative(template),
            hint="add the template, or change the product's layout",
        )
    args = ["--to", "typst-citations", "--template", str(template), "--variable", f"papersize={job.output.paper}",
            *(arg for key, value in _typst_variables(doc, clinic, job).items() for arg in ("--variable", f"{key}={value}"))]  # fmt: skip
    result = tools.pandoc([*common, *args], stdin=ast, env=env, cwd=config.root)
    typst_source = result.stdout
    pages, warnings = tools.typst_compile(
        typst_source, root=stage.typst_root, timestamp=epoch, pdf_standards=product.pdf_standards, label=job.output.filename
    )
    if product.layout == "brochure":
        from citeproof.build.brochure import check_fit, empty_panel_warnings
        from citeproof.build.layout import inches

        shape = geometry(product.layout, job.output.paper or "us-letter")
        panel = shape.text_height_pt
        label = f"{job.parsed.display} ({product.name})"
        check_fit(typst_source, pages[0], root=stage.typst_root, job_label=label, panel_height_pt=panel)
        top = inches(shape.margins[0]) * 72
        warnings = (*warnings, *empty_panel_warnings(pages[0], job_label=label, top_pt=top, panel_height_pt=panel))
    out.write_bytes(pages[0])
    if job.preview:
        _write_preview(typst_source, job, stage, epoch)
    return notes + result.warnings + warnings


def _write_preview(typst_source: bytes, job: Job, stage: Stage, epoch: int) -> None:
    """PNG pages of a PDF output, so a reviewer can look before printing."""
    pngs, _ = tools.typst_compile(
        typst_source, root=stage.typst_root, output_format="png", ppi=PREVIEW_PPI, timestamp=epoch, label=job.output.filename
    )
    folder = stage.out / PREVIEW_DIR
    folder.mkdir(exist_ok=True)
    stem = job.output.filename.removesuffix(".pdf")
    for number, png in enumerate(pngs, start=1):
        (folder / f"{stem}-{number}.png").write_bytes(png)


def _logo_uri(clinic: Clinic, config: Config) -> str | None:
    """The clinic logo as a data URI: pandoc, sandboxed, reads no file for the HTML or EPUB."""
    if clinic.logo is None:
        return None
    path = checked_asset(clinic.logo, config.root, config.build_dir, what="the clinic logo")
    return Resources({"logo": path}).data_uri("logo")


def _typst_variables(doc: pf.Doc, clinic: Clinic, job: Job) -> dict[str, str]:
    """Values the Typst templates need as ready-made Typst literals (pandoc would escape them as markup)."""
    values: dict[str, str] = {"citeproof-typst-accent": f'rgb("{clinic.accent}")'}
    values.update(geometry(job.output.product.layout, job.output.paper or "us-letter").typst_variables())
    description = doc.get_metadata("description", default=None)
    if isinstance(description, str) and description.strip():
        values["citeproof-typst-description"] = typst_string(" ".join(description.split()))
    keywords = doc.get_metadata("keywords", default=None)
    if isinstance(keywords, list) and keywords:
        values["citeproof-typst-keywords"] = "(" + ", ".join(typst_string(str(k)) for k in keywords) + ",)"
    if clinic.logo is not None:
        values["citeproof-typst-logo"] = typst_string("/" + clinic.logo_display.lstrip("/"))
    online = clinic.online_address(job.parsed.config.name)
    # Addresses go in as string literals: pandoc escapes "//" for markup (a Typst comment),
    # which would leave "https:/\/" inside a link.
    if online:
        values["citeproof-typst-online"] = typst_string(online)
    values.update(typst_links(doc.get_metadata()))
    if online:
        values["citeproof-typst-qr"] = f"bytes({typst_string(qr_svg(online))})"
    return values
