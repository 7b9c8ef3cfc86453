"""Regenerate tests/hostile/cases/* and manifest.toml: python tests/hostile/generate.py (the output is committed)."""

import json
import shutil
from pathlib import Path

H = Path(__file__).resolve().parent
CASES = H / "cases"
shutil.rmtree(CASES, ignore_errors=True)
CASES.mkdir(parents=True)

FM = "---\ntitle: A Small Test Article\nlang: en-US\ndate: 2024-05-01\n---\n\n"
BODY = "Most adults need seven hours of sleep [@smith2024].\n\n"
REFS = "\n## References\n\n::: {#refs}\n:::\n"
DOC = "manuscript/article.md"
BASE_PY = (H / "base" / "pyproject.toml").read_text()

cases = []


def case(
    name,
    files,
    *,
    exit,
    names,
    why,
    args=None,
    env=None,
    setup=None,
    seconds=20,
    slow=False,
    signal=None,
    wait_for=None,
    signal_bound=None,
    keeps=True,
    leaves_staging=False,
    absent=None,
):
    folder = CASES / name
    folder.mkdir()
    for rel, content in files.items():
        # Stored as <name>.in: linters and formatters must not read a broken pyproject.toml, filter or Markdown.
        p = folder / (rel + ".in")
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    entry = {"name": name, "why": why, "exit": exit, "names": names}
    if args:
        entry["args"] = args
    if env:
        entry["env"] = env
    if setup:
        entry["setup"] = setup
    if seconds != 20:
        entry["seconds"] = seconds
    if slow:
        entry["slow"] = True
    if signal:
        entry["signal"] = signal
    if wait_for:
        entry["wait_for"] = wait_for
    if signal_bound:
        entry["signal_bound"] = signal_bound
    if not keeps:
        entry["keeps_outputs"] = False
    if leaves_staging:
        entry["leaves_staging"] = True
    if absent:
        entry["absent"] = absent
    cases.append(entry)


def doc(name, text, **kw):
    case(name, {DOC: text}, **kw)


