"""Typed, frozen configuration from ``[tool.citeproof]`` in pyproject.toml.

Every problem is collected before we stop (as mkdocs does), so an editor fixes them in
one pass; unknown keys get a "did you mean".
"""

from __future__ import annotations

import difflib
import glob
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citeproof.errors import ConfigError
from citeproof.project.resources import resolve_filters

FORMATS = ("html", "epub", "pdf")
PAPERS = ("us-letter", "a4")
SECTION = "tool.citeproof"
_TOP_KEYS = {
    "documents",
    "bibliography",
    "style",
    "build-dir",
    "formats",
    "filters",
    "templates",
    "paper",
    "metadata",
    "claims",
    "links",
    "products",
    "clinic",
    "pdf-standards",
}
_DOC_KEYS = {"source", "name", "bibliography", "style", "metadata", "products"}
PDF_STANDARDS = ("1.7", "2.0", "a-2b", "a-3b", "a-4", "ua-1")


@dataclass(frozen=True)
class DocumentConfig:
    """One document to build: its Markdown source and what it is built with."""

    name: str
    source: Path
    display: str  # the source path as a user wrote it, relative to the project
    bibliography: Path
    style: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    products: tuple[str, ...] | None = None  # None: every configured product


@dataclass(frozen=True)
class Config:
    """The whole ``[tool.citeproof]`` table, validated; paths are absolute."""

    root: Path
    documents: tuple[DocumentConfig, ...]
    build_dir: Path
    formats: tuple[str, ...]
    filters: tuple[Path, ...]
    templates: Path
    paper: str
    pdf_standards: tuple[str, ...] = ("ua-1",)
    claims: Mapping[str, Any] = field(default_factory=dict)
    links: Mapping[str, Any] = field(default_factory=dict)
    products: Mapping[str, Any] = field(default_factory=dict)
    clinic: Mapping[str, Any] = field(default_factory=dict)

    def relative(self, path: Path) -> str:
        """``path`` as shown to users: relative to the project when it is inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def find_pyproject(start: Path) -> Path:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.citeproof] table."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "[tool.citeproof" in candidate.read_text(encoding="utf-8", errors="replace"):
            return candidate
    raise ConfigError(
        [f"no pyproject.toml with a [{SECTION}] table at or above {start}; run citeproof from the project folder or pass --config"]
    )


def load_config(pyproject: Path | None = None, *, cwd: Path | None = None) -> Config:
    """Read and validate ``[tool.citeproof]``; raise one ConfigError listing every problem."""
    path = pyproject or find_pyproject((cwd or Path.cwd()).resolve())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path} does not exist; pass the project's pyproject.toml with --config"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path} is not valid TOML: {exc}"]) from None
    raw = data.get("tool", {}).get("citeproof")
    if not isinstance(raw, dict):
        raise ConfigError([f"{path} has no [{SECTION}] table; add one (see the README)"])
    return _Validator(path.parent.resolve(), path).config(raw)


class _Validator:
    """Collects problems while building a Config, so all of them are reported together."""

    def __init__(self, root: Path, pyproject: Path) -> None:
        self.root = root
        self.pyproject = pyproject
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"'{key}': {message}")

    def unknown_keys(self, table: Mapping[str, Any], known: set[str], prefix: str) -> None:
        for key in table:
            if key not in known:
                guess = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f"; did you mean '{guess[0]}'?" if guess else f"; known keys: {', '.join(sorted(known))}"
                self.problem(f"{prefix}.{key}", f"unknown key{hint}")

    def string(self, table: Mapping[str, Any], key: str, default: str, prefix: str = SECTION) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value:
            self.problem(f"{prefix}.{key}", f"expected a non-empty string, got {value!r}")
            return default
        return value

    def string_list(self, table: Mapping[str, Any], key: str, default: list[str]) -> list[str]:
        value = table.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(f"{SECTION}.{key}", f"expected a list of strings, got {value!r}")
            return default
        return value

    def table(self, raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.problem(f"{SECTION}.{key}", f"expected a table, got {value!r}")
            return {}
        return value

    def existing(self, relative: str, key: str, *, kind: str = "file") -> Path:
        path = (self.root / relative).resolve()
        ok = path.is_file() if kind == "file" else path.is_dir()
        if not ok:
            self.problem(key, f"{kind} {relative!r} does not exist (relative to {self.root})")
        return path

    def config(self, raw: Mapping[str, Any]) -> Config:
        self.unknown_keys(raw, _TOP_KEYS, SECTION)
        bibliography = self.string(raw, "bibliography", "bibliography.bib")
        style = self.string(raw, "style", "apa")
        formats = self.string_list(raw, "formats", list(FORMATS))
        for fmt in formats:
            if fmt not in FORMATS:
                guess = difflib.get_close_matches(fmt, FORMATS, n=1)
                self.problem(
                    f"{SECTION}.formats",
                    f"unknown format {fmt!r}" + (f"; did you mean {guess[0]!r}?" if guess else f"; choose from {', '.join(FORMATS)}"),
                )
        paper = self.string(raw, "paper", "us-letter")
        if paper not in PAPERS:
            self.problem(f"{SECTION}.paper", f"unknown paper {paper!r}; choose from {', '.join(PAPERS)}")
        filters, filter_problems = resolve_filters(self.root, self.string_list(raw, "filters", []))
        for message in filter_problems:
            self.problem(f"{SECTION}.filters", message)
        # The project's override folder: optional (every file falls back to the packaged one),
        # but a folder named explicitly must exist, or a typo would silently use the defaults.
        templates = (self.root / self.string(raw, "templates", "templates")).resolve()
        if "templates" in raw:
            self.existing(self.string(raw, "templates", "templates"), f"{SECTION}.templates", kind="folder")
        # Metadata for every document (e.g. a publisher); a document's own table overrides it.
        shared = self.table(raw, "metadata")
        documents = self.documents(raw.get("documents"), bibliography, style, shared)
        names = [d.name for d in documents]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problem(f"{SECTION}.documents", f"two documents are both named {name!r}; give one a 'name'")
        build_dir = (self.root / self.string(raw, "build-dir", "build")).resolve()
        pdf_standards = self.pdf_standards(raw)
        tables = {name: self.table(raw, name) for name in ("claims", "links", "products", "clinic")}
        if self.problems:
            raise ConfigError(self.problems, location=str(self.pyproject))
        return Config(
            root=self.root,
            documents=tuple(documents),
            build_dir=build_dir,
            formats=tuple(formats),
            filters=tuple(filters),
            templates=templates,
            paper=paper,
            pdf_standards=pdf_standards,
            claims=tables["claims"],
            links=tables["links"],
            products=tables["products"],
            clinic=tables["clinic"],
        )

    def pdf_standards(self, raw: Mapping[str, Any]) -> tuple[str, ...]:
        standards = self.string_list(raw, "pdf-standards", ["ua-1"])
        for standard in standards:
            if standard not in PDF_STANDARDS:
                self.problem(f"{SECTION}.pdf-standards", f"unknown PDF standard {standard!r}; choose from {', '.join(PDF_STANDARDS)}")
        return tuple(s for s in standards if s in PDF_STANDARDS)

    def documents(self, raw: Any, bibliography: str, style: str, shared: Mapping[str, Any]) -> list[DocumentConfig]:
        if not isinstance(raw, list) or not raw:
            self.problem(f"{SECTION}.documents", 'expected a list of Markdown files or globs, e.g. documents = ["manuscript/*.md"]')
            return []
        found: list[DocumentConfig] = []
        for index, item in enumerate(raw):
            key = f"{SECTION}.documents[{index}]"
            table: Mapping[str, Any] = {"source": item} if isinstance(item, str) else item
            if not isinstance(table, dict) or not isinstance(table.get("source"), str):
                self.problem(key, "expected a path (or glob), or a table with a 'source' path")
                continue
            self.unknown_keys(table, _DOC_KEYS, key)
            pattern = table["source"]
            matches = sorted(glob.glob(str(self.root / pattern))) if glob.has_magic(pattern) else [str(self.root / pattern)]
            if not matches:
                self.problem(key, f"the pattern {pattern!r} matches no file")
            bib = self.string(table, "bibliography", bibliography, key)
            own = table.get("metadata", {})
            if not isinstance(own, dict):
                self.problem(f"{key}.metadata", f"expected a table, got {own!r}")
                own = {}
            metadata = {**shared, **own}
            products = table.get("products")
            if products is not None and (not isinstance(products, list) or not all(isinstance(p, str) for p in products)):
                self.problem(f"{key}.products", f"expected a list of product names, got {products!r}")
                products = None
            for match in matches:
                source = Path(match).resolve()
                if not source.is_file():
                    self.problem(key, f"document {pattern!r} does not exist (relative to {self.root})")
                    continue
                found.append(
                    DocumentConfig(
                        name=str(table.get("name") or source.stem) if len(matches) == 1 else source.stem,
                        source=source,
                        display=str(source.relative_to(self.root)) if source.is_relative_to(self.root) else str(source),
                        bibliography=(self.root / bib).resolve(),
                        style=self.string(table, "style", style, key),
                        metadata=metadata,
                        products=tuple(products) if products is not None else None,
                    )
                )
        return found
