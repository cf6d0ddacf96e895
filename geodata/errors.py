"""The error of the area readers, apart from them: the command line catches it on every
command, and importing it must not import geopandas, shapely and pyogrio (a server start
never reads a boundary file)."""


class AreaError(ValueError):
    """An admin-area file cannot be used; the message names the file and what to do."""
