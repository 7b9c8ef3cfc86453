"""What content may do during a build: ``raw-html``, ``raw-typst``, ``remote-resources``, ``allow-outside``.

Safe by default, because content arrives by pull request; :mod:`citeproof.build.sandbox`
enforces it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from citeproof.project.problems import Problems

# Schemes a link may use; javascript:, vbscript:, data: and file: run code or read files.
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# What a browser ignores before reading a URL's scheme (the WHATWG URL parser): leading and
# trailing C0 controls and spaces, and every tab and newline anywhere, so that
# "java\tscript:" and "\x01javascript:" are javascript: URLs to it.
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
RawHtml = Literal["deny", "sanitize", "allow"]
RawTypst = Literal["deny", "allow"]
Remote = Literal["deny", "fetch"]
RAW_HTML_CHOICES: tuple[RawHtml, ...] = ("deny", "sanitize", "allow")
RAW_TYPST_CHOICES: tuple[RawTypst, ...] = ("deny", "allow")
REMOTE_CHOICES: tuple[Remote, ...] = ("deny", "fetch")
# The keys as JSON Schema, for the config's published schema.
KEYS: dict[str, dict[str, Any]] = {
    "raw-html": {"description": "raw HTML in Markdown: sanitised (default), refused, or passed as is", "enum": list(RAW_HTML_CHOICES)},
    "raw-typst": {"description": "raw Typst blocks: refused (default) or allowed", "enum": list(RAW_TYPST_CHOICES)},
    "remote-resources": {"description": "remote images: an error (default) or fetched", "enum": list(REMOTE_CHOICES)},
    "allow-outside": {"description": "build documents outside the project folder", "type": "boolean"},
}


@dataclass(frozen=True)
class ContentPolicy:
    """``raw-html``, ``raw-typst`` and ``remote-resources`` from ``[tool.citeproof]``: safe by default."""

    raw_html: RawHtml = "sanitize"
    raw_typst: RawTypst = "deny"
    remote_resources: Remote = "deny"
    allow_outside: bool = False  # documents outside the project root

    def relaxed(self) -> list[str]:
        """What this project allows beyond the safe defaults (said in every build)."""
        said = []
        if self.raw_html == "allow":
            said.append('raw-html = "allow": raw HTML reaches the HTML and EPUB unsanitised')
        if self.raw_typst == "allow":
            said.append('raw-typst = "allow": raw Typst blocks reach the PDF (files outside the checked images stay unreadable)')
        if self.allow_outside:
            said.append("allow-outside = true: documents outside the project folder are built")
        if self.remote_resources == "fetch":
            said.append('remote-resources = "fetch": remote images are downloaded during the build')
        return said


def policy_from_mapping(raw: Mapping[str, Any], problems: Problems, section: str = "tool.citeproof") -> ContentPolicy:
    """Read the policy keys from the top-level table; problems are collected, not raised."""

    def choice(key: str, choices: tuple[str, ...], default: str) -> str:
        value = raw.get(key, default)
        if value not in choices:
            problems.add(f"{section}.{key}", f"expected one of {', '.join(map(repr, choices))}, got {value!r}")
            return default
        return str(value)

    allow_outside = raw.get("allow-outside", False)
    if not isinstance(allow_outside, bool):
        problems.add(f"{section}.allow-outside", f"expected true or false, got {allow_outside!r}")
        allow_outside = False
    return ContentPolicy(
        allow_outside=allow_outside,
        raw_html=choice("raw-html", RAW_HTML_CHOICES, "sanitize"),  # type: ignore[arg-type]
        raw_typst=choice("raw-typst", RAW_TYPST_CHOICES, "deny"),  # type: ignore[arg-type]
        remote_resources=choice("remote-resources", REMOTE_CHOICES, "deny"),  # type: ignore[arg-type]
    )


def inside_project(path: Path, root: Path, forbidden: Iterable[Path] = ()) -> Path | None:
    """``path`` with every symlink followed, if it stays inside ``root`` and outside dot-folders and ``forbidden``."""
    try:
        # resolve() follows every symlink, so a link that leaves the project is caught here.
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(root) or any(resolved.is_relative_to(f) for f in forbidden):
        return None
    if any(part.startswith(".") for part in resolved.relative_to(root).parts):
        return None
    return resolved


def url_scheme(value: str) -> str | None:
    """The scheme a browser reads in ``value``, lower case; None for a relative URL."""
    match = _SCHEME.match(TAB_OR_NEWLINE.sub("", value.strip(_C0_OR_SPACE)))
    return match.group(1).lower() if match else None


def runs_code(value: str) -> bool:
    """Whether a browser would treat ``value`` as a URL of a scheme other than the safe ones (javascript:, data:)."""
    scheme = url_scheme(value)
    return scheme is not None and len(scheme) > 1 and scheme not in LINK_SCHEMES


def script_addresses(values: Mapping[str, Any], prefix: str, problems: Problems) -> None:
    """Every ``*url`` value of a config table, at any depth, that a browser would run as script: a problem at its key.

    These become ``<a href>`` in the HTML and EPUB (the clinic's helpline, a document's links);
    ``[tool.citeproof.metadata.helpline] url = ...`` is the front matter's ``helpline: {url: ...}``.
    """
    for key, value in values.items():
        where = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            script_addresses(value, where, problems)
        elif isinstance(value, list):
            script_addresses({f"{key}[{index}]": item for index, item in enumerate(value) if isinstance(item, Mapping)}, prefix, problems)
        elif str(key).lower().endswith("url") and isinstance(value, str) and runs_code(value):
            problems.add(where, f"would run script when clicked ({url_scheme(value)}:); give an http(s) address")
