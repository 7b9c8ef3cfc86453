"""``citeproof preview [DOCUMENT]``: serve the web page on loopback, rebuild on save, reload the browser."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from citeproof.engines import process
from citeproof.errors import ExitCode, UsageError
from citeproof.findings import Finding
from citeproof.project.config import Config

if TYPE_CHECKING:
    from citeproof.preview.server import PreviewServer
    from citeproof.preview.session import Session

DEFAULT_PORT = 8765


def run(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from citeproof.preview.session import Session
    from citeproof.preview.watch import watch_project

    pyproject = (args.config or config.root / "pyproject.toml").resolve()
    lock = threading.Lock()

    def log(message: str) -> None:
        with lock:
            print(f"[{time.strftime('%H:%M:%S')}] {message}", file=err, flush=True)

    def check(config: Config, names: Sequence[str]) -> Sequence[Finding]:
        from citeproof.commands.check import run_check

        return run_check(config, names, strict=False).findings

    session = Session(pyproject, config, args.documents, log, check)
    server = _bind(session, args.port)
    server.serve_in_thread()
    url = server.url + (f"{args.documents[0]}.html" if args.documents and len(args.documents) == 1 else "")
    print(f"citeproof preview: {url}  (Ctrl-C to stop)", file=out, flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    session.start()
    stop = threading.Event()
    try:
        watch_project(config.root, config.build_dir, session.request, stop)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a preview ends: stop cleanly, exit 0
    finally:
        stop.set()
        server.shutdown()
        session.stop()
        server.server_close()
    print("citeproof preview: stopped", file=err, flush=True)
    # Ctrl-C is how a writer ends a preview (exit 0); SIGTERM is a service manager or CI stopping it (143, as everywhere).
    return ExitCode.TERMINATED if process.stop_signal() == signal.SIGTERM else ExitCode.OK


def _bind(session: Session, port: int | None) -> PreviewServer:
    """The server on ``port``; without one, the usual port, or any free one if that is taken."""
    from citeproof.preview.server import PreviewServer

    try:
        return PreviewServer(session, DEFAULT_PORT if port is None else port)
    except OSError as exc:
        if port is not None:
            raise UsageError(f"cannot serve on port {port}: {exc.strerror}", hint="choose another with --port, or 0 for any") from None
        return PreviewServer(session, 0)
