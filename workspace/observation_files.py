"""One import's observations as a NetCDF file (``observations/NNNN-name.nc``), and back.

Layout (one dimension ``row``; readable by xarray as by netCDF4):

- a text column (P-code, group, indicator, source) is an ``int32`` variable of codes with
  the attribute ``values_in``, naming a character-array variable ``<column>__values`` of
  its distinct values (UTF-8): a million rows repeat a few thousand strings, and writing
  each as characters costs seconds (DESIGN 7);
- ``round`` is ``int64`` nanoseconds since 1970-01-01 (CF units, decoded by xarray);
- numbers are ``float64`` with NaN as the fill value.

The file is written column by column with netCDF4 itself: categorical columns (as the
reader and the checks hand them over) give their codes and categories directly, with no
round trip through a million Python strings, and xarray's writer (which also imports
dask and distributed, a second of CPU per command) is not needed.
"""

from __future__ import annotations

from pathlib import Path

import netCDF4
import numpy as np
import pandas as pd
import xarray as xr

from workspace.numbers import codes_and_uniques

#: zlib level 1 on the row variables: a third of level 4's time for nearly its size
ROW_LEVEL = 1
#: the short lists of distinct values are tiny; compress them harder
VALUES_LEVEL = 4
_NAT = np.iinfo(np.int64).min


def _codes_and_values(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(int32 codes, the distinct values present as text; missing -> "")."""
    codes, uniques = codes_and_uniques(values)  # a categorical's unused ones left out
    if not len(uniques):  # no rows: one "" so that the list's dimension is not unlimited
        uniques = np.array([""], dtype=object)
    text = pd.Series(uniques, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
    return codes.astype("int32"), text


def _char_array(text: np.ndarray) -> np.ndarray:
    encoded = [t.encode("utf-8") for t in text]
    width = max([1, *map(len, encoded)])
    # one byte per character cell, padded with NUL (what xarray writes and strips)
    return np.array(encoded, dtype=f"S{width}").view("S1").reshape(len(encoded), width)


def write_netcdf(table: pd.DataFrame, target: Path) -> None:
    """Write ``table`` (text, datetime and number columns) to ``target``."""
    with netCDF4.Dataset(target, "w", format="NETCDF4") as out:
        out.createDimension("row", len(table))
        for column in table.columns:
            values = table[column]
            kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else None
            if kind == "M":
                ticks = values.to_numpy(dtype="datetime64[ns]").view("int64")
                fill = {"fill_value": _NAT} if (ticks == _NAT).any() else {}
                variable = out.createVariable(
                    column, "i8", ("row",), zlib=True, complevel=ROW_LEVEL, **fill
                )
                variable.setncattr("units", "nanoseconds since 1970-01-01")
                variable.setncattr("calendar", "proleptic_gregorian")
                variable[:] = ticks
            elif kind in ("f", "i", "u", "b"):
                data = values.to_numpy()
                fill = {"fill_value": np.nan} if kind == "f" else {}
                variable = out.createVariable(
                    column, data.dtype, ("row",), zlib=True, complevel=ROW_LEVEL, **fill
                )
                variable[:] = data
            else:  # text: object, pandas strings or categorical
                codes, text = _codes_and_values(values)
                listed = f"{column}__values"
                chars = _char_array(text)
                width = f"string{chars.shape[1]}"
                if width not in out.dimensions:
                    out.createDimension(width, chars.shape[1])
                out.createDimension(listed, len(text))
                variable = out.createVariable(
                    column, "i4", ("row",), zlib=True, complevel=ROW_LEVEL
                )
                variable.setncattr("values_in", listed)
                variable[:] = codes
                names = out.createVariable(
                    listed, "S1", (listed, width), zlib=True, complevel=VALUES_LEVEL
                )
                names.set_auto_chartostring(False)
                names[:] = chars
                names.setncattr("_Encoding", "utf-8")  # xarray decodes the characters by it


def read_netcdf(path: Path) -> pd.DataFrame:
    """The table of one observations file (text columns as Python strings)."""
    with xr.open_dataset(path, engine="netcdf4") as stored:
        stored = stored.load()
    columns = {}
    for name, variable in stored.data_vars.items():
        if variable.dims != ("row",):
            continue
        listed = variable.attrs.get("values_in")
        if listed:  # coded text: codes -> the listed values
            values = stored[listed].to_numpy().astype(object)
            columns[name] = values[variable.to_numpy()]
        else:
            columns[name] = variable.to_numpy()
    return pd.DataFrame(columns)
