"""URL extraction and liveness: which links an article has, and what each one answers.

Verdicts: ``ok``; ``redirected`` (a permanent 301/308 hop: the new URL is suggested); ``broken``;
``blocked`` (a bot wall or rate limit: not known to be dead); ``skipped`` (excluded, not HTTP,
refused by the SSRF guard, or not reached before the deadline); ``broken-fragment``.
URLs still queued when the overall deadline passes are ``skipped`` with "deadline reached": they
were not checked, and calling them broken would send authors after links that may be fine.
"""

from __future__ import annotations

import re
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, unquote, urldefrag, urlsplit

from citeproof.findings import Finding, Location, Severity
from citeproof.links.cache import LinkCache
from citeproof.links.http import Probe, Prober, connect_target, host_key, normalize_url, request_json
from citeproof.links.pace import HostScheduler
from citeproof.links.settings import HostLimit, LinkSettings
from citeproof.project.bibliography import BibEntry
from citeproof.refs.identifiers import DOI_SYNTAX, strip_doi_prefix

if TYPE_CHECKING:
    import panflute as pf

__all__ = ["BibEntry", "HostLimit", "LinkResult", "LinkSettings", "LinkTarget", "check_links", "extract_targets",
           "results_to_findings", "summarize"]  # fmt: skip

Verdict = Literal["ok", "redirected", "broken", "blocked", "skipped", "broken-fragment"]
VERDICTS: tuple[Verdict, ...] = ("ok", "redirected", "broken", "blocked", "skipped", "broken-fragment")
CHALLENGE_HEADERS = ("cf-mitigated", "x-amzn-waf-action", "x-datadome")  # set only by bot-defence layers
NETWORK_DOWN = frozenset({"dns", "unreachable"})


@dataclass(frozen=True)
class LinkTarget:
    """One URL to check and every place that uses it."""

    url: str
    origins: tuple[Location, ...]


@dataclass(frozen=True)
class LinkResult:
    """The verdict on one URL with its evidence."""

    url: str
    origins: tuple[Location, ...]
    verdict: Verdict
    error: str | None = None
    error_kind: str | None = None
    chain: tuple[tuple[str, str, int], ...] = ()  # (method, url, status) for every answer seen
    elapsed: float = 0.0
    suggestion: str | None = None  # where a permanent redirect points
    archive: str | None = None  # an archived copy of a broken page
    cached: bool = False
    note: str | None = None

    def evidence(self) -> str:
        hops = " -> ".join(f"{m} {s} {u}" for m, u, s in self.chain)
        return "; ".join(x for x in (hops, self.error, self.note, f"{self.elapsed:.2f} s") if x)


def doi_target(value: str) -> str:
    """``doi:10.x/y`` for anything naming a DOI (bare, ``doi:`` or a doi.org URL), so duplicates merge."""
    return "doi:" + unquote(strip_doi_prefix(value))


def _bib_value(text: str) -> str:
    # BibTeX url fields often carry LaTeX escapes and protective braces.
    return re.sub(r"\\([_%&#$~])", r"\1", text).replace("{", "").replace("}", "").strip()


def extract_targets(  # noqa: PLR0917 - the positional order is the CLI's agreed call
    doc: pf.Doc, source_text: str, path: str, bib_entries: Sequence[BibEntry], bib_path: str, cited: set[str],
    *, extra: Sequence[LinkTarget] = (),
) -> list[LinkTarget]:  # fmt: skip
    """Absolute URLs from the document's links and images, cited entries' url/doi, and ``extra``; merged."""
    import panflute as pf  # here, not at the top: checking links needs no pandoc machinery

    found: dict[str, list[Location]] = {}
    cursor = 0

    def add(url: str, where: Location) -> None:
        if url.startswith(("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")):
            rest = urlsplit(url)
            if DOI_SYNTAX.match(unquote(rest.path.lstrip("/"))) and not rest.query and not rest.fragment:
                url = doi_target(url)
        if where not in found.setdefault(url, []):
            found[url].append(where)

    def visit(elem: pf.Element, _doc: pf.Doc) -> None:
        nonlocal cursor
        if not isinstance(elem, (pf.Link, pf.Image)) or not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", elem.url):
            return  # relative paths and #anchors are the build's business, not the web's
        url = normalize_url(elem.url)  # pandoc writes an IPv6 literal's brackets as %5B/%5D; the author did not
        at = source_text.find(url, cursor)
        if at < 0:  # a reference definition above, or pandoc normalised the text
            at = source_text.find(url)
        else:
            cursor = at + len(url)
        add(url, Location(path, source_text.count("\n", 0, at) + 1 if at >= 0 else None))

    doc.walk(visit)
    for entry in bib_entries:
        if entry.key not in cited:
            continue
        fields = {k.lower(): v for k, v in entry.fields.items()}
        where = Location(bib_path, entry.line, key=entry.key)
        if fields.get("url"):
            add(_bib_value(fields["url"]), where)
        if fields.get("doi"):
            add(doi_target(_bib_value(fields["doi"])), where)
    for target in extra:
        for where in target.origins:
            add(target.url, where)
    return [LinkTarget(url, tuple(origins)) for url, origins in found.items()]


