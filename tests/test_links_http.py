"""Link liveness against real HTTP servers on loopback (tests/linkweb.py); never any other network."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from citeproof.findings import Location
from citeproof.links.http import Guard, GuardRefused, address_refusal, retry_after
from citeproof.links.verdicts import LinkResult, LinkSettings, LinkTarget, check_links, results_to_findings, summarize
from tests.linkweb import Case, FakeWeb, Page, fault_cases, html

TIMEOUT = 0.5
HERE = Location("article.md", 3)


def fast(**overrides: Any) -> LinkSettings:
    """Short timeouts and backoff so the suite stays quick; the SSRF guard off for loopback."""
    base: dict[str, Any] = {"allow_private": True, "connect_timeout": TIMEOUT, "read_timeout": TIMEOUT, "retries": 1,
                            "backoff": 0.05, "cache_path": None, "deadline": 30.0}  # fmt: skip
    return LinkSettings(**{**base, **overrides})


def check(urls: list[str], settings: LinkSettings | None = None) -> list[LinkResult]:
    return check_links([LinkTarget(u, (HERE,)) for u in urls], settings or fast())


@pytest.fixture
def web() -> Iterator[FakeWeb]:
    with FakeWeb(hosts=3) as fake:
        yield fake


@pytest.fixture(scope="module")
def faults() -> Iterator[tuple[FakeWeb, list[Case], dict[str, LinkResult]]]:
    with FakeWeb(hosts=2) as fake:
        cases = fault_cases(fake, 0, "f", timeout=TIMEOUT, retries=1)
        started = time.monotonic()
        results = check([c.url for c in cases])
        assert time.monotonic() - started < 10
        yield fake, cases, {c.what: r for c, r in zip(cases, results, strict=True)}


def test_links_every_fault_gets_its_verdict(faults: tuple[FakeWeb, list[Case], dict[str, LinkResult]]) -> None:
    _, cases, results = faults
    assert {c.what: results[c.what].verdict for c in cases} == {c.what: c.expect for c in cases}


def test_links_permanent_redirect_suggests_the_new_url(faults: tuple[FakeWeb, list[Case], dict[str, LinkResult]]) -> None:
    fake, _, results = faults
    for what in ("301 -> 200", "308 -> 200"):
        assert results[what].suggestion == fake[0].url("/f/target")
    assert results["302 -> 200"].suggestion is None
    assert [s for _, _, s in results["301 -> 404"].chain][-1] == 404


def test_links_head_refused_falls_back_to_get(faults: tuple[FakeWeb, list[Case], dict[str, LinkResult]]) -> None:
    _, _, results = faults
    assert [(m, s) for m, _, s in results["HEAD 405, GET 200"].chain] == [("HEAD", 405), ("GET", 200)]
    assert [(m, s) for m, _, s in results["HEAD 403, GET 200"].chain] == [("HEAD", 403), ("GET", 200)]


def test_links_large_body_stops_at_byte_cap(faults: tuple[FakeWeb, list[Case], dict[str, LinkResult]]) -> None:
    fake, _, results = faults
    assert results["32 MB body"].verdict == "ok"
    assert fake[0].sent["/f/big"] < 16 * 1024 * 1024  # the checker hung up long before 32 MB


def test_links_hang_times_out_after_retries(faults: tuple[FakeWeb, list[Case], dict[str, LinkResult]]) -> None:
    fake, _, results = faults
    hang = results["hangs"]
    assert hang.error_kind == "timeout"
    assert fake[0].count("/f/hang") == 2  # one try and one retry
    assert 2 * TIMEOUT <= hang.elapsed < 2 * TIMEOUT + 2


def test_links_slow_page_within_timeout_is_ok(faults: tuple[FakeWeb, list[Case], dict[str, LinkResult]]) -> None:
    _, _, results = faults
    assert results["slow, within timeout"].verdict == "ok"
    assert results["slow, within timeout"].elapsed >= TIMEOUT / 2


def test_links_refused_and_challenge_evidence(faults: tuple[FakeWeb, list[Case], dict[str, LinkResult]]) -> None:
    _, _, results = faults
    assert results["connection refused"].error == "connection refused"
    assert "cf-mitigated" in (results["403 cf-mitigated"].error or "")
    assert "loop" in (results["redirect loop"].error or "")
    assert "'missing'" in (results["fragment missing"].error or "")


def test_links_retry_after_is_honoured_before_retrying(web: FakeWeb) -> None:
    url = web[0].add("/busy", Page(503, headers={"Retry-After": "1"}, then=[Page()]))
    [result] = check([url])
    assert result.verdict == "ok"
    assert result.elapsed >= 0.95
    assert [s for _, _, s in result.chain] == [503, 200]


def test_links_retry_after_parses_seconds_and_http_dates() -> None:
    assert retry_after("7") == 7.0
    soon = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= (retry_after(soon) or 0) <= 31
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("soon") is None
    assert retry_after(None) is None


def test_links_retry_after_over_the_cap_gives_up_as_blocked(web: FakeWeb) -> None:
    url = web[0].add("/later", Page(429, headers={"Retry-After": "3600"}))
    started = time.monotonic()
    [result] = check([url], fast(max_retry_after=2.0))
    assert result.verdict == "blocked"
    assert "cap" in (result.note or "")
    assert time.monotonic() - started < 1


def test_links_rate_limited_host_ends_all_ok_and_slows_down(web: FakeWeb) -> None:
    web[0].rate = (5, 1.0)
    urls = [web[0].add(f"/r/{i}") for i in range(20)]
    started = time.monotonic()
    results = check(urls)
    elapsed = time.monotonic() - started
    assert [r.verdict for r in results] == ["ok"] * 20
    refused = web[0].count() - 20
    # Learning the rate costs two or three refused bursts (up to 15, 16 when a busy machine
    # delays a burst past the window); hammering would be refused on every retry (up to 40).
    assert refused <= 20, "it learned the rate instead of hammering the host"
    assert (20 - 5) / 5 <= elapsed < 8.0


def test_links_per_host_limit_is_respected(web: FakeWeb) -> None:
    # Both hosts answer slowly, so overlapping requests are really in flight together.
    web[0].latency = web[1].latency = 0.1
    urls = [web[0].add(f"/p/{i}") for i in range(12)] + [web[1].add(f"/q/{i}") for i in range(12)]
    results = check(urls, fast(per_host=2, hosts={}))
    assert all(r.verdict == "ok" for r in results)
    assert web[0].max_active <= 2
    assert web[1].max_active >= 2


def test_links_configured_host_rate_spaces_requests(web: FakeWeb) -> None:
    from citeproof.links.verdicts import HostLimit

    urls = [web[0].add(f"/s/{i}") for i in range(5)]
    started = time.monotonic()
    check(urls, fast(hosts={web[0].netloc: HostLimit(concurrency=1, rate=10.0)}))
    assert time.monotonic() - started >= 0.4


def test_links_deadline_ends_the_run_with_what_it_knows(web: FakeWeb) -> None:
    urls = [web[0].add("/ok"), web[1].add("/stuck", Page(hang=True))]
    started = time.monotonic()
    ok, stuck = check(urls, fast(read_timeout=10.0, deadline=1.0))
    assert time.monotonic() - started < 2.5
    assert ok.verdict == "ok"
    assert (stuck.verdict, stuck.error_kind) == ("skipped", "deadline")
    [finding] = results_to_findings([stuck], strict=False)
    assert finding.severity == "warning" and "deadline" in finding.message


def test_links_non_http_and_excluded_are_skipped_without_requests(web: FakeWeb) -> None:
    urls = ["mailto:editor@example.org", "tel:+15555550100", web[0].add("/private/x")]
    results = check(urls, fast(exclude=("/private/",)))
    assert [r.verdict for r in results] == ["skipped"] * 3
    assert web[0].count() == 0
    assert results_to_findings(results, strict=True) == []


def test_links_progress_reports_every_url(web: FakeWeb) -> None:
    seen: list[tuple[int, int]] = []
    check_links([LinkTarget(web[0].add(f"/g/{i}"), (HERE,)) for i in range(4)], fast(),
                progress=lambda done, total, _r: seen.append((done, total)))  # fmt: skip
    assert sorted(seen) == [(1, 4), (2, 4), (3, 4), (4, 4)]


# --- DOIs: a local stand-in for the handle API and the resolver ----------------------------------


def _doi_web(web: FakeWeb) -> str:
    resolver, publisher = web[0], web[1]
    registered = json.dumps({"responseCode": 1, "handle": "10.1234/live"}).encode()
    missing = json.dumps({"responseCode": 100, "handle": "10.1234/none"}).encode()
    as_json = {"Content-Type": "application/json"}
    resolver.add("/api/handles/10.1234/live", Page(body=registered, headers=as_json))
    resolver.add("/api/handles/10.1234/walled", Page(body=registered, headers=as_json))
    resolver.add("/api/handles/10.1234/none", Page(404, body=missing, headers=as_json))
    resolver.add("/10.1234/live", Page(302, headers={"Location": publisher.add("/article/live")}))
    walled = publisher.add("/article/walled", Page(403, body=html("Are you a robot?")))
    resolver.add("/10.1234/walled", Page(302, headers={"Location": walled}))
    return resolver.url("")


def test_links_doi_registered_and_live_is_ok(web: FakeWeb) -> None:
    results = check(["doi:10.1234/live"], fast(doi_resolver=_doi_web(web)))
    assert results[0].verdict == "ok"
    assert web[1].count("/article/live") >= 1


def test_links_doi_unregistered_is_broken_without_visiting_a_landing_page(web: FakeWeb) -> None:
    [result] = check(["doi:10.1234/none"], fast(doi_resolver=_doi_web(web)))
    assert result.verdict == "broken"
    assert "not registered" in (result.error or "")
    assert web[0].count("/10.1234/none") == 0


def test_links_doi_landing_behind_bot_wall_is_blocked_not_broken(web: FakeWeb) -> None:
    [result] = check(["doi:10.1234/walled"], fast(doi_resolver=_doi_web(web)))
    assert result.verdict == "blocked"
    assert [s for _, _, s in result.chain][-1] == 403


def test_links_bot_walled_host_403_is_blocked(web: FakeWeb) -> None:
    url = web[0].add("/paper", Page(403))
    [plain] = check([url])
    [walled] = check([url], fast(bot_walled_hosts=(web[0].ip,)))
    assert (plain.verdict, walled.verdict) == ("broken", "blocked")
    assert results_to_findings([walled], strict=True, blocked_policy="ignore") == []
    assert results_to_findings([walled], strict=False)[0].severity == "warning"
    assert results_to_findings([walled], strict=False, blocked_policy="error")[0].severity == "error"


# --- SSRF guard (tests witnessed by a loopback listener live in test_links_guard.py) -----------------


def test_links_guard_classifies_addresses() -> None:
    import ipaddress

    refused = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "169.254.1.1", "::1",
               "fe80::1", "fc00::1", "100.64.0.1", "0.0.0.0", "::ffff:127.0.0.1"]  # fmt: skip
    for address in refused:
        assert address_refusal(ipaddress.ip_address(address)) is not None, address
    assert address_refusal(ipaddress.ip_address("93.184.216.34")) is None
    assert address_refusal(ipaddress.ip_address("2606:4700::1")) is None
    with pytest.raises(GuardRefused):
        Guard().check_ip("rebound.example", 80, "10.0.0.5")  # what the post-connect check sees
    Guard(allow_hosts=frozenset({"intranet:8080"})).check_ip("intranet", 8080, "10.0.0.5")


# --- cache, archive, offline --------------------------------------------------------------------


def test_links_cache_second_run_makes_no_request_for_ok_urls(web: FakeWeb, tmp_path: Path) -> None:
    cache = tmp_path / ".cache" / "links.json"
    urls = [web[0].add("/a"), web[0].add("/b"), web[0].url("/gone")]
    first = check(urls, fast(cache_path=cache))
    assert [r.verdict for r in first] == ["ok", "ok", "broken"]
    before = web[0].count()
    second = check(urls, fast(cache_path=cache))
    assert [r.verdict for r in second] == ["ok", "ok", "broken"]
    assert [r.cached for r in second] == [True, True, False]
    assert web[0].count("/a") + web[0].count("/b") == 2  # only the first run asked
    assert web[0].count() - before == web[0].count("/gone") // 2  # the failure was asked again
    assert summarize(second)["cached"] == 2
    check(urls, fast(cache_path=cache, no_cache=True))
    assert web[0].count("/a") == 2
    check(urls, fast(cache_path=cache, cache_max_age=0.001))
    assert web[0].count("/a") == 3


def test_links_cache_survives_a_damaged_file(web: FakeWeb, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    cache.write_text("{not json", encoding="utf-8")
    [result] = check([web[0].add("/a")], fast(cache_path=cache))
    assert result.verdict == "ok"
    assert json.loads(cache.read_text(encoding="utf-8"))["version"] == 1


def test_links_suggest_archive_finds_a_copy_for_broken_urls(web: FakeWeb) -> None:
    snapshot = {"archived_snapshots": {"closest": {"available": True, "status": "200",
                "url": "http://archive.example/web/2020/http://x", "timestamp": "20200101000000"}}}  # fmt: skip
    archive = web[1].add("/wayback/available", Page(body=json.dumps(snapshot).encode(), headers={"Content-Type": "application/json"}))
    [broken, fine] = check([web[0].url("/vanished"), web[0].add("/fine")], fast(suggest_archive=True, archive_url=archive))
    assert broken.archive == "http://archive.example/web/2020/http://x"
    assert fine.archive is None
    assert web[1].count() == 1
    assert "archived copy" in results_to_findings([broken], strict=False)[0].message


def test_links_offline_reports_no_network_once_without_tracebacks(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*_args: Any, **_kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # no resolver is ever asked
    urls = ["https://www.who.int/news", "https://pubmed.ncbi.nlm.nih.gov/1/", "doi:10.1000/182"]
    results = check_links([LinkTarget(u, (HERE,)) for u in urls], LinkSettings(cache_path=None, retries=0, deadline=10))
    assert [(r.verdict, r.error_kind) for r in results] == [("broken", "dns")] * 3
    assert summarize(results)["no_network"] == 1
    findings = results_to_findings(results, strict=False)
    assert all("no network" in f.message and "Traceback" not in f.message for f in findings)


def test_links_summary_counts_each_verdict() -> None:
    results = [LinkResult("a", (HERE,), "ok"), LinkResult("b", (HERE,), "broken", error_kind="timeout", error="timed out")]
    summary = summarize(results)
    assert (summary["ok"], summary["broken"], summary["blocked"], summary["no_network"]) == (1, 1, 0, 0)
