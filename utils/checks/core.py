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
    "check_accuracy",
    "check_bilstm_head_params",
    "check_confident_count",
    "check_drift_grows_with_lr",
    "check_drift_ratios",
    "check_largest_safe_lr",
    "check_row_winners",
    "check_freeze_before_first_fit",
    "check_most_confused",
    "check_trainable_from_block_13",
    "check_number_in_range",
    "check_overkept_class",
    "check_recovery",
    "check_zero_shot_spearman",
    "check_wider_backbone_probe",
    "check_worst_pairs",
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


def _reference_trainable(alpha: float, build: Any) -> int:
    """Trainable parameters of a fresh (random-weight) MobileNetV2 after ``build(backbone)``."""
    from utils import models

    backbone = models.load_backbone("mobilenet_v2", alpha, 96 + 16, weights=None)
    build(backbone)
    return models.count_params(backbone)["trainable"]


def check_trainable_from_block_13(answer: Any, alpha: float = 0.35) -> CheckResult:
    """Exercise 01.1: trainable parameters with ``block_13`` and above unfrozen, BN frozen.

    The reference is recomputed on a fresh MobileNetV2 (the count does not depend on
    the input size), so the check never stores the answer.

    Args:
        answer: The learner's trainable-parameter count.
        alpha: Width of the backbone used in the notebook.

    Returns:
        A ``CheckResult`` whose hint names the usual mistake.

    Example:
        >>> check_trainable_from_block_13(0).passed
        False

    Used in: 01_trainable_weights_and_freezing.ipynb.
    """
    from utils import freezing

    name = "trainable parameters from block_13 up"
    number = _as_number(name, answer)
    if isinstance(number, CheckResult):
        return number
    right = _reference_trainable(alpha, lambda m: freezing.freeze_up_to(m, "block_12_add"))
    if number == right:
        return CheckResult(name, True, "looks right.")
    with_bn = _reference_trainable(
        alpha, lambda m: freezing.freeze_up_to(m, "block_12_add", keep_bn_frozen=False))
    from_14 = _reference_trainable(alpha, lambda m: freezing.freeze_up_to(m, "block_13_project_BN"))
    if number == with_bn:
        return CheckResult(name, False, "you also count BatchNorm gamma/beta: keep BN frozen.")
    if number == from_14:
        return CheckResult(name, False, "off by one block: block_13 itself must train too.")
    if number == 0:
        return CheckResult(name, False, "nothing trains: did you unfreeze the top after freezing?")
    return CheckResult(name, False, "not the count of block_13 ... Conv_1 with BN frozen: compare "
                       "trainable_summary before and after your freeze.")


def check_freeze_before_first_fit(moved: Any) -> CheckResult:
    """Exercise 01.2: does a layer frozen after compile() but before the first fit() move?

    Args:
        moved: The learner's observation (True if the layer's weights changed).

    Returns:
        A ``CheckResult``.

    Example:
        >>> bool(check_freeze_before_first_fit(False))
        True

    Used in: 01_trainable_weights_and_freezing.ipynb.
    """
    name = "freeze before the first fit"
    if not isinstance(moved, bool | int) and not hasattr(moved, "item"):
        return CheckResult(name, False, "answer True or False: did the layer's weights change?")
    if not bool(moved):
        return CheckResult(name, True, "right: the training step is built at the first fit, "
                           "after your freeze, so the freeze counts.")
    return CheckResult(name, False, "compare the kernel before and after fit with np.array_equal; "
                       "was the freeze really before the *first* fit of this fresh model?")


def check_accuracy(answer: Any, name: str = "test accuracy", floor: float = 0.5) -> CheckResult:
    """Checks that a classification accuracy is plausible for a working model.

    Args:
        answer: The accuracy, a fraction in [0, 1].
        name: What it is the accuracy of.
        floor: The lowest value a working solution reaches.

    Returns:
        A ``CheckResult``.

    Example:
        >>> bool(check_accuracy(0.8))
        True

    Used in: 02_feature_extraction_workflow.ipynb.
    """
    return check_number_in_range(
        name, answer, floor, 1.0,
        "too low for a trained head on pretrained features: did it train on the training split "
        "and evaluate on the test split?",
        "an accuracy is a fraction between 0 and 1 (not a percentage).",
    )


