"""New projects and new articles from packaged text, never overwriting a file.

The text lives in ``citeproof/data/scaffold/`` as ordinary files (a clinic reads what it
will get); placeholders are ``{clinic}``, ``{today}`` and ``{title}``-style tokens replaced
literally, because Markdown and BibTeX are full of braces that ``str.format`` would eat.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from citeproof.project.resources import DATA, DEFAULT_LOGO

SCAFFOLD = DATA / "scaffold"
# Packaged file -> where it goes in a new project. Dot-files are stored without their dot
# so that packaging tools never mistake them for the package's own (.gitignore rules).
PROJECT_FILES: tuple[tuple[Path, str], ...] = (
    (SCAFFOLD / "pyproject.toml", "pyproject.toml"),
    (SCAFFOLD / "README.md", "README.md"),
    (SCAFFOLD / "bibliography.bib", "bibliography.bib"),
    (SCAFFOLD / "manuscript" / "getting-started.md", "manuscript/getting-started.md"),
    (SCAFFOLD / "gitignore", ".gitignore"),
    (SCAFFOLD / "pre-commit-config.yaml", ".pre-commit-config.yaml"),
    (SCAFFOLD / "workflows" / "articles.yml", ".github/workflows/articles.yml"),
    (SCAFFOLD / "workflows" / "links.yml", ".github/workflows/links.yml"),
    (DEFAULT_LOGO, "assets/clinic-logo.svg"),
)


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{name}`` in ``values`` replaced; other braces left alone."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def write_new(path: Path, data: bytes) -> bool:
    """Create ``path`` with ``data``; False (and nothing written) if it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # "x": created only if absent, atomically, so a file that appears meanwhile is not lost.
        with path.open("xb") as handle:
            handle.write(data)
    except FileExistsError:
        return False
    return True


def slugify(title: str) -> str:
    """A file-name slug: ``"Managing high blood pressure"`` -> ``managing-high-blood-pressure``."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].rstrip("-") or "article"


def today() -> str:
    """Today's date as ISO text (front matter dates are ISO)."""
    return dt.date.today().isoformat()
