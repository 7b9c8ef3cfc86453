"""The words templates print (labels, dates), in the document's language.

The tables are package data (``citeproof/data/locales/<language>.toml``); ``lang: es-US``
picks ``es.toml``. A language without a table, or a key a table lacks, falls back to
English, so a new label never leaves a hole in a product.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).resolve().parent.parent / "data" / "locales"
FALLBACK = "en"


def language(lang: str) -> str:
    """The language part of a BCP 47 tag: ``es-US`` -> ``es``."""
    return lang.strip().replace("_", "-").split("-")[0].lower() or FALLBACK


@functools.cache
def _table(name: str) -> Mapping[str, Any]:
    path = LOCALES / f"{name}.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def labels(lang: str) -> dict[str, Any]:
    """Every label for ``lang``, English where its table has none."""
    return {**_table(FALLBACK), **_table(language(lang))}


def available() -> tuple[str, ...]:
    """The languages that ship a table."""
    return tuple(sorted(p.stem for p in LOCALES.glob("*.toml")))


def format_date(value: object, table: Mapping[str, Any]) -> str:
    """An ISO date as readers of the table's language write it; anything else unchanged."""
    text = str(value or "").strip()
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    months = table.get("months") or _table(FALLBACK)["months"]
    pattern = str(table.get("date-format") or _table(FALLBACK)["date-format"])
    return pattern.format(day=day.day, month=months[day.month - 1], year=day.year)
