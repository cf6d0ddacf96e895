"""HTML and CSS in, PDF out: the pack's template printed by WeasyPrint, offline.

- The template (``dashboard/report_templates/report.html``) is Jinja2 with autoescape:
  every name from a data file is escaped. It holds no English: every text it shows
  comes translated from Python (``dashboard.report.texts``), where the catalogue
  extraction finds it.
- Fonts come from the system through fontconfig (DejaVu; Noto where installed); the
  stylesheet loads none.
- WeasyPrint fetches through ``LocalOnlyFetcher``, which serves the pack's figures
  from memory (``report-figure:<name>``, waiting for the browser to finish drawing
  them, so that WeasyPrint starts on the text meanwhile) and ``data:`` URLs, and
  refuses everything else: no request leaves the machine, not even for a file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

import jinja2

__all__ = [
    "FIGURE_SCHEME",
    "TEMPLATES",
    "LocalOnlyFetcher",  # noqa: F822 - made on first access by __getattr__
    "RefusedURL",
    "figure_url",
    "write_pdf",
]

TEMPLATES = Path(__file__).resolve().parent.parent / "report_templates"
_log = logging.getLogger(__name__)
#: URLs of the pack's own figures: ``report-figure:<name>``, served from memory.
FIGURE_SCHEME = "report-figure"

#: name -> a function returning the figure's (bytes, MIME type); it may block until the
#: figure is drawn, so WeasyPrint can start on the text while the browser draws.
Figures = Mapping[str, Callable[[], tuple[bytes, str]]]


class RefusedURL(ValueError):
    """WeasyPrint asked for a resource outside the pack."""


def figure_url(name: str) -> str:
    return f"{FIGURE_SCHEME}:{name}"


def _scheme(url: str) -> str:
    return url.split(":", 1)[0].lower() if ":" in url else ""


class _Policy:
    """What the fetcher serves: the pack's figures and ``data:`` URLs, nothing else."""

    def _setup(self, figures: Figures | None) -> None:
        self.figures = dict(figures or {})
        self.refused: list[str] = []
        self.errors: list[BaseException] = []

    def _figure(self, url: str) -> tuple[bytes, str]:
        name = url.split(":", 1)[1]
        if name not in self.figures:
            raise RefusedURL(f"no figure {name!r} in this pack")
        try:
            return self.figures[name]()
        except BaseException as exc:  # WeasyPrint would only warn: keep it for the caller
            self.errors.append(exc)
            raise

    def _refuse(self, url: str) -> None:
        self.refused.append(url)
        _log.warning("PDF report: refused to fetch %s", url[:200])
        raise RefusedURL(f"the PDF report fetches nothing outside the pack; refused {url[:200]!r}")


@lru_cache(maxsize=1)
def _fetcher_class() -> type:
    """The fetcher class for the installed WeasyPrint, made on first use: importing
    WeasyPrint costs about a second, which a server start (DESIGN 7) should not pay for
    a PDF nobody has asked for yet."""
    try:  # WeasyPrint 66 and later: fetchers are URLFetcher objects
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class LocalOnlyFetcher(URLFetcher, _Policy):
            """Serves the pack's figures (``report-figure:<name>``) and ``data:`` URLs;
            anything else (http, https, file, ...) raises ``RefusedURL`` and is listed in
            ``refused``."""

            def __init__(self, figures: Figures | None = None) -> None:
                URLFetcher.__init__(self, timeout=1, allowed_protocols=("data",))
                self._setup(figures)

            def fetch(self, url, headers=None):
                scheme = _scheme(url)
                if scheme == FIGURE_SCHEME:
                    body, mime = self._figure(url)
                    return URLFetcherResponse(url, body, {"Content-Type": mime})
                if scheme == "data":
                    return URLFetcher.fetch(self, url, headers)
                self._refuse(url)

    except ImportError:  # pragma: no cover - WeasyPrint before 66: fetchers are functions
        from weasyprint import default_url_fetcher

        class LocalOnlyFetcher(_Policy):  # type: ignore[no-redef]
            def __init__(self, figures: Figures | None = None) -> None:
                self._setup(figures)

            def __call__(self, url, *args, **kwargs):
                scheme = _scheme(url)
                if scheme == FIGURE_SCHEME:
                    body, mime = self._figure(url)
                    return {"string": body, "mime_type": mime, "redirected_url": url}
                if scheme == "data":
                    return default_url_fetcher(url, *args, **kwargs)
                self._refuse(url)

            fetch = __call__

    return LocalOnlyFetcher


def __getattr__(name: str):
    # ``LocalOnlyFetcher`` stays importable from here (PEP 562), made on first access.
    if name == "LocalOnlyFetcher":
        return _fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(context: dict) -> str:
    """The pack as one HTML document (stylesheet inlined)."""
    environment = _environment()
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return environment.get_template("report.html").render(css=css, **context)


class _Drawn:
    """A figure WeasyPrint lays out before it is drawn: its proportions are known (the
    size it is drawn at), so the pages are laid out while the browser still draws, and
    the image itself is fetched (waiting for the browser if need be) when the page is
    painted. The figures' widths in the stylesheet are fractions of the column, so the
    proportions are all the layout needs."""

    def __init__(self, url: str, size: tuple[float, float], load: Callable[[], object]):
        self._url, self._load = url, load
        self._width, self._height = float(size[0]), float(size[1])
        self._image = None

    def get_intrinsic_size(self, _resolution, _font_size):
        return self._width, self._height, self._width / self._height

    def draw(self, stream, concrete_width, concrete_height, style):
        if self._image is None:
            self._image = self._load()
        if self._image is not None:
            self._image.draw(stream, concrete_width, concrete_height, style)


def write_pdf(
    html: str,
    figures: Figures | None = None,
    info: dict | None = None,
    sizes: Mapping[str, tuple[float, float]] | None = None,
) -> bytes:
    """Print ``html`` with WeasyPrint. Its figures (``report-figure:<name>``) come from
    ``figures``; nothing else is fetched but ``data:`` URLs. A figure that could not be
    made raises here (WeasyPrint itself would only leave it out). ``info``, if given,
    receives the number of ``pages``. ``sizes`` (name -> width, height at which the
    figure is drawn) lets the pages be laid out before those figures are drawn."""
    import weasyprint
    from weasyprint.images import get_image_from_uri

    fetcher = _fetcher_class()(figures)
    options = dict(weasyprint.DEFAULT_OPTIONS)
    cache: dict = {}
    loaded: dict = {}  # WeasyPrint's own image cache for the figures, once drawn
    for name, size in (sizes or {}).items():
        url = figure_url(name)

        def load(url=url):
            return get_image_from_uri(loaded, fetcher, options, url)

        cache[url] = _Drawn(url, size, load)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render(cache=cache)
    if info is not None:
        info["pages"] = len(document.pages)
        info["lang"] = document.metadata.lang
    pdf = document.write_pdf()
    if fetcher.errors:
        raise fetcher.errors[0]
    return pdf