def check_most_confused(answer: Any, y_true: Any, y_pred: Any, class_names: Any) -> CheckResult:
    """Exercise 02.3: the (true, predicted) class pair confused most often.

    Args:
        answer: A ``(true_name, predicted_name)`` pair.
        y_true: True labels of the test set.
        y_pred: Predicted labels.
        class_names: Names of the classes.

    Returns:
        A ``CheckResult`` (ties are accepted).

    Example:
        >>> bool(check_most_confused(("a", "b"), [0, 0], [1, 1], ["a", "b"]))
        True

    Used in: 02_feature_extraction_workflow.ipynb.
    """
    import numpy as np

    name = "most confused pair"
    names = list(class_names)
    counts = np.zeros((len(names),) * 2, dtype=int)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    np.fill_diagonal(counts, 0)
    try:
        i, j = names.index(answer[0]), names.index(answer[1])
    except (TypeError, ValueError, IndexError):
        return CheckResult(name, False, f"answer a pair of class names from {names}.")
    if counts[i, j] == counts.max() and counts.max() > 0:
        return CheckResult(name, True, "looks right.")
    if counts[j, i] == counts.max():
        return CheckResult(name, False, "the other way round: rows are the true class.")
    return CheckResult(name, False, "count off-diagonal cells of the confusion matrix only.")


def check_largest_safe_lr(answer: Any, accuracies: Any, probe_acc: Any, tolerance: float = 0.05) -> CheckResult:
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
    try:
        measured = {float(k): float(v) for k, v in dict(accuracies).items()}
    except (TypeError, ValueError):
        return CheckResult(name, False, "pass the {learning_rate: accuracy} dict you measured.")
    safe = [lr for lr, acc in measured.items() if acc > float(probe_acc) - tolerance]
    right = max(safe, default=None)
    if answer is None or right is None:
        ok = answer is None and right is None
        return CheckResult(name, ok, "looks right." if ok else
                           "compare each accuracy with probe_acc - 0.05 again.")
    if float(answer) == right:
        return CheckResult(name, True, "looks right.")
    if float(answer) not in measured:
        return CheckResult(name, False, "answer one of the learning rates you tried.")
    if float(answer) in safe:
        return CheckResult(name, False, "that rate is safe, but is it the *largest* safe one?")
    return CheckResult(name, False, "that rate lost more than 0.05 accuracy: it damaged the features.")


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
    big, small = _as_number(name, drift_big_lr), _as_number(name, drift_small_lr)
    for value in (big, small):
        if isinstance(value, CheckResult):
            return value
    if big < 0 or small < 0:
        return CheckResult(name, False, "a relative drift ||θ−θ0||/||θ0|| cannot be negative.")
    if big > small:
        return CheckResult(name, True, "right: the larger rate moved the pretrained weights further.")
    return CheckResult(name, False, "the larger rate should drift more: did you swap the two, or "
                       "measure drift of the head instead of the base?")


