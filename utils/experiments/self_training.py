"""Self-training with pseudo-labels: a model labels an unlabeled pool, keeps what it is sure of.

One round: the current model (the *teacher*) predicts P(positive) for every pool example;
those with ``p >= threshold`` become pseudo-positives, ``p <= 1 - threshold`` pseudo-negatives,
the rest are left out. A *student* is then trained on the labeled set plus the kept
pseudo-labels and becomes the next round's teacher.

Design choices (and why):

* the student restarts from the model's INITIAL weights (the pretrained encoder and a fresh
  head) every round instead of continuing from the teacher. Continuing would mix two effects
  (more data and more training steps) and lets the teacher's mistakes compound; restarting
  makes every round comparable with the supervised baseline: same starting point, same
  epochs, only the training set differs (this is classic self-training and Noisy Student);
* the pool's true labels, when known (MRPC test), are passed separately as
  ``audit_labels``; they are read ONLY to measure how accurate the pseudo-labels are, never
  to choose or train on them (``tests/test_self_training.py`` checks that flipping them
  changes nothing but the audit).

Backend-agnostic: the models are plain Keras models fed NumPy dicts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from numbers import Real
from typing import Any

import keras
import numpy as np

from utils.experiments.arms import check_seed
from utils.metrics import score_classification
from utils.models import concat_rows, predict_padded, take_rows
from utils.optim import reset_optimizer
from utils.validate import check_int, check_items, check_labels, check_number, check_verbose
from utils.weights import restore_weights, snapshot_weights

__all__ = ["select_confident", "audit_pseudo_labels", "run_self_training"]


def select_confident(probs: Any, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Keeps the predictions a model is sure of, as hard pseudo-labels.

    Args:
        probs: P(positive) per pool example, shape (N,) or (N, 1), values in [0, 1].
        threshold: Confidence in [0.5, 1): keep ``p >= threshold`` (label 1) and
            ``p <= 1 - threshold`` (label 0).

    Returns:
        ``(indices, labels)``: positions in the pool (sorted) and their 0/1 pseudo-labels.

    Raises:
        TypeError: ``threshold`` or ``probs`` are not numbers.
        ValueError: ``threshold`` outside [0.5, 1), probabilities outside [0, 1] or NaN, or
            a 2-D array of several columns (pass P(positive), e.g. ``probs[:, 1]``).

    Example:
        >>> select_confident([0.95, 0.5, 0.02, 0.8], 0.9)
        (array([0, 2]), array([1, 0]))

    Used in: 08_self_training.ipynb.
    """
    try:
        threshold = check_number("threshold", threshold, 0.5, 1.0, high_open=True)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{error} Use a confidence such as 0.7 or 0.9.") from None
    try:
        p = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"probs must hold numbers (P(positive) per example), got "
                        f"{str(probs)[:80]!r}.") from None
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim != 1:
        raise ValueError(
            f"probs must hold P(positive) per example, shape (N,) or (N, 1); got shape "
            f"{p.shape}. For a 2-class softmax pass probs[:, 1]."
        )
    if p.size and (np.isnan(p).any() or p.min() < 0 or p.max() > 1):
        bad = p[np.isnan(p) | (p < 0) | (p > 1)]
        raise ValueError(f"probs must be probabilities in [0, 1] without NaN (apply a sigmoid "
                         f"to logits); got {bad[0]:g} (in {len(bad)} of {len(p)} rows).")
    keep = np.maximum(p, 1.0 - p) >= threshold  # confidence in the predicted class
    indices = np.flatnonzero(keep)
    return indices, (p[indices] >= 0.5).astype(np.int64)


def audit_pseudo_labels(
    indices: np.ndarray, labels: np.ndarray, audit_labels: Any
) -> dict[str, float]:
    """How right the pseudo-labels are, measured with labels the training never sees.

    Args:
        indices: Pool positions of the kept pseudo-labels (from ``select_confident``).
        labels: Their pseudo-labels.
        audit_labels: True 0/1 labels of the whole pool (audit only).

    Returns:
        ``{"pseudo_accuracy": ..., "pseudo_positive_rate": ..., "true_positive_rate": ...}``;
        ``pseudo_accuracy`` is NaN when nothing was kept.

    Raises:
        TypeError: ``indices`` are not integers.
        ValueError: ``indices`` and ``labels`` differ in length, an index is out of range or
            repeated, or a label (pseudo or audit) is not 0/1.

    Example:
        >>> audit_pseudo_labels(np.array([0, 2]), np.array([1, 0]), [1, 1, 1])
        {'pseudo_accuracy': 0.5, 'pseudo_positive_rate': 0.5, 'true_positive_rate': 1.0}

    Used in: ``run_self_training``, 08_self_training.ipynb.
    """
    truth = np.asarray(audit_labels).reshape(-1)
    check_labels("audit_labels", truth, classes=(0, 1))
    raw = np.asarray(indices).reshape(-1)
    if raw.size and raw.dtype.kind not in "iu":
        raise TypeError(f"indices must be integer positions in the pool (from select_confident), "
                        f"got dtype {raw.dtype}.")
    idx, lab = raw.astype(np.int64), np.asarray(labels).reshape(-1)
    check_labels("labels (pseudo-labels)", lab, classes=(0, 1))
    if len(np.unique(idx)) != len(idx):
        raise ValueError("indices repeat a pool position: pass each kept example once.")
    if len(idx) != len(lab):
        raise ValueError(f"got {len(idx)} indices but {len(lab)} labels.")
    if len(idx) and (idx.min() < 0 or idx.max() >= len(truth)):
        raise ValueError(f"indices must be in [0, {len(truth)}) (the pool), got {idx.min()}..{idx.max()}.")
    if not len(idx):
        return {"pseudo_accuracy": float("nan"), "pseudo_positive_rate": float("nan"),
                "true_positive_rate": float("nan")}
    return {"pseudo_accuracy": round(float((truth[idx] == lab).mean()), 6),
            "pseudo_positive_rate": round(float(lab.mean()), 6),
            "true_positive_rate": round(float(truth[idx].mean()), 6)}


