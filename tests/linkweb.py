"""A loopback fake web for the link checker's tests and benchmark.

Each ``Host`` is a threaded HTTP/1.1 server on its own 127.0.0.x address (all of 127/8 is
loopback on Linux), so checkers see several hosts; pages are scripted: status, headers, HEAD
answers, latency, hangs, dropped connections, big bodies, answer sequences (503 then 200) and a
sliding-window rate limit that answers 429 + Retry-After. Nothing here touches any other network.
"""

from __future__ import annotations

import contextlib
import math
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FILLER = b"<p>" + b"lorem ipsum dolor sit amet " * 200 + b"</p>\n"


@dataclass
class Page:
    """One scripted answer; ``then`` lists the answers to later requests (the last one repeats)."""

    status: int = 200
    body: bytes = b"<!doctype html><html><body><h1 id='top'>ok</h1></body></html>"
    headers: dict[str, str] = field(default_factory=dict)
    head_status: int | None = None  # HEAD answers this instead (405, 403, 404 ...)
    delay: float | None = None  # None: the host's latency
    hang: bool = False  # never answer (until the web closes)
    drop: bool = False  # close the connection without a word
    size: int = 0  # stream this many bytes of HTML filler after ``body``
    then: list[Page] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # peers open 100+ connections at once; the default 5 drops SYNs
    host: Host

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up (byte caps, timeouts) are part of the scenarios, not news


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.host.answer(self, "GET")

    def do_HEAD(self) -> None:
        self.server.host.answer(self, "HEAD")


class Host:
    """One fake host: a server thread, its pages, and a log of every request it got."""

    def __init__(self, ip: str, latency: float, stop: threading.Event) -> None:
        self.pages: dict[str, Page] = {}
        self.latency, self.stop = latency, stop
        self.hits: list[tuple[str, str]] = []
        self.sent: Counter[str] = Counter()  # body bytes actually written per path
        self.rate: tuple[int, float] | None = None  # (requests, per seconds): 429 beyond
        self.active = self.max_active = 0  # requests being answered now / at most at once
        self._window: deque[float] = deque()
        self._served: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.server = _Server((ip, 0), _Handler)
        self.server.host = self
        self.ip, self.port = ip, self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def netloc(self) -> str:
        return f"{self.ip}:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.netloc}{path}"

    def add(self, path: str, page: Page | None = None) -> str:
        self.pages[path.split("#", 1)[0]] = page or Page()
        return self.url(path)

    def count(self, path: str | None = None) -> int:
        with self._lock:
            return sum(1 for _, p in self.hits if path is None or p == path)

    def _pick(self, method: str, path: str) -> tuple[Page | None, int]:
        """The answer due now, or (None, seconds to wait) when over the rate limit."""
        with self._lock:
            self.hits.append((method, path))
            if self.rate is not None:
                limit, window = self.rate
                now = time.monotonic()
                while self._window and self._window[0] <= now - window:
                    self._window.popleft()
                if len(self._window) >= limit:
                    return None, max(1, math.ceil(self._window[0] + window - now))
                self._window.append(now)
            page = self.pages.get(path)
            if page is None:
                return Page(404, b"<html><body>not found</body></html>"), 0
            n = self._served[path]
            self._served[path] += 1
            seq = [page, *page.then]
            return seq[min(n, len(seq) - 1)], 0

    def answer(self, req: _Handler, method: str) -> None:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            self._answer(req, method)
        finally:
            with self._lock:
                self.active -= 1

    def _answer(self, req: _Handler, method: str) -> None:
        path = req.path.split("?", 1)[0]
        page, wait = self._pick(method, path)
        if page is None:
            self._send(req, method, 429, b"slow down", {"Retry-After": str(wait)})
            return
        delay = self.latency if page.delay is None else page.delay
        if page.hang:
            self.stop.wait(120)
            req.close_connection = True
            return
        if delay and self.stop.wait(delay):
            return
        if page.drop:
            req.close_connection = True
            with contextlib.suppress(OSError):
                req.connection.shutdown(socket.SHUT_RDWR)
            return
        status = page.head_status if method == "HEAD" and page.head_status else page.status
        self._send(req, method, status, page.body, page.headers, size=page.size, path=path)

    def _send(self, req: _Handler, method: str, status: int, body: bytes, headers: dict[str, str], *,
              size: int = 0, path: str = "") -> None:  # fmt: skip
        try:
            req.send_response(status)
            for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                req.send_header(name, value)
            req.send_header("Content-Length", str(len(body) + size))
            req.end_headers()
            if method == "HEAD":
                return
            req.wfile.write(body)
            while size > 0:
                chunk = FILLER[: min(size, len(FILLER))]
                req.wfile.write(chunk)
                size -= len(chunk)
                with self._lock:
                    self.sent[path] += len(chunk)
        except OSError:
            req.close_connection = True  # the client hung up, as a byte cap should make it do