def _host_matches(host: str, patterns: Sequence[str]) -> bool:
    return any(host == p or host.endswith("." + p) for p in patterns)


def _judge(probe: Probe, settings: LinkSettings, *, doi: bool) -> tuple[Verdict, str | None, str | None]:
    """Verdict, error and suggested URL for one probe (``doi``: the landing page of a registered DOI)."""
    kind, status = probe.error_kind, probe.status
    if kind == "ssrf":
        return "skipped", probe.error, None
    if kind == "ratelimit":
        return "blocked", probe.error, None
    if kind == "deadline" and not probe.chain:
        return "skipped", "deadline reached before this URL was checked", None
    if kind or status is None:
        return "broken", probe.error or "no answer", None
    host = connect_target(probe.chain[-1][1])[1]  # the host urllib3 really asked, not urlsplit's reading
    challenge = next((h for h in CHALLENGE_HEADERS if h in probe.headers), None)
    if status == 999 or (status in (401, 403) and (challenge or doi or _host_matches(host, settings.bot_walled_hosts))):
        why = f"a bot challenge ({challenge})" if challenge else "a site that refuses robots"
        return "blocked", f"HTTP {status} from {why}; check it in a browser", None
    if status == 429:
        return "blocked", "rate limited (HTTP 429)", None
    if status >= 300:
        return "broken", f"HTTP {status}" + (" (redirect without Location)" if status < 400 else ""), None
    if probe.fragment_found is False:
        return "broken-fragment", f"no id or name '{unquote(urlsplit(probe.url).fragment)}' on the page", None
    urls = [u for i, (_, u, _s) in enumerate(probe.chain) if i == 0 or probe.chain[i - 1][1] != u]
    moved = [urls[i + 1] for i, u in enumerate(urls[:-1]) if any(c[1] == u and c[2] in (301, 308) for c in probe.chain)]
    if moved and not doi:  # a DOI is the stable name even if the publisher's page moved
        return "redirected", None, moved[-1]
    return "ok", None, None


def _check_doi(doi: str, settings: LinkSettings, prober: Prober) -> tuple[Probe, Verdict, str | None, str | None]:
    quoted = quote(doi, safe="/()")
    base = settings.doi_resolver.rstrip("/")
    handle, data = request_json(prober, f"{base}/api/handles/{quoted}")
    code = data.get("responseCode") if isinstance(data, dict) else None
    if handle.status == 404 or code == 100 or (handle.status == 200 and not DOI_SYNTAX.match(doi)):
        return handle, "broken", f"DOI {doi} is not registered", None
    if handle.status != 200 or code != 1:
        verdict, error, _ = _judge(handle, settings, doi=False)
        return handle, verdict if verdict != "ok" else "broken", error or f"DOI registry answered code {code}", None
    landing = prober.fetch(f"{base}/{quoted}")
    return (landing, *_judge(landing, settings, doi=True))


def _check_one(target: LinkTarget, settings: LinkSettings, prober: Prober) -> LinkResult:
    started = time.monotonic()
    if target.url.startswith("doi:"):
        probe, verdict, error, suggestion = _check_doi(target.url[4:], settings, prober)
    else:
        bare, fragment = urldefrag(target.url)
        fragment = unquote(fragment)
        # Text fragments, SPA routes and "#top" are not anchors a page has to declare.
        wanted = fragment if fragment and not fragment.startswith((":~:", "!", "/")) and fragment != "top" else None
        probe = prober.fetch(bare, fragment=wanted)
        probe.url = target.url
        verdict, error, suggestion = _judge(probe, settings, doi=False)
    result = LinkResult(target.url, target.origins, verdict, error, probe.error_kind, tuple(probe.chain),
                        time.monotonic() - started, suggestion, note=probe.note)  # fmt: skip
    if verdict == "broken" and settings.suggest_archive:
        page = f"{settings.doi_resolver.rstrip('/')}/{target.url[4:]}" if target.url.startswith("doi:") else target.url
        _, data = request_json(prober, f"{settings.archive_url}?url={quote(page, safe='')}")
        closest = (data or {}).get("archived_snapshots", {}).get("closest", {}) if isinstance(data, dict) else {}
        if isinstance(closest, dict) and closest.get("available") and closest.get("url"):
            result = replace(result, archive=str(closest["url"]))
    return result


def _precheck(target: LinkTarget, settings: LinkSettings, cache: LinkCache) -> LinkResult | None:
    scheme = target.url.split(":", 1)[0].lower()
    if scheme not in ("http", "https", "doi"):
        return LinkResult(target.url, target.origins, "skipped", f"not an HTTP link ({scheme}:)", "scheme")
    if any(re.search(p, target.url) for p in settings.exclude):
        return LinkResult(target.url, target.origins, "skipped", "excluded by configuration", "excluded")
    hit = cache.get(target.url)
    if hit is not None:
        return LinkResult(target.url, target.origins, "ok", chain=hit, cached=True, note="from cache")
    return None


