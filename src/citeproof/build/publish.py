"""Staging and publishing: outputs reach ``build/`` as one set, or not at all.

A run writes into ``build/.staging-<random>/`` (with a pid file, so the next run can tell
a killed run's leftovers from a live one's) and publishes only when every output is
complete. Publishing first checks that every target can be replaced, then moves the
previous files aside and the new ones in; if any move fails, the previous set is put back,
so a failed publish never mixes old and new outputs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from citeproof.errors import BuildError, FileSystemError

STAGING_PREFIX = ".staging-"
PID_FILE = "citeproof.pid"


@dataclass(frozen=True)
class Stage:
    """One run's private folders: ``out`` mirrors ``build/``; ``typst_root`` holds only checked files."""

    folder: Path

    @property
    def out(self) -> Path:
        return self.folder / "out"

    @property
    def typst_root(self) -> Path:
        return self.folder / "typst-root"

    @property
    def previous(self) -> Path:
        return self.folder / "previous"


def open_stage(build_dir: Path) -> Stage:
    """A new staging folder inside ``build_dir``, marked with this process's pid."""
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=build_dir))
    except FileExistsError:
        raise FileSystemError(
            f"the build folder {build_dir} is a file", hint="remove or rename that file, or set build-dir in [tool.citeproof]"
        ) from None
    except OSError as exc:
        raise FileSystemError(
            f"cannot write into the build folder {build_dir}: {exc.strerror or exc}",
            hint="make it writable, or set build-dir in [tool.citeproof] to a folder you can write",
        ) from None
    stage = Stage(folder)
    (folder / PID_FILE).write_text(str(os.getpid()), encoding="ascii")
    stage.out.mkdir()
    return stage


def remove_stale_stages(build_dir: Path) -> list[Path]:
    """Remove staging folders left by runs that were killed (their pid no longer runs)."""
    removed: list[Path] = []
    if not build_dir.is_dir():
        return removed
    for folder in build_dir.glob(STAGING_PREFIX + "*"):
        if folder.is_dir() and not _alive(folder / PID_FILE):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return False  # no pid: an older run's folder, or one killed before it wrote its pid
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def publish(stage: Stage, build_dir: Path) -> list[Path]:
    """Move every staged file into ``build_dir`` as one set; return the targets."""
    staged = sorted(p for p in stage.out.rglob("*") if p.is_file())
    targets = [build_dir / p.relative_to(stage.out) for p in staged]
    _check_replaceable(targets, build_dir)
    moved: list[tuple[Path, Path | None]] = []  # (target, where its previous file went)
    try:
        for source, target in zip(staged, targets, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            aside = None
            if target.exists() or target.is_symlink():
                aside = stage.previous / target.relative_to(build_dir)
                aside.parent.mkdir(parents=True, exist_ok=True)
                target.replace(aside)
            moved.append((target, aside))
            source.replace(target)
    except OSError as exc:
        _roll_back(moved)
        raise BuildError(
            f"could not replace {moved[-1][0] if moved else build_dir}: {exc.strerror or exc}; the previous outputs were kept",
            hint="check the build folder's permissions and free space, then build again",
        ) from None
    return targets


def _check_replaceable(targets: list[Path], build_dir: Path) -> None:
    """Every problem that would stop a replacement, before anything is replaced."""
    problems = []
    for target in targets:
        if target.is_dir() and not target.is_symlink():
            problems.append(f"{target} is a folder, so the new output cannot take its place")
        for parent in target.relative_to(build_dir).parents:
            folder = build_dir / parent
            if folder.exists() and not folder.is_dir():
                problems.append(f"{folder} is a file, so {target.name} cannot be written inside it")
        existing = next((p for p in [target.parent, *target.parents] if p.exists()), None)
        if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
            problems.append(f"{existing} is not writable")
    if problems:
        unique = list(dict.fromkeys(problems))
        raise BuildError(
            "cannot publish the new outputs; nothing was replaced:\n" + "\n".join(f"  {p}" for p in unique),
            hint="remove or rename what is in the way, then build again",
        )


def _roll_back(moved: list[tuple[Path, Path | None]]) -> None:
    """Put every previous file back where it was (newest first), removing the new ones."""
    for target, aside in reversed(moved):
        with contextlib.suppress(OSError):
            if target.exists() or target.is_symlink():
                target.unlink()
            if aside is not None:
                aside.replace(target)
