"""The clinic's identity (name, logo, colours, contact, online address) and its QR code.

Templates read these as metadata (``clinic-name``...), so a clinic changes them in
pyproject.toml and never in a template or in Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeproof.errors import ConfigError

SECTION = "tool.citeproof.clinic"
_KEYS = {"name", "logo", "accent", "address", "phone", "email", "online-url", "review-date", "helpline-name", "helpline-url"}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Clinic:
    """Who publishes the documents; every field may be empty except the name."""

    name: str = ""
    logo: Path | None = None
    logo_display: str = ""
    accent: str = "#0b5c7a"
    address: str = ""
    phone: str = ""
    email: str = ""
    online_url: str = ""  # may hold {document}, replaced by the document's name
    review_date: str = ""
    helpline_name: str = ""
    helpline_url: str = ""

    def online_address(self, document: str) -> str:
        return self.online_url.replace("{document}", document)

    def metadata(self, document: str) -> dict[str, str]:
        """The values templates see, as pandoc metadata (pandoc escapes them per format)."""
        values = {
            "clinic-name": self.name,
            "clinic-logo": self.logo_display,
            "clinic-address": self.address,
            "clinic-phone": self.phone,
            "clinic-email": self.email,
            "clinic-online": self.online_address(document),
            "clinic-review-date": self.review_date,
            "clinic-helpline-name": self.helpline_name,
            "clinic-helpline-url": self.helpline_url,
        }
        return {k: v for k, v in values.items() if v}


def load_clinic(raw: Mapping[str, Any], root: Path) -> Clinic:
    """Validate ``[tool.citeproof.clinic]``; a missing logo file is named with its path."""
    problems: list[str] = []
    for key in set(raw) - _KEYS:
        problems.append(f"'{SECTION}.{key}': unknown key; known keys: {', '.join(sorted(_KEYS))}")
    values: dict[str, str] = {}
    for key in _KEYS & set(raw):
        if not isinstance(raw[key], str):
            problems.append(f"'{SECTION}.{key}': expected a string, got {raw[key]!r}")
        else:
            values[key] = raw[key]
    accent = values.get("accent", "#0b5c7a")
    if not _COLOUR.match(accent):
        problems.append(f"'{SECTION}.accent': expected a colour like '#0b5c7a', got {accent!r}")
    logo: Path | None = None
    if values.get("logo"):
        logo = (root / values["logo"]).resolve()
        if not logo.is_file():
            problems.append(f"'{SECTION}.logo': the logo file {values['logo']!r} does not exist (relative to {root})")
        elif logo.suffix.lower() not in {".svg", ".png", ".jpg", ".jpeg"}:
            problems.append(f"'{SECTION}.logo': {values['logo']!r} is not an SVG, PNG or JPEG file")
    if problems:
        raise ConfigError(problems)
    return Clinic(
        name=values.get("name", ""),
        logo=logo,
        logo_display=values.get("logo", ""),
        accent=accent,
        address=values.get("address", ""),
        phone=values.get("phone", ""),
        email=values.get("email", ""),
        online_url=values.get("online-url", ""),
        review_date=values.get("review-date", ""),
        helpline_name=values.get("helpline-name", ""),
        helpline_url=values.get("helpline-url", ""),
    )


def qr_svg(url: str) -> str:
    """A QR code for ``url`` as SVG text, made by segno (error correction M survives print wear)."""
    import segno

    svg: str = segno.make(url, error="m", micro=False).svg_inline(scale=4, border=4, dark="#000", light="#fff")
    return svg


def typst_string(text: str) -> str:
    """``text`` as a Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
