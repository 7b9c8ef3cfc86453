"""Every child process citeproof starts: run one, keep a registry, stop them all on a signal.

All children (pandoc, the typst worker, validators) start in their own session, so a Ctrl-C
typed at the terminal reaches citeproof only; citeproof then stops each child's whole
process group itself (politely, then firmly, as nox's ``popen.py`` does) and reaps it,
so no child outlives the run or writes into ``build/`` after citeproof has exited.

The registry is what makes that possible from a signal handler: every live child is in
it, and once a stop has begun no new child may start (a thread pool's queued jobs would
otherwise keep launching pandoc after the user asked to stop).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from citeproof.errors import RunInterruptedError, ToolFailedError, ToolMissingError

DEFAULT_TIMEOUT = 300.0
# `citeproof -v` attaches a handler here: each command, as a user could paste it into a shell.
_log = logging.getLogger(__name__)
# How long a child gets to exit after SIGTERM before it gets SIGKILL.
GRACE = 1.0

# RLock: the signal handler runs in the main thread, which may already hold the lock.
_lock = threading.RLock()
_live: set[subprocess.Popen[bytes]] = set()
# Work that is not a process but must also stop (a filter running in a thread).
_stoppers: set[Callable[[], None]] = set()


class Stopping(KeyboardInterrupt):
    """What a SIGINT or SIGTERM raises in the main thread to unwind the run.

    A subclass, not KeyboardInterrupt itself: CPython remembers a bare KeyboardInterrupt that
    leaves an ``exec``'d string (a dataclass or namedtuple being built during a lazy import)
    and, even after we caught it and returned 143, ends the process by SIGINT. It checks the
    exact type, so a subclass keeps the exit code ours while every ``except KeyboardInterrupt``
    still catches it.
    """


class _State:
    """The run's one piece of mutable state (a class attribute, so no ``global``)."""

    stop_signal: int | None = None  # set once a stop has begun; 0 when not caused by a signal
    deferring = 0  # > 0 inside deferred_signals(): a signal is noted, raised at its end
    pending = False


def reset() -> None:
    """Forget a previous stop (``cli.main`` calls this at the start of every run)."""
    with _lock:
        _State.stop_signal = None
        _State.pending = False


def stop_signal() -> int | None:
    """The signal that began the stop (0 for a stop without a signal), or None while running."""
    return _State.stop_signal


def live_children() -> list[int]:
    """Process ids of the children still registered (for tests and diagnostics)."""
    with _lock:
        return [p.pid for p in _live]


def begin_stop(signum: int = 0) -> bool:
    """Refuse new children and ask every live one to stop; True the first time it is called."""
    with _lock:
        first = _State.stop_signal is None
        if first:
            _State.stop_signal = signum
        children = list(_live)
        stoppers = list(_stoppers)
    for child in children:
        _signal_group(child, signal.SIGTERM if first else signal.SIGKILL)
    for stopper in stoppers:
        stopper()
    return first


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """A step that must not be cut in half (replacing the outputs as a set): a signal waits for its end.

    The signal still stops every child at once; only the KeyboardInterrupt that unwinds the
    run is raised when the block ends, so the block either completes or rolls back whole.
    """
    _State.deferring += 1
    try:
        yield
    finally:
        _State.deferring -= 1
    if _State.deferring == 0 and _State.pending:
        _State.pending = False
        raise Stopping


def interrupt_now() -> bool:
    """For the signal handler: True when it should raise now, False when a deferred block will."""
    if _State.deferring:
        _State.pending = True
        return False
    return True


def on_stop(stopper: Callable[[], None]) -> Callable[[], None]:
    """Call ``stopper`` when a stop begins (now, if it already has); return the undo."""
    with _lock:
        _stoppers.add(stopper)
        stopping = _State.stop_signal is not None
    if stopping:
        stopper()
    return lambda: _discard_stopper(stopper)


def _discard_stopper(stopper: Callable[[], None]) -> None:
    with _lock:
        _stoppers.discard(stopper)


