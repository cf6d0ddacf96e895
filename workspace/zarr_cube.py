"""The cube on disk as Zarr, chunked by area, for workspaces whose cube does not fit in
memory (DESIGN 7: 50,000 areas x 40 rounds scored in under 1.5 GB).

`write_cube` stores a cube (as `indicators.cube.build_cube` makes it) in a Zarr store;
`open_cube` opens it lazily, dask-backed with one chunk per block of areas, so that
`indicators.scoring.score` scores it chunk by chunk; `write_scores` writes such a lazy
result back to Zarr without ever holding it whole. `workspace_cube` is what
`solutions score` uses: the workspace's ``cube.zarr`` when there is one, else the cube
built in memory from the observations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

#: The store a workspace may keep beside its observations.
CUBE_STORE = "cube.zarr"
#: Areas per chunk: 1,000 areas x 40 rounds x 3 groups x 25 indicators is 24 MB a
#: variable, small enough for several in flight, large enough to keep tasks few.
AREA_CHUNK = 1000


def _plain_text(dataset: xr.Dataset) -> xr.Dataset:
    # Zarr has no Python-object dtype: codes and parents are written as unicode.
    for name, coord in dataset.coords.items():
        if coord.dtype == object:
            dataset = dataset.assign_coords({name: coord.astype(str)})
    return dataset


def write_cube(cube: xr.Dataset, path: str | Path, area_chunk: int = AREA_CHUNK) -> Path:
    """Write ``cube`` (in memory or dask-backed) to a Zarr store at ``path``, chunked by
    area and whole along the other dimensions."""
    path = Path(path)
    chunks = {dim: -1 for dim in cube.dims}
    chunks["area"] = area_chunk
    _plain_text(cube).chunk(chunks).to_zarr(path, mode="w", consolidated=True, zarr_format=2)
    return path


def open_cube(path: str | Path, area_chunk: int | None = None) -> xr.Dataset:
    """The cube at ``path``, lazily: nothing is read until a chunk is scored."""
    cube = xr.open_zarr(path, consolidated=True)
    if area_chunk:
        cube = cube.chunk({"area": area_chunk})
    # The cube's coordinates are small and scoring needs them whole (parents, levels).
    return cube.assign_coords(
        parent=("area", np.asarray(cube["parent"].values, dtype=object)),
        level=("area", np.asarray(cube["level"].values)),
    )


def write_scores(result: xr.Dataset, path: str | Path) -> Path:
    """Write ``score()``'s result to Zarr chunk by chunk (computing it on the active dask
    scheduler, a distributed client included)."""
    path = Path(path)
    result = _plain_text(result)
    chunks = result.chunks.get("area") if result.chunks else None
    if chunks:
        # Zarr wants uniform chunks along each dimension; the scorer keeps the cube's.
        result = result.chunk({"area": chunks[0]})
    for variable in result.variables.values():
        variable.encoding.clear()
    result.to_zarr(path, mode="w", consolidated=True, zarr_format=2)
    return path


def _imports_key(workspace, framework) -> str:
    """What the cube is built from: every import's checksum and the framework version."""
    sums = [str(entry.get("sha256")) for entry in workspace.manifest.get("imports", [])]
    version = (framework or workspace.framework).version
    return f"{version}|" + ",".join(sums)


def write_workspace_cube(workspace, framework=None, area_chunk: int = AREA_CHUNK) -> Path:
    """Keep the workspace's cube as Zarr, stamped with what it was built from."""
    cube = workspace.cube(framework)
    cube.attrs["built_from"] = _imports_key(workspace, framework)
    return write_cube(cube, Path(workspace.path) / CUBE_STORE, area_chunk)


def workspace_cube(workspace, framework=None) -> xr.Dataset:
    """The workspace's Zarr cube if it keeps one built from its current imports and
    framework (large workspaces), else its cube built in memory from the observations."""
    store = Path(workspace.path) / CUBE_STORE
    if store.exists():
        cube = open_cube(store)
        if cube.attrs.get("built_from") == _imports_key(workspace, framework):
            return cube
    return workspace.cube(framework)