def _train(model: keras.Model, initial: list[np.ndarray], x: dict, y: np.ndarray,
           epochs: int, batch_size: int, seed: int, verbose: int) -> None:
    """Restarts from ``initial`` and trains; the epoch orders come from ``seed`` alone.

    The data are shuffled here, not by ``fit``: a model's first ``fit`` call draws extra
    random numbers while it builds (on JAX), which would make the first run differ.
    """
    restore_weights(model, initial)
    reset_optimizer(model.optimizer)
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    y = np.asarray(y, dtype="float32")
    for _ in range(epochs):
        order = rng.permutation(len(y))
        model.fit(take_rows(x, order), y[order], batch_size=batch_size, epochs=1, shuffle=False,
                  verbose=verbose)


def _check_inputs(name: str, x: Any, n: int | None = None) -> int:
    if not isinstance(x, dict) or not x:
        raise TypeError(f"{name} must be a dict of input arrays, got {type(x).__name__}.")
    sizes = {len(v) for v in x.values()}
    if len(sizes) != 1 or (n is not None and sizes != {n}):
        raise ValueError(f"{name}: arrays have lengths {sorted(sizes)}, expected one length {n or ''}.")
    if sizes == {0}:
        raise ValueError(f"{name} has no rows: pass at least one example.")
    return sizes.pop()


