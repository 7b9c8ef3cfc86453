"""One preview session: rebuild on change (web page first, other formats after), findings, versions.

The session owns the state the server shows: for each document its check findings, and
the build error if the last build failed. Every time that state changes the version goes
up, and each open page (waiting on the server's event stream) reloads.

Rebuilds go through the ordinary build, so the hash store decides what a change touched:
a save of one article remakes that article's web page only; a template, .bib or config
save remakes what depends on it. The page comes first; the other formats follow in a
second thread, so a slow PDF never delays the reload.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citeproof.errors import CiteproofError
from citeproof.findings import Finding
from citeproof.project.config import Config, load_config

Log = Callable[[str], None]
# The check, handed in by the command (citeproof.commands.check.run_check): nothing below
# the commands imports a command.
Check = Callable[[Config, Sequence[str]], Sequence[Finding]]


@dataclass
class BuildFailure:
    """The last build's error, as the page shows it."""

    message: str
    location: str = ""
    hint: str = ""


@dataclass
class State:
    """What the pages show; replaced whole on each change, read under the session's lock."""

    version: int = 0
    config: Config | None = None
    failure: BuildFailure | None = None
    findings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    checking: bool = True


class Session:
    """Builds, checks and versions for one ``citeproof preview``."""

    def __init__(self, pyproject: Path, config: Config, names: Sequence[str] | None, log: Log, check: Check) -> None:
        self.pyproject = pyproject
        self.check = check
        self.names = tuple(names) if names else None
        self.log = log
        self.state = State(config=config)
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self._wanted = threading.Event()  # a rebuild was asked for
        self._others_wanted = threading.Event()  # the non-HTML formats should follow
        self._threads: list[threading.Thread] = []
        self._reload_config = True
        self._flag = threading.Lock()

    # -- versions -------------------------------------------------------------------------
    def _publish(self, **changes: Any) -> None:
        with self.changed:
            for key, value in changes.items():
                setattr(self.state, key, value)
            self.state.version += 1
            self.changed.notify_all()

    def wait_for_change(self, since: int, timeout: float) -> int:
        """The version, once it is past ``since`` (or after ``timeout`` seconds, or on stop)."""
        with self.changed:
            self.changed.wait_for(lambda: self.state.version > since or self.stopping.is_set(), timeout=timeout)
            return self.state.version

    # -- the threads ----------------------------------------------------------------------
    def start(self) -> None:
        for target, name in ((self._pages, "citeproof-preview-pages"), (self._others, "citeproof-preview-others")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.request()

    def request(self, paths: set[str] | None = None) -> None:
        """Something changed: rebuild (coalesced: many saves in a row make one rebuild).

        The configuration is read again unless every changed file is a known article's
        source: a save of an article is the common case, and the config's own reading
        (every glob, every table) is time the writer waits for.
        """
        config = self.state.config
        known = {str(d.source) for d in config.documents} if config else set()
        if paths is None or not {str(Path(p).resolve()) for p in paths} <= known:
            with self._flag:
                self._reload_config = True
        self._wanted.set()

    def stop(self) -> None:
        self.stopping.set()
        self._wanted.set()
        self._others_wanted.set()
        with self.changed:
            self.changed.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)

    def _pages(self) -> None:
        first = True
        while not self.stopping.is_set():
            self._wanted.wait()
            self._wanted.clear()
            if self.stopping.is_set():
                return
            self._rebuild(everything=first)
            first = False

    def _rebuild(self, *, everything: bool) -> None:
        try:
            with self._flag:
                reload, self._reload_config = self._reload_config, False
            config = self.state.config
            if reload or config is None or self.state.failure is not None:
                config = load_config(self.pyproject)
            written = self._build(config, ("html",))
        except CiteproofError as exc:
            self._publish(failure=BuildFailure(exc.message, exc.location or "", exc.hint or ""), checking=False)
            self.log(f"build failed: {exc}")
            return
        rebuilt = {p.stem for p in written}
        self._publish(config=config, failure=None, checking=True)
        if written:
            self.log(f"rebuilt {', '.join(sorted(p.name for p in written))}")
        names = self.names or tuple(d.name for d in config.documents)
        to_check = names if everything else tuple(n for n in names if n in rebuilt)
        findings = dict(self.state.findings)
        if to_check:
            findings.update(self._check(config, to_check))
        self._publish(findings=findings, checking=False)
        self._others_wanted.set()

    def _build(self, config: Config, formats: tuple[str, ...]) -> list[Path]:
        from citeproof.build.builder import BuildOptions, build

        def warnings_only(message: str) -> None:
            if message.startswith("warning"):
                self.log(message)

        return build(config, BuildOptions(documents=self.names, formats=formats), log=warnings_only)

    def _check(self, config: Config, names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        try:
            findings = self.check(config, names)
        except CiteproofError as exc:
            self.log(f"check failed: {exc}")
            return {}
        by_path = {d.display: d.name for d in config.documents}
        found: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for finding in findings:
            name = by_path.get(finding.location.path)
            if name in found:
                found[name].append(finding.to_dict())
            elif name is None:  # the bibliography's own problems concern every page
                for listed in found.values():
                    listed.append(finding.to_dict())
        return found

    def _others(self) -> None:
        """Every other format, after the pages: the page links to their newest versions."""
        while not self.stopping.is_set():
            self._others_wanted.wait()
            self._others_wanted.clear()
            config = self.state.config
            if self.stopping.is_set() or config is None or self.state.failure is not None:
                continue
            formats = tuple(f for f in ("epub", "pdf") if any(p.format == f for p in config.products.values()))
            if not formats:
                continue
            try:
                written = self._build(config, formats)
            except CiteproofError as exc:
                self.log(f"other formats: {exc}")
                continue
            if written:
                self.log(f"rebuilt {', '.join(sorted(p.name for p in written))}")
                self._publish()
