"""Tables that leave the app: the priorities table and the long scores, as CSV with an HXL
tag row and nothing else (their metadata goes in a sidecar: ``dashboard.briefing.exports``),
and the helpers the PDF report reuses (DESIGN 5, 8).

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
  fictional, and attribution (``metadata_rows``). It is never appended to the data: it
  travels as a sidecar file or sheet that a machine can separate (DESIGN 8).
"""

from __future__ import annotations

import csv
import dataclasses
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
    #: What the column holds, in English (the sidecar's column list).
    description: str = ""


def csv_bytes(columns: Sequence[Column], rows: pd.DataFrame | Iterable[Sequence[object]]) -> bytes:
    """UTF-8 CSV with a byte-order mark (so spreadsheets pick the encoding), CRLF line
    ends, every cell neutralised (see ``neutralise``). ``rows`` is a DataFrame with the
    columns in ``columns`` order, or an iterable of rows. Layout: a header row (column
    names), the HXL tag row (every cell starts with ``#``), the data rows; nothing after
    them (the metadata is a sidecar, ``dashboard.briefing.exports``).

    HXL tools (libhxl, the HXL Proxy) find the tag row; spreadsheets open the file as is;
    ``pandas.read_csv(f, skiprows=[1])`` reads the data.
    """
    if not isinstance(rows, pd.DataFrame):
        rows = pd.DataFrame(list(rows), columns=[c.name for c in columns], dtype=object)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(c.name) for c in columns])
    writer.writerow([c.tag for c in columns])
    if len(rows):
        _safe_frame(rows).to_csv(out, header=False, index=False, lineterminator="\r\n")
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


def disclosure_rule(context: AppContext, lang: str = "en", withhold: bool = True) -> str:
    """What an export or pack applied, in one paragraph: the withholding rule
    (``suppression_rule``) for the public view, else the statement that small-sample
    values are included (an analyst's or administrator's full detail)."""
    if withhold:
        return suppression_rule(context, lang)
    _ = translator(lang)
    return _(
        "Full detail: values resting on samples of fewer than {n_min} households are "
        "included, not withheld (an analyst's or administrator's view). Not for public "
        "distribution."
    ).format(n_min=context.framework.n_min)


#: The priorities CSV: (column, HXL tag, description). ``{area}``/``{parent}`` are the
#: HXL hashtags of the view's admin level and of its parent level (``area_hashtag``).
PRIORITY_COLUMNS = (
    Column("pcode", "{area}+code", "P-code of the area"),
    Column("name", "{area}+name", "name of the area"),
    Column("parent_pcode", "{parent}+code", "P-code of the area's parent (one admin level up)"),
    Column("parent_name", "{parent}+name", "name of the area's parent"),
    Column("round", "#date+reported", "survey round, YYYY-MM-DD"),
    Column(
        "score",
        "#indicator+score+num",
        "overall score, 0 (furthest from durable solutions) to 100, one decimal",
    ),
    Column("class", "#indicator+class+num", "class of the overall score, 1 (lowest) upwards"),
    Column("class_name", "#indicator+class+name", "name of the class, in the file's language"),
    Column(
        "change_since_previous",
        "#indicator+change+previous+num",
        "change of the overall score since the previous round with a score, in points",
    ),
    Column(
        "change_since_first",
        "#indicator+change+first+num",
        "change of the overall score since the first round with a score, in points",
    ),
    Column("idps_present", "#affected+idps+num", "internally displaced persons present"),
    # Not ``#indicator+code``: a re-import must not take the criterion for an indicator.
    Column(
        "weakest_criterion",
        "#meta+criterion+weakest+code",
        "code of the criterion with the lowest score",
    ),
    Column(
        "weakest_criterion_name",
        "#meta+criterion+weakest+name",
        "name of that criterion, in the file's language",
    ),
    Column(
        "weakest_criterion_score",
        "#indicator+weakest+score+num",
        "score of that criterion, 0 to 100, one decimal",
    ),
    Column(
        "reliability",
        "#indicator+reliability+num",
        "reliability index, 0 (most reliable) to 10 (least reliable)",
    ),
    Column("low_reliability", "#indicator+reliability+low", "yes where reliability is 5 or more"),
    Column(
        "median_rank",
        "#meta+rank+median+num",
        "median rank over random weightings; 1 is furthest from durable solutions",
    ),
    Column("rank_5", "#meta+rank+low+num", "5th percentile of the rank"),
    Column("rank_95", "#meta+rank+high+num", "95th percentile of the rank"),
    Column("ranked_areas", "#meta+rank+total+num", "number of areas ranked"),
    Column("indicators_with_data", "#meta+indicators+num", "indicator values the score rests on"),
    Column(
        "small_sample_indicators",
        "#meta+indicators+small+num",
        "of them, values from samples below the threshold (n_min households)",
    ),
    Column(
        "rolled_up",
        "#meta+rolled_up",
        "yes where the score is rolled up from the areas one admin level down",
    ),
    Column(
        "suppressed",
        "#meta+suppressed",
        "yes where the score (with its class and ranks) is withheld in this file",
    ),
)


def area_hashtag(level: int) -> str:
    """The HXL hashtag of an admin level's areas: ``#adm1`` ... ``#adm5``, and
    ``#country`` for admin 0 (HXL has no ``#adm0``); ``#meta+parent`` above admin 0."""
    if level < 0:
        return "#meta+parent"
    return f"#adm{level}" if level else "#country"


