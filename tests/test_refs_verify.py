"""Verification of .bib entries against locked registry records, offline: findings at the .bib line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from citeproof.errors import BibliographyError, ConfigError
from citeproof.findings import Finding
from citeproof.project.bibliography import load_bibliography, parse_bibliography
from citeproof.refs.fix import fix_bibliography
from citeproof.refs.identifiers import Identifier, IdentifierError, parse_identifier
from citeproof.refs.lock import load_lock
from citeproof.refs.retractionwatch import load_retraction_watch
from citeproof.refs.settings import refs_settings
from citeproof.refs.verify import check_references
from tests.test_refs_fakes import DATA, article_lock, fake_lock

BEFORE = DATA / "article-before.bib"


def line_of(path: Path, text: str, after: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines[start:], start) if text in line) + 1


def by_rule(findings: list[Finding], rule: str, key: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule and f.location.key == key]


def test_refs_identifier_forms_normalise_to_one_key() -> None:
    assert parse_identifier("doi:10.1111/ADD.70073") == Identifier("doi", "10.1111/add.70073")
    assert parse_identifier("https://doi.org/10.1111/add.70073") == Identifier("doi", "10.1111/add.70073")
    assert parse_identifier("pmcid:12452417") == Identifier("pmcid", "PMC12452417")
    assert str(parse_identifier("pmid:40294641")) == "pmid:40294641"
    assert parse_identifier("url:https://example.org/a").kind == "url"
    for bad in ("doi:11.1/x", "pmid:abc", "pmcid:PMCx", "url:ftp://x", "nonsense"):
        with pytest.raises(IdentifierError):
            parse_identifier(bad)


def test_refs_truncated_title_is_a_mismatch_at_the_title_line(tmp_path: Path) -> None:
    bib = load_bibliography(BEFORE)
    findings = check_references(bib, article_lock(tmp_path / "lock.json"))
    [title] = by_rule(findings, "ref-title-mismatch", "wiley2025landscape")
    assert title.severity == "error"
    assert "is truncated" in title.message and "perspectives on current treatment options" in title.message
    assert title.location.line == line_of(BEFORE, "title", "@article{wiley2025landscape")


def test_refs_missing_author_and_organisation_as_author(tmp_path: Path) -> None:
    findings = check_references(load_bibliography(BEFORE), article_lock(tmp_path / "lock.json"))
    [missing] = by_rule(findings, "ref-missing-field", "tandf2025breaking")[:1]
    assert "no author" in missing.message and "Lomas" in missing.message
    assert missing.location.line == line_of(BEFORE, "@article{tandf2025breaking", "tandf2025breaking")
    [org] = by_rule(findings, "ref-organisation-author", "pmc12452417")
    assert "National Institutes of Health" in org.message and "Thomas" in org.message
    assert org.location.line == line_of(BEFORE, "organization", "@online{pmc12452417")


def test_refs_completeness_gaps_without_a_record(tmp_path: Path) -> None:
    findings = check_references(load_bibliography(BEFORE), article_lock(tmp_path / "lock.json"))
    assert {f.message.split(": ", 1)[1].split(";")[0] for f in by_rule(findings, "ref-incomplete", "ijcmph2025neuro")} == {
        "a journal article without authors",
        "a journal article without a DOI or pages",
    }
    assert by_rule(findings, "ref-incomplete", "youtube2025misuse")[0].message.startswith("youtube2025misuse: a video without its uploader")


def fake_entry(key: str, title: str, identifier: str) -> str:
    """A complete test entry for the invented records of tests/data/refs/fake."""
    return (
        f"@article{{{key},\n  author = {{Tester, Ada}},\n  title = {{{title}}},\n  date = {{2020}},\n"
        f"  journaltitle = {{Journal of Test Records}},\n  volume = {{1}},\n  number = {{2}},\n  pages = {{3--4}},\n  {identifier},\n}}\n"
    )


def test_refs_retraction_is_an_error_naming_the_notice(tmp_path: Path) -> None:
    bib_path = tmp_path / "refs.bib"
    bib_path.write_text(fake_entry("tester2020", "A study that was retracted", "doi = {10.5555/retracted}"), encoding="utf-8")
    [finding] = check_references(load_bibliography(bib_path), fake_lock(tmp_path / "lock.json"))
    assert finding.severity == "error" and finding.rule == "ref-retracted"
    assert "doi:10.5555/retraction-notice" in finding.message and "2024-03-01" in finding.message
    assert finding.location.line == 9  # the doi field


def test_refs_correction_and_expression_of_concern_are_warnings(tmp_path: Path) -> None:
    bib_path = tmp_path / "refs.bib"
    bib_path.write_text(fake_entry("tester2020", "A study with a correction", "doi = {10.5555/corrected}"), encoding="utf-8")
    findings = check_references(load_bibliography(bib_path), fake_lock(tmp_path / "lock.json"))
    assert sorted((f.rule, f.severity) for f in findings) == [("ref-corrected", "warning"), ("ref-expression-of-concern", "warning")]


def test_refs_pubmed_retracted_publication_type_is_an_error(tmp_path: Path) -> None:
    bib_path = tmp_path / "refs.bib"
    bib_path.write_text(
        "@article{tester2019,\n  author = {Tester, A.},\n  title = {A Retracted Trial of Testing},\n  date = {2019},\n"
        "  journaltitle = {Journal of Test Records},\n  pages = {10--20},\n  pmid = {11111111},\n}\n",
        encoding="utf-8",
    )
    findings = check_references(load_bibliography(bib_path), fake_lock(tmp_path / "lock.json"))
    assert [f.rule for f in findings if f.severity == "error"] == ["ref-retracted", "ref-retracted"]
    assert any("pmid:22222222" in f.message for f in findings)


def test_refs_retraction_watch_csv_is_read_offline(tmp_path: Path) -> None:
    bib_path = tmp_path / "refs.bib"
    bib_path.write_text(fake_entry("tester2020", "A Sound Study of Walking", "doi = {10.5555/ok}"), encoding="utf-8")
    lock = fake_lock(tmp_path / "lock.json")
    assert check_references(load_bibliography(bib_path), lock) == []
    notices = load_retraction_watch(DATA / "retraction-watch.csv")
    [finding] = check_references(load_bibliography(bib_path), lock, retractions=notices)
    assert finding.rule == "ref-retracted" and "per retraction-watch" in finding.message and "2024-02-29" in finding.message


def test_refs_fix_round_trips_without_losing_user_fields(tmp_path: Path) -> None:
    path = tmp_path / "bibliography.bib"
    shutil.copy(BEFORE, path)
    text = path.read_text(encoding="utf-8").replace(
        "  doi          = {10.1111/add.70073},", "  doi          = {10.1111/add.70073},\n  note         = {Read in clinic, 2025},"
    )
    path.write_text(text, encoding="utf-8")
    lock = article_lock(tmp_path / "lock.json")
    fix = fix_bibliography(load_bibliography(path), lock, text)
    assert "+  title        = {The landscape of ketamine use disorder: Patient experiences" in fix.diff
    path.write_text(fix.text, encoding="utf-8")
    after = load_bibliography(path)
    wiley = after.get("wiley2025landscape")
    assert wiley is not None
    assert wiley.fields["note"] == "Read in clinic, 2025" and wiley.fields["publisher"] == "Wiley"  # the writer's own fields
    assert wiley.fields["journaltitle"] == "Addiction" and wiley.fields["pages"] == "1970--1979"
    assert "% Title as given (truncated in the article)." in fix.text  # comments kept
    assert {e.key for e in after.entries} == {e.key for e in load_bibliography(BEFORE).entries}  # keys kept
    findings = check_references(after, lock)
    assert not [f for f in findings if f.rule in {"ref-title-mismatch", "ref-author-mismatch", "ref-missing-field"}]
    assert fix_bibliography(after, lock, fix.text).changed == {}  # a second --fix changes nothing


def test_refs_csl_json_and_yaml_bibliographies_give_lines(tmp_path: Path) -> None:
    json_path = tmp_path / "refs.json"
    json_path.write_text(
        '[\n  {\n    "id": "a",\n    "type": "article-journal",\n    "title": "T"\n  },\n  {\n    "id": "a",\n    "title": "U"\n  }\n]\n'
    )
    bib, problems = parse_bibliography(json_path)
    assert [(e.key, e.entry_type, e.line) for e in bib.entries] == [("a", "article", 3)]
    assert problems[0].rule == "duplicate-key" and problems[0].location.line == 8
    yaml_path = tmp_path / "refs.yaml"
    yaml_path.write_text("references:\n- id: b\n  type: webpage\n  title: Page\n  URL: https://example.org\n")
    bib, problems = parse_bibliography(yaml_path)
    assert [(e.key, e.entry_type, e.line, e.fields["url"]) for e in bib.entries] == [("b", "online", 2, "https://example.org")]
    bad = tmp_path / "bad.json"
    bad.write_text("@article{x, title={T}}")
    with pytest.raises(BibliographyError, match="not valid CSL JSON"):
        parse_bibliography(bad)


def test_refs_lock_round_trips_and_refuses_an_edited_record(tmp_path: Path) -> None:
    lock = article_lock(tmp_path / "references.lock.json")
    lock.save()
    first = lock.path.read_text(encoding="utf-8")
    again = load_lock(lock.path)
    again.save()
    assert lock.path.read_text(encoding="utf-8") == first  # byte-identical
    lock.path.write_text(first.replace('"Addiction"', '"Addict"'), encoding="utf-8")
    with pytest.raises(BibliographyError, match="sha256"):
        load_lock(lock.path)


def test_refs_settings_report_every_bad_key_at_once(tmp_path: Path) -> None:
    settings = refs_settings({"email": "editor@clinic.example", "retractions": "rw.csv"}, tmp_path)
    assert settings.ncbi_email == "editor@clinic.example" and settings.retraction_watch == tmp_path / "rw.csv"
    assert settings.lock == tmp_path / "references.lock.json"
    with pytest.raises(ConfigError) as caught:
        refs_settings({"ncbi-emial": "x", "timeout": "abc", "ncbi-email": "nobody"}, tmp_path)
    assert len(caught.value.problems) == 3
    assert "did you mean 'ncbi-email'?" in caught.value.problems[0]


@pytest.mark.parametrize(
    ("kind", "fields", "item", "said"),
    [
        # found by an outside verifier: an organisation's news story dated by year only was not reported
        ("online", {"author": "{University of California San Diego}", "date": "2025", "url": "https://x.org"}, {}, "dated by year only"),
        ("video", {"author": "{Channel}", "date": "2025", "url": "https://x.org"}, {}, "a video dated by year only"),
        # PubMed's esummary gives 'source' (the NLM abbreviation) and, usually, 'fulljournalname'
        (
            "article",
            {"author": "Doe, J.", "journaltitle": "J Subst Use Addict Treat", "doi": "10.5555/x"},
            {"container-title": "J Subst Use Addict Treat", "container-title-short": "J Subst Use Addict Treat"},
            "named only by its abbreviation",
        ),
    ],
)
def test_refs_completeness_names_dates_and_journals_a_reader_cannot_use(
    kind: str, fields: dict[str, str], item: dict[str, str], said: str
) -> None:
    from citeproof.project.bibliography import BibEntry
    from citeproof.refs.completeness import completeness_gaps

    gaps = completeness_gaps(BibEntry(key="k", entry_type=kind, fields=fields, line=1), item)
    assert any(said in what for _, what in gaps), gaps
    full = {"container-title": "Journal of Examples", "container-title-short": "J Ex"}
    assert not completeness_gaps(BibEntry("k", "article", {"author": "Doe, J.", "doi": "10.5555/x"}, 1), full)
