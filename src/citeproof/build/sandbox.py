"""What a document may pull into an output: the build's sandbox.

Content arrives by pull request, so the Markdown is hostile until checked. Before any
engine sees a document, this module walks its AST once and decides:

- every local image (Markdown or raw HTML) resolves to a regular image file inside the
  project, outside dot-folders (``.git``) and the build folder, after symlinks are
  followed; anything else is an error at the Markdown line;
- remote images are an error unless ``remote-resources = "fetch"`` (pandoc itself never
  fetches: it runs with ``--sandbox``);
- raw HTML is sanitised with an allow-list (nh3) unless ``raw-html = "allow"``, or refused
  with ``"deny"``; ``javascript:``-style links are refused always;
- raw Typst is refused unless ``raw-typst = "allow"``, and even then never imports a
  package (``#import "@preview/..."`` would download at build time).

The checked images are embedded by citeproof itself (data URIs for HTML and EPUB), and
typst compiles inside a mirror folder that holds only checked files, so no engine reads a
file this module did not approve.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from citeproof.build.jobs import Resources
from citeproof.errors import BuildError, listing
from citeproof.project.policy import LINK_SCHEMES, TAB_OR_NEWLINE, ContentPolicy, inside_project, runs_code, url_scheme

# Front matter keys that make pandoc read a file (or fetch a URL) of the author's choosing.
FILE_META_KEYS = frozenset(
    {"css", "cover-image", "epub-cover-image", "epub-fonts", "bibliography", "csl", "citation-abbreviations", "reference-doc"}
)
# citeproof's own template values; several are pasted into the Typst templates as code
# (citeproof-typst-keywords, -description, -helpline-tel, ...), so a document that set one
# would run Typst of its choosing: read checked files, or download a package.
RESERVED_META_PREFIX = "citeproof-"
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"})
HTML_FORMATS = frozenset({"html", "html4", "html5"})
# An import or include of anything but a plain local path: a package spec ("@preview/..."),
# or a computed path that could spell one (import(str(bytes((64, ...))))); eval could hide either.
_PACKAGE_IMPORT = re.compile(r"""\b(?:import|include)\b(?!\s*"(?!@)[^"\\]*")|\beval\s*\(""")
# SVG elements that run script or load a document when the SVG is opened on its own.
_SVG_ACTIVE = frozenset({"script", "foreignobject", "handler", "listener", "iframe", "embed", "object"})
_SINGLE_TAG = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)(/?)>$", re.DOTALL)
# How many files and folders the search for a missing image's namesake may look at.
_SEARCH_LIMIT = 20_000
# What a picture may be inside, whatever its file name says: what browsers, EPUB readers and typst all show.
PICTURE_FORMATS = frozenset({"PNG", "JPEG", "MPO", "GIF", "WEBP"})
# Attributes any allowed element may keep; nh3's own table adds the element-specific ones.
_GENERIC_ATTRIBUTES = frozenset({"class", "id", "lang", "dir", "title", "role", "hidden"})


