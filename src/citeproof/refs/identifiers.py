"""Persistent identifiers as citation keys: ``doi:``, ``pmid:``, ``pmcid:``, ``url:`` (Manubot's syntax).

One normal form per identifier, so ``[@doi:10.1111/ADD.70073]`` and a ``doi`` field of
``https://doi.org/10.1111/add.70073`` name the same lock record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["doi", "pmid", "pmcid", "url"]
KINDS: tuple[Kind, ...] = ("doi", "pmid", "pmcid", "url")

DOI_SYNTAX = re.compile(r"^10\.\d{4,9}/\S+$")
_RESOLVER = re.compile(r"^https?://(?:dx\.)?doi\.org/", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_PMID = re.compile(r"^[1-9]\d{0,8}$")
_PMCID = re.compile(r"^PMC\d{1,9}$", re.IGNORECASE)


class IdentifierError(ValueError):
    """A string that is not a well-formed identifier; the message says which part is wrong."""


@dataclass(frozen=True, order=True)
class Identifier:
    """A normalised identifier; ``str()`` gives the citation key form, e.g. ``doi:10.1111/add.70073``."""

    kind: Kind
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


def parse_identifier(text: str) -> Identifier:
    """Read ``doi:...``, ``pmid:...``, ``pmcid:...``, ``url:...`` or a bare DOI / doi.org URL."""
    raw = text.strip()
    kind, sep, rest = raw.partition(":")
    lowered = kind.lower()
    if raw.lower().startswith(("http://", "https://")) and not _RESOLVER.match(raw):
        return Identifier("url", raw)
    if not sep or lowered not in KINDS or _RESOLVER.match(raw):
        if DOI_SYNTAX.match(normalise_doi(raw)):
            return Identifier("doi", normalise_doi(raw))
        raise IdentifierError(f"{text!r} is not an identifier; write doi:10.xxxx/..., pmid:12345, pmcid:PMC12345 or url:https://...")
    rest = rest.strip()
    if lowered == "doi":
        doi = normalise_doi(rest)
        if not DOI_SYNTAX.match(doi):
            raise IdentifierError(f"{text!r}: a DOI starts with '10.' and a registrant code, then '/', e.g. doi:10.1111/add.70073")
        return Identifier("doi", doi)
    if lowered == "pmid":
        if not _PMID.match(rest):
            raise IdentifierError(f"{text!r}: a PubMed ID is a number, e.g. pmid:40294641")
        return Identifier("pmid", rest)
    if lowered == "pmcid":
        value = rest.upper() if rest.upper().startswith("PMC") else f"PMC{rest}"
        if not _PMCID.match(value):
            raise IdentifierError(f"{text!r}: a PMC ID is 'PMC' and a number, e.g. pmcid:PMC12452417")
        return Identifier("pmcid", value)
    if not rest.lower().startswith(("http://", "https://")):
        raise IdentifierError(f"{text!r}: a url: key needs an http(s) address, e.g. url:https://example.org/page")
    return Identifier("url", rest)


def normalise_doi(text: str) -> str:
    """A DOI without resolver prefix, lower-cased (DOIs are case-insensitive)."""
    return strip_doi_prefix(text).lower()


def strip_doi_prefix(text: str) -> str:
    """A DOI as written, without ``doi:`` or a doi.org address in front (its case kept)."""
    return _DOI_PREFIX.sub("", text.strip()).strip()


def is_identifier_key(key: str) -> bool:
    """Whether a citation key uses the identifier syntax (``@doi:...`` and friends)."""
    kind, sep, _ = key.partition(":")
    return bool(sep) and kind.lower() in KINDS


def entry_identifiers(fields: Mapping[str, str]) -> Iterator[Identifier]:
    """The identifiers a bibliography entry carries, most authoritative first (DOI, PMCID, PMID, URL)."""
    for name, kind in (("doi", "doi"), ("pmcid", "pmcid"), ("pmid", "pmid"), ("url", "url")):
        value = str(fields.get(name, "")).strip()
        if not value:
            continue
        try:
            yield parse_identifier(f"{kind}:{value}") if kind != "doi" else Identifier("doi", normalise_doi(value))
        except IdentifierError:
            continue
