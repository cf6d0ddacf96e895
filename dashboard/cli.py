"""The `solutions` command line (DESIGN 3.1): one front door onto the same parts as the app.

Exit status 0 on success, 1 on bad input (message names file, row and column; no
traceback), 2 on wrong usage (argparse's own convention).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="solutions",
        description="Durable-solutions dashboard: import, check, score and serve workspaces.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="write the fictional demo workspace into DIR")
    demo.set_defaults(func=_cmd_demo)
    demo.add_argument("dir", type=Path)

    areas = commands.add_parser("import-areas", help="add admin-area layers to a workspace")
    areas.set_defaults(func=_cmd_import_areas)
    areas.add_argument("dir", type=Path)
    areas.add_argument("files", type=Path, nargs="+")
    areas.add_argument("--level", type=int, help="admin level of a non-COD-AB file")
    areas.add_argument(
        "--code-column",
        help="column holding the P-code; A+B joins two columns with '-' where codes "
        "are unique only within a country (e.g. iso3+shapeID)",
    )
    areas.add_argument("--name-column", help="column holding the area name")
    areas.add_argument("--parent-column", help="column holding the parent's P-code")
    areas.add_argument(
        "--parent-from-geometry",
        action="store_true",
        help="no parent column: take as parent the area one level up holding most of each area",
    )

    observations = commands.add_parser("import", help="add observation files to a workspace")
    observations.set_defaults(func=_cmd_import)
    observations.add_argument("dir", type=Path)
    observations.add_argument("files", type=Path, nargs="+")
    observations.add_argument(
        "--skip-unknown",
        action="store_true",
        help="import the rows of known areas and keep the others in a rejects file",
    )
    _reading_options(observations)
    observations.add_argument(
        "--match-names",
        action="store_true",
        help="match area names to the workspace's areas when a file has no P-codes",
    )
    observations.add_argument(
        "--roll-up",
        action="store_true",
        help="add figures of areas one level below the workspace's into their parents",
    )

    framework = commands.add_parser("framework", help="put a framework file in force")
    framework.set_defaults(func=_cmd_framework)
    framework.add_argument("dir", type=Path)
    framework.add_argument("file", type=Path)

    validate = commands.add_parser("validate", help="check files without importing anything")
    validate.set_defaults(func=_cmd_validate)
    validate.add_argument("files", type=Path, nargs="+")
    validate.add_argument("--framework", type=Path, help="framework to check against")
    validate.add_argument(
        "--recipe", type=Path, help="FILE is survey microdata: check it with this recipe"
    )
    _reading_options(validate)

    info = commands.add_parser("info", help="what a workspace holds")
    info.set_defaults(func=_cmd_info)
    info.add_argument("dir", type=Path)
    info.add_argument("--json", action="store_true", help="machine-readable output")

    score = commands.add_parser("score", help="write all scores as a long CSV")
    score.set_defaults(func=_cmd_score)
    score.add_argument("dir", type=Path)
    score.add_argument("--out", type=Path, required=True)
    score.add_argument("--framework", type=Path, help="use this framework instead")
    score.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="score on this dask.distributed scheduler (e.g. tcp://10.0.0.5:8786)",
    )

    serve = commands.add_parser("serve", help="the dashboard on a workspace")
    # No garbage collection while a server is built, from before its first import: the
    # build allocates a large heap that lives as long as the server (libraries, the
    # workspace's data), and collecting it over and over was a quarter of a start.
    # ``DashboardServer.load`` freezes it before the workers fork, as the gc module
    # advises for a pre-forking server (docs.python.org/3/library/gc.html#gc.freeze),
    # then collection resumes.
    serve.set_defaults(func=_cmd_serve, collect_while_loading=False)
    serve.add_argument("dir", type=Path)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--framework", type=Path, help="use this framework instead")
    _serving_options(serve)
    _users_parser(commands)
    _report_parser(commands)
    _survey_parser(commands)
    _export_parser(commands)
    return parser


def _survey_parser(commands) -> None:
    """``solutions survey DIR FILE --recipe RECIPE.yaml [--round R] [--out FILE.csv]``"""
    survey = commands.add_parser(
        "survey", help="household survey microdata -> indicator estimates (DESIGN 3.6)"
    )
    survey.set_defaults(func=_cmd_survey)
    survey.add_argument("dir", type=Path, help="the workspace (read only with --out)")
    survey.add_argument("file", type=Path, help="CSV, Kobo XLSX, SPSS .sav or Stata .dta")
    survey.add_argument("--recipe", type=Path, required=True, help="the recipe YAML")
    survey.add_argument(
        "--round", dest="round_date", metavar="YYYY-MM", help="the round, over the recipe's"
    )
    survey.add_argument(
        "--out",
        type=Path,
        help="write the estimates as a canonical CSV; the workspace is untouched",
    )


def _export_parser(commands) -> None:
    """``solutions export DIR --out FILE.{gpkg,geojson,csv} [--round R] [--level N] ...``"""
    export = commands.add_parser(
        "export",
        help="scores of one view with geometry (GeoPackage, GeoJSON) or as an HXL-tagged CSV",
    )
    export.set_defaults(func=_cmd_export)
    export.add_argument("dir", type=Path)
    export.add_argument(
        "--out",
        type=Path,
        required=True,
        help="FILE.gpkg, FILE.geojson or FILE.csv; its metadata goes to FILE-metadata.json",
    )
    _view_options(export, lang_help="language of class and criterion names")
    export.add_argument(
        "--include-small-samples",
        action="store_true",
        help="give the values resting on small samples too (not for public sharing)",
    )


def _serving_options(serve) -> None:
    """``solutions serve DIR ... [--workers N] [--public] [--trust-header NAME]``"""
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the production server (gunicorn); default: the "
        "development server, one process",
    )
    serve.add_argument(
        "--public",
        action="store_true",
        help="anonymous readers get the public view (viewer role) without logging in",
    )
    serve.add_argument(
        "--trust-header",
        metavar="NAME",
        help="take the user from this request header, set by a single sign-on proxy",
    )
    serve.add_argument(
        "--state-dir",
        type=Path,
        help="folder shared by the workers for sessions and background jobs "
        "(default: DIR/.serving inside the workspace; give one when the workspace is read-only)",
    )
    serve.add_argument("--timeout", type=int, default=120, help="gunicorn worker timeout, s")
    serve.add_argument(
        "--threads", type=int, default=4, help="requests handled at once by each worker"
    )
    serve.add_argument(
        "--access-log", metavar="FILE", help="log every request (worker pid first) to FILE"
    )


def _users_parser(commands) -> None:
    """``solutions users DIR add|remove|list [NAME] [--role R] [--password-stdin]``"""
    users = commands.add_parser("users", help="accounts of the served dashboard")
    users.set_defaults(func=_cmd_users)
    users.add_argument("dir", type=Path)
    users.add_argument("action", choices=("add", "remove", "list"))
    users.add_argument("name", nargs="?")
    users.add_argument("--role", default="viewer", choices=("viewer", "analyst", "admin"))
    users.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts); "
        "otherwise it is asked for, twice, without echo",
    )


def _report_parser(commands) -> None:
    """``solutions report DIR --out FILE.pdf [--round R] [--area PCODE]... [--lang LANG]``"""
    report = commands.add_parser("report", help="write the PDF briefing pack of a view")
    report.set_defaults(func=_cmd_report)
    report.add_argument("dir", type=Path)
    report.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    report.add_argument(
        "--area",
        action="append",
        default=[],
        metavar="PCODE",
        help="a locality that gets a page (repeat for more; default: the five lowest scores)",
    )
    _view_options(report, lang_help="language of the pack (en, fr)", level_type=int)


def _view_options(parser, *, lang_help: str, level_type=None) -> None:
    """Options of `export` and `report`: the view (as on the map) and the framework."""
    parser.add_argument(
        "--round", help="survey round, YYYY-MM-DD or YYYY-MM (default: the latest with scores)"
    )
    parser.add_argument(
        "--level", type=level_type, help="admin level (default: the deepest with scores)"
    )
    parser.add_argument("--group", default="idp", help="displaced group: idp or returnee")
    parser.add_argument(
        "--benchmark", default="parity", help="parity (with the host community) or absolute"
    )
    parser.add_argument(
        "--core", action="store_true", help="IRIS core: the five core criteria only"
    )
    parser.add_argument("--lang", default="en", help=lang_help)
    parser.add_argument("--framework", type=Path, help="use this framework instead")


def _reading_options(parser: argparse.ArgumentParser) -> None:
    """Options of `import` and `validate`: how to read a file's text and figures."""
    parser.add_argument(
        "--encoding",
        help="text encoding of CSV files, e.g. cp1256 (default: UTF-8, else detected, reported)",
    )
    parser.add_argument(
        "--decimal",
        choices=[".", ","],
        help="decimal mark of the figures when the file does not show it unambiguously",
    )
    parser.add_argument(
        "--value-column",
        metavar="COLUMN",
        help="the column (header or HXL tag) holding the figure, when tags give only parts",
    )
    parser.add_argument(
        "--level", type=int, help="read only this admin level of a file that mixes levels"
    )
    parser.add_argument(
        "--allow-any-date",
        action="store_true",
        help="accept rounds in the future or before 1950 (refused as likely typos)",
    )
    parser.add_argument(
        "--round",
        dest="round_date",
        metavar="YYYY-MM-DD",
        help="date for files that carry none (COD-PS population tables)",
    )


