"""Typed, frozen configuration from ``[tool.citeproof]`` in pyproject.toml, validated once.

Every table, sub-tables included, is checked when the config is loaded, so every command
sees the same typed settings and a misspelt key anywhere fails every command (exit 2), not
only the one that reads that table. Every problem is collected before we stop (as mkdocs
does) so an editor fixes them in one pass, and every message has one shape::

    'tool.citeproof.links.timout': unknown key; did you mean 'timeout'?

Each sub-table's typed settings live beside the code that uses them (``claims.check``,
``links.settings``, ``build.products``, ``build.clinic``) and report through
:class:`Problems`; the keys each declares are also what :mod:`citeproof.project.schema`
publishes as a JSON Schema.
"""

from __future__ import annotations

import datetime as dt
import difflib
import glob
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citeproof.build.clinic import Clinic, clinic_from_table
from citeproof.build.layout import PAPERS
from citeproof.build.products import FORMATS, Product, products_from_table
from citeproof.engines import limits as engine_limits
from citeproof.errors import ConfigError
from citeproof.links.settings import LinkSettings
from citeproof.project.policy import KEYS as POLICY_KEYS
from citeproof.project.policy import ContentPolicy, policy_from_mapping, script_addresses
from citeproof.project.problems import STRING_LIST, Problems, read_settings
from citeproof.project.resources import resolve_filters

if TYPE_CHECKING:
    from citeproof.claims.settings import ClaimSettings
    from citeproof.readability.settings import ReadabilitySettings
    from citeproof.refs.settings import RefsSettings

__all__ = ["FORMATS", "PAPERS", "Config", "DocumentConfig", "Problems", "load_config", "read_settings"]

SECTION = "tool.citeproof"
# A document name becomes output file names: never a path, so outputs stay inside build/.
SAFE_NAME = re.compile(r"^(?!\.)[A-Za-z0-9._-]{1,100}$")
PDF_STANDARDS = ("1.7", "2.0", "a-2b", "a-3b", "a-4", "ua-1")
# Every top-level key, with the JSON Schema its value must match (the sub-tables' schemas
# are filled in by citeproof.project.schema from their own settings classes).
TOP_KEYS: dict[str, dict[str, Any]] = {
    "documents": {
        "description": "Markdown files or globs, or tables {source, name, bibliography, style, metadata, products}",
        "type": "array",
        "minItems": 1,
        "items": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/document"}]},
    },
    "bibliography": {
        "description": "the bibliography file, or a list of them (.bib BibTeX/BibLaTeX, .json CSL JSON, .yaml CSL YAML)",
        "anyOf": [{"type": "string", "minLength": 1}, {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}],
        "default": "bibliography.bib",
    },
    "style": {"description": "a CSL style name (apa, vancouver, ...) or a .csl path", "type": "string", "minLength": 1, "default": "apa"},
    "build-dir": {"description": "where outputs are written", "type": "string", "minLength": 1, "default": "build"},
    "formats": {"description": "used when there is no products table", "type": "array", "items": {"enum": list(FORMATS)}},
    "filters": {"description": "panflute filters, by packaged name or project path, in the order they run", **STRING_LIST},
    "templates": {"description": "the folder whose files override the packaged templates", "type": "string", "minLength": 1},
    "paper": {"description": "the default paper of print products", "enum": list(PAPERS), "default": "us-letter"},
    "pdf-standards": {"description": "PDF standards typst enforces", "type": "array", "items": {"enum": list(PDF_STANDARDS)}},
    "metadata": {"description": "pandoc metadata for every document (a document's own table overrides it)", "type": "object"},
    "products": {"description": "what each document is built into"},
    "clinic": {"description": "the clinic's identity, used by every template"},
    "claims": {"description": "the claim check"},
    "links": {"description": "the link check"},
    "review": {"description": "medical review"},
    "limits": {
        "description": "time and size limits of one run",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            key: {"type": "number", "exclusiveMinimum": 0}
            for key in ("typst-seconds", "filter-seconds", "pandoc-seconds", "document-megabytes", "nesting-depth", "yaml-nodes")
        },
    },
    "readability": {"description": "the reading level citeproof check reports"},
    "refs": {"description": "reference verification against public registries"},
    # What content may do during a build (citeproof.project.policy), filled in from ContentPolicy.
    **{key: {} for key in sorted(POLICY_KEYS)},
}
DOC_KEYS: dict[str, dict[str, Any]] = {
    "source": {"description": "a Markdown path or glob", "type": "string", "minLength": 1},
    "name": {"description": "the output name (default: the file's stem)", "type": "string", "minLength": 1},
    "bibliography": {
        "anyOf": [{"type": "string", "minLength": 1}, {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}]
    },
    "style": {"type": "string", "minLength": 1},
    "metadata": {"type": "object"},
    "products": {"description": "only these products (default: all)", **STRING_LIST},
}


