"""Friendly auto-checks for the exercises: pass/fail with a hint, never the answer.

A learner calls ``check_...(answer)`` at the end of an exercise cell. The result
prints as one line (✅ or ❌ plus a hint) and is truthy when the answer passes, so
classroom tooling can also collect it.
"""

from __future__ import annotations

import dataclasses
import math
from numbers import Real
from typing import Any

__all__ = [
    "CheckResult",
    "check_number_in_range",
    "check_zero_shot_spearman",
    "check_wider_backbone_probe",
]


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: ``passed`` and a message (a hint when it failed)."""

    name: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        mark = "✅" if self.passed else "❌"
        return f"{mark} {self.name}: {self.message}"

    def _repr_markdown_(self) -> str:
        return ("✅ " if self.passed else "❌ ") + f"**{self.name}**: {self.message}"


def _as_number(name: str, value: Any) -> float | CheckResult:
    if isinstance(value, bool) or not isinstance(value, Real | int | float):
        try:
            value = float(value)  # NumPy scalars, 0-d arrays
        except (TypeError, ValueError):
            return CheckResult(name, False, f"expected a number, got {type(value).__name__}.")
    value = float(value)
    if math.isnan(value):
        return CheckResult(name, False, "the answer is NaN: did the training diverge?")
    return value


def check_number_in_range(
    name: str, value: Any, low: float, high: float, hint_low: str, hint_high: str
) -> CheckResult:
    """Passes when ``low <= value <= high``; otherwise gives the hint for the side missed.

    Args:
        name: What is checked, shown to the learner.
        value: The learner's number.
        low: Smallest accepted value.
        high: Largest accepted value.
        hint_low: Hint when the value is too small (never the answer).
        hint_high: Hint when the value is too large.

    Returns:
        A ``CheckResult``.

    Raises:
        ValueError: ``low > high``.

    Example:
        >>> bool(check_number_in_range("x", 0.5, 0, 1, "low", "high"))
        True

    Used in: every other check here.
    """
    if low > high:
        raise ValueError(f"low ({low}) must not exceed high ({high}).")
    number = _as_number(name, value)
    if isinstance(number, CheckResult):
        return number
    if number < low:
        return CheckResult(name, False, hint_low)
    if number > high:
        return CheckResult(name, False, hint_high)
    return CheckResult(name, True, "looks right.")


def check_zero_shot_spearman(rho: Any) -> CheckResult:
    """Exercise 00.2: the zero-shot Spearman of the encoder on STS-B train pairs.

    Args:
        rho: Spearman correlation between cosine similarities and gold scores.

    Returns:
        A ``CheckResult``.

    Example:
        >>> bool(check_zero_shot_spearman(0.8))
        True

    Used in: 00_setup_and_tour.ipynb.
    """
    return check_number_in_range(
        "zero-shot Spearman on STS-B train", rho, 0.6, 0.97,
        "too low: use the *pretrained* encoder, mean-pool over real tokens only (padding_mask), "
        "and correlate cosine similarity with the gold scores.",
        "too high to be real: are you comparing each sentence with itself, or the scores "
        "with themselves?",
    )


def check_wider_backbone_probe(acc_wide: Any, acc_narrow: Any) -> CheckResult:
    """Exercise 00.1: linear-probe accuracies of MobileNetV2 alpha 0.5 vs 0.35.

    Args:
        acc_wide: Test accuracy of the probe on alpha=0.5 features.
        acc_narrow: Test accuracy of the probe on alpha=0.35 features.

    Returns:
        A ``CheckResult`` (passes when both are plausible accuracies of real features).

    Example:
        >>> bool(check_wider_backbone_probe(0.85, 0.8))
        True

    Used in: 00_setup_and_tour.ipynb.
    """
    for label, value in (("alpha 0.5", acc_wide), ("alpha 0.35", acc_narrow)):
        result = check_number_in_range(
            f"probe accuracy ({label})", value, 0.6, 1.0,
            "too low for ImageNet features: did you load weights='imagenet' and fit the probe "
            "on the training split?", "an accuracy cannot exceed 1.",
        )
        if not result:
            return result
    return CheckResult("wider backbone", True,
                       "both probes work; compare the two numbers (and try another TL_SEED).")
