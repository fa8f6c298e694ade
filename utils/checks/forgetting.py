"""Exercise checks of notebook 09 (fine-tune twice without forgetting)."""

from __future__ import annotations

from typing import Any

import numpy as np

from utils import validate
from utils.checks.answers import read_count, read_number
from utils.checks.core import CheckResult, WrongAnswer, report_wrong_answers

__all__ = ["check_lora_adapter_params", "check_wise_alpha"]


@report_wrong_answers
def check_lora_adapter_params(answer: Any, rank: int, hidden: int = 384, heads: int = 12,
                              head_dim: int = 32, projections: int = 2) -> CheckResult:
    """Exercise 09.2: numbers in rank-``rank`` LoRA adapters on one layer's query and value.

    Keras shapes an ``EinsumDense`` adapter from its kernel: the query kernel is
    ``(hidden, heads, head_dim)``, so ``A`` is ``(hidden, heads, rank)`` and ``B`` is
    ``(rank, head_dim)``: not the ``rank * (d_in + d_out)`` of a 2-D matrix.

    Args:
        answer: The learner's count.
        rank: The adapters' rank.
        hidden, heads, head_dim: The attention's shapes (all-MiniLM-L6-v2: 384, 12, 32).
        projections: Adapted projections per layer (KerasHub: query and value).

    Returns:
        A ``CheckResult`` with a hint naming the usual slip.

    Example:
        >>> check_lora_adapter_params(0, 4).passed
        False

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    hidden, heads, head_dim, projections = (validate.check_int(n, v, low=1) for n, v in (
        ("hidden", hidden), ("heads", heads), ("head_dim", head_dim), ("projections", projections)))
    name = f"rank-{rank} adapter weights"
    rank = read_count(name, rank, "rank")
    if rank == 0:
        raise WrongAnswer(name, "rank is 0: an adapter needs rank >= 1.")
    number = read_count(name, answer)
    one = hidden * heads * rank + rank * head_dim
    if number == projections * one:
        return CheckResult(name, True, "looks right.")
    if number == one:
        return CheckResult(name, False, "KerasHub adapts two projections per layer: query and value.")
    if number == projections * rank * (hidden + heads * head_dim):
        return CheckResult(name, False, "that is the 2-D formula r * (d_in + d_out); Keras shapes A "
                           "like the kernel, (384, heads, r), so A holds 384 * heads * r numbers.")
    if number == projections * hidden * heads * rank:
        return CheckResult(name, False, "count B too: (r, head_dim) per projection.")
    return CheckResult(name, False, "count A (384, heads, r) and B (r, head_dim) for each adapted "
                       "projection (query and value).")


def _curve_means(curve: Any) -> Any:
    import pandas as pd

    if not isinstance(curve, pd.DataFrame):
        raise TypeError(f"curve must be the notebook's interpolation DataFrame, got {type(curve).__name__}.")
    needed = ["alpha", "stsb_select", "mrpc_dev", "mrpc_test"]
    missing = [c for c in needed if c not in curve.columns]
    if missing:
        raise KeyError(f"curve has no column {missing[0]!r}; it has {list(curve.columns)}.")
    means = curve.groupby("alpha")[needed[1:]].mean()
    if 0.0 not in means.index:
        raise ValueError("curve must include alpha = 0 (the stage-1 model).")
    return means


@report_wrong_answers
def check_wise_alpha(answer: Any, curve: Any, keep: float = 0.95) -> CheckResult:
    """Exercise 09.1: the alpha that keeps ``keep`` of stage 1's STS-B with the best MRPC dev.

    Both the constraint and the choice use held-out data that is not reported: STS-B's
    *select* half and MRPC's dev set (never the test set).

    Args:
        answer: The learner's alpha.
        curve: The notebook's ``curve`` (one row per alpha and seed: ``alpha``,
            ``stsb_select``, ``mrpc_dev``, ``mrpc_test``); seeds are averaged.
        keep: The share of stage 1's (alpha = 0) STS-B Spearman to keep.

    Returns:
        A ``CheckResult`` with a hint naming the usual slip.

    Example:
        >>> check_wise_alpha(2.0, curve).passed
        False

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    keep = validate.check_number("keep", keep, 0.0, 1.0, low_open=True)
    means = _curve_means(curve)
    name = "alpha"
    alpha = read_number(name, answer)
    kept = means[means.stsb_select >= keep * means.loc[0.0, "stsb_select"]]
    right = float(kept["mrpc_dev"].idxmax())
    if np.isclose(alpha, right):
        return CheckResult(name, True, "looks right.")
    if not any(np.isclose(alpha, a) for a in means.index):
        return CheckResult(name, False, f"pick one of the alphas on the line: {list(means.index)}.")
    if np.isclose(alpha, float(kept["mrpc_test"].idxmax())):
        return CheckResult(name, False, "choose on MRPC's dev set, never on the test set.")
    if np.isclose(alpha, float(means["mrpc_dev"].idxmax())):
        return CheckResult(name, False, f"that alpha keeps less than {keep:.0%} of stage 1's STS-B "
                           "(select half): filter first, then take the best MRPC dev accuracy.")
    return CheckResult(name, False, "keep the alphas whose STS-B select Spearman is at least "
                       f"{keep:.0%} of alpha 0's, then take the one with the best MRPC dev accuracy.")
