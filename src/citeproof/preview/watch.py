"""Saves in the project folder become rebuild requests (watchfiles: inotify on Linux, no polling)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

# What a build reads: articles, bibliographies and the lock, config, styles, templates, filters, images.
INPUT_SUFFIXES = frozenset(
    {".md", ".markdown", ".bib", ".json", ".yaml", ".yml", ".toml", ".csl", ".typ", ".html", ".css", ".py"}
    | {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
)


def watch_project(root: Path, build_dir: Path, on_change: Callable[[set[str]], None], stop: threading.Event) -> None:
    """Call ``on_change`` with the changed paths after each burst of saves, until ``stop`` is set.

    Everything under the project counts (articles, .bib, config, templates, filters, images),
    except ``build/`` itself, which the rebuilds write, and what version control and editors
    keep beside the sources.
    """
    import watchfiles

    class _ProjectFilter(watchfiles.DefaultFilter):
        def __call__(self, change: watchfiles.Change, path: str) -> bool:
            if Path(path).is_relative_to(build_dir):
                return False
            # Only what a build reads: a log file written inside the project (preview 2> preview.log)
            # would otherwise make every failed build start the next one.
            if Path(path).suffix.lower() not in INPUT_SUFFIXES:
                return False
            return bool(super().__call__(change, path))

    # debounce 50 ms: editors write a file in several steps; one rebuild per save, not three.
    for changes in watchfiles.watch(root, watch_filter=_ProjectFilter(), debounce=50, step=20, stop_event=stop, raise_interrupt=True):
        on_change({path for _, path in changes})
