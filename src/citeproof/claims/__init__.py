"""The claim check: units and sentences, features, the model, verdicts and findings.

``audit_ast`` gives a verdict for every unit and sentence; ``check_ast`` only the
findings and counts. Settings come from ``[tool.citeproof.claims]`` (``ClaimSettings``).
"""

from __future__ import annotations

from .check import audit_ast, check_ast, check_document
from .settings import ClaimSettings
from .verdicts import ClaimAudit, ClaimSummary, SentenceVerdict, UnitVerdict, explain_lines

__all__ = [
    "ClaimAudit",
    "ClaimSettings",
    "ClaimSummary",
    "SentenceVerdict",
    "UnitVerdict",
    "audit_ast",
    "check_ast",
    "check_document",
    "explain_lines",
]
