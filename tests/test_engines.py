"""engines/: the typst worker, the child-process registry and the filter watchdog, with the real tools."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import panflute as pf
import pytest

from citeproof.build.filtering import apply_filters
from citeproof.engines import limits, process
from citeproof.engines.typst import typst_compile
from citeproof.errors import BuildError, RunInterruptedError

SOURCE = b"#set document(title: [Test])\n#set page(width: 10cm, height: 5cm)\n= Title\nSome text, and a list:\n- one\n- two\n"
LOOP = b"#let x = 0\n#for i in range(1000000000) { x = x + 1 }\n#x\n"


@pytest.fixture(autouse=True)
def fresh_run() -> Iterator[None]:
    process.reset()
    yield
    process.stop_all()
    process.reset()
    limits.configure({})


def test_typst_worker_gives_the_in_process_bytes(tmp_path: Path) -> None:
    """The worker process changes nothing in the output: the same PDF bytes as typst in-process."""
    import typst

    pages, warnings = typst_compile(SOURCE, root=tmp_path, timestamp=315532800, pdf_standards=["ua-1"])
    direct = typst.compile(
        SOURCE, root=str(tmp_path), font_paths=[], ignore_system_fonts=True, format="pdf", timestamp=315532800, pdf_standards=["ua-1"]
    )
    assert pages == [bytes(direct)]
    assert warnings == ()


def test_typst_compile_error_is_a_build_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="could not typeset"):
        typst_compile(b"#let x = (", root=tmp_path)


def test_typst_loop_stopped_at_its_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEPROOF_TYPST_SECONDS", "1")
    limits.configure({})
    started = time.monotonic()
    with pytest.raises(BuildError, match="did not finish"):
        typst_compile(LOOP, root=tmp_path, label="loop.pdf")
    assert time.monotonic() - started < 3
    assert process.live_children() == []


def test_typst_loop_stopped_by_a_stop_within_two_seconds(tmp_path: Path) -> None:
    """What a signal does: begin_stop() from another thread ends a looping compile at once."""
    stopper = threading.Timer(0.5, process.begin_stop)
    stopper.start()
    started = time.monotonic()
    with pytest.raises(RunInterruptedError):
        typst_compile(LOOP, root=tmp_path)
    assert time.monotonic() - started < 2.5
    assert process.live_children() == []


def test_no_child_starts_once_the_run_is_stopping() -> None:
    process.begin_stop()
    with pytest.raises(RunInterruptedError):
        process.run([sys.executable, "-c", "pass"])


def test_limits_table_is_checked() -> None:
    from citeproof.errors import ConfigError

    assert limits.configure({"filter-seconds": 5}).filter_seconds == 5
    with pytest.raises(ConfigError, match="filter-secs"):
        limits.configure({"filter-secs": 5})
    with pytest.raises(ConfigError, match="positive number"):
        limits.configure({"typst-seconds": "soon"})


def _filter(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(body, encoding="utf-8")
    return path


def test_filter_calling_sys_exit_zero_is_a_failure(tmp_path: Path) -> None:
    path = _filter(tmp_path, "quits", "import sys\n\ndef main(doc=None):\n    sys.exit(0)\n")
    with pytest.raises(BuildError, match=r"quits\.py .*sys\.exit\(0\)"):
        apply_filters(pf.Doc(), [path])


def test_filter_that_loops_is_stopped_at_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEPROOF_FILTER_SECONDS", "0.5")
    limits.configure({})
    path = _filter(tmp_path, "spins", "def main(doc=None):\n    while True:\n        pass\n")
    started = time.monotonic()
    with pytest.raises(BuildError, match=r"spins\.py did not finish within 0\.5 s"):
        apply_filters(pf.Doc(), [path])
    assert time.monotonic() - started < 2
    # The thread is usable afterwards: no stop is left pending.
    assert apply_filters(pf.Doc(), [_filter(tmp_path, "fine", "def main(doc=None):\n    return doc\n")]) is not None
    time.sleep(0.6)


def test_signal_inside_a_deferred_block_waits_for_its_end() -> None:
    """Replacing outputs as a set must not be cut in half: the interrupt comes after the block."""
    import os
    import signal

    from citeproof import cli

    previous = cli._catch_signals()
    finished = False
    try:
        with pytest.raises(KeyboardInterrupt), process.deferred_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)  # the handler has run by now, and did not raise here
            finished = True
    finally:
        cli._restore_signals(previous)
    assert finished
    assert process.stop_signal() == signal.SIGTERM


def test_a_stop_during_an_exec_still_exits_with_our_code(tmp_path: Path) -> None:
    """A signal that lands while a dataclass is being built must not turn exit 143 into death by SIGINT.

    Under ``python -m`` CPython flags a bare KeyboardInterrupt leaving an ``exec``'d string and,
    at exit, kills the process with SIGINT even though the run caught it (CI saw ``exit -2`` on
    a SIGTERM 0.3 s into a build). Here the signal is delivered inside an ``exec`` on purpose,
    in a package run with ``-m`` as ``python -m citeproof`` is.
    """
    import os
    import subprocess

    package = tmp_path / "stopinexec"
    package.mkdir()
    (package / "__main__.py").write_text(
        "import os, signal, sys\n"
        "from citeproof import cli\n"
        "from citeproof.engines import process\n"
        "process.reset()\n"
        "cli._catch_signals()\n"
        "try:\n"
        "    exec('os.kill(os.getpid(), signal.SIGTERM)\\nfor _ in range(10**7): pass', {'os': os, 'signal': signal})\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(143)\n"
        "sys.exit(1)\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-m", "stopinexec"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 143, (done.returncode, done.stderr)
