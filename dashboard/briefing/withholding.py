"""The public view of a locality: its values that rest on small samples emptied.

The rule is the one of every output (``indicators.disclosure`` through
``AppContext.withheld``; DESIGN 8): a score whose values rest on too many small samples
is withheld, and so is a change measured from or to such a score. The Priorities table,
the CSV and the API apply it with ``briefing.areas.blank_withheld``; the map with
``MapSource.values``; the locality page (for a viewer or an anonymous reader of a public
server) with ``withhold_locality``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from dashboard.briefing.locality import LocalityData
from dashboard.context import AppContext


def _flags(context: AppContext, data: LocalityData, name: str) -> dict[str, bool]:
    """Round (YYYY-MM-DD) -> whether ``name`` (``overall`` or a criterion) is withheld."""
    flags = context.withheld(data.level, data.group, data.core)
    if name not in flags or data.pcode not in flags["area"].values:
        return {}
    series = flags[name].sel(area=data.pcode)
    return {
        f"{pd.Timestamp(r):%Y-%m-%d}": bool(v)
        for r, v in zip(series["round"].values, np.asarray(series.values), strict=True)
    }


def _hidden(value, withheld: bool):
    return None if withheld else value


def withhold_locality(context: AppContext, data: LocalityData) -> LocalityData:
    """``data`` with every value the public view withholds set to None."""
    overall = _flags(context, data, "overall")

    def change(value, withheld_now: bool, since: str | None, flags: dict[str, bool]):
        return None if withheld_now or (since and flags.get(since)) else value

    now = overall.get(data.round, False)
    criteria = []
    for row in data.criteria:
        flags = _flags(context, data, row.code)
        here = flags.get(data.round, False)
        criteria.append(
            dataclasses.replace(
                row,
                score=_hidden(row.score, here),
                absolute=_hidden(row.absolute, here),
                parity=_hidden(row.parity, here),
                series=tuple(
                    _hidden(v, flags.get(r, False))
                    for v, r in zip(row.series, data.rounds, strict=False)
                ),
                since_previous=change(row.since_previous, here, row.previous_round, flags),
                since_first=change(row.since_first, here, row.first_round, flags),
            )
        )
    return dataclasses.replace(
        data,
        overall=_hidden(data.overall, now),
        score_class=_hidden(data.score_class, now),
        overall_series=tuple(
            _hidden(v, overall.get(r, False))
            for v, r in zip(data.overall_series, data.rounds, strict=False)
        ),
        since_previous=change(data.since_previous, now, data.previous_round, overall),
        since_first=change(data.since_first, now, data.first_round, overall),
        criteria=tuple(criteria),
    )
