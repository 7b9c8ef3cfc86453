"""Settings of the link check, read from ``[tool.citeproof.links]``."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from citeproof.project.problems import Problems

DEFAULT_USER_AGENT = "citeproof-linkcheck/1.0 (+https://github.com/citeproof/citeproof; checks links cited in articles)"
# Publishers that answer robots with 401/403 however alive the page is.
DEFAULT_BOT_WALLED = ("linkedin.com", "sciencedirect.com", "onlinelibrary.wiley.com", "tandfonline.com", "jstor.org",
                      "researchgate.net", "academic.oup.com", "journals.sagepub.com", "jamanetwork.com", "nejm.org")  # fmt: skip
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class HostLimit:
    """Politeness for one host: concurrent requests, and an optional ceiling in requests per second."""

    concurrency: int
    rate: float | None = None


@dataclass(frozen=True)
class LinkSettings:
    """How links are checked; ``from_mapping`` reads ``[tool.citeproof.links]`` (keys use hyphens)."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    request_timeout: float = 30.0  # one whole exchange (connect, headers, body): a trickling server is cut here
    concurrency: int = 32
    per_host: int = 8  # below lychee's 10; a browser opens 6
    hosts: Mapping[str, HostLimit] = field(default_factory=dict)  # "host" or "host:port" -> limits
    retries: int = 2
    backoff: float = 0.5  # first retry waits 0.5-1 s, then doubles
    max_retry_after: float = 60.0
    deadline: float = 300.0
    max_redirects: int = 10
    max_body_bytes: int = 2 * 1024 * 1024
    cache_path: Path | None = None  # None: no cache file at all
    cache_max_age: float = 86400.0
    no_cache: bool = False  # neither read nor write the cache
    user_agent: str = DEFAULT_USER_AGENT
    exclude: tuple[str, ...] = ()  # regular expressions searched in each URL
    bot_walled_hosts: tuple[str, ...] = DEFAULT_BOT_WALLED
    blocked_policy: Literal["warn", "error", "ignore"] = "warn"
    allow_private: bool = False  # True turns the SSRF guard off
    allow_hosts: tuple[str, ...] = ()  # "host" or "host:port" the guard lets through even if private
    doi_resolver: str = "https://doi.org"
    archive_url: str = "https://archive.org/wayback/available"
    suggest_archive: bool = False

    def limit_for(self, netloc: str) -> HostLimit:
        host = netloc.rsplit(":", 1)[0] if not netloc.endswith("]") else netloc
        return self.hosts.get(netloc) or self.hosts.get(host) or HostLimit(self.per_host)

    @classmethod
    def from_mapping(
        cls, raw: Mapping[str, Any], *, build_dir: Path, where: str = "tool.citeproof.links", problems: Problems | None = None
    ) -> LinkSettings:
        """Validate a links table; every bad key is named with what to do.

        With ``problems`` (the config loader's collector) problems are added there; without, they are raised here.
        """
        collector = problems if problems is not None else Problems()
        values: dict[str, Any] = {"cache_path": build_dir / ".cache" / "links.json"}
        if not isinstance(raw, Mapping):
            collector.add(where, f"expected a table, got {raw!r}")
            raw = {}
        collector.unknown_keys(raw, LINK_KEYS, where, underscores=True)
        for key, value in raw.items():
            name = key.replace("_", "-")
            if name not in LINK_KEYS:
                continue
            try:
                values.update(_parse(name, value, build_dir))
            except ValueError as exc:
                collector.add(f"{where}.{key}", str(exc))
        if problems is None:
            collector.raise_if_any()
        return cls(**values)


# The keys of the links table: every field (hyphenated) but the cache path, which is written as ``cache``.
LINK_KEYS = sorted({f.name.replace("_", "-") for f in fields(LinkSettings) if f.name != "cache_path"} | {"cache"})


def _parse(name: str, value: Any, build_dir: Path) -> dict[str, Any]:
    """One key's typed value, or ValueError saying what was expected and what came."""
    attr, got = name.replace("-", "_"), f"got {value!r}"
    is_num = isinstance(value, (int, float)) and not isinstance(value, bool)
    if name in ("connect-timeout", "read-timeout", "request-timeout", "backoff", "max-retry-after", "deadline", "cache-max-age"):
        if isinstance(value, str) and name in ("deadline", "cache-max-age", "max-retry-after", "request-timeout"):
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", value)
            if match:
                return {attr: float(match[1]) * _UNITS[match[2]]}
        if not is_num or value <= 0:
            raise ValueError(f"expected a positive number of seconds (or '30s', '12h', '7d'), {got}")
        return {attr: float(value)}
    if name in ("concurrency", "per-host", "retries", "max-redirects", "max-body-bytes"):
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if name == "retries" else 1):
            raise ValueError(f"expected a whole number{'' if name == 'retries' else ' of at least 1'}, {got}")
        return {attr: value}
    if name in ("no-cache", "allow-private", "suggest-archive"):
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, {got}")
        return {attr: value}
    if name in ("exclude", "bot-walled-hosts", "allow-hosts"):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"expected a list of strings, {got}")
        for pattern in value if name == "exclude" else ():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression ({exc}); escape dots as '\\.'") from None
        return {attr: tuple(v.lower() if name != "exclude" else v for v in value)}
    if name == "blocked-policy":
        if value not in ("warn", "error", "ignore"):
            raise ValueError(f"expected 'warn', 'error' or 'ignore', {got}")
        return {attr: value}
    if name in ("doi-resolver", "archive-url", "user-agent"):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"expected a non-empty string, {got}")
        if name != "user-agent" and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError(f"expected an http(s) URL such as 'https://doi.org', {got}")
        return {attr: value.strip()}
    if name == "cache":  # a path relative to the build folder, or false for no cache file
        if value is False:
            return {"cache_path": None}
        if not isinstance(value, str) or not value:
            raise ValueError(f"expected a path (relative to the build folder) or false, {got}")
        return {"cache_path": build_dir / value}
    if name == "hosts":
        return {"hosts": _parse_hosts(value)}
    raise ValueError("unsupported key")  # pragma: no cover - every field has a branch above


def _parse_hosts(value: Any) -> dict[str, HostLimit]:
    example = 'e.g. hosts = { "example.org" = { concurrency = 2, rate = 1.0 } }'
    if not isinstance(value, dict):
        raise ValueError(f"expected a table of host names, {example}")
    limits: dict[str, HostLimit] = {}
    for host, spec in value.items():
        conc, rate = (spec.get("concurrency", 1), spec.get("rate")) if isinstance(spec, dict) else (None, None)
        extra = set(spec) - {"concurrency", "rate"} if isinstance(spec, dict) else set()
        if extra:
            key = min(extra)
            guess = difflib.get_close_matches(key, ["concurrency", "rate"], n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else "known keys: concurrency, rate"
            raise ValueError(f"host {host!r}: unknown key {key!r}; {hint}")
        if (
            not isinstance(conc, int)
            or isinstance(conc, bool)
            or conc < 1
            or extra
            or not (rate is None or (isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 0))
        ):
            raise ValueError(f"host {host!r}: expected concurrency >= 1 and rate > 0 (requests per second), {example}")
        limits[host.lower()] = HostLimit(conc, float(rate) if rate is not None else None)
    return limits
