"""HTTP probing for the link checker: guarded pools, per-host pacing, retries, one answer per URL.

urllib3's ``PoolManager`` is used directly rather than ``requests.Session``: it is documented as
thread-safe, keeps one connection pool per host (connection reuse), does not read proxy settings
from the environment, and lets us swap in connection classes that check the peer address, which
is what the SSRF guard needs to hold on every redirect hop.
"""

from __future__ import annotations

import contextlib
import email.utils
import ipaddress
import json
import random
import re
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from citeproof.links.pace import HostPacer

if TYPE_CHECKING:
    from citeproof.links.settings import LinkSettings

T = TypeVar("T")
HEAD_FALLBACK = frozenset({403, 404, 405, 501})  # servers that mishandle HEAD; GET tells the truth
RETRY_STATUS = frozenset({500, 502, 503, 504})
RETRY_ERRORS = frozenset({"timeout", "reset"})
MAX_RATE_WAITS = 10  # 429 pauses are the server's pacing, not failures, so they get their own budget
# Cloud instance-metadata endpoints (AWS/GCP/Azure, AWS IPv6, Alibaba); 100.100.100.200 is not link-local.
METADATA_IPS = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))


class GuardRefused(Exception):
    """The SSRF guard refused an address; deliberately not an OSError so urllib3 never retries it."""


def address_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``ip`` is off limits for a link check, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_IPS:
        return "a cloud metadata address"
    for kind in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    return None if ip.is_global else "not a public address"


@dataclass(frozen=True)
class Guard:
    """Refuses loopback, private, link-local and metadata addresses unless told otherwise."""

    allow_private: bool = False
    allow_hosts: frozenset[str] = frozenset()

    def exempt(self, host: str, port: int) -> bool:
        return self.allow_private or host in self.allow_hosts or f"{host}:{port}" in self.allow_hosts

    def check_ip(self, host: str, port: int, address: str) -> None:
        reason = address_refusal(ipaddress.ip_address(address.split("%", 1)[0]))
        if reason and not self.exempt(host, port):
            raise GuardRefused(f"{host} resolves to {address}, {reason} (refused by the SSRF guard)")

    def check_host(self, host: str, port: int) -> None:
        """Resolve ``host`` before any connection and refuse it if any address is off limits."""
        if self.exempt(host, port):
            return
        for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            self.check_ip(host, port, str(info[4][0]))


def _guarded_pools(guard: Guard) -> dict[str, type[HTTPConnectionPool]]:
    # The pre-connect check can be beaten by DNS rebinding; checking the connected peer cannot.
    def checked(conn: HTTPConnection, sock: socket.socket) -> socket.socket:
        try:
            guard.check_ip(conn.host, conn.port or 0, str(sock.getpeername()[0]))
        except GuardRefused:
            sock.close()
            raise
        return sock

    class Conn(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return checked(self, super()._new_conn())

    class SConn(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return checked(self, super()._new_conn())

    class Pool(HTTPConnectionPool):
        ConnectionCls = Conn

    class SPool(HTTPSConnectionPool):
        ConnectionCls = SConn

    return {"http": Pool, "https": SPool}


@dataclass
class Probe:
    """What the server(s) said about one URL: every hop, the final answer or error, the evidence."""

    url: str
    chain: list[tuple[str, str, int]] = field(default_factory=list)  # (method, url, status) per answer
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # dns, refused, unreachable, timeout, reset, tls, ssrf, loop, redirects, ratelimit, deadline
    error_kind: str | None = None
    error: str | None = None
    fragment_found: bool | None = None  # None: not looked for, or could not be decided
    body: bytes = b""
    note: str | None = None


def classify_error(exc: BaseException) -> tuple[str, str]:
    """Map a transport exception to a short kind and a message fit for a report."""
    if isinstance(exc, GuardRefused):
        return "ssrf", str(exc)
    if isinstance(exc, (socket.gaierror, NameResolutionError)):
        return "dns", "host name not found (DNS)"
    if isinstance(exc, NewConnectionError):
        cause = exc.__cause__
        if isinstance(cause, ConnectionRefusedError):
            return "refused", "connection refused"
        if isinstance(cause, OSError) and cause.errno in (101, 113):  # ENETUNREACH, EHOSTUNREACH
            return "unreachable", "network unreachable"
        return "refused", f"cannot connect: {cause or exc}"
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)):
        return "timeout", "timed out"
    if isinstance(exc, SSLError):
        return "tls", f"TLS error: {exc}"
    if isinstance(exc, (ProtocolError, ConnectionError)):
        return "reset", f"connection dropped: {exc}"
    return "error", f"{type(exc).__name__}: {exc}"


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time()) if when.tzinfo else None


