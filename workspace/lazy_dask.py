"""Dask imported when a dask array is made, not when xarray makes its first array.

xarray asks, at the first ``Variable`` it builds, whether the data is a dask array:
``xarray.namedarray.pycompat.array_type("dask")`` imports ``dask.array`` to learn the
class, and ``dask.array`` imports its FFT and sparse modules and with them SciPy. That is
a third of a second of every server start (DESIGN 7, "server start to first answer")
spent on a library the server uses only for a workspace whose cube is chunked (DESIGN
3.2, out of core).

``defer_dask_import()`` puts into xarray's cache of those answers one that looks at
``sys.modules`` each time it is asked: until ``dask.array`` has been imported no object
can be a dask array, so "no dask array type" is the true answer; from the moment anything
imports ``dask.array`` (``Workspace.cube`` on a Zarr store, a ``--scheduler`` run), it is
dask's real ``Array`` class, as xarray would have found. xarray asks through
``array_type`` at each check rather than keeping the answer, so nothing holds a stale one.

The cache is xarray's private state: where an xarray release no longer has it, this does
nothing and the cost is only the third of a second (``tests/serving/test_start_imports``
says so when it happens).
"""

from __future__ import annotations

import sys

__all__ = ["defer_dask_import"]


class _DaskWhenImported:
    """Stands for xarray's ``DuckArrayModule("dask")``: the attributes xarray reads
    (``type``, ``module``, ``version``, ``available``), answered from ``sys.modules`` at
    each read."""

    @property
    def module(self):
        array = sys.modules.get("dask.array")
        return sys.modules.get("dask") if array is not None else None

    @property
    def type(self) -> tuple[type, ...]:
        array = sys.modules.get("dask.array")
        # getattr: while dask.array is half imported, its Array class may not exist yet
        found = getattr(array, "Array", None) if array is not None else None
        return (found,) if isinstance(found, type) else ()

    @property
    def available(self) -> bool:
        return bool(self.type)

    @property
    def version(self):
        from packaging.version import Version

        module = self.module
        return Version(module.__version__) if module is not None else Version("0.0.0")


def defer_dask_import() -> bool:
    """Install the stand-in (once per process); True when it is in place."""
    if "dask.array" in sys.modules:
        return False  # already paid for: xarray's own answer is as cheap now
    try:
        from xarray.namedarray import pycompat
    except ImportError:
        return False
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    if not isinstance(cache, dict):
        return False
    found = cache.setdefault("dask", _DaskWhenImported())
    return isinstance(found, _DaskWhenImported)
