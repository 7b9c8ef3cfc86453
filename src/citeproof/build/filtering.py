"""Run the project's panflute filters in-process.

Each file in ``filters/`` is an ordinary panflute filter (``main(doc=None)``) that also
works under ``pandoc --filter``; here we import it once and hand it the Doc directly, so a
build never starts a Python interpreter per filter per format.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import panflute as pf

from citeproof.errors import BuildError


@functools.cache
def load_filter(path: Path) -> ModuleType:
    """Import the filter at ``path`` once per process."""
    spec = importlib.util.spec_from_file_location(f"citeproof_filter_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise BuildError(f"cannot load filter {path}", hint="a filter is a Python file with a main(doc=None) function")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a broken filter is the user's code: report it, with its name
        raise BuildError(f"filter {path.name} failed to load: {type(exc).__name__}: {exc}", location=str(path)) from None
    if not callable(getattr(module, "main", None)):
        raise BuildError(
            f"filter {path.name} has no main(doc=None) function", location=str(path), hint="see filters/README.md for the shape"
        )
    return module


def apply_filters(doc: pf.Doc, paths: Sequence[Path]) -> pf.Doc:
    """Pass ``doc`` through each filter in order and return the result."""
    for path in paths:
        module = load_filter(path)
        try:
            result = module.main(doc)
        except Exception as exc:
            raise BuildError(f"filter {path.name} failed: {type(exc).__name__}: {exc}", location=str(path)) from None
        if isinstance(result, pf.Doc):
            doc = result
    return doc