def check_row_winners(answer: Any, grid: Any) -> CheckResult:
    """Exercise 04.1: the best strategy of each row of the strategy grid.

    Args:
        answer: Mapping (or pandas Series) row -> strategy name.
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
    try:
        answer = dict(answer)
    except (TypeError, ValueError):
        return CheckResult(name, False, "give one strategy per row, e.g. grid.idxmax(axis=1).")
    missing = [row for row in grid.index if row not in answer]
    if missing:
        return CheckResult(name, False, f"no answer for rows {missing}.")
    for row in grid.index:
        if answer[row] not in grid.columns:
            return CheckResult(name, False, f"{answer[row]!r} is not a strategy of the grid.")
        if grid.loc[row, answer[row]] < grid.loc[row].max():
            return CheckResult(name, False, f"row {row!r}: look for the highest accuracy *across* "
                               "the row (axis=1), not down a column.")
    return CheckResult(name, True, "looks right.")


def check_worst_pairs(answer: Any, y_true: Any, y_pred: Any, k: int = 3) -> CheckResult:
    """Exercise 05.1: indices of the ``k`` pairs whose prediction is furthest from the gold score.

    Args:
        answer: The learner's indices (any order).
        y_true: Gold scores.
        y_pred: Predicted scores (any shape with one value per pair).

    Returns:
        A ``CheckResult`` (ties accepted).

    Example:
        >>> bool(check_worst_pairs([2], [0.0, 1.0, 5.0], [0.1, 1.0, 0.0], k=1))
        True

    Used in: 05_sentence_pair_fine_tuning.ipynb.
    """
    import numpy as np

    name = f"the {k} worst pairs"
    try:
        picked = sorted(int(i) for i in np.asarray(answer).reshape(-1))
    except (TypeError, ValueError):
        return CheckResult(name, False, "answer the pairs' indices (integers).")
    errors = np.abs(np.asarray(y_pred, dtype=float).reshape(-1) - np.asarray(y_true, dtype=float))
    if len(picked) != k:
        return CheckResult(name, False, f"give exactly {k} indices.")
    if not all(0 <= i < len(errors) for i in picked):
        return CheckResult(name, False, "an index is outside the data set.")
    threshold = np.sort(errors)[-k]
    if all(errors[i] >= threshold for i in picked):
        return CheckResult(name, True, "looks right.")
    if all(errors[i] <= np.sort(errors)[k - 1] for i in picked):
        return CheckResult(name, False, "those are the *best* pairs: argsort ascends, take the end.")
    return CheckResult(name, False, "rank by the absolute error |prediction − gold|, not the "
                       "signed error or the score itself.")


def check_drift_ratios(answer: Any, stages: Any, top: str = "transformer_layer_5",
                       bottom: str = "transformer_layer_0") -> CheckResult:
    """Exercise 06.2: top/bottom layer drift ratio for each stage of an arm.

    Args:
        answer: The learner's ratios, one per trained stage, in stage order.
        stages: The arm's ``stages`` list from ``utils.text.run_arm`` (stage 0 included).
        top: Name of the top transformer layer in the drift dicts.
        bottom: Name of the bottom one.

    Returns:
        A ``CheckResult``.

    Example:
        >>> st = [{}, {"drift": {"t": 2.0, "b": 1.0}}]
        >>> bool(check_drift_ratios([2.0], st, top="t", bottom="b"))
        True

    Used in: 06_double_fine_tuning.ipynb.
    """
    import numpy as np

    name = "top/bottom drift ratios"
    trained = [s for s in stages if s.get("drift")]
    right = np.array([s["drift"][top] / s["drift"][bottom] for s in trained])
    try:
        given = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return CheckResult(name, False, "answer a list of numbers, one per trained stage.")
    if given.shape != right.shape:
        return CheckResult(name, False, f"give one ratio per trained stage ({len(right)}), "
                           "skipping stage 0 (the download, no drift).")
    if np.allclose(given, right, rtol=1e-3):
        return CheckResult(name, True, "looks right.")
    if np.allclose(given, 1 / right, rtol=1e-3):
        return CheckResult(name, False, "upside down: top layer's drift divided by the bottom's.")
    return CheckResult(name, False, "use each stage's own `drift` (vs the stage's start), not "
                       "`drift_total`.")


def check_recovery(regained: Any, stages: Any, metric: str = "stsb_dev_spearman") -> CheckResult:
    """Exercise 06.1: STS-B Spearman regained by arm D's joint stage after the MRPC stage.

    Args:
        regained: The learner's number (after stage 3 minus after stage 2).
        stages: Arm D's ``stages`` list from ``utils.text.run_arm`` (stage 0 included).
        metric: The metric to compare.

    Returns:
        A ``CheckResult``.

    Example:
        >>> st = [{}, {}, {"metrics": {"m": 0.5}}, {"metrics": {"m": 0.7}}]
        >>> bool(check_recovery(0.2, st, metric="m"))
        True

    Used in: 06_double_fine_tuning.ipynb.
    """
    name = "STS-B regained by the joint stage"
    number = _as_number(name, regained)
    if isinstance(number, CheckResult):
        return number
    after_mrpc = stages[2]["metrics"][metric]
    right = stages[3]["metrics"][metric] - after_mrpc
    if abs(number - right) < 1e-6:
        return CheckResult(name, True, "looks right.")
    if abs(number + right) < 1e-6:
        return CheckResult(name, False, "sign flipped: after the joint stage minus after MRPC.")
    if abs(number - (stages[3]["metrics"][metric] - stages[1]["metrics"][metric])) < 1e-6:
        return CheckResult(name, False, "compare with the score *after the MRPC stage* (stage 2), "
                           "not after STS-B.")
    return CheckResult(name, False, f"use stages[2] and stages[3]['metrics']['{metric}'].")


def check_bilstm_head_params(answer: Any, units: int, hidden: int = 384) -> CheckResult:
    """Exercise 07.1: parameters of a Bidirectional(LSTM(units)) + Dense(1) head.

    Args:
        answer: The learner's parameter count.
        units: LSTM units per direction.
        hidden: Width of the encoder's token vectors.

    Returns:
        A ``CheckResult`` with a hint naming the usual slip (one direction, no biases).

    Example:
        >>> check_bilstm_head_params(0, 16).passed
        False

    Used in: 07_heads_on_encoders.ipynb.
    """
    name = f"BiLSTM head parameters ({units} units)"
    number = _as_number(name, answer)
    if isinstance(number, CheckResult):
        return number
    lstm_one_way = 4 * (hidden + units + 1) * units  # 4 gates: input, recurrent, bias weights
    right = 2 * lstm_one_way + (2 * units + 1)
    if number == right:
        return CheckResult(name, True, "looks right.")
    if number == lstm_one_way + units + 1:
        return CheckResult(name, False, "bidirectional means two LSTMs, and the Dense sees both.")
    if number == 2 * 4 * (hidden + units) * units + 2 * units:
        return CheckResult(name, False, "don't forget the biases (LSTM gates and Dense).")
    return CheckResult(name, False, "an LSTM has 4 gates, each with input, recurrent and bias "
                       "weights; count both directions and the Dense(1) on their concatenation.")


def check_confident_count(answer: Any, probs: Any, threshold: float) -> CheckResult:
    """Exercise 08.1: how many pool pairs a confidence threshold keeps (both classes).

    Args:
        answer: The learner's count.
        probs: The model's P(paraphrase) on the pool.
        threshold: Confidence threshold in (0.5, 1).

    Returns:
        A ``CheckResult``.

    Example:
        >>> bool(check_confident_count(2, [0.99, 0.02, 0.6], 0.95))
        True

    Used in: 08_self_training.ipynb.
    """
    import numpy as np

    name = f"pairs kept at {threshold}"
    number = _as_number(name, answer)
    if isinstance(number, CheckResult):
        return number
    p = np.asarray(probs, dtype=float).reshape(-1)
    right = int((np.maximum(p, 1 - p) >= threshold).sum())
    if number == right:
        return CheckResult(name, True, "looks right.")
    if number == int((p >= threshold).sum()):
        return CheckResult(name, False, "confident *negatives* count too: p <= 1 - threshold.")
    return CheckResult(name, False, "keep a pair when max(p, 1 - p) >= threshold.")


def check_overkept_class(answer: Any, pseudo_positive_rate: Any, true_positive_rate: Any) -> CheckResult:
    """Exercise 08.2: which class the teacher over-keeps among its pseudo-labels.

    Args:
        answer: ``"positive"`` (paraphrase, 1) or ``"negative"`` (0).
        pseudo_positive_rate: Share of positives among the kept pseudo-labels (one or many rounds).
        true_positive_rate: True share of positives among the same pairs.

    Returns:
        A ``CheckResult``.

    Example:
        >>> bool(check_overkept_class("positive", [0.9], [0.7]))
        True

    Used in: 08_self_training.ipynb.
    """
    import numpy as np

    name = "over-kept class"
    gap = float(np.nanmean(np.asarray(pseudo_positive_rate, dtype=float)
                           - np.asarray(true_positive_rate, dtype=float)))
    label = {"1": "positive", "positive": "positive", "paraphrase": "positive",
             "0": "negative", "negative": "negative"}.get(str(answer).strip().lower())
    if label is None:
        return CheckResult(name, False, "answer 'positive' or 'negative'.")
    right = "positive" if gap > 0 else "negative"
    if label == right:
        return CheckResult(name, True, "looks right.")
    return CheckResult(name, False, "compare the pseudo-labels' positive share with the true "
                       "share on the same pairs: which is larger?")
