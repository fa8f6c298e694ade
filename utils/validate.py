"""Argument checks shared by every module: one place for "did you mean" hints and numbers.

Every public function of ``utils`` validates its arguments at the boundary and raises an
error that names the bad value and the valid ones. These helpers make that one line each
and accept what a learner naturally passes: Python numbers *and* NumPy scalars or 0-d
arrays (``np.float32(0.9)``), never ``bool`` for a number, never NaN or infinity.

Example:
    >>> check_number("lr", np.float32(1e-4), low=0, low_open=True)
    0.0001
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = ["did_you_mean", "check_choice", "check_number", "check_int", "check_fraction"]


def did_you_mean(name: Any, options: Iterable[Any]) -> str:
    """A sentence suggesting the closest valid names, or "" when none is close.

    Args:
        name: The bad name.
        options: The valid names.

    Returns:
        ``" Did you mean 'a', 'b'?"`` (with a leading space) or ``""``.

    Example:
        >>> did_you_mean("blok_13", ["block_13_expand", "block_14_expand"])
        " Did you mean 'block_13_expand', 'block_14_expand'?"

    Used in: every ``utils`` module that takes a name.
    """
    near = difflib.get_close_matches(str(name), [str(o) for o in options], n=3, cutoff=0.4)
    return f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""


def check_choice(label: str, value: Any, options: Iterable[Any]) -> Any:
    """Returns ``value`` when it is one of ``options``; else raises with a hint.

    Raises:
        ValueError: ``value`` is not an option (the options and the closest ones are named).

    Example:
        >>> check_choice("pooling", "mean", ("mean", "cls"))
        'mean'

    Used in: ``utils.models``, ``utils.experiments``.
    """
    options = tuple(options)
    if value not in options:
        raise ValueError(
            f"{label} must be one of {list(options)}, got {value!r}.{did_you_mean(value, options)}"
        )
    return value


def _as_real(label: str, value: Any) -> float:
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{label} must be a number, got the bool {value!r}.")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, Real | np.number):
        raise TypeError(f"{label} must be a number, got {type(value).__name__} {value!r}.")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{label} must be a finite number, got {number!r}.")
    return number


def check_number(
    label: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Converts ``value`` to a finite ``float`` inside ``[low, high]`` (ends optionally open).

    Args:
        label: The parameter's name, used in the message.
        value: A Python or NumPy number (a 0-d array too).
        low, high: Bounds; None = unbounded.
        low_open, high_open: Exclude the bound itself.

    Returns:
        The value as a Python ``float`` (``np.float32(0.35)`` becomes ``0.35`` only as far as
        float32 allows: round it yourself where it names a file).

    Raises:
        TypeError: Not a number (a string, a bool, None, an array of several values).
        ValueError: NaN, infinite, or out of range (the range is stated).

    Example:
        >>> check_number("dropout", 0.1, 0, 1, high_open=True)
        0.1

    Used in: every ``utils`` module that takes a rate, a size or a threshold.
    """
    number = _as_real(label, value)
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        span = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise ValueError(f"{label} must be in {span}, got {number!r}.")
    return number


def check_int(label: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """Converts ``value`` to an ``int`` in ``[low, high]``; Python or NumPy integers only.

    Raises:
        TypeError: Not an integer (``2.0`` and ``True`` are refused: say ``2``).
        ValueError: Out of range.

    Example:
        >>> check_int("epochs", np.int64(3), low=1)
        3

    Used in: every ``utils`` module that takes a count.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, Integral | np.integer):
        raise TypeError(f"{label} must be an int, got {type(value).__name__} {value!r}.")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(
            f"{label} must be an int in [{'-inf' if low is None else low}, "
            f"{'inf' if high is None else high}], got {number!r}."
        )
    return number


def check_fraction(label: str, value: Any, allow_one: bool = False) -> float:
    """A number in ``[0, 1)`` (or ``[0, 1]`` with ``allow_one``), e.g. a dropout rate.

    Example:
        >>> check_fraction("dropout", 0.2)
        0.2

    Used in: ``utils.models``.
    """
    return check_number(label, value, 0.0, 1.0, high_open=not allow_one)
