"""The clinic's identity (name, logo, colours, contact, online address) and its QR code.

Templates read these as metadata (``clinic-name``...), so a clinic changes them in
pyproject.toml and never in a template or in Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citeproof.project.policy import script_addresses

if TYPE_CHECKING:
    from citeproof.project.problems import Problems

SECTION = "tool.citeproof.clinic"
_TEXT = {"type": "string"}
# The keys of the clinic table, with the JSON Schema of each value.
CLINIC_KEYS: dict[str, dict[str, Any]] = {
    "name": {"description": "the publisher shown on every product (a configured publisher wins)", **_TEXT},
    "logo": {"description": "an SVG, PNG or JPEG file, relative to the project", **_TEXT},
    "accent": {"description": "the accent colour", "type": "string", "pattern": "^#[0-9a-fA-F]{6}$", "default": "#0b5c7a"},
    "address": _TEXT,
    "phone": _TEXT,
    "email": _TEXT,
    "online-url": {"description": "the QR code's target; {document} is replaced by the document's name", **_TEXT},
    "review-date": _TEXT,
    "helpline-name": _TEXT,
    "helpline-url": _TEXT,
    "helpline-phone": {"description": "the helpline's phone number (a helpline needs a phone or a url)", **_TEXT},
    "helpline-hours": {"description": "when the helpline answers, e.g. '24 hours, every day'", **_TEXT},
}
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
    helpline_phone: str = ""
    helpline_hours: str = ""

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


def clinic_from_table(raw: Any, root: Path, problems: Problems) -> Clinic:
    """``[tool.citeproof.clinic]`` validated, every problem into ``problems``; a missing logo file is named with its path."""
    if not isinstance(raw, Mapping):
        problems.add(SECTION, f"expected a table, got {raw!r}")
        return Clinic()
    problems.unknown_keys(raw, CLINIC_KEYS, SECTION)
    values: dict[str, str] = {}
    for key in CLINIC_KEYS.keys() & set(raw):
        if not isinstance(raw[key], str):
            problems.add(f"{SECTION}.{key}", f"expected a string, got {raw[key]!r}")
        else:
            values[key] = raw[key]
    script_addresses(values, SECTION, problems)
    accent = values.get("accent", "#0b5c7a")
    if not _COLOUR.match(accent):
        problems.add(f"{SECTION}.accent", f"expected a colour like '#0b5c7a', got {accent!r}")
    logo: Path | None = None
    if values.get("logo"):
        logo = (root / values["logo"]).resolve()
        if not logo.is_file():
            problems.add(f"{SECTION}.logo", f"the logo file {values['logo']!r} does not exist (relative to {root})")
        elif logo.suffix.lower() not in {".svg", ".png", ".jpg", ".jpeg"}:
            problems.add(f"{SECTION}.logo", f"{values['logo']!r} is not an SVG, PNG or JPEG file")
    # The medical review has one source, each article's front matter, so products cannot disagree.
    if "review-date" in raw:
        problems.add(
            f"{SECTION}.review-date",
            "the medical review is recorded per article: remove this key and set 'reviewed' (a date) and 'reviewer' "
            "in each article's front matter",
        )
    # A helpline a reader cannot reach is worse than none: it needs a number or an address.
    if (values.get("helpline-name") or values.get("helpline-hours")) and not (values.get("helpline-phone") or values.get("helpline-url")):
        problems.add(f"{SECTION}.helpline-name", "a helpline needs 'helpline-phone' or 'helpline-url' (or both)")
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
        helpline_phone=values.get("helpline-phone", ""),
        helpline_hours=values.get("helpline-hours", ""),
    )


def qr_svg(url: str) -> str:
    """A QR code for ``url`` as SVG text, made by segno (error correction M survives print wear)."""
    import segno

    svg: str = segno.make(url, error="m", micro=False).svg_inline(scale=4, border=4, dark="#000", light="#fff")
    return svg


def typst_string(text: str) -> str:
    """``text`` as a Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
