"""Checks of the exercises of notebooks 05-08: pairs, double fine-tuning, heads, self-training.

Each check judges the learner's answer against the learner's own data (predictions, stages,
probabilities) and returns a ``CheckResult`` with a hint, never the answer; a wrong type (a
string, a bool, None, NaN, a list where one number is expected, a repeated index) fails with
its own hint.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from utils import validate
from utils.checks.answers import read_count, read_indices, read_number, read_numbers
from utils.checks.core import CheckResult, WrongAnswer, describe, report_wrong_answers

__all__ = [
    "check_worst_pairs",
    "check_recovery",
    "check_drift_ratios",
    "check_bilstm_head_params",
    "check_confident_count",
    "check_overkept_class",
]

_STAGES_HINT = "pass the arm's `stages` list from run_arm (stage 0 included)"


@report_wrong_answers
def check_worst_pairs(answer: Any, y_true: Any, y_pred: Any, k: int = 3) -> CheckResult:
    """Exercise 05.1: indices of the ``k`` pairs whose prediction is furthest from the gold score.

    Args:
        answer: The learner's ``k`` different indices (any order).
        y_true: Gold scores.
        y_pred: Predicted scores (any shape with one value per pair).
        k: How many pairs the exercise asks for.

    Returns:
        A ``CheckResult`` (ties accepted).

    Example:
        >>> bool(check_worst_pairs([2], [0.0, 1.0, 5.0], [0.1, 1.0, 0.0], k=1))
        True

    Used in: 05_sentence_pair_fine_tuning.ipynb.
    """
    k = validate.check_int("k", k, low=1)
    name = f"the {k} worst pairs"
    gold = read_numbers(name, y_true, "y_true")
    pred = read_numbers(name, y_pred, "y_pred")
    if pred.size != gold.size:
        raise WrongAnswer(name, f"y_pred has {pred.size} values for {gold.size} pairs: give one "
                          "prediction per pair.")
    if gold.size < k:
        raise WrongAnswer(name, f"only {gold.size} pairs: there are no {k} worst ones.")
    picked = read_indices(name, answer, gold.size, k)
    errors = np.abs(pred - gold)
    ranked = np.sort(errors)
    if all(errors[i] >= ranked[-k] for i in picked):
        return CheckResult(name, True, "looks right.")
    if all(errors[i] <= ranked[k - 1] for i in picked):
        return CheckResult(name, False, "those are the *best* pairs: argsort ascends, take the end.")
    return CheckResult(name, False, "rank by the absolute error |prediction − gold|, not the "
                       "signed error or the score itself.")


def _stage_value(name: str, stages: Any, index: int, key: str, field: str) -> float:
    """``stages[index][key][field]`` as a number, or a ``WrongAnswer`` naming what is missing."""
    try:
        value = stages[index][key][field]
    except (TypeError, KeyError, IndexError):
        raise WrongAnswer(name, f"no stages[{index}][{key!r}][{field!r}]: {_STAGES_HINT}.") from None
    return read_number(name, value, f"stages[{index}][{key!r}][{field!r}]")


@report_wrong_answers
def check_recovery(regained: Any, stages: Any, metric: str = "stsb_dev_spearman") -> CheckResult:
    """Exercise 06.1: STS-B Spearman regained by arm D's joint stage after the MRPC stage.

    Args:
        regained: The learner's number (after stage 3 minus after stage 2).
        stages: Arm D's ``stages`` list from ``utils.experiments.run_arm`` (stage 0 included).
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
    number = read_number(name, regained, "regained")
    after_mrpc, after_joint = (_stage_value(name, stages, i, "metrics", metric) for i in (2, 3))
    right = after_joint - after_mrpc
    if abs(number - right) < 1e-6:
        return CheckResult(name, True, "looks right.")
    if abs(number + right) < 1e-6:
        return CheckResult(name, False, "sign flipped: after the joint stage minus after MRPC.")
    after_sts = _stage_value(name, stages, 1, "metrics", metric)
    if abs(number - (after_joint - after_sts)) < 1e-6:
        return CheckResult(name, False, "compare with the score *after the MRPC stage* (stage 2), "
                           "not after STS-B.")
    if abs(number - (after_sts - after_mrpc)) < 1e-6:
        return CheckResult(name, False, "that is what the MRPC stage lost; the question is what "
                           "the joint stage regained.")
    return CheckResult(name, False, f"use stages[2] and stages[3]['metrics']['{metric}'].")