@dataclass
class _Pass:
    """One walk over one document: the problems found and the images approved."""

    display: str
    source: str
    root: Path
    folder: Path  # the document's own folder: relative targets start here
    forbidden: tuple[Path, ...]
    policy: ContentPolicy
    resources: Resources = field(default_factory=Resources)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, the problem said at it)

    def problem(self, needle: str, message: str) -> None:
        line = line_of(self.source, needle)
        self.problems.append((line, f"{self.display}:{line}: {message}"))

    def image(self, target: str, needle: str) -> None:
        if target in self.resources.files or target.startswith("data:"):
            return
        scheme = url_scheme(target)
        if target.startswith("//") or scheme in {"http", "https"}:
            if self.policy.remote_resources == "fetch":
                self.resources.remote.setdefault(target, needle)
            else:
                self.problem(
                    needle,
                    f"remote image {shown(target)} is not allowed: builds never reach the network; "
                    'download it into the project, or set remote-resources = "fetch" in [tool.citeproof]',
                )
            return
        if scheme and len(scheme) > 1:  # "C:" would be a Windows drive, anything longer a scheme
            self.problem(needle, f"image {shown(target)} uses the {scheme}: scheme; use a file in the project")
            return
        path = self._inside(target)
        if path is None:
            self.problem(
                needle,
                f"image {shown(target)} is outside the project's content (only files inside the project, "
                "outside dot-folders and the build folder, can be embedded); copy the image into the project",
            )
        elif not path.is_file():
            self.problem(needle, self._missing(target, path))
        elif path.suffix.lower() not in IMAGE_SUFFIXES:
            self.problem(needle, f"{shown(target)} is not an image file (expected {', '.join(sorted(IMAGE_SUFFIXES))}); link to it instead")
        elif path.suffix.lower() == ".svg" and (why := svg_problem(path.read_bytes())):
            # The EPUB carries the SVG as a file of its own, which a reader may open as a document.
            self.problem(needle, f"the SVG image {shown(target)} {why}; export it again as a plain drawing")
        elif path.suffix.lower() != ".svg" and (why := picture_problem(path)):
            # Caught here, every format fails alike at the image's line: the HTML would otherwise show a broken picture.
            self.problem(needle, f"image {shown(target)} {why}; open it in an image editor and export it again as PNG or JPEG")
        else:
            self.resources.files[target] = path

    def _missing(self, target: str, path: Path) -> str:
        """Why ``target`` (inside the project) is no image: where it was looked for, and the file the author may have meant."""
        looked = path.relative_to(self.root).as_posix()
        if path.is_dir():
            return f"image {shown(target)} is a folder, not an image file"
        if path.exists():
            return f"image {shown(target)} is not a regular file (a device or a pipe)"
        if target.startswith("/"):
            # Said without looking outside the project: the log must not tell which of the runner's files exist.
            message = f"image {shown(target)} does not exist in the project: a leading '/' is the project root, so it looked for {looked}"
        else:
            message = f"image {shown(target)} does not exist: a path starts at the Markdown file's folder, so it looked for {looked}"
        meant = self._meant(target, path)
        return message + (f"; did you mean {' or '.join(map(repr, meant))}?" if meant else "")

    def _meant(self, target: str, path: Path) -> list[str]:
        """Project images the author may have meant by a missing ``target``, written as paths from the document's folder."""
        relative = unquote(target.split("#", 1)[0].split("?", 1)[0])
        bases = [self.folder / relative.lstrip("/")] if relative.startswith("/") else [self.root / relative]
        if Path(relative).is_absolute() and Path(relative).is_relative_to(self.root):  # a full path into the project, pasted
            bases.append(Path(relative))
        found = [p for p in (inside_project(b, self.root, self.forbidden) for b in bases) if p is not None and p.is_file()]
        found = found or self._same_name(path.name)
        return [os.path.relpath(p, self.folder).replace(os.sep, "/") for p in found if p.suffix.lower() in IMAGE_SUFFIXES][:3]

    def _same_name(self, name: str) -> list[Path]:
        """Files named ``name`` (any case) anywhere in the project's content; a bounded walk, only when an image is missing."""
        found: list[Path] = []
        seen = 0
        for folder, subfolders, files in os.walk(self.root):
            here = Path(folder)
            subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and here / d not in self.forbidden)
            seen += len(files) + len(subfolders)
            named = [here / f for f in sorted(files) if f.lower() == name.lower()]
            found.extend(p for p in (inside_project(n, self.root, self.forbidden) for n in named) if p is not None)
            if seen > _SEARCH_LIMIT or len(found) >= 3:
                break
        return found

    def _inside(self, target: str) -> Path | None:
        relative = unquote(target.split("#", 1)[0].split("?", 1)[0])
        base = self.root if relative.startswith("/") else self.folder
        return inside_project(base / relative.lstrip("/"), self.root, self.forbidden)

    def link(self, target: str, needle: str) -> None:
        if runs_code(target):
            self.problem(needle, f"link {shown(target)} uses the {url_scheme(target)}: scheme, which can run code; use an http(s) address")

    def attributes(self, attr: list[Any]) -> None:
        """Attributes pandoc keeps from ``<span onclick=...>`` or ``{onclick=...}``: event handlers and script URLs go."""
        kept = []
        for key, value in attr[2]:
            if not _unsafe_attribute(key, value):
                kept.append([key, value])
            elif self.policy.raw_html == "deny":
                self.problem(f"{key}=", f"the attribute {shown(key)} can run script; remove it")
        attr[2] = kept

    def raw(self, fmt: str, text: str) -> str | None:
        """Judge one raw block or inline; return its replacement text (None: keep as is)."""
        needle = text.strip().splitlines()[0] if text.strip() else text
        if fmt in HTML_FORMATS:
            if self.policy.raw_html == "deny":
                self.problem(needle, 'raw HTML is not allowed (raw-html = "deny"); write it in Markdown instead')
                return None
            cleaned = text if self.policy.raw_html == "allow" else sanitize_html(text)
            for src in _image_sources(cleaned):
                self.image(src, src)
            return None if cleaned == text else cleaned
        if fmt == "typst":
            if self.policy.raw_typst == "deny":
                self.problem(needle, 'raw Typst is not allowed (raw-typst = "deny" is the safe default); write it in Markdown instead')
            elif _PACKAGE_IMPORT.search(text):
                self.problem(
                    needle,
                    "raw Typst may not import a Typst package (it would be downloaded during the build), "
                    "import a computed path or call eval; import a project file by its plain path",
                )
        return None