class FakeWeb:
    """``hosts`` fake hosts on 127.0.0.2, .3, ...; use as a context manager so every server stops."""

    def __init__(self, hosts: int = 2, latency: float = 0.0) -> None:
        self.stop = threading.Event()
        self.hosts = [Host(f"127.0.0.{i + 2}", latency, self.stop) for i in range(hosts)]

    def __getitem__(self, index: int) -> Host:
        return self.hosts[index]

    def __enter__(self) -> FakeWeb:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.stop.set()
        for host in self.hosts:
            host.server.shutdown()
            host.server.server_close()

    @staticmethod
    def dead_url(path: str = "/") -> str:
        """A URL on a port nobody listens on (connection refused)."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"http://127.0.0.1:{port}{path}"


@dataclass(frozen=True)
class Case:
    """A URL the scenario serves and the verdict a correct checker gives it."""

    url: str
    expect: str
    what: str
    floor: float = 0.0  # least seconds any correct checker needs for this URL alone


def html(body: str) -> bytes:
    return f"<!doctype html><html><body>{body}</body></html>".encode()


def healthy(web: FakeWeb, count: int = 200) -> list[Case]:
    """``count`` live pages spread over every host."""
    return [Case(web[i % len(web.hosts)].add(f"/page/{i}"), "ok", "200") for i in range(count)]


def rate_limited(web: FakeWeb, count: int = 200, per_second: int = 5) -> list[Case]:
    """``count`` live pages on host 0, which allows ``per_second`` requests a second and says 429 beyond."""
    web[0].rate = (per_second, 1.0)
    return [Case(web[0].add(f"/doc/{i}"), "ok", "rate-limited 200") for i in range(count)]


def fault_cases(web: FakeWeb, host: int, tag: str, *, timeout: float, retries: int) -> list[Case]:
    """One of every fault on ``web[host]``; ``timeout``/``retries`` are the checkers' settings (for floors)."""
    h = web[host]
    ok = h.add(f"/{tag}/target")
    gone = f"/{tag}/gone"
    challenge = {"cf-mitigated": "challenge", "Server": "cloudflare"}
    cases = [
        Case(h.add(f"/{tag}/ok"), "ok", "200"),
        Case(h.add(f"/{tag}/301", Page(301, headers={"Location": ok})), "redirected", "301 -> 200"),
        Case(h.add(f"/{tag}/308", Page(308, headers={"Location": ok})), "redirected", "308 -> 200"),
        Case(h.add(f"/{tag}/302", Page(302, headers={"Location": ok})), "ok", "302 -> 200"),
        Case(h.add(f"/{tag}/301-404", Page(301, headers={"Location": gone})), "broken", "301 -> 404"),
        Case(h.add(f"/{tag}/loop-a", Page(302, headers={"Location": f"/{tag}/loop-b"})), "broken", "redirect loop"),
        Case(h.add(f"/{tag}/404", Page(404)), "broken", "404"),
        Case(h.add(f"/{tag}/410", Page(410)), "broken", "410"),
        Case(h.add(f"/{tag}/500", Page(500)), "broken", "500 always"),
        Case(h.add(f"/{tag}/503", Page(503, headers={"Retry-After": "1"}, then=[Page()])), "ok", "503 then 200", 1.0),
        Case(h.add(f"/{tag}/429", Page(429, headers={"Retry-After": "1"}, then=[Page()])), "ok", "429 then 200", 1.0),
        Case(h.add(f"/{tag}/head405", Page(head_status=405)), "ok", "HEAD 405, GET 200"),
        Case(h.add(f"/{tag}/head403", Page(head_status=403)), "ok", "HEAD 403, GET 200"),
        Case(h.add(f"/{tag}/challenge", Page(403, headers=challenge)), "blocked", "403 cf-mitigated"),
        Case(h.add(f"/{tag}/999", Page(999)), "blocked", "999"),
        Case(h.add(f"/{tag}/slow", Page(delay=timeout / 2)), "ok", "slow, within timeout", timeout / 2),
        Case(h.add(f"/{tag}/hang", Page(hang=True)), "broken", "hangs", timeout * (retries + 1)),
        Case(h.add(f"/{tag}/big", Page(head_status=405, size=32 * 1024 * 1024)), "ok", "32 MB body"),
        Case(h.add(f"/{tag}/anchors#intro", Page(body=html("<h2 id='intro'>x</h2>"))), "ok", "fragment present"),
        Case(h.url(f"/{tag}/anchors#missing"), "broken-fragment", "fragment missing"),
        Case(FakeWeb.dead_url(f"/{tag}"), "broken", "connection refused"),
    ]
    h.add(f"/{tag}/loop-b", Page(302, headers={"Location": f"/{tag}/loop-a"}))
    return cases


