"""Checks of the exercises of notebooks 03-04: learning rates, weight drift, the strategy grid.

Each check judges the learner's answer against the learner's own measurements (so it holds
for any seed) and returns a ``CheckResult`` with a hint, never the answer; a wrong type (a
string, a bool, None, NaN, a list where one number is expected) fails with its own hint.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np

from utils import validate
from utils.checks.answers import read_choice, read_number
from utils.checks.core import CheckResult, WrongAnswer, describe, report_wrong_answers

__all__ = ["check_largest_safe_lr", "check_drift_grows_with_lr", "check_row_winners"]


@report_wrong_answers
def check_largest_safe_lr(
    answer: Any, accuracies: Any, probe_acc: Any, tolerance: float = 0.05
) -> CheckResult:
    """Exercise 03.1: the largest learning rate whose accuracy stays within ``tolerance`` of the probe.

    Judged against the learner's own measurements (``accuracies``), so it holds for any seed.

    Args:
        answer: The learning rate the learner picked (None if no rate was safe).
        accuracies: ``{learning_rate: test_accuracy}`` measured in the exercise.
        probe_acc: Test accuracy of the frozen model (the linear probe).
        tolerance: How far below the probe a rate may land and still count as safe.

    Returns:
        A ``CheckResult``.

    Example:
        >>> bool(check_largest_safe_lr(1e-3, {3e-3: 0.2, 1e-3: 0.7}, 0.72))
        True

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    name = "largest safe learning rate"
    tolerance = validate.check_number("tolerance", tolerance, low=0)
    if not isinstance(accuracies, Mapping) and not hasattr(accuracies, "items"):
        raise WrongAnswer(name, f"accuracies is {describe(accuracies)}: pass the "
                          "{learning_rate: accuracy} dict you measured.")
    measured = {}
    for lr, acc in dict(accuracies.items()).items():
        if isinstance(acc, tuple | list):
            raise WrongAnswer(name, f"accuracies[{lr!r}] is {describe(acc)}: keep the accuracy "
                              "only (fine_tune returns (accuracy, drift)).")
        measured[read_number(name, lr, "a learning rate (key)")] = read_number(
            name, acc, f"accuracies[{lr!r}]")
    if not measured:
        raise WrongAnswer(name, "accuracies is empty: measure the candidate rates first.")
    probe = read_number(name, probe_acc, "probe_acc")
    safe = [lr for lr, acc in measured.items() if acc > probe - tolerance]
    right = max(safe, default=None)
    if answer is None:
        ok = right is None
        return CheckResult(name, ok, "looks right: no rate was safe." if ok else
                           f"a rate stayed within {tolerance} of the probe: which is the largest?")
    picked = read_number(name, answer)
    match = next((lr for lr in measured if math.isclose(lr, picked, rel_tol=1e-6)), None)
    if match is None:
        if any(math.isclose(acc, picked, rel_tol=1e-6) for acc in measured.values()):
            return CheckResult(name, False, "that is an accuracy: answer the learning rate.")
        return CheckResult(name, False, "answer one of the learning rates you tried.")
    if match == right:
        return CheckResult(name, True, "looks right.")
    if match in safe:
        return CheckResult(name, False, "that rate is safe, but is it the *largest* safe one?")
    if right is None:
        return CheckResult(name, False, f"compare each accuracy with probe_acc - {tolerance} "
                           "again: did any rate stay that close?")
    return CheckResult(name, False, f"that rate lost more than {tolerance} accuracy: it damaged "
                       "the features.")


@report_wrong_answers
def check_drift_grows_with_lr(drift_big_lr: Any, drift_small_lr: Any) -> CheckResult:
    """Exercise 03.2: a 10x larger learning rate must move the pretrained weights more.

    Args:
        drift_big_lr: Median relative drift of the base after fine-tuning at the larger rate.
        drift_small_lr: The same at the smaller rate.

    Returns:
        A ``CheckResult``.

    Example:
        >>> bool(check_drift_grows_with_lr(0.005, 0.001))
        True

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    name = "drift vs learning rate"
    big = read_number(name, drift_big_lr, "drift_big_lr")
    small = read_number(name, drift_small_lr, "drift_small_lr")
    if big < 0 or small < 0:
        return CheckResult(name, False, "a relative drift ||θ−θ0||/||θ0|| cannot be negative.")
    if big == small:
        return CheckResult(name, False, "the two drifts are equal: did you pass the same one "
                           "twice, or measure a frozen base?")
    if big > small:
        return CheckResult(name, True, "right: the larger rate moved the pretrained weights further.")
    return CheckResult(name, False, "the larger rate should drift more: did you swap the two, or "
                       "measure drift of the head instead of the base?")


@report_wrong_answers
def check_row_winners(answer: Any, grid: Any) -> CheckResult:
    """Exercise 04.1: the best strategy of each row of the strategy grid.

    Args:
        answer: Mapping (or pandas Series) row -> strategy name; a list in row order works too.
        grid: The measured grid, a pandas DataFrame (rows: settings, columns: strategies).

    Returns:
        A ``CheckResult`` (ties accepted).

    Example:
        >>> import pandas as pd
        >>> bool(check_row_winners({"r": "b"}, pd.DataFrame({"a": [0.1], "b": [0.9]}, index=["r"])))
        True

    Used in: 04_strategy_grid.ipynb.
    """
    name = "winner of each row"
    if not hasattr(grid, "index") or not hasattr(grid, "columns"):
        raise WrongAnswer(name, f"grid is {describe(grid)}: pass the measured DataFrame.")
    rows, columns = list(grid.index), {str(c): c for c in grid.columns}
    if isinstance(answer, Mapping) or hasattr(answer, "items"):
        given = dict(answer.items())
    elif isinstance(answer, list | tuple | np.ndarray) and len(answer) == len(rows):
        given = dict(zip(rows, answer))
    else:
        raise WrongAnswer(name, f"the answer is {describe(answer)}: give one strategy per row "
                          f"({len(rows)} rows), e.g. grid.idxmax(axis=1).")
    extra = [key for key in given if key not in rows]
    if extra and all(str(key) in columns for key in extra):
        raise WrongAnswer(name, "your keys are strategies (columns): look across each row "
                          "(axis=1), not down a column.")
    if extra:
        raise WrongAnswer(name, f"rows {extra} are not in the grid (its rows: {rows}).")
    missing = [row for row in rows if row not in given]
    if missing:
        return CheckResult(name, False, f"no answer for rows {missing}.")
    for row in rows:
        if isinstance(given[row], Real | np.number) and not isinstance(given[row], bool):
            raise WrongAnswer(name, f"row {row!r}: that is an accuracy; give the strategy's "
                              "name (idxmax, not max).")
        strategy = columns[read_choice(name, given[row], columns, f"the answer for row {row!r}")]
        if grid.loc[row, strategy] < grid.loc[row].max():
            return CheckResult(name, False, f"row {row!r}: look for the highest accuracy *across* "
                               "the row (axis=1), not down a column.")
    return CheckResult(name, True, "looks right.")
