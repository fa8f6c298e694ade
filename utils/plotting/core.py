"""General plots: histories, confusion matrices, images, trainable maps, bars.

Figures are closed before they are returned, so a notebook shows each one
exactly once, when it is the cell's last expression (or via ``display(fig)``).
Nothing here calls ``plt.show()`` or changes ``rcParams``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "plot_history",
    "plot_confusion",
    "plot_images",
    "plot_trainable",
    "plot_bars",
    "new_figure",
    "history_dict",
]


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6, 4)):
    """A closed figure with a grid of axes (``squeeze=False``): shown once, when returned.

    Example:
        >>> fig, axes = new_figure(1, 2)
        >>> axes.shape
        (1, 2)

    Used in: every ``plot_*`` of ``utils.plotting``.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
    plt.close(fig)  # returned, not shown: the notebook displays it once
    return fig, axes


def history_dict(history: Any) -> dict[str, list[float]]:
    """``{metric: values}`` from a keras ``History`` or a dict of metric lists.

    Raises:
        TypeError: ``history`` is neither.

    Used in: ``plot_history``.
    """
    if hasattr(history, "history") and isinstance(history.history, Mapping):
        return dict(history.history)
    if isinstance(history, Mapping) and all(
        isinstance(v, Sequence | np.ndarray) for v in history.values()
    ):
        return {k: list(v) for k, v in history.items()}
    raise TypeError(
        "history must be a keras History (what fit returns), a dict of metric lists, or a "
        f"dict name -> one of those; got {type(history).__name__}."
    )


def plot_history(history: Any, metric: str = "accuracy", title: str | None = None):
    """Plots a metric per epoch, training (solid) and validation (dashed).

    Args:
        history: What ``fit`` returns, its ``.history`` dict, or a dict
            ``name -> history`` to compare several runs on one axes.
        metric: The metric key, e.g. ``"accuracy"`` or ``"loss"``; ``val_<metric>``
            is drawn too when present.
        title: Axes title; defaults to the metric.

    Returns:
        A matplotlib Figure with one axes.

    Raises:
        TypeError: ``history`` is none of the accepted types.
        KeyError: A history lacks ``metric`` (the message lists the keys it has).

    Example:
        >>> fig = plot_history({"head": {"accuracy": [0.5, 0.7]}})
        >>> fig.axes[0].get_ylabel()
        'accuracy'

    Used in: 02_feature_extraction_workflow.ipynb, 03-04.
    """
    if hasattr(history, "history") or (
        isinstance(history, Mapping) and history
        and all(isinstance(v, Sequence | np.ndarray) for v in history.values())
    ):
        runs = {"": history_dict(history)}
    elif isinstance(history, Mapping) and history:
        runs = {str(name): history_dict(h) for name, h in history.items()}
    else:
        raise TypeError(f"history must be a History or a non-empty dict, got {history!r}.")
    fig, axes = new_figure()
    ax = axes[0, 0]
    for i, (name, hist) in enumerate(runs.items()):
        if metric not in hist:
            raise KeyError(f"no metric {metric!r} in history {name!r}; it has {sorted(hist)}.")
        color = f"C{i}"
        label = f"{name} " if name else ""
        epochs = np.arange(1, len(hist[metric]) + 1)
        ax.plot(epochs, hist[metric], "-o", color=color, label=f"{label}train")
        if f"val_{metric}" in hist:
            ax.plot(epochs, hist[f"val_{metric}"], "--s", color=color, label=f"{label}validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(title or metric)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_confusion(
    y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str], title: str | None = None
):
    """Plots the confusion matrix (rows: true class, columns: predicted class).

    Args:
        y_true: Integer true labels.
        y_pred: Integer predicted labels (or class probabilities, argmax is taken).
        class_names: One name per class.
        title: Axes title; defaults to the accuracy.

    Returns:
        A matplotlib Figure; ``fig.axes[0].images[0].get_array()`` holds the counts.

    Raises:
        ValueError: Lengths differ or a label is outside ``class_names``.

    Example:
        >>> fig = plot_confusion([0, 1, 1], [0, 1, 0], ["cat", "dog"])
        >>> int(fig.axes[0].images[0].get_array()[1, 0])
        1

    Used in: 02_feature_extraction_workflow.ipynb, 03.
    """
    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = np.asarray(y_pred)
    y_pred = (y_pred.argmax(-1) if y_pred.ndim == 2 else y_pred).astype(int).ravel()
    k = len(class_names)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}.")
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= k):
            raise ValueError(f"{name} has labels outside [0, {k - 1}] for class_names {list(class_names)}.")
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    fig, axes = new_figure(figsize=(1.0 * k + 2, 1.0 * k + 1.5))
    ax = axes[0, 0]
    ax.imshow(counts, cmap="Blues")
    for i in range(k):
        for j in range(k):
            color = "white" if counts[i, j] > counts.max() / 2 else "black"
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", color=color)
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = float(np.trace(counts) / max(counts.sum(), 1))
    ax.set_title(title or f"accuracy {accuracy:.3f} (n={counts.sum()})")
    fig.tight_layout()
    return fig


