"""Tables that leave the app: the priorities table and the long scores, as CSV with an HXL
tag row and a metadata block, and the helpers the PDF report reuses (DESIGN 5, 8).

Everything here is a pure function of an ``AppContext`` and a ``ViewState``; Dash is not
imported. Three rules hold for every export:

- **Small samples** (DESIGN 8): a score is withheld where half or more of the indicator
  values it rests on come from fewer than ``n_min`` households (``n < n_min``). An
  indicator score rests on one value, so it is withheld when its own ``n`` is small; a
  criterion or overall score when small samples make up half or more of its values.
  For an area whose score is rolled up from its children (DESIGN 4.8), the children's
  samples are pooled per indicator (their ``n`` summed) before the test. A change over
  time is withheld with either end, and a rank with the score. Withheld cells are empty
  and the row's ``suppressed`` column says ``yes``. ``n`` missing counts as large
  enough, as in the reliability index.
- **Formulas** (OWASP "CSV injection"): a text cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab, CR or LF (or their full-width forms) gets a leading ``'`` so that a
  spreadsheet shows it as text. Numbers are written as numbers (``-3.2`` stays
  numeric), and so are texts that are nothing but a plain number.
- **Metadata**: title, country, filters, framework name and version, sources with
  their dates, rounds, date made, the suppression rule, a notice when the data are
  fictional, and attribution.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from dashboard.briefing.areas import _level, blank_withheld, counted_criteria, priority_table
from dashboard.briefing.labels import (
    BENCHMARK_LABELS,
    GROUP_LABELS,
    class_label,
    is_low_reliability,
)
from dashboard.briefing.numbers import shown
from dashboard.briefing.view import ViewState
from dashboard.context import AppContext
from dashboard.i18n import N_, long_date, translator
from indicators.cube import DISPLACED_GROUPS
from indicators.disclosure import criterion_of, withheld
from indicators.framework import FrameworkError
from indicators.scoring import scores_long
from workspace.frameworks import DEFAULT_FRAMEWORK, load_framework

#: Shown where an observation row names no source.
NO_SOURCE = N_("Source not given")


YES, NO = "yes", "no"


# Characters that make a spreadsheet read a cell as a formula (or, for tab/CR/LF, that
# some importers strip before doing so), and their full-width forms.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """A cell value a spreadsheet will not run: ``'``-prefixed text where it would start
    a formula; numbers (and text that is only a plain number) unchanged; None for empty."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return YES if value else NO
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _cell(value: object) -> str:
    value = neutralise(value)
    if value is None:
        return ""
    if isinstance(value, float):
        # Shortest text that reads back as the same float; integers without ".0".
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


@dataclass(frozen=True)
class Column:
    """One exported column: its header, its HXL tag, and where its value comes from."""

    name: str
    tag: str


