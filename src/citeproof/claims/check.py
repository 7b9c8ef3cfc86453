"""Which sentences make claims, which citations cover them, and where they are in the source.

A *unit* (paragraph, list item, block-quote paragraph, table cell, definition, footnote;
see :mod:`citeproof.claims.units`) is split into sentences
(:mod:`citeproof.claims.sentences`). Each sentence gets a score from the claim model
(:mod:`citeproof.claims.model`) and a verdict:

* ``not-a-claim``: the score is below the model's threshold;
* ``cited``: a citation covers it (its own, or by the citation scope a later one);
* ``uncited``: an error, at the sentence's own line;
* ``waived``: inside ``[...]{.no-claim}`` (or a ``.no-claim`` Div): info, never cited;
* ``open-gap``: marked ``.needs-source``: a warning (an error with ``strict``).

Quotations are claims by rule; one that names nobody needs a citation in its own
sentence, and no waiver makes it acceptable. A block quote is a quotation whatever its
words. Pandoc's Markdown reader gives no source positions, so each unit and then each
sentence is found in the source by its text (:class:`SourceLocator`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from citeproof.findings import Finding, Location, Severity
from citeproof.project.sourcelines import SourceLocator

from .features import FEATURES, clauses, states
from .model import Model, Score, load_model, score_sentence
from .rules import CLAIM, QUOTATION, RULES, UNATTRIBUTED_QUOTATION, Quotation, quotations
from .sentences import Piece, coverage, pieces

if TYPE_CHECKING:
    import panflute as pf
from .settings import ClaimSettings
from .units import GAP_CLASS, WAIVE_CLASS, Unit, gc_paused, units
from .verdicts import ClaimAudit, ClaimSummary, SentenceVerdict, UnitVerdict

__all__ = [
    "GAP_CLASS",
    "WAIVE_CLASS",
    "ClaimAudit",
    "ClaimSettings",
    "ClaimSummary",
    "audit_ast",
    "check_ast",
    "check_document",
]

GAP_RULE = "needs-source"
WAIVE_RULE = "no-claim"
_EXCERPT = 80  # characters of a sentence quoted in a finding
_NOT_QUOTING = frozenset(("form:question", "form:imperative", "form:imperative-shape", "form:advice"))
# Units where a sentence need not end with a full stop: "- Exercise cuts blood pressure" is a
# sentence there, and "- Walking shoes" a label, while in a paragraph both would be fragments.
_OPEN_ENDED = frozenset(("list-item", "table-cell", "definition"))
_ENDS = (".", "!", "?", ":")
_RULE_FEATURES = {f"rule:{name}": name for name in RULES}
# the rule features in the order FEATURES lists them: the first one a sentence has names its finding
_RULE_ORDER = tuple((name, _RULE_FEATURES[name]) for name in FEATURES if name in _RULE_FEATURES)


def check_document(doc: pf.Doc, source_text: str, path: str, settings: ClaimSettings) -> tuple[list[Finding], ClaimSummary]:
    """Find uncited claims in a panflute ``doc`` (read before citeproc); see :func:`check_ast`."""
    return check_ast(doc.to_json(), source_text, path, settings)


def check_ast(ast: Mapping[str, Any], source_text: str, path: str, settings: ClaimSettings) -> tuple[list[Finding], ClaimSummary]:
    """Find uncited claims in pandoc's JSON ``ast`` (read before citeproc) and place them on ``source_text`` lines."""
    audit = audit_ast(ast, source_text, path, settings)
    return audit.findings, audit.summary


def audit_ast(ast: Mapping[str, Any], source_text: str, path: str, settings: ClaimSettings, model: Model | None = None) -> ClaimAudit:
    """The findings, the counts and a verdict for every unit and sentence of ``ast``."""
    with gc_paused():
        return _Auditor(source_text, path, settings, model or load_model()).run(ast)


