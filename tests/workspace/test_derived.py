"""Derived data kept with the workspace, once per generation and framework (DESIGN 3.2)."""

from __future__ import annotations

import os
import shutil
import stat

import pandas as pd
import pytest
import xarray as xr

import dashboard.context as context_module
from dashboard.context import AppContext
from workspace.derived import DERIVED
from workspace.store import Workspace


@pytest.fixture
def workspace(demo_workspace, tmp_path):
    copy = tmp_path / "ws"
    shutil.copytree(demo_workspace.path, copy, ignore=shutil.ignore_patterns(DERIVED))
    return Workspace(copy)


def _everything(context: AppContext) -> list:
    out = [context.cube, context.scores(), context.comparator()]
    for level in context.scored_levels:
        out += [
            context.level_scores(level),
            context.change(level),
            context.uncertainty(level, "parity"),
            context.withheld(level, "idp"),
        ]
    return [*out, context.sources_by_area, context.source_coverage]


def _counting(monkeypatch) -> list:
    calls = []
    original = context_module.score

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(context_module, "score", counted)
    return calls


def _assert_same(first: list, second: list) -> None:
    for a, b in zip(first, second, strict=True):
        if isinstance(a, xr.Dataset):
            xr.testing.assert_identical(a, b)
        else:
            pd.testing.assert_frame_equal(a, b)


def test_second_load_reads_what_the_first_kept(workspace, monkeypatch):
    calls = _counting(monkeypatch)
    generation = workspace.generation
    first = _everything(AppContext.load(workspace))
    assert calls == [1]
    assert workspace.generation == generation  # keeping derived data is not a change
    assert any((workspace.path / DERIVED).iterdir())
    monkeypatch.setattr(workspace, "observations", lambda: pytest.fail("observations read"))
    second = _everything(AppContext.load(workspace))
    assert calls == [1]
    _assert_same(first, second)


def test_a_new_generation_recomputes(workspace, monkeypatch):
    calls = _counting(monkeypatch)
    AppContext.load(workspace).scores()
    workspace.set_metadata(note="changed")
    context = AppContext.load(workspace)
    context.scores()
    assert calls == [1, 1]
    assert context.generation == workspace.generation
    kept = [p.name.split("-")[0] for p in (workspace.path / DERIVED).iterdir()]
    assert kept == [str(workspace.generation)]  # the older generation's folder is gone


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only folders")
def test_a_read_only_workspace_keeps_derived_data_in_memory(workspace):
    mode = workspace.path.stat().st_mode
    workspace.path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        context = AppContext.load(workspace)
        assert context.scores()["has_data"].any()
        assert not (workspace.path / DERIVED).exists()
    finally:
        workspace.path.chmod(mode)


def test_a_store_that_cannot_be_written_keeps_data_in_memory(workspace, monkeypatch):
    (workspace.path / DERIVED).write_text("not a folder")  # mkdir fails: NotADirectory
    context = AppContext.load(workspace)
    assert context.scores()["has_data"].any()
    assert not context.derived.writable


def test_a_stored_table_keeps_its_index(demo_workspace, tmp_path):
    """A table of P-codes by round comes back from the store with its P-codes."""
    import pandas as pd

    from workspace.derived import _records, _table

    table = pd.DataFrame(
        {"2024-03-01": [1.0, None], "2024-06-01": [2.0, 3.0]},
        index=pd.Index(["XM01001", "XM01002"], name="pcode"),
    )
    payload = {
        "columns": list(table.columns),
        "records": _records(table),
        "index": table.index.tolist(),
        "index_names": list(table.index.names),
    }
    back = _table(payload)
    pd.testing.assert_frame_equal(back, table)
    assert back.at["XM01002", "2024-06-01"] == 3.0


def test_a_stored_dataset_comes_back_identical(tmp_path):
    """Every kind of variable the derived data holds survives the ``.npz`` store: text
    coordinates with and without missing values, dates, float32, booleans, a scalar
    coordinate and numeric attributes."""
    import numpy as np

    from workspace.derived import _read_dataset, _write_dataset

    dataset = xr.Dataset(
        {
            "score": (("area", "round"), np.array([[1.5, np.nan], [3.0, 4.0]], np.float32)),
            "has_data": (("area", "round"), np.array([[True, False], [True, True]])),
            "label": ("area", np.array(["a", None], dtype=object)),
        },
        coords={
            "area": np.array(["XM01", "XM02"], dtype=object),
            "round": pd.to_datetime(["2024-03-01", "2024-06-01"]).to_numpy(),
            "parent": ("area", np.array([None, "XM"], dtype=object)),
            "group": "idp",
        },
        attrs={"n_min": np.int64(30), "framework_name": "IASC"},
    )
    path = tmp_path / "x.npz"
    with path.open("wb") as handle:
        _write_dataset(dataset, handle)
    back = _read_dataset(path)
    xr.testing.assert_identical(back, dataset)
    assert back["label"].values[0] == "a" and pd.isna(back["label"].values[1])
    assert back["score"].dtype == np.float32 and back["group"].item() == "idp"


def test_a_damaged_stored_dataset_is_recomputed(workspace, monkeypatch):
    calls = _counting(monkeypatch)
    AppContext.load(workspace).scores()
    (stored,) = (workspace.path / DERIVED).glob("*/scores_False.npz")
    stored.write_bytes(b"not an npz file")
    scores = AppContext.load(workspace).scores()
    assert calls == [1, 1] and scores["has_data"].any()


def test_derived_data_of_the_netcdf_format_is_removed(workspace):
    context = AppContext.load(workspace)
    old = workspace.path / DERIVED / f"{workspace.generation}-0123456789abcdef"
    old.mkdir(parents=True)
    (old / "scores_False.nc").write_bytes(b"format 1")
    context.scores()
    assert not old.exists()
    assert list(context.derived.folder.glob("*.npz"))
