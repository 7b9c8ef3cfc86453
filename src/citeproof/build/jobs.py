"""One output of one document to make: what the builder, the hash store and the renderer pass around.

It lives apart from :mod:`citeproof.build.render` so that a build with nothing to do (the
hash store says every output is up to date) never imports the renderer and its filters.
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from citeproof.build.products import Output
    from citeproof.project.bibliography import Bibliography
    from citeproof.project.documents import ParsedDocument

PREVIEW_DIR = "preview"  # PNG pages of every PDF, under the build folder
REMOTE_FOLDER = "_remote"  # where downloaded images appear to typst


@dataclass
class Resources:
    """The local files a document's outputs may embed: target as written -> checked absolute path."""

    files: dict[str, Path] = field(default_factory=dict)
    remote: dict[str, str] = field(default_factory=dict)  # remote-resources = "fetch": url -> where it is written

    def typst_files(self, root: Path) -> dict[str, Path]:
        """What typst may read, by root-relative path: local images where they are, downloads under _remote/."""
        found = {}
        for target, path in self.files.items():
            if target in self.remote:
                continue  # the URL itself: typst reads the download under _remote/
            relative = target[1:] if target.startswith(f"/{REMOTE_FOLDER}/") else path.relative_to(root).as_posix()
            found[relative] = path
        return found

    def add_download(self, url: str, path: Path) -> str:
        """A downloaded copy of ``url``: embedded as the URL's data, and read by typst at the returned path."""
        self.files[url] = path
        target = f"/{REMOTE_FOLDER}/{path.name}"
        self.files[target] = path
        return target

    def data_uri(self, target: str) -> str | None:
        path = self.files.get(target)
        if path is None:
            return None
        kind = "image/svg+xml" if path.suffix.lower() == ".svg" else (mimetypes.guess_type(path.name)[0] or "application/octet-stream")
        return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


@dataclass(frozen=True)
class Job:
    """One output of one document, with everything needed to make it."""

    parsed: ParsedDocument
    bib: Bibliography
    style: Path
    output: Output
    draft: bool = False
    preview: bool = False
    resources: Resources = field(default_factory=Resources)  # the checked local images it may embed
