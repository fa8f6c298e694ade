"""Readers of a learner's answer: one finite number, a count, a flag, numbers, indices, a name.

Each ``read_*`` returns the answer as a plain Python value or raises ``WrongAnswer`` with a
hint for a wrong type or value: the string ``'0.9'``, a bool, None, NaN, a list where one
number is expected, a repeated or out-of-range index, a wrong length. NumPy scalars, 0-d
arrays and 0-d tensors count as the number they hold (``np.float32(0.9)`` is 0.9).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any

import numpy as np

from utils.checks.core import WrongAnswer, count_dims, describe
from utils.validate import did_you_mean

__all__ = [
    "read_number",
    "read_count",
    "read_flag",
    "read_numbers",
    "read_indices",
    "read_choice",
]


def _scalar(value: Any) -> Any:
    """Unwraps a 0-d array or tensor (NumPy, TensorFlow, JAX, torch) into a NumPy scalar."""
    if isinstance(value, str | bytes | bool | np.generic | Real) or value is None:
        return value
    if hasattr(value, "__array__") or hasattr(value, "shape"):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError, RuntimeError):
            return value
        if array.ndim == 0 and array.dtype != object:
            return array[()]
    return value


def read_number(name: str, value: Any, what: str = "the answer") -> float:
    """Reads one finite real number: a Python or NumPy number, a 0-d array or tensor.

    Args:
        name: The check's name.
        value: The learner's answer.
        what: How the hint calls the value ("the answer", "probe_acc").

    Returns:
        The number as a Python ``float``.

    Raises:
        WrongAnswer: A string, bool, None, a sequence or array of several values, NaN, infinity.

    Example:
        >>> read_number("x", np.float32(0.5))
        0.5

    Used in: ``utils.checks.general``, ``utils.checks.tuning``, ``utils.checks.text``.
    """
    value = _scalar(value)
    if value is None:
        raise WrongAnswer(name, f"{what} is None: did a function print its result instead of "
                          "returning it?")
    if isinstance(value, str | bytes):
        raise WrongAnswer(name, f"{what} is {describe(value)}: give the number itself, "
                          "without quotes.")
    if isinstance(value, bool | np.bool_):
        raise WrongAnswer(name, f"{what} is {describe(value)}: a number is expected.")
    if not isinstance(value, Real | np.integer | np.floating):
        several = isinstance(value, list | tuple | set | dict) or count_dims(value) > 0
        tail = "give one number (take it out with [i] or .item())." if several else \
            "a number is expected."
        raise WrongAnswer(name, f"{what} is {describe(value)}: {tail}")
    number = float(value)
    if math.isnan(number):
        raise WrongAnswer(name, f"{what} is NaN: did the training diverge, or divide by zero?")
    if math.isinf(number):
        raise WrongAnswer(name, f"{what} is infinite: did something divide by zero?")
    return number


def read_count(name: str, value: Any, what: str = "the answer") -> int:
    """Reads a count: a whole number >= 0 (``3``, ``np.int64(3)``, ``3.0``).

    Args:
        name: The check's name.
        value: The learner's answer.
        what: How the hint calls the value.

    Returns:
        The count as a Python ``int``.

    Raises:
        WrongAnswer: Not a number (see ``read_number``), a fraction, or negative.

    Example:
        >>> read_count("n", np.int64(3))
        3

    Used in: ``utils.checks.vision``, ``utils.checks.text``.
    """
    scalar = _scalar(value)
    if count_dims(scalar) > 0 and not isinstance(scalar, str | bytes | dict | set):
        raise WrongAnswer(name, f"{what} is {describe(scalar)}: a count is one whole number "
                          "(len(...) of it?).")
    if isinstance(scalar, Integral | np.integer) and not isinstance(scalar, bool | np.bool_):
        count = int(scalar)
    else:
        number = read_number(name, scalar, what)
        if not number.is_integer():
            raise WrongAnswer(name, f"{what} is {number}: a count is a whole number.")
        count = int(number)
    if count < 0:
        raise WrongAnswer(name, f"{what} is {count}: a count cannot be negative.")
    return count


def read_flag(name: str, value: Any, what: str = "the answer") -> bool:
    """Reads a yes/no answer: ``True``/``False`` (NumPy bools and 0/1 accepted).

    Args:
        name: The check's name.
        value: The learner's answer.
        what: How the hint calls the value.

    Returns:
        The answer as a Python ``bool``.

    Raises:
        WrongAnswer: A string, None, an array of several values, any other number.

    Example:
        >>> read_flag("moved", np.bool_(False))
        False

    Used in: ``utils.checks.vision``.
    """
    value = _scalar(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, Integral | np.integer) and int(value) in (0, 1):
        return bool(value)
    if count_dims(value) > 0 and not isinstance(value, str | bytes | dict | set):
        raise WrongAnswer(name, f"{what} is {describe(value)}: reduce it to one True/False, "
                          "e.g. with np.array_equal(a, b) or (a != b).any().")
    raise WrongAnswer(name, f"{what} is {describe(value)}: answer True or False (no quotes).")


def read_numbers(
    name: str, values: Any, what: str = "the answer", allow_nan: bool = False
) -> np.ndarray:
    """Reads a list, tuple, Series or array of finite numbers (flattened to 1-D).

    Args:
        name: The check's name.
        values: The learner's numbers.
        what: How the hint calls them.
        allow_nan: Accept NaN items (a rate of an empty group), not infinity.

    Returns:
        A 1-D ``float`` array.

    Raises:
        WrongAnswer: One number or a string instead of a list, a dict, ragged nesting, or an
            element that is not a finite number (a string, a bool, None, NaN).

    Example:
        >>> read_numbers("r", [np.float32(2.0), 3])
        array([2., 3.])

    Used in: ``utils.checks.vision``, ``utils.checks.text``.
    """
    if isinstance(values, str | bytes | dict | set) or count_dims(values) == 0:
        raise WrongAnswer(name, f"{what} is {describe(values)}: give a list or array of numbers.")

    def item(i: int, v: Any) -> float:
        v = _scalar(v)
        if allow_nan and isinstance(v, float | np.floating) and math.isnan(v):
            return math.nan
        return read_number(name, v, f"{what}[{i}]")

    if isinstance(values, list | tuple) and not any(count_dims(v) for v in values):
        # element by element, so that [2.0, "3"] names the string, not the 2.0
        return np.array([item(i, v) for i, v in enumerate(values)], dtype=float)
    try:
        array = np.asarray(values)
    except (TypeError, ValueError, RuntimeError):
        raise WrongAnswer(name, f"{what} is {describe(values)} that is not a flat list of "
                          "numbers: give one number per item.") from None
    if array.dtype.kind == "b":
        raise WrongAnswer(name, f"{what} holds bools (True/False): numbers are expected.")
    if array.dtype.kind not in "iuf":
        return np.array([item(i, v) for i, v in enumerate(array.reshape(-1))], dtype=float)
    flat = array.reshape(-1).astype(float)
    bad = ~np.isfinite(flat)
    if allow_nan:
        bad &= ~np.isnan(flat)
    for i in np.flatnonzero(bad)[:1]:
        read_number(name, flat[i], f"{what}[{i}]")  # raises the NaN / infinity hint
    return flat


def read_indices(name: str, value: Any, size: int, k: int, what: str = "the answer") -> list[int]:
    """Reads ``k`` different indices into a data set of ``size`` items.

    Args:
        name: The check's name.
        value: The learner's indices (list, tuple or array, any order).
        size: Number of items; valid indices are ``0 ... size - 1``.
        k: How many indices are expected.
        what: How the hint calls the value.

    Returns:
        The indices as Python ``int`` values, in the learner's order.

    Raises:
        WrongAnswer: Not a list of whole numbers (a boolean mask, strings, one number), not
            ``k`` of them, a repeated index, or one outside ``0 ... size - 1``.

    Example:
        >>> read_indices("worst", np.array([2, 0]), size=3, k=2)
        [2, 0]

    Used in: ``utils.checks.text``.
    """
    try:
        mask = count_dims(value) > 0 and np.asarray(value).dtype.kind == "b"
    except (TypeError, ValueError, RuntimeError):
        mask = False
    if mask:
        raise WrongAnswer(name, f"{what} is a boolean mask: give the indices themselves "
                          "(np.flatnonzero(mask)).")
    numbers = read_numbers(name, value, what)
    indices = []
    for i, number in enumerate(numbers):
        if not number.is_integer():
            raise WrongAnswer(name, f"{what}[{i}] is {number}: an index is a whole number.")
        indices.append(int(number))
    if len(indices) != k:
        raise WrongAnswer(name, f"give exactly {k} indices ({what} has {len(indices)}).")
    repeated = sorted({i for i in indices if indices.count(i) > 1})
    if repeated:
        raise WrongAnswer(name, f"index {repeated[0]} is repeated: give {k} different items.")
    outside = [i for i in indices if not 0 <= i < size]
    if outside:
        raise WrongAnswer(name, f"index {outside[0]} is outside the data set: use positions "
                          f"0 ... {size - 1} (no negative indices).")
    return indices


def read_choice(name: str, value: Any, options: Iterable[str], what: str = "the answer") -> str:
    """Reads one of a few names (a class, a strategy), with a did-you-mean hint.

    Args:
        name: The check's name.
        value: The learner's answer.
        options: The valid names.
        what: How the hint calls the value.

    Returns:
        ``value`` as a Python ``str``.

    Raises:
        WrongAnswer: Not a string, or not one of ``options``.

    Example:
        >>> read_choice("class", "roses", ["roses", "tulips"])
        'roses'

    Used in: ``utils.checks.vision``, ``utils.checks.tuning``.
    """
    options = [str(o) for o in options]
    value = _scalar(value)
    if not isinstance(value, str):
        raise WrongAnswer(name, f"{what} is {describe(value)}: answer one of {options}.")
    if value not in options:
        raise WrongAnswer(name, f"{what} is {str(value)!r}, not one of {options}."
                          + did_you_mean(value, options))
    return str(value)
