"""files.write_atomic: the old file or the new one, whole, with the mode the writer gave it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from citeproof.files import write_atomic


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "bibliography.bib"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o664)
    write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o664


def test_a_new_file_has_the_mode_open_would_give_it(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        write_atomic(tmp_path / "page.html", b"<p>x</p>")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "page.html").stat().st_mode) == 0o640


def test_a_read_only_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "bibliography.bib"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o444)
    with pytest.raises(PermissionError):
        write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "bibliography.bib"
    target.write_text("old\n", encoding="utf-8")

    class Unwritable(str):
        def encode(self, *args: object, **kwargs: object) -> bytes:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, Unwritable("new\n"))
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["bibliography.bib"]