def _reading(args) -> dict:
    return {
        "encoding": args.encoding,
        "round_date": args.round_date,
        "decimal": args.decimal,
        "allow_any_date": args.allow_any_date,
        "value_column": args.value_column,
        "level": args.level,
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not getattr(args, "collect_while_loading", True):
        gc.disable()
    # Imported late so `solutions --help` stays fast and usage errors need no heavy imports.
    from geodata import AreaError
    from indicators.framework import FrameworkError
    from workspace.lazy_dask import defer_dask_import
    from workspace.observations import ObservationError
    from workspace.store import WorkspaceError

    defer_dask_import()  # a third of a second of every command that never chunks a cube
    try:
        return args.func(args)
    except (AreaError, FrameworkError, ObservationError, WorkspaceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; the workspace is as it was before this command", file=sys.stderr)
        return EXIT_BAD_INPUT


def _cmd_demo(args) -> int:
    from workspace.demo import build_demo_workspace

    workspace = build_demo_workspace(args.dir)
    info = workspace.info()
    print(
        f"demo workspace written to {args.dir}: {info['country']}, "
        + ", ".join(f"{count} areas at level {level}" for level, count in info["areas"].items())
        + f", {len(info['rounds'])} rounds, {info['observations']} observations"
    )
    print(f"serve it with: solutions serve {args.dir}")
    return EXIT_OK


def _cmd_import_areas(args) -> int:
    from workspace.store import Workspace

    report = Workspace(args.dir).import_areas(
        args.files,
        level=args.level,
        code_column=args.code_column,
        name_column=args.name_column,
        parent_column=args.parent_column,
        parent_from_geometry=args.parent_from_geometry,
    )
    print(report)
    return EXIT_OK


def _cmd_import(args) -> int:
    from workspace.store import Workspace

    report = (
        Workspace(args.dir)
        .require()
        .import_observations(
            args.files,
            skip_unknown=args.skip_unknown,
            match_names=args.match_names,
            roll_up=args.roll_up,
            **_reading(args),
        )
    )
    print(report)
    return EXIT_OK


def _cmd_framework(args) -> int:
    from workspace.store import Workspace

    print(Workspace(args.dir).require().set_framework(args.file))
    return EXIT_OK


def _cmd_validate(args) -> int:
    from geodata import AreaError, read_area_layer
    from indicators.framework import FrameworkError
    from workspace.frameworks import load_framework
    from workspace.observations import ObservationError, read_observations

    framework = load_framework(args.framework)
    if args.recipe:
        return _validate_surveys(args, framework)
    failed = False
    for path in args.files:
        try:
            if path.suffix.lower() in (".yaml", ".yml"):
                checked = load_framework(path)
                print(f"{path}: framework {checked.name!r} {checked.version} is valid")
            elif path.suffix.lower() in (".geojson", ".gpkg", ".shp", ".zip", ".topojson") or (
                path.suffix.lower() == ".json" and _is_geojson(path)
            ):
                layer = read_area_layer(path)
                print(f"{path}: {len(layer)} areas at level {int(layer['level'].iloc[0])}, valid")
                for note in layer.attrs.get("notes", []):
                    print(f"  note: {note}")
            else:
                result = read_observations(path, framework, **_reading(args))
                print(
                    f"{path}: {len(result.table)} rows, {result.table['area_pcode'].nunique()} "
                    f"areas, {result.table['round'].nunique()} round(s), valid"
                )
                for note in result.notes:
                    print(f"  note: {note}")
        except (AreaError, FrameworkError, ObservationError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = True
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _validate_surveys(args, framework) -> int:
    from workspace.observations import ObservationError
    from workspace.survey import load_recipe, run_survey

    failed = False
    try:
        parsed = load_recipe(args.recipe, framework)
    except ObservationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for path in args.files:
        try:
            result = run_survey(path, parsed, framework, round_date=args.round_date)
            print("\n".join(result.lines))
            print(f"{path}: valid with recipe {args.recipe}; nothing was written")
        except ObservationError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = True
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _cmd_survey(args) -> int:
    from workspace.store import Workspace
    from workspace.survey import import_survey, load_recipe, run_survey, write_estimates_csv

    workspace = Workspace(args.dir)
    if args.out is None:
        print(import_survey(workspace.require(), args.file, args.recipe, args.round_date))
        return EXIT_OK
    # --out: the workspace (if there is one) only lends its framework and areas.
    framework = workspace.framework
    areas = workspace.areas() if workspace.exists() else None
    result = run_survey(
        args.file,
        load_recipe(args.recipe, framework),
        framework,
        areas=areas,
        round_date=args.round_date,
    )
    write_estimates_csv(result.table, args.out)
    print("\n".join(result.lines))
    print(f"{args.out}: {len(result.table)} estimates written; no workspace was changed")
    return EXIT_OK


def _is_geojson(path: Path) -> bool:
    """A .json file is an area layer (GeoJSON, TopoJSON) or DTM API records."""
    import re

    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    return bool(re.search(rb'"type"\s*:\s*"(FeatureCollection|Feature|Topology)"', head))


def _cmd_info(args) -> int:
    from workspace.store import Workspace

    info = Workspace(args.dir).require().info()
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return EXIT_OK
    fictional = " (fictional demo data)" if info["fictional"] else ""
    print(f"{info['country']}{fictional} — {info['workspace']}")
    for level, count in info["areas"].items():
        print(f"  admin level {level}: {count} areas")
    rounds = info["rounds"]
    span = f" ({rounds[0]} to {rounds[-1]})" if rounds else ""
    print(f"  rounds: {len(rounds)}{span}")
    print(f"  groups: {', '.join(info['groups']) or 'none'}")
    print(f"  indicators: {len(info['indicators'])}; observations: {info['observations']}")
    print(f"  imports: {info['imports']}")
    print(f"  framework: {info['framework']['name']} {info['framework']['version']}")
    return EXIT_OK


def _cmd_score(args) -> int:
    import contextlib

    from indicators.scoring import score, scores_long_blocks
    from workspace.frameworks import load_framework
    from workspace.store import Workspace
    from workspace.zarr_cube import workspace_cube

    workspace = Workspace(args.dir).require()
    framework = load_framework(args.framework) if args.framework else workspace.framework
    cube = workspace_cube(workspace, framework)
    with contextlib.ExitStack() as cluster:
        if args.scheduler:
            from distributed import Client

            # Scoring is per block of areas: chunk the cube so the cluster shares the work.
            if cube["value"].chunks is None:
                cube = cube.chunk({"area": 1000})
            cluster.enter_context(Client(args.scheduler))
            scored = score(cube, framework)
        elif cube["value"].chunks is None:
            # in memory: the scores kept with the workspace for this generation, if any
            from workspace.derived import DerivedStore

            store = DerivedStore(workspace.path, workspace.generation, framework)
            scored = store.get("scores_False")
            if scored is None:
                scored = score(cube, framework).compute()
                store.put("scores_False", scored)
        else:  # Zarr-chunked: scored chunk by chunk as the file is written
            scored = score(cube, framework)
        written = write_scores_csv(args.out, scores_long_blocks(scored, framework))
    print(
        f"{args.out}: {written.rows} scores for {len(written.areas)} areas and "
        f"{len(written.rounds)} rounds (framework {framework.name!r} {framework.version})"
    )
    if not written.rows:
        # Say why nothing was written, and what to import next (a DTM-only first day).
        from dashboard.briefing.counts import holdings, next_step
        from dashboard.context import AppContext

        print(next_step(holdings(AppContext.load(workspace, framework)), "en"))
    return EXIT_OK


@dataclass
class WrittenScores:
    rows: int = 0
    areas: set = field(default_factory=set)
    rounds: set = field(default_factory=set)


def write_scores_csv(out: Path, blocks) -> WrittenScores:
    """The long table of DESIGN 3.4 written block by block (``scores_long_blocks``): the
    bytes of ``scores_long(...).to_csv(out)``, without the whole table in memory."""
    from dashboard.outputs import write_atomically

    written = WrittenScores()

    def write(scratch: Path) -> None:
        with scratch.open("w", encoding="utf-8", newline="") as handle:
            for number, block in enumerate(blocks):
                block.to_csv(handle, header=number == 0, index=False, float_format="%.6g")
                written.rows += len(block)
                written.areas.update(block["area_pcode"].unique())
                written.rounds.update(block["round"].unique())

    write_atomically(out, write)
    return written


def _cmd_serve(args) -> int:
    from dashboard.serving.command import run_serve_command

    return run_serve_command(args)


def _cmd_users(args) -> int:
    from dashboard.serving.command import run_users_command

    return run_users_command(args)


def _cmd_export(args) -> int:
    from dashboard.export import run_export_command

    return run_export_command(args)


def _cmd_report(args) -> int:
    from dashboard.report import run_report_command

    return run_report_command(args)


if __name__ == "__main__":
    sys.exit(main())
