"""``solutions score`` writes the long table (DESIGN 3.4) block by block of areas: the
file is byte for byte the one the whole in-memory table gives, whatever the block size,
the area order or the chunking (the out-of-core scorer's dask chunks)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from dashboard.cli import main, write_scores_csv
from indicators.scoring import score, scores_long, scores_long_blocks
from workspace.store import Workspace


@pytest.fixture(scope="module")
def demo(demo_workspace):
    workspace = Workspace(demo_workspace.path)
    framework = workspace.framework
    # 40 of the demo's 162 areas (regions and districts): enough areas for many blocks,
    # few enough that a block per area stays quick
    cube = workspace.cube(framework).isel(area=slice(0, 40))
    return cube, framework


def _whole_csv(result, framework) -> bytes:
    buffer = io.StringIO()
    scores_long(result, framework).to_csv(buffer, index=False, float_format="%.6g")
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize("rows_per_block", [1, 997, 10**9])
def test_blocks_write_the_whole_tables_bytes(demo, tmp_path, rows_per_block):
    cube, framework = demo
    result = score(cube, framework)
    expected = _whole_csv(result, framework)
    out = tmp_path / "scores.csv"
    blocks = list(scores_long_blocks(result, framework, rows_per_block))
    if rows_per_block == 1:  # one area per block: as many blocks as areas
        assert len(blocks) == cube.sizes["area"]
    written = write_scores_csv(out, iter(blocks))
    assert out.read_bytes() == expected
    assert written.rows == expected.count(b"\n") - 1
    assert sorted(written.areas) == sorted(set(scores_long(result, framework)["area_pcode"]))


def test_areas_out_of_pcode_order_and_dask_chunks_give_the_same_bytes(demo, tmp_path):
    cube, framework = demo
    expected = _whole_csv(score(cube, framework), framework)
    shuffled = cube.isel(area=np.random.default_rng(3).permutation(cube.sizes["area"]))
    for variant, name in (
        (score(shuffled, framework), "shuffled.csv"),
        (score(cube.chunk({"area": 7}), framework), "chunked.csv"),  # lazy, per chunk
        (score(shuffled.chunk({"area": 5}), framework), "both.csv"),
    ):
        write_scores_csv(tmp_path / name, scores_long_blocks(variant, framework, 50))
        assert (tmp_path / name).read_bytes() == expected, name


def test_the_command_writes_the_same_file(demo_workspace, tmp_path, capsys):
    framework = demo_workspace.framework
    out = tmp_path / "all.csv"
    assert main(["score", str(demo_workspace.path), "--out", str(out)]) == 0
    expected = _whole_csv(score(demo_workspace.cube(framework), framework), framework)
    assert out.read_bytes() == expected
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()  # for colleagues: as open() makes
    assert f"{out}: " in capsys.readouterr().out


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
