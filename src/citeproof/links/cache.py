"""The link cache: URLs found ``ok`` recently are not asked again; failures always are.

Only successes are kept because a failure is the thing an author is about to fix, and a stale
"broken" would hide the fix; a stale "ok" costs at most ``max_age`` of not noticing a new break.
The file is JSON (``build/.cache/links.json``), written atomically, and a damaged or foreign file
is treated as empty rather than stopping the check.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from citeproof.files import write_atomic

VERSION = 1
Chain = tuple[tuple[str, str, int], ...]


class LinkCache:
    """URL -> (checked_at, status chain) for URLs last seen ``ok``."""

    def __init__(self, path: Path | None, max_age: float, entries: dict[str, dict[str, Any]], *, enabled: bool) -> None:
        self.path, self.max_age, self.enabled = path, max_age, enabled
        self.entries = entries

    @classmethod
    def load(cls, path: Path | None, max_age: float, *, enabled: bool = True) -> LinkCache:
        """Read ``path`` if it exists and is ours; anything else starts an empty cache."""
        entries: dict[str, dict[str, Any]] = {}
        if enabled and path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = None
            if isinstance(data, dict) and data.get("version") == VERSION and isinstance(data.get("entries"), dict):
                entries = {k: v for k, v in data["entries"].items() if isinstance(v, dict)}
        return cls(path, max_age, entries, enabled=enabled and path is not None)

    def get(self, url: str, *, now: float | None = None) -> Chain | None:
        """The cached chain of a fresh ``ok`` result, or None when the URL must be checked."""
        if not self.enabled:
            return None
        entry = self.entries.get(url)
        checked = entry.get("checked_at") if entry else None
        if not isinstance(checked, (int, float)) or (now or time.time()) - checked > self.max_age:
            return None
        try:
            return tuple((str(m), str(u), int(s)) for m, u, s in entry.get("chain", []))  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return None

    def update(self, fresh: Iterable[tuple[str, Chain]], *, now: float | None = None) -> None:
        """Record newly ``ok`` URLs, drop expired ones, and save."""
        if not self.enabled or self.path is None:
            return
        stamp = now or time.time()
        for url, chain in fresh:
            self.entries[url] = {"checked_at": stamp, "chain": [list(hop) for hop in chain]}
        self.entries = {
            url: e for url, e in self.entries.items()
            if isinstance(e.get("checked_at"), (int, float)) and stamp - e["checked_at"] <= self.max_age
        }  # fmt: skip
        # A read-only build folder costs the next run some requests, never this run's results.
        with contextlib.suppress(OSError):
            self.save()

    def save(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps({"version": VERSION, "entries": self.entries}, indent=1, sort_keys=True))
