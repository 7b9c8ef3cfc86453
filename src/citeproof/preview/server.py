"""The preview's loopback HTTP server: pages with the overlay, outputs, and a reload event stream.

Only the pages it serves carry the overlay (a stylesheet, the findings as JSON and a small
script); the files in ``build/`` are never touched. ``/_citeproof/events`` is a
server-sent event stream: a page opens it with the version it was served at, and the
server answers ``reload`` as soon as the session's version is past it.
"""

from __future__ import annotations

import html
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from citeproof.preview.session import Session
from citeproof.project.config import Config
from citeproof.project.resources import DATA

OVERLAY = DATA / "preview"
EVENTS = "/_citeproof/events"
KEEPALIVE_SECONDS = 10.0
_TYPES = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf", ".epub": "application/epub+zip", ".png": "image/png"}


class PreviewServer(ThreadingHTTPServer):
    """Serves one session on 127.0.0.1; each request in its own daemon thread."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, session: Session, port: int) -> None:
        self.session = session
        self.overlay_css = (OVERLAY / "overlay.css").read_text(encoding="utf-8")
        self.overlay_js = (OVERLAY / "overlay.js").read_text(encoding="utf-8")
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2}, name="citeproof-preview-http", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows rebuilds, not every request."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        session = self.server.session
        if path == EVENTS:
            since = int((parse_qs(parts.query).get("since") or ["0"])[0] or 0)
            self._events(since)
            return
        state = session.state
        names = [d.name for d in state.config.documents] if state.config else []
        if session.names:
            names = [n for n in names if n in session.names]
        if path == "/":
            if len(names) == 1:
                self._send(HTTPStatus.FOUND, b"", "text/plain", location=f"/{names[0]}.html")
            else:
                self._send(HTTPStatus.OK, self._index(names).encode("utf-8"), _TYPES[".html"])
            return
        name = path.lstrip("/")
        if "/" in name or name.startswith("."):
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
            return
        if name.endswith(".html") and name.removesuffix(".html") in names:
            self._send(HTTPStatus.OK, self._page(name.removesuffix(".html")).encode("utf-8"), _TYPES[".html"], cache=False)
            return
        build_dir = state.config.build_dir if state.config else None
        target = build_dir / name if build_dir else None
        if target is not None and target.suffix in _TYPES and target.is_file():
            self._send(HTTPStatus.OK, target.read_bytes(), _TYPES[target.suffix], cache=False)
            return
        self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    # -- responses ------------------------------------------------------------------------
    def _send(self, status: HTTPStatus, body: bytes, content_type: str, *, location: str = "", cache: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        if not cache:
            self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self, since: int) -> None:
        session = self.server.session
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            while not session.stopping.is_set():
                version = session.wait_for_change(since, KEEPALIVE_SECONDS)
                if version > since:
                    self.wfile.write(f"event: reload\ndata: {version}\n\n".encode("ascii"))
                    self.wfile.flush()
                    return
                self.wfile.write(b": keep-alive\n\n")  # finds a closed tab, so its thread ends
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _overlay(self, name: str, version: int, *, checking: bool) -> str:
        state = self.server.session.state
        data = {"version": version, "checking": checking, "findings": state.findings.get(name, [])}
        # "</" cannot end the script element early, whatever a finding quotes.
        payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        return (
            f"<style>{self.server.overlay_css}</style>\n"
            f'<script type="application/json" id="citeproof-findings">{payload}</script>\n'
            f"<script>{self.server.overlay_js}</script>\n"
        )

    def _page(self, name: str) -> str:
        state = self.server.session.state
        version, failure = state.version, state.failure
        if failure is not None:
            return self._failure_page(name, version)
        assert state.config is not None
        built = state.config.build_dir / f"{name}.html"
        try:
            page = built.read_text(encoding="utf-8")
        except OSError:
            page = f"<!DOCTYPE html><html><body><main><p>Building {html.escape(name)}…</p></main></body></html>"
        links = _other_outputs(state.config, name)
        overlay = self._overlay(name, version, checking=state.checking) + links
        at = page.rfind("</body>")
        return page[:at] + overlay + page[at:] if at >= 0 else page + overlay

    def _failure_page(self, name: str, version: int) -> str:
        failure = self.server.session.state.failure
        assert failure is not None
        where = f"<p><strong>{html.escape(failure.location)}</strong></p>" if failure.location else ""
        hint = f"<p>{html.escape(failure.hint)}</p>" if failure.hint else ""
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Build failed: '
            f'{html.escape(name)}</title></head><body><main class="citeproof-build-error">'
            f"<h1>The build failed</h1>{where}<pre>{html.escape(failure.message)}</pre>{hint}"
            "<p>Fix it and save: this page reloads by itself.</p></main>"
            f"{self._overlay(name, version, checking=False)}</body></html>"
        )

    def _index(self, names: list[str]) -> str:
        items = "".join(f'<li><a href="/{html.escape(n)}.html">{html.escape(n)}</a></li>' for n in names)
        version = self.server.session.state.version
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>citeproof preview</title></head>'
            f"<body><main><h1>Documents</h1><ul>{items}</ul></main>{self._overlay('', version, checking=False)}</body></html>"
        )


def _other_outputs(config: Config, name: str) -> str:
    """Links to the document's other outputs that exist, each with its time, so the browser fetches the newest."""
    from citeproof.build.builder import BuildOptions
    from citeproof.build.cache import expected_outputs

    files = [config.build_dir / o.filename for _, o in expected_outputs(config, BuildOptions(documents=(name,)))]
    files = [p for p in files if p.suffix != ".html" and p.is_file()]
    if not files:
        return ""
    links = " · ".join(f'<a href="/{html.escape(p.name)}?t={p.stat().st_mtime_ns}">{html.escape(p.name)}</a>' for p in files)
    return f'<aside class="citeproof-panel citeproof-outputs">Other formats: {links}</aside>\n'
