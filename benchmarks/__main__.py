"""Run the DESIGN 7 budget benchmarks and print one table.

    python3 -m benchmarks                 # every benchmark module, full sizes
    python3 -m benchmarks --quick         # small sizes (a smoke test, not the budget)
    python3 -m benchmarks score geometry  # only these, by module name
    python3 -m benchmarks --list

The contract for a benchmark module ``benchmarks/NAME.py``: it exposes
``run(quick: bool) -> list[dict]``, each dict one row with

- ``what``: the budget row measured, with its size ("scoring CPU, 10,000 areas ...")
- ``figure``: the measured number; ``baseline``: the same-run baseline it is judged
  against (``None`` where the budget is absolute, e.g. bytes); ``unit``
- ``budget``: the budget in words ("<= 5x np.nanmean"); ``ok``: whether it is met.

Times are paired with their baseline in the same run (alternating, median of several)
and are CPU time where the machine is shared. Modules are found by listing this folder:
a new module with ``run`` is picked up with no change here. Modules without ``run``
(older scripts with their own ``main``) are listed and can be run as
``python3 -m benchmarks.NAME``. ``synthetic`` and names starting with ``_`` are helpers.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

HELPERS = {"synthetic"}


def modules() -> list[str]:
    folder = Path(__file__).parent
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(folder)])
        if not info.name.startswith("_") and info.name not in HELPERS
    )


def _number(value, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("s", "ms"):
        return f"{value:.3g} {unit}"
    return f"{value:,.1f} {unit}" if isinstance(value, float) else f"{value:,} {unit}"


def print_rows(rows: list[dict]) -> None:
    head = f"{'what':62} {'figure':>14} {'baseline':>14} {'ratio':>7}  {'budget':34} ok"
    print(head)
    print("-" * len(head))
    for row in rows:
        unit = row.get("unit", "")
        figure, baseline = row.get("figure"), row.get("baseline")
        ratio = f"{figure / baseline:.2f}" if figure is not None and baseline else "-"
        ok = {True: "yes", False: "NO", None: "?"}[row.get("ok")]
        print(
            f"{row['what'][:62]:62} {_number(figure, unit):>14} {_number(baseline, unit):>14} "
            f"{ratio:>7}  {row.get('budget', '')[:34]:34} {ok}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--list", action="store_true", help="list the benchmark modules")
    args = parser.parse_args(argv)
    available = modules()
    if args.list:
        for name in available:
            runnable = hasattr(importlib.import_module(f"benchmarks.{name}"), "run")
            print(name if runnable else f"{name} (no run(): python3 -m benchmarks.{name})")
        return 0
    unknown = set(args.names) - set(available)
    if unknown:
        parser.error(f"no benchmark named {', '.join(sorted(unknown))}; see --list")
    rows, failed = [], []
    for name in args.names or available:
        module = importlib.import_module(f"benchmarks.{name}")
        if not hasattr(module, "run"):
            print(f"[{name}] has no run(); run it as python3 -m benchmarks.{name}")
            continue
        start = time.perf_counter()
        print(f"[{name}] running ...", flush=True)
        try:
            got = module.run(quick=args.quick)
        except Exception:  # one broken benchmark should not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        print(f"[{name}] done in {time.perf_counter() - start:.0f} s", flush=True)
        print_rows(got)
        rows.extend(got)
    print()
    print_rows(rows)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed or any(row.get("ok") is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