@report_wrong_answers
def check_drift_ratios(answer: Any, stages: Any, top: str = "transformer_layer_5",
                       bottom: str = "transformer_layer_0") -> CheckResult:
    """Exercise 06.2: top/bottom layer drift ratio for each stage of an arm.

    Args:
        answer: The learner's ratios, one per trained stage, in stage order.
        stages: The arm's ``stages`` list from ``utils.experiments.run_arm`` (stage 0 included).
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
    name = "top/bottom drift ratios"
    if not isinstance(stages, list | tuple) or not all(isinstance(s, dict) for s in stages):
        raise WrongAnswer(name, f"stages is {describe(stages)}: {_STAGES_HINT}.")
    trained = [i for i, s in enumerate(stages) if s.get("drift")]
    right = np.array([_stage_value(name, stages, i, "drift", top)
                      / _stage_value(name, stages, i, "drift", bottom) for i in trained])
    given = read_numbers(name, answer)
    if given.shape != right.shape:
        return CheckResult(name, False, f"give one ratio per trained stage ({len(right)}), "
                           "skipping stage 0 (the download, no drift).")
    if np.allclose(given, right, rtol=1e-3):
        return CheckResult(name, True, "looks right.")
    if np.allclose(given, 1 / right, rtol=1e-3):
        return CheckResult(name, False, "upside down: top layer's drift divided by the bottom's.")
    return CheckResult(name, False, "use each stage's own `drift` (vs the stage's start), not "
                       "`drift_total`.")


@report_wrong_answers
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
    hidden = validate.check_int("hidden", hidden, low=1)
    name = f"BiLSTM head parameters ({units} units)"
    units = read_count(name, units, "units")
    if units == 0:
        raise WrongAnswer(name, "units is 0: an LSTM needs at least one unit.")
    number = read_count(name, answer)
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


@report_wrong_answers
def check_confident_count(answer: Any, probs: Any, threshold: float) -> CheckResult:
    """Exercise 08.1: how many pool pairs a confidence threshold keeps (both classes).

    Args:
        answer: The learner's count.
        probs: The model's P(paraphrase) on the pool.
        threshold: Confidence threshold in (0.5, 1).

    Returns:
        A ``CheckResult``.

    Raises:
        ValueError: ``threshold`` is outside (0.5, 1) (the notebook's mistake).

    Example:
        >>> bool(check_confident_count(2, [0.99, 0.02, 0.6], 0.95))
        True

    Used in: 08_self_training.ipynb.
    """
    threshold = validate.check_number("threshold", threshold, 0.5, 1.0, low_open=True,
                                      high_open=True)
    name = f"pairs kept at {threshold}"
    p = read_numbers(name, probs, "probs")
    if ((p < 0) | (p > 1)).any():
        raise WrongAnswer(name, "probs must be probabilities in [0, 1] (a sigmoid's output).")
    number = read_count(name, answer)
    right = int((np.maximum(p, 1 - p) >= threshold).sum())
    if number == right:
        return CheckResult(name, True, "looks right.")
    if number == int((p >= threshold).sum()):
        return CheckResult(name, False, "confident *negatives* count too: p <= 1 - threshold.")
    if number == int((p <= 1 - threshold).sum()):
        return CheckResult(name, False, "confident *positives* count too: p >= threshold.")
    if number > p.size:
        return CheckResult(name, False, f"the pool has only {p.size} pairs.")
    return CheckResult(name, False, "keep a pair when max(p, 1 - p) >= threshold.")


_LABELS = {"1": "positive", "positive": "positive", "paraphrase": "positive",
           "0": "negative", "negative": "negative"}


@report_wrong_answers
def check_overkept_class(answer: Any, pseudo_positive_rate: Any, true_positive_rate: Any) -> CheckResult:
    """Exercise 08.2: which class the teacher over-keeps among its pseudo-labels.

    Args:
        answer: ``"positive"`` (paraphrase, 1) or ``"negative"`` (0).
        pseudo_positive_rate: Share of positives among the kept pseudo-labels (one or many rounds;
            NaN where a round kept nothing).
        true_positive_rate: True share of positives among the same pairs.

    Returns:
        A ``CheckResult``.

    Example:
        >>> bool(check_overkept_class("positive", [0.9], [0.7]))
        True

    Used in: 08_self_training.ipynb.
    """
    name = "over-kept class"
    pseudo = read_numbers(name, pseudo_positive_rate, "pseudo_positive_rate", allow_nan=True)
    true = read_numbers(name, true_positive_rate, "true_positive_rate", allow_nan=True)
    if pseudo.shape != true.shape:
        raise WrongAnswer(name, f"{pseudo.size} pseudo rates but {true.size} true rates: pass "
                          "both columns of the same rows.")
    gaps = pseudo - true
    if np.isnan(gaps).all():
        raise WrongAnswer(name, "every rate is NaN: no round kept a pair, nothing to compare.")
    if isinstance(answer, Integral | np.integer) and not isinstance(answer, bool | np.bool_):
        answer = str(int(answer))
    if not isinstance(answer, str):
        raise WrongAnswer(name, f"the answer is {describe(answer)}: answer 'positive' or "
                          "'negative'.")
    label = _LABELS.get(answer.strip().lower())
    if label is None:
        raise WrongAnswer(name, "answer 'positive' or 'negative'."
                          + validate.did_you_mean(answer.strip().lower(), ["positive", "negative"]))
    gap = float(np.nanmean(gaps))
    if gap == 0:
        return CheckResult(name, False, "the two shares are equal: neither class is over-kept.")
    if label == ("positive" if gap > 0 else "negative"):
        return CheckResult(name, True, "looks right.")
    return CheckResult(name, False, "compare the pseudo-labels' positive share with the true "
                       "share on the same pairs: which is larger?")
