"""Registry clients against loopback fakes of Crossref, DOI content negotiation, the handle API,
E-utilities and the PMC ID converter: records, retractions, unknown DOIs, 429, slow and malformed answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from citeproof.project.bibliography import load_bibliography
from citeproof.refs.actions import add_references, fetch_into
from citeproof.refs.clients import NotRegisteredError, Registries, RegistryError
from citeproof.refs.identifiers import parse_identifier
from citeproof.refs.lock import Lock
from citeproof.refs.records import read_record
from citeproof.refs.resolve import resolve
from tests.conftest import MakeProject
from tests.test_refs_fakes import FAKE, Answer, FakeRegistries, load, serve

MAILTO = "?mailto=editor%40clinic.example"


@pytest.fixture
def fake() -> Iterator[FakeRegistries]:
    yield from serve()


def crossref(fake: FakeRegistries, doi: str, name: str) -> None:
    fake.json(f"/crossref/works/{doi.replace('/', '%2F')}{MAILTO}", load(FAKE / name))


def test_refs_doi_record_from_crossref_with_polite_identity(fake: FakeRegistries) -> None:
    crossref(fake, "10.5555/retracted", "crossref-10.5555_retracted.json")
    record = Registries(fake.settings()).fetch(parse_identifier("doi:10.5555/retracted"))
    assert record.source == "crossref" and record.url.endswith("mailto=editor%40clinic.example")
    work = read_record(record.source, record.response)
    assert work.item["title"] == "A study that was retracted" and work.item["container-title"] == "Journal of Test Records"
    assert [(n.kind, n.doi, n.date) for n in work.notices] == [("retraction", "10.5555/retraction-notice", "2024-03-01")]
    agent = fake.requests[0][2]
    assert agent.startswith("citeproof-refs/") and "mailto:editor@clinic.example" in agent


def test_refs_datacite_doi_through_content_negotiation(fake: FakeRegistries) -> None:
    fake.json("/crosscite/application/vnd.citationstyles.csl+json/10.5555/datacite", load(FAKE / "csl-10.5555_datacite.json"))
    record = Registries(fake.settings()).fetch(parse_identifier("doi:10.5555/datacite"))
    assert record.source == "csl"
    assert read_record("csl", record.response).item["title"] == "A dataset of steps"


CSL = "application/vnd.citationstyles.csl+json"


def test_refs_crossref_doi_through_content_negotiation_then_its_works_record(fake: FakeRegistries) -> None:
    """The resolver's 302 is followed with the Accept header; Crossref's answer leads to its works record (relations)."""
    registry = fake.negotiation("10.5555/ok", "/crossref/v1/works/10.5555%2Fok/transform", load(FAKE / "csl-crossref-10.5555_ok.json"))
    crossref(fake, "10.5555/ok", "crossref-10.5555_ok.json")
    record = Registries(fake.settings()).fetch(parse_identifier("doi:10.5555/ok"))
    assert record.source == "crossref" and read_record(record.source, record.response).item["title"] == "A sound study of walking"
    asked = [(path, headers.get("accept")) for path, headers in fake.headers]
    assert asked[:2] == [("/doi/10.5555/ok", CSL), (registry, CSL)]  # the negotiation, then the redirect's hop
    assert asked[2][0] == f"/crossref/works/10.5555%2Fok{MAILTO}"
    assert not any(path.startswith("/crosscite") for path, _ in asked)


def test_refs_datacite_doi_through_negotiation_at_the_resolver(fake: FakeRegistries) -> None:
    registry = fake.negotiation("10.5555/datacite", "/datacite/dois/10.5555/datacite", load(FAKE / "csl-10.5555_datacite.json"))
    record = Registries(fake.settings()).fetch(parse_identifier("doi:10.5555/datacite"))
    assert record.source == "csl" and record.url == fake.base + "/doi/10.5555/datacite"
    assert read_record("csl", record.response).item["title"] == "A dataset of steps"
    assert [(path, headers.get("accept")) for path, headers in fake.headers] == [("/doi/10.5555/datacite", CSL), (registry, CSL)]


def test_refs_negotiation_without_the_accept_header_is_refused_by_the_fake(fake: FakeRegistries) -> None:
    """The fake registry answers CSL JSON only to the negotiation's type, so the tests above can fail."""
    from citeproof.links.http import request_json

    fake.negotiation("10.5555/datacite", "/datacite/dois/10.5555/datacite", load(FAKE / "csl-10.5555_datacite.json"))
    probe, data = request_json(Registries(fake.settings()).prober, fake.base + "/doi/10.5555/datacite")
    assert probe.status == 406 and data == {"status": "not acceptable"}


