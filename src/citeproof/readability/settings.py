"""``[tool.citeproof.readability]``: the reading level a clinic aims for, validated once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from citeproof.project.problems import Problems, read_settings

SECTION = "tool.citeproof.readability"


@dataclass(frozen=True)
class ReadabilitySettings:
    """How the reading level is judged; the defaults follow common patient-material advice."""

    target_grade: float = 8.0  # US school grade; patient materials aim for grade 6-8
    long_sentence_words: int = 25  # a sentence longer than this is flagged
    strict_grade: bool = False  # a section above the target is an error under --strict (else a warning)
    enabled: bool = True

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], *, where: str = SECTION, problems: Problems | None = None) -> ReadabilitySettings:
        """Build settings from a config table; every bad key or value is listed at once.

        With ``problems`` (the config loader's collector) problems are added there; without, they are raised here.
        """
        collector = problems if problems is not None else Problems()
        settings = read_settings(cls, raw, where, collector)
        if not 1 <= settings.target_grade <= 20:
            collector.add(f"{where}.target-grade", f"expected a US school grade from 1 to 20, got {settings.target_grade:g}")
            settings = replace(settings, target_grade=cls.target_grade)
        if settings.long_sentence_words < 1:
            collector.add(f"{where}.long-sentence-words", f"expected a number of words above 0, got {settings.long_sentence_words}")
            settings = replace(settings, long_sentence_words=cls.long_sentence_words)
        if problems is None:
            collector.raise_if_any()
        return settings
