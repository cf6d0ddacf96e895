"""The label tables every output reads: displaced groups, benchmarks, what a view
compares, score classes and the low-reliability mark (DESIGN 2: one fact, one place).

Messages are marked with ``N_`` and translated where they are shown, so the map, the
Priorities table, the CSV and the PDF name a group, a benchmark or a class in the same
words.
"""

from __future__ import annotations

import math

from dashboard.i18n import DEFAULT_LANGUAGE, N_, translator

GROUP_LABELS = {"idp": N_("IDPs"), "returnee": N_("Returnees")}
HOST_NAME = N_("Host community")
BENCHMARK_LABELS = {
    "parity": N_("Parity with the host community"),
    "absolute": N_("Absolute (goalposts)"),
}
#: What a view shows, one phrase per group and benchmark (agreement differs by
#: language): the map's caption, the locality page, the PDF.
VIEW_PHRASES = {
    ("idp", "parity"): N_("IDPs compared with the host community"),
    ("idp", "absolute"): N_("IDPs against absolute goalposts"),
    ("returnee", "parity"): N_("Returnees compared with the host community"),
    ("returnee", "absolute"): N_("Returnees against absolute goalposts"),
}
#: Which scores a figure shows, inside a sentence.
SCORE_KINDS = {"parity": N_("parity scores"), "absolute": N_("absolute scores")}

#: Reliability (0-10, 10 least reliable) from which an area is marked "low reliability".
LOW_RELIABILITY = 5.0

#: Class names as the interface shows them (translated at render with ``class_label``);
#: the same words as ``indicators.scoring.CLASS_LABELS``.
CLASS_NAMES = {
    5: N_("parity"),
    4: N_("near parity"),
    3: N_("partial"),
    2: N_("major gaps"),
    1: N_("severe gaps"),
}

#: Best first, as legends list them: (class, score range).
CLASS_RANGES = ((5, "100"), (4, "80–100"), (3, "60–80"), (2, "40–60"), (1, "0–40"))


def class_label(value: float | int | None, lang: str | None = DEFAULT_LANGUAGE) -> str | None:
    """The translated class name for a class number 1-5, None where there is no class."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return translator(lang)(CLASS_NAMES[int(value)])


def is_low_reliability(reliability: float | None) -> bool:
    """True from ``LOW_RELIABILITY`` up; False for a missing value."""
    return (
        reliability is not None and not math.isnan(reliability) and reliability >= LOW_RELIABILITY
    )