def _as_read(kind: str, sentence: str) -> str:
    """The sentence as the model reads it: in a list item or table cell, a statement with no end mark gets its full stop.

    Only a clause with a subject and a finite verb (:func:`~citeproof.claims.features.states`)
    gets one; a noun phrase, a question without its mark or an instruction stays as written,
    and its missing full stop still reads as a fragment. A trailing ``;`` or ``,`` (items
    that run on as one sentence) gives way to the full stop.
    """
    if kind not in _OPEN_ENDED or sentence.rstrip("\"')]” ").endswith(_ENDS):
        return sentence
    body = sentence.rstrip(";, ")
    return body + "." if body and states(clauses(body)[-1][0]) else sentence


def _shorten(text: str) -> str:
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1].rsplit(" ", 1)[0] + " ..."


_NON_ALNUM = re.compile(r"[\W_]+")  # the reduction SourceLocator applies to the source
_SLACK = 400  # characters of markup (link targets, attributes, citation keys) a unit's source may add


class _Locator(SourceLocator):
    """The source locator, plus where a sentence of a unit starts (searched without moving on)."""

    def position(self, text: str, start: int, end: int) -> int | None:
        """Where ``text`` starts in the reduced source, between ``start`` and ``end``."""
        norm = _NON_ALNUM.sub("", text[:200].lower())
        for size in (40, 20, 10):
            if norm[:size]:
                found = self._stream.find(norm[:size], start, end + size)
                if found >= 0:
                    return found
        return None


