"""``solutions report DIR --out FILE.pdf [--round R] [--area PCODE]... [--lang LANG]``
(DESIGN 3.1): the briefing pack of a view, written to a file.

Exit status 0 on success; 1 on bad input (an unknown round, area, level or language, a
folder that is not a workspace) and when there is no Chromium to draw the maps with,
each with a message and no traceback. The file is written whole or not at all.
"""

from __future__ import annotations

import time

from dashboard.outputs import EXIT_OK, error, view_arguments, write_atomically


def run_report_command(args) -> int:
    from dashboard.context import AppContext
    from dashboard.report import (
        ChromiumMissing,
        RenderError,
        ReportInputError,
        build_report,
        chromium_hint,
        content,
        find_chromium,
    )
    from workspace.frameworks import load_framework
    from workspace.store import Workspace

    workspace = Workspace(args.dir).require()
    if args.out.suffix.lower() != ".pdf":
        return error(f"{args.out}: the output file must end in .pdf")
    started = time.perf_counter()
    try:
        framework = load_framework(args.framework) if args.framework else None
        context = AppContext.load(workspace, framework)
        # Checked before Chromium is looked for and started: a typo costs no browser.
        if not context.rounds:  # nothing scored: the first-day pack of counts
            from dashboard.report.counts_pack import resolve_counts_view

            resolve_counts_view(context, round=args.round, level=args.level, group=args.group)
        else:
            content.resolve_view(context, **view_arguments(args))
        content.check_areas(context, args.area)
        if find_chromium() is None:
            return error(chromium_hint())
        made = build_report(context, areas=args.area, **view_arguments(args))
    except ChromiumMissing:
        return error(chromium_hint())
    except ReportInputError as exc:
        return error(f"{args.dir}: {exc}")
    except RenderError as exc:
        return error(f"the figures could not be drawn: {exc}. {chromium_hint()}")
    write_atomically(args.out, made.pdf)
    print(
        f"{args.out}: briefing pack of {made.pages} pages for "
        f"{workspace.country_name}, round {made.round}, admin level "
        f"{made.level}, {len(made.localities)} locality pages, "
        f"language {args.lang} ({len(made.pdf) / 1e6:.1f} MB, "
        f"{time.perf_counter() - started:.1f} s)"
    )
    return EXIT_OK
