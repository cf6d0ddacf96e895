"""Out-of-core scoring (DESIGN 7): a cube on disk as Zarr, scored chunk by chunk, on the
threaded scheduler and on a `dask.distributed` cluster of worker processes, gives the
same scores as the cube in memory."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from indicators.cube import build_cube
from indicators.scoring import score, scores_long
from workspace.zarr_cube import open_cube, write_cube, write_scores

try:  # tests/indicators may or may not become a package
    from .reference import make_framework, observations_frame
except ImportError:
    from reference import make_framework, observations_frame

TREE = {
    "a": {"a1": {"x1": (0, 100), "x2": (40, 0)}, "a2": {"x3": (120, 15)}},
    "b": {"b1": {"x4": (-50, 250)}, "b2": {"x5": (0, 1)}},
    "c": {"c1": {"x6": (0, 100)}},
}


def small_cube(areas: int = 30, seed: int = 3):
    """Areas in three regions whose parents are on the axis; some hosts missing or small,
    so every comparator fallback (parent, round mean) is taken somewhere."""
    framework = make_framework(TREE, n_min=30, min_criteria=2, aggregation="geometric")
    rng = np.random.default_rng(seed)
    codes = [f"R{r}" for r in range(3)] + [f"A{a:03d}" for a in range(areas)]
    parents = {code: None for code in codes[:3]} | {
        code: f"R{k % 3}" for k, code in enumerate(codes[3:])
    }
    rows = []
    for area in codes:
        for rnd in ("2024-01", "2024-06"):
            for group in ("idp", "returnee", "host"):
                for indicator in framework.indicators:
                    if rng.random() < 0.25:
                        continue
                    worst, best = indicator.goalposts
                    value = worst + rng.uniform(-0.2, 1.2) * (best - worst)
                    rows.append((area, rnd, group, indicator.code, value, rng.integers(5, 90)))
    cube = build_cube(observations_frame(rows), framework, parents=parents)
    return cube, framework


def assert_same(got: xr.Dataset, expected: xr.Dataset):
    assert set(got.data_vars) == set(expected.data_vars)
    for name, variable in expected.data_vars.items():
        a = np.asarray(got[name].transpose(*variable.dims).values, dtype=float)
        b = np.asarray(variable.values, dtype=float)
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_fallbacks_are_exercised():
    cube, framework = small_cube()
    result = score(cube, framework)
    # without these the comparison below would not cover the cross-area step
    assert result["fallback"].any() and not result["fallback"].all()


def test_zarr_cube_scored_chunk_by_chunk_equals_in_memory(tmp_path):
    cube, framework = small_cube()
    write_cube(cube, tmp_path / "cube.zarr", area_chunk=7)
    lazy = open_cube(tmp_path / "cube.zarr")
    assert lazy["value"].chunks[0][0] == 7
    result = score(lazy, framework)
    assert result["indicator_score"].chunks is not None, "the result is not lazy"
    write_scores(result, tmp_path / "scores.zarr")
    stored = xr.open_zarr(tmp_path / "scores.zarr").load()
    expected = score(cube, framework)
    assert_same(stored, expected)
    assert_same(result.compute(), expected)


@pytest.mark.parametrize("core", [False, True], ids=["all", "core"])
def test_distributed_cluster_gives_the_in_memory_scores(core):
    distributed = pytest.importorskip("distributed")
    cube, framework = small_cube()
    expected = score(cube, framework, core=core)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        lazy = score(cube.chunk({"area": 8}), framework, core=core)
        with distributed.get_task_stream(client) as stream:
            got = client.compute(lazy).result()
    # every chunk was scored by a task on a worker process, not in this process
    chunk_tasks = [t for t in stream.data if "_score_chunk" in str(t["key"])]
    assert len(chunk_tasks) == len(lazy.chunks["area"])
    assert all(t["worker"] for t in chunk_tasks)
    assert_same(got, expected)
    assert scores_long(got, framework).equals(scores_long(expected, framework))


def test_solutions_score_on_a_scheduler_writes_the_same_csv(tmp_path):
    distributed = pytest.importorskip("distributed")
    from dashboard.cli import main

    workspace = tmp_path / "ws"
    assert main(["demo", str(workspace)]) == 0
    assert main(["score", str(workspace), "--out", str(tmp_path / "plain.csv")]) == 0
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as watcher,
        # the scheduler's task stream sees the tasks of every client, the CLI's too
        distributed.get_task_stream(watcher) as stream,
    ):
        code = main(
            [
                "score",
                str(workspace),
                "--out",
                str(tmp_path / "cluster.csv"),
                "--scheduler",
                cluster.scheduler_address,
            ]
        )
    assert code == 0
    assert any("_score_chunk" in str(task["key"]) for task in stream.data)
    plain = (tmp_path / "plain.csv").read_bytes()
    assert len(plain) > 1000 and (tmp_path / "cluster.csv").read_bytes() == plain
