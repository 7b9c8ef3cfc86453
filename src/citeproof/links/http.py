"""HTTP probing for the link checker: guarded pools, per-host pacing, retries, one answer per URL.

urllib3's ``PoolManager`` is used directly rather than ``requests.Session``: it is documented as
thread-safe, keeps one connection pool per host (connection reuse), does not read proxy settings
from the environment, and lets us swap in connection classes that make the address decision
themselves, which is what the SSRF guard needs to hold on every redirect hop.

One address decision per connection: the connection class resolves the host urllib3 parsed (so
no second URL parser can disagree about it), checks every address the resolver gave, and opens
the socket to one of exactly those addresses. There is no earlier look-up to rebind against and
no later one to disagree with; a refused address never gets a SYN. Host header and TLS server
name stay the host's name, because the connection object keeps it.
"""

from __future__ import annotations

import contextlib
import email.utils
import ipaddress
import json
import random
import re
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationParseError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util import parse_url
from urllib3.util.connection import allowed_gai_family

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
# urllib3's authority ends at the first of these (note the backslash, which urlsplit keeps in the host).
_AUTHORITY_END = re.compile(r"[\\/?#]")
_BRACKET = re.compile(r"%5[bd]", re.IGNORECASE)
AddrInfo = tuple[Any, ...]  # one getaddrinfo() row: (family, type, proto, canonname, sockaddr)


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

    def approved_addresses(self, host: str, port: int) -> list[AddrInfo]:
        """Resolve ``host`` once and return its addresses only if every one of them passes the guard."""
        infos = resolve(host.strip("[]"), port)
        if not self.exempt(host.rstrip("."), port):
            for info in infos:
                self.check_ip(host.rstrip("."), port, str(info[4][0]))
        return infos


def resolve(host: str, port: int) -> list[AddrInfo]:
    """The system resolver, as urllib3 would ask it; tests replace this to play a hostile DNS."""
    return socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)


def normalize_url(url: str) -> str:
    """Undo the percent-encoding pandoc gives an IPv6 literal's brackets (``http://%5B::1%5D:8080/``)."""
    scheme, sep, rest = url.partition("://")
    end = _AUTHORITY_END.search(rest)
    cut = end.start() if end else len(rest)
    if not sep or not _BRACKET.search(rest[:cut]):
        return url
    authority = _BRACKET.sub(lambda m: "[" if m[0][-1] in "bB" else "]", rest[:cut])
    return f"{scheme}{sep}{authority}{rest[cut:]}"


# Headers that carry a credential: a redirect to another origin must not receive them.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _origin(url: str) -> tuple[str, str, int]:
    """Scheme, host and port: what a redirect must keep for a credential to follow it."""
    try:
        parts = parse_url(url)
    except ValueError:  # an unreadable URL is refused by the request itself, with its reason
        return "", url, 0
    scheme = (parts.scheme or "http").lower()
    return scheme, (parts.host or "").lower(), parts.port or (443 if scheme == "https" else 80)


def _hop_headers(headers: Mapping[str, str] | None, *, same_origin: bool) -> dict[str, str] | None:
    """The caller's headers for one hop: all of them at the first origin, none of the credentials elsewhere."""
    if not headers:
        return None
    return {k: v for k, v in headers.items() if same_origin or k.lower() not in CREDENTIAL_HEADERS}


