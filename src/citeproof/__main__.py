"""``python -m citeproof``."""

from citeproof.cli import run

run()
