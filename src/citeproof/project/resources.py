"""Templates, stylesheet, filters and logo: the packaged defaults, overridden file by file.

citeproof ships every file a build needs inside the package (``citeproof/data/``), so an
installed tool works in an empty folder. A project overrides one file by putting a file of
the same name in its own ``templates/`` (or the folder its ``templates`` key names) or
``filters/`` folder; every file it does not copy keeps coming from the package, so a
clinic that restyles the stylesheet still gets the next release's fixed Typst templates.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from citeproof.files import write_atomic
from citeproof.project.policy import inside_project

if TYPE_CHECKING:
    from citeproof.project.config import Config

DATA = Path(__file__).resolve().parent.parent / "data"
PACKAGED_TEMPLATES = DATA / "templates"
PACKAGED_FILTERS = DATA / "filters"
DEFAULT_LOGO = PACKAGED_TEMPLATES / "clinic-logo.svg"


def packaged_filters() -> tuple[str, ...]:
    """Names of the filters that ship with citeproof."""
    return tuple(sorted(p.stem for p in PACKAGED_FILTERS.glob("*.py")))


def template(config: Config, name: str) -> Path:
    """The project's ``templates/<name>`` if it has one, else the packaged file of that name.

    An override arrives with the content (by pull request), and pandoc reads a template or
    stylesheet whole into the output, so it must be a regular file inside the project,
    outside dot-folders and the build folder, after symlinks are followed.
    """
    own = config.templates / name
    if not (own.is_file() or own.is_symlink()):
        return PACKAGED_TEMPLATES / name
    checked = inside_project(own, config.root.resolve(), (config.build_dir.resolve(),))
    if checked is None or not checked.is_file():
        from citeproof.errors import BuildError

        raise BuildError(
            f"the template override {own} is not a regular file inside the project (a link out, or outside the project)",
            hint="put the file itself in the project's templates/ folder, or delete it to use the packaged one",
        )
    return checked


def html_template(config: Config) -> Path:
    """``citeproof.html`` in a folder whose ``citeproof.css`` is the resolved stylesheet.

    The HTML template reads the stylesheet as a pandoc partial, and pandoc looks for
    partials beside the template, so a project that overrides only one of the two files
    would silently get the other folder's copy. When they come from different folders we
    pair them in a content-addressed temporary folder: the same pair always lands in the
    same place, so parallel workers share it and never see a half-written file.
    """
    page, css = template(config, "citeproof.html"), template(config, "citeproof.css")
    if page.parent == css.parent:
        return page
    page_bytes, css_bytes = page.read_bytes(), css.read_bytes()
    digest = hashlib.sha256(page_bytes + b"\0" + css_bytes).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"citeproof-html-{digest}"
    folder.mkdir(exist_ok=True)
    for name, data in (("citeproof.css", css_bytes), ("citeproof.html", page_bytes)):
        target = folder / name
        if not target.is_file() or target.read_bytes() != data:
            write_atomic(target, data)
    return folder / "citeproof.html"


def find_filter(root: Path, value: str) -> Path | None:
    """Where the filter named or pathed by ``value`` lives, or None.

    A bare name (``products``, ``products.py``) is the project's ``filters/<name>.py`` if it
    has one, else the packaged filter. A path is taken relative to the project; a path
    ``filters/<name>.py`` that the project does not have falls back to the packaged filter,
    so configurations written before filters were packaged keep working.
    """
    file_name = value if value.endswith(".py") else f"{value}.py"
    if "/" not in value and os.sep not in value:
        candidates = [root / "filters" / file_name, PACKAGED_FILTERS / file_name]
    else:
        path = (root / value).resolve()
        candidates = [path]
        if path.parent == (root / "filters").resolve():
            candidates.append(PACKAGED_FILTERS / path.name)
    return next((c.resolve() for c in candidates if c.is_file()), None)


def resolve_filters(root: Path, values: list[str]) -> tuple[list[Path], list[str]]:
    """Each configured filter's file, and a problem message for each one that is not found."""
    paths: list[Path] = []
    problems: list[str] = []
    for value in values:
        found = find_filter(root, value)
        if found is None:
            problems.append(f"no filter {value!r}: not a file relative to {root}, nor a packaged filter ({', '.join(packaged_filters())})")
        else:
            paths.append(found)
    return paths, problems