def priority_columns(level: int) -> list[Column]:
    """``PRIORITY_COLUMNS`` with the HXL tags of admin ``level``."""
    area, parent = area_hashtag(level), area_hashtag(level - 1)
    return [
        dataclasses.replace(c, tag=c.tag.format(area=area, parent=parent)) for c in PRIORITY_COLUMNS
    ]


def _num(value: object, digits: int = 1) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits)


def priority_rows(
    context: AppContext, state: ViewState, *, withhold_small_samples: bool = True
) -> pd.DataFrame:
    """The rows of the priorities CSV (columns ``PRIORITY_COLUMNS``, values as Python
    numbers, texts, booleans or None), in priority order: what the CSV, the XLSX, the
    JSON API and ``solutions export`` all write.

    ``withhold_small_samples`` (the public view's rule, and the default) empties the
    values resting on small samples and flags the row ``suppressed``; without it (an
    analyst's full download) every value is given and no row is flagged.
    """
    framework = context.framework
    table = priority_table(context, state)
    if withhold_small_samples:
        table = blank_withheld(table)
    rows = []
    for r in table.to_dict("records"):
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
                bool(r["suppressed"]) and withhold_small_samples,
            ]
        )
    return pd.DataFrame(rows, columns=[c.name for c in PRIORITY_COLUMNS], dtype=object)


def priorities_title(lang: str) -> str:
    _ = translator(lang)
    return _("Priorities: localities furthest from durable solutions")


def priorities_csv(
    context: AppContext, state: ViewState, *, withhold_small_samples: bool = True
) -> bytes:
    """The priorities table of ``state`` as CSV (layout: ``csv_bytes``): data only.

    Row 1 holds the column names, row 2 the HXL tags (``#adm2+code``, ``#adm2+name``, the
    parent's ``#adm1+code`` or, at admin 1, ``#country+code``, ``#indicator+score+num``,
    ``#affected+idps+num``, ``#meta+rank+median+num`` ...), then one row per area in
    priority order (``priority_rows``). Its metadata, naming the same columns, is the
    sidecar of ``dashboard.briefing.exports``. Class and criterion names are in the
    view's language; column names and tags are not.
    """
    level = _level(context, state)
    rows = priority_rows(context, state, withhold_small_samples=withhold_small_samples)
    return csv_bytes(priority_columns(level), rows)


#: The scores CSV (DESIGN 3.4 plus names and the suppression flag).
SCORE_COLUMNS = (
    Column("area_pcode", "#loc+code", "P-code of the area"),
    Column("area_name", "#loc+name", "name of the area"),
    Column("admin_level", "#meta+admin_level+num", "admin level of the area"),
    Column("round", "#date+reported", "survey round, YYYY-MM-DD"),
    Column("group", "#meta+group", "displaced group: idp or returnee"),
    Column("benchmark", "#meta+benchmark", "parity (with the host community) or absolute"),
    Column("level", "#meta+level", "indicator, subcriterion, criterion or overall"),
    Column("code", "#indicator+code", "code of the indicator, sub-criterion or criterion"),
    Column("score", "#indicator+score+num", "score, 0 to 100"),
    Column("class", "#indicator+class+num", "class of the overall score (overall rows)"),
    Column("reliability", "#indicator+reliability+num", "reliability index, 0 to 10"),
    Column("suppressed", "#meta+suppressed", "yes where the score is withheld"),
)


def scores_table(context: AppContext, core: bool = False, withhold: bool = True) -> pd.DataFrame:
    """``indicators.scoring.scores_long`` of every area with data of its own, with
    ``area_name``, ``admin_level`` and ``suppressed``; withheld scores set to NaN.
    ``withhold=False`` (full detail): every score given and no row flagged, as
    ``priority_rows`` does for an analyst."""
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
    table["suppressed"] = table["suppressed"].fillna(False).astype(bool) & withhold
    table.loc[table["suppressed"], ["score", "class"]] = np.nan
    table.insert(1, "area_name", table["area_pcode"].map(context.names))
    table.insert(2, "admin_level", table["area_pcode"].map(context.levels).astype("Int64"))
    return table


def scores_title(lang: str) -> str:
    _ = translator(lang)
    return _("Scores of every area, round, group and benchmark")


def scores_csv(
    context: AppContext, state: ViewState, *, withhold_small_samples: bool = True
) -> bytes:
    """Every score of every area with data of its own, all rounds, groups and
    benchmarks (the long format of DESIGN 3.4), as CSV with an HXL row: data only (its
    metadata is the sidecar of ``dashboard.briefing.exports``). Small samples withheld
    unless ``withhold_small_samples`` is False (full detail)."""
    table = scores_table(context, state.core, withhold_small_samples)
    table["area_name"] = table["area_pcode"].map(context.names_in(state.lang))  # DESIGN 5.2
    table["score"] = table["score"].round(2)
    table["reliability"] = table["reliability"].round(2)
    table["class"] = table["class"].astype("Int64")
    return csv_bytes(SCORE_COLUMNS, table[[c.name for c in SCORE_COLUMNS]])


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
    withhold_small_samples: bool = True,
) -> list[tuple[str, object]]:
    """``(key, value)`` pairs describing an export: keys are stable identifiers, values
    are in the view's language. ``whole`` for an export of every round and group
    rather than of one view; ``withhold_small_samples`` as the export was made."""
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
        ("suppression_rule", disclosure_rule(context, state.lang, withhold_small_samples)),
        ("small_samples_withheld", YES if withhold_small_samples else NO),
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
