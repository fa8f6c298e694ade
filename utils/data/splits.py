"""Seeded, stratified splits and per-class subsets, with their arguments checked.

Used by every loader of ``utils.data`` and by notebooks that subsample a split themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from utils import config
from utils.validate import check_int, check_number

__all__ = ["stratified_split", "pick_per_class", "check_fractions", "check_seed", "replay_plan"]

_PARTS = ("train", "validation", "test")


def check_seed(seed: Any) -> int:
    """``seed`` as an int in [0, 2**32): Python/NumPy integers, a digit string, or None (TL_SEED).

    Raises:
        TypeError: Not an integer (a float, a bool). ValueError: Out of range.

    Example:
        >>> check_seed(np.int64(7))
        7
    """
    if seed is None or isinstance(seed, str):
        return config.get_seed(seed)
    return check_int("seed", seed, 0, 2**32 - 1)


def check_fractions(fractions: Any) -> tuple[float, float, float]:
    """Train, validation and test fractions: three finite numbers in (0, 1) summing to 1.

    Python and NumPy numbers (a tuple, list or array) are accepted.

    Raises:
        TypeError: Not three numbers. ValueError: Out of (0, 1) or not summing to 1.

    Example:
        >>> check_fractions(np.array([0.6, 0.2, 0.2]))
        (0.6, 0.2, 0.2)
    """
    if isinstance(fractions, np.ndarray):
        fractions = fractions.tolist()
    if isinstance(fractions, str | bytes) or not isinstance(fractions, Sequence):
        raise TypeError(
            f"fractions must be three numbers (train, validation, test), got "
            f"{type(fractions).__name__} {fractions!r}."
        )
    if len(fractions) != 3:
        raise ValueError(
            f"fractions must be three numbers (train, validation, test), got {fractions!r}."
        )
    values = tuple(
        check_number(f"fractions[{i}] ({part})", value, 0.0, 1.0, low_open=True, high_open=True)
        for i, (part, value) in enumerate(zip(_PARTS, fractions))
    )
    if abs(sum(values) - 1.0) > 1e-6:
        raise ValueError(f"fractions must sum to 1, got {fractions!r} (sum {sum(values)}).")
    return values  # type: ignore[return-value]


def _check_labels(labels: Any) -> np.ndarray:
    array = np.asarray(labels)
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(
            f"labels must be a non-empty 1-D array of class labels, got shape {array.shape}."
        )
    if array.dtype.kind == "f":
        bad = array[~np.isfinite(array) | (array != np.round(array))]
        if len(bad):
            raise ValueError(f"labels must be class ids (integers), got {bad[0].item()!r}.")
    elif array.dtype.kind not in "iubUS":
        raise TypeError(f"labels must be integers or strings, got dtype {array.dtype}.")
    return array


def stratified_split(
    labels: np.ndarray, fractions: tuple[float, float, float], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Splits indices into train/val/test with the same class mix in each.

    Each class is shuffled and cut at ``round(n * fraction)``, so every class gets its own
    share in every split. (``sklearn.model_selection.train_test_split(stratify=...)`` is
    not used: applied twice it rounds over all classes at once, can leave a small class
    out of a split, and would change every notebook's seeded split and reference results.)

    Args:
        labels: Integer class label per example.
        fractions: Train, validation and test fractions, positive, summing to 1.
        seed: Seed of the shuffle (same seed, same split).

    Returns:
        Three sorted index arrays that together cover every example once.

    Raises:
        TypeError/ValueError: Bad labels, fractions or seed, or a class too small to
        appear in every split (the class and its count are named).

    Example:
        >>> tr, va, te = stratified_split(np.repeat([0, 1], 10), (0.6, 0.2, 0.2), 0)
        >>> len(tr), len(va), len(te)
        (12, 4, 4)

    Used in: ``utils.data.images``.
    """
    fractions = check_fractions(fractions)
    labels = _check_labels(labels)
    rng = np.random.default_rng(check_seed(seed))
    parts: list[list[int]] = [[], [], []]
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        n = len(idx)
        n_val = int(round(n * fractions[1]))
        n_test = int(round(n * fractions[2]))
        n_train = n - n_val - n_test
        if min(n_train, n_val, n_test) < 1:
            raise ValueError(
                f"class {cls.item()!r} has only {n} examples: too few for a "
                f"{fractions} split; use more examples per class."
            )
        parts[0] += idx[:n_train].tolist()
        parts[1] += idx[n_train : n_train + n_val].tolist()
        parts[2] += idx[n_train + n_val :].tolist()
    return tuple(np.sort(np.array(p, dtype=np.int64)) for p in parts)  # type: ignore[return-value]


