"""Registry clients: one door per kind of identifier, all through the link check's HTTP client.

Every request goes through :class:`citeproof.links.http.Prober`: the SSRF guard on every hop,
per-host pacing (NCBI asks for at most 3 requests a second without a key), ``Retry-After``
honoured on 429, retries with backoff on 5xx and timeouts, and a deadline for the run.

- DOI: content negotiation at the resolver (``https://doi.org/<doi>`` with ``Accept:
  application/vnd.citationstyles.csl+json``, following its redirect to the registration
  agency), which answers CSL JSON for Crossref, DataCite and mEDRA DOIs alike. A Crossref
  DOI then gets Crossref's REST ``works`` record, which also carries the ``updated-by``
  relations (retractions, corrections) the CSL lacks. Only when the resolver will not
  negotiate (404 or 406) come the older paths: ``works``, then the negotiation's URL form at
  data.crosscite.org, then the resolver's handle API, so "not registered" is told apart
  from "registry down".
- PMID: E-utilities ``esummary`` (JSON); PMCID: the PMC ID converter, then the DOI or PMID it names.
- URL: the page's own metadata (``citation_*``, Dublin Core, Open Graph, JSON-LD), never guessed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from citeproof.errors import CiteproofError, ExitCode
from citeproof.links.http import Probe, Prober, request_json
from citeproof.links.settings import HostLimit, LinkSettings
from citeproof.refs.identifiers import Identifier
from citeproof.refs.lock import LockRecord
from citeproof.refs.settings import RefsSettings
from citeproof.refs.webmeta import page_metadata

CSL_JSON = "application/vnd.citationstyles.csl+json"
USER_AGENT = "citeproof-refs/1.0 (+https://github.com/citeproof/citeproof; fetches citation metadata{contact})"


class RegistryError(CiteproofError):
    """A registry could not give a record: unreachable, rate limited past patience, or a malformed answer."""

    exit_code = ExitCode.OFFLINE

    def __init__(self, message: str, *, hint: str | None = None, unreachable: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.unreachable = unreachable  # no answer at all (DNS, refused, timeout): this machine may be offline


class NotRegisteredError(CiteproofError):
    """The identifier exists nowhere: the DOI resolver, PubMed or the ID converter say so."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Registries:
    """Fetches registry records as lock records; one per ``refs add`` / ``refs update`` run."""

    def __init__(self, settings: RefsSettings, *, clock: Callable[[], str] = _now) -> None:
        self.s, self.clock = settings, clock
        contact = f"; mailto:{settings.mailto}" if settings.mailto else ""
        hosts = {urlsplit(settings.eutils).netloc: HostLimit(1, 3.0), urlsplit(settings.idconv).netloc: HostLimit(1, 3.0)}
        link_settings = LinkSettings(
            connect_timeout=min(5.0, settings.timeout),
            read_timeout=settings.timeout,
            deadline=settings.deadline,
            per_host=2,
            hosts=hosts,
            allow_private=settings.allow_private,
            user_agent=USER_AGENT.format(contact=contact),
        )
        self.prober = Prober(link_settings, time.monotonic() + settings.deadline)

    def fetch(self, identifier: Identifier) -> LockRecord:
        """The registry's record for ``identifier``; raises NotRegisteredError or RegistryError."""
        fetchers = {"doi": self.doi, "pmid": self.pmid, "pmcid": self.pmcid, "url": self.page}
        return fetchers[identifier.kind](identifier)

    def _json(self, url: str, what: str, headers: Mapping[str, str] | None = None) -> tuple[Probe, Any]:
        probe, data = request_json(self.prober, url, headers=headers)
        if probe.error_kind is not None:
            raise RegistryError(
                f"{what}: {probe.error or probe.error_kind} ({url})",
                hint="check the network and try again (a record already in the lock is kept)",
                unreachable=True,
            )
        if probe.status == 429:
            raise RegistryError(f"{what}: still rate limited (429) at {url}", hint=probe.note or "try again later")
        if probe.status is not None and probe.status >= 500:
            raise RegistryError(f"{what}: the registry answered {probe.status} ({url})", hint="try again later")
        return probe, data

    def _record(self, identifier: Identifier, source: str, url: str, response: Any) -> LockRecord:
        return LockRecord(identifier, source, url, self.clock(), response)

    def doi(self, identifier: Identifier) -> LockRecord:
        url = f"{self.s.doi_resolver}/{quote(identifier.value, safe='/')}"
        probe, data = self._json(url, f"DOI content negotiation, for {identifier}", headers={"Accept": CSL_JSON})
        if probe.status in (404, 406):  # the resolver would not negotiate: the older paths
            return self._doi_fallback(identifier)
        if probe.status != 200 or not _is_csl(data):
            raise RegistryError(
                f"DOI content negotiation gave a malformed answer for {identifier} ({url}, status {probe.status})",
                hint="try again later",
            )
        if self._from_crossref(probe, data):  # Crossref's own record also names retractions and corrections
            works = self._crossref_works(identifier)
            if works is not None:
                return works
        return self._record(identifier, "csl", url, data)

    def _from_crossref(self, probe: Probe, item: Mapping[str, Any]) -> bool:
        """Whether the negotiation's answer came from Crossref (its redirect's last hop, or the item says so)."""
        last = probe.chain[-1][1] if probe.chain else probe.url
        return last.startswith(self.s.crossref_api + "/") or item.get("source") == "Crossref"

    def _crossref_works(self, identifier: Identifier) -> LockRecord | None:
        """Crossref's REST ``works`` record, or None when Crossref does not know the DOI."""
        url = f"{self.s.crossref_api}/works/{quote(identifier.value, safe='')}"
        if self.s.mailto:
            url += "?" + urlencode({"mailto": self.s.mailto})
        probe, data = self._json(url, f"Crossref, for {identifier}")
        if probe.status != 200:
            return None
        if not isinstance(data, Mapping) or data.get("status") != "ok" or not isinstance(data.get("message"), Mapping):
            raise RegistryError(f"Crossref gave a malformed answer for {identifier} ({url})", hint="try again later")
        return self._record(identifier, "crossref", url, data)

    def _doi_fallback(self, identifier: Identifier) -> LockRecord:
        """Crossref's ``works``, then the negotiation's URL form at crosscite, then the handle API's verdict."""
        works = self._crossref_works(identifier)
        if works is not None:
            return works
        # Not a Crossref DOI: DataCite, mEDRA and others answer content negotiation.
        csl_url = f"{self.s.crosscite}/application/vnd.citationstyles.csl+json/{quote(identifier.value, safe='/')}"
        probe, data = self._json(csl_url, f"DOI content negotiation, for {identifier}")
        if probe.status == 200 and _is_csl(data):
            return self._record(identifier, "csl", csl_url, data)
        handle_url = f"{self.s.doi_resolver}/api/handles/{quote(identifier.value, safe='/')}"
        probe, data = self._json(handle_url, f"the DOI resolver, for {identifier}")
        if probe.status == 404 or (isinstance(data, Mapping) and data.get("responseCode") == 100):
            raise NotRegisteredError(f"{identifier} is not registered (the DOI resolver does not know it)", hint="check the DOI for a typo")
        raise RegistryError(f"{identifier} is registered, but no registry gave its metadata", hint="cite it with an ordinary .bib entry")

    def pmid(self, identifier: Identifier) -> LockRecord:
        query = {"db": "pubmed", "id": identifier.value, "retmode": "json", "tool": self.s.ncbi_tool}
        if self.s.ncbi_email:
            query["email"] = self.s.ncbi_email
        url = f"{self.s.eutils}/esummary.fcgi?{urlencode(query)}"
        probe, data = self._json(url, f"PubMed, for {identifier}")
        result = data.get("result") if isinstance(data, Mapping) else None
        if probe.status != 200 or not isinstance(result, Mapping):
            raise RegistryError(f"PubMed gave a malformed answer for {identifier} ({url})", hint="try again later")
        doc = result.get(identifier.value)
        if not isinstance(doc, Mapping) or doc.get("error"):
            raise NotRegisteredError(f"{identifier} is not in PubMed", hint="check the number")
        return self._record(identifier, "esummary", url, data)

    def pmcid(self, identifier: Identifier) -> LockRecord:
        query = {"ids": identifier.value, "format": "json", "tool": self.s.ncbi_tool}
        if self.s.ncbi_email:
            query["email"] = self.s.ncbi_email
        url = f"{self.s.idconv}?{urlencode(query)}"
        probe, data = self._json(url, f"the PMC ID converter, for {identifier}")
        records = data.get("records") if isinstance(data, Mapping) else None
        if probe.status != 200 or not isinstance(records, list) or not records or not isinstance(records[0], Mapping):
            raise RegistryError(f"the PMC ID converter gave a malformed answer for {identifier} ({url})", hint="try again later")
        if records[0].get("status") == "error" or not (records[0].get("doi") or records[0].get("pmid")):
            raise NotRegisteredError(f"{identifier} is not known to PMC", hint=str(records[0].get("errmsg") or "check the number"))
        return self._record(identifier, "idconv", url, data)

    def page(self, identifier: Identifier) -> LockRecord:
        probe = self.prober.fetch(identifier.value, want_body=True)
        if probe.error_kind is not None or probe.status is None:
            raise RegistryError(
                f"{identifier}: {probe.error or probe.error_kind}",
                hint="check the address and the network, then try again",
                unreachable=True,
            )
        if probe.status >= 400:
            raise NotRegisteredError(f"{identifier}: the page answered {probe.status}", hint="check the address")
        meta, jsonld = page_metadata(probe.body.decode("utf-8", errors="replace"))
        return self._record(identifier, "webpage", identifier.value, {"url": identifier.value, "meta": meta, "jsonld": jsonld})


def _is_csl(data: Any) -> bool:
    """A CSL JSON item (what negotiation answers), not an error page or a landing page."""
    return isinstance(data, Mapping) and bool(data.get("title") or data.get("DOI"))
