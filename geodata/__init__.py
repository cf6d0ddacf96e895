"""Admin areas: read COD-AB layers, check them, store them, and shape them for the map.

Imports neither Dash nor the ``indicators`` package (DESIGN section 2). Its readers and
display builders are loaded on first use (PEP 562): they bring geopandas, shapely and
pyogrio, which a server start, reading only what the workspace keeps, never needs.
"""

from __future__ import annotations

import importlib

from geodata.errors import AreaError

#: Public name -> the submodule that defines it.
_WHERE = {
    "CANONICAL_COLUMNS": "geodata.areas",
    "check_hierarchy": "geodata.areas",
    "load_areas": "geodata.areas",
    "read_area_layer": "geodata.areas",
    "write_areas": "geodata.areas",
    "display_geojson": "geodata.display",
    "display_geojson_bytes": "geodata.display",
}

__all__ = ["AreaError", *_WHERE]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'geodata' has no attribute {name!r}")
