"""The claim check's verdicts: one per sentence and unit, the counts, and ``--explain``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from citeproof.findings import Finding

from .model import Score


@dataclass(frozen=True)
class SentenceVerdict:
    """What the check decided about one sentence, and why."""

    text: str
    line: int | None
    exact: bool  # False: the line is the unit's, or the last place known
    claim: bool
    score: Score
    rule: str  # the rule a finding would be named after
    cited_by: tuple[str, ...]  # the citation keys that cover it
    waived: bool  # inside a .no-claim mark
    gap: bool  # inside a .needs-source mark
    status: str  # not-a-claim, cited, uncited, waived, open-gap

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentence": self.text,
            "line": self.line,
            "claim": self.claim,
            "score": round(self.score.score, 3),
            "deciding": [{"feature": name, "weight": round(value, 3)} for name, value in self.score.deciding],
            "rule": self.rule if self.claim else None,
            "cited_by": list(self.cited_by),
            "waived": self.waived,
            "gap": self.gap,
            "status": self.status,
        }


@dataclass(frozen=True)
class UnitVerdict:
    """A unit (paragraph, list item, ...) and its sentences' verdicts."""

    kind: str
    line: int | None
    exact: bool
    sentences: tuple[SentenceVerdict, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.kind,
            "line": self.line,
            "line_approximate": not self.exact,
            "sentences": [s.to_dict() for s in self.sentences],
        }


@dataclass(frozen=True)
class ClaimSummary:
    """Counts for the report line; ``claims == cited + uncited + waived + open_gaps`` (all sentences)."""

    units: int = 0
    sentences: int = 0
    claims: int = 0
    cited: int = 0
    uncited: int = 0
    waived: int = 0
    open_gaps: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "units": self.units,
            "sentences": self.sentences,
            "claims": self.claims,
            "cited": self.cited,
            "uncited": self.uncited,
            "waived": self.waived,
            "open_gaps": self.open_gaps,
        }


@dataclass
class ClaimAudit:
    """Everything one document's claim check found."""

    findings: list[Finding] = field(default_factory=list)
    summary: ClaimSummary = field(default_factory=ClaimSummary)
    units: list[UnitVerdict] = field(default_factory=list)


def explain_lines(path: str, verdicts: Iterable[UnitVerdict]) -> Iterable[str]:
    """``--explain``: every unit and sentence with its verdict, score and deciding features."""
    for unit in verdicts:
        where = f"{path}:{unit.line}" if unit.line is not None else path
        yield f"{where}: {unit.kind}" + ("" if unit.exact else " (line approximate)")
        for sentence in unit.sentences:
            cited = f" by {', '.join('@' + k for k in sentence.cited_by)}" if sentence.status == "cited" else ""
            text = sentence.text if len(sentence.text) <= 70 else sentence.text[:69] + "…"
            marks = " [waived]" if sentence.waived else ""
            yield f"  {sentence.line or '?':>4} {sentence.status + cited:24} {sentence.score.explain():58} {text}{marks}"
