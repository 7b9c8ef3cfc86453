"""Remote images, when a project allows them (``remote-resources = "fetch"``).

Pandoc never fetches anything (it runs sandboxed); citeproof downloads each remote image
once through the link checker's guarded client (SSRF guard on every address and redirect,
a total time limit per request, a size cap), keeps it in ``build/.cache/resources/`` and
embeds the local copy like any checked image. A download that is not an image, is cut at
the size cap, or fails is an error at the Markdown line, never a silent broken picture.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from pathlib import Path

from citeproof.links.http import Prober
from citeproof.links.settings import LinkSettings

CACHE = Path(".cache") / "resources"
# Magic numbers, not the server's Content-Type: what the file is decides how it is embedded.
_SIGNATURES: tuple[tuple[bytes, str], ...] = ((b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF8", ".gif"))


def image_suffix(data: bytes) -> str | None:
    """The file suffix of an image's bytes, or None when they are not an image we embed."""
    for signature, suffix in _SIGNATURES:
        if data.startswith(signature):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    head = data[:1024].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return ".svg"
    return None


def fetch_images(urls: Mapping[str, str], build_dir: Path, settings: LinkSettings) -> tuple[dict[str, Path], dict[str, str]]:
    """Download each URL (or reuse its cached copy); return (url -> local file, url -> problem)."""
    folder = build_dir / CACHE
    got: dict[str, Path] = {}
    problems: dict[str, str] = {}
    prober: Prober | None = None
    for url in urls:
        stem = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
        cached = next((p for p in sorted(folder.glob(stem + ".*")) if p.is_file()), None) if folder.is_dir() else None
        if cached is not None:
            got[url] = cached
            continue
        prober = prober or Prober(settings, deadline=time.monotonic() + settings.deadline)
        probe = prober.fetch(url, want_body=True)
        if probe.error or probe.status is None:
            problems[url] = f"could not be downloaded: {probe.error or 'no answer'}"
        elif probe.status != 200:
            problems[url] = f"could not be downloaded: the server answered {probe.status}"
        elif len(probe.body) >= settings.max_body_bytes:
            problems[url] = f"is larger than {settings.max_body_bytes} bytes (links.max-body-bytes); download it into the project"
        elif (suffix := image_suffix(probe.body)) is None:
            problems[url] = "is not an image (PNG, JPEG, GIF, WebP or SVG)"
        else:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / (stem + suffix)
            partial = target.with_suffix(suffix + ".part")
            partial.write_bytes(probe.body)
            partial.replace(target)  # a half-written copy is never taken for a whole one
            got[url] = target
    return got, problems
