"""The page shell: the header (country, subtitle, demo badge, navigation, language
switcher), the footer, the ``<main>`` the page goes in, and the URL and stores the router
reads. ``shell`` draws it (with the first page, when known); ``shell_texts`` are its
translated words, which the router (``dashboard.router``) writes again when the language
changes.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.briefing.view import query_rules, view_options
from dashboard.components.session import session_notice
from dashboard.context import AppContext
from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    direction,
    translator,
)

__all__ = ["NAV", "shell", "shell_texts"]

NAV = (
    (ids.NAV_MAP, "/", "map"),
    (ids.NAV_PRIORITIES, "/priorities", "priorities"),
    (ids.NAV_METHOD, "/method", "method"),
)


def shell_texts(context: AppContext, lang: str) -> dict:
    """The translated words of the page shell, by component id and property."""
    _ = translator(lang)
    framework = context.framework
    badge = (
        html.Span(
            _("Fictional demo data"),
            id=ids.DEMO_BADGE,
            className="badge badge-demo",
            title=_("This country and its data are invented, for trying the dashboard out."),
        )
        if context.workspace.is_fictional
        else None
    )
    return {
        (ids.SKIP_LINK, "children"): _("Skip to content"),
        (ids.HEADER_SUBTITLE, "children"): (
            _("Progress of internally displaced persons towards durable solutions")
            + f" · {framework.name} {framework.version}"
        ),
        (ids.DEMO_BADGE_SLOT, "children"): badge,
        (ids.NAV, "aria-label"): _("Pages"),
        (ids.NAV_MAP, "children"): _("Map"),
        (ids.NAV_PRIORITIES, "children"): _("Priorities"),
        (ids.NAV_METHOD, "children"): _("Method"),
        (ids.LANG_SWITCH_LABEL, "children"): _("Language"),
        (ids.FOOTER, "children"): [
            _("Scores 0–100 by the framework in force; see the method page for details."),
            " ",
            html.Span(
                _("Data as of {date} (generation {generation}).").format(
                    date=(context.updated or "")[:10] or "—", generation=context.generation
                ),
                className="footer-generation",
                **{"data-generation": str(context.generation)},
            ),
        ],
        (ids.DOCUMENT, "data"): {
            "lang": lang,
            "dir": direction(lang),
            "title": f"{context.workspace.country_name} — " + _("durable solutions"),
            # how the browser's router reads this generation's query (``page_key``)
            "norm": context.kept(("query_rules",), lambda: query_rules(view_options(context))),
        },
    }


def shell(
    context: AppContext,
    relative,
    lang: str = DEFAULT_LANGUAGE,
    page=None,
    key: str | None = None,
    export_slot=None,
    search: str | None = None,
) -> html.Div:
    """The page shell in ``lang``; with ``page`` (and its view ``key``) the first page
    is already in it, so the browser need not ask the router for it. ``export_slot(lang)``
    fills the header's export slot (``dashboard.report.export.register``), which otherwise
    stays empty. ``search``, the query the browser shows where known: the shell's Location
    starts with it, so it has no new query to report once drawn and the callbacks that
    read it (the export slot's) do not run at load."""
    texts = shell_texts(context, lang)

    def text(component: str, prop: str = "children"):
        return texts[component, prop]

    nav_links = [
        dcc.Link(text(link_id), id=link_id, href=relative(path), className="nav-link")
        for link_id, path, _name in NAV
    ]
    languages = [
        dcc.Link(
            html.Span(name, lang=code),
            id=ids.lang_link(code),
            href=relative("/") + ("" if code == DEFAULT_LANGUAGE else f"?lang={code}"),
            className="lang-link",
        )
        for code, name in LANGUAGES.items()
    ]
    return html.Div(
        className="app",
        children=[
            dcc.Location(
                id=ids.URL, refresh=False, **({} if search is None else {"search": search})
            ),
            dcc.Store(id=ids.PAGE_KEY, data=key),
            dcc.Store(id=ids.DOCUMENT, data=text(ids.DOCUMENT, "data")),
            # Shown by assets/session.js when the session ends (a callback gets 401).
            session_notice(relative("/login")),
            html.A(text(ids.SKIP_LINK), id=ids.SKIP_LINK, href="#" + ids.PAGE, className="skip"),
            html.Header(
                id=ids.HEADER,
                className="header",
                children=[
                    html.Div(
                        className="header-top",
                        children=[
                            html.Div(
                                className="header-title",
                                children=[
                                    html.H1(context.workspace.country_name, id=ids.COUNTRY),
                                    html.Span(text(ids.DEMO_BADGE_SLOT), id=ids.DEMO_BADGE_SLOT),
                                ],
                            ),
                            html.Div(
                                className="header-tools",
                                children=[
                                    # Filled here, in the page's language: no
                                    # callback at load (the slot's lang tells
                                    # dashboard.report.export what it shows).
                                    html.Div(
                                        export_slot(lang) if export_slot else None,
                                        id=ids.EXPORT_SLOT,
                                        className="export-slot",
                                        lang=lang if export_slot else None,
                                    ),
                                    html.Div(
                                        id=ids.LANG_SWITCH,
                                        className="lang-switch",
                                        role="group",
                                        **{"aria-labelledby": ids.LANG_SWITCH_LABEL},
                                        children=[
                                            html.Span(
                                                text(ids.LANG_SWITCH_LABEL),
                                                id=ids.LANG_SWITCH_LABEL,
                                                className="lang-switch-label",
                                            ),
                                            *languages,
                                        ],
                                    ),
                                ],
                            ),
                        ],
                    ),
                    html.P(
                        text(ids.HEADER_SUBTITLE),
                        id=ids.HEADER_SUBTITLE,
                        className="header-subtitle",
                    ),
                    html.Nav(
                        nav_links,
                        id=ids.NAV,
                        className="nav",
                        **{"aria-label": text(ids.NAV, "aria-label")},
                    ),
                ],
            ),
            html.Main(page, id=ids.PAGE, className="page", tabIndex="-1"),
            html.Footer(text(ids.FOOTER), id=ids.FOOTER, className="footer"),
        ],
    )
