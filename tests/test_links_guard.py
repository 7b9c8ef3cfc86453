"""The SSRF guard and the per-request limit, witnessed by a bare listener on loopback.

Every refused spelling of an address must leave the listener with zero accepted connections:
not "no HTTP request", no TCP connection at all (an open/closed port is itself an answer). The
resolver is replaced where a test needs a hostile DNS (the resolver is not under test); a socket
``connect`` spy makes sure a test that names a public address never leaves this machine.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import urllib3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from urllib3.exceptions import LocationParseError

from citeproof.findings import Location
from citeproof.links import http
from citeproof.links.http import Prober, connect_target, normalize_url
from citeproof.links.verdicts import LinkResult, LinkSettings, LinkTarget, check_links, results_to_findings
from tests.linkweb import FakeWeb, Listener, Page

HERE = Location("article.md", 3)
PUBLIC = "93.184.216.34"  # a public address: the guard lets it through, the connect spy never lets it out


def guarded(**overrides: Any) -> LinkSettings:
    base: dict[str, Any] = {"allow_private": False, "connect_timeout": 0.5, "read_timeout": 0.5, "retries": 1,
                            "backoff": 0.05, "cache_path": None, "deadline": 30.0}  # fmt: skip
    return LinkSettings(**{**base, **overrides})


def check(urls: list[str], settings: LinkSettings) -> list[LinkResult]:
    return check_links([LinkTarget(u, (HERE,)) for u in urls], settings)


@pytest.fixture
def listener() -> Iterator[Listener]:
    witness = Listener("127.0.0.1")
    yield witness
    witness.close()


@pytest.fixture
def listener6() -> Iterator[Listener]:
    try:
        witness = Listener("::1")
    except OSError as exc:  # a machine without IPv6 loopback cannot witness the IPv6 spellings
        pytest.skip(f"no IPv6 loopback: {exc}")
    yield witness
    witness.close()


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address a socket connects to; anything off loopback is stopped here as unreachable."""
    seen: list[Any] = []
    real = socket.socket.connect

    def spy(sock: socket.socket, address: Any) -> None:
        seen.append(address)
        if not ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback:
            raise TimeoutError("test: no route off this machine")
        real(sock, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    return seen


def hostile_dns(answers: Callable[[str, int], list[str]]) -> Callable[[str, int], list[Any]]:
    """A resolver answering ``answers(host, port)`` (addresses, optionally "ip:port")."""

    def resolve(host: str, port: int) -> list[Any]:
        rows = []
        for answer in answers(host, port):
            ip, _, forced = answer.rpartition("@") if "@" in answer else (answer, "", "")
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            address = (ip, int(forced or port), 0, 0) if family == socket.AF_INET6 else (ip, int(forced or port))
            rows.append((family, socket.SOCK_STREAM, 6, "", address))
        return rows

    return resolve


def test_links_guard_listener_sees_allowed_connections(listener: Listener, listener6: Listener) -> None:
    """The witness works: with allow-private the same URLs are fetched, IPv6 literals included."""
    pandoc_spelling = listener6.url("/").replace("[", "%5B").replace("]", "%5D")  # what pandoc hands over
    results = check([listener.url("/"), listener6.url("/"), pandoc_spelling], guarded(allow_private=True))
    assert [r.verdict for r in results] == ["ok", "ok", "ok"], [r.error for r in results]
    assert len(listener.accepted) == 1 and len(listener6.accepted) == 2  # two spellings, two targets, one address


def test_links_guard_refuses_every_spelling_without_a_connection(
    listener: Listener, listener6: Listener, connects: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    p, p6 = listener.port, listener6.port
    # A DNS that points every name at the listener: a name must be judged by what it resolves to.
    real = socket.getaddrinfo

    def numeric_or_listener(host: str, port: int) -> list[str]:
        try:
            return [str(row[4][0]) for row in real(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)]
        except socket.gaierror:
            return ["127.0.0.1"]

    monkeypatch.setattr(http, "resolve", hostile_dns(numeric_or_listener))
    spellings = [
        f"http://127.0.0.1:{p}/", f"http://127.1:{p}/", f"http://0x7f.0.0.1:{p}/", f"http://2130706433:{p}/",
        f"http://017700000001:{p}/", f"http://0.0.0.0:{p}/", f"http://0:{p}/", f"http://[::ffff:127.0.0.1]:{p}/",
        f"http://[::ffff:7f00:1]:{p}/", f"http://%31%32%37.0.0.1:{p}/", f"http://localhost:{p}/",
        f"http://LOCALHOST.:{p}/", f"http://example.com:{p}/", f"http://user:pw@127.0.0.1:{p}/",
        f"http://127.0.0.1:{p}\\@example.com/x", f"http://example.com\\@127.0.0.1:{p}/",
        f"http://127.0.0.1:{p}\\\\@example.com/", f"http://example.com@127.0.0.1:{p}/",
        f"https://127.0.0.1:{p}/", f"http://[::1]:{p6}/", f"http://%5B::1%5D:{p6}/", f"http://[0:0:0:0:0:0:0:1]:{p6}/",
        f"http://127.0.0.1:{p}#@example.com/", f"http://127.0.0.1:{p}?@example.com/",
    ]  # fmt: skip
    results = check(spellings, guarded())
    assert {r.url: (r.verdict, r.error_kind) for r in results} == dict.fromkeys(spellings, ("skipped", "ssrf"))
    assert listener.accepted == [] and listener6.accepted == []
    assert connects == []  # not even a SYN anywhere else
    findings = results_to_findings(results, strict=True)
    assert all(f.severity == "info" and "SSRF guard" in f.message for f in findings)


def test_links_guard_judges_the_host_urllib3_would_connect_to(listener: Listener, connects: list[Any]) -> None:
    """``http://127.0.0.1:P\\@example.com/x``: urlsplit reads example.com, urllib3 connects to 127.0.0.1:P."""
    url = f"http://127.0.0.1:{listener.port}\\@example.com/x"
    assert connect_target(url) == ("http", "127.0.0.1", listener.port)
    [result] = check([url], guarded(allow_hosts=("example.com",)))  # exempting the decoy must not help
    assert (result.verdict, result.error_kind) == ("skipped", "ssrf")
    assert "127.0.0.1" in (result.error or "")
    assert listener.accepted == [] and connects == []


def test_links_guard_rebinding_in_one_answer_is_refused_whole(
    listener: Listener, connects: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "resolve", hostile_dns(lambda _h, _p: [PUBLIC, f"127.0.0.1@{listener.port}"]))
    [result] = check(["http://rebind.example/"], guarded())
    assert (result.verdict, result.error_kind) == ("skipped", "ssrf")
    assert listener.accepted == [] and connects == []  # every address is judged before any socket


def test_links_guard_rebinding_between_lookups_never_reaches_loopback(
    listener: Listener, connects: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Public on the first look-up, loopback after: each connection is decided on its own look-up."""
    asked: list[str] = []

    def rebinding(host: str, _port: int) -> list[str]:
        asked.append(host)
        return [PUBLIC] if len(asked) == 1 else [f"127.0.0.1@{listener.port}"]

    monkeypatch.setattr(http, "resolve", hostile_dns(rebinding))
    [result] = check(["http://rebind.example/"], guarded(retries=1))
    # First try: public address, connected to exactly that (the spy plays an unreachable network);
    # the retry looks up again, gets loopback, and is refused before a socket exists.
    assert connects == [(PUBLIC, 80)]
    assert asked == ["rebind.example", "rebind.example"]
    assert (result.verdict, result.error_kind) == ("skipped", "ssrf")
    assert listener.accepted == []


def test_links_guard_refuses_redirect_hops(listener: Listener, listener6: Listener, connects: list[Any]) -> None:
    p, p6 = listener.port, listener6.port
    with FakeWeb(hosts=1) as web:
        hops = [listener.url("/admin"), f"http://127.0.0.1:{p}\\@example.com/", f"//127.0.0.1:{p}/",
                f"http://%5B::1%5D:{p6}/", f"http://localhost:{p}/", "http://169.254.169.254/latest/meta-data/",
                f"http://[::ffff:127.0.0.1]:{p}/", "file:///etc/passwd"]  # fmt: skip
        urls = [web[0].add(f"/go/{i}", Page(302, headers={"Location": hop})) for i, hop in enumerate(hops)]
        results = check(urls, guarded(allow_hosts=(web[0].netloc,)))
        assert [(r.verdict, r.error_kind) for r in results] == [("skipped", "ssrf")] * len(hops), [r.error for r in results]
        assert "metadata" in (results[5].error or "") and "non-HTTP" in (results[7].error or "")
        assert listener.accepted == [] and listener6.accepted == []
        assert {address[0] for address in connects} == {web[0].ip}  # only the allowed redirector


def test_links_guard_refuses_loopback_by_default_with_the_real_resolver(listener: Listener, connects: list[Any]) -> None:
    [result] = check([listener.url("/inside")], guarded())
    assert (result.verdict, result.error_kind) == ("skipped", "ssrf")
    assert "loopback" in (result.error or "")
    assert listener.accepted == [] and connects == []


# --- the per-request limit ----------------------------------------------------------------------


def test_links_trickling_server_is_broken_within_the_request_limit() -> None:
    head, body = Listener(mode="trickle", interval=2.0), Listener(mode="trickle-body", interval=2.0)
    try:
        settings = guarded(allow_private=True, request_timeout=3.0, read_timeout=5.0, deadline=120.0)
        started = time.monotonic()
        results = check([head.url("/slow"), body.url("/slow#here")], settings)  # the fragment makes it read the body
        took = time.monotonic() - started
    finally:
        head.close()
        body.close()
    for result in results:
        assert (result.verdict, result.error_kind) == ("broken", "slow"), result
        assert (result.error or "").startswith("too slow")
        assert 3.0 <= result.elapsed < 4.5
    assert took < 6.0  # the run is not held until its deadline (120 s)
    assert len(head.accepted) == 1 and len(body.accepted) == 1  # a spent limit is not retried
    [finding, _] = results_to_findings(results, strict=False)
    assert finding.severity == "error" and "broken: too slow" in finding.message and "limit" in finding.message


def test_links_request_timeout_is_a_setting(tmp_path: Any) -> None:
    assert LinkSettings.from_mapping({"request-timeout": "45s"}, build_dir=tmp_path).request_timeout == 45.0
    assert LinkSettings().request_timeout == 30.0


# --- properties: the guard's host is urllib3's host ---------------------------------------------

HOSTS = st.sampled_from(["127.0.0.1", "127.1", "example.com", "EXAMPLE.com.", "[::1]", "%5B::1%5D", "%5b::ffff:7f00:1%5d",
                         "ex%41mple.org", "[fe80::1%25eth0]", "0x7f.1", "a.b-c.d", ""])  # fmt: skip
JUNK = st.text(alphabet="\\@:/?#[]%.5bBdD01aZ -_~!$&'()*+,;=", max_size=12)
URLS = st.builds(
    lambda scheme, user, host, port, junk, tail: f"{scheme}://{user}{host}{port}{junk}{tail}",
    st.sampled_from(["http", "https", "HTTP", "hTtPs"]),
    st.sampled_from(["", "user@", "u:p@", "a\\@", "x%40y@", "@"]),
    HOSTS,
    st.sampled_from(["", ":80", ":8080", ":", ":0", ":65535", ":99999", ":08"]),
    JUNK,
    st.sampled_from(["", "/", "/x", "\\@example.com/", "?q=1", "#f"]),
)


def urllib3_target(url: str) -> tuple[str, int] | None:
    try:
        pool = urllib3.PoolManager().connection_from_url(url)
    except (LocationParseError, ValueError):
        return None
    assert pool.host is not None and pool.port is not None
    return pool.host.rstrip("."), pool.port


@settings(max_examples=400, deadline=None)
@given(URLS)
def test_links_connect_target_is_urllib3s_target(url: str) -> None:
    expected = urllib3_target(normalize_url(url))
    try:
        _, host, port = connect_target(url)
    except (LocationParseError, ValueError):
        assert expected is None
        return
    assert (host, port) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=URLS)
def test_links_guard_resolves_exactly_the_host_urllib3_connects_to(
    url: str, listener: Listener, connects: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the spelling, the one look-up is of urllib3's host, and the listener stays silent."""
    asked: list[str] = []

    def every_name_is_the_listener(host: str, _port: int) -> list[str]:
        asked.append(host)
        return [f"127.0.0.1@{listener.port}"]

    monkeypatch.setattr(http, "resolve", hostile_dns(every_name_is_the_listener))
    prober = Prober(guarded(retries=0), time.monotonic() + 30)
    probe = prober.fetch(url)
    expected = urllib3_target(normalize_url(url))
    if expected is None:
        assert asked == [] and probe.error_kind in ("url", "ssrf", "error"), probe
    else:
        host, _port = expected
        assert [a.rstrip(".").strip("[]") for a in asked] == [host]
        assert probe.error_kind == "ssrf", probe
    assert listener.accepted == [] and connects == []


# --- the name travels, the address is ours: Host header, TLS server name and certificate check --


@pytest.fixture
def tls_site(tmp_path: Any) -> Iterator[tuple[int, list[str], str]]:
    """An HTTPS server on loopback with a self-signed certificate for tls.example; records SNI names."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=tls.example", "-addext", "subjectAltName=DNS:tls.example",
                    "-addext", "basicConstraints=critical,CA:TRUE"], check=True, capture_output=True)  # fmt: skip
    names: list[str] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name or "")  # type: ignore[func-returns-value]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with contextlib.suppress(OSError, ssl.SSLError), context.wrap_socket(conn, server_side=True) as tls:
                tls.settimeout(5)
                request = tls.recv(4096)
                names.append("Host: " + re.search(rb"(?im)^host: *(\S+)", request)[1].decode())  # type: ignore[index]
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], names, str(cert)
    stop.set()
    thread.join(timeout=1)
    server.close()


def test_links_guard_keeps_the_name_for_host_header_and_tls(tls_site: tuple[int, list[str], str], monkeypatch: pytest.MonkeyPatch) -> None:
    port, names, cert = tls_site
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # trust the test certificate, and only it
    monkeypatch.setattr(http, "resolve", hostile_dns(lambda _h, _p: ["127.0.0.1"]))
    settings = guarded(allow_hosts=("tls.example", "other.example"))
    [good, wrong] = check([f"https://tls.example:{port}/", f"https://other.example:{port}/"], settings)
    assert good.verdict == "ok", good.error  # connected to 127.0.0.1, certificate checked against the name
    assert (wrong.verdict, wrong.error_kind) == ("broken", "tls")  # same address, wrong name: refused by TLS
    assert "tls.example" in names and "other.example" in names  # SNI carries each name
    assert f"Host: tls.example:{port}" in names