def stop_all(grace: float = GRACE) -> None:
    """Stop and reap every registered child: SIGTERM, ``grace`` seconds, then SIGKILL."""
    with _lock:
        children = list(_live)
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
    for child in children:
        if child.poll() is None:
            _signal_group(child, signal.SIGKILL)
            child.wait()
        # Even when the leader has gone, a grandchild may still hold the group.
        _signal_group(child, signal.SIGKILL, even_if_reaped=True)
        _forget(child)


def _signal_group(child: subprocess.Popen[bytes], signum: int, *, even_if_reaped: bool = False) -> None:
    """Send ``signum`` to ``child``'s process group (its pid: it leads its own session)."""
    # A reaped child's pid may be reused; only a child we have not reaped still owns it.
    if child.returncode is not None and not even_if_reaped:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


def _register(child: subprocess.Popen[bytes]) -> None:
    with _lock:
        _live.add(child)
        stopping = _State.stop_signal is not None
    if stopping:  # the stop began while this child was starting: it must not escape it
        _signal_group(child, signal.SIGTERM)


def _forget(child: subprocess.Popen[bytes]) -> None:
    with _lock:
        _live.discard(child)


def _check_running(argv: Sequence[str]) -> None:
    if _State.stop_signal is not None:
        raise RunInterruptedError(f"not starting {Path(argv[0]).name}: the run is stopping")


def spawn(
    argv: Sequence[str],
    *,
    stdin: bool,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own session and register it; the caller must :func:`finish` it."""
    _check_running(argv)
    if shutil.which(argv[0]) is None and not Path(argv[0]).is_file():
        raise ToolMissingError(f"cannot find the program {argv[0]!r}", hint="install it, or run through `nox`, which does")
    full_env = {**os.environ, **(env or {})}
    _log.debug("%s%s", f"(cd {shlex.quote(str(cwd))} && " if cwd else "", shlex.join(argv) + (")" if cwd else ""))
    try:
        # start_new_session: a Ctrl-C reaches us only, and we stop the child ourselves, so
        # it never outlives us or prints into the terminal after we have exited.
        child = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
    except PermissionError as exc:
        raise ToolMissingError(f"cannot run {argv[0]}: {exc.strerror}", hint="make it executable (chmod +x) or reinstall it") from None
    except OSError as exc:  # ENOEXEC: not a program at all; E2BIG, ENOMEM: this machine
        raise ToolMissingError(f"cannot run {argv[0]}: {exc.strerror or exc}", hint="reinstall it") from None
    _register(child)
    return child


def finish(child: subprocess.Popen[bytes]) -> None:
    """Stop ``child`` (if still running) and take it out of the registry."""
    if child.poll() is None:
        _signal_group(child, signal.SIGTERM)
        try:
            child.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.wait()
    # Whatever the leader left in its group (a filter pandoc started) goes with it.
    _signal_group(child, signal.SIGKILL, even_if_reaped=True)
    for stream in (child.stdin, child.stdout, child.stderr):  # left open when communicate() was cut short
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    _forget(child)


def run(
    command: Sequence[str],
    *,
    stdin: bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    ok_codes: Sequence[int] = (0,),
    timeout_hint: str = "the input may be too large; try one document at a time",
) -> subprocess.CompletedProcess[bytes]:
    """Run ``command`` and return it finished; raise a ToolError when it cannot or fails."""
    argv = [str(part) for part in command]
    child = spawn(argv, stdin=stdin is not None, env=env, cwd=cwd)
    try:
        out, err = child.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ToolFailedError(argv, None, f"no answer after {timeout:g} s", hint=timeout_hint) from None
    finally:
        finish(child)
    if _State.stop_signal is not None and child.returncode < 0:
        raise RunInterruptedError(f"{Path(argv[0]).name} was stopped: the run is stopping")
    result = subprocess.CompletedProcess(argv, child.returncode, out, err)
    if child.returncode not in ok_codes:
        raise ToolFailedError(argv, child.returncode, err.decode("utf-8", "replace"))
    return result