def check_links(
    targets: Sequence[LinkTarget], settings: LinkSettings, *, progress: Callable[[int, int, LinkResult], None] | None = None
) -> list[LinkResult]:
    """Check every target (cache first, then the network) and return one result per target, in order."""
    deadline = time.monotonic() + settings.deadline
    cache = LinkCache.load(settings.cache_path, settings.cache_max_age, enabled=not settings.no_cache)
    results: dict[int, LinkResult] = {}
    lock = threading.Lock()

    closed = False  # set at the deadline: answers from threads still running after it are dropped

    def record(index: int, result: LinkResult) -> None:
        with lock:
            if closed or index in results:
                return
            results[index] = result
            if progress is not None:
                progress(len(results), len(targets), result)

    todo: list[tuple[str, int]] = []
    for index, target in enumerate(targets):
        early = _precheck(target, settings, cache)
        if early is not None:
            record(index, early)
        else:
            url = settings.doi_resolver if target.url.startswith("doi:") else target.url
            todo.append((host_key(url), index))
    prober = Prober(settings, deadline)

    def work(index: int) -> str:
        target = targets[index]
        try:
            result = _check_one(target, settings, prober)
        except Exception as exc:  # one URL's surprise must not lose every other verdict
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            result = LinkResult(target.url, target.origins, "broken", f"checker error: {detail}", "internal")
        record(index, result)
        url = settings.doi_resolver if target.url.startswith("doi:") else target.url
        return host_key(url)

    scheduler = HostScheduler(todo, lambda h: settings.limit_for(h).concurrency, lambda h: prober.pacer(h).ready_at())
    unfinished = scheduler.run(work, max(1, min(settings.concurrency, len(todo))), deadline)
    for index in unfinished:
        target = targets[index]
        record(index, LinkResult(target.url, target.origins, "skipped", "deadline reached before this URL was checked",
                                 "deadline"))  # fmt: skip
    with lock:
        closed = True
    ordered = [results[i] for i in range(len(targets))]
    cache.update((r.url, r.chain) for r in ordered if r.verdict == "ok" and not r.cached)
    return ordered


def _severity(result: LinkResult, strict: bool, blocked_policy: str) -> Severity | None:
    if result.verdict == "broken":
        return "error"
    if result.verdict in ("redirected", "broken-fragment"):
        return "error" if strict else "warning"
    if result.verdict == "blocked":  # a bot wall is not the author's fault, so strict leaves it alone
        return {"warn": "warning", "error": "error"}.get(blocked_policy)  # type: ignore[return-value]
    if result.verdict == "skipped" and result.error_kind == "deadline":
        return "error" if strict else "warning"
    if result.verdict == "skipped" and result.error_kind == "ssrf":
        return "info"
    return None


def results_to_findings(results: Sequence[LinkResult], *, strict: bool, blocked_policy: str = "warn") -> list[Finding]:
    """One finding per origin of every result worth telling; pass ``settings.blocked_policy`` along."""
    offline = bool(summarize(results)["no_network"])
    findings: list[Finding] = []
    for r in results:
        severity = _severity(r, strict, blocked_policy)
        if severity is None:
            continue
        if r.verdict == "redirected":
            message = f"{r.url} moved permanently to {r.suggestion}; update the link"
        elif r.verdict == "broken" and r.error_kind in NETWORK_DOWN:
            message = f"{r.url} not reachable: {r.error}" + ("; this machine seems to have no network" if offline else "")
        else:
            message = f"{r.url}: {r.verdict}: {r.error or ''}".rstrip(": ")
        if r.archive:
            message += f"; archived copy: {r.archive}"
        extra = {"url": r.url, "verdict": r.verdict, "evidence": r.evidence(), "suggestion": r.suggestion,
                 "archive": r.archive, "elapsed": round(r.elapsed, 3)}  # fmt: skip
        for origin in r.origins:
            findings.append(Finding(severity, f"link-{r.verdict}", message, origin, extra))
    return findings


def summarize(results: Sequence[LinkResult]) -> dict[str, int]:
    """Counts per verdict, ``cached``, and ``no_network`` = 1 when every URL asked failed on DNS/routing."""
    counts = Counter(r.verdict for r in results)
    summary: dict[str, int] = {v: counts.get(v, 0) for v in VERDICTS}
    asked = [r for r in results if not r.cached and r.error_kind not in ("scheme", "excluded", "ssrf", "deadline")]
    summary["cached"] = sum(r.cached for r in results)
    summary["no_network"] = int(bool(asked) and all(r.error_kind in NETWORK_DOWN for r in asked))
    return summary
