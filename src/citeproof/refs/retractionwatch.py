"""The Retraction Watch data Crossref publishes as CSV, read offline when the config names a copy.

Columns used (as in the published file): ``OriginalPaperDOI``, ``RetractionDOI``,
``RetractionDate``, ``RetractionNature`` ("Retraction", "Correction", "Expression of concern", ...).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from citeproof.errors import BibliographyError
from citeproof.refs.identifiers import normalise_doi
from citeproof.refs.records import Notice, NoticeKind

_NATURE: dict[str, NoticeKind] = {
    "retraction": "retraction",
    "correction": "correction",
    "expression of concern": "expression-of-concern",
}


def load_retraction_watch(path: Path | None) -> Mapping[str, tuple[Notice, ...]]:
    """Notices keyed by the original paper's DOI; empty when no file is configured or present.

    Read once per version of the file: the whole CSV is tens of megabytes, and ``preview``
    runs the check after every save.
    """
    if path is None or not path.is_file():
        return {}
    stat = path.stat()
    return _read(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _read(path: Path, size: int, mtime_ns: int) -> Mapping[str, tuple[Notice, ...]]:
    found: dict[str, list[Notice]] = {}
    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            for row in csv.DictReader(handle):
                doi = normalise_doi(row.get("OriginalPaperDOI") or "")
                kind = _NATURE.get((row.get("RetractionNature") or "").strip().lower())
                if not doi or doi == "unavailable" or kind is None:
                    continue
                date = (row.get("RetractionDate") or "").strip().split(" ")[0]
                notice = Notice(
                    kind,
                    (row.get("RetractionNature") or "").strip(),
                    normalise_doi(row.get("RetractionDOI") or ""),
                    _iso_date(date),
                    "retraction-watch",
                )
                found.setdefault(doi, []).append(notice)
    except (OSError, csv.Error) as exc:
        raise BibliographyError(
            f"cannot read the Retraction Watch file {path}: {exc}",
            hint="download it again, or remove 'retraction-watch' from [tool.citeproof.refs]",
        ) from None
    return MappingProxyType({doi: tuple(notices) for doi, notices in found.items()})  # shared between runs: read-only


def _iso_date(text: str) -> str:
    """The CSV's "M/D/YYYY" as ISO; anything else as written."""
    parts = text.split("/")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        month, day, year = (int(p) for p in parts)
        return f"{year:04d}-{month:02d}-{day:02d}"
    return text
