"""citeproof: citation-checked builds of health articles from Markdown and BibTeX."""

__version__ = "0.1.0"
