"""Admin areas: read COD-AB layers, check them, store them, and shape them for the map.

Imports neither Dash nor the ``indicators`` package (DESIGN section 2).
"""

from geodata.areas import (
    CANONICAL_COLUMNS,
    AreaError,
    check_hierarchy,
    load_areas,
    read_area_layer,
    write_areas,
)
from geodata.display import display_geojson, display_geojson_bytes

__all__ = [
    "CANONICAL_COLUMNS",
    "AreaError",
    "check_hierarchy",
    "display_geojson",
    "display_geojson_bytes",
    "load_areas",
    "read_area_layer",
    "write_areas",
]