def check_n_per_class(n_per_class: Any, low: int = 5) -> int | None:
    """None, or an int >= ``low`` (Python or NumPy)."""
    return None if n_per_class is None else check_int("n_per_class", n_per_class, low=low)


def pick_per_class(
    labels: np.ndarray,
    n_per_class: int | None,
    seed: int | None = None,
    class_names: Sequence[str] | None = None,
) -> np.ndarray:
    """Sorted indices of ``n_per_class`` examples of every class, drawn without replacement.

    Args:
        labels: Integer class label per example.
        n_per_class: How many per class; None keeps every example.
        seed: Seed of the draw; None reads ``TL_SEED``.
        class_names: Names for the message (label ``i`` is ``class_names[i]``).

    Returns:
        Sorted int64 indices.

    Raises:
        ValueError: A class has fewer than ``n_per_class`` examples (class, requested and
        available counts are named, with the largest count every class can give).

    Example:
        >>> pick_per_class(np.repeat([0, 1], 10), 3, seed=0).shape
        (6,)

    Used in: ``load_flowers``, ``load_digits_rgb``, ``utils.data.images``.
    """
    labels = _check_labels(labels)
    n_per_class = check_n_per_class(n_per_class, low=1)
    if n_per_class is None:
        return np.arange(len(labels), dtype=np.int64)
    rng = np.random.default_rng(check_seed(seed))
    classes, counts = np.unique(labels, return_counts=True)
    keep = []
    for cls, count in zip(classes, counts):
        if count < n_per_class:
            name = class_names[int(cls)] if class_names is not None else cls.item()
            raise ValueError(
                f"n_per_class={n_per_class} but class {name!r} has only {count} examples "
                f"available; ask for at most {int(counts.min())} per class (the smallest "
                "class), or None for all."
            )
        keep += rng.choice(np.flatnonzero(labels == cls), n_per_class, replace=False).tolist()
    return np.sort(np.array(keep, dtype=np.int64))


def replay_plan(n_new: int, n_old: int, fraction: float, rows: int, seed: Any = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Which rows a replay stage trains on: ``rows`` rows, a ``fraction`` of them from the old task.

    Replay (rehearsal) keeps a first task by mixing some of its examples into the second
    task's batches. At a fixed budget of ``rows`` (optimizer steps x batch size, the same as
    the stage without replay), ``round(fraction * rows)`` rows come from the old task and the
    rest from the new one, so replay costs new-task rows, not extra compute. Each task's rows
    go through a fresh seeded permutation of its examples, pass after pass, so no example is
    seen twice before every example of its task is seen once; the two are shuffled together.

    Args:
        n_new: Examples of the new task (> 0).
        n_old: Examples of the old task kept for replay (> 0, or 0 when ``fraction`` is 0).
        fraction: Share of the rows from the old task, in [0, 1).
        rows: Rows in the stage (> 0).
        seed: Seed of the permutations and the shuffle (``TL_SEED`` when None).

    Returns:
        ``(from_old, index)``: a boolean array (row comes from the old task) and each row's
        index into its own task's examples, both of length ``rows``.

    Raises:
        TypeError / ValueError: A count is not a positive integer, ``fraction`` is outside
            [0, 1), or old rows are asked for while ``n_old`` is 0.

    Example:
        >>> from_old, index = replay_plan(len(mrpc), len(stsb), 0.25, steps * 32, seed=42)

    Used in: 09_fine_tune_twice_without_forgetting.ipynb, ``utils.experiments.forgetting``.
    """
    n_new = check_int("n_new", n_new, 1)
    n_old = check_int("n_old", n_old, 0)
    rows = check_int("rows", rows, 1)
    fraction = check_number("fraction", fraction, 0.0, 1.0, high_open=True)
    rng = np.random.default_rng(check_seed(seed))
    n_from_old = int(round(fraction * rows))
    if n_from_old and not n_old:
        raise ValueError(f"fraction {fraction} asks for {n_from_old} old-task rows but n_old is 0: "
                         "pass the old task's examples, or fraction=0.")
    if n_from_old == rows:
        raise ValueError(f"fraction {fraction} of {rows} rows leaves no new-task row: use more rows "
                         "or a smaller fraction.")

    def cycle(n: int, k: int) -> np.ndarray:
        passes = -(-k // n) if k else 0
        return np.concatenate([rng.permutation(n) for _ in range(passes)] or [np.zeros(0, int)])[:k]

    index = np.concatenate([cycle(n_new, rows - n_from_old), cycle(n_old, n_from_old)])
    from_old = np.arange(rows) >= rows - n_from_old
    order = rng.permutation(rows)
    return from_old[order], index[order].astype(np.int64)