def _anchor_pattern(fragment: str) -> re.Pattern[bytes]:
    frag = re.escape(fragment.encode("utf-8"))
    return re.compile(rb"""(?<![\w-])(?:id|name)\s*=\s*(?:"%s"|'%s'|%s(?=[\s>/]))""" % (frag, frag, frag), re.IGNORECASE)


class Prober:
    """One per run: a shared pool, a pacer per host, and the retry rules."""

    def __init__(self, settings: LinkSettings, deadline: float) -> None:
        self.s, self.deadline = settings, deadline
        self.guard = Guard(settings.allow_private, frozenset(settings.allow_hosts))
        biggest = max([settings.per_host, *(h.concurrency for h in settings.hosts.values())])
        self.pool = urllib3.PoolManager(num_pools=256, maxsize=biggest, retries=False)
        if not settings.allow_private:
            self.pool.pool_classes_by_scheme = _guarded_pools(self.guard)
        self._pacers: dict[str, HostPacer] = {}
        self._lock = threading.Lock()

    def pacer(self, host: str) -> HostPacer:
        with self._lock:
            if host not in self._pacers:
                rate = self.s.limit_for(host).rate
                self._pacers[host] = HostPacer(1.0 / rate if rate else 0.0)
            return self._pacers[host]

    def _backoff(self, attempt: int) -> float:
        base: float = self.s.backoff * 2.0 ** (attempt - 1)
        return base + random.uniform(0, base)  # jitter: retries from many workers must not line up

    def _sleep(self, seconds: float) -> bool:
        if time.monotonic() + seconds >= self.deadline:
            return False
        time.sleep(seconds)
        return True

    def fetch(self, url: str, *, fragment: str | None = None, want_body: bool = False) -> Probe:
        """Follow ``url`` by hand (so every hop passes the guard), HEAD first unless a body is needed."""
        probe = Probe(url)
        method = "GET" if fragment or want_body else "HEAD"
        seen, current = {url}, url
        for _ in range(self.s.max_redirects + 1):
            resp = self._request(probe, method, current)
            if resp is None and method == "HEAD" and probe.error_kind == "reset":
                method, probe.error_kind, probe.error = "GET", None, None
                resp = self._request(probe, method, current)
            if resp is None:
                return probe
            probe.chain.append((method, current, resp.status))
            if method == "HEAD" and resp.status in HEAD_FALLBACK:
                self._finish(resp, None, False)
                method = "GET"
                resp = self._request(probe, method, current)
                if resp is None:
                    return probe
                probe.chain.append((method, current, resp.status))
            probe.status, probe.headers = resp.status, {k.lower(): v for k, v in resp.headers.items()}
            location = resp.headers.get("Location")
            if 300 <= resp.status < 400 and resp.status != 304 and location:
                self._finish(resp, None, False)
                current = urljoin(current, location.strip())
                if current in seen:
                    probe.error_kind, probe.error = "loop", f"redirect loop back to {current}"
                    return probe
                seen.add(current)
                continue
            probe.fragment_found, probe.body, note = self._finish(resp, fragment if resp.status < 300 else None, want_body)
            probe.note = note or probe.note
            return probe
        probe.error_kind, probe.error = "redirects", f"more than {self.s.max_redirects} redirects"
        return probe

    def _request(self, probe: Probe, method: str, url: str) -> urllib3.BaseHTTPResponse | None:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        pacer, errors, waits = self.pacer(parts.netloc), 0, 0
        while True:
            granted = pacer.wait(self.deadline)
            if granted is None:
                if waits:
                    probe.error_kind, probe.error = "ratelimit", f"still rate limited (429) after {waits} waits"
                else:
                    probe.error_kind = probe.error_kind or "deadline"
                    probe.error = probe.error or "deadline reached before the host could be asked"
                return None
            try:
                if parts.scheme not in ("http", "https"):
                    raise GuardRefused(f"redirect to a non-HTTP URL: {url}")
                self.guard.check_host(host, port)
                resp = self.pool.urlopen(
                    method, url, redirect=False, retries=False, preload_content=False,
                    timeout=urllib3.Timeout(connect=self.s.connect_timeout, read=self.s.read_timeout),
                    headers={"User-Agent": self.s.user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
                )  # fmt: skip
            except (HTTPError, OSError, GuardRefused) as exc:
                probe.error_kind, probe.error = classify_error(exc)
                errors += 1
                # A timeout has already given the server read_timeout seconds of quiet; only jitter more.
                delay = random.uniform(0, self.s.backoff / 2) if probe.error_kind == "timeout" else self._backoff(errors)
                if probe.error_kind in RETRY_ERRORS and errors <= self.s.retries and self._sleep(delay):
                    continue
                return None
            probe.error_kind = probe.error = None
            if resp.status == 429 or (resp.status == 503 and resp.headers.get("Retry-After")):
                pause = retry_after(resp.headers.get("Retry-After"))
                waits += 1
                wait = pause if pause is not None else self._backoff(waits)
                host_waits = pacer.limited(wait, granted)
                if wait > self.s.max_retry_after:
                    probe.note = f"Retry-After {wait:.0f} s is over the {self.s.max_retry_after:.0f} s cap"
                elif waits > MAX_RATE_WAITS or time.monotonic() + wait >= self.deadline:
                    probe.note = "gave up waiting for the rate limit"
                else:
                    probe.chain.append((method, url, resp.status))
                    self._finish(resp, None, False)
                    if not host_waits:  # the pacer makes everyone wait when the host is paused
                        time.sleep(wait)
                    continue
                return resp
            pacer.accepted(granted)
            if resp.status in RETRY_STATUS and errors < self.s.retries:
                delay = self._backoff(errors + 1)
                if time.monotonic() + delay < self.deadline:
                    errors += 1
                    probe.chain.append((method, url, resp.status))
                    self._finish(resp, None, False)
                    time.sleep(delay)
                    continue
                probe.note = "not retried: the deadline is near"
            return resp

    def _finish(self, resp: urllib3.BaseHTTPResponse, fragment: str | None, want_body: bool) -> tuple[bool | None, bytes, str | None]:
        """Read only as much body as needed (anchor search or JSON), then free the connection."""
        found: bool | None = None
        body, note = b"", None
        kind = resp.headers.get("Content-Type", "")
        try:
            if want_body or (fragment and "html" in kind):
                pattern = _anchor_pattern(fragment) if fragment and not want_body else None
                buf = bytearray()
                for chunk in resp.stream(65536):
                    buf.extend(chunk)
                    if pattern is not None and pattern.search(buf):
                        found = True
                        break
                    if len(buf) >= self.s.max_body_bytes:
                        note = f"stopped reading after {self.s.max_body_bytes} bytes"
                        break
                else:
                    found = False if pattern is not None else None
                body = bytes(buf) if want_body else b""
            elif fragment:
                note = f"fragment not checked: not an HTML page ({kind or 'no Content-Type'})"
        except (HTTPError, OSError) as exc:
            note = f"could not read the page: {classify_error(exc)[1]}"
        length = resp.headers.get("Content-Length", "")
        if length.isdigit() and int(length) <= 65536 and found is not True:
            with contextlib.suppress(HTTPError, OSError):  # a small rest is cheaper to read than a new connection
                resp.drain_conn()
        else:
            resp.close()  # never download a large body just to reuse the socket
        resp.release_conn()
        return found, body, note


def request_json(prober: Prober, url: str) -> tuple[Probe, Any]:
    """GET a small JSON document (DOI handle API, archive lookup); the value is None when unreadable."""
    probe = prober.fetch(url, want_body=True)
    try:
        return probe, json.loads(probe.body.decode("utf-8")) if probe.body else None
    except (UnicodeDecodeError, ValueError):
        return probe, None