@dataclass(frozen=True)
class ReviewSettings:
    """``[tool.citeproof.review]``: how often an article must be medically reviewed again."""

    interval_months: int = 12


@dataclass(frozen=True)
class DocumentConfig:
    """One document to build: its Markdown source and what it is built with."""

    name: str
    source: Path
    display: str  # the source path as a user wrote it, relative to the project
    bibliography: Path  # the first (often only) bibliography file
    style: str
    metadata: Mapping[str, Any] = field(default_factory=dict)  # the shared table overridden by the document's own
    products: tuple[str, ...] | None = None  # None: every configured product
    bibliographies: tuple[Path, ...] = ()  # every bibliography file, in order; () means just ``bibliography``

    def __post_init__(self) -> None:
        # Code that knows one file keeps reading ``bibliography``; code that reads them all reads this.
        if not self.bibliographies:
            object.__setattr__(self, "bibliographies", (self.bibliography,))


@dataclass(frozen=True)
class Config:
    """The whole ``[tool.citeproof]`` table, validated and typed; paths are absolute."""

    root: Path
    documents: tuple[DocumentConfig, ...]
    build_dir: Path
    formats: tuple[str, ...]
    filters: tuple[Path, ...]
    templates: Path
    paper: str
    products: Mapping[str, Product]
    clinic: Clinic
    claims: ClaimSettings
    links: LinkSettings
    refs: RefsSettings
    readability: ReadabilitySettings
    review: ReviewSettings = field(default_factory=ReviewSettings)
    policy: ContentPolicy = field(default_factory=ContentPolicy)
    pdf_standards: tuple[str, ...] = ("ua-1",)

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
    """Read and validate ``[tool.citeproof]`` and every sub-table; raise one ConfigError listing every problem."""
    path = pyproject or find_pyproject((cwd or Path.cwd()).resolve())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path} does not exist; pass the project's pyproject.toml with --config"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path} is a folder; pass the pyproject.toml file inside it with --config"]) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError([f"{path}:{line}: not UTF-8 text (TOML must be UTF-8); save it as UTF-8"]) from None
    except OSError as exc:
        raise ConfigError([f"{path} cannot be read: {exc.strerror or exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path} is not valid TOML: {exc}"]) from None
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    # [tool.citeprof] is a table TOML accepts and nobody reads: name it, or its settings vanish unseen.
    misspelt = [f"[tool.{k}] looks like a misspelling of [{SECTION}]; rename it" for k in tool if k != "citeproof" and _near(k)]
    raw = tool.get("citeproof")
    if not isinstance(raw, dict):
        raise ConfigError([*misspelt, f"{path} has no [{SECTION}] table; add one (see the README)"])
    validator = _Validator(path.parent.resolve(), path)
    for message in misspelt:
        validator.problem("tool", message)
    return validator.config(raw)


def _near(word: str) -> bool:
    return bool(difflib.get_close_matches(word.lower(), ["citeproof"], n=1, cutoff=0.75))