@dataclass
class _Auditor:
    source_text: str
    path: str
    settings: ClaimSettings
    model: Model
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def run(self, ast: Mapping[str, Any]) -> ClaimAudit:
        locator = _Locator(self.source_text)
        self.counts = dict.fromkeys(("units", "sentences", "claims", "cited", "uncited", "waived", "open_gaps"), 0)
        where: dict[int, int] = {}  # id(unit) -> stream position, for its footnotes' searches
        verdicts: list[UnitVerdict] = []
        for unit in units(ast["blocks"], lead_in_covers_items=self.settings.lead_in_covers_items):
            origin = locator.cursor if unit.parent is None else where.get(id(unit.parent), locator.cursor)
            locate = "".join(unit.locate)
            if unit.parent is None:
                line, exact = locator.find(locate)
            else:  # a footnote's text may sit anywhere after its mark: search without moving on
                line, exact = locator.find(locate, start=origin)
            if unit.notes:
                where[id(unit)] = locator.cursor
            self.counts["units"] += 1
            sentences = self._unit(unit, line, exact, locator, origin)
            verdicts.append(UnitVerdict(unit.kind, line, exact, tuple(sentences)))
        return ClaimAudit(self.findings, ClaimSummary(**self.counts), verdicts)

    def _unit(self, unit: Unit, line: int | None, exact: bool, locator: _Locator, origin: int) -> list[SentenceVerdict]:
        text = "".join(unit.text)
        own = pieces(unit.text, unit.cite_at, unit.cite_keys, unit.gap_at)
        covers = coverage([p.keys for p in own], self.settings.citation_scope)
        quotes = quotations(text)
        found: list[SentenceVerdict] = []
        position = origin
        # a sentence is searched for only inside its unit's stretch of the source
        searched = len(own) > 1 or bool(unit.waived_text)
        limit = origin + len(_NON_ALNUM.sub("", "".join(unit.locate).lower())) + _SLACK if searched else origin
        sentence_line, sentence_exact = line, exact
        for index, piece in enumerate(own):
            cited_by = covers[index] or unit.covered
            if len(own) > 1:
                at = locator.position(piece.text, position, limit)
                if at is not None:
                    position = at + 1  # a repeated sentence is found again further on
                    sentence_line, sentence_exact = locator.line_at(at), exact
                elif index > 0:  # the line of the sentence before: the last place known
                    sentence_exact = False
            quote = next((q for q in quotes if piece.start <= q.start < piece.end), None)
            found.append(self._sentence(unit, piece, cited_by, quote, (sentence_line, sentence_exact), waived=False))
        if unit.waived_text:
            waived = "".join(unit.waived_text)
            waived_quotes = quotations(waived)
            for piece in pieces([waived], [], []):
                quote = next((q for q in waived_quotes if piece.start <= q.start < piece.end), None)
                at = locator.position(piece.text, origin, limit)
                place = (line, exact) if at is None else (locator.line_at(at), exact)
                found.append(self._sentence(unit, piece, (), quote, place, waived=True))
        return found

    def _sentence(
        self, unit: Unit, piece: Piece, cited_by: tuple[str, ...], quote: Quotation | None, place: tuple[int | None, bool], *, waived: bool
    ) -> SentenceVerdict:
        line, exact = place
        self.counts["sentences"] += 1
        scored = score_sentence(_as_read(unit.kind, piece.text), self.model)
        rule = self._rule(unit, scored, quote)
        claim = scored.claim or rule in (QUOTATION, UNATTRIBUTED_QUOTATION) or unit.kind == "block-quote"
        if rule == UNATTRIBUTED_QUOTATION:
            cited_by = piece.keys  # an anonymous quotation is sourced only in its own sentence
        # a marked sentence is an open gap whatever it says; in a marked Div, only its claims are
        gap = piece.gap or (unit.gap_all and claim)
        if gap:
            status = "open-gap"
        elif not claim:
            status = "not-a-claim"
        elif waived:
            status = "waived"
        elif cited_by:
            status = "cited"
        else:
            status = "uncited"
        verdict = SentenceVerdict(piece.text, line, exact, claim or gap, scored, rule, cited_by, waived, gap, status)
        # the reasons of the marks on this sentence, or of the Div around the unit
        reasons = "; ".join(dict.fromkeys(piece.gap_reasons if piece.gap else [r for r in unit.gap_reasons[:1] if r]))
        if status != "not-a-claim":
            self.counts["claims"] += 1
            self.counts[status.replace("-", "_") if status != "open-gap" else "open_gaps"] += 1
            finding = self._finding(unit, verdict, reasons)
            if finding is not None:
                self.findings.append(finding)
        return verdict

    def _rule(self, unit: Unit, scored: Score, quote: Quotation | None) -> str:
        if quote is not None and not (scored.features & _NOT_QUOTING):
            return quote.rule
        if unit.kind == "block-quote":
            return QUOTATION  # a block quote is a quotation whatever its words
        for name, rule in _RULE_ORDER:
            if name in scored.features:
                return rule
        return CLAIM

    def _finding(self, unit: Unit, verdict: SentenceVerdict, reasons: str) -> Finding | None:
        shown = f'[{verdict.rule}] "{_shorten(verdict.text)}" (score {verdict.score.explain()})'
        where = "" if verdict.exact else "; the line is approximate"
        severity: Severity
        if verdict.status == "open-gap":
            severity = "error" if self.settings.strict else "warning"
            message = f"open gap {shown}: needs a source" + (f" ({reasons})" if reasons else "") + where
            return self._make(severity, GAP_RULE, message, unit, verdict, reason=reasons)
        if verdict.status == "waived":
            if verdict.rule == UNATTRIBUTED_QUOTATION:  # the one thing a waiver cannot make acceptable
                message = f"uncited claim {shown} (a .no-claim mark does not waive an unattributed quotation){where}"
                return self._make("error", UNATTRIBUTED_QUOTATION, message, unit, verdict)
            return self._make("info", WAIVE_RULE, f"waived claim {shown}{where}", unit, verdict)
        if verdict.status == "uncited":
            note = " (the unit's citations are in other sentences)" if verdict.rule == UNATTRIBUTED_QUOTATION and unit.cites else ""
            return self._make("error", verdict.rule, f"uncited claim {shown}{note}{where}", unit, verdict)
        return None

    def _make(self, severity: Severity, rule: str, message: str, unit: Unit, verdict: SentenceVerdict, *, reason: str = "") -> Finding:
        extra: dict[str, Any] = {"unit": unit.kind, **verdict.to_dict()}
        if reason:
            extra["reason"] = reason
        if not verdict.exact:
            extra["line_approximate"] = True
        return Finding(severity, rule, message, Location(self.path, verdict.line), extra)
