"""``citeproof validate``: the built outputs held to their fields' validators."""

from __future__ import annotations

import argparse
from typing import TextIO

from citeproof.errors import ExitCode
from citeproof.project.config import Config


def run(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from citeproof.findings import count_by_severity, default_format, write_report
    from citeproof.validate.runner import ValidateOptions, validate

    options = ValidateOptions(
        documents=tuple(args.documents) if args.documents else None,
        formats=tuple(dict.fromkeys(args.formats)) if args.formats else None,
        previews=args.previews,
        require_tools=args.require_tools,
    )
    outcome = validate(config, options, log=lambda message: None if args.quiet else print(message, file=err))
    counts = count_by_severity(outcome.findings)
    summary = {"errors": counts["error"], "warnings": counts["warning"], "skipped": len(outcome.skipped), "tools": len(outcome.ran)}
    write_report(outcome.findings, fmt=args.report_format or default_format(), out=out, summary=summary, title="validate", quiet=args.quiet)
    if outcome.previews and not args.quiet:
        print(f"wrote {len(outcome.previews)} previews into {config.relative(config.build_dir / 'preview')}/", file=err)
    if outcome.skipped and options.require_tools:
        print(f"citeproof: error: {len(outcome.skipped)} validators are not installed (--require-tools); see above", file=err)
        return ExitCode.TOOL
    return ExitCode.FINDINGS if outcome.problems() else ExitCode.OK
