"""Checks of the exercises of notebooks 00-02: probes, freezing, the confusion matrix.

Each check judges the learner's answer against the learner's own measurements where there
are some (so it holds for any seed) and returns a ``CheckResult`` with a hint, never the
answer; a wrong type (a string, a bool, None, NaN, a list) fails with its own hint.
"""

from __future__ import annotations

import functools
from numbers import Real
from typing import Any

import numpy as np

from utils import validate
from utils.checks.answers import read_choice, read_count, read_flag, read_numbers
from utils.checks.core import CheckResult, WrongAnswer, count_dims, describe, report_wrong_answers
from utils.checks.general import check_number_in_range

__all__ = [
    "check_wider_backbone_probe",
    "check_zero_shot_spearman",
    "check_trainable_from_block_13",
    "check_freeze_before_first_fit",
    "check_most_confused",
]

_TOO_HIGH_ACC = "an accuracy is a fraction between 0 and 1 (not a percentage)."


@report_wrong_answers
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
            "on the training split?", _TOO_HIGH_ACC,
        )
        if not result:
            return result
    return CheckResult("wider backbone", True,
                       "both probes work; compare the two numbers (and try another TL_SEED).")


@report_wrong_answers
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
    name = "zero-shot Spearman on STS-B train"
    if hasattr(rho, "statistic"):
        raise WrongAnswer(name, "that is scipy's whole result: take its .statistic.")
    return check_number_in_range(
        name, rho, 0.6, 0.97,
        "too low: use the *pretrained* encoder, mean-pool over real tokens only (padding_mask), "
        "and correlate cosine similarity with the gold scores.",
        "too high to be real: are you comparing each sentence with itself, or the scores "
        "with themselves?",
    )


@functools.lru_cache(maxsize=4)
def _reference_counts(alpha: float) -> dict[str, int]:
    """Trainable parameters of one fresh (random-weight) MobileNetV2 under three freezes."""
    from utils import freezing, models, weights

    backbone = models.load_backbone("mobilenet_v2", alpha, 96 + 16, weights=None)

    def trainable() -> int:
        return weights.count_params(backbone)["trainable"]

    freezing.freeze_up_to(backbone, "block_12_add")
    counts = {"right": trainable()}
    freezing.freeze_up_to(backbone, "block_12_add", keep_bn_frozen=False)
    counts["with_bn"] = trainable()
    freezing.freeze_up_to(backbone, "block_13_project_BN")
    counts["from_14"] = trainable()
    return counts


@report_wrong_answers
def check_trainable_from_block_13(answer: Any, alpha: float = 0.35) -> CheckResult:
    """Exercise 01.1: trainable parameters with ``block_13`` and above unfrozen, BN frozen.

    The reference is recomputed on a fresh MobileNetV2 (the count does not depend on
    the input size, and is cached per ``alpha``), so the check never stores the answer.

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
    name = "trainable parameters from block_13 up"
    number = read_count(name, answer)
    if number == 0:
        return CheckResult(name, False, "nothing trains: did you unfreeze the top after freezing?")
    counts = _reference_counts(round(validate.check_number("alpha", alpha, low=0, low_open=True), 4))
    if number == counts["right"]:
        return CheckResult(name, True, "looks right.")
    if number == counts["with_bn"]:
        return CheckResult(name, False, "you also count BatchNorm gamma/beta: keep BN frozen.")
    if number == counts["from_14"]:
        return CheckResult(name, False, "off by one block: block_13 itself must train too.")
    return CheckResult(name, False, "not the count of block_13 ... Conv_1 with BN frozen: compare "
                       "trainable_summary before and after your freeze.")


@report_wrong_answers
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
    if not read_flag(name, moved, "moved"):
        return CheckResult(name, True, "right: the training step is built at the first fit, "
                           "after your freeze, so the freeze counts.")
    return CheckResult(name, False, "compare the kernel before and after fit with np.array_equal; "
                       "was the freeze really before the *first* fit of this fresh model?")


def _read_labels(name: str, labels: Any, what: str, num_classes: int) -> np.ndarray:
    if count_dims(labels) == 2 and np.shape(labels)[1] > 1:
        raise WrongAnswer(name, f"{what} has one row of scores per image: take the predicted "
                          "class with .argmax(axis=1).")
    values = read_numbers(name, labels, what)
    if not all(v.is_integer() and 0 <= v < num_classes for v in values):
        raise WrongAnswer(name, f"{what} must hold class indices 0 ... {num_classes - 1}.")
    return values.astype(int)


@report_wrong_answers
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
    name = "most confused pair"
    if isinstance(class_names, str | bytes) or count_dims(class_names) != 1:
        raise WrongAnswer(name, "class_names must be the list of class names.")
    names = [str(n) for n in class_names]
    true = _read_labels(name, y_true, "y_true", len(names))
    pred = _read_labels(name, y_pred, "y_pred", len(names))
    if len(true) != len(pred):
        raise WrongAnswer(name, f"y_true has {len(true)} labels but y_pred {len(pred)}: "
                          "predict the same test images.")
    if isinstance(answer, str | bytes | dict | set) or count_dims(answer) != 1 or len(answer) != 2:
        raise WrongAnswer(name, f"the answer is {describe(answer)}: give a (true, predicted) "
                          f"pair of class names from {names}.")
    if all(isinstance(a, Real | np.integer) and not isinstance(a, bool) for a in answer):
        raise WrongAnswer(name, "those are class indices: give the names, class_names[i].")
    i = names.index(read_choice(name, answer[0], names, "the true class"))
    j = names.index(read_choice(name, answer[1], names, "the predicted class"))
    if i == j:
        return CheckResult(name, False, "a class predicted as itself is a correct prediction: "
                           "look off the diagonal.")
    counts = np.zeros((len(names),) * 2, dtype=int)
    np.add.at(counts, (true, pred), 1)
    np.fill_diagonal(counts, 0)
    if counts.max() == 0:
        return CheckResult(name, False, "y_pred equals y_true everywhere: there is no mistake "
                           "to find (are both the test labels?).")
    if counts[i, j] == counts.max():
        return CheckResult(name, True, "looks right.")
    if counts[j, i] == counts.max():
        return CheckResult(name, False, "the other way round: rows are the true class.")
    return CheckResult(name, False, "count off-diagonal cells of the confusion matrix only.")
