"""Reading level: grade per section, long sentences and plainer words, as findings."""

from __future__ import annotations

from .level import check_readability, is_english, meta_text
from .settings import ReadabilitySettings

__all__ = ["ReadabilitySettings", "check_readability", "is_english", "meta_text"]
