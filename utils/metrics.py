"""Scores of the text tasks: STS-B's correlations, MRPC's accuracy and F1, thresholds.

Correlations come from ``scipy.stats``, accuracy and F1 from ``sklearn.metrics``. Kept
hand-written: ``tune_threshold`` (a search over the midpoints of sorted scores; scikit-learn
has no accuracy-maximising threshold). Every function rejects NaN scores instead of
returning a plausible number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.validate import check_labels, check_number

__all__ = ["score_regression", "score_classification", "tune_threshold"]


def _scores(label: str, values: Any) -> np.ndarray:
    """Finite numbers, shape (N,) or (N, 1), as a 1-D float64 array (``check_labels``)."""
    return check_labels(label, values)


def score_regression(y_true: Any, y_pred: Any) -> dict[str, float]:
    """Pearson and Spearman correlation (STS-B's metrics).

    Args:
        y_true: Gold scores, shape (N,).
        y_pred: Predicted scores (any monotone scale), shape (N,) or (N, 1).

    Returns:
        ``{"pearson": r, "spearman": rho}`` (0.0 for a constant prediction).

    Raises:
        TypeError: Values that are not numbers.
        ValueError: Lengths differ, another shape than (N,) or (N, 1), fewer than 3 pairs,
            or NaN/infinite values.

    Example:
        >>> score_regression([0, 1, 2, 3], [0, 1, 3, 2])["spearman"]
        0.8

    Used in: 05_sentence_pair_fine_tuning.ipynb, ``utils.experiments``.
    """
    from scipy import stats

    t, p = _scores("y_true", y_true), _scores("y_pred", y_pred)
    if t.shape != p.shape or len(t) < 3:
        raise ValueError(f"need >= 3 pairs and equal lengths: y_true has {len(t)} scores, "
                         f"y_pred {len(p)}.")
    if np.std(p) == 0 or np.std(t) == 0:  # a constant correlates with nothing
        return {"pearson": 0.0, "spearman": 0.0}
    return {"pearson": float(stats.pearsonr(t, p)[0]), "spearman": float(stats.spearmanr(t, p)[0])}


def score_classification(y_true: Any, y_prob: Any, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy and F1 of the positive class (MRPC's metrics).

    Args:
        y_true: 0/1 labels, shape (N,).
        y_prob: Scores, predicted positive when ``>= threshold``; shape (N,) or (N, 1).
        threshold: Decision threshold (a finite number).

    Returns:
        ``{"accuracy": ..., "f1": ...}`` rounded to 6 digits (F1 is 0 when nothing is
        predicted positive).

    Raises:
        TypeError: Values or a threshold that are not numbers.
        ValueError: Lengths differ, empty input, labels other than 0/1, NaN scores, a NaN or
            infinite threshold.

    Example:
        >>> score_classification([1, 0, 1, 1], [0.9, 0.2, 0.4, 0.8])
        {'accuracy': 0.75, 'f1': 0.8}

    Used in: 05_sentence_pair_fine_tuning.ipynb, ``utils.experiments``.
    """
    from sklearn.metrics import accuracy_score, f1_score

    t, p = _scores("y_true", y_true), _scores("y_prob", y_prob)
    threshold = check_number("threshold", threshold)
    if t.shape != p.shape or len(t) == 0:
        raise ValueError(f"need equal, non-zero lengths: y_true has {len(t)} labels, y_prob "
                         f"{len(p)} scores (one score per label).")
    if not np.isin(t, (0, 1)).all():
        wrong = sorted(set(t[~np.isin(t, (0, 1))].tolist()))
        raise ValueError(f"y_true must hold 0/1 labels (a binary task), got "
                         f"{', '.join(f'{v:g}' for v in wrong[:5])} in "
                         f"{int((~np.isin(t, (0, 1))).sum())} of {len(t)} rows.")
    truth, pred = t.astype(int), (p >= threshold).astype(int)
    return {"accuracy": round(float(accuracy_score(truth, pred)), 6),
            "f1": round(float(f1_score(truth, pred, zero_division=0.0)), 6)}


def tune_threshold(y_true: Any, y_score: Any) -> float:
    """The decision threshold with the best accuracy on (dev) data.

    Used to read MRPC from a score that was not trained for it (a cosine similarity, an
    STS-B head): tune on MRPC dev, report MRPC test.

    Args:
        y_true: 0/1 labels.
        y_score: Scores, higher = more likely positive.

    Returns:
        A threshold (midway between two neighbouring scores).

    Raises:
        TypeError, ValueError: as ``score_classification``.

    Example:
        >>> tune_threshold([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9])
        0.45

    Used in: 05_sentence_pair_fine_tuning.ipynb, ``utils.experiments``.
    """
    score_classification(y_true, y_score)  # validates
    t = _scores("y_true", y_true)
    s = _scores("y_score", y_score)
    values = np.unique(s)
    candidates = np.concatenate([[values[0] - 1e-6], (values[1:] + values[:-1]) / 2])
    if len(candidates) > 400:
        candidates = np.quantile(s, np.linspace(0, 1, 401))
    accuracy = [((s >= c).astype(int) == t).mean() for c in candidates]
    return round(float(candidates[int(np.argmax(accuracy))]), 6)
