"""The one door to external engines, by its old name: every caller imports ``tools``.

The work lives in modules by concern: :mod:`~citeproof.engines.process` (every child
process, the registry a signal stops), :mod:`~citeproof.engines.pandoc` and
:mod:`~citeproof.engines.typst` (compiles in a worker process that can be stopped).
"""

from __future__ import annotations

from citeproof.engines.pandoc import ToolOutput, pandoc, pandoc_path
from citeproof.engines.process import run
from citeproof.engines.typst import typst_compile, typst_query

__all__ = ["ToolOutput", "pandoc", "pandoc_path", "run", "typst_compile", "typst_query"]
