"""xarray without dask until a dask array is made (workspace.lazy_dask).

Each case runs in a fresh interpreter: whether dask is imported is a property of the
process, and the test process has imported dask long since.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CASE = """
import json, sys
import numpy as np
import xarray as xr
from workspace.lazy_dask import defer_dask_import

installed = defer_dask_import()
numbers = xr.DataArray(np.arange(12.0).reshape(3, 4), dims=("area", "round"))
total = float(numbers.sum())
before = "dask.array" in sys.modules

import dask.array as da
from xarray.namedarray.pycompat import array_type

lazy = xr.DataArray(da.from_array(np.arange(12.0).reshape(3, 4), chunks=2), dims=("area", "round"))
print(json.dumps({
    "installed": installed,
    "dask_before": before,
    "total": total,
    "seen_as_dask": array_type("dask") == (da.Array,),
    "chunks": None if lazy.chunks is None else [list(c) for c in lazy.chunks],
    "still_lazy": isinstance(lazy.data, da.Array),
    "lazy_total": float(lazy.sum().compute()),
    "rechunked": [list(c) for c in numbers.chunk({"area": 1}).chunks],
}))
"""


def _case() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CASE], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_xarray_arrays_are_made_without_importing_dask_array():
    found = _case()
    # The stand-in is in xarray's cache; if an xarray release drops that cache this
    # fails, and a server start pays a third of a second again (nothing breaks).
    assert found["installed"]
    assert not found["dask_before"]
    assert found["total"] == 66.0


def test_dask_arrays_made_afterwards_are_dask_arrays_to_xarray():
    found = _case()
    assert found["seen_as_dask"]
    assert found["chunks"] == [[2, 1], [2, 2]]
    assert found["still_lazy"]
    assert found["lazy_total"] == 66.0
    assert found["rechunked"] == [[1, 1, 1], [4]]