def check_content(
    ast: Mapping[str, Any], *, source: str, display: str, folder: Path, root: Path, build_dir: Path, policy: ContentPolicy
) -> tuple[dict[str, Any], Resources, list[str]]:
    """Walk pandoc's JSON once: the AST with raw HTML sanitised, the approved images, and every problem."""
    state = _Pass(display, source, root.resolve(), folder.resolve(), (build_dir.resolve(),), policy)
    tree: dict[str, Any] = json.loads(json.dumps(ast))  # a private copy: the parsed document stays as read
    for key in sorted(FILE_META_KEYS & set(tree["meta"])):
        state.problem(
            f"{key}:",
            f"the front matter key {key!r} names a file pandoc would read; citeproof takes the stylesheet, cover, "
            "bibliography and style from its configuration: remove the key",
        )
    # helpline-url and contact-url become <a href> in the HTML template and the EPUB's front block.
    for key in sorted(k for k in tree["meta"] if k.lower().endswith("url")):
        target = _meta_text(tree["meta"][key])
        if runs_code(target):
            state.problem(
                f"{key}:", f"the front matter key {key!r} is a {url_scheme(target)}: URL, which can run code; use an http(s) address"
            )
    for key in sorted(k for k in tree["meta"] if k.lower().startswith(RESERVED_META_PREFIX)):
        state.problem(f"{key}:", f"the front matter key {key!r} is reserved for values citeproof sets itself: remove the key")
    # The front matter is content too: header-includes, an abstract, include-before.
    for node in _nodes([tree["blocks"], tree["meta"]]):
        kind = node.get("t")
        if kind == "Image":
            target = node["c"][2][0]
            # "](target" finds the image itself, not a longer path that ends with its target.
            state.image(target, f"]({target}" if f"]({target}" in source else target)
        elif kind == "Link":
            state.link(node["c"][2][0], node["c"][2][0])
        elif kind in {"RawBlock", "RawInline"}:
            fmt, text = node["c"]
            replacement = state.raw(str(fmt).lower(), text)
            if replacement is not None:
                node["c"] = [fmt, replacement]
    if policy.raw_html != "allow":
        for attr in _attributes_of([tree["blocks"], tree["meta"]]):
            state.attributes(attr)
    # The walk meets elements last first: the problems are told in the order of the document's lines.
    return tree, state.resources, [text for _, text in sorted(state.problems, key=lambda problem: problem[0])]


def _meta_text(value: Any) -> str:
    """A front matter value as the text a template prints (Str pieces joined; spaces kept)."""
    pieces = []
    for node in _nodes(value):
        if node.get("t") in {"Str", "MetaString"}:
            pieces.append(str(node["c"]))
        elif node.get("t") in {"Space", "SoftBreak", "LineBreak"}:
            pieces.append(" ")
    return "".join(reversed(pieces))  # _nodes walks a stack, last child first


