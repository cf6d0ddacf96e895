"""The download button, written once: a button and the ``dcc.Download`` its callback
fills. The Priorities CSV, the method page's framework file and the PDF export use it,
so every download looks and behaves the same (DESIGN 5: every page has an export)."""

from __future__ import annotations

from dash import dcc, html

BUTTON_CLASS = "button button-download"


def download_button(
    label: str,
    *,
    button_id: str,
    download_id: str,
    title: str,
    class_name: str = BUTTON_CLASS,
    disabled: bool = False,
    **attributes,
) -> list:
    """[the button, its ``dcc.Download``]: ids from ``dashboard.ids``; ``title`` says
    what the file holds; ``attributes`` go to the button (``aria-*``)."""
    return [
        html.Button(
            label,
            id=button_id,
            className=class_name,
            title=title,
            n_clicks=0,
            disabled=disabled,
            **attributes,
        ),
        dcc.Download(id=download_id),
    ]