# --- front matter and YAML -----------------------------------------------------------
doc("yaml-never-closed", "---\ntitle: Open\nlang: en-US\n\nText.\n", exit=1, names=DOC + ":1", why="front matter never closed")
doc("yaml-bad-indent", "---\ntitle: x\n  lang: en\n bad: [\n---\n\nText.\n", exit=1, names=DOC, why="invalid YAML")
doc("yaml-unclosed-quote", '---\ntitle: "never closed\nlang: en-US\n---\n\nText.\n', exit=1, names=DOC, why="unclosed quote")
doc(
    "yaml-tab-indent",
    "---\ntitle: x\nauthor:\n\t- a\n---\n\nText.\n",
    exit=0,
    names="built",
    why="tab in YAML indentation: pandoc reads it; no crash",
    keeps=False,
)
doc("yaml-undefined-alias", "---\ntitle: *nope\n---\n\nText.\n", exit=1, names=DOC, why="alias without anchor")
bomb = ["---", "title: bomb", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
prev = "a"
for n in "bcdefghi":
    bomb.append(f"{n}: &{n} [" + ",".join([f"*{prev}"] * 9) + "]")
    prev = n
doc("yaml-alias-bomb", "\n".join(bomb) + "\n---\n\nText.\n", exit=1, names=DOC + ":2", why="billion laughs in front matter", seconds=10)
doc(
    "yaml-alias-bomb-later-block",
    FM + "Text.\n\n" + "\n".join(bomb).replace("title: bomb", "x: 1") + "\n---\n\nMore.\n",
    exit=1,
    names=DOC + ":10",
    why="alias bomb in a YAML block after the front matter",
    seconds=10,
)
doc("yaml-title-mapping", "---\ntitle: {a: b}\n---\n\nText.\n", exit=1, names=DOC + ":2", why="mapping where a string is expected")
doc(
    "yaml-date-mapping",
    "---\ntitle: x\ndate: {year: 2024}\n---\n\nText.\n",
    exit=1,
    names=DOC + ":3",
    why="date as a mapping (was AttributeError)",
)
doc("yaml-lang-list", "---\ntitle: x\nlang: [en, fr]\n---\n\nText.\n", exit=1, names=DOC + ":3", why="lang as a list")
doc(
    "yaml-description-mapping",
    "---\ntitle: x\ndescription:\n  nested: value\n---\n\nText.\n",
    exit=1,
    names=DOC + ":3",
    why="description as a mapping",
)
doc("yaml-title-list", "---\ntitle:\n  - one\n  - two\n---\n\nText.\n", exit=1, names=DOC + ":2", why="title as a list")

# --- structure and size ---------------------------------------------------------------
doc(
    "nested-list-500",
    FM + "".join("  " * i + "- a\n" for i in range(500)),
    exit=1,
    names=DOC,
    why="lists nested 500 deep (was RecursionError)",
    seconds=10,
)
doc("nested-quote-500", FM + "".join(">" * i + " a\n" for i in range(1, 500)), exit=1, names=DOC, why="quotes nested 500 deep", seconds=10)
doc("nested-quote-one-line", FM + "> " * 300 + "deep\n", exit=1, names=DOC + ":7", why="300 quote markers on one line")
doc("nested-ordered-list", FM + "".join("   " * i + "1. a\n" for i in range(100)), exit=1, names=DOC, why="ordered lists nested 100 deep")
doc(
    "nested-brackets-20",
    FM + "[x" * 20 + "]" * 20 + "\n",
    exit=1,
    names=DOC + ":7",
    why="exponential bracket backtracking in pandoc",
    seconds=10,
)
doc("nested-spans-unclosed", FM + "[x" * 30 + "]{.c}" * 30 + "\n", exit=1, names=DOC + ":7", why="unclosed nested spans", seconds=10)
doc(
    "nested-emphasis-and-links",
    FM + "*a " * 100 + "b" + "*" * 100 + "\n\n" + "[" * 12 + "x" + "](u)" * 12 + "\n",
    exit=1,
    names=DOC,
    why="emphasis then nested links",
    seconds=10,
)
doc(
    "oversized-document",
    FM + ("Filler sentence for size. " * 40 + "\n\n") * 40,
    exit=1,
    names=DOC,
    why="size guard (limit lowered to 0.01 MB)",
    env={"CITEPROOF_DOCUMENT_MEGABYTES": "0.01"},
)
doc("not-utf8", FM.encode() + b"Caf\xe9 and \xff\xfe\n", exit=1, names=DOC + ":7", why="Latin-1 bytes in the Markdown")
doc(
    "nul-bytes",
    FM.encode() + b"Text with \x00 a NUL byte [@smith2024].\n" + REFS.encode(),
    exit=1,
    names=DOC + ":7",
    why="a NUL byte is binary data, refused at its line",
)
doc("utf16-bom", (FM + "Text.\n").encode("utf-16"), exit=1, names=DOC + ":1", why="UTF-16 file")
case(
    "document-is-folder", {"manuscript/folder.md/inside.txt": "x\n"}, exit=2, names="manuscript", why="a folder matching the documents glob"
)
doc(
    "filter-limit-env-invalid",
    FM + BODY,
    exit=2,
    names="CITEPROOF_FILTER_SECONDS",
    why="a limit set to a non-number",
    env={"CITEPROOF_FILTER_SECONDS": "abc"},
)

# --- citations and bibliography ------------------------------------------------------------
doc("unknown-key", FM + "Sleep matters [@smyth2024].\n" + REFS, exit=1, names=DOC + ":7", why="cited key missing from the .bib")
bib_ok = (H / "base" / "bibliography.bib").read_text()
case(
    "bib-missing-comma",
    {"bibliography.bib": bib_ok.replace("Smith, Jane},", "Smith, Jane}")},
    exit=1,
    names="bibliography.bib",
    why="missing comma between fields",
)
case(
    "bib-key-with-space",
    {"bibliography.bib": bib_ok.replace("@online{smith2024,", "@online{smith 2024,")},
    exit=1,
    names="bibliography.bib",
    why="a key with a space",
)
case(
    "bib-duplicate-key",
    {"bibliography.bib": bib_ok + "\n" + bib_ok.split("\n\n")[0] + "\n"},
    exit=1,
    names="bibliography.bib",
    why="the same key twice",
)
case(
    "bib-not-utf8",
    {"bibliography.bib": bib_ok.encode().replace(b"Jane", b"J\xe9ne")},
    exit=1,
    names="bibliography.bib",
    why="Latin-1 in the .bib",
)
case(
    "bib-unclosed-brace",
    {"bibliography.bib": bib_ok.replace("title  = {Sleep and Health},", "title  = {Sleep and {Health},")},
    exit=1,
    names="bibliography.bib",
    why="unbalanced braces",
)
case("bib-empty", {"bibliography.bib": ""}, exit=1, names=DOC, why="empty .bib while the document cites")
case("bib-binary-garbage", {"bibliography.bib": bytes(range(256)) * 4}, exit=1, names="bibliography.bib", why="binary junk as .bib")
case(
    "bib-missing-file",
    {"pyproject.toml": BASE_PY.replace('"bibliography.bib"', '"missing.bib"')},
    exit=1,
    names="missing.bib",
    why="the configured .bib does not exist",
)
doc("citation-space-after-at", FM + "Sleep matters [@ smith2024].\n" + REFS, exit=1, names=DOC + ":7", why="malformed citation [@ key]")
doc("citation-no-at", FM + "Sleep matters [smith2024].\n" + REFS, exit=1, names=DOC + ":7", why="malformed citation [key]")

# --- resources outside the project -----------------------------------------------------------
doc("image-etc-passwd", FM + "![x](/etc/passwd)\n", exit=1, names=DOC + ":7", why="absolute path image")
doc("image-dotdot", FM + "![x](../../../../../../etc/passwd)\n", exit=1, names=DOC + ":7", why="../ image leaving the project")
doc("image-missing", FM + "![x](images/none.png)\n", exit=1, names=DOC + ":7", why="image that does not exist")
doc("image-git-config", FM + '<img src="../.git/config" alt="">\n', exit=1, names=DOC + ":7", why="raw img of .git/config")
doc(
    "stylesheet-proc-environ",
    FM + '<link rel="stylesheet" href="/proc/self/environ">\n\nText.\n',
    exit=0,
    names="built",
    why="raw link to /proc/self/environ: sanitised away (raw-html = sanitize)",
    keeps=False,
    absent="CITEPROOF_TEST_MARK",
)
doc(
    "image-remote-loopback",
    FM + "![c](http://127.0.0.1:9/x.png)\n",
    exit=1,
    names=DOC + ":7",
    why="remote image (no network during a build)",
)
case(
    "image-symlink-out",
    {DOC: FM + "![x](notes.png)\n"},
    setup="symlink manuscript/notes.png /etc/passwd",
    exit=1,
    names=DOC + ":7",
    why="symlink inside the project pointing out",
)
case(
    "svg-external-entity",
    {
        DOC: FM + "![x](evil.svg)\n",
        "manuscript/evil.svg": '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&xxe;</text></svg>\n',
    },
    args=["build", "-f", "html"],
    exit=1,
    names="evil.svg",
    why="SVG with an external entity: refused by the sandbox before anything embeds it",
    absent="root:x:0:0",
)
doc("raw-typst-read", FM + '```{=typst}\n#raw(read("/pyproject.toml"))\n```\n', exit=1, names=DOC, why="raw Typst refused by default")
case(
    "typst-package-import",
    {DOC: FM + '```{=typst}\n#import "@preview/cetz:0.2.2"\n```\n', "pyproject.toml": BASE_PY + 'raw-typst = "allow"\n'},
    exit=1,
    names=DOC + ":8",
    why="typst package import refused",
)

# --- configuration -------------------------------------------------------------------------------
case(
    "pyproject-not-utf8",
    {"pyproject.toml": BASE_PY.encode() + b"# caf\xe9\n"},
    exit=2,
    names="pyproject.toml:6",
    why="non-UTF-8 pyproject.toml",
)
case("pyproject-invalid-toml", {"pyproject.toml": BASE_PY + "formats = [\n"}, exit=2, names="pyproject.toml", why="broken TOML")
case("pyproject-no-table", {"pyproject.toml": "[project]\nname = 'x'\n"}, exit=2, names="pyproject.toml", why="no [tool.citeproof] table")
case("pyproject-unknown-key", {"pyproject.toml": BASE_PY + 'fromats = ["html"]\n'}, exit=2, names="fromats", why="typo in a key")
case("pyproject-bad-format", {"pyproject.toml": BASE_PY.replace('"pdf"]', '"docx"]')}, exit=2, names="docx", why="unknown format")
case("pyproject-bad-paper", {"pyproject.toml": BASE_PY + 'paper = "a5"\n'}, exit=2, names="a5", why="unknown paper")
case(
    "pyproject-documents-none",
    {"pyproject.toml": BASE_PY.replace('"manuscript/*.md"', '"nowhere/*.md"')},
    exit=2,
    names="nowhere",
    why="documents glob matches nothing",
)
case(
    "pyproject-filter-missing",
    {"pyproject.toml": BASE_PY.replace('"images"]', '"images", "filters/none.py"]')},
    exit=2,
    names="none.py",
    why="a filter file that does not exist",
)
case(
    "pyproject-unknown-table",
    {"pyproject.toml": BASE_PY + "\n[tool.citeproof.documents-override]\n"},
    exit=2,
    names="documents-override",
    why="unknown table",
)
case(
    "pyproject-name-dotdot",
    {
        "pyproject.toml": BASE_PY.replace(
            'documents = ["manuscript/*.md"]', 'documents = [{ source = "manuscript/article.md", name = "../escaped" }]'
        )
    },
    exit=2,
    names="../escaped",
    why="a document name that would write outside build/",
)
case(
    "pyproject-name-absolute",
    {
        "pyproject.toml": BASE_PY.replace(
            'documents = ["manuscript/*.md"]', 'documents = [{ source = "manuscript/article.md", name = "/tmp/escaped" }]'
        )
    },
    exit=2,
    names="/tmp/escaped",
    why="an absolute document name",
)
case(
    "pyproject-document-outside",
    {"pyproject.toml": BASE_PY.replace('documents = ["manuscript/*.md"]', 'documents = ["/etc/hostname"]')},
    exit=2,
    names="/etc/hostname",
    why="a document outside the project",
)
case("config-is-folder", {}, args=["--config", "{root}", "build"], exit=2, names="{root}", why="--config pointing at a folder")
case("config-missing", {}, args=["--config", "{root}/nope.toml", "build"], exit=2, names="nope.toml", why="--config pointing at nothing")

# --- filters -----------------------------------------------------------------------------------
FILT = BASE_PY.replace('filters = ["products", "source_needed", "callouts", "images"]', 'filters = ["filters/bad.py"]')


def filt(name, code, **kw):
    case(name, {"filters/bad.py": code, "pyproject.toml": FILT}, **kw)


filt(
    "filter-sys-exit-0",
    "import sys\n\ndef main(doc=None):\n    sys.exit(0)\n",
    exit=1,
    names="bad.py",
    why="a filter calling sys.exit(0) is not a success",
)
filt(
    "filter-sys-exit-3-at-import",
    "import sys\nsys.exit(3)\n\ndef main(doc=None):\n    return doc\n",
    exit=1,
    names="bad.py",
    why="sys.exit while loading",
)
filt("filter-raises", "def main(doc=None):\n    raise ValueError('boom')\n", exit=1, names="bad.py", why="a filter raising")
filt("filter-syntax-error", "def main(doc=None)\n    return doc\n", exit=1, names="bad.py", why="a filter that does not parse")
filt("filter-no-main", "X = 1\n", exit=1, names="bad.py", why="a filter without main()")
filt(
    "filter-loops",
    "def main(doc=None):\n    while True:\n        pass\n",
    exit=1,
    names="bad.py",
    why="a looping filter is stopped at its time limit",
    env={"CITEPROOF_FILTER_SECONDS": "1"},
    seconds=15,
    slow=True,
)
filt(
    "filter-swallows-stop",
    "def main(doc=None):\n    while True:\n        try:\n            while True:\n                pass\n"
    "        except BaseException:\n            pass\n",
    exit=1,
    names="bad.py",
    why="a loop that catches BaseException: the process gives up 5 s after the limit",
    env={"CITEPROOF_FILTER_SECONDS": "1"},
    seconds=20,
    leaves_staging=True,
    slow=True,
)
filt(
    "filter-keyboard-interrupt",
    "def main(doc=None):\n    raise KeyboardInterrupt\n",
    exit=130,
    names="",
    why="a filter raising KeyboardInterrupt stops the run as Ctrl-C would",
)
filt("filter-recursion", "def main(doc=None):\n    return main(doc)\n", exit=1, names="bad.py", why="a filter recursing without end")
filt(
    "filter-import-loop",
    "while True:\n    pass\n",
    exit=1,
    names="bad.py",
    why="a filter that loops while loading",
    env={"CITEPROOF_FILTER_SECONDS": "1"},
    seconds=15,
    slow=True,
)

# --- the build folder and the disk ---------------------------------------------------------------
doc("build-is-file", FM + BODY + REFS, setup="build-is-file", exit=2, names="build", why="build/ is a file", keeps=False)
doc("build-read-only", FM + BODY + REFS, setup="build-read-only", exit=2, names="build", why="build/ on a read-only file system")
doc(
    "disk-full",
    FM + BODY + ("Filler sentence to make the outputs large. " * 60 + "\n\n") * 25 + REFS,
    args=["build", "-f", "html"],
    setup="disk-full",
    exit=2,
    names="build",
    why="ENOSPC while writing outputs",
    slow=True,
)

# --- tools ---------------------------------------------------------------------------------------
doc(
    "pandoc-no-exec-bit",
    FM + "Edited.\n",
    env={"CITEPROOF_PANDOC": "{tools}/pandoc-noexec"},
    exit=3,
    names="pandoc-noexec",
    why="pandoc without its execute bit",
)
doc(
    "pandoc-missing",
    FM + "Edited.\n",
    env={"CITEPROOF_PANDOC": "{root}/no-such-pandoc"},
    exit=3,
    names="no-such-pandoc",
    why="pandoc not there",
)
doc(
    "pandoc-crashes",
    FM + "Edited.\n",
    env={"CITEPROOF_PANDOC": "{tools}/pandoc-crash"},
    exit=3,
    names="pandoc-crash",
    why="pandoc killed by SIGSEGV",
)
doc(
    "pandoc-garbage",
    FM + "Edited.\n",
    env={"CITEPROOF_PANDOC": "{tools}/pandoc-garbage"},
    exit=3,
    names="pandoc-garbage",
    why="pandoc printing garbage",
)
doc(
    "pandoc-garbage-version",
    FM + "Edited.\n",
    env={"CITEPROOF_PANDOC": "{tools}/pandoc-garbage-version"},
    exit=3,
    names="pandoc-garbage-version",
    why="pandoc --version printing garbage",
)
doc(
    "pandoc-too-slow",
    FM + "Edited.\n",
    env={"CITEPROOF_PANDOC": "{tools}/pandoc-slow", "CITEPROOF_PANDOC_SECONDS": "1"},
    exit=3,
    names="pandoc-slow",
    why="pandoc over its time limit",
    seconds=15,
    slow=True,
)
case(
    "typst-loop-time-limit",
    {
        DOC: FM + "```{=typst}\n#let x = 0\n#for i in range(1000000000) { x = x + 1 }\n```\n",
        "pyproject.toml": BASE_PY + 'raw-typst = "allow"\n',
    },
    args=["build", "-f", "pdf"],
    env={"CITEPROOF_TYPST_SECONDS": "2"},
    exit=1,
    names="article.pdf",
    why="a typst compile that never ends is stopped at its limit",
    seconds=20,
    slow=True,
)

# --- the same inputs through `citeproof check` (it parses with the same guards) --------------------
doc("check-alias-bomb", "\n".join(bomb) + "\n---\n\nText.\n", args=["check"], exit=1, names=DOC + ":2", why="check: alias bomb", seconds=10)
doc(
    "check-nested-list-200",
    FM + "".join("  " * i + "- a\n" for i in range(200)),
    args=["check"],
    exit=1,
    names=DOC,
    why="check: deep lists",
)
doc(
    "check-date-mapping",
    "---\ntitle: x\ndate: {year: 2024}\n---\n\nText.\n",
    args=["check"],
    exit=1,
    names=DOC + ":3",
    why="check: date as a mapping",
)
doc("check-nul-byte", FM + "A NUL \x00 here.\n", args=["check"], exit=1, names=DOC + ":7", why="check: NUL byte")
doc("check-brackets", FM + "[x" * 20 + "]" * 20 + "\n", args=["check"], exit=1, names=DOC + ":7", why="check: nested brackets", seconds=10)
doc(
    "check-pandoc-garbage",
    FM + "Edited.\n",
    args=["check"],
    env={"CITEPROOF_PANDOC": "{tools}/pandoc-garbage"},
    exit=3,
    names="pandoc-garbage",
    why="check: pandoc printing garbage",
)

# --- signals during a real build -----------------------------------------------------------------
SIGFILT = BASE_PY.replace('"images"]', '"images", "filters/slow.py"]')
SLOW_FILTER = (
    "import os\nfrom pathlib import Path\n\n\ndef main(doc=None):\n"
    "    Path(os.environ['CITEPROOF_TEST_STARTED']).touch()\n    while True:\n        pass\n"
)
for sig, code in (("SIGINT", 130), ("SIGTERM", 143)):
    low = sig.lower()
    case(
        f"{low}-during-pandoc",
        {DOC: FM + "Edited.\n"},
        env={"CITEPROOF_PANDOC": "{tools}/pandoc-slow"},
        signal=sig,
        wait_for="started",
        exit=code,
        names="",
        why=f"{sig} while pandoc runs: its group stopped",
        slow=True,
        signal_bound=3,
    )
    case(
        f"{low}-during-filter",
        {DOC: FM + "Edited.\n", "filters/slow.py": SLOW_FILTER, "pyproject.toml": SIGFILT},
        signal=sig,
        wait_for="started",
        exit=code,
        names="",
        why=f"{sig} while a filter loops",
        slow=True,
        signal_bound=3,
    )
    case(
        f"{low}-during-typst",
        {
            DOC: FM + "```{=typst}\n#let x = 0\n#for i in range(1000000000) { x = x + 1 }\n```\n",
            "pyproject.toml": BASE_PY + 'raw-typst = "allow"\n',
        },
        args=["build", "-f", "pdf"],
        signal=sig,
        wait_for="proc:typst_worker",
        exit=code,
        names="",
        why=f"{sig} stops a looping typst compile within 2 s",
        slow=True,
        signal_bound=2,
    )
    case(
        f"{low}-twice-during-pandoc",
        {DOC: FM + "Edited.\n"},
        env={"CITEPROOF_PANDOC": "{tools}/pandoc-slow"},
        signal=sig + "x2",
        wait_for="started",
        exit=code,
        names="",
        why=f"a second {sig} does not skip cleanup",
        slow=True,
        signal_bound=3,
    )
case(
    "sigterm-real-build-early",
    {DOC: FM + BODY + "Edited.\n" + REFS},
    signal="SIGTERM",
    wait_for="delay:0.3",
    exit=143,
    names="",
    why="SIGTERM 0.3 s into a real build",
    slow=True,
    signal_bound=3,
)

# manifest
lines = [
    "# The hostile corpus: one [[case]] per input; tests/test_hostile.py runs each.",
    "# Files under cases/<name>/ are laid over a copy of base/ (with its previous build).",
    "# {root} is the project copy, {tools} is tests/hostile/tools. See tests/hostile/README.md.",
    "",
]


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


for c in cases:
    lines.append("[[case]]")
    for k, v in c.items():
        lines.append(f"{k} = {toml_value(v)}")
    lines.append("")
(H / "manifest.toml").write_text("\n".join(lines))
# git keeps no empty folder: a case with no files of its own still needs its folder in a clone.
for folder in (H / "cases").iterdir():
    if folder.is_dir() and not any(folder.iterdir()):
        (folder / ".gitkeep").write_text("")
print(len(cases), "cases")
