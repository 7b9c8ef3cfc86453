"""The claim check: units and sentences, features, the model, verdicts and findings.

``audit_ast`` gives a verdict for every unit and sentence; ``check_ast`` only the
findings and counts. Settings come from ``[tool.citeproof.claims]`` (``ClaimSettings``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .check import audit_ast, check_ast, check_document
    from .settings import ClaimSettings
    from .verdicts import ClaimAudit, ClaimSummary, SentenceVerdict, UnitVerdict, explain_lines

# Loaded on first use: every command reads ClaimSettings from the config (claims.settings),
# but only the check needs .check, whose cue patterns take ~0.25 s to compile.
_WHERE = {
    "audit_ast": "check", "check_ast": "check", "check_document": "check", "ClaimSettings": "settings",
    "ClaimAudit": "verdicts", "ClaimSummary": "verdicts", "SentenceVerdict": "verdicts", "UnitVerdict": "verdicts",
    "explain_lines": "verdicts",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
