"""``citeproof refs``: add references by identifier, keep the lock fresh, verify every entry.

citeproof refs add doi:10.1111/add.70073 pmid:40320049   complete entries into the .bib
citeproof refs update                                    refresh every locked record
citeproof refs check --offline                           verify entries against the lock only
citeproof refs check --offline --fix                     write the registry's values, show a diff
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from citeproof.errors import ExitCode, counted
from citeproof.files import write_atomic
from citeproof.refs.identifiers import Identifier, entry_identifiers, is_identifier_key, parse_identifier

if TYPE_CHECKING:
    from citeproof.findings import Finding
    from citeproof.project.bibliography import BibEntry, Bibliography
    from citeproof.project.config import Config
    from citeproof.project.loader import LoadedProject
    from citeproof.refs.clients import Registries
    from citeproof.refs.lock import Lock
    from citeproof.refs.settings import RefsSettings

DESCRIPTION = """\
References you can trust. Every record fetched from a registry (Crossref and DOI content
negotiation, PubMed E-utilities, the PMC ID converter, a page's own metadata) is kept in
the lock file (references.lock.json), so build and check never need the network.

  add ID...        write a complete entry per identifier (doi:, pmid:, pmcid:, url:) into
                   the bibliography with a readable key; refuses an identifier already there
  update [ID...]   fetch every identifier the bibliographies and documents use, again
  check            each entry against its registry record: mismatched or truncated title,
                   authors, year, journal, volume/issue/pages; what APA 7 needs by type;
                   retractions (an error), corrections and expressions of concern (warnings)

Exit 0 when nothing is an error, 1 otherwise, 4 when no registry could be reached.
"""


CHECK_DESCRIPTION = """\
Check each entry against its registry record: a mismatched or truncated title, authors,
year, journal, volume, issue or pages (at the .bib line, with both values); what APA 7
needs printed for its type; its standing (a retraction is an error, a correction or an
expression of concern a warning); and malformed or duplicate entries.

Records the lock lacks are fetched first, unless --offline. --fix writes the registry's
values into the entries (your own fields and comments are kept) and prints the diff.

Exit 0 when nothing is an error, 1 otherwise, 4 when an entry could not be verified
because no registry answered (no network: run with --offline to check against the lock).
"""


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The ``refs`` subcommands (called by the CLI while it builds its parser)."""
    sub = parser.add_subparsers(dest="refs_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add complete entries by DOI, PMID, PMCID or URL", description="Fetch each identifier's record "
                         "and write a complete entry (key: author, year, first title word) into the bibliography.")  # fmt: skip
    add.add_argument("identifiers", nargs="+", metavar="ID", help="doi:10.xxxx/..., pmid:NNN, pmcid:PMCNNN or url:https://...")
    add.add_argument("--bibliography", type=Path, help="the .bib to write into (default: the first document's)")
    update = sub.add_parser("update", help="fetch the locked records again", description="Refresh references.lock.json.")
    update.add_argument("identifiers", nargs="*", metavar="ID", help="only these identifiers (default: every one in use)")
    check = sub.add_parser("check", help="verify every entry against its registry record", description=CHECK_DESCRIPTION,
                           formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    check.add_argument("--offline", action="store_true", help="use the lock alone (default: fetch records the lock lacks first)")
    check.add_argument("--fix", action="store_true", help="write the registry's values into the entries and print a diff")
    for each in (add, update, check):
        each.add_argument("-d", "--document", dest="documents", action="append", metavar="NAME", help="only this document's bibliography")
    check.add_argument("--format", dest="report_format", choices=("text", "json", "github"), help="report format")


@dataclass
class _Run:
    """What every ``refs`` action works on: the project's bibliographies, the lock, the settings."""

    config: Config
    args: argparse.Namespace
    project: LoadedProject
    bibs: dict[tuple[Path, ...], Bibliography]  # per set of files a document reads: merged, with the lock's entries
    lock: Lock
    lock_display: str
    settings: RefsSettings
    err: TextIO

    def log(self, message: str) -> None:
        if not getattr(self.args, "quiet", False):
            print(message, file=self.err)

    def files(self) -> dict[Path, Bibliography]:
        """Each bibliography file on its own (what ``--fix`` and ``add`` write into)."""
        return {part.path: part for bib in self.bibs.values() for part in bib.files}

    def registries(self) -> Registries:
        from citeproof.refs.clients import Registries

        return Registries(self.settings)

    def identifiers_in_use(self) -> set[Identifier]:
        found = {i for bib in self.bibs.values() for e in bib.entries if not e.origin for i in _registry_ids(e)}
        # A page's own metadata already in the lock is refreshed too (the check never fetches pages unasked).
        found |= {
            i for bib in self.bibs.values() for e in bib.entries if not e.origin
            for i in entry_identifiers(e.fields) if i.kind == "url" and self.lock.get(i)
        }  # fmt: skip
        for doc in self.project.documents:
            found |= {parse_identifier(k) for k in set(doc.parsed.cited) | set(doc.parsed.nocite) if is_identifier_key(k)}
        return found


def _by_files(project: LoadedProject) -> dict[tuple[Path, ...], Bibliography]:
    return {tuple(p.path for p in d.bib.files): d.bib for d in project.documents}


def _registry_ids(entry: BibEntry) -> list[Identifier]:
    return [i for i in entry_identifiers(entry.fields) if i.kind != "url"]


def run(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from citeproof.project.loader import load_project
    from citeproof.refs.project import lock_for

    lock, lock_display = lock_for(config)
    project = load_project(config, args.documents, strict=args.refs_command != "check")
    bibs = _by_files(project)
    ctx = _Run(config, args, project, bibs, lock, lock_display, config.refs, err)
    if args.refs_command == "add":
        return _add(ctx)
    if args.refs_command == "update":
        return _update(ctx)
    return _check(ctx, out)


def _add(ctx: _Run) -> int:
    from citeproof.project.bibliography import parse_bibliography
    from citeproof.refs.actions import add_references

    config, args = ctx.config, ctx.args
    files = ctx.files()
    # By default the first BibTeX file of the documents' bibliographies ('add' writes BibTeX).
    first = next((p for p in files if p.suffix.lower() == ".bib"), next(iter(files)))
    path = (config.root / args.bibliography).resolve() if args.bibliography else first
    # Every file of a document that reads ``path``: an identifier already in any of them is refused.
    bib = next((b for b in ctx.bibs.values() if path in {p.path for p in b.files}), None)
    if bib is None:
        print(
            f"citeproof: warning: {config.relative(path)} is not a bibliography of any configured document: "
            "what is added there cannot be cited until it is listed in [tool.citeproof] bibliography",
            file=ctx.err,
        )
    bib = bib or parse_bibliography(path, display=config.relative(path))[0]
    outcome = add_references(path, bib, args.identifiers, lock=ctx.lock, registries=ctx.registries(), log=ctx.log)
    if outcome.added:
        ctx.lock.save()
    for problem in outcome.problems:
        print(f"citeproof: error: {problem}", file=ctx.err)
    ctx.log(f"refs add: added {len(outcome.added)}, refused {len(outcome.problems)}")
    standing = _standing_of(path, config.relative(path), set(outcome.added), ctx.lock)
    for finding in standing:  # added as asked, but a retracted or corrected work must not be cited unawares
        print(f"citeproof: {finding.severity}: {finding.message}", file=ctx.err)
    if outcome.offline:
        return ExitCode.OFFLINE
    return ExitCode.FINDINGS if outcome.problems or any(f.severity == "error" for f in standing) else ExitCode.OK


_STANDING = frozenset(("ref-retracted", "ref-corrected", "ref-expression-of-concern"))


def _standing_of(path: Path, display: str, keys: set[str], lock: Lock) -> list[Finding]:
    """What the registry says of the standing of the entries just added (a retraction, a correction)."""
    from citeproof.project.bibliography import parse_bibliography
    from citeproof.refs.verify import check_references

    if not keys:
        return []
    bib, _ = parse_bibliography(path, display=display)
    return [f for f in check_references(bib, lock, keys=keys) if f.rule in _STANDING]


def _update(ctx: _Run) -> int:
    from citeproof.refs.actions import update_records

    wanted = [parse_identifier(t) for t in ctx.args.identifiers] if ctx.args.identifiers else ctx.identifiers_in_use()
    outcome = update_records(wanted, ctx.lock, ctx.registries(), ctx.log)
    if outcome.changed:
        ctx.lock.save()
    for problem in outcome.problems:
        print(f"citeproof: error: {problem}", file=ctx.err)
    counts = f"changed {len(outcome.changed)}, unchanged {len(outcome.unchanged)}, failed {len(outcome.problems)}"
    ctx.log(f"refs update: {ctx.lock_display}: {counts}")
    if outcome.offline:
        return ExitCode.OFFLINE
    return ExitCode.FINDINGS if outcome.problems else ExitCode.OK


def _check(ctx: _Run, out: TextIO) -> int:
    from citeproof.findings import count_by_severity, default_format, write_report
    from citeproof.refs.actions import update_records
    from citeproof.refs.fix import fix_bibliography, summary
    from citeproof.refs.resolve import first_resolved
    from citeproof.refs.retractionwatch import load_retraction_watch
    from citeproof.refs.verify import check_references

    unverified = 0  # entries whose registry could not be asked: the check is not complete
    unknown: set[str] = set()  # identifiers no registry knows: most often a typo in the .bib
    if not ctx.args.offline:
        # Fetch only what the lock cannot answer: one identifier per entry with no record yet.
        unanswered = [ids[0] for bib in ctx.bibs.values() for e in bib.entries if not e.origin
                      if (ids := _registry_ids(e)) and first_resolved(ctx.lock, ids) is None]  # fmt: skip
        if unanswered:
            outcome = update_records(unanswered, ctx.lock, ctx.registries(), ctx.log)
            if outcome.changed:
                ctx.lock.save()
            for problem in outcome.problems:
                print(f"citeproof: warning: {problem}", file=ctx.err)
            unverified, unknown = outcome.unreachable, outcome.unknown
    bibs, project = ctx.bibs, ctx.project
    if ctx.args.fix:
        from citeproof.project.loader import load_project

        for path, bib in ctx.files().items():  # each entry is fixed in the file it lives in
            if path.suffix.lower() != ".bib":
                # --fix rewrites BibTeX in place, keeping its comments; a CSL file is the reference manager's export
                ctx.log(f"refs check --fix: {bib.display} is CSL, not BibTeX: fix its entries in the reference manager and export again")
                continue
            fix = fix_bibliography(bib, ctx.lock, path.read_text(encoding="utf-8"))
            if fix.changed:
                out.write(fix.diff)
                write_atomic(path, fix.text)  # a stop mid-write must not truncate the writer's .bib
                ctx.log(f"refs check --fix: {bib.display}: wrote {summary(fix.changed)}")
        project = load_project(ctx.config, ctx.args.documents, strict=False)
        bibs = _by_files(project)
    retractions = load_retraction_watch(ctx.settings.retraction_watch)
    # Malformed and duplicate entries first: an entry the reader dropped cannot be verified at all.
    malformed = [f for found in project.bib_problems.values() for f in found] + _not_registered(bibs, unknown)
    findings = _once(malformed + [f for bib in bibs.values() for f in check_references(bib, ctx.lock, retractions=retractions)])
    counts = count_by_severity(findings)
    entries = len({(bib.part_of(e).display, e.key) for bib in bibs.values() for e in bib.entries})
    line = {"entries": entries, "locked records": len(ctx.lock), "errors": counts["error"], "warnings": counts["warning"]}
    write_report(findings, fmt=ctx.args.report_format or default_format(), out=out, summary=line, title="refs check", quiet=ctx.args.quiet)
    if counts["error"]:
        return ExitCode.FINDINGS
    if unverified:
        print(
            f"citeproof: {counted(unverified, 'entry', 'entries')} could not be verified: no registry answered (no network?)\n"
            "  hint: run again with the network, or `citeproof refs check --offline` to check against the lock only",
            file=ctx.err,
        )
        return ExitCode.OFFLINE
    return ExitCode.OK


def _not_registered(bibs: dict[tuple[Path, ...], Bibliography], unknown: set[str]) -> list[Finding]:
    """An error in the report (not only a line on stderr) for each entry whose identifier no registry knows."""
    from citeproof.findings import Finding, Location
    from citeproof.refs.verify import field_line

    found = []
    for bib in bibs.values():
        for entry in bib.entries:
            for identifier in (i for i in _registry_ids(entry) if str(i) in unknown and not entry.origin):
                part = bib.part_of(entry)
                line = field_line(part.lines, entry, identifier.kind) if part.lines else entry.line
                message = f"{entry.key}: {identifier} is not registered: no registry knows it; check it for a typo"
                found.append(Finding("error", "ref-not-registered", message, Location(part.display, line, key=entry.key)))
    return found


def _once(findings: list[Finding]) -> list[Finding]:
    """Findings without repeats (two documents may share a bibliography file)."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in findings:
        if (mark := (f.rule, f.message, str(f.location))) not in seen:
            seen.add(mark)
            out.append(f)
    return out