def mixed(web: FakeWeb, *, timeout: float, retries: int, rounds: int = 4, healthy_pages: int = 106) -> list[Case]:
    """Every fault ``rounds`` times over the hosts, among ``healthy_pages`` live pages."""
    cases = [c for r in range(rounds) for c in fault_cases(web, r % len(web.hosts), f"r{r}", timeout=timeout, retries=retries)]
    return cases + [Case(web[i % len(web.hosts)].add(f"/live/{i}"), "ok", "200") for i in range(healthy_pages)]


def page_listing(cases: list[Case]) -> str:
    """The HTML page every checker in the benchmark is given."""
    items = "\n".join(f'<li><a href="{c.url}">{c.what}</a></li>' for c in cases)
    return f"<!doctype html>\n<html><head><title>links</title></head><body><ul>\n{items}\n</ul></body></html>\n"


@contextlib.contextmanager
def fake_web(hosts: int = 2, latency: float = 0.0) -> Iterator[FakeWeb]:
    web = FakeWeb(hosts, latency)
    try:
        yield web
    finally:
        web.close()


class Listener:
    """A bare TCP listener on loopback that records every connection it accepts.

    It is the SSRF tests' witness: an address the guard refused must never reach ``accepted``.
    ``mode`` says how it answers: "ok" (a 200 at once), "trickle" (the whole answer one byte per
    ``interval`` seconds) or "trickle-body" (headers at once, then the body one byte per interval).
    """

    def __init__(self, ip: str = "127.0.0.1", mode: str = "ok", interval: float = 2.0) -> None:
        self.mode, self.interval = mode, interval
        self.accepted: list[Any] = []
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET)
        try:
            self.sock.bind((ip, 0))
        except OSError:  # no such address here (::1 without IPv6): the caller says what to do, the socket is not left open
            self.sock.close()
            raise
        self.sock.listen(64)
        self.sock.settimeout(0.05)
        self.ip, self.port = ip, self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def netloc(self) -> str:
        return f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.netloc}{path}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(peer)
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        body = b"<!doctype html><html><body><p id='here'>" + b"x" * 64 + b"</p></body></html>"
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
        head += b"Content-Length: %d\r\n\r\n" % len(body)
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            slow = head + body if self.mode == "trickle" else body if self.mode == "trickle-body" else b""
            if self.mode != "trickle":
                conn.sendall(head if slow else head + body)
            for i in range(len(slow)):
                if self.stop.wait(self.interval if i else 0):
                    return
                conn.sendall(slow[i : i + 1])

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=1)
