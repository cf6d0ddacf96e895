"""Small verbs over rounds and criteria, beside ``indicators.analysis.change``: the
previous round with a score, runs of rounds in the lowest class ("stuck"), and the
weakest criterion. Pure numpy; every output (Priorities table, CSV, PDF) reads these,
so they cannot disagree on which round is "previous" or which criterion is weakest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def previous_scored(values: np.ndarray) -> np.ndarray:
    """Per row and round (last axis), the index of the previous round with a score
    (not NaN) strictly before it, or -1 where there is none: the "previous round" of
    DESIGN 4.7, the same one ``change`` subtracts."""
    valid = ~np.isnan(values)
    positions = np.where(valid, np.arange(values.shape[-1]), -1)
    last = np.maximum.accumulate(positions, axis=-1)
    return np.concatenate([np.full((*last.shape[:-1], 1), -1), last[..., :-1]], axis=-1)


def first_scored(values: np.ndarray) -> np.ndarray:
    """Per row (last axis rounds), the index of the first round with a score, -1 if none."""
    valid = ~np.isnan(values)
    return np.where(valid.any(axis=-1), np.argmax(valid, axis=-1), -1)


def stuck_runs(flags: np.ndarray) -> np.ndarray:
    """Per row, how many of the last columns (rounds, oldest first) are True in a row:
    with ``flags`` = "in the lowest class and shown", the rounds an area has been stuck."""
    if flags.shape[-1] == 0:
        return np.zeros(flags.shape[:-1], dtype=int)
    reversed_ = flags[..., ::-1]
    return np.where(reversed_.all(axis=-1), flags.shape[-1], np.argmin(reversed_, axis=-1))


def weakest_criterion(scores: np.ndarray, codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(index, code) per row of ``scores`` (rows x criteria in framework order) of the
    lowest criterion score; ties go to the criterion first in the framework. Index -1
    and code None where no criterion has a score."""
    present = ~np.isnan(scores)
    index = np.where(present.any(axis=1), np.argmin(np.where(present, scores, np.inf), axis=1), -1)
    code = np.array([codes[i] if i >= 0 else None for i in index], dtype=object)
    return index, code
