"""Every component id lives in ``dashboard/ids.py`` (DESIGN 2): no ``id=`` keyword and
no first argument of ``Input``/``Output``/``State`` is a string literal elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
CALLBACK_ARGS = {"Input", "Output", "State"}


def _literal(node: ast.AST) -> bool:
    """A string written in place: a constant or an f-string."""
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(
        node, ast.JoinedStr
    )


def literal_ids(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "id" and _literal(keyword.value):
                found.append(f"{filename}:{node.lineno} id={ast.unparse(keyword.value)}")
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if name in CALLBACK_ARGS and node.args and _literal(node.args[0]):
            found.append(f"{filename}:{node.lineno} {name}({ast.unparse(node.args[0])})")
    return found


def test_no_component_id_is_a_literal_outside_ids():
    found = []
    for path in sorted(DASHBOARD.rglob("*.py")):
        if path.name == "ids.py" and path.parent == DASHBOARD:
            continue
        found += literal_ids(path.read_text(encoding="utf-8"), str(path.relative_to(DASHBOARD)))
    assert found == []


def test_the_scan_sees_each_kind_of_literal():
    source = (
        "html.Div(id='x')\n"
        "Input('y', 'value')\n"
        "dash.Output(f'z-{n}', 'children')\n"
        "State(ids.OK, 'value')\n"
        "html.Div(id=ids.OK)\n"
    )
    assert len(literal_ids(source, "sample.py")) == 3
