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
