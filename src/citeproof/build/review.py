"""Medical review: one status per document, read from its front matter only.

``reviewed`` (an ISO date) and ``reviewer`` in the front matter are the only source, so
every product (web page, EPUB, handout, brochure) shows the same words. A review older than
``[tool.citeproof.review] interval-months`` is due again: a warning, and a reason a release
build refuses to run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from citeproof.findings import Finding, Location, Severity

State = Literal["unreviewed", "current", "due"]


@dataclass(frozen=True)
class ReviewStatus:
    """Where one document stands: never reviewed, reviewed and current, or due for review again."""

    state: State
    reviewed: dt.date | None = None
    reviewer: str = ""
    due: dt.date | None = None
    problem: str = ""  # a ``reviewed`` value that is not a date

    @property
    def draft(self) -> bool:
        """Whether the outputs must carry the "not yet medically reviewed" mark."""
        return self.state == "unreviewed"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; the 31st becomes the month's last day when it has no 31st."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def review_status(reviewed: object, reviewer: object, *, interval_months: int, today: dt.date | None = None) -> ReviewStatus:
    """The status from the front matter values ``reviewed`` and ``reviewer`` (strings, dates or empty)."""
    name = str(reviewer or "").strip()
    if isinstance(reviewed, dt.datetime):
        day: dt.date = reviewed.date()
    elif isinstance(reviewed, dt.date):
        day = reviewed
    else:
        text = str(reviewed or "").strip()
        if not text:
            return ReviewStatus("unreviewed", reviewer=name)
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError:
            return ReviewStatus("unreviewed", reviewer=name, problem=f"'reviewed' is {text!r}, not a date like 2026-11-30")
    due = add_months(day, interval_months)
    state: State = "due" if (today or dt.date.today()) >= due else "current"
    return ReviewStatus(state, day, name, due)


def review_findings(status: ReviewStatus, path: str, *, release: bool = False) -> list[Finding]:
    """What a check or a build should say about ``status``: nothing when the review is current."""
    where = Location(path)
    if status.problem:
        return [Finding("error", "review-date", f"{status.problem}; write the date of the medical review as YYYY-MM-DD", where)]
    if status.state == "unreviewed":
        severity: Severity = "error" if release else "info"
        return [
            Finding(severity, "unreviewed", "not yet medically reviewed: set 'reviewed' (a date) and 'reviewer' in the front matter", where)
        ]
    if status.state == "due":
        return [
            Finding(
                "error" if release else "warning",
                "review-due",
                f"medical review due since {status.due}: last reviewed {status.reviewed}"
                + (f" by {status.reviewer}" if status.reviewer else "")
                + "; review it again and update 'reviewed'",
                where,
            )
        ]
    if not status.reviewer:
        return [Finding("warning", "reviewer-missing", f"reviewed {status.reviewed} but 'reviewer' is empty: say who reviewed it", where)]
    return []
