"""Loopback fakes of the registries (shared by the refs tests), and tests of the fakes' own shapes.

One threaded HTTP server on 127.0.0.1, port 0, answers by exact request path (query
included), so a test states precisely what each registry says: a record, a 404, a 429 with
Retry-After, a slow or a malformed answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from citeproof.refs.identifiers import parse_identifier
from citeproof.refs.lock import Lock, LockRecord
from citeproof.refs.settings import RefsSettings

DATA = Path(__file__).resolve().parent / "data" / "refs"
REGISTRY = DATA / "registry"
FAKE = DATA / "fake"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    then: Answer | None = None  # the answer after this one has been given once
    accept: str = ""  # when set, only a request that accepts this type gets the answer (others: 406)


class FakeRegistries:
    """Crossref, crosscite, the DOI resolver (content negotiation and the handle API), E-utilities
    and the ID converter on one loopback port."""

    def __init__(self) -> None:
        self.routes: dict[str, Answer] = {}
        self.requests: list[tuple[float, str, str]] = []  # (time, path, user agent)
        self.headers: list[tuple[str, dict[str, str]]] = []  # (path, request headers, names lowercased)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append((time.monotonic(), self.path, self.headers.get("User-Agent", "")))
                fake.headers.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                answer = fake.routes.get(self.path) or Answer(404, b'{"status": "not found"}')
                if answer.accept and answer.accept not in self.headers.get("Accept", ""):
                    answer = Answer(406, b'{"status": "not acceptable"}')
                if answer.then is not None:
                    fake.routes[self.path] = answer.then
                if answer.delay:
                    time.sleep(answer.delay)
                self.send_response(answer.status)
                for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def json(self, path: str, data: Any, status: int = 200, **kwargs: Any) -> None:
        self.routes[path] = Answer(status, json.dumps(data).encode("utf-8"), **kwargs)

    def negotiation(self, doi: str, registry: str, data: Any) -> str:
        """The resolver's content negotiation for ``doi``: a 302 to ``registry`` (a path), which answers
        ``data`` as CSL JSON only to ``Accept: application/vnd.citationstyles.csl+json``; the path it serves."""
        self.routes[f"/doi/{doi}"] = Answer(302, b"", {"Location": self.base + registry})
        self.routes[registry] = Answer(200, json.dumps(data).encode("utf-8"), accept="application/vnd.citationstyles.csl+json")
        return registry

    def settings(self, **overrides: Any) -> RefsSettings:
        values: dict[str, Any] = {
            "lock": Path("unused.lock.json"),
            "crossref_api": self.base + "/crossref",
            "crosscite": self.base + "/crosscite",
            "doi_resolver": self.base + "/doi",
            "eutils": self.base + "/eutils",
            "idconv": self.base + "/idconv/",
            "ncbi_email": "editor@clinic.example",
            "timeout": 1.0,
            "deadline": 20.0,
            "allow_private": True,
        }
        return RefsSettings(**{**values, **overrides})


def serve() -> Iterator[FakeRegistries]:
    """Run the fakes for one test (``yield from serve()`` in a fixture)."""
    fake = FakeRegistries()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


# (identifier, registry, file): the article's real records and the invented test ones.
ARTICLE_RECORDS = [
    ("doi:10.1111/add.70073", "crossref", "crossref-10.1111_add.70073.json"),
    ("doi:10.1080/10550887.2025.2464356", "crossref", "crossref-10.1080_10550887.2025.2464356.json"),
    ("doi:10.3390/neurosci6030083", "crossref", "crossref-10.3390_neurosci6030083.json"),
    ("pmcid:PMC12452417", "idconv", "idconv-PMC12452417.json"),
    ("pmid:40320049", "esummary", "esummary-pubmed-40320049.json"),
]
FAKE_RECORDS = [
    ("doi:10.5555/retracted", "crossref", "crossref-10.5555_retracted.json"),
    ("doi:10.5555/corrected", "crossref", "crossref-10.5555_corrected.json"),
    ("doi:10.5555/ok", "crossref", "crossref-10.5555_ok.json"),
    ("pmid:11111111", "esummary", "esummary-pubmed-11111111-retracted.json"),
]


def _locked(path: Path, folder: Path, records: list[tuple[str, str, str]]) -> Lock:
    lock = Lock(path)
    for ident, source, name in records:
        lock.put(LockRecord(parse_identifier(ident), source, "", "2026-12-01T00:00:00Z", load(folder / name)))
    return lock


def article_lock(path: Path) -> Lock:
    """A lock holding the article's registry records (tests/data/refs/registry)."""
    return _locked(path, REGISTRY, ARTICLE_RECORDS)


def fake_lock(path: Path) -> Lock:
    """A lock holding the invented test records (tests/data/refs/fake)."""
    return _locked(path, FAKE, FAKE_RECORDS)


def test_refs_fake_records_have_the_registries_shapes() -> None:
    """Each fixture is shaped as its registry answers: Crossref's envelope, esummary's result, idconv's records."""
    for path in sorted(REGISTRY.glob("crossref-*.json")) + sorted(FAKE.glob("crossref-*.json")):
        data = load(path)
        assert data["status"] == "ok" and data["message-type"] == "work" and data["message"]["DOI"], path.name
    for path in sorted(REGISTRY.glob("esummary-*.json")) + sorted(FAKE.glob("esummary-*.json")):
        result = load(path)["result"]
        assert all(uid in result for uid in result["uids"]), path.name
    for path in sorted(REGISTRY.glob("idconv-*.json")) + sorted(FAKE.glob("idconv-*.json")):
        assert load(path)["records"][0]["pmcid"].startswith("PMC"), path.name