def raise_problems(problems: list[str]) -> None:
    """One error listing every sandbox problem of the run; nothing is built."""
    if problems:
        raise BuildError(
            listing("problem", problems, suffix=" with what the documents embed or run"),
            hint="fix each line above as it says; nothing was built",
        )


def embed_images(ast: dict[str, Any], resources: Resources) -> None:
    """Replace each approved local image with a data URI (HTML and EPUB: pandoc reads no file itself)."""
    for node in _nodes([ast["blocks"], ast["meta"]]):
        if node.get("t") == "Image":
            uri = resources.data_uri(node["c"][2][0])
            if uri is not None:
                node["c"][2][0] = uri
        elif node.get("t") in {"RawBlock", "RawInline"} and str(node["c"][0]).lower() in HTML_FORMATS:
            node["c"][1] = _embed_raw_sources(node["c"][1], resources)


def retarget_images(ast: dict[str, Any], targets: Mapping[str, str]) -> None:
    """Point each image whose target is a key of ``targets`` at its value (a downloaded copy)."""
    for node in _nodes(ast["blocks"]):
        if node.get("t") == "Image" and node["c"][2][0] in targets:
            node["c"][2][0] = targets[node["c"][2][0]]


def mirror_root(folder: Path, files: Mapping[str, Path]) -> Path:
    """A folder holding copies of only the approved files (by root-relative path), for typst's root."""
    folder.mkdir(parents=True, exist_ok=True)
    for relative, path in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return folder


def checked_asset(path: Path, root: Path, build_dir: Path, *, what: str) -> Path:
    """A configured file (the clinic logo) that an output embeds: inside the project, or an error."""
    root = root.resolve()
    found = inside_project(path, root, (build_dir.resolve(),))
    if found is None or not found.is_file():
        raise BuildError(
            f"{what} {path} is not a regular file inside the project (outside dot-folders and the build folder)",
            hint="copy it into the project (e.g. templates/) and point the config at the copy",
        )
    return found


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every element under ``node``, front matter maps included (an explicit stack: documents can nest deep)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "t" in item:
                yield item
                stack.append(item.get("c"))
            else:  # the metadata map, or a MetaMap's contents
                stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _attributes_of(node: Any) -> Iterator[list[Any]]:
    """Every pandoc ``Attr`` ([id, classes, [[key, value], ...]]) under ``node``, wherever its element keeps it."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict) and "t" in item:
            stack.append(item.get("c"))
        elif isinstance(item, dict):  # the metadata map, or a MetaMap's contents
            stack.extend(item.values())
        elif isinstance(item, list):
            if _is_attr(item):
                yield item
            else:
                stack.extend(item)


def _is_attr(item: list[Any]) -> bool:
    return (
        len(item) == 3
        and isinstance(item[0], str)
        and isinstance(item[1], list)
        and all(isinstance(c, str) for c in item[1])
        and isinstance(item[2], list)
        and all(isinstance(kv, list) and len(kv) == 2 and all(isinstance(v, str) for v in kv) for kv in item[2])
    )


def _unsafe_attribute(key: str, value: str) -> bool:
    name = key.lower().removeprefix("data-")
    if name.startswith("on") or name in {"srcdoc", "formaction"}:
        return True
    if name in {"href", "src", "action", "xlink:href", "poster", "background"}:
        return runs_code(value)
    return False


def svg_problem(data: bytes) -> str | None:
    """Why an SVG could run script or load something when opened on its own, or None for a plain drawing."""
    if re.search(rb"<!ENTITY", data, re.IGNORECASE):
        return "declares XML entities"  # expanded by a browser, so they can hide any of the below
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, ValueError, LookupError) as exc:  # an unknown or multi-byte encoding is not a ParseError
        return f"is not well-formed XML ({exc})"
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        if tag in _SVG_ACTIVE:
            return f"holds a <{tag}> element"
        for key, value in element.attrib.items():
            name = key.rsplit("}", 1)[-1].lower()
            if name.startswith("on"):
                return f"has an event attribute ({name})"
            if re.search(r"(?:java|vb)script:", TAB_OR_NEWLINE.sub("", value), re.IGNORECASE):
                return f"has a script URL in its {name} attribute"
            if name == "href" and not (value.strip().startswith("#") or value.strip().lower().startswith("data:image/")):
                return f"refers to another file or address ({shown(value)}), which the build does not check"
    return None


def picture_problem(path: Path) -> str | None:
    """Why a PNG, JPEG, GIF or WebP file cannot be shown as a picture, or None when it can."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            kind = str(image.format)
            image.verify()  # a PNG has every chunk checked here, so a copy cut short fails too
    # A damaged file makes an image decoder fail in many ways (OSError, SyntaxError, struct.error,
    # DecompressionBombError, ...); each means the same to the author: this file is no picture.
    except Exception:
        return f"is not a readable {path.suffix.lstrip('.').upper()} picture (the file is damaged, or is not a picture at all)"
    if kind not in PICTURE_FORMATS:
        return f"is a {kind} file under a {path.suffix} name, which web pages and the PDF cannot show"
    return None


