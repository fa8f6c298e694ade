"""Scores of the text tasks (STS-B's correlations, MRPC's accuracy and F1, thresholds) and the
paired statistics that compare two arms run on the same seeds and test examples, down to the
case study's readings of its runs (``paired_gains``, ``forgetting``).

Correlations come from ``scipy.stats``, accuracy and F1 from ``sklearn.metrics``. Kept
hand-written: ``tune_threshold`` (a search over the midpoints of sorted scores; scikit-learn
has no accuracy-maximising threshold). Every function rejects NaN scores instead of
returning a plausible number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.validate import check_int, check_items, check_labels, check_number, did_you_mean

__all__ = ["score_regression", "score_classification", "tune_threshold", "paired_interval",
           "paired_bootstrap", "mcnemar", "paired_gains", "forgetting"]


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


def _paired(label_a: str, a: Any, label_b: str, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """Two arrays of the same shape, (S,) or (S, N), of finite numbers."""
    arrays = []
    for label, values in ((label_a, a), (label_b, b)):
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{label} must be numbers, got {type(values).__name__}.") from None
        if array.ndim not in (1, 2) or array.size == 0:
            raise ValueError(f"{label} must be a non-empty 1-D (seeds) or 2-D (seeds x examples) "
                             f"array, got shape {array.shape}.")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{label} has NaN or infinite values.")
        arrays.append(array)
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(f"{label_a} and {label_b} must be paired (the same seeds and examples, the same "
                         f"shape), got {arrays[0].shape} and {arrays[1].shape}.")
    return arrays[0], arrays[1]


def paired_interval(a: Any, b: Any, confidence: float = 0.95) -> dict[str, float]:
    """Mean of ``b - a`` over paired seeds with its Student-t interval (ddof = 1).

    Args:
        a: One number per seed for the reference arm, shape (S,).
        b: The same seeds for the compared arm, shape (S,).
        confidence: Coverage of the interval, in (0, 1).

    Returns:
        ``{"mean", "low", "high", "std", "n", "wins"}``: the mean difference, its interval,
        the standard deviation of the differences (ddof = 1), the seed count and how many
        seeds have ``b > a``.

    Raises:
        TypeError/ValueError: Not numbers, not 1-D, unpaired shapes, fewer than 2 seeds, or a
            confidence outside (0, 1).

    Example:
        >>> paired_interval([0.70, 0.72, 0.71], [0.75, 0.76, 0.74])["wins"]
        3

    Used in: 04_strategy_grid.ipynb (full profile: differences over paired seeds), ``paired_gains``
    and ``forgetting`` (the case study's readings of its runs).
    """
    from scipy import stats

    a, b = _paired("a", a, "b", b)
    confidence = check_number("confidence", confidence, 0, 1, low_open=True, high_open=True)
    if a.ndim != 1 or len(a) < 2:
        raise ValueError(f"paired_interval needs one number per seed, >= 2 seeds, got shape {a.shape}.")
    diff = b - a
    mean, std = float(diff.mean()), float(diff.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, len(diff) - 1)) * std / np.sqrt(len(diff))
    return {"mean": mean, "low": mean - half, "high": mean + half, "std": std, "n": len(diff),
            "wins": int((diff > 0).sum())}


def paired_bootstrap(
    a: Any, b: Any, n_boot: int = 2000, confidence: float = 0.95, seed: int = 0
) -> dict[str, float]:
    """Percentile bootstrap interval of ``mean(b) - mean(a)``, resampling seeds and examples.

    Pass per-example scores (e.g. 1 where a test pair is classified right, else 0) as
    (seeds, examples) arrays: each bootstrap replicate draws seeds with replacement and, for
    all of them at once, test examples with replacement, keeping the pairing of ``a`` and
    ``b`` (the same seed and the same example in both). Both sources of noise, training runs
    and the finite test set, widen the interval. A 1-D array is one number per seed.

    Args:
        a: Reference arm, shape (S,) or (S, N).
        b: Compared arm, the same shape and order.
        n_boot: Bootstrap replicates (>= 100).
        confidence: Coverage, in (0, 1).
        seed: Seed of the resampling.

    Returns:
        ``{"mean", "low", "high", "p_le_0"}``: the observed difference, its interval, and the
        share of replicates with a difference <= 0 (a one-sided bootstrap p-value for b > a).

    Raises:
        TypeError/ValueError: Not numbers, unpaired shapes, bad counts or confidence.

    Example:
        >>> r = paired_bootstrap([[1, 0, 1, 1]] * 3, [[1, 1, 1, 1]] * 3)
        >>> round(r["mean"], 2)
        0.25

    Used in: ``paired_gains`` (with the script's predictions file).
    """
    a, b = _paired("a", a, "b", b)
    n_boot = check_int("n_boot", n_boot, low=100)
    confidence = check_number("confidence", confidence, 0, 1, low_open=True, high_open=True)
    seed = check_int("seed", seed, low=0)
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
    diff = b - a
    rng = np.random.default_rng(seed)
    s, n = diff.shape
    reps = np.empty(n_boot)
    for i in range(n_boot):
        rows = rng.integers(0, s, s)
        cols = rng.integers(0, n, n) if n > 1 else np.zeros(1, int)
        reps[i] = diff[np.ix_(rows, cols)].mean()
    tail = (1 - confidence) / 2
    return {"mean": float(diff.mean()), "low": float(np.quantile(reps, tail)),
            "high": float(np.quantile(reps, 1 - tail)), "p_le_0": float((reps <= 0).mean())}


def mcnemar(correct_a: Any, correct_b: Any) -> dict[str, float]:
    """Exact McNemar test: do two classifiers err on the same test examples equally often?

    Only the discordant examples count: ``b_only`` where only ``b`` is right, ``a_only`` where
    only ``a`` is. Under the null hypothesis each discordant example is a fair coin, so the
    two-sided p-value is the binomial tail of ``min(b_only, a_only)`` in ``b_only + a_only``.

    Args:
        correct_a: 1 where arm ``a`` classified the example right, else 0, shape (N,).
        correct_b: The same examples for arm ``b``.

    Returns:
        ``{"a_only", "b_only", "p_value"}`` (p = 1.0 when there is no discordant example).

    Raises:
        TypeError/ValueError: Not numbers, not 1-D, unpaired, or values other than 0 and 1.

    Example:
        >>> mcnemar([1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1])["b_only"]
        4

    Used in: 06_double_fine_tuning.ipynb (the learner's own arms), ``paired_gains``.
    """
    from scipy import stats

    a, b = _paired("correct_a", correct_a, "correct_b", correct_b)
    if a.ndim != 1:
        raise ValueError(f"mcnemar compares one run of each arm on the same examples: pass 1-D "
                         f"arrays, got shape {a.shape}.")
    for label, values in (("correct_a", a), ("correct_b", b)):
        bad = sorted(set(np.unique(values)) - {0.0, 1.0})
        if bad:
            raise ValueError(f"{label} must hold 0 (wrong) and 1 (right) only, found {bad[:5]}.")
    a_only, b_only = int(((a == 1) & (b == 0)).sum()), int(((a == 0) & (b == 1)).sum())
    n = a_only + b_only
    p = 1.0 if n == 0 else float(min(1.0, 2 * stats.binom.cdf(min(a_only, b_only), n, 0.5)))
    return {"a_only": a_only, "b_only": b_only, "p_value": p}


def _runs(runs: Any) -> list[dict]:
    """``runs`` as a non-empty list of ``run_arm`` records (``arm``, ``seed``, ``stages``)."""
    records = check_items("runs", runs, dict, allow_empty=True)
    if not records:
        raise ValueError("runs is empty: pass the results of run_arm (or the script's JSON 'runs').")
    for i, record in enumerate(records):
        missing = [k for k in ("arm", "seed", "stages") if k not in record]
        if missing:
            raise KeyError(f"runs[{i}] lacks {missing}: pass what run_arm returned.")
    return records


def _final_metric(run: dict, metric: str) -> float:
    value = run["stages"][-1]["metrics"].get(metric)
    if value is None:
        raise KeyError(f"arm {run['arm']} seed {run['seed']} has no final {metric!r}.")
    return float(value)


def paired_gains(
    runs: list[dict[str, Any]], reference: str = "A", metric: str = "mrpc_test_accuracy",
    predictions: Any = None,
) -> Any:
    """Each arm's final ``metric`` minus the reference arm's, paired by seed, with intervals.

    For every arm that shares >= 2 seeds with ``reference``: the mean difference, its 95 %
    Student-t interval over seeds (``paired_interval``, ddof = 1) and the seeds won.
    With ``predictions`` (the ``.npz`` that ``scripts/double_finetune.py`` writes, or any
    mapping with its keys) and the MRPC accuracy, also a paired bootstrap interval over seeds
    *and* test pairs (``paired_bootstrap``) and, per seed, an exact McNemar test
    (``mcnemar``): how many seeds reach p < 0.05, and the median p.

    Args:
        runs: Results of ``run_arm`` (as stored in the script's JSON: ``arm``, ``seed``,
            ``stages``).
        reference: The arm every other is compared with.
        metric: A final-stage metric name.
        predictions: None, or a mapping ``"arm|seed|stage|mrpc_test_correct"`` -> 0/1 array.

    Returns:
        A pandas DataFrame indexed by arm: ``gain``, ``low``, ``high``, ``std``, ``wins``,
        ``n_seeds`` (and ``boot_low``, ``boot_high``, ``mcnemar_p05``, ``mcnemar_median_p``).

    Raises:
        KeyError: ``reference`` is not among the runs, or a run lacks the metric.
        ValueError: ``runs`` is empty.

    Example:
        >>> paired_gains(reference_runs)["gain"]  # doctest: +SKIP

    Used in: 06_double_fine_tuning.ipynb.
    """
    import pandas as pd

    runs = _runs(runs)
    by_arm: dict[str, dict[int, dict]] = {}
    for run in runs:
        by_arm.setdefault(run["arm"], {})[run["seed"]] = run
    if reference not in by_arm:
        raise KeyError(f"no runs of the reference arm {reference!r} (arms here: {sorted(by_arm)})."
                       f"{did_you_mean(reference, by_arm)}")
    rows = {}
    for arm, seeds_of in by_arm.items():
        seeds = sorted(set(seeds_of) & set(by_arm[reference]))
        if arm == reference or len(seeds) < 2:
            continue
        a = [_final_metric(by_arm[reference][s], metric) for s in seeds]
        b = [_final_metric(seeds_of[s], metric) for s in seeds]
        ci = paired_interval(a, b)
        row = {"gain": ci["mean"], "low": ci["low"], "high": ci["high"], "std": ci["std"],
               "wins": ci["wins"], "n_seeds": ci["n"]}
        if predictions is not None and metric == "mrpc_test_accuracy":
            def correct(run: dict) -> np.ndarray:
                key = f"{run['arm']}|{run['seed']}|{run['stages'][-1]['stage']}|mrpc_test_correct"
                return np.asarray(predictions[key], dtype=np.float64)

            ca = np.stack([correct(by_arm[reference][s]) for s in seeds])
            cb = np.stack([correct(seeds_of[s]) for s in seeds])
            boot = paired_bootstrap(ca, cb)
            p = [mcnemar(x, y)["p_value"] for x, y in zip(ca, cb)]
            row.update({"boot_low": boot["low"], "boot_high": boot["high"],
                        "mcnemar_p05": int(sum(v < 0.05 for v in p)),
                        "mcnemar_median_p": float(np.median(p))})
        rows[arm] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def forgetting(runs: list[dict[str, Any]], arm: str = "B", first: int = 1, second: int = 2,
               metric: str = "stsb_dev_spearman") -> dict[str, float]:
    """How much of task 1 an arm loses in a later stage: ``metric`` after ``first`` minus after
    ``second``, per seed, with its 95 % t-interval (positive = forgotten).

    Args:
        runs: Results of ``run_arm``.
        arm: The arm (B: STS-B, then MRPC; R: MRPC, then STS-B with ``mrpc_test_accuracy``).
        first: The stage after which task 1 is measured (1-based; 0 is the checkpoint).
        second: The later stage.
        metric: The task-1 metric.

    Returns:
        ``{"mean", "low", "high", "std", "n", "wins", "before", "after"}``: ``wins`` counts the
        seeds that forgot (lost something); ``before``/``after`` are the means.

    Raises:
        KeyError: No runs of ``arm``. ValueError: Fewer than 2 seeds, or too few stages.

    Example:
        >>> forgetting(reference_runs)["mean"]  # doctest: +SKIP

    Used in: 06_double_fine_tuning.ipynb.
    """
    runs = _runs(runs)
    mine = sorted((r for r in runs if r["arm"] == arm), key=lambda r: r["seed"])
    if not mine:
        arms = sorted({r["arm"] for r in runs})
        raise KeyError(f"no runs of arm {arm!r} (arms here: {arms}).{did_you_mean(arm, arms)}")
    if any(len(r["stages"]) <= max(first, second) for r in mine):
        raise ValueError(f"arm {arm} has {len(mine[0]['stages']) - 1} stages: cannot compare stage "
                         f"{first} with stage {second}.")
    before = [float(r["stages"][first]["metrics"][metric]) for r in mine]
    after = [float(r["stages"][second]["metrics"][metric]) for r in mine]
    ci = paired_interval(after, before)  # before - after
    return dict(ci, before=float(np.mean(before)), after=float(np.mean(after)))