def _sent_headers(agent: str, extra: Mapping[str, str] | None) -> dict[str, str]:
    """Our identity and a browser-like Accept, where the caller's value of a header (any case) replaces ours."""
    sent = {"User-Agent": agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    if not extra:
        return sent
    return {k: v for k, v in sent.items() if k.lower() not in {e.lower() for e in extra}} | dict(extra)


def connect_target(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) urllib3 connects to for ``url``, read with urllib3's own parser."""
    parts = parse_url(normalize_url(url))
    scheme = (parts.scheme or "http").lower()
    host = parts.host or ""
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        raise LocationParseError(url)  # urllib3 refuses these too ("No host specified")
    return scheme, host.rstrip("."), parts.port if parts.port is not None else (443 if scheme == "https" else 80)


def host_key(url: str) -> str:
    """``host:port`` actually contacted for ``url``: the key for per-host politeness and limits."""
    try:
        _, host, port = connect_target(url)
    except (LocationParseError, ValueError):
        # Not a URL urllib3 can connect to (the request will say so); any stable key will do.
        rest = url.partition("://")[2]
        return rest[: m.start()].lower() if (m := _AUTHORITY_END.search(rest)) else rest.lower()
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class RequestClock:
    """A total time limit per request: shuts the socket of any request that outlives it.

    A socket timeout bounds each read, so a server sending one byte a second never trips it;
    only a clock over the whole exchange (connect, headers, body) does. One watcher thread
    serves every worker; a request is keyed by the thread making it (urllib3 is synchronous).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._runs: dict[int, _Run] = {}
        self._watcher: threading.Thread | None = None

    def start(self, seconds: float) -> None:
        with self._cond:
            self._runs[threading.get_ident()] = _Run(time.monotonic(), time.monotonic() + seconds)
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, daemon=True, name="links-clock")
                self._watcher.start()
            self._cond.notify()

    def attach(self, sock: socket.socket | None) -> None:
        """The current request now uses ``sock`` (new, reused, or wrapped in TLS)."""
        with self._cond:
            run = self._runs.get(threading.get_ident())
            if run is not None and sock is not None:
                run.sockets.append(sock)
                if run.fired:
                    _cut(sock)

    def stop(self) -> float | None:
        """End the current request's clock; its elapsed seconds if the limit cut it, else None."""
        with self._cond:
            run = self._runs.pop(threading.get_ident(), None)
        return time.monotonic() - run.started if run is not None and run.fired else None

    def _watch(self) -> None:
        with self._cond:
            while self._runs:
                now = time.monotonic()
                for run in self._runs.values():
                    if not run.fired and run.limit_at <= now:
                        run.fired = True
                        for sock in run.sockets:
                            _cut(sock)
                soonest = min((r.limit_at for r in self._runs.values() if not r.fired), default=now + 1.0)
                self._cond.wait(max(0.01, soonest - now))
            self._watcher = None


@dataclass
class _Run:
    started: float
    limit_at: float
    sockets: list[socket.socket] = field(default_factory=list)
    fired: bool = False


def _cut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for a TLS socket: it wakes the blocked reader with EOF
    # without touching the TLS object that thread is using.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _open_checked(conn: HTTPConnection, guard: Guard, clock: RequestClock) -> socket.socket:
    """The connection's socket, opened only to an address the guard has just approved."""
    host, port = conn.host, conn.port or 0
    try:
        # _dns_host keeps a trailing dot, as urllib3 resolves it; conn.host is what Host and SNI use.
        infos = guard.approved_addresses(str(getattr(conn, "_dns_host", host)), port)
    except socket.gaierror as exc:
        raise NameResolutionError(host, conn, exc) from exc
    error: OSError = OSError(f"{host} has no address")
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            if isinstance(conn.timeout, (int, float)):
                sock.settimeout(conn.timeout)
            if conn.source_address:
                sock.bind(conn.source_address)
            clock.attach(sock)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        sys.audit("http.client.connect", conn, host, port)
        return sock
    if isinstance(error, TimeoutError):
        raise ConnectTimeoutError(conn, f"Connection to {host} timed out. (connect timeout={conn.timeout})") from error
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error


def _guarded_pools(guard: Guard, clock: RequestClock) -> dict[str, type[HTTPConnectionPool]]:
    class Conn(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _open_checked(self, guard, clock)

        def request(self, *args: Any, **kwargs: Any) -> None:
            clock.attach(self.sock)  # a reused connection joins this request's clock
            super().request(*args, **kwargs)

    class SConn(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _open_checked(self, guard, clock)

        def request(self, *args: Any, **kwargs: Any) -> None:
            clock.attach(self.sock)  # the TLS socket: the one this request reads from
            super().request(*args, **kwargs)

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
    # dns, refused, unreachable, timeout, slow (request-timeout), reset, tls, ssrf, url, loop, redirects, ratelimit, deadline
    error_kind: str | None = None
    error: str | None = None
    fragment_found: bool | None = None  # None: not looked for, or could not be decided
    body: bytes = b""
    note: str | None = None


def classify_error(exc: BaseException) -> tuple[str, str]:
    """Map a transport exception to a short kind and a message fit for a report."""
    if isinstance(exc, GuardRefused):
        return "ssrf", str(exc)
    if isinstance(exc, LocationParseError):
        return "url", f"not a valid URL: {exc}"
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
        self.clock = RequestClock()
        # Always our connection classes: with allow-private the guard lets everything through, but
        # the address is still decided once, and the request clock still runs.
        self.pool.pool_classes_by_scheme = _guarded_pools(self.guard, self.clock)
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

    def fetch(self, url: str, *, fragment: str | None = None, want_body: bool = False, headers: Mapping[str, str] | None = None) -> Probe:
        """Follow ``url`` by hand (so every hop passes the guard), HEAD first unless a body is needed.

        ``headers`` (e.g. an ``Accept`` for content negotiation) go with every hop; a credential
        among them only to the origin of ``url``, never to one a redirect points at.
        """
        probe = Probe(url)
        method = "GET" if fragment or want_body else "HEAD"
        current = normalize_url(url)
        seen = {current}
        first = _origin(current)
        for _ in range(self.s.max_redirects + 1):
            extra = _hop_headers(headers, same_origin=_origin(current) == first)
            resp = self._request(probe, method, current, extra)
            if resp is None and method == "HEAD" and probe.error_kind == "reset":
                method, probe.error_kind, probe.error = "GET", None, None
                resp = self._request(probe, method, current, extra)
            if resp is None:
                return probe
            probe.chain.append((method, current, resp.status))
            if method == "HEAD" and resp.status in HEAD_FALLBACK:
                if self._finish(probe, resp, None, False)[2]:
                    return probe
                method = "GET"
                resp = self._request(probe, method, current, extra)
                if resp is None:
                    return probe
                probe.chain.append((method, current, resp.status))
            probe.status, probe.headers = resp.status, {k.lower(): v for k, v in resp.headers.items()}
            location = resp.headers.get("Location")
            if 300 <= resp.status < 400 and resp.status != 304 and location:
                if self._finish(probe, resp, None, False)[2]:
                    return probe
                try:
                    current = normalize_url(urljoin(current, location.strip()))
                except ValueError:  # urljoin's own parser can refuse what a server sends
                    probe.error_kind, probe.error = "url", f"redirect to an unreadable Location: {location!r}"
                    return probe
                if current in seen:
                    probe.error_kind, probe.error = "loop", f"redirect loop back to {current}"
                    return probe
                seen.add(current)
                continue
            probe.fragment_found, probe.body, _slow = self._finish(probe, resp, fragment if resp.status < 300 else None, want_body)
            return probe
        probe.error_kind, probe.error = "redirects", f"more than {self.s.max_redirects} redirects"
        return probe

    def _request(self, probe: Probe, method: str, url: str, extra: Mapping[str, str] | None = None) -> urllib3.BaseHTTPResponse | None:
        """One exchange with retries; a response comes back with its clock running until ``_finish``."""
        sent = _sent_headers(self.s.user_agent, extra)
        pacer, errors, waits = self.pacer(host_key(url)), 0, 0
        while True:
            granted = pacer.wait(self.deadline)
            if granted is None:
                if waits:
                    probe.error_kind, probe.error = "ratelimit", f"still rate limited (429) after {waits} waits"
                else:
                    probe.error_kind = probe.error_kind or "deadline"
                    probe.error = probe.error or "deadline reached before the host could be asked"
                return None
            self.clock.start(self.s.request_timeout)
            try:
                if (parse_url(url).scheme or "").lower() not in ("http", "https"):
                    raise GuardRefused(f"redirect to a non-HTTP URL: {url}")
                # The guard runs inside the connection (see _open_checked), on urllib3's own host.
                resp = self.pool.urlopen(
                    method, url, redirect=False, retries=False, preload_content=False,
                    timeout=urllib3.Timeout(connect=self.s.connect_timeout, read=self.s.read_timeout),
                    headers=sent,
                )  # fmt: skip
            except (HTTPError, OSError, GuardRefused) as exc:
                if self._too_slow(probe):
                    return None  # the whole limit is spent: asking again would only double it
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
                    if self._finish(probe, resp, None, False)[2]:
                        return None
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
                    if self._finish(probe, resp, None, False)[2]:
                        return None
                    time.sleep(delay)
                    continue
                probe.note = "not retried: the deadline is near"
            return resp

    def _too_slow(self, probe: Probe) -> bool:
        """Stop this request's clock; if the limit cut it, say so on ``probe`` and return True."""
        elapsed = self.clock.stop()
        if elapsed is None:
            return False
        probe.error_kind = "slow"
        probe.error = f"too slow: no complete answer within the {self.s.request_timeout:g} s limit ({elapsed:.1f} s)"
        return True

    def _finish(
        self, probe: Probe, resp: urllib3.BaseHTTPResponse, fragment: str | None, want_body: bool
    ) -> tuple[bool | None, bytes, bool]:
        """Read only as much body as needed (anchor search or JSON), free the connection, stop the clock.

        Returns (fragment found, body, too slow); too slow has also been written on ``probe``.
        """
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
        slow = self._too_slow(probe)
        if slow:
            resp.close()  # the clock shut this socket: it must not go back to the pool
            return None, b"", True
        resp.release_conn()
        probe.note = note or probe.note
        return found, body, False


def request_json(prober: Prober, url: str, *, headers: Mapping[str, str] | None = None) -> tuple[Probe, Any]:
    """GET a small JSON document (DOI handle API, archive lookup); the value is None when unreadable."""
    probe = prober.fetch(url, want_body=True, headers=headers)
    try:
        return probe, json.loads(probe.body.decode("utf-8")) if probe.body else None
    except (UnicodeDecodeError, ValueError):
        return probe, None
