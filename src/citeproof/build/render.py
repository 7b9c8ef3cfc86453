"""One output from one parsed document: filters in-process, then pandoc (and typst)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import panflute as pf

from citeproof.engines import tools
from citeproof.project.bibliography import Bibliography
from citeproof.build.clinic import Clinic, qr_svg, typst_string
from citeproof.project.config import Config
from citeproof.project.documents import ParsedDocument
from citeproof.project import resources
from citeproof.errors import BuildError
from citeproof.build.filtering import apply_filters
from citeproof.build.products import Output

_REDUNDANT_IMG_ROLE = re.compile(r'(<img\b[^>]*?) role="img"')
PREVIEW_DIR = "preview"
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


@dataclass(frozen=True)
class Job:
    """One output of one document, with everything needed to make it."""

    parsed: ParsedDocument
    bib: Bibliography
    style: Path
    output: Output
    draft: bool = False
    preview: bool = False


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
    defaults: dict[str, object] = {
        "lang": "en-US",
        "link-citations": True,
        "link-bibliography": True,
        # The same document gets the same EPUB identifier in every build.
        "identifier": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'citeproof:{name}:{title}')}",
        "pagetitle": str(title),
        **ACCESSIBILITY_DEFAULTS,
        **job.parsed.config.metadata,
        **({"publisher": clinic.name} if clinic.name else {}),
        **clinic.metadata(name),
    }
    for key, value in defaults.items():
        if key not in meta:
            meta[key] = value
    meta["citeproof-draft"] = job.draft
    meta["citeproof-format"] = product.format
    meta["citeproof-product"] = product.name
    meta["citeproof-layout"] = product.layout
    meta["citeproof-resource-dir"] = config.relative(job.parsed.config.source.parent)
    meta["citeproof-root"] = str(config.root)
    return apply_filters(doc, config.filters if filters is None else filters)


def filter_warnings(doc: pf.Doc) -> tuple[str, ...]:
    """What the filters asked to tell the user (under ``citeproof-warnings``), taken out of the metadata."""
    warnings = doc.get_metadata("citeproof-warnings", default=[]) or []
    if "citeproof-warnings" in doc.metadata:
        del doc.metadata["citeproof-warnings"]
    return tuple(str(w) for w in warnings)


def render(job: Job, config: Config, clinic: Clinic, staging: Path) -> tuple[str, ...]:
    """Write ``job``'s output into ``staging``; return the tools' warnings."""
    doc = filtered_document(job, config, clinic)
    notes = filter_warnings(doc)
    ast = json.dumps(doc.to_json()).encode("utf-8")
    epoch = source_date_epoch(doc.get_metadata("date", default=None))
    product = job.output.product
    common = [
        "--from", "json", "--citeproc",
        *job.bib.pandoc_args(config.build_dir / ".cache" / "refs"), "--csl", str(job.style),
        "--resource-path", f"{job.parsed.config.source.parent}{os.pathsep}{config.root}",
    ]  # fmt: skip
    env = {"SOURCE_DATE_EPOCH": str(epoch)}
    out = staging / job.output.filename
    if product.format == "html":
        args = ["--to", "html5", "--standalone", "--embed-resources", "--template", str(resources.html_template(config)),
                "--css", str(resources.template(config, "citeproof.css")), "--section-divs", "--output", str(out)]  # fmt: skip
        warnings = tools.pandoc([*common, *args], stdin=ast, env=env, cwd=config.root).warnings
        # --embed-resources marks every embedded <img> role="img", which the Nu checker
        # warns is redundant on an <img>; the element's own role is the right one.
        out.write_text(_REDUNDANT_IMG_ROLE.sub(r"\1", out.read_text(encoding="utf-8")), encoding="utf-8")
        return notes + warnings
    if product.format == "epub":
        args = ["--to", "epub3", "--css", str(resources.template(config, "citeproof.css")), "--output", str(out)]
        return notes + tools.pandoc([*common, *args], stdin=ast, env=env, cwd=config.root).warnings
    template = resources.template(config, f"{product.layout}.typ")
    if not template.is_file():
        raise BuildError(
            f"no Typst template for the {product.layout!r} layout",
            location=config.relative(template),
            hint="add the template, or change the product's layout",
        )
    args = ["--to", "typst-citations", "--template", str(template), "--variable", f"papersize={job.output.paper}",
            *_typst_variables(doc, clinic, job)]  # fmt: skip
    result = tools.pandoc([*common, *args], stdin=ast, env=env, cwd=config.root)
    typst_source = result.stdout
    pages, warnings = tools.typst_compile(
        typst_source, root=config.root, timestamp=epoch, pdf_standards=product.pdf_standards, label=job.output.filename
    )
    if product.layout == "brochure":
        from citeproof.build.brochure import check_fit

        height = 612.0 if job.output.paper == "us-letter" else 595.3  # landscape: the short side
        check_fit(typst_source, pages[0], root=config.root, job_label=f"{job.parsed.display} ({product.name})", paper_height_pt=height)
    out.write_bytes(pages[0])
    if job.preview:
        _write_preview(typst_source, config, job, staging, epoch)
    return notes + result.warnings + warnings


def _write_preview(typst_source: bytes, config: Config, job: Job, staging: Path, epoch: int) -> None:
    """PNG pages of a PDF output, so a reviewer can look before printing."""
    pngs, _ = tools.typst_compile(
        typst_source, root=config.root, output_format="png", ppi=PREVIEW_PPI, timestamp=epoch, label=job.output.filename
    )
    folder = staging / PREVIEW_DIR
    folder.mkdir(exist_ok=True)
    stem = job.output.filename.removesuffix(".pdf")
    for number, png in enumerate(pngs, start=1):
        (folder / f"{stem}-{number}.png").write_bytes(png)


def _typst_variables(doc: pf.Doc, clinic: Clinic, job: Job) -> list[str]:
    """Values the Typst templates need as ready-made Typst literals (pandoc would escape them as markup)."""
    values: dict[str, str] = {"citeproof-typst-accent": f'rgb("{clinic.accent}")'}
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
    if clinic.helpline_url:
        values["citeproof-typst-helpline-url"] = typst_string(clinic.helpline_url)
    if online:
        values["citeproof-typst-qr"] = f"bytes({typst_string(qr_svg(online))})"
    return [arg for key, value in values.items() for arg in ("--variable", f"{key}={value}")]
