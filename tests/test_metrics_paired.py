"""Paired statistics of utils.metrics: intervals over seeds, bootstrap over seeds and examples,
McNemar's exact test. NumPy and SciPy only, well under a second."""

import numpy as np
import pytest
from scipy import stats

from utils import metrics


def test_paired_interval_matches_the_paired_t_test():
    rng = np.random.default_rng(0)
    a = rng.normal(0.78, 0.01, 10)
    b = a + rng.normal(0.03, 0.01, 10)
    r = metrics.paired_interval(a, b)
    diff = b - a
    half = stats.t.ppf(0.975, 9) * diff.std(ddof=1) / np.sqrt(10)
    assert r["mean"] == pytest.approx(diff.mean()) and r["std"] == pytest.approx(diff.std(ddof=1))
    assert (r["low"], r["high"]) == pytest.approx((diff.mean() - half, diff.mean() + half))
    # the interval excludes 0 exactly when the paired t-test rejects at 5 %
    assert (r["low"] > 0) == (stats.ttest_rel(b, a).pvalue < 0.05)
    assert r["n"] == 10 and r["wins"] == int((diff > 0).sum())


def test_paired_bootstrap_without_a_difference_is_zero_wide():
    a = np.array([[1, 0, 1, 1, 0]] * 4, float)
    r = metrics.paired_bootstrap(a, a.copy(), n_boot=200)
    assert r["mean"] == r["low"] == r["high"] == 0.0 and r["p_le_0"] == 1.0


def test_paired_bootstrap_covers_a_known_effect_and_follows_its_seed():
    rng = np.random.default_rng(1)
    a = (rng.random((5, 400)) < 0.75).astype(float)
    b = np.where(rng.random((5, 400)) < 0.1, 1.0, a)  # b fixes ~10 % of examples, breaks none
    r = metrics.paired_bootstrap(a, b, n_boot=500, seed=3)
    assert r["low"] < r["mean"] < r["high"] and r["low"] > 0 and r["p_le_0"] == 0.0
    assert metrics.paired_bootstrap(a, b, n_boot=500, seed=3) == r
    one_d = metrics.paired_bootstrap(a.mean(1), b.mean(1), n_boot=500)  # per-seed numbers only
    assert one_d["mean"] == pytest.approx(r["mean"])


def test_mcnemar_exact_p_value():
    a = np.array([1] * 10 + [0] * 9 + [1] * 1 + [0] * 5)
    b = np.array([1] * 10 + [1] * 9 + [0] * 1 + [0] * 5)
    r = metrics.mcnemar(a, b)
    assert (r["a_only"], r["b_only"]) == (1, 9)
    assert r["p_value"] == pytest.approx(2 * 11 / 1024)
    assert metrics.mcnemar(a, a)["p_value"] == 1.0


@pytest.mark.parametrize("call, match", [
    (lambda: metrics.paired_interval([0.1, 0.2], [0.1]), "paired"),
    (lambda: metrics.paired_interval([0.1], [0.2]), ">= 2 seeds"),
    (lambda: metrics.paired_interval([0.1, np.nan], [0.2, 0.3]), "NaN"),
    (lambda: metrics.paired_interval([0.1, 0.2], [0.2, 0.3], confidence=95), "confidence"),
    (lambda: metrics.paired_bootstrap([[1, 0]], [[1, 0, 1]]), "paired"),
    (lambda: metrics.paired_bootstrap([1, 0], [1, 1], n_boot=10), "n_boot"),
    (lambda: metrics.paired_bootstrap(np.zeros((2, 2, 2)), np.zeros((2, 2, 2))), "1-D"),
    (lambda: metrics.mcnemar([1, 0, 2], [1, 1, 1]), "0 \\(wrong\\) and 1 \\(right\\)"),
    (lambda: metrics.mcnemar([[1, 0]], [[1, 1]]), "1-D"),
    (lambda: metrics.mcnemar(["a"], ["b"]), "numbers"),
])
def test_paired_statistics_reject_bad_input(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def _run(arm, seed, accs, rhos):
    """A run_arm-shaped record: one stage per (accuracy, Spearman) after the checkpoint."""
    stages = [{"stage": i, "metrics": {"mrpc_test_accuracy": a, "stsb_dev_spearman": r}}
              for i, (a, r) in enumerate(zip(accs, rhos))]
    return {"arm": arm, "seed": seed, "stages": stages}


def test_paired_gains_pairs_by_seed_and_uses_stored_predictions():
    runs = [_run("A", s, [0.5, 0.70 + 0.01 * s], [0.8, 0.8]) for s in range(4)]
    runs += [_run("B", s, [0.5, 0.6, 0.75 + 0.01 * s], [0.8, 0.9, 0.85]) for s in (3, 2, 1, 0)]
    table = metrics.paired_gains(runs)
    assert list(table.index) == ["B"]
    row = table.loc["B"]
    # B - A is +0.05 on every seed (listed in another order): zero spread, a zero-width interval
    assert row["gain"] == pytest.approx(0.05) and row["std"] == pytest.approx(0, abs=1e-12)
    assert row["wins"] == 4 and row["n_seeds"] == 4
    # with per-example outputs: B right on 2 more of 40 pairs in every seed
    rng = np.random.default_rng(0)
    preds = {}
    for s in range(4):
        a = rng.integers(0, 2, 40)
        b = a.copy()
        b[np.flatnonzero(a == 0)[:2]] = 1
        preds[f"A|{s}|1|mrpc_test_correct"], preds[f"B|{s}|2|mrpc_test_correct"] = a, b
    row = metrics.paired_gains(runs, predictions=preds).loc["B"]
    # every per-pair difference is 0 or +1: no replicate can go below 0, and it brackets 2/40
    assert 0 <= row["boot_low"] < 0.05 < row["boot_high"]
    assert row["mcnemar_p05"] == 0 and row["mcnemar_median_p"] == pytest.approx(0.5), (
        "2 discordant pairs, both for B, give the exact two-sided p = 2 * 0.5**2 = 0.5")
    with pytest.raises(KeyError, match="reference arm 'Z'"):
        metrics.paired_gains(runs, reference="Z")


def test_forgetting_is_before_minus_after_with_an_interval():
    runs = [_run("B", s, [0.5, 0.6, 0.8], [0.8, 0.90, 0.85 - 0.01 * s]) for s in range(5)]
    f = metrics.forgetting(runs)
    assert f["mean"] == pytest.approx(0.07) and f["wins"] == 5 and f["n"] == 5
    assert f["low"] < f["mean"] < f["high"] and f["before"] == pytest.approx(0.9)
    with pytest.raises(ValueError, match="cannot compare stage 1 with stage 3"):
        metrics.forgetting(runs, second=3)
    with pytest.raises(KeyError, match="no runs of arm 'R'"):
        metrics.forgetting(runs, arm="R")
