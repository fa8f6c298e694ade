"""Checks any notebook can call: a number inside a range, a plausible accuracy.

Each takes the learner's number and returns a ``CheckResult`` whose hint names the side
missed (never the answer); a string, a bool, None, NaN or a list fails with its own hint.
"""

from __future__ import annotations

from typing import Any

from utils import validate
from utils.checks.answers import read_number
from utils.checks.core import CheckResult, WrongAnswer, describe, report_wrong_answers

__all__ = ["check_number_in_range", "check_accuracy"]


@report_wrong_answers
def check_number_in_range(
    name: str, value: Any, low: float, high: float, hint_low: str, hint_high: str
) -> CheckResult:
    """Passes when ``low <= value <= high``; otherwise gives the hint for the side missed.

    Args:
        name: What is checked, shown to the learner.
        value: The learner's number (a Python or NumPy number, a 0-d array).
        low: Smallest accepted value.
        high: Largest accepted value.
        hint_low: Hint when the value is too small (never the answer).
        hint_high: Hint when the value is too large.

    Returns:
        A ``CheckResult``; a failing one with a hint for a value that is not one number.

    Raises:
        TypeError: ``low`` or ``high`` is not a number (the notebook's mistake, not the learner's).
        ValueError: ``low > high``.

    Example:
        >>> bool(check_number_in_range("x", 0.5, 0, 1, "low", "high"))
        True

    Used in: 07_heads_on_encoders.ipynb, ``check_accuracy``, ``check_zero_shot_spearman``,
    ``check_wider_backbone_probe``.
    """
    low = validate.check_number("low", low)
    high = validate.check_number("high", high)
    if low > high:
        raise ValueError(f"low ({low}) must not exceed high ({high}).")
    number = read_number(name, value)
    if number < low:
        return CheckResult(name, False, hint_low)
    if number > high:
        return CheckResult(name, False, hint_high)
    return CheckResult(name, True, "looks right.")


@report_wrong_answers
def check_accuracy(answer: Any, name: str = "test accuracy", floor: float = 0.5) -> CheckResult:
    """Checks that a classification accuracy is plausible for a working model.

    Args:
        answer: The accuracy, a fraction in [0, 1].
        name: What it is the accuracy of.
        floor: The lowest value a working solution reaches.

    Returns:
        A ``CheckResult`` (a percentage, ``[loss, accuracy]`` or a string fail with a hint).

    Example:
        >>> bool(check_accuracy(0.8))
        True

    Used in: 02_feature_extraction_workflow.ipynb, 04_strategy_grid.ipynb,
    05_sentence_pair_fine_tuning.ipynb.
    """
    if isinstance(answer, list | tuple) and len(answer) == 2:
        raise WrongAnswer(name, f"the answer is {describe(answer)}: model.evaluate returns "
                          "[loss, accuracy]; take the accuracy alone.")
    return check_number_in_range(
        name, answer, floor, 1.0,
        "too low for a trained head on pretrained features: did it train on the training split "
        "and evaluate on the test split?",
        "an accuracy is a fraction between 0 and 1 (not a percentage).",
    )