def run_self_training(
    model: keras.Model,
    labeled: tuple[dict[str, np.ndarray], Any],
    pool: dict[str, np.ndarray],
    dev: tuple[dict[str, np.ndarray], Any],
    thresholds: Sequence[float] = (0.7, 0.9),
    rounds: int = 1,
    epochs: int = 2,
    batch_size: int = 32,
    seed: int = 42,
    audit_labels: Any = None,
    verbose: int = 0,
) -> dict[str, Any]:
    """Supervised baseline, then rounds of pseudo-labelling and retraining, per threshold.

    Round 0 trains ``model`` on the labeled set only (the supervised baseline, shared by
    every threshold). Each later round: the previous round's model labels the whole pool,
    ``select_confident`` keeps the sure ones, and the model restarts from its initial
    weights (those it has when this function is called) to train on labeled + kept pairs.

    Args:
        model: A COMPILED binary classifier (sigmoid output); its current weights are the
            starting point of every training run (e.g. pretrained encoder + fresh head).
        labeled: ``(x, y)``: input arrays and 0/1 labels.
        pool: Input arrays of the unlabeled pool. No labels here, by design.
        dev: ``(x, y)`` to measure every round's model on.
        thresholds: Confidence thresholds to compare (each in [0.5, 1)).
        rounds: Self-training rounds after the supervised round 0 (>= 1).
        epochs: Epochs of every training run (the same for teacher and students).
        batch_size: Batch size.
        seed: Seeds shuffling and dropout of every run (the same for every round).
        audit_labels: Optional true labels of the pool, used ONLY to measure pseudo-label
            accuracy and the accuracy of all pool predictions; never for training.
        verbose: Passed to ``fit``.

    Returns:
        ``{"supervised": round-0 record, "runs": {threshold: [round-1 record, ...]},
        "pool_probs": {"supervised": P(positive) on the pool, threshold: [per round]}}``.
        Every record has ``round``, ``threshold``, ``n_train``, ``n_kept``, ``dev_accuracy``,
        ``dev_f1``, ``seconds``; with ``audit_labels`` also ``pool_accuracy`` (all of this
        model's pool predictions) and, for rounds >= 1, ``pseudo_accuracy`` (the kept ones,
        labelled by the previous round's model) and ``teacher_pool_accuracy``.

    Raises:
        TypeError: ``model`` is not compiled, inputs are not dicts or ``(x, y)`` pairs, a
            count that is not an int.
        ValueError: Bad ``rounds``/``epochs``/``batch_size``/``seed``, thresholds outside
            [0.5, 1) or repeated, labels other than 0/1, or mismatched lengths.

    Example:
        >>> result = run_self_training(model, (x_lab, y_lab), x_pool, (x_dev, y_dev), (0.9,))
        >>> result["runs"][0.9][0]["n_kept"]

    Used in: 08_self_training.ipynb.
    """
    if not isinstance(model, keras.Model) or getattr(model, "optimizer", None) is None:
        raise TypeError("model must be a compiled keras.Model (call model.compile first).")
    rounds, epochs = check_int("rounds", rounds, low=1), check_int("epochs", epochs, low=1)
    batch_size, seed = check_int("batch_size", batch_size, low=1), check_seed(seed)
    verbose = check_verbose("verbose", verbose)
    if isinstance(thresholds, Real | np.number):
        raise TypeError(f"thresholds must be a tuple such as ({thresholds!r},), got one number.")
    thresholds = tuple(check_items("thresholds", thresholds, allow_empty=True))
    if not thresholds:
        raise ValueError("thresholds is empty; pass e.g. (0.7, 0.9).")
    for t in thresholds:
        select_confident([], t)  # validates each threshold
    if len({float(t) for t in thresholds}) != len(thresholds):
        raise ValueError(f"thresholds repeat a value: {thresholds}; each is run once.")
    for name, pair in (("labeled", labeled), ("dev", dev)):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TypeError(f"{name} must be an (x, y) pair, got {type(pair).__name__}.")
    x_lab, y_lab = labeled[0], np.asarray(labeled[1]).reshape(-1)
    check_labels("labeled y", y_lab, classes=(0, 1))
    _check_inputs("labeled x", x_lab, len(y_lab))
    n_pool = _check_inputs("pool", pool)
    x_dev, y_dev = dev[0], np.asarray(dev[1]).reshape(-1)
    check_labels("dev y", y_dev, classes=(0, 1))
    _check_inputs("dev x", x_dev, len(y_dev))
    audit = None if audit_labels is None else np.asarray(audit_labels).reshape(-1)
    if audit is not None:
        check_labels("audit_labels", audit, classes=(0, 1))
    if audit is not None and len(audit) != n_pool:
        raise ValueError(f"audit_labels has {len(audit)} labels, the pool {n_pool} pairs.")

    if not model.optimizer.built:  # built now, so every run (the first too) starts the same way
        model.optimizer.build(model.trainable_variables)
    initial = snapshot_weights(model)
    predict_batch = 2 * batch_size

    def evaluate(record: dict[str, Any]) -> np.ndarray:
        record.update({f"dev_{k}": v for k, v in
                       score_classification(y_dev, predict_padded(model, x_dev, predict_batch)).items()})
        pool_probs = predict_padded(model, pool, predict_batch)
        if audit is not None:  # audit only: how good are ALL of this model's pool predictions
            record["pool_accuracy"] = score_classification(audit, pool_probs)["accuracy"]
        return pool_probs

    started = time.perf_counter()
    _train(model, initial, x_lab, y_lab, epochs, batch_size, seed, verbose)
    supervised: dict[str, Any] = {"round": 0, "threshold": None, "n_train": len(y_lab),
                                  "n_kept": 0}
    teacher0 = evaluate(supervised)
    supervised["seconds"] = round(time.perf_counter() - started, 1)

    runs: dict[float, list[dict[str, Any]]] = {}
    pool_probs: dict[Any, Any] = {"supervised": teacher0}
    for threshold in thresholds:
        teacher, teacher_acc, records = teacher0, supervised.get("pool_accuracy"), []
        pool_probs[threshold] = []
        for r in range(1, rounds + 1):
            started = time.perf_counter()
            idx, pseudo = select_confident(teacher, threshold)  # predictions only, no labels
            record: dict[str, Any] = {"round": r, "threshold": threshold,
                                      "n_train": len(y_lab) + len(idx), "n_kept": len(idx),
                                      "kept_fraction": round(len(idx) / n_pool, 6)}
            if audit is not None:
                record.update(audit_pseudo_labels(idx, pseudo, audit))
                record["teacher_pool_accuracy"] = teacher_acc
            x_train = concat_rows(x_lab, take_rows(pool, idx))
            y_train = np.concatenate([y_lab, pseudo])
            _train(model, initial, x_train, y_train, epochs, batch_size, seed, verbose)
            teacher = evaluate(record)
            pool_probs[threshold].append(teacher)
            teacher_acc = record.get("pool_accuracy")
            record["seconds"] = round(time.perf_counter() - started, 1)
            records.append(record)
        runs[threshold] = records
    restore_weights(model, initial)
    return {"supervised": supervised, "runs": runs, "pool_probs": pool_probs}
