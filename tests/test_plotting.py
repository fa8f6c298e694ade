"""Tests of utils.plotting: each plot returns a Figure holding the right data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from utils import freezing, plotting  # noqa: E402


def test_plot_history_single_and_several_runs():
    fig = plotting.plot_history({"accuracy": [0.5, 0.7], "val_accuracy": [0.4, 0.6]})
    assert isinstance(fig, Figure)
    lines = fig.axes[0].get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[0.5, 0.7], [0.4, 0.6]]
    assert fig.axes[0].get_ylabel() == "accuracy"
    fig = plotting.plot_history({"a": {"loss": [1, 0.5]}, "b": {"loss": [2, 1, 0.1]}}, "loss")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["a train", "b train"]


def test_plot_history_accepts_keras_history():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0)
    fig = plotting.plot_history(history, "loss")
    assert len(fig.axes[0].get_lines()[0].get_ydata()) == 2


def test_plot_history_errors():
    with pytest.raises(KeyError, match="no metric 'accuracy'.*'loss'"):
        plotting.plot_history({"loss": [1.0]})
    with pytest.raises(TypeError, match="history"):
        plotting.plot_history([0.1, 0.2])


def test_plot_confusion_counts():
    fig = plotting.plot_confusion([0, 1, 1, 2], [0, 1, 0, 2], ["a", "b", "c"])
    counts = fig.axes[0].images[0].get_array()
    np.testing.assert_array_equal(counts, [[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    assert fig.axes[0].get_title().startswith("accuracy 0.750")
    probs = np.eye(3)[[0, 1, 0, 2]]
    np.testing.assert_array_equal(
        plotting.plot_confusion([0, 1, 1, 2], probs, "abc").axes[0].images[0].get_array(), counts)
    with pytest.raises(ValueError, match="outside"):
        plotting.plot_confusion([0, 3], [0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="2 labels but y_pred has 1"):
        plotting.plot_confusion([0, 1], [0], ["a", "b"])


def test_plot_images_grid_and_predictions():
    images = np.zeros((5, 8, 8, 3), "uint8")
    fig = plotting.plot_images(images, [0, 1, 1, 0, 1], ["cat", "dog"], ncols=2, title="pets")
    assert len(fig.axes) == 5
    assert [ax.get_title() for ax in fig.axes] == ["cat", "dog", "dog", "cat", "dog"]
    assert fig._suptitle.get_text() == "pets"
    fig = plotting.plot_images(images[:2], [0, 1], ["cat", "dog"], predictions=[0, 0])
    assert [ax.get_title() for ax in fig.axes] == ["cat -> cat", "dog -> cat"]
    assert fig.axes[1].title.get_color() == "red"
    with pytest.raises(ValueError, match="3 entries for 5 images"):
        plotting.plot_images(images, [0, 1, 1])
    with pytest.raises(ValueError, match="ncols"):
        plotting.plot_images(images, ncols=0)


def test_plot_trainable_colours_trainable_layers():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="a"),
                              keras.layers.Dense(2, name="b")])
    freezing.freeze_up_to(model, "a")
    fig = plotting.plot_trainable(model)
    bars = fig.axes[0].patches
    assert [round(b.get_height()) for b in bars] == [15, 8]
    assert bars[0].get_facecolor() != bars[1].get_facecolor()
    assert "8 of 23 parameters trainable" in fig.axes[0].get_title()


def test_plot_bars_values_and_error_bars():
    fig = plotting.plot_bars({"frozen": 0.8, "fine-tuned": (0.9, 0.02)}, ylabel="accuracy")
    assert [round(p.get_height(), 2) for p in fig.axes[0].patches] == [0.8, 0.9]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["frozen", "fine-tuned"]
    assert fig.axes[0].get_ylabel() == "accuracy"
    with pytest.raises(TypeError, match="'x'"):
        plotting.plot_bars({"x": "high"})
    with pytest.raises(ValueError, match="non-empty"):
        plotting.plot_bars({})