def line_of(source: str, needle: str) -> int:
    """The first line of the Markdown that holds ``needle`` (1 when it cannot be found)."""
    for candidate in (needle, html.unescape(needle), needle[:40]):
        index = source.find(candidate) if candidate else -1
        if index >= 0:
            return source.count("\n", 0, index) + 1
    return 1


def shown(value: str) -> str:
    """A value from the document, safe to print: control characters escaped, long values cut."""
    text = value.encode("unicode_escape").decode("ascii") if any(ord(c) < 32 or ord(c) == 127 for c in value) else value
    return repr(text if len(text) <= 120 else text[:117] + "...")


def sanitize_html(text: str) -> str:
    """Raw HTML through an allow-list: no script, no event attributes, no javascript: URLs.

    Pandoc splits inline HTML into one raw element per tag, so a lone tag is judged by
    nh3's own allow-lists tag by tag (cleaning it whole would close it); fragments go
    through ``nh3.clean``.
    """
    import nh3

    single = _SINGLE_TAG.match(text.strip())
    if single is None:
        return str(nh3.clean(text, attributes=_attributes(), link_rel="noopener noreferrer", url_schemes=set(LINK_SCHEMES)))
    closing, name, attrs, self_closing = single.groups()
    name = name.lower()
    if name not in nh3.ALLOWED_TAGS:
        return ""
    if closing:
        return f"</{name}>"
    allowed = _attributes().get(name, set()) | _attributes()["*"]
    kept, seen = [], set()
    for key, value in _AttributeReader.read(f"<{name}{attrs}>"):
        # A browser keeps the first of two same-named attributes, and so does the image check
        # (_image_sources): a second src would be one nobody checked (and invalid XHTML in the EPUB).
        if key not in allowed or key in seen:
            continue
        seen.add(key)
        if key in {"href", "src", "cite"} and value is not None and runs_code(value):
            continue
        kept.append(key if value is None else f'{key}="{html.escape(value, quote=True)}"')
    inner = "".join(f" {a}" for a in kept)
    return f"<{name}{inner}{' /' if self_closing else ''}>"


def _attributes() -> dict[str, set[str]]:
    import nh3

    table = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    table["*"] = set(_GENERIC_ATTRIBUTES) | table.get("*", set())
    return table


class _AttributeReader(HTMLParser):
    """The attributes of one start tag, as the HTML standard's tokenizer reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found = attrs

    handle_startendtag = handle_starttag

    @classmethod
    def read(cls, tag: str) -> list[tuple[str, str | None]]:
        reader = cls()
        reader.feed(tag)
        reader.close()
        return [(k.lower(), v) for k, v in reader.found]


_SRC = re.compile(r"""(<img\b[^>]*?\bsrc=)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)


def _image_sources(text: str) -> list[str]:
    return [html.unescape(m.group(3)) for m in _SRC.finditer(text)]


def _embed_raw_sources(text: str, resources: Resources) -> str:
    def swap(match: re.Match[str]) -> str:
        uri = resources.data_uri(html.unescape(match.group(3)))
        return match.group(0) if uri is None else f"{match.group(1)}{match.group(2)}{uri}{match.group(2)}"

    return _SRC.sub(swap, text)