def test_refs_malformed_negotiation_answer_is_a_registry_error(fake: FakeRegistries) -> None:
    fake.routes["/doi/10.5555/ok"] = Answer(200, b"<html>a landing page</html>", {"Content-Type": "text/html"})
    with pytest.raises(RegistryError, match="content negotiation gave a malformed answer"):
        Registries(fake.settings()).fetch(parse_identifier("doi:10.5555/ok"))


def test_refs_unregistered_doi_is_told_apart_from_an_outage(fake: FakeRegistries) -> None:
    fake.json("/doi/api/handles/10.5555/nothing", load(FAKE / "handle-not-registered.json"), status=404)
    with pytest.raises(NotRegisteredError, match="not registered"):
        Registries(fake.settings()).fetch(parse_identifier("doi:10.5555/nothing"))


def test_refs_429_retry_after_is_honoured(fake: FakeRegistries) -> None:
    body = json.dumps(load(FAKE / "crossref-10.5555_ok.json")).encode()
    path = f"/crossref/works/10.5555%2Fok{MAILTO}"
    fake.routes[path] = Answer(429, b"{}", {"Retry-After": "1"}, then=Answer(200, body))
    record = Registries(fake.settings()).fetch(parse_identifier("doi:10.5555/ok"))
    assert record.source == "crossref"
    times = [t for t, p, _ in fake.requests if p == path]
    assert len(times) == 2 and times[1] - times[0] >= 0.9


def test_refs_slow_registry_times_out_as_a_registry_error(fake: FakeRegistries) -> None:
    fake.routes[f"/crossref/works/10.5555%2Fok{MAILTO}"] = Answer(200, b"{}", delay=2.5)
    with pytest.raises(RegistryError, match="timed out"):
        Registries(fake.settings(deadline=4.0)).fetch(parse_identifier("doi:10.5555/ok"))


def test_refs_malformed_answer_is_a_registry_error(fake: FakeRegistries) -> None:
    fake.routes[f"/crossref/works/10.5555%2Fok{MAILTO}"] = Answer(200, b"<html>not json</html>")
    with pytest.raises(RegistryError, match="malformed"):
        Registries(fake.settings()).fetch(parse_identifier("doi:10.5555/ok"))


def test_refs_pubmed_esummary_carries_ncbi_tool_and_email(fake: FakeRegistries) -> None:
    path = "/eutils/esummary.fcgi?db=pubmed&id=11111111&retmode=json&tool=citeproof&email=editor%40clinic.example"
    fake.json(path, load(FAKE / "esummary-pubmed-11111111-retracted.json"))
    record = Registries(fake.settings()).fetch(parse_identifier("pmid:11111111"))
    work = read_record(record.source, record.response)
    assert work.item["author"] == [{"family": "Tester", "given": "A."}] and work.item["issued"] == {"date-parts": [[2019, 1]]}
    assert {n.kind for n in work.notices} == {"retraction"}


def test_refs_pmcid_follows_the_id_converter_to_the_doi_record(fake: FakeRegistries, tmp_path: Path) -> None:
    fake.json("/idconv/?ids=PMC0000001&format=json&tool=citeproof&email=editor%40clinic.example", load(FAKE / "idconv-PMC0000001.json"))
    crossref(fake, "10.5555/ok", "crossref-10.5555_ok.json")
    lock = Lock(tmp_path / "lock.json")
    assert fetch_into(lock, Registries(fake.settings()), parse_identifier("pmcid:PMC0000001"))
    found = resolve(lock, parse_identifier("pmcid:PMC0000001"))
    assert found is not None and found[0].item["title"] == "A sound study of walking" and found[0].item["PMCID"] == "PMC0000001"


def test_refs_web_page_metadata_is_the_pages_own(fake: FakeRegistries) -> None:
    html = (
        '<html><head><meta name="citation_title" content="Steps and Sleep">'
        '<meta name="citation_author" content="Tester, Ada"><meta property="og:site_name" content="Test News">'
        '<meta name="citation_publication_date" content="2024/05/06"></head><body>text</body></html>'
    )
    fake.routes["/page"] = Answer(200, html.encode(), {"Content-Type": "text/html"})
    record = Registries(fake.settings()).fetch(parse_identifier(f"url:{fake.base}/page"))
    item = read_record(record.source, record.response).item
    assert item["title"] == "Steps and Sleep" and item["author"] == [{"family": "Tester", "given": "Ada"}]
    assert item["container-title"] == "Test News" and item["issued"] == {"date-parts": [[2024, 5, 6]]}


