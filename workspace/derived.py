"""Derived data kept with the workspace, once per generation and framework (DESIGN 3.2).

Scores, roll-ups, change, rank uncertainty, small-sample flags, the comparator, the cube
and the small summaries of the observations (sources per area, source coverage) cost
seconds on a large workspace. ``DerivedStore`` keeps each, once computed, in::

    derived/<generation>-<framework checksum>/<name>.npz    xarray datasets (arrays + header)
    derived/<generation>-<framework checksum>/<name>.json   small tables

so a server start, a new worker, ``solutions score`` and the PDF read them instead of
recomputing. Writing them is not a change of the workspace: the manifest (and so the
generation) is never touched. Each file is written under a temporary name inside the
folder and renamed into place, so a reader sees a whole file or none. A workspace that
cannot be written (read-only mount) keeps derived data in memory only; a file that cannot
be read back is recomputed. Older generations' folders are removed when a newer one is
written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

log = logging.getLogger(__name__)

DERIVED = "derived"
#: Bumped when what is stored changes shape, so files of older code are not read (it is
#: part of the folder's key). 2: datasets as ``.npz`` rather than NetCDF.
FORMAT = 2
_NONE = "\u2400none"  # stands for None in a text coordinate (NetCDF has no null string)


def framework_checksum(framework) -> str:
    """A checksum of the framework's content (pydantic model) and the store's format."""
    text = framework.model_dump_json() if hasattr(framework, "model_dump_json") else repr(framework)
    return hashlib.sha256(f"{FORMAT}|{text}".encode()).hexdigest()[:16]


def _plain(value):
    """A dataset attribute as JSON can hold it (numpy scalars and arrays as Python's)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"attribute of type {type(value).__name__} cannot be kept")


def _write_dataset(dataset: xr.Dataset, handle) -> None:
    """``dataset`` as one uncompressed ``.npz``: each variable's array as it is in memory
    (dtype, shape), and a JSON header with dims, coordinates and attributes. Reading it
    back is copying arrays: no HDF5 file to open and no CF decoding, which made reading
    NetCDF the largest part of a server start's own work. Text arrays become fixed-width
    unicode (an object array would need pickle, which ``_read_dataset`` never loads),
    with ``None`` kept as a marker."""
    arrays, variables = {}, []
    for number, (name, variable) in enumerate(dataset.variables.items()):
        values, kind = variable.values, None
        if values.dtype == object:
            # missing: None, which xarray holds as NaN in a text array (and so reads back)
            flat = [_NONE if v is None or v != v else str(v) for v in values.ravel()]
            values, kind = np.array(flat, dtype=str).reshape(values.shape), "object"
        elif values.dtype.kind == "U":
            kind = "str"
        elif values.dtype.hasobject or values.dtype.kind == "V":
            raise TypeError(f"{name}: arrays of {values.dtype} cannot be kept")
        arrays[f"v{number}"] = values
        variables.append(
            {
                "name": name,
                "dims": list(variable.dims),
                "coord": name in dataset.coords,
                "kind": kind,
                "attrs": variable.attrs,
            }
        )
    header = {"format": FORMAT, "attrs": dataset.attrs, "variables": variables}
    arrays["header"] = np.array(json.dumps(header, default=_plain, ensure_ascii=False))
    np.savez(handle, **arrays)


def _read_dataset(path: Path) -> xr.Dataset:
    with np.load(path, allow_pickle=False) as stored:
        header = json.loads(str(stored["header"]))
        if header.get("format") != FORMAT:
            raise ValueError(f"{path}: derived data of format {header.get('format')}")
        coords, data = {}, {}
        for number, entry in enumerate(header["variables"]):
            values = stored[f"v{number}"]
            if entry["kind"] == "object":
                flat = [None if v == _NONE else str(v) for v in values.ravel()]
                values = np.array(flat, dtype=object).reshape(values.shape)
            (coords if entry["coord"] else data)[entry["name"]] = xr.Variable(
                entry["dims"], values, attrs=entry["attrs"]
            )
    return xr.Dataset(data, coords=coords, attrs=header["attrs"])


class DerivedStore:
    """One generation's derived data of one workspace and framework.

    ``get(name)`` is the stored dataset or table, or None; ``put(name, value)`` keeps it
    (silently in memory only when the folder cannot be written)."""

    def __init__(self, root: str | Path, generation: int, framework):
        self.root = Path(root)
        self.generation = int(generation)
        self.key = f"{self.generation}-{framework_checksum(framework)}"
        self.folder = self.root / DERIVED / self.key
        self.writable = True

    def _file(self, name: str, suffix: str) -> Path:
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
        return self.folder / f"{safe}{suffix}"

    def get(self, name: str):
        for suffix in (".npz", ".json"):
            path = self._file(name, suffix)
            if not path.exists():
                continue
            try:
                if suffix == ".npz":
                    return _read_dataset(path)
                return _table(json.loads(path.read_text(encoding="utf-8")))
            except Exception:  # a damaged or foreign file: recompute it
                log.warning("derived data %s could not be read; recomputing", path)
                return None
        return None

    def put(self, name: str, value) -> None:
        if not self.writable or not self._current():
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if isinstance(value, xr.Dataset):
                target = self._file(name, ".npz")
                temporary = self.folder / f".{target.name}.{uuid.uuid4().hex}.part"
                with temporary.open("wb") as handle:
                    _write_dataset(value, handle)
            elif isinstance(value, pd.DataFrame):
                target = self._file(name, ".json")
                temporary = self.folder / f".{target.name}.{uuid.uuid4().hex}.part"
                payload = {
                    "columns": list(value.columns),
                    "records": _records(value),
                    # the index is data too (a table of P-codes by round, say)
                    "index": value.index.tolist(),
                    "index_names": list(value.index.names),
                }
                temporary.write_text(json.dumps(payload, default=str), encoding="utf-8")
            else:
                return
            os.replace(temporary, target)
            self._prune()
        except OSError:
            # read-only or full: derived data stays in this process's memory
            self.writable = False
        except Exception:
            log.warning("derived data %s could not be stored; kept in memory", name)

    def _current(self) -> bool:
        # Never stamp data of one generation with another's number: an import that lands
        # while the data is being computed leaves it unwritten (it is recomputed).
        from workspace.store import Workspace

        return Workspace(self.root).generation == self.generation

    def _prune(self) -> None:
        # Folders of older generations are of no more use (a worker still on one has it
        # in memory already).
        for folder in (self.root / DERIVED).iterdir():
            generation = folder.name.split("-", 1)[0]
            if generation.isdigit() and int(generation) < self.generation:
                shutil.rmtree(folder, ignore_errors=True)
            elif folder != self.folder and any(folder.glob("*.nc")):
                # NetCDF was format 1's: never read again (another framework's folder of
                # this generation is left alone)
                shutil.rmtree(folder, ignore_errors=True)


def _records(frame: pd.DataFrame) -> list[dict]:
    records = []
    for row in frame.to_dict("records"):
        records.append(
            {
                k: (None if not isinstance(v, list | tuple) and pd.isna(v) else v)
                for k, v in row.items()
            }
        )
    return records


def _table(payload: dict) -> pd.DataFrame:
    frame = pd.DataFrame(payload["records"], columns=payload["columns"])
    if "index" in payload:
        names = payload.get("index_names") or [None]
        if len(names) > 1:
            index = pd.MultiIndex.from_tuples([tuple(i) for i in payload["index"]], names=names)
        else:
            index = pd.Index(payload["index"], name=names[0])
        frame.index = index
    return frame
