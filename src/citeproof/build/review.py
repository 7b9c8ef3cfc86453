"""Medical review and readiness to publish: one status per document, read from its front matter only.

``reviewed`` (an ISO date) and ``reviewer`` in the front matter are the only source, so
every product (web page, EPUB, handout, brochure) shows the same words. A review needs both:
a date without a name is not a review, and a date in the future is a mistake. A review older
than ``[tool.citeproof.review] interval-months`` is due again: a warning, and a reason a
release build refuses to run. So is front matter that still holds the text ``citeproof new``
wrote for the author to replace.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from citeproof.findings import Finding, Location, Severity
from citeproof.project.guards import iso_date, key_line, meta_plain

State = Literal["unreviewed", "current", "due"]


@dataclass(frozen=True)
class ReviewStatus:
    """Where one document stands: never reviewed, reviewed and current, or due for review again."""

    state: State
    reviewed: dt.date | None = None
    reviewer: str = ""
    due: dt.date | None = None
    problem: str = ""  # a ``reviewed`` value that is not a date, or a date in the future
    fix: str = "write the date of the medical review as YYYY-MM-DD"  # what to do about ``problem``

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
    """The status from the front matter values ``reviewed`` and ``reviewer`` (strings, dates or empty).

    Reviewed only with both a date and a name; a date without a name keeps its date
    (for the message) but stays unreviewed, so no product says "Medically reviewed".
    """
    name = str(reviewer or "").strip()
    if not isinstance(reviewed, dt.date) and not str(reviewed or "").strip():
        return ReviewStatus("unreviewed", reviewer=name)
    day = iso_date(reviewed)
    if day is None:
        return ReviewStatus("unreviewed", reviewer=name, problem=f"'reviewed' is {str(reviewed).strip()!r}, not a date like 2026-11-30")
    now = today or dt.date.today()
    if day > now:
        return ReviewStatus(
            "unreviewed",
            reviewer=name,
            problem=f"'reviewed' is {day}, a date in the future (today is {now})",
            fix="set it to the day the medical review was done",
        )
    if not name:
        return ReviewStatus("unreviewed", day)
    due = add_months(day, interval_months)
    state: State = "due" if now >= due else "current"
    return ReviewStatus(state, day, name, due)


def review_findings(status: ReviewStatus, path: str, *, release: bool = False, source: str = "") -> list[Finding]:
    """What a check or a build should say about ``status``: nothing when the review is current.

    With the document's ``source`` text, a finding about the date or the reviewer names its line.
    """
    where = Location(path)

    def at(key: str) -> Location:
        return Location(path, key_line(source, key)) if re.search(rf"^{key}[ \t]*:", source, flags=re.MULTILINE) else where

    if status.problem:
        return [Finding("error", "review-date", f"{status.problem}; {status.fix}", at("reviewed"))]
    if status.state == "unreviewed" and status.reviewed is not None:
        message = f"reviewed {status.reviewed} but 'reviewer' is empty: an unnamed review is not a review; say who reviewed it"
        return [Finding("error" if release else "warning", "reviewer-missing", message, at("reviewer"))]
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
                f"medical review due since {status.due}: last reviewed {status.reviewed} by {status.reviewer}; "
                "review it again and update 'reviewed'",
                where,
            )
        ]
    return []


# ``citeproof new`` fills every value the author must replace with text starting "TODO"
# (data/scaffold/article.md); TBD and FIXME are the other words authors leave for themselves.
_PLACEHOLDER = re.compile(r"(?:TODO|TBD|FIXME)\b")


def placeholder_findings(meta: Mapping[str, Any], text: str, display: str, *, strict: bool = False) -> list[Finding]:
    """Front matter values still holding placeholder text (pandoc's JSON ``meta``): warnings, errors when ``strict``.

    ``check`` passes ``strict`` for --strict and --release, so a release never publishes
    "TODO: what the reader learns from this article." as its description.
    """
    severity: Severity = "error" if strict else "warning"
    found = []
    for key, value in meta.items():
        words = meta_plain(value)
        if _PLACEHOLDER.match(words):
            shown = words if len(words) <= 60 else words[:57] + "..."
            found.append(
                Finding(
                    severity,
                    "placeholder",
                    f"'{key}' still holds placeholder text ({shown!r}); replace it with the real text before publishing",
                    Location(display, key_line(text, key)),
                )
            )
    return found
