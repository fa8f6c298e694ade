"""Tests for the staged-run, weight-drift and grid plots of utils.plotting."""

import numpy as np
import pandas as pd
import pytest

from utils import plotting
from utils.training import StagedHistory


def _run():
    history = {"accuracy": [0.5, 0.6, 0.7, 0.8], "val_accuracy": [0.4, 0.5, 0.6, 0.65]}
    return StagedHistory(history, [("head", 0, 2), ("all", 2, 4)], [10, 100])


def test_plot_stages_draws_one_curve_and_boundaries():
    fig = plotting.plot_stages(_run(), "accuracy")
    ax = fig.axes[0]
    assert len(ax.lines) == 3  # train, val, one boundary
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.5, 0.6, 0.7, 0.8])
    assert list(ax.lines[2].get_xdata()) == [2.5, 2.5]
    assert [t.get_text() for t in ax.texts] == ["head", "all"]
    with pytest.raises(KeyError, match="recorded"):
        plotting.plot_stages(_run(), "loss")
    with pytest.raises(TypeError, match="StagedHistory"):
        plotting.plot_stages({"accuracy": [1.0]}, "accuracy")


def test_plot_weight_drift_one_line_per_run():
    drifts = {"a": {"l1": 0.0, "l2": 0.1}, "b": {"l1": 0.01, "l2": 0.5}}
    fig = plotting.plot_weight_drift(drifts)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1e-6, 0.1])
    with pytest.raises(ValueError, match="same layers"):
        plotting.plot_weight_drift({"a": {"l1": 0.0}, "b": {"l2": 0.0}})
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_weight_drift({})


def test_plot_grid_heatmap_annotates_and_bolds_best():
    table = pd.DataFrame({"probe": [0.8, 0.3], "scratch": [0.4, 0.9]}, index=["near", "far"])
    fig = plotting.plot_grid_heatmap(table, title="grid")
    ax = fig.axes[0]
    texts = {t.get_text(): t.get_fontweight() for t in ax.texts}
    assert texts == {"0.80": "bold", "0.40": "normal", "0.30": "normal", "0.90": "bold"}
    with pytest.raises(TypeError, match="DataFrame"):
        plotting.plot_grid_heatmap([[1, 2]])
    with pytest.raises(TypeError, match="numbers only"):
        plotting.plot_grid_heatmap(pd.DataFrame({"a": ["x"]}))
