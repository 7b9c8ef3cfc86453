"""Front matter that is wrong or unfinished fails at its Markdown line, before an engine prints it wrong.

A title, a ``lang`` that is a language tag and a ``date`` that is a calendar date are
required of every build and check; a review needs a past date and a reviewer's name; a
release refuses the placeholder text ``citeproof new`` writes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from citeproof.build.docmeta import review_text
from citeproof.build.locale import labels
from citeproof.build.review import ReviewStatus, placeholder_findings, review_findings, review_status
from citeproof.project.guards import front_matter_problems, is_language_tag, iso_date

from .conftest import MakeProject
from .test_init import run as _main

TODAY = dt.date(2026, 6, 1)
BODY = "\nMost adults need seven hours of sleep [@smith2024].\n"


def _doc(front: str) -> str:
    return f"---\n{front}---\n{BODY}"


# Language tags and dates


@pytest.mark.parametrize("tag", ["en", "en-US", "es-US", "es-419", "zh-Hant-TW", "en-GB-oxendict", "tlh", "EN", "en-US-x-clinic"])
def test_front_matter_language_tag_accepted(tag: str) -> None:
    assert is_language_tag(tag)


@pytest.mark.parametrize("tag", ["english", "en_US", "e", "", "en-", "123", "i-klingon", "en US"])
def test_front_matter_language_tag_refused(tag: str) -> None:
    assert not is_language_tag(tag)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-01-05", dt.date(2026, 1, 5)),
        (" 2026-01-05 ", dt.date(2026, 1, 5)),
        ("2026-01-05T10:30:00", None),  # pandoc would leave <time datetime> empty
        (dt.date(2026, 1, 5), dt.date(2026, 1, 5)),
        (dt.datetime(2026, 1, 5, 10, 30), dt.date(2026, 1, 5)),
        ("tomorrow", None),
        ("2026-13-45", None),
        ("2026-02-30", None),
        ("20260105", None),
        ("2026-1-5", None),
        ("2026-01-05 (approx.)", None),
    ],
)
def test_front_matter_iso_date(value: object, day: dt.date | None) -> None:
    assert iso_date(value) == day


def test_front_matter_problems_skip_a_missing_title_when_the_configuration_is_unknown() -> None:
    # At parse time the configuration (which may give the title) is not at hand.
    assert front_matter_problems({}, "Text.\n") == []
    (problem,) = front_matter_problems({}, "Text.\n", defaults={})
    assert problem.line == 1 and "no title" in problem.message
    assert front_matter_problems({}, "Text.\n", defaults={"title": "From the configuration"}) == []


# The medical review


def test_front_matter_review_dated_in_the_future_is_a_problem() -> None:
    status = review_status("2026-06-02", "Dr. A", interval_months=12, today=TODAY)
    assert status.draft and "a date in the future (today is 2026-06-01)" in status.problem
    (finding,) = review_findings(status, "a.md")
    assert (finding.severity, finding.rule) == ("error", "review-date")
    assert "set it to the day the medical review was done" in finding.message
    assert review_status("2026-06-01", "Dr. A", interval_months=12, today=TODAY).state == "current"


def test_front_matter_review_without_reviewer_is_not_a_review() -> None:
    status = review_status("2026-05-01", "  ", interval_months=12, today=TODAY)
    assert status.state == "unreviewed" and status.draft and status.reviewed == dt.date(2026, 5, 1)
    table = labels("en-US")
    assert review_text(status, table) == table["not-reviewed"]
    (finding,) = review_findings(status, "a.md")
    assert (finding.severity, finding.rule) == ("warning", "reviewer-missing")
    assert "an unnamed review is not a review" in finding.message
    assert review_findings(status, "a.md", release=True)[0].severity == "error"
    source = "---\ntitle: T\nreviewed: 2026-05-01\nreviewer: ''\n---\n"
    assert str(review_findings(status, "a.md", source=source)[0].location) == "a.md:4"


def test_front_matter_review_text_never_says_reviewed_without_a_name() -> None:
    table = labels("en-US")
    nameless = ReviewStatus("current", dt.date(2026, 5, 1), "", dt.date(2027, 5, 1))
    assert review_text(nameless, table) == table["not-reviewed"]
    named = ReviewStatus("current", dt.date(2026, 5, 1), "Dr. A", dt.date(2027, 5, 1))
    assert review_text(named, table) == "Medically reviewed May 1, 2026 by Dr. A"


def test_front_matter_placeholder_is_a_warning_then_an_error_when_strict() -> None:
    meta = {"description": {"t": "MetaInlines", "c": [{"t": "Str", "c": "TODO:"}, {"t": "Space"}, {"t": "Str", "c": "later"}]}}
    text = "---\ntitle: T\ndescription: >-\n  TODO: later\n---\n"
    (finding,) = placeholder_findings(meta, text, "a.md")
    assert (finding.severity, finding.rule, str(finding.location)) == ("warning", "placeholder", "a.md:3")
    assert "'description' still holds placeholder text ('TODO: later')" in finding.message
    assert placeholder_findings(meta, text, "a.md", strict=True)[0].severity == "error"
    todos = {"description": {"t": "MetaInlines", "c": [{"t": "Str", "c": "TODOs"}]}}
    assert placeholder_findings(todos, text, "a.md") == []  # a word that only starts like one


# Through the command line, with real pandoc (and typst where the tester saw it fail)


NO_TITLE = {
    "empty file": ("", "the document has no title: it does not start with front matter"),
    "no title key": ("---\nlang: en-US\n---\n" + BODY, "the front matter has no title; add a line 'title: ...'"),
    "a YAML list": ("---\n- a\n- b\n---\n" + BODY, "the front matter is not 'key: value' lines (a list?), so the document has no title"),
}


@pytest.mark.parametrize("case", NO_TITLE)
def test_front_matter_without_title_fails_build_and_check_at_line_1(make_project: MakeProject, case: str) -> None:
    text, message = NO_TITLE[case]
    project = make_project({"article": text})
    build = project.run("build")  # every product: the handout's typst used to fail on the empty heading
    assert build.code == 1
    assert f"manuscript/article.md:1: {message.split(';')[0]}" in build.err
    assert "typst" not in build.err.lower() and "Traceback" not in build.err
    assert not project.outputs()
    check = project.run("check")
    assert check.code == 1
    assert f"manuscript/article.md:1: error: {message}" in check.out


def test_front_matter_title_from_the_configuration_is_enough(make_project: MakeProject) -> None:
    config = '[[tool.citeproof.documents]]\nsource = "manuscript/article.md"\nmetadata = { title = "Sleep" }\n'
    project = make_project({"article": "---\nlang: en-US\n---\n" + BODY})
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace('documents = ["manuscript/*.md"]\n', "") + config, encoding="utf-8")
    build = project.run("build", "-f", "html")
    assert build.code == 0, build.err
    assert '<h1 class="title">Sleep</h1>' in (project.build / "article.html").read_text(encoding="utf-8")
    assert "front-matter" not in project.run("check").out


@pytest.mark.parametrize(
    ("front", "line", "message", "hint"),
    [
        ('title: ""\n', 2, "the front matter's title is empty", "write the article's title after 'title:'"),
        ("title: T\nlang: english\n", 3, "'lang' is 'english', not a language tag", "use a language tag such as en-US or es-US"),
        ("title: T\nlang: en_US\n", 3, "'lang' is 'en_US', not a language tag", "write en-US"),
        ("title: T\nlang: en-US\ndate: tomorrow\n", 4, "'date' is 'tomorrow', not a calendar date written YYYY-MM-DD", "write the day"),
        ("title: T\ndate: 2026-13-45\n", 3, "'date' is '2026-13-45', not a calendar date written YYYY-MM-DD", "write the day"),
    ],
)
def test_front_matter_bad_value_fails_build_and_check_at_its_line(
    make_project: MakeProject, front: str, line: int, message: str, hint: str
) -> None:
    project = make_project({"article": _doc(front)})
    for args in (("build",), ("check",)):
        result = project.run(*args)
        assert result.code == 1, args
        assert f"manuscript/article.md:{line}: {message}\n  hint: {hint}" in result.err, args
        assert "typst" not in result.err.lower()
    assert not project.outputs()


def test_front_matter_every_bad_value_is_listed_at_once(make_project: MakeProject) -> None:
    project = make_project({"article": _doc("title: T\nlang: english\ndate: 2026-02-30\n")})
    result = project.run("build", "-f", "html")
    assert result.code == 1
    assert "2 front matter problems:" in result.err
    assert "manuscript/article.md:3: 'lang'" in result.err and "manuscript/article.md:4: 'date'" in result.err


def test_front_matter_good_date_builds_and_shows_the_day(make_project: MakeProject) -> None:
    project = make_project({"article": _doc("title: T\ndate: 2026-01-05\n")})
    result = project.run("build", "-f", "html")
    assert result.code == 0, result.err
    assert '<time datetime="2026-01-05">January 5,\n2026</time>' in (project.build / "article.html").read_text(encoding="utf-8")


def test_front_matter_review_in_the_future_fails_check_and_build(make_project: MakeProject) -> None:
    # Far enough ahead that the real date cannot matter (the unit test above passes today=).
    project = make_project({"article": _doc("title: T\nreviewed: 2999-01-01\nreviewer: Dr. A\n")})
    check = project.run("check")
    assert check.code == 1
    assert "manuscript/article.md:3: error: 'reviewed' is 2999-01-01, a date in the future" in check.out
    release = project.run("build", "--release")
    assert release.code == 1
    assert "release refused" in release.err and "a date in the future" in release.err and "[review-date]" in release.err
    assert not project.outputs()


def test_front_matter_review_without_reviewer_is_a_draft_and_refused_for_release(make_project: MakeProject) -> None:
    project = make_project({"article": _doc("title: T\nreviewed: 2026-01-02\nreviewer: ''\n")})
    build = project.run("build", "-f", "html")
    assert build.code == 0, build.err
    html = (project.build / "article.html").read_text(encoding="utf-8")
    assert "Medically reviewed" not in html and "Not yet medically reviewed" in html and "draft-mark" in html
    check = project.run("check")
    assert "manuscript/article.md:4: warning: reviewed 2026-01-02 but 'reviewer' is empty: an unnamed review is not a review" in check.out
    release = project.run("build", "--release", "-f", "html")
    assert release.code == 1
    assert "manuscript/article.md:4: reviewed 2026-01-02 but 'reviewer' is empty" in release.err and "[reviewer-missing]" in release.err


@pytest.fixture
def scaffolded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``citeproof init`` then ``citeproof new``: an article exactly as the scaffold writes it."""
    monkeypatch.chdir(tmp_path)
    assert _main("-q", "init").code == 0
    assert _main("-q", "new", "Managing high blood pressure").code == 0
    return tmp_path


