"""URL extraction from a real pandoc-parsed document and cited .bib entries; settings; findings."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import panflute as pf
import pypandoc
import pytest

from citeproof.errors import ConfigError
from citeproof.findings import Location
from citeproof.links.verdicts import HostLimit, LinkResult, LinkSettings, LinkTarget, doi_target, extract_targets, results_to_findings

SOURCE = """\
# Vaccines

See the [WHO page](https://www.who.int/news) and the
[trial](https://doi.org/10.1056/NEJMoa2034577).

![Figure 1](https://example.org/fig1.png)

Local [figure](figures/a.png), an [anchor](#methods) and [mail](mailto:editor@example.org).

Again the [WHO page](https://www.who.int/news), then a [reference][ref].

[ref]: https://example.org/ref-target
"""


@dataclass(frozen=True)
class Entry:
    key: str
    entry_type: str
    fields: Mapping[str, str] = field(default_factory=dict)
    line: int = 1


def test_links_extract_from_a_pandoc_document_with_lines_and_merged_duplicates() -> None:
    doc = pf.load(io.StringIO(pypandoc.convert_text(SOURCE, "json", format="markdown")))
    entries = [
        Entry("polack2020", "article", {"doi": "10.1056/NEJMoa2034577", "url": "https://www.nejm.org/doi/full/10.1056/NEJMoa2034577"}, 4),
        Entry("who2024", "online", {"URL": "https://www.who.int/news"}, 12),
        Entry("uncited", "online", {"url": "https://never.example/"}, 20),
        Entry("latex", "online", {"url": r"https://example.org/a\_b?x=1\&y=2"}, 25),
    ]
    targets = extract_targets(doc, SOURCE, "article.md", entries, "refs.bib", {"polack2020", "who2024", "latex"})
    by_url = {t.url: t.origins for t in targets}
    assert list(by_url) == [
        "https://www.who.int/news",
        "doi:10.1056/NEJMoa2034577",
        "https://example.org/fig1.png",
        "mailto:editor@example.org",
        "https://example.org/ref-target",
        "https://www.nejm.org/doi/full/10.1056/NEJMoa2034577",
        "https://example.org/a_b?x=1&y=2",
    ]
    assert by_url["https://www.who.int/news"] == (
        Location("article.md", 3), Location("article.md", 10), Location("refs.bib", 12, key="who2024"),
    )  # fmt: skip
    assert by_url["doi:10.1056/NEJMoa2034577"] == (Location("article.md", 4), Location("refs.bib", 4, key="polack2020"))
    assert by_url["https://example.org/fig1.png"] == (Location("article.md", 6),)
    assert by_url["https://example.org/ref-target"] == (Location("article.md", 12),)


def test_links_extract_adds_extra_targets_and_merges_them() -> None:
    doc = pf.Doc(pf.Para(pf.Link(pf.Str("x"), url="https://example.org/logo.png")))
    extra = [LinkTarget("https://example.org/logo.png", (Location("pyproject.toml", key="links.logo"),)),
             LinkTarget("https://qr.example.org/", (Location("pyproject.toml"),))]  # fmt: skip
    targets = extract_targets(doc, "", "a.md", [], "refs.bib", set(), extra=extra)
    assert [(t.url, len(t.origins)) for t in targets] == [("https://example.org/logo.png", 2), ("https://qr.example.org/", 1)]
    assert targets[0].origins[0] == Location("a.md", None)  # not in the source text: no line rather than a wrong one


@pytest.mark.parametrize("raw", ["10.1000/182", "doi:10.1000/182", "https://doi.org/10.1000/182", "http://dx.doi.org/10.1000%2F182"])
def test_links_doi_target_normalises_every_spelling(raw: str) -> None:
    assert doi_target(raw) == "doi:10.1000/182"


def test_links_settings_from_mapping_reads_every_key(tmp_path: Path) -> None:
    settings = LinkSettings.from_mapping(
        {
            "connect-timeout": 3,
            "read_timeout": 4.5,
            "concurrency": 10,
            "per-host": 2,
            "retries": 0,
            "deadline": "2m",
            "cache-max-age": "12h",
            "cache": "links-cache.json",
            "exclude": [r"example\.com"],
            "blocked-policy": "ignore",
            "hosts": {"api.example.org": {"concurrency": 1, "rate": 0.5}},
            "suggest-archive": True,
            "doi-resolver": "http://127.0.0.1:9/",
        },
        build_dir=tmp_path,
    )
    assert (settings.connect_timeout, settings.read_timeout, settings.deadline, settings.cache_max_age) == (3.0, 4.5, 120.0, 43200.0)
    assert settings.cache_path == tmp_path / "links-cache.json"
    assert settings.limit_for("api.example.org:443") == HostLimit(1, 0.5)
    assert settings.limit_for("other.org") == HostLimit(2)
    assert LinkSettings.from_mapping({}, build_dir=tmp_path).cache_path == tmp_path / ".cache" / "links.json"
    assert LinkSettings.from_mapping({"cache": False}, build_dir=tmp_path).cache_path is None


def test_links_settings_list_every_problem_at_once(tmp_path: Path) -> None:
    raw = {"read-timout": 5, "connect-timeout": "abc", "retries": -1, "exclude": ["("], "blocked-policy": "maybe",
           "hosts": {"x.org": {"concurrency": 0}}, "allow-private": "yes", "doi-resolver": "doi.org"}  # fmt: skip
    with pytest.raises(ConfigError) as info:
        LinkSettings.from_mapping(raw, build_dir=tmp_path)
    problems = info.value.problems
    assert len(problems) == len(raw)
    text = "\n".join(problems)
    assert "'tool.citeproof.links.read-timout': unknown key; did you mean 'read-timeout'?" in text
    assert "'tool.citeproof.links.connect-timeout': expected a positive number of seconds" in text
    assert "got 'abc'" in text and "regular expression" in text and "'warn', 'error' or 'ignore'" in text
    assert "http(s) URL" in text and "true or false" in text and "concurrency >= 1" in text


def test_links_findings_one_per_origin_with_severity_by_verdict() -> None:
    two = (Location("a.md", 1), Location("refs.bib", 5, key="k"))
    results = [
        LinkResult("https://gone.example/", two, "broken", "HTTP 404", chain=(("HEAD", "https://gone.example/", 404),)),
        LinkResult("https://old.example/", two[:1], "redirected", suggestion="https://new.example/"),
        LinkResult("https://x.example/p#s", two[:1], "broken-fragment", "no id or name 's' on the page"),
        LinkResult("https://fine.example/", two, "ok"),
    ]
    findings = results_to_findings(results, strict=False)
    assert [(f.severity, f.rule, f.location.line) for f in findings] == [
        ("error", "link-broken", 1), ("error", "link-broken", 5), ("warning", "link-redirected", 1),
        ("warning", "link-broken-fragment", 1),
    ]  # fmt: skip
    assert "moved permanently to https://new.example/" in findings[2].message
    assert findings[0].extra["evidence"].startswith("HEAD 404 https://gone.example/")
    json.dumps([f.to_dict() for f in findings])  # findings must serialise for --format json
    assert {f.severity for f in results_to_findings(results, strict=True)} == {"error"}
