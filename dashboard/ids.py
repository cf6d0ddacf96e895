"""Component ids, in one place so layout, callbacks and browser tests agree (DESIGN 2)."""

# Page shell
URL = "url"
HEADER = "header"
COUNTRY = "country-name"
DEMO_BADGE = "demo-badge"
PAGE = "page"

# Map page controls
CRITERION = "criterion"
GROUP = "group"
BENCHMARK = "benchmark"
ROUND = "round"

# Map page output
MAP = "map"
MAP_CAPTION = "map-caption"
MAP_LEGEND = "map-legend"
