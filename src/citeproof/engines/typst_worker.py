"""One typst compile or query in a process of its own: ``python -m citeproof.engines.typst_worker``.

typst's Python binding compiles in native code that ignores Ctrl-C and has no time limit;
in a child process it can be stopped like any other tool (see engines/typst.py).

Protocol: stdin is one JSON line (the request) followed by the Typst source bytes. stdout is
one JSON line followed by the result bytes:
``{"ok": true, "sizes": [n, ...], "warnings": [...]}`` then the pages (or the query's JSON),
or ``{"ok": false, "error": "..."}`` when typst refused the source. Nothing else is printed.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _message(item: object) -> str:
    """A one-paragraph message from a TypstError or TypstWarning (their fields vary by version)."""
    message = str(getattr(item, "message", "") or item)
    hints = getattr(item, "hints", None) or []
    return message + "".join(f"\n  hint: {h}" for h in hints)


def handle(request: dict[str, Any], source: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """Do what ``request`` asks with ``source``; return the answer header and its payloads."""
    import typst

    options: dict[str, Any] = request["options"]
    try:
        if request["op"] == "query":
            raw = typst.query(source, request["selector"], field="value", **options)
            data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
            return {"ok": True, "sizes": [len(data)], "warnings": []}, [data]
        result, raw_warnings = typst.compile_with_warnings(source, **options)
    except (typst.TypstError, RuntimeError) as exc:  # query reports compile errors as RuntimeError
        return {"ok": False, "error": _message(exc)}, []
    pages = [bytes(p) for p in (result if isinstance(result, list) else [result])]
    warnings = [_message(w) for w in raw_warnings]
    return {"ok": True, "sizes": [len(p) for p in pages], "warnings": warnings}, pages


def main() -> int:
    data = sys.stdin.buffer.read()
    header, _, source = data.partition(b"\n")
    answer, payloads = handle(json.loads(header), source)
    out = sys.stdout.buffer
    out.write(json.dumps(answer).encode("utf-8") + b"\n")
    for payload in payloads:
        out.write(payload)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
