"""Cards shared by the pages: a labelled section (``card``), a key figure (``kpi``) and a
graph with a text alternative (``graph``). Pure builders of Dash components."""

from __future__ import annotations

from dash import dcc, html

GRAPH_CONFIG = {
    "displaylogo": False,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoom2d", "pan2d", "autoScale2d"],
    "responsive": True,
}


def graph(
    graph_id: str,
    figure: dict,
    label: str,
    description: str,
    filename: str,
    graph_class: str | None = None,
):
    """A graph with a text alternative: a ``figure`` named ``label`` and described by a
    visually hidden paragraph that gives the numbers. Not an image role: Plotly's mode
    bar (buttons) sits inside, and an image's content is hidden from screen readers.
    ``graph_class`` styles the graph (a height set by the style sheet, say)."""
    description_id = f"{graph_id}-description"
    return html.Figure(
        className="locality-figure",
        **{"aria-label": label, "aria-describedby": description_id},
        children=[
            dcc.Graph(
                id=graph_id,
                figure=figure,
                config={**GRAPH_CONFIG, "toImageButtonOptions": {"filename": filename}},
                **({"className": graph_class} if graph_class else {}),
            ),
            html.P(description, id=description_id, className="visually-hidden"),
        ],
    )


def card(title: str, section_id: str, children, extra_class: str = ""):
    heading_id = f"{section_id}-heading"
    return html.Section(
        id=section_id,
        className=f"locality-card {extra_class}".strip(),
        **{"aria-labelledby": heading_id},
        children=[html.H3(title, id=heading_id), *children],
    )


def kpi(label: str, value, note=None, extra_class: str = ""):
    return html.Div(
        className=f"locality-kpi {extra_class}".strip(),
        children=[
            html.Dt(label),
            html.Dd(value, className="locality-kpi-value"),
            html.Dd(note, className="locality-kpi-note") if note else None,
        ],
    )
