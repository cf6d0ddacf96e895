"""The house rules of DESIGN 2, read from the code.

The import direction is import-linter's job (contracts in pyproject.toml); this file runs
it, so `pytest` alone catches a wrong import, and adds what import-linter cannot see:
the method layer opens no file.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Names whose use means touching the file system (or a store on it). The method layer
#: receives arrays and frameworks already read; `workspace/` does the reading.
FILE_MODULES = {"os", "pathlib", "shutil", "tempfile", "io", "zipfile", "glob", "csv", "netCDF4"}
FILE_CALLS = {
    "open",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "open_dataset",
    "open_zarr",
    "open_mfdataset",
    "load_dataset",
    "to_netcdf",
    "to_zarr",
    "to_csv",
    "to_parquet",
    "to_file",
    "read_csv",
    "read_excel",
    "read_parquet",
    "read_file",
    "safe_load_all",
}


def _file_uses(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                f"{path.name}:{node.lineno} import {alias.name}"
                for alias in node.names
                if alias.name.split(".")[0] in FILE_MODULES
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FILE_MODULES:
                found.append(f"{path.name}:{node.lineno} from {node.module} import ...")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in FILE_CALLS:
                found.append(f"{path.name}:{node.lineno} {name}(...)")
    return found


def test_the_method_opens_no_file():
    modules = sorted((ROOT / "indicators").rglob("*.py"))
    assert modules, "indicators/ has modules"
    offending = [use for module in modules for use in _file_uses(module)]
    assert offending == [], "indicators/ must stay pure (DESIGN 2): " + "; ".join(offending)


def test_the_file_check_sees_file_access(tmp_path):
    """The check above could fail: a module that reads a file is caught."""
    module = tmp_path / "bad.py"
    module.write_text("from pathlib import Path\n\ndef f(p):\n    return open(p).read()\n")
    assert len(_file_uses(module)) == 2


def test_import_contracts_hold():
    """DESIGN 2's import direction, checked by import-linter from pyproject.toml."""
    command = shutil.which("lint-imports")
    if command is None:
        pytest.fail("import-linter is a test dependency: pip install -e '.[test]'")
    result = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_workspace_is_a_package_of_its_own():
    assert (ROOT / "workspace" / "__init__.py").is_file()
    for moved in ("readers", "pcodes", "store", "transaction", "observations"):
        assert not (ROOT / "indicators" / f"{moved}.py").exists(), f"{moved} belongs to workspace/"
    assert sys.modules.get("indicators.store") is None
