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
from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = ["did_you_mean", "check_choice", "check_number", "check_int", "check_fraction",
           "check_bool", "check_items", "check_labels", "check_verbose"]


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


def check_bool(label: str, value: Any) -> bool:
    """Returns ``value`` as a ``bool`` when it is ``True``/``False`` (NumPy's too), else raises.

    ``bool("no")`` is True: a flag given as a string or a number is refused, not guessed.

    Raises:
        TypeError: ``value`` is not a bool.

    Example:
        >>> check_bool("keep_bn_frozen", np.True_)
        True

    Used in: ``utils.freezing``, ``utils.models``, ``utils.experiments``.
    """
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{label} must be True or False, got {type(value).__name__} {value!r}.")
    return bool(value)


def check_items(
    label: str, value: Any, kind: type | tuple[type, ...] | None = None, allow_empty: bool = False
) -> list:
    """Materialises ``value`` (a list, tuple or one-pass iterator) into a list and checks it.

    A generator is read once here, so a caller that loops twice never sees it empty.
    A string, bytes or a mapping is refused: iterating one gives characters or keys.

    Args:
        label: The parameter's name, used in the message.
        value: The items.
        kind: The type (or types) every item must have; None = anything.
        allow_empty: Accept zero items.

    Returns:
        The items as a new list.

    Raises:
        TypeError: ``value`` is not iterable, is a string or mapping, or an item has the
            wrong type (its position and type are named).
        ValueError: No items (unless ``allow_empty``).

    Example:
        >>> check_items("stages", (s for s in "ab"), str)
        ['a', 'b']

    Used in: ``utils.training``, ``utils.optim``, ``utils.experiments``, ``utils.plotting``.
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise TypeError(
            f"{label} must be a list (or another iterable) of items, got "
            f"{type(value).__name__} {value!r}."[:300]
        )
    items = list(value)
    if not items and not allow_empty:
        raise ValueError(f"{label} is empty: pass at least one item.")
    if kind is not None:
        for i, item in enumerate(items):
            if not isinstance(item, kind):
                names = kind.__name__ if isinstance(kind, type) else " or ".join(
                    k.__name__ for k in kind)
                raise TypeError(f"{label}[{i}] must be a {names}, got {type(item).__name__} "
                                f"{item!r}."[:300])
    return items


def check_labels(
    label: str,
    values: Any,
    classes: Iterable[float] | None = None,
    low: float | None = None,
    high: float | None = None,
) -> np.ndarray:
    """Checks targets: numbers, shape (N,) or (N, 1), finite, in ``classes`` or ``[low, high]``.

    Args:
        label: The parameter's name, used in the message.
        values: The labels (a list, an array, a pandas Series).
        classes: The allowed values, e.g. ``(0, 1)`` for a binary task (``1.0`` counts as 1).
        low, high: Bounds of regression targets (e.g. STS-B's 0 and 5); None = unbounded.

    Returns:
        The labels as a 1-D ``float64`` array (for checking only: train on your own array).

    Raises:
        TypeError: Not numbers (e.g. strings).
        ValueError: Another shape, NaN/infinite values, a label outside ``classes`` or the
            bounds (the bad values and the valid ones are named).

    Example:
        >>> check_labels("y", [0, 1, 1.0], classes=(0, 1)).tolist()
        [0.0, 1.0, 1.0]

    Used in: ``utils.training``, ``utils.experiments``, ``utils.plotting``.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{label} must hold numbers, got {str(values)[:80]!r}.") from None
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{label} must have shape (N,) or (N, 1), got {array.shape}.")
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f"{label} has {int(bad.sum())} NaN or infinite values of {len(array)}.")
    if classes is not None:
        allowed = sorted({float(c) for c in classes})
        wrong = np.unique(array[~np.isin(array, allowed)])
        if wrong.size:
            shown = ", ".join(f"{v:g}" for v in wrong[:5])
            raise ValueError(
                f"{label} must hold labels in {{{', '.join(f'{c:g}' for c in allowed)}}}, got "
                f"{shown} (in {int(np.isin(array, wrong).sum())} of {len(array)} rows)."
            )
    for bound, outside in ((low, array < (low if low is not None else 0)),
                           (high, array > (high if high is not None else 0))):
        if bound is not None and outside.any():
            raise ValueError(
                f"{label} must lie in [{'-inf' if low is None else f'{low:g}'}, "
                f"{'inf' if high is None else f'{high:g}'}], got "
                f"{float(array[outside][0]):g} (in {int(outside.sum())} of {len(array)} rows)."
            )
    return array


def check_verbose(label: str, value: Any) -> int | str:
    """``fit``'s verbosity: 0, 1, 2 (Python or NumPy ints) or ``"auto"``.

    Raises:
        TypeError: Not an int or a string. ValueError: Another number or string.

    Example:
        >>> check_verbose("verbose", 0)
        0

    Used in: ``utils.training``, ``utils.experiments``.
    """
    if isinstance(value, str):
        return check_choice(label, value, ("auto",))
    return check_int(label, value, 0, 2)