def test_front_matter_placeholder_from_citeproof_new_warns_and_stops_a_release(scaffolded: Path) -> None:
    where = "manuscript/managing-high-blood-pressure.md:6"  # description: >- (data/scaffold/article.md)
    check = _main("check", "managing-high-blood-pressure")
    assert check.code == 0, check.out
    assert f"{where}: warning: 'description' still holds placeholder text ('TODO: what the reader learns" in check.out
    strict = _main("check", "--strict", "managing-high-blood-pressure")
    assert strict.code == 1 and f"{where}: error: 'description' still holds placeholder text" in strict.out
    release = _main("build", "--release", "managing-high-blood-pressure")
    assert release.code == 1
    assert f"{where}: 'description' still holds placeholder text" in release.err and "[placeholder]" in release.err
    everything = _main("check")
    assert not [line for line in everything.out.splitlines() if "getting-started" in line and "placeholder" in line]


def test_front_matter_a_numeric_region_builds_the_pdf_and_the_epub_cover(make_project: MakeProject) -> None:
    """es-419 (Latin American Spanish) is a valid tag; typst takes only two-letter regions, so it gets none."""
    project = make_project({"article": _doc("title: T\nlang: es-419\n")}, config='formats = ["pdf", "epub"]\n')
    result = project.run("build")
    assert result.code == 0, result.err
    assert {p.suffix for p in project.outputs()} == {".pdf", ".epub"}