def csv_bytes(
    columns: Sequence[Column],
    rows: pd.DataFrame | Iterable[Sequence[object]],
    metadata: Sequence[tuple[str, object]],
) -> bytes:
    """UTF-8 CSV with a byte-order mark (so spreadsheets pick the encoding), CRLF line
    ends, every cell neutralised (see ``neutralise``). ``rows`` is a DataFrame with the
    columns in ``columns`` order, or an iterable of rows. Layout:

    1. a header row (column names),
    2. the HXL tag row (every cell starts with ``#``),
    3. the data rows,
    4. one empty row,
    5. a metadata block: a ``metadata,value`` row, then one ``key,value`` row each.

    HXL tools (libhxl, the HXL Proxy) find the tag row; spreadsheets open the file as is;
    ``pandas.read_csv(f, skiprows=[1], skip_blank_lines=False)`` reads the data up to the
    first empty row.
    """
    if not isinstance(rows, pd.DataFrame):
        rows = pd.DataFrame(list(rows), columns=[c.name for c in columns], dtype=object)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(c.name) for c in columns])
    writer.writerow([c.tag for c in columns])
    if len(rows):
        _safe_frame(rows).to_csv(out, header=False, index=False, lineterminator="\r\n")
    writer.writerow([])
    writer.writerow(["metadata", "value"])
    for key, value in metadata:
        writer.writerow([_cell(key), _cell(value)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Column by column, what ``_cell`` does cell by cell: each distinct value once."""
    safe = {}
    for name, column in frame.items():
        if pd.api.types.is_bool_dtype(column) and not column.isna().any():
            safe[name] = np.where(column.to_numpy(bool), YES, NO)
        elif pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            safe[name] = column
        else:
            codes, uniques = pd.factorize(column, use_na_sentinel=True)
            texts = np.array([_cell(v) for v in uniques] + [""], dtype=object)
            safe[name] = texts[codes]  # code -1 (missing) takes the trailing ""
    return pd.DataFrame(safe, index=frame.index)


def suppression_rule(context: AppContext, lang: str = "en") -> str:
    """The rule in one paragraph, for the metadata block and the pages."""
    _ = translator(lang)
    return _(
        "A score is withheld (left empty and flagged as suppressed) where half or more of "
        "the indicator values it rests on come from samples of fewer than {n_min} "
        "households. Scores rolled up from smaller areas pool their samples first. A change "
        "over time is withheld when either of its rounds is, and a rank with its score."
    ).format(n_min=context.framework.n_min)


#: The priorities CSV: (column, HXL tag); ``{level}``/``{parent}`` are admin levels.
PRIORITY_COLUMNS = (
    Column("pcode", "#adm{level}+code"),
    Column("name", "#adm{level}+name"),
    Column("parent_pcode", "#adm{parent}+code"),
    Column("parent_name", "#adm{parent}+name"),
    Column("round", "#date+reported"),
    Column("score", "#indicator+score+num"),
    Column("class", "#indicator+class+num"),
    Column("class_name", "#indicator+class+name"),
    Column("change_since_previous", "#indicator+change+previous+num"),
    Column("change_since_first", "#indicator+change+first+num"),
    Column("idps_present", "#affected+idps+num"),
    Column("weakest_criterion", "#indicator+weakest+code"),
    Column("weakest_criterion_name", "#indicator+weakest+name"),
    Column("weakest_criterion_score", "#indicator+weakest+score+num"),
    Column("reliability", "#indicator+reliability+num"),
    Column("low_reliability", "#indicator+reliability+low"),
    Column("median_rank", "#meta+rank+median+num"),
    Column("rank_5", "#meta+rank+low+num"),
    Column("rank_95", "#meta+rank+high+num"),
    Column("ranked_areas", "#meta+rank+total+num"),
    Column("indicators_with_data", "#meta+indicators+num"),
    Column("small_sample_indicators", "#meta+indicators+small+num"),
    Column("rolled_up", "#meta+rolled_up"),
    Column("suppressed", "#meta+suppressed"),
)


def _num(value: object, digits: int = 1) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits)


def priorities_csv(
    context: AppContext, state: ViewState, *, made: dt.datetime | None = None
) -> bytes:
    """The priorities table of ``state`` as CSV (layout: ``csv_bytes``).

    Row 1 holds the column names, row 2 the HXL tags (``#adm2+code``, ``#adm2+name``,
    ``#indicator+score+num``, ``#indicator+class+num``, ``#indicator+change+previous+num``,
    ``#affected+idps+num``, ``#indicator+reliability+num``, ``#meta+rank+median+num``
    ...), then one row per area in priority order, an empty row, and the metadata block
    (``metadata_rows``). Values resting on small samples are empty and the row's
    ``suppressed`` column says ``yes`` (rule in the metadata). Class and criterion names
    are in the view's language; column names, tags and metadata keys are not.
    """
    _ = translator(state.lang)
    level = _level(context, state)
    table = priority_table(context, state)
    parent = max(level - 1, 0)
    columns = [Column(c.name, c.tag.format(level=level, parent=parent)) for c in PRIORITY_COLUMNS]
    framework = context.framework
    rows = []
    for r in blank_withheld(table).to_dict("records"):
        klass = None if pd.isna(r["class"]) else int(r["class"])
        weakest = r["weakest"]
        reliability = r["reliability"]
        rows.append(
            [
                r["pcode"],
                r["name"],
                r["parent_pcode"],
                r["parent_name"],
                state.round,
                shown(r["score"]),
                klass,
                class_label(klass, state.lang),
                shown(r["since_previous"]),
                shown(r["since_first"]),
                _num(r["idps_present"], 0),
                weakest,
                framework.label(weakest, state.lang) if weakest else None,
                shown(r["weakest_score"]),
                _num(reliability),
                None if pd.isna(reliability) else is_low_reliability(float(reliability)),
                _num(r["median_rank"]),
                _num(r["rank_low"]),
                _num(r["rank_high"]),
                _num(r["ranked_areas"], 0),
                int(r["indicators"]),
                int(r["small_indicators"]),
                bool(r["rolled_up"]),
                # The score is withheld (so its class and ranks): the row is withheld.
                # A withheld change or weakest-criterion score is only left empty.
                bool(r["suppressed"]),
            ]
        )
    title = _("Priorities: localities furthest from durable solutions")
    return csv_bytes(columns, rows, metadata_rows(context, state, title, made=made))


#: The scores CSV (DESIGN 3.4 plus names and the suppression flag).
SCORE_COLUMNS = (
    Column("area_pcode", "#loc+code"),
    Column("area_name", "#loc+name"),
    Column("admin_level", "#meta+admin_level+num"),
    Column("round", "#date+reported"),
    Column("group", "#meta+group"),
    Column("benchmark", "#meta+benchmark"),
    Column("level", "#meta+level"),
    Column("code", "#indicator+code"),
    Column("score", "#indicator+score+num"),
    Column("class", "#indicator+class+num"),
    Column("reliability", "#indicator+reliability+num"),
    Column("suppressed", "#meta+suppressed"),
)


def scores_table(context: AppContext, core: bool = False) -> pd.DataFrame:
    """``indicators.scoring.scores_long`` of every area with data of its own, with
    ``area_name``, ``admin_level`` and ``suppressed``; withheld scores set to NaN."""
    framework = context.framework
    table = scores_long(context.scores(core), framework)
    cube = context.cube.sel(group=list(DISPLACED_GROUPS))
    present = cube["value"].notnull()
    small = present & (cube["n"] < framework.n_min)
    # In IRIS-core mode the overall score counts the core criteria only.
    crit_of = criterion_of(framework)
    counted_set = set(counted_criteria(context, core))
    counted = [c for c in framework.indicator_codes if crit_of[c] in counted_set]
    overall = withheld(present.sel(indicator=counted), small.sel(indicator=counted))
    parts = [overall.expand_dims(code=["overall"])]
    parts.append(small.rename(indicator="code"))
    for parent_of in (framework.indicator_parent(), None):
        if parent_of is not None:
            by = xr.DataArray(
                [parent_of[c] for c in framework.indicator_codes],
                dims="indicator",
                coords={"indicator": framework.indicator_codes},
                name="code",
            )
        else:
            by = xr.DataArray(
                [crit_of[c] for c in framework.indicator_codes],
                dims="indicator",
                coords={"indicator": framework.indicator_codes},
                name="code",
            )
        p = present.astype(int).groupby(by).sum()
        s = small.astype(int).groupby(by).sum()
        parts.append((p > 0) & (2 * s >= p))
    flags = xr.concat([part.transpose("area", "round", "group", "code") for part in parts], "code")
    frame = flags.reset_coords(drop=True).to_dataframe("suppressed").reset_index()
    frame["round"] = pd.to_datetime(frame["round"]).dt.strftime("%Y-%m-%d")
    frame = frame.rename(columns={"area": "area_pcode"})
    table = table.merge(frame, on=["area_pcode", "round", "group", "code"], how="left")
    table["suppressed"] = table["suppressed"].fillna(False).astype(bool)
    table.loc[table["suppressed"], ["score", "class"]] = np.nan
    table.insert(1, "area_name", table["area_pcode"].map(context.names))
    table.insert(2, "admin_level", table["area_pcode"].map(context.levels).astype("Int64"))
    return table


def scores_csv(context: AppContext, state: ViewState, *, made: dt.datetime | None = None) -> bytes:
    """Every score of every area with data of its own, all rounds, groups and
    benchmarks (the long format of DESIGN 3.4), as CSV with HXL row and metadata."""
    _ = translator(state.lang)
    table = scores_table(context, state.core)
    table["area_name"] = table["area_pcode"].map(context.names_in(state.lang))  # DESIGN 5.2
    table["score"] = table["score"].round(2)
    table["reliability"] = table["reliability"].round(2)
    table["class"] = table["class"].astype("Int64")
    title = _("Scores of every area, round, group and benchmark")
    metadata = metadata_rows(context, state, title, made=made, whole=True)
    return csv_bytes(SCORE_COLUMNS, table[[c.name for c in SCORE_COLUMNS]], metadata)


def source_coverage(context: AppContext) -> pd.DataFrame:
    """One row per data source named in the observations: ``source`` (text, may be
    empty), ``first_round``, ``last_round`` (YYYY-MM-DD), ``rounds`` (count),
    ``rows``, ``files`` (import file names) and ``imported`` (latest import time)."""
    return context.source_coverage


def _state_lines(context: AppContext, state: ViewState, whole: bool) -> list[tuple[str, object]]:
    _ = translator(state.lang)
    if whole:
        return [
            ("rounds_in_file", ", ".join(context.rounds)),
            ("groups", ", ".join(_(GROUP_LABELS[g]) for g in DISPLACED_GROUPS)),
            ("benchmarks", ", ".join(_(BENCHMARK_LABELS[b]) for b in BENCHMARK_LABELS)),
        ]
    return [
        ("round", state.round),
        ("admin_level", _level(context, state)),
        ("group", _(GROUP_LABELS.get(state.group, state.group))),
        ("benchmark", _(BENCHMARK_LABELS.get(state.benchmark, state.benchmark))),
    ]


def metadata_rows(
    context: AppContext,
    state: ViewState,
    title: str,
    *,
    made: dt.datetime | None = None,
    whole: bool = False,
) -> list[tuple[str, object]]:
    """``(key, value)`` pairs describing an export: keys are stable identifiers, values
    are in the view's language. ``whole`` for an export of every round and group
    rather than of one view."""
    _ = translator(state.lang)
    framework = context.framework
    made = made or dt.datetime.now(dt.UTC)
    mode = (
        _("IRIS core: the five core criteria, three needed for an overall score")
        if state.core
        else _("All criteria of the framework")
    )
    rows: list[tuple[str, object]] = [
        ("title", title),
        ("country", context.workspace.country_name),
        *_state_lines(context, state, whole),
        ("mode", mode),
        ("framework", framework.name),
        ("framework_version", framework.version),
        ("aggregation", framework.aggregation),
        ("n_min", framework.n_min),
        ("rounds", ", ".join(context.rounds)),
    ]
    for source in source_coverage(context).itertuples(index=False):
        name = source.source or _(NO_SOURCE)
        text = _(
            "{source}: rounds {first} to {last} ({count} rounds), imported {imported} from {files}"
        ).format(
            source=name,
            first=source.first_round,
            last=source.last_round,
            count=source.rounds,
            imported=(source.imported or "")[:10],
            files=", ".join(source.files) or "–",
        )
        rows.append(("source", text))
    rows += [
        ("date_made", made.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("suppression_rule", suppression_rule(context, state.lang)),
        (
            "formulas",
            _("Text cells that a spreadsheet would run as a formula start with an apostrophe."),
        ),
        (
            "ranks",
            _(
                "Rank 1 is the area furthest from durable solutions. The median rank and the "
                "5 to 95 percent rank band come from {draws} random variations of the criterion "
                "weights and the aggregation."
            ).format(draws=200),
        ),
        (
            "reliability",
            _(
                "Reliability runs from 0 (most reliable) to 10 (least reliable); 5 or more is "
                "marked as low reliability."
            ),
        ),
    ]
    if context.workspace.is_fictional:
        rows.append(
            (
                "notice",
                _("Fictional demo data: this country and its figures are invented."),
            )
        )
    rows.append(
        (
            "attribution",
            _(
                "Cite the data sources listed above and the framework version. Made with the "
                "open-source durable-solutions dashboard (MIT licence) on {date}."
            ).format(date=long_date(made.date(), state.lang)),
        )
    )
    return rows


def framework_yaml(context: AppContext) -> tuple[str, bytes]:
    """``(file name, YAML bytes)`` of the framework in force: the workspace's file (or
    the shipped default) as written, comments included, when it is the one in force;
    otherwise the framework as loaded, written out as YAML."""
    framework = context.framework
    for path in (context.workspace.path / "framework.yaml", DEFAULT_FRAMEWORK):
        path = Path(path)
        if not path.exists():
            continue
        try:
            if load_framework(path) == framework:
                return _framework_file_name(framework), path.read_bytes()
        except FrameworkError:
            continue
    data = framework.model_dump(mode="json", exclude_none=True)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return _framework_file_name(framework), text.encode("utf-8")


def _framework_file_name(framework) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{framework.name}-{framework.version}").strip("-.")
    return f"{stem or 'framework'}.yaml"
