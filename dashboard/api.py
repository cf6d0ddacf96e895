"""The read-only JSON API (DESIGN 8): ``GET /api/v1/scores?level=&round=&group=&benchmark=``
(and ``core=iris``, ``lang=``; all optional, defaults as on the Priorities page).

The answer is the Priorities CSV of that view as JSON, the same numbers under the same
disclosure rule, with the CSV's metadata sidecar::

    {"metadata": {...the sidecar, "columns": [{"name", "hxl", "description"}]...},
     "data": [{"pcode": "XM03013", "score": 14.9, "suppressed": false, ...}, ...]}

Empty (withheld or missing) values are ``null``; text is neutralised as in the CSV. An
unknown, repeated or malformed parameter gets a 400 answer ``{"error": "..."}`` naming it
and what it may take; never a traceback. Whether small samples are withheld is decided
per request by the ``withhold_small_samples`` callable given to ``register`` (the public
view withholds them; the default is the public rule).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import flask

from dashboard.briefing.downloads import neutralise
from dashboard.briefing.exports import ExportInputError, export_view, priorities_export
from dashboard.context import AppContext
from dashboard.serving import current_context

API_ROUTE = "/api/v1/scores"

#: The query parameters the endpoint takes.
PARAMETERS = ("level", "round", "group", "benchmark", "core", "lang")


class ApiInputError(ValueError):
    pass


def _json_value(value: object) -> object:
    """A cell as JSON: NaN as null; text neutralised as in the CSV (a reader may paste
    it into a spreadsheet), so each value is the CSV's cell."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return neutralise(value)
    return value


def scores_payload(context: AppContext, args, *, withhold_small_samples: bool = True) -> dict:
    """The endpoint's answer for the query ``args`` (a Werkzeug ``MultiDict`` or a plain
    dict); raises ``ApiInputError`` for a bad query."""
    given = list(args.keys())
    unknown = sorted(set(given) - set(PARAMETERS))
    if unknown:
        raise ApiInputError(
            f"unknown parameter {', '.join(map(repr, unknown))}; the parameters are "
            + ", ".join(PARAMETERS)
        )
    getlist = getattr(args, "getlist", None)
    values: dict[str, str] = {}
    for name in given:
        items = getlist(name) if getlist else [args[name]]
        if len(items) > 1:
            raise ApiInputError(f"parameter {name!r} is given more than once")
        values[name] = str(items[0])
    core = values.get("core", "").strip().lower()
    if core not in ("", "iris"):
        raise ApiInputError(f"parameter 'core' is {values['core']!r}; it may only be 'iris'")
    try:
        state = export_view(
            context,
            round=values.get("round"),
            level=values.get("level"),
            group=values.get("group"),
            benchmark=values.get("benchmark"),
            core=core == "iris",
            lang=values.get("lang"),
        )
    except ExportInputError as exc:
        raise ApiInputError(str(exc)) from None
    export = priorities_export(context, state, withhold_small_samples=withhold_small_samples)
    names = [c.name for c in export.columns]
    data = [
        {name: _json_value(value) for name, value in zip(names, row, strict=True)}
        for row in export.rows.itertuples(index=False, name=None)
    ]
    metadata = {k: v for k, v in export.document.items() if k != "data_file"}
    return {"metadata": metadata, "data": data}


def _answer(body: dict, status: int) -> flask.Response:
    # Not flask.jsonify: it sorts the keys, and a row's keys are in the CSV's column order.
    text = json.dumps(body, ensure_ascii=False, allow_nan=False)
    response = flask.Response(text, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def scores_response(
    context: AppContext, args, *, withhold_small_samples: bool = True
) -> flask.Response:
    try:
        payload = scores_payload(context, args, withhold_small_samples=withhold_small_samples)
    except ApiInputError as exc:
        return _answer({"error": str(exc)}, 400)
    return _answer(payload, 200)


def register(
    server: flask.Flask,
    context: AppContext,
    withhold_small_samples: Callable[[], bool] = lambda: True,
) -> None:
    """Add ``API_ROUTE`` to ``server``; ``withhold_small_samples()`` is asked on every
    request (the login's role decides it)."""
    server.add_url_rule(
        API_ROUTE,
        endpoint="api_scores",
        methods=["GET"],
        view_func=lambda: scores_response(
            current_context(context),
            flask.request.args,
            withhold_small_samples=withhold_small_samples(),
        ),
    )
