"""Import budget (DESIGN 7): 1,000,000 canonical rows within 4x of ``pandas.read_csv``.

A canonical CSV (1,000 areas x 50 rounds x 20 indicators of the default framework) is
written once; a workspace with the 1,000 areas (small squares) is built once. Then, in
alternating pairs, the baseline ``pandas.read_csv(FILE)`` and the product's read and
check of the same file (``read_observations``, what ``solutions validate`` does) are timed,
then the whole ``solutions import`` into a fresh copy of the workspace (placement,
checks against the store, the NetCDF write, the manifest). CPU time of this process,
median of the runs (the machines are shared; CPU time is steadier than wall time).

    python benchmarks/import_rows.py [--rows 1000000] [--runs 3]
    python3 -m benchmarks import_rows [--quick]      # 100,000 rows with --quick
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BUDGET = 4.0


def _squares(count: int) -> dict:
    features = []
    for number in range(count):
        x, y = number % 40, number // 40
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "adm1_pcode": f"ZZ{number:04d}",
                    "adm1_name": f"Area {number}",
                    "adm0_pcode": "ZZ",
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _rows(path: Path, count: int, indicators: list[str]) -> None:
    index = np.arange(count)
    areas = np.array([f"ZZ{a:04d}" for a in range(1000)])
    rounds = np.array([f"{2000 + r // 12}-{r % 12 + 1:02d}" for r in range(50)])
    # every row a different (area, round, group, indicator): 1000 x 50 x 2 x 10
    table = pd.DataFrame(
        {
            "area_pcode": areas[index % 1000],
            "round": rounds[(index // 1000) % 50],
            "group": np.array(["idp", "host"])[(index // 50_000) % 2],
            "indicator": np.array(indicators)[(index // 100_000) % len(indicators)],
            "value": (index % 97).astype(str),
            "n": "80",
            "source": "benchmark",
        }
    )
    table = table.drop_duplicates(["area_pcode", "round", "group", "indicator"])
    table.to_csv(path, index=False)


def _cpu(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def measure(rows: int = 1_000_000, runs: int = 3) -> dict:
    """Median CPU seconds of ``pandas.read_csv`` (the baseline), the read and check, and
    the whole import, in alternating runs; and the file's row count."""
    from workspace.frameworks import load_framework
    from workspace.observations import read_observations
    from workspace.store import Workspace

    framework = load_framework(None)
    indicators = [i.code for i in framework.indicators if i.unit == "percent"][:10]
    indicators = indicators or list(framework.indicator_codes)[:10]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        csv_path = folder / "rows.csv"
        _rows(csv_path, rows, indicators)
        count = sum(1 for _ in csv_path.open()) - 1
        layer = folder / "areas.geojson"
        layer.write_text(json.dumps(_squares(1000)))
        built = folder / "built"
        Workspace(built).import_areas([layer])

        baseline, check, full = [], [], []
        for run in range(runs):
            target = folder / f"ws{run}"
            shutil.copytree(built, target)
            baseline.append(_cpu(lambda: pd.read_csv(csv_path)))
            check.append(_cpu(lambda: read_observations(csv_path, framework)))
            full.append(_cpu(lambda t=target: Workspace(t).import_observations([csv_path])))
            shutil.rmtree(target)
    return {
        "rows": count,
        "baseline": statistics.median(baseline),
        "check": statistics.median(check),
        "full": statistics.median(full),
    }


def run(quick: bool = False) -> list[dict]:
    m = measure(100_000 if quick else 1_000_000, 3)
    rows = []
    for key, label in (("check", "read and check (validate)"), ("full", "solutions import")):
        rows.append(
            {
                "what": f"{label}, {m['rows']:,} canonical rows",
                "figure": m[key],
                "baseline": m["baseline"],
                "unit": "s",
                "budget": f"<= {BUDGET:g}x pandas.read_csv",
                "ok": m[key] <= BUDGET * m["baseline"],
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    m = measure(args.rows, args.runs)
    base = m["baseline"]
    print(f"import of {m['rows']:,} canonical rows, CPU seconds, median of {args.runs} runs")
    print(f"  pandas.read_csv (baseline)      {base:7.2f}")
    for label, key in (("read and check (validate)", "check"), ("solutions import", "full")):
        ratio = m[key] / base
        verdict = "within" if ratio <= BUDGET else "OVER"
        print(f"  {label:<31} {m[key]:7.2f}  {ratio:5.1f}x  ({verdict} the {BUDGET:g}x budget)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
