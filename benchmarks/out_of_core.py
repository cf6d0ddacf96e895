"""Out-of-core budget (DESIGN 7, row 2): a cube of 50,000 areas x 40 rounds x 3 groups x
25 indicators (2.4 GB of value + n) in a Zarr store, chunked by area, scored chunk by chunk
and written to Zarr: the same scores as in memory, and peak memory under 1.5 GB whatever
the number of areas (25,000 vs 50,000 areas: flat). Also `solutions score`'s long CSV
(DESIGN 3.4) from such a store: written block by block, its peak RSS stays flat as
areas double (2,000 vs 4,000 areas x 10 rounds), below the whole table built in memory,
and the two files are the same bytes.

Peak memory is the peak RSS (``VmHWM``) of a fresh child process that opens the store, scores it
and writes the scores (interpreter and libraries included); the store is written by
another child, streaming, so neither the writer's nor this process's memory counts.
"Same scores" is checked at 5,000 areas (2,000 with --quick), where the in-memory score
fits comfortably beside the chunked one on a shared machine: every variable equal.

    python3 -m benchmarks out_of_core [--quick]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from benchmarks.score import cube_dataset, random_sizes, random_values, synthetic_framework
from indicators.cube import GROUPS

AREA_CHUNK = 1000
BUDGET_BYTES = 1.5 * 2**30


def lazy_cube(framework, areas: int, rounds: int, chunk: int = AREA_CHUNK) -> xr.Dataset:
    """The synthetic cube of `benchmarks.score`, built chunk by chunk by dask (seeded per
    chunk), so that writing it to Zarr never holds it whole."""
    import dask.array as da

    codes = framework.indicator_codes
    shape = (areas, rounds, len(GROUPS), len(codes))
    chunks = (chunk, -1, -1, -1)

    def values(block_info=None):
        info = block_info[None]
        rng = np.random.default_rng(info["chunk-location"][0])
        return random_values(rng, info["chunk-shape"])

    def sizes(block_info=None):
        info = block_info[None]
        rng = np.random.default_rng(10_000 + info["chunk-location"][0])
        return random_sizes(rng, info["chunk-shape"])

    empty = da.empty(shape, chunks=chunks)
    value = da.map_blocks(values, dtype=float, chunks=empty.chunks)
    n = da.map_blocks(sizes, dtype=float, chunks=empty.chunks)
    return cube_dataset(framework, value, n)


def _peak_rss() -> int:
    """This process's peak resident bytes: ``VmHWM``, the high-water mark of its own
    memory map. Not ``ru_maxrss``: Linux carries the parent's resident size over into a
    child's at fork and exec, so a child of a large process (``python3 -m benchmarks``
    after the browser benchmarks) would report its parent's size."""
    import resource

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child(argv: list[str]) -> None:
    """Entry point of the child processes (``--_write`` / ``--_score`` / ``--_compare``)."""
    from indicators.scoring import score
    from workspace.zarr_cube import open_cube, write_cube, write_scores

    kind, folder, areas, rounds = argv[0], Path(argv[1]), int(argv[2]), int(argv[3])
    framework = synthetic_framework(25)
    report = {}
    if kind == "--_write":
        write_cube(lazy_cube(framework, areas, rounds), folder / "cube.zarr", AREA_CHUNK)
    elif kind == "--_score":
        result = score(open_cube(folder / "cube.zarr"), framework)
        write_scores(result, folder / "scores.zarr")
        report["maxrss"] = _peak_rss()
    elif kind in ("--_long", "--_long_whole"):
        # `solutions score`'s CSV: streamed block by block (now), or the whole long table
        # built in memory and then written (before), from the same Zarr cube
        import hashlib

        from dashboard.cli import write_scores_csv
        from indicators.scoring import scores_long, scores_long_blocks

        out = folder / f"scores{kind[2:]}.csv"
        if kind == "--_long":
            result = score(open_cube(folder / "cube.zarr"), framework)
            report["rows"] = write_scores_csv(out, scores_long_blocks(result, framework)).rows
        else:
            result = score(open_cube(folder / "cube.zarr").load(), framework)
            table = scores_long(result, framework)
            table.to_csv(out, index=False, float_format="%.6g")
            report["rows"] = len(table)
        report["maxrss"] = _peak_rss()
        report["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
        out.unlink()
    elif kind == "--_compare":
        expected = score(open_cube(folder / "cube.zarr").load(), framework)
        stored = xr.open_zarr(folder / "scores.zarr").load()
        report["equal"] = all(
            np.array_equal(
                np.asarray(stored[name].transpose(*var.dims).values, dtype=float),
                np.asarray(var.values, dtype=float),
                equal_nan=True,
            )
            for name, var in expected.data_vars.items()
        )
    print(json.dumps(report))


def _in_child(kind: str, folder: Path, areas: int, rounds: int) -> dict:
    command = [sys.executable, "-m", "benchmarks.out_of_core", kind, str(folder), str(areas)]
    done = subprocess.run([*command, str(rounds)], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _scored(areas: int, rounds: int, compare: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="ooc-") as scratch:
        folder = Path(scratch)
        _in_child("--_write", folder, areas, rounds)
        report = _in_child("--_score", folder, areas, rounds)
        if compare:
            report |= _in_child("--_compare", folder, areas, rounds)
        return report


def _long_tables(areas: int, rounds: int, whole: bool) -> tuple[dict, dict | None]:
    """Peak RSS of writing the score CSV streamed, and (``whole``) the old way."""
    with tempfile.TemporaryDirectory(prefix="ooc-long-") as scratch:
        folder = Path(scratch)
        _in_child("--_write", folder, areas, rounds)
        streamed = _in_child("--_long", folder, areas, rounds)
        return streamed, _in_child("--_long_whole", folder, areas, rounds) if whole else None


def long_table_rows(quick: bool = False) -> list[dict]:
    """`solutions score` on a Zarr-chunked workspace: the CSV written block by block keeps
    peak memory flat as areas double; the whole long table in memory (the way before)
    grows with them. Ten rounds: at 40 the file of 4,000 areas would hold 32 M rows."""
    rounds = 10
    small, large = (200, 400) if quick else (2_000, 4_000)
    half, whole = _long_tables(small, rounds, whole=True)
    full, _ = _long_tables(large, rounds, whole=False)
    mib = 2**20
    return [
        {
            "what": f"score CSV streamed, peak RSS, {large:,} areas x {rounds} "
            f"({full['rows'] / 1e6:.1f} M rows)",
            "figure": full["maxrss"] / mib,
            "baseline": half["maxrss"] / mib,
            "unit": "MiB",
            "budget": f"flat vs {small:,} areas (baseline)",
            "ok": full["maxrss"] < 1.25 * half["maxrss"],
        },
        {
            "what": f"score CSV streamed vs whole table in memory, {small:,} areas "
            f"({half['rows'] / 1e6:.1f} M rows)",
            "figure": half["maxrss"] / mib,
            "baseline": whole["maxrss"] / mib,
            "unit": "MiB",
            "budget": "below the whole table; same bytes",
            "ok": half["maxrss"] < whole["maxrss"] and half["sha256"] == whole["sha256"],
        },
    ]


def run(quick: bool = False) -> list[dict]:
    rounds = 40
    small, large = (2_000, 4_000) if quick else (25_000, 50_000)
    check = 2_000 if quick else 5_000
    same = _scored(check, rounds, compare=True)["equal"]
    half = _scored(small, rounds)["maxrss"]
    full = _scored(large, rounds)["maxrss"]
    cube = large * rounds * len(GROUPS) * 25 * 8 * 2
    return [
        {
            "what": f"out of core: Zarr-chunked scores equal in-memory ({check:,} areas)",
            "figure": None,
            "baseline": None,
            "unit": "",
            "budget": "same scores as in memory",
            "ok": bool(same),
        },
        {
            "what": f"out of core peak RSS, {large:,} areas x {rounds} ({cube / 2**30:.1f} GiB)",
            "figure": full / 2**20,
            "baseline": half / 2**20,
            "unit": "MiB",
            "budget": f"< 1.5 GiB; flat vs {small:,} areas (baseline)",
            "ok": full < BUDGET_BYTES and full < 1.25 * half,
        },
        *long_table_rows(quick),
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("--_"):
        _child(sys.argv[1:])
    else:
        from benchmarks.__main__ import print_rows

        print_rows(run("--quick" in sys.argv))
