"""Run the project's panflute filters in-process, each under a time limit.

Each file in ``filters/`` is an ordinary panflute filter (``main(doc=None)``) that also
works under ``pandoc --filter``; here we import it once and hand it the Doc directly, so a
build never starts a Python interpreter per filter per format.

A filter is the project's own code, so anything it raises is its failure, reported with its
name: ``sys.exit(0)`` is not a success. A filter that loops is stopped by a watchdog that
raises :class:`FilterStopped` inside the filter's thread (the same happens when the run is
stopped by a signal). We chose this over a process per filter chain: a process would cost
two extra panflute loads and dumps of the document per output (measured on a 5 MB article:
about 7 s per output, on top of pandoc's 23 s parse), while the watchdog costs nothing. Its
limit: a filter blocked inside native code (a ``time.sleep`` or a socket read) only sees the
exception when that call returns.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from citeproof.engines import limits, process
from citeproof.errors import BuildError, ExitCode, FilterAuthorError, RunInterruptedError
from citeproof.project.documents import panflute

if TYPE_CHECKING:
    import panflute as pf

# A filter that swallows the stop (``except BaseException: pass`` in a loop) gets it again,
# every _REPEAT seconds; after _UNSTOPPABLE more seconds the process gives up (see _abandon).
_REPEAT = 0.25
_UNSTOPPABLE = 5.0


class FilterStopped(BaseException):
    """Raised inside a filter's thread to stop it (a BaseException: ``except Exception`` must not catch it)."""


def load_filter(path: Path) -> ModuleType:
    """Import the filter at ``path`` once per process."""
    with _watchdog(path, limits.current().filter_seconds):
        return _load_filter(path)


@functools.cache
def _load_filter(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"citeproof_filter_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise BuildError(f"cannot load filter {path}", hint="a filter is a Python file with a main(doc=None) function")
    module = importlib.util.module_from_spec(spec)
    panflute()  # patched before the filter's own module code builds elements (a RawBlock for html5 or typst)
    try:
        spec.loader.exec_module(module)
    except (KeyboardInterrupt, FilterStopped):
        raise
    except BaseException as exc:  # a broken filter is the user's code (SystemExit too): report it, with its name
        raise BuildError(f"filter {path.name} failed to load: {_describe(exc)}", location=str(path)) from None
    if not callable(getattr(module, "main", None)):
        raise BuildError(
            f"filter {path.name} has no main(doc=None) function", location=str(path), hint="see filters/README.md for the shape"
        )
    return module


# A filter that decides what a product contains (as ``products`` does) declares it with this
# module attribute set to True; ``citeproof check`` then reads each product through it, so a
# citation dropped from one product is caught (filters/README.md).
CONTENT_FILTER_FLAG = "CITEPROOF_CONTENT_FILTER"


def is_content_filter(path: Path) -> bool:
    """Whether the filter at ``path`` declares that it decides what a product contains."""
    flag = getattr(load_filter(path), CONTENT_FILTER_FLAG, False)
    if not isinstance(flag, bool):
        raise BuildError(f"filter {path.name}: {CONTENT_FILTER_FLAG} must be True or False, got {flag!r}", location=str(path))
    return flag


def apply_filters(doc: pf.Doc, paths: Sequence[Path]) -> pf.Doc:
    """Pass ``doc`` through each filter in order and return the result."""
    seconds = limits.current().filter_seconds
    for path in paths:
        with _watchdog(path, seconds):
            module = _load_filter(path)
            try:
                result = module.main(doc)
            except (KeyboardInterrupt, FilterStopped, FilterAuthorError):  # an author's mistake is reported as such, not as a crash
                raise
            except BaseException as exc:  # SystemExit (any code) included: never a silent success
                raise BuildError(f"filter {path.name} failed: {_describe(exc)}", location=str(path)) from None
        if isinstance(result, panflute().Doc):
            doc = result
    return doc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r}); a filter must return the document instead of exiting"
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def _watchdog(path: Path, seconds: float) -> Iterator[None]:
    """Stop the filter running in this thread after ``seconds``, or when the run is stopped."""
    if process.stop_signal() is not None:
        raise RunInterruptedError(f"not running filter {path.name}: the run is stopping")
    dog = _Dog(threading.get_ident(), path.name)
    timer = threading.Thread(target=dog.watch, args=(seconds,), name=f"watchdog {path.name}", daemon=True)
    undo = process.on_stop(lambda: dog.fire("stop"))
    timer.start()
    try:
        yield
    except FilterStopped:
        pass
    finally:
        while True:  # the stop may land here too, before finish() has cleared it: finish again
            try:
                reason = dog.finish()
                break
            except FilterStopped:
                continue
        undo()
    if reason == "stop":
        raise RunInterruptedError(f"filter {path.name} was stopped: the run is stopping")
    if reason == "timeout":
        raise BuildError(
            f"filter {path.name} did not finish within {seconds:g} s and was stopped",
            location=str(path),
            hint=f"a loop that never ends is the usual cause; raise CITEPROOF_FILTER_SECONDS (now {seconds:g}) if it is only slow",
        )


class _Dog:
    """The watchdog's state, shared by the filter's thread and the timer thread."""

    def __init__(self, thread_id: int, name: str) -> None:
        self.thread_id = thread_id
        self.name = name
        self.lock = threading.RLock()  # fire() may run in a signal handler on this very thread
        self.done = threading.Event()
        self.reason: str | None = None

    def watch(self, seconds: float) -> None:
        if self.done.wait(seconds):
            return
        self.fire("timeout")
        give_up = time.monotonic() + _UNSTOPPABLE
        while not self.done.wait(_REPEAT):
            if time.monotonic() > give_up:
                _abandon(self.name)
            self.fire(self.reason or "timeout")

    def fire(self, reason: str) -> None:
        with self.lock:
            if self.done.is_set():
                return
            self.reason = self.reason or reason
            _raise_in(self.thread_id, FilterStopped)

    def finish(self) -> str | None:
        with self.lock:
            self.done.set()
            if self.reason is not None:
                _raise_in(self.thread_id, None)  # drop a stop not yet delivered
        return self.reason


def _abandon(name: str) -> None:
    """The last resort for a filter that catches every stop: end the process, children first.

    A thread cannot be killed, and the build waits for it; so rather than run forever,
    citeproof stops every child, says why and exits. Its staging folder stays behind (the
    next build removes it).
    """
    sys.stderr.write(
        f"citeproof: error: filter {name} ignored every request to stop (it catches BaseException in a loop); "
        "citeproof exits now\n  hint: let KeyboardInterrupt and other BaseExceptions through in the filter\n"
    )
    sys.stderr.flush()
    signum = process.stop_signal()
    process.begin_stop()
    process.stop_all()
    os._exit(128 + signum if signum else ExitCode.FINDINGS)  # 130/143 when a signal asked for the stop


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    """Raise ``exception`` in thread ``thread_id`` at its next bytecode (None clears a pending one)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None)