class _Validator:
    """Builds a Config from the raw table, collecting problems so all of them are reported together."""

    def __init__(self, root: Path, pyproject: Path) -> None:
        self.root = root
        self.pyproject = pyproject
        self.problems = Problems()

    def problem(self, key: str, message: str) -> None:
        self.problems.add(key, message)

    def string(self, table: Mapping[str, Any], key: str, default: str, prefix: str = SECTION) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value:
            self.problem(f"{prefix}.{key}", f"expected a non-empty string, got {value!r}")
            return default
        return value

    def paths(self, table: Mapping[str, Any], key: str, default: list[str], prefix: str = SECTION) -> list[str]:
        """A path or a non-empty list of paths (``bibliography``)."""
        value = table.get(key, default)
        if isinstance(value, str) and value:
            return [value]
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return list(value)
        self.problem(f"{prefix}.{key}", f"expected a path or a non-empty list of paths, got {value!r}")
        return default

    def string_list(self, table: Mapping[str, Any], key: str, default: list[str]) -> list[str]:
        value = table.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(f"{SECTION}.{key}", f"expected a list of strings, got {value!r}")
            return default
        return value

    def build_dir(self, raw: Mapping[str, Any], *, allow_outside: bool) -> Path:
        """Outputs go inside the project (a pull request's config must not aim them elsewhere)."""
        value = self.string(raw, "build-dir", "build")
        path = (self.root / value).resolve()
        inside = path.is_relative_to(self.root) and path != self.root
        hidden = inside and any(part.startswith(".") for part in path.relative_to(self.root).parts)
        if (not inside and not allow_outside) or hidden:
            self.problem(
                f"{SECTION}.build-dir",
                f"{value!r} is not a folder inside the project (outside dot-folders); use e.g. 'build'"
                + ("" if hidden else ", or set allow-outside = true"),
            )
        return path

    def metadata(self, table: Mapping[str, Any], key: str) -> dict[str, Any]:
        """Pandoc metadata from the config: TOML dates and times become ISO text, and citeproof's own
        template variables (``citeproof-*``, some of them Typst code) cannot be set here."""
        found: dict[str, Any] = {}
        for name, value in table.items():
            if str(name).startswith("citeproof-"):
                self.problem(f"{key}.{name}", "keys starting with 'citeproof-' are set by citeproof itself; remove it")
                continue
            found[name] = _plain(value)
        script_addresses(found, key, self.problems)
        return found

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
        # Imported here, not at the top: the claim settings import the claim cue tables, the refs
        # and readability settings their packages (60 to 150 ms each), which ``import
        # citeproof.project.config`` alone (the CLI's parser, the schema) need not pay.
        from citeproof.claims.settings import ClaimSettings
        from citeproof.readability.settings import ReadabilitySettings
        from citeproof.refs.settings import refs_settings

        self.problems.unknown_keys(raw, TOP_KEYS, SECTION)
        bibliography = self.paths(raw, "bibliography", ["bibliography.bib"])
        style = self.string(raw, "style", "apa")
        formats = self.formats(raw)
        paper = self.string(raw, "paper", "us-letter")
        if paper not in PAPERS:
            self.problem(f"{SECTION}.paper", f"unknown paper {paper!r}; choose from {', '.join(PAPERS)}")
        filters, filter_problems = resolve_filters(self.root, self.string_list(raw, "filters", []))
        for message in filter_problems:
            self.problem(f"{SECTION}.filters", message)
        # The project's override folder: optional (every file falls back to the packaged one),
        # but a folder named explicitly must exist, or a typo would silently use the defaults.
        templates_value = self.string(raw, "templates", "templates")  # read once: a bad value is one problem
        templates = (self.root / templates_value).resolve()
        if isinstance(raw.get("templates"), str):  # a value of the wrong type is already a problem
            self.existing(templates_value, f"{SECTION}.templates", kind="folder")
        # Metadata for every document (e.g. a publisher); a document's own table overrides it.
        shared = self.metadata(self.table(raw, "metadata"), f"{SECTION}.metadata")
        policy = policy_from_mapping(raw, self.problems, SECTION)
        documents = self.documents(raw.get("documents"), bibliography, style, shared, allow_outside=policy.allow_outside)
        names = [d.name for d in documents]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problem(f"{SECTION}.documents", f"two documents are both named {name!r}; give one a 'name'")
        build_dir = self.build_dir(raw, allow_outside=policy.allow_outside)
        pdf_standards = self.pdf_standards(raw)
        products = products_from_table(
            raw.get("products"), paper=paper, formats=formats, pdf_standards=pdf_standards, problems=self.problems
        )
        self.document_products(raw.get("documents"), products)
        config = Config(
            root=self.root,
            documents=tuple(documents),
            build_dir=build_dir,
            formats=tuple(formats),
            filters=tuple(filters),
            templates=templates,
            paper=paper,
            pdf_standards=pdf_standards,
            products=products,
            clinic=clinic_from_table(raw.get("clinic", {}), self.root, self.problems),
            claims=ClaimSettings.from_mapping(raw.get("claims", {}), where=f"{SECTION}.claims", problems=self.problems),
            links=LinkSettings.from_mapping(raw.get("links", {}), build_dir=build_dir, problems=self.problems),
            review=read_settings(ReviewSettings, raw.get("review", {}), f"{SECTION}.review", self.problems),
            readability=ReadabilitySettings.from_mapping(
                raw.get("readability", {}), where=f"{SECTION}.readability", problems=self.problems
            ),
            refs=refs_settings(self.table(raw, "refs"), self.root, problems=self.problems),
            policy=policy,
        )
        # Engines read their limits from one place for the whole run; the environment still wins.
        engine_limits.configure(self.table(raw, "limits"), self.problems)
        self.problems.raise_if_any(location=str(self.pyproject))
        return config

    def formats(self, raw: Mapping[str, Any]) -> list[str]:
        formats = self.string_list(raw, "formats", list(FORMATS))
        for fmt in formats:
            if fmt not in FORMATS:
                guess = difflib.get_close_matches(fmt, FORMATS, n=1)
                self.problem(
                    f"{SECTION}.formats",
                    f"unknown format {fmt!r}" + (f"; did you mean {guess[0]!r}?" if guess else f"; choose from {', '.join(FORMATS)}"),
                )
        return [f for f in formats if f in FORMATS]

    def pdf_standards(self, raw: Mapping[str, Any]) -> tuple[str, ...]:
        standards = self.string_list(raw, "pdf-standards", ["ua-1"])
        for standard in standards:
            if standard not in PDF_STANDARDS:
                self.problem(f"{SECTION}.pdf-standards", f"unknown PDF standard {standard!r}; choose from {', '.join(PDF_STANDARDS)}")
        return tuple(s for s in standards if s in PDF_STANDARDS)

    def document_products(self, raw: Any, products: Mapping[str, Product]) -> None:
        """A document's ``products`` must name configured products, or it would silently build nothing."""
        for index, item in enumerate(raw if isinstance(raw, list) else []):
            wanted = item.get("products") if isinstance(item, dict) else None
            for name in wanted if isinstance(wanted, list) else []:
                if name not in products:
                    guess = difflib.get_close_matches(str(name), list(products), n=1)
                    hint = f"did you mean '{guess[0]}'?" if guess else f"configured: {', '.join(products)}"
                    self.problem(f"{SECTION}.documents[{index}].products", f"no product named {name!r}; {hint}")

    def documents(
        self, raw: Any, bibliography: list[str], style: str, shared: Mapping[str, Any], *, allow_outside: bool = False
    ) -> list[DocumentConfig]:
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
            self.problems.unknown_keys(table, DOC_KEYS, key)
            pattern = table["source"]
            matches = sorted(glob.glob(str(self.root / pattern))) if glob.has_magic(pattern) else [str(self.root / pattern)]
            if not matches:
                self.problem(key, f"the pattern {pattern!r} matches no file")
            bibs = self.paths(table, "bibliography", bibliography, key)
            own = table.get("metadata", {})
            if not isinstance(own, dict):
                self.problem(f"{key}.metadata", f"expected a table, got {own!r}")
                own = {}
            metadata = {**shared, **self.metadata(own, f"{key}.metadata")}
            products = table.get("products")
            if products is not None and (not isinstance(products, list) or not all(isinstance(p, str) for p in products)):
                self.problem(f"{key}.products", f"expected a list of product names, got {products!r}")
                products = None
            own_style = self.string(table, "style", style, key)  # read once, not once per file the glob matched
            for match in matches:
                source = Path(match).resolve()
                if not source.is_file():
                    if glob.has_magic(pattern):  # the glob found it, so it exists: it is not a readable file
                        shown = Path(match).relative_to(self.root).as_posix() if Path(match).is_relative_to(self.root) else match
                        self.problem(key, f"{shown!r} matches {pattern!r} but is not a file (a folder, or a link to a missing file)")
                    else:
                        self.problem(key, f"document {pattern!r} does not exist (relative to {self.root})")
                    continue
                if not allow_outside and not source.is_relative_to(self.root):
                    self.problem(key, f"document {match!r} is outside the project folder; move it in, or set allow-outside = true")
                    continue
                named = bool(table.get("name")) and len(matches) == 1
                name = str(table["name"]) if named else source.stem
                if not SAFE_NAME.match(name):
                    if named:
                        self.problem(
                            f"{key}.name",
                            f"document name {name!r} must be a plain file name (letters, digits, '-', '_', '.'; not starting "
                            "with '.'; no folders): outputs are written only inside the build folder",
                        )
                    else:
                        self.problem(key, _unsafe_file_name(source, self.root))
                    continue
                found.append(
                    DocumentConfig(
                        name=name,
                        source=source,
                        display=str(source.relative_to(self.root)) if source.is_relative_to(self.root) else str(source),
                        bibliography=(self.root / bibs[0]).resolve(),
                        bibliographies=tuple((self.root / b).resolve() for b in bibs),
                        style=own_style,
                        metadata=metadata,
                        products=tuple(products) if products is not None else None,
                    )
                )
        return found


def _unsafe_file_name(source: Path, root: Path) -> str:
    """What to say of a Markdown file whose name cannot name its outputs ("Salt and You.md")."""
    from citeproof.scaffold import slugify

    shown = source.relative_to(root).as_posix() if source.is_relative_to(root) else str(source)
    return (
        f"{shown!r}: a document's file name becomes the names of its outputs, so it may hold only letters, digits, "
        f"'-', '_' and '.' (not starting with '.'); rename the file, e.g. to '{slugify(source.stem)}.md'"
    )


def _plain(value: Any) -> Any:
    """A TOML value as pandoc metadata: dates and times (which TOML has and YAML front matter reads as text) as ISO text."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
