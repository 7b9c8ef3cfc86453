"""The gate every document passes before any engine runs: its citations, its content (the
sandbox) and its style, checked for every document first, then one job per output.

The builder imports this only when some output is out of date, so a build with nothing to do
does not load the sandbox, the loader or the parse machinery.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from citeproof.build.jobs import Job, Resources
from citeproof.build.products import select_outputs
from citeproof.build.sandbox import check_content, line_of, picture_problem, raise_problems, retarget_images, shown, svg_problem
from citeproof.findings import Finding
from citeproof.project import guards
from citeproof.project.citations import malformed_citations, raise_malformed
from citeproof.project.documents import ParsedDocument, check_citations, raise_unclosed, unclosed_divs
from citeproof.project.loader import Log, load_project
from citeproof.project.styles import resolve_style

if TYPE_CHECKING:
    from citeproof.build.builder import BuildOptions
    from citeproof.project.config import Config


def prepare(config: Config, options: BuildOptions, log: Log) -> list[Job]:
    """Every output to make, after the strictness gate and the sandbox passed for every document."""
    products = config.products
    jobs: list[Job] = []
    problems: list[str] = []
    malformed: list[Finding] = []
    project = load_project(config, options.documents, strict=True, log=log)
    # A div left open swallows the rest of the document: every one of them first, before anything is checked or fetched.
    raise_unclosed([finding for loaded in project.documents for finding in unclosed_divs(loaded.parsed)])
    for loaded in project.documents:
        parsed, bib = loaded.parsed, loaded.bib
        check_citations(parsed, bib)
        # the parse refused every other front matter problem; only the configuration can say a title is missing
        guards.raise_front_matter(guards.untitled(parsed.ast["meta"], parsed.source_text, parsed.config.metadata), parsed.display)
        malformed.extend(malformed_citations(parsed, bib.keys()))
        tree, resources, found = check_content(
            parsed.ast,
            source=parsed.source_text,
            display=parsed.display,
            folder=parsed.config.source.parent,
            root=config.root,
            build_dir=config.build_dir,
            policy=config.policy,
        )
        problems.extend(found)
        if resources.remote:
            problems.extend(_download(config, parsed, tree, resources))
        # Every engine downstream reads the checked copy (raw HTML sanitised), never the original.
        checked = dataclasses.replace(parsed, ast_json=json.dumps(tree))
        style = resolve_style(parsed.config.style, config.root)
        outputs = select_outputs(
            parsed.config.name,
            products,
            wanted=options.products,
            formats=options.formats,
            paper=options.paper,
            allowed=parsed.config.products,
        )
        jobs.extend(Job(checked, bib, style, output, options.draft, options.preview, resources) for output in outputs)
    raise_malformed(malformed)
    raise_problems(problems)
    return jobs


def _download(config: Config, parsed: ParsedDocument, tree: dict[str, Any], resources: Resources) -> list[str]:
    """Remote images (remote-resources = "fetch"), through the link checker's guarded client; problems at their lines."""
    from citeproof.build.remote import fetch_images  # urllib3 and the link client: only when a document has remote images

    fetched, failed = fetch_images(resources.remote, config.build_dir, config.links)
    for url, path in list(fetched.items()):
        # A download cut short starts like a picture and is none; a downloaded SVG is held to the
        # same rules as a local one (no script, no outside references).
        svg = path.suffix.lower() == ".svg"
        if why := (svg_problem(path.read_bytes()) if svg else picture_problem(path)):
            failed[url] = f"{why}; save a good copy into the project" if not svg else f"is an SVG that {why}"
            del fetched[url]
            path.unlink(missing_ok=True)  # our cached copy: the next build downloads it again
    retarget_images(tree, {url: resources.add_download(url, path) for url, path in fetched.items()})
    return [
        f"{parsed.display}:{line_of(parsed.source_text, resources.remote[url])}: remote image {shown(url)} {why}"
        for url, why in failed.items()
    ]
