"""PDF budget (DESIGN 7, last row): the briefing pack for 1,000 areas beside one cold
kaleido export of the main map, measured in the same run.

    python3 -m benchmarks report              # the budget row (benchmarks contract)
    python3 -m benchmarks.report [--areas 1000] [--repeat 3] [--workspace DIR]

The workspace is the fictional demo country drawn with ``--areas`` districts instead of
150 (same generator: Voronoi cells, twelve quarterly rounds, imported through the
normal import); it is kept in ``--workspace`` when given, so later runs reuse it.

Each measurement runs in a fresh Python process, so both sides start their own
Chromium (cold):

- **cold export**: the main map (``dashboard.figures.map_figure``, overall score, the
  level's GeoJSON inline, 900 x 720) through ``kaleido.calc_fig_sync`` with no server
  running: kaleido starts Chromium, draws, closes it.
- **pack**: ``dashboard.report.build_report`` on a freshly loaded ``AppContext`` (its
  scores, roll-ups and tables computed on first use, inside the timing; reading the
  workspace is shown apart): the default pack, five locality pages.

Both are wall-clock seconds (most of the work is in Chromium, another process), paired
and alternated, median of ``--repeat`` runs. Budget: the pack within 2.5x the cold
export. ``main`` prints a table with the pack's stages; exit status 1 if over.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dashboard.figures.map import map_figure, map_values

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 2.5


@contextlib.contextmanager
def _districts(count: int):
    """The demo generator with ``count`` districts (and a region per ~25)."""
    import geodata.demo as demo

    saved = demo._N_DISTRICTS, demo._N_REGIONS
    demo._N_DISTRICTS, demo._N_REGIONS = count, max(4, count // 25)
    try:
        yield
    finally:
        demo._N_DISTRICTS, demo._N_REGIONS = saved


def build_workspace(path: Path, areas: int) -> None:
    from workspace.demo import build_demo_workspace
    from workspace.store import Workspace

    if Workspace(path).exists():
        return
    started = time.perf_counter()
    with _districts(areas):
        build_demo_workspace(path)
    print(
        f"synthetic workspace: {areas} districts in {path} ({time.perf_counter() - started:.1f} s)"
    )


# -- the two measurements, each run in its own process -----------------------------------------


def _cold_export(path: str) -> dict:
    import kaleido

    from dashboard.context import AppContext
    from dashboard.report import content, find_chromium
    from dashboard.report import figures as pack_figures
    from workspace.store import Workspace

    context = AppContext.load(Workspace(path))
    state = content.resolve_view(context)
    geometry = pack_figures.level_geometry(context, state.level)
    values = map_values(
        context.level_scores(state.level),
        round=state.round,
        group=state.group,
        benchmark=state.benchmark,
        criterion="overall",
    )
    width, height = pack_figures.MAIN_MAP_SIZE
    figure = map_figure(
        values,
        state.level,
        "geometry",
        locations=geometry.locations,
        names=geometry.names,
        bounds=geometry.bounds,
        height=height,
    )
    for trace in figure["data"]:
        trace["geojson"] = geometry.collection
    started = time.perf_counter()
    svg = kaleido.calc_fig_sync(
        figure,
        opts={"format": "svg", "width": width, "height": height},
        kopts={"mathjax": False, "path": find_chromium()},
    )
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "bytes": len(svg)}


def _pack(path: str) -> dict:
    from dashboard.context import AppContext
    from dashboard.report import build_report
    from workspace.store import Workspace

    started = time.perf_counter()
    context = AppContext.load(Workspace(path))
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    made = build_report(context)
    pdf = made.pdf
    seconds = time.perf_counter() - started
    out = Path(tempfile.gettempdir()) / "solutions-benchmark-report.pdf"
    out.write_bytes(pdf)
    return {
        "seconds": seconds,
        "load": loaded,
        "stages": made.timings,
        "pages": made.pages,
        "pdf": str(out),
    }


def _in_fresh_process(kind: str, workspace: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.report", f"--_{kind}", str(workspace)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"{kind} run failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _pages(pdf: str) -> int | None:
    try:
        info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in info.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def measure(areas: int, repeat: int, workspace: Path | None = None) -> dict:
    """The pack and the cold export, ``repeat`` times each, alternated, each in a fresh
    process; the workspace is built first (kept in ``workspace`` when given)."""
    with contextlib.ExitStack() as stack:
        if workspace is None:
            workspace = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "workspace"
        build_workspace(workspace, areas)
        exports, packs = [], []
        for _ in range(repeat):  # alternated, so drift on a shared machine hits both
            exports.append(_in_fresh_process("cold_export", workspace))
            packs.append(_in_fresh_process("pack", workspace))
    export_s = statistics.median(r["seconds"] for r in exports)
    pack_s = statistics.median(r["seconds"] for r in packs)
    best = min(packs, key=lambda r: r["seconds"])
    return {
        "areas": areas,
        "export": export_s,
        "pack": pack_s,
        "ratio": pack_s / export_s,
        "pages": _pages(best["pdf"]) or best.get("pages"),
        "best": best,
        "exports": exports,
        "packs": packs,
    }


def run(quick: bool = False) -> list[dict]:
    """The budget row (benchmarks contract): 1,000 areas, median of 3 (quick: 150, 1)."""
    found = measure(150 if quick else 1000, 1 if quick else 3)
    return [
        {
            "what": f"PDF briefing pack, {found['areas']:,} areas, {found['pages']} pages",
            "figure": found["pack"],
            "baseline": found["export"],
            "unit": "s",
            "budget": f"<= {BUDGET}x one cold kaleido map export",
            "ok": found["ratio"] <= BUDGET,
        }
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workspace", type=Path, help="keep (and reuse) the workspace here")
    parser.add_argument("--_cold_export", dest="cold_export", help=argparse.SUPPRESS)
    parser.add_argument("--_pack", dest="pack", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_export:
        print(json.dumps(_cold_export(args.cold_export)))
        return 0
    if args.pack:
        print(json.dumps(_pack(args.pack)))
        return 0

    found = measure(args.areas, args.repeat, args.workspace)
    export_s, pack_s, ratio, best = found["export"], found["pack"], found["ratio"], found["best"]
    print()
    print(
        f"PDF briefing pack, {args.areas} areas, {found['pages']} pages "
        f"(median of {args.repeat} runs)"
    )
    print(f"{'what':<44}{'seconds':>10}{'x export':>10}")
    print(f"{'cold kaleido export of the main map':<44}{export_s:>10.2f}{1:>10.2f}")
    print(f"{'briefing pack (build_report)':<44}{pack_s:>10.2f}{ratio:>10.2f}")
    print(f"{'  reading the workspace (not counted)':<44}{best['load']:>10.2f}")
    for stage, seconds in best["stages"].items():
        print(f"{'  ' + stage:<44}{seconds:>10.2f}")
    print(f"{'runs (export)':<44}" + " ".join(f"{r['seconds']:.2f}" for r in found["exports"]))
    print(f"{'runs (pack)':<44}" + " ".join(f"{r['seconds']:.2f}" for r in found["packs"]))
    verdict = "within" if ratio <= BUDGET else "OVER"
    print(f"budget: pack within {BUDGET}x the cold export: {verdict} ({ratio:.2f}x)")
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
