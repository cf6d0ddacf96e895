"""Component ids, in one place so layout, callbacks and browser tests agree (DESIGN 2)."""

# Page shell
URL = "url"
HEADER = "header"
COUNTRY = "country-name"
DEMO_BADGE = "demo-badge"
DEMO_BADGE_SLOT = "demo-badge-slot"
PAGE = "page"
SKIP_LINK = "skip-link"
HEADER_SUBTITLE = "header-subtitle"
NAV = "nav"
NAV_MAP = "nav-map"
NAV_PRIORITIES = "nav-priorities"
NAV_METHOD = "nav-method"
LANG_SWITCH = "lang-switch"
LANG_SWITCH_LABEL = "lang-switch-label"
#: ``lang-<code>``: one link per language in the switcher (see ``lang_link``).
LANG_LINK_PREFIX = "lang-"
#: Header slot for the "Export PDF" control (filled by the report's callbacks).
EXPORT_SLOT = "export-slot"
FOOTER = "footer"
#: Which page view is shown (path + the query keys that change it), set in the browser.
PAGE_KEY = "page-key"
#: Language, direction and title of the document, set with each rendered page.
DOCUMENT = "document-meta"
#: "Your session has ended" with the login link, filled by assets/session.js on a 401.
SESSION_NOTICE = "session-notice"


def lang_link(code: str) -> str:
    return LANG_LINK_PREFIX + code


#: The map page's links to the score map and the change maps, by ``show``.
SHOW_LINK_PREFIX = "show-link-"


def show_link(show: str) -> str:
    return SHOW_LINK_PREFIX + show.replace("_", "-")


# Map page controls
CRITERION = "criterion"
#: The indicator-level map: one indicator in place of the criterion ("" for none).
INDICATOR = "indicator"
GROUP = "group"
BENCHMARK = "benchmark"
ROUND = "round"
LEVEL = "level"
CORE = "core"
#: "Find an area": opens the locality page of an area typed by name or P-code.
AREA_SEARCH = "area-search"

# Map page output
MAP = "map"
MAP_CAPTION = "map-caption"
MAP_LEGEND = "map-legend"
#: The map page's own view of the URL (its controls write the query through it).
MAP_URL = "map-url"
MAP_FIGURE = "map-figure"
MAP_SUMMARY = "map-summary"
MAP_RELIABILITY_NOTE = "map-reliability-note"
#: Level, core and language the rendered map page was built for.
MAP_SETTINGS = "map-settings"
#: The headline figures above the map (briefing.headline.headline_figures).
MAP_HEADLINE = "map-headline"

# Locality page
LOCALITY_PAGE = "locality-page"
LOCALITY_NOT_FOUND = "locality-not-found"
LOCALITY_NAME = "locality-name"
LOCALITY_SUMMARY = "locality-summary"
LOCALITY_BARS = "locality-bars"
LOCALITY_PROFILE = "locality-profile"
LOCALITY_TIMESERIES = "locality-timeseries"
LOCALITY_CHANGE = "locality-change"
LOCALITY_COVERAGE = "locality-coverage"
LOCALITY_ESTIMATES = "locality-estimates"
LOCALITY_SOURCES = "locality-sources"
LOCALITY_EMPTY = "locality-empty"


# Priorities page
PRIORITIES_SUMMARY = "priorities-summary"
PRIORITIES_HELP = "priorities-help"
PRIORITIES_QUICK_FILTER = "priorities-quick-filter"
PRIORITIES_COUNT = "priorities-count"
PRIORITIES_GRID = "priorities-grid"
#: The Excel workbook (sheets Data and Metadata).
PRIORITIES_DOWNLOAD_BUTTON = "priorities-download-button"
PRIORITIES_DOWNLOAD = "priorities-download"
#: The CSV and its JSON metadata sidecar, zipped.
PRIORITIES_CSV_BUTTON = "priorities-csv-button"
PRIORITIES_CSV_DOWNLOAD = "priorities-csv-download"
#: The view (ViewState fields) the rendered priorities page was built for.
PRIORITIES_STATE = "priorities-state"


# Method page
METHOD_FRAMEWORK = "method-framework"
METHOD_INDICATORS = "method-indicators"
METHOD_SCORING = "method-scoring"
METHOD_SURVEY = "method-survey"
METHOD_SOURCES = "method-sources"
METHOD_IMPORTS = "method-imports"
METHOD_FRAMEWORK_BUTTON = "method-framework-button"
METHOD_FRAMEWORK_DOWNLOAD = "method-framework-download"
#: A plain link to the scores CSV route (a large file: streamed, not sent via a callback).
METHOD_SCORES_LINK = "method-scores-link"


# PDF export (dashboard.report.export), drawn into EXPORT_SLOT
EXPORT_PDF = "export-pdf"
EXPORT_PROGRESS = "export-progress"
EXPORT_STATUS = "export-status"
EXPORT_DOWNLOAD = "export-download"

# -- the counts map (boundaries and DTM figures, no score yet) -----------------------------
COUNTS_PAGE = "counts-page"
COUNTS_MAP = "counts-map"
COUNTS_GROUP = "counts-group"
COUNTS_MEASURE = "counts-measure"
COUNTS_STYLE = "counts-style"
COUNTS_ROUND = "counts-round"
COUNTS_SETTINGS = "counts-settings"
#: The counts page's own Location (its controls read and write the query).
COUNTS_URL = "counts-url"
COUNTS_HEADLINE = "counts-headline"
COUNTS_CAPTION = "counts-caption"
COUNTS_SUMMARY = "counts-summary"
#: The sentence that says what a workspace can show and what to import next.
NEXT_STEP = "next-step"