def test_refs_add_writes_complete_entries_and_refuses_duplicates(fake: FakeRegistries, tmp_path: Path) -> None:
    crossref(fake, "10.5555/ok", "crossref-10.5555_ok.json")
    path = "/eutils/esummary.fcgi?db=pubmed&id=11111111&retmode=json&tool=citeproof&email=editor%40clinic.example"
    fake.json(path, load(FAKE / "esummary-pubmed-11111111-retracted.json"))
    bib_path = tmp_path / "bibliography.bib"
    bib_path.write_text(
        "% mine\n@article{kept,\n  title = {A study with a correction},\n  doi = {10.5555/corrected},\n}\n", encoding="utf-8"
    )
    lock = Lock(tmp_path / "references.lock.json")
    said: list[str] = []
    wanted = ["doi:10.5555/ok", "https://doi.org/10.5555/CORRECTED", "pmid:11111111"]
    outcome = add_references(
        bib_path, load_bibliography(bib_path), wanted, lock=lock, registries=Registries(fake.settings()), log=said.append
    )
    assert outcome.added == ["tester2020sound", "tester2019retracted"]
    assert outcome.problems == ["doi:10.5555/corrected is already in " + str(bib_path) + " as @kept; cite that key"]
    after = load_bibliography(bib_path)
    sound = after.get("tester2020sound")
    assert sound is not None and sound.entry_type == "article"
    assert dict(sound.fields) == {
        "author": "Tester, Ada", "title": "A sound study of walking", "date": "2020-05-01", "journaltitle": "Journal of Test Records",
        "volume": "1", "number": "2", "pages": "3--4", "doi": "10.5555/ok",
    }  # fmt: skip
    assert bib_path.read_text(encoding="utf-8").startswith("% mine\n@article{kept,")
    assert {str(r.identifier) for r in lock} == {"doi:10.5555/ok", "pmid:11111111"}


def test_refs_prober_headers_follow_redirects_but_credentials_keep_to_their_origin() -> None:
    """Prober.fetch(headers=...): every hop gets the Accept; the Authorization reaches the first origin only."""
    from citeproof.links.http import request_json

    first, other = FakeRegistries(), FakeRegistries()
    for server in (first, other):
        server.thread.start()
    try:
        first.routes["/start"] = Answer(302, b"", {"Location": first.base + "/same"})
        first.routes["/same"] = Answer(302, b"", {"Location": other.base + "/elsewhere"})
        other.json("/elsewhere", {"title": "arrived"})
        sent = {"Accept": CSL, "Authorization": "Bearer secret"}
        probe, data = request_json(Registries(first.settings()).prober, first.base + "/start", headers=sent)
        assert probe.status == 200 and data == {"title": "arrived"}
        assert [(p, h.get("accept"), h.get("authorization")) for p, h in first.headers] == [
            ("/start", CSL, "Bearer secret"),
            ("/same", CSL, "Bearer secret"),
        ]
        assert [(p, h.get("accept"), h.get("authorization")) for p, h in other.headers] == [("/elsewhere", CSL, None)]
    finally:
        for server in (first, other):
            server.server.shutdown()
            server.server.server_close()


def _config_for(fake: FakeRegistries) -> str:
    """[tool.citeproof.refs] pointing every registry at the fakes."""
    s = fake.settings()
    keys = ("crossref-api", "crosscite", "doi-resolver", "eutils", "idconv")
    config = '\n[tool.citeproof.refs]\nallow-private = true\nncbi-email = "editor@clinic.example"\n'
    return config + "".join(f'{key} = "{getattr(s, key.replace("-", "_"))}"\n' for key in keys)


def test_refs_add_of_a_retracted_work_says_so_at_once(fake: FakeRegistries, make_project: MakeProject) -> None:
    """Added as asked, but a retraction is said when the entry is added, not only at the next check (exit 1)."""
    path = "/eutils/esummary.fcgi?db=pubmed&id=11111111&retmode=json&tool=citeproof&email=editor%40clinic.example"
    fake.json(path, load(FAKE / "esummary-pubmed-11111111-retracted.json"))
    project = make_project(config=_config_for(fake))
    result = project.run("refs", "add", "pmid:11111111")
    assert "added @tester2019retracted" in result.err
    assert "RETRACTED" in result.err and result.code == 1, result.err


def test_refs_check_reports_an_unregistered_doi_in_the_report_at_its_line(fake: FakeRegistries, make_project: MakeProject) -> None:
    """A DOI no registry knows (most often a typo) is an error in the report, not only a line on stderr."""
    bib = (
        "@article{typo2021,\n  title = {A Study},\n  author = {Doe, Jane},\n  journal = {J},\n  year = {2021},\n  doi = {10.5555/nope}\n}\n"
    )
    project = make_project({"article": "---\ntitle: T\nnocite: '@*'\n---\n\nText.\n"}, bib=bib, config=_config_for(fake))
    result = project.run("refs", "check", "--format", "text")
    assert result.code == 1, result.out + result.err
    assert "bibliography.bib:6 [typo2021]: error: typo2021: doi:10.5555/nope is not registered" in result.out, result.out
