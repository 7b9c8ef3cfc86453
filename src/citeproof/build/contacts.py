"""Who a reader can call: the clinic's contact and the helpline, resolved per document.

The clinic config gives the defaults; a document's front matter may set its own::

    helpline: {name: ..., phone: ..., url: ..., hours: ...}
    contact: {name: ..., address: ..., phone: ..., email: ..., url: ...}

A document's ``helpline`` replaces the clinic's whole, never field by field: a blood-pressure
article must not print its own helpline's name beside the addiction helpline's number. Its
``contact`` overrides the clinic's field by field (a department's phone, the same address).
Every product reads the result, so the handout, brochure, web page and EPUB agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from citeproof.build.clinic import Clinic
from citeproof.errors import ConfigError


@dataclass(frozen=True)
class _Reachable:
    """What a contact and a helpline both have: a name and the ways to reach it."""

    name: str = ""
    phone: str = ""
    url: str = ""


@dataclass(frozen=True)
class Helpline(_Reachable):
    hours: str = ""


@dataclass(frozen=True)
class Contact(_Reachable):
    address: str = ""
    email: str = ""


HELPLINE_KEYS = tuple(f.name for f in fields(Helpline))
CONTACT_KEYS = tuple(f.name for f in fields(Contact))


@dataclass(frozen=True)
class Contacts:
    """The contact and helpline one document shows on every product."""

    contact: Contact
    helpline: Helpline | None

    def metadata(self) -> dict[str, str]:
        """Template variables: ``contact-*`` and ``helpline-*``, with ``*-tel`` as tel: links."""
        values = {f"contact-{key}": getattr(self.contact, key) for key in CONTACT_KEYS}
        values["contact-tel"] = tel_uri(self.contact.phone)
        if self.helpline is not None:
            values |= {f"helpline-{key}": getattr(self.helpline, key) for key in HELPLINE_KEYS}
            values["helpline-tel"] = tel_uri(self.helpline.phone)
        return {key: value for key, value in values.items() if value}


def tel_uri(phone: str) -> str:
    """A ``tel:`` link for a written number: '(555) 010-0100' -> 'tel:555-010-0100' (RFC 3966 visual separators)."""
    digits = re.sub(r"[^\d+]", "-", phone.strip()).strip("-")
    digits = re.sub(r"-{2,}", "-", digits)
    return f"tel:{digits}" if any(c.isdigit() for c in digits) else ""


def _table(value: Any, keys: tuple[str, ...], where: str, problems: list[str]) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.append(f"{where}: expected a table like {{{', '.join(keys)}}}, got {value!r}")
        return None
    for key in value:
        if key not in keys:
            problems.append(f"{where}.{key}: unknown key; known keys: {', '.join(keys)}")
    found: dict[str, str] = {}
    for key in keys:
        item = value.get(key)
        if item is None:
            continue
        if not isinstance(item, str | int):  # a bare phone number like 988 arrives as a number
            problems.append(f"{where}.{key}: expected text, got {item!r}")
        else:
            found[key] = str(item).strip()
    return found


def resolve_contacts(meta: Mapping[str, Any], clinic: Clinic, *, document: str) -> Contacts:
    """The document's contacts from its front matter (``meta``, plain values) over the clinic's defaults."""
    problems: list[str] = []
    own_helpline = _table(meta.get("helpline"), HELPLINE_KEYS, f"{document}: front matter 'helpline'", problems)
    own_contact = _table(meta.get("contact"), CONTACT_KEYS, f"{document}: front matter 'contact'", problems)
    if own_helpline is not None:
        helpline: Helpline | None = Helpline(**own_helpline)
        where = f"{document}: front matter 'helpline'"
    elif clinic.helpline_name or clinic.helpline_phone or clinic.helpline_url:
        helpline = Helpline(name=clinic.helpline_name, phone=clinic.helpline_phone, url=clinic.helpline_url, hours=clinic.helpline_hours)
        where = "'tool.citeproof.clinic' helpline-*"
    else:
        helpline, where = None, ""
    if helpline is not None and not (helpline.phone or helpline.url):
        problems.append(f"{where}: the helpline {helpline.name!r} has neither a phone nor a url; give it one (or both)")
    base = Contact(name=clinic.name, address=clinic.address, phone=clinic.phone, email=clinic.email)
    contact = Contact(**{key: (own_contact or {}).get(key) or getattr(base, key) for key in CONTACT_KEYS})
    if problems:
        raise ConfigError(problems)
    return Contacts(contact, helpline)