def plot_images(
    images: np.ndarray,
    labels: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    ncols: int = 8,
    title: str | None = None,
    predictions: Sequence[int] | None = None,
):
    """Shows images in a grid, each titled with its class (and prediction).

    Args:
        images: (N, H, W, 3) uint8 in [0, 255] or floats in [0, 1] (or (N, H, W)).
        labels: Integer label per image, shown as the class name.
        class_names: Names for the labels; None shows the integers.
        ncols: Images per row.
        title: Figure title.
        predictions: Predicted label per image; titles become ``true -> predicted``
            in red where they differ (for misclassified examples).

    Returns:
        A matplotlib Figure with one axes per image.

    Raises:
        ValueError: No images, lengths differ, or ``ncols < 1``.

    Example:
        >>> fig = plot_images(np.zeros((3, 8, 8, 3), "uint8"), [0, 1, 1], ["a", "b"], ncols=2)
        >>> [ax.get_title() for ax in fig.axes][:3]
        ['a', 'b', 'b']

    Used in: 00_setup_and_tour.ipynb, 02_feature_extraction_workflow.ipynb.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"images must be a non-empty (N, H, W[, C]) array, got shape {images.shape}.")
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}.")
    n = len(images)
    for name, arr in (("labels", labels), ("predictions", predictions)):
        if arr is not None and len(arr) != n:
            raise ValueError(f"{name} has {len(arr)} entries for {n} images.")

    def name_of(label: int) -> str:
        return str(class_names[int(label)]) if class_names is not None else str(int(label))

    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(nrows, ncols, figsize=(1.8 * ncols, 1.9 * nrows + (0.4 if title else 0)))
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n:
            continue
        img = images[i]
        ax.imshow(img.astype("uint8") if img.dtype != np.uint8 and img.max() > 1.0 else img,
                  cmap="gray" if img.ndim == 2 else None)
        if labels is not None:
            text, color = name_of(labels[i]), "black"
            if predictions is not None:
                text += f" -> {name_of(predictions[i])}"
                color = "red" if int(predictions[i]) != int(labels[i]) else "green"
            ax.set_title(text, fontsize=9, color=color)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    # Empty grid cells are removed so fig.axes holds one axes per image.
    for ax in axes.ravel()[n:]:
        fig.delaxes(ax)
    return fig


def plot_trainable(model: Any, title: str | None = None):
    """Shows which layers train: one bar per layer with weights, coloured by ``trainable``.

    Bar height is the layer's parameter count (log scale); green bars train,
    grey bars are frozen. Nested models are walked (see ``utils.freezing``).

    Args:
        model: A built Keras model.
        title: Axes title; defaults to the trainable/total parameter counts.

    Returns:
        A matplotlib Figure; its axes has one bar per layer with weights.

    Raises:
        TypeError: ``model`` is not a Keras layer.

    Example:
        >>> fig = plot_trainable(backbone)  # doctest: +SKIP
        >>> len(fig.axes[0].patches)  # layers with weights  # doctest: +SKIP

    Used in: 01_trainable_weights_and_freezing.ipynb, 03.
    """
    from matplotlib.patches import Patch

    from utils.freezing import trainable_summary

    table = trainable_summary(model, only_weighted=True)
    total = table.trainable_params + table.non_trainable_params
    colors = ["tab:green" if t else "lightgray" for t in table.trainable]
    fig, axes = new_figure(figsize=(min(14, 4 + 0.08 * len(table)), 3.5))
    ax = axes[0, 0]
    ax.bar(np.arange(len(table)), np.maximum(total.to_numpy(), 1), color=colors, width=0.9)
    ax.set_yscale("log")
    ax.set_xlabel("layer with weights (input -> output)")
    ax.set_ylabel("parameters")
    n_train = int(table.trainable_params.sum())
    ax.set_title(title or f"{model.name}: {n_train:,} of {int(total.sum()):,} parameters trainable")
    ax.legend(handles=[Patch(color="tab:green", label="trainable"),
                       Patch(color="lightgray", label="frozen")], loc="upper left")
    step = max(1, len(table) // 12)
    ax.set_xticks(range(0, len(table), step), table.layer[::step], rotation=60, ha="right",
                  fontsize=7)
    fig.tight_layout()
    return fig


def plot_bars(
    values: Mapping[str, float | tuple[float, float]],
    ylabel: str = "",
    title: str | None = None,
    ylim: tuple[float, float] | None = None,
):
    """Bar chart of named values, with error bars for ``(mean, std)`` pairs.

    Args:
        values: ``name -> value`` or ``name -> (mean, std)``.
        ylabel: Y axis label.
        title: Axes title.
        ylim: Y limits, e.g. ``(0, 1)`` for accuracies.

    Returns:
        A matplotlib Figure; each bar is labelled with its value.

    Raises:
        ValueError: ``values`` is empty or a value is not a number or a pair.

    Example:
        >>> fig = plot_bars({"frozen": 0.8, "fine-tuned": (0.9, 0.02)})
        >>> [round(p.get_height(), 2) for p in fig.axes[0].patches]
        [0.8, 0.9]

    Used in: 02_feature_extraction_workflow.ipynb, 03-04.
    """
    if not isinstance(values, Mapping) or not values:
        raise ValueError(f"values must be a non-empty dict name -> value, got {values!r}.")
    means, stds = [], []
    for name, v in values.items():
        if isinstance(v, tuple | list) and len(v) == 2:
            means.append(float(v[0]))
            stds.append(float(v[1]))
        elif isinstance(v, int | float | np.number):
            means.append(float(v))
            stds.append(0.0)
        else:
            raise ValueError(f"value for {name!r} must be a number or (mean, std), got {v!r}.")
    fig, axes = new_figure(figsize=(1.3 * len(values) + 2, 3.5))
    ax = axes[0, 0]
    x = np.arange(len(values))
    bars = ax.bar(x, means, yerr=stds if any(stds) else None, capsize=4,
                  color=[f"C{i}" for i in range(len(values))])
    ax.bar_label(bars, labels=[f"{m:.3f}" for m in means], padding=2, fontsize=9)
    ax.set_xticks(x, list(values), rotation=20 if len(values) > 4 else 0)
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- stages, drift, grids
# (added for 03_fine_tuning_low_lr and 04_strategy_grid)
