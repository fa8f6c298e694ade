"""General plots: histories, confusion matrices, trainable maps, bars (images: ``images``).

Figures are closed before they are returned, so a notebook shows each one
exactly once, when it is the cell's last expression (or via ``display(fig)``).
Nothing here calls ``plt.show()`` or changes ``rcParams``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from utils.validate import check_int, check_labels, check_number, did_you_mean

__all__ = [
    "plot_history",
    "plot_confusion",
    "plot_trainable",
    "plot_bars",
    "new_figure",
    "history_dict",
    "check_text",
    "check_class_names",
]


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6, 4)):
    """A closed figure with a grid of axes (``squeeze=False``): shown once, when returned.

    Example:
        >>> fig, axes = new_figure(1, 2)
        >>> axes.shape
        (1, 2)

    Raises:
        TypeError/ValueError: Counts that are not ints >= 1, or a figsize that is not two
            positive numbers.

    Used in: every ``plot_*`` of ``utils.plotting``.
    """
    import matplotlib.pyplot as plt

    nrows, ncols = check_int("nrows", nrows, low=1), check_int("ncols", ncols, low=1)
    if not isinstance(figsize, tuple | list) or len(figsize) != 2:
        raise TypeError(f"figsize must be (width, height) in inches, got {figsize!r}.")
    figsize = tuple(check_number("figsize", v, low=0, low_open=True) for v in figsize)

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


def check_text(label: str, value: Any) -> None:
    """Raises unless ``value`` is a string or None (a title, a label).

    Raises:
        TypeError: Another type (the value is named).

    Example:
        >>> check_text("title", None)

    Used in: ``utils.plotting``.
    """
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{label} must be a string or None, got {type(value).__name__} {value!r}.")


def check_class_names(class_names: Any) -> list:
    """``class_names`` as a list: a non-empty list (or tuple, array) of names, one per class.

    A string counts as one-letter names (``"abc"`` is ``["a", "b", "c"]``).

    Raises:
        TypeError: An empty sequence, or something that is not a sequence (a number, a dict).

    Example:
        >>> check_class_names(("cat", "dog"))
        ['cat', 'dog']

    Used in: ``plot_confusion``, ``plot_images``.
    """
    if not isinstance(class_names, Sequence | np.ndarray) or len(class_names) == 0:
        raise TypeError(f"class_names must be a non-empty list of names (one per class), got "
                        f"{class_names!r}.")
    return list(class_names)


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
        TypeError: ``history`` is none of the accepted types, ``metric`` not a string.
        KeyError: A history lacks ``metric`` (the message lists the keys it has).

    Example:
        >>> fig = plot_history({"head": {"accuracy": [0.5, 0.7]}})
        >>> fig.axes[0].get_ylabel()
        'accuracy'

    Used in: 02_feature_extraction_workflow.ipynb.
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
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a metric name such as 'accuracy', got {metric!r}.")
    check_text("title", title)
    for name, hist in runs.items():
        if metric not in hist:
            raise KeyError(f"no metric {metric!r} in history {name!r}; it has {sorted(hist)}."
                           f"{did_you_mean(metric, hist)}")
    fig, axes = new_figure()
    ax = axes[0, 0]
    for i, (name, hist) in enumerate(runs.items()):
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
        ValueError: Lengths differ, a label is outside ``class_names`` or not a whole number,
            or probabilities with another number of columns than ``class_names``.
        TypeError: ``class_names`` is empty or not a sequence.

    Example:
        >>> fig = plot_confusion([0, 1, 1], [0, 1, 0], ["cat", "dog"])
        >>> int(fig.axes[0].images[0].get_array()[1, 0])
        1

    Used in: 02_feature_extraction_workflow.ipynb.
    """
    class_names = check_class_names(class_names)
    check_text("title", title)
    k = len(class_names)
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2 and y_pred.shape[1] != 1:
        if y_pred.shape[1] != k:
            raise ValueError(f"y_pred has {y_pred.shape[1]} probability columns for {k} "
                             f"class_names {class_names}.")
        y_pred = y_pred.argmax(-1)
    y_true, y_pred = np.asarray(y_true).ravel(), y_pred.ravel()
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}.")
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        check_labels(f"{name} (labels outside [0, {k - 1}] for class_names {class_names}?)",
                     arr, classes=range(k))
    from sklearn.metrics import confusion_matrix

    counts = confusion_matrix(y_true.astype(int), y_pred.astype(int), labels=list(range(k)))
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
        TypeError: ``model`` is not a Keras layer, or ``title`` not a string.

    Example:
        >>> fig = plot_trainable(backbone)  # doctest: +SKIP
        >>> len(fig.axes[0].patches)  # layers with weights  # doctest: +SKIP

    Used in: 01_trainable_weights_and_freezing.ipynb.
    """
    from matplotlib.patches import Patch

    from utils.freezing import trainable_summary

    check_text("title", title)
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
        ValueError: ``values`` is empty, a NaN/infinite value, a negative std, or ``ylim`` not
            ``(low, high)`` with low < high.
        TypeError: A value that is not a number or a ``(mean, std)`` pair.

    Example:
        >>> fig = plot_bars({"frozen": 0.8, "fine-tuned": (0.9, 0.02)})
        >>> [round(p.get_height(), 2) for p in fig.axes[0].patches]
        [0.8, 0.9]

    Used in: 02_feature_extraction_workflow.ipynb, 03_fine_tuning_low_lr.ipynb.
    """
    if not isinstance(values, Mapping) or not values:
        raise ValueError(f"values must be a non-empty dict name -> value, got {values!r}.")
    means, stds = [], []
    for name, v in values.items():
        if isinstance(v, tuple | list) and len(v) == 2:
            means.append(check_number(f"mean for {name!r}", v[0]))
            stds.append(check_number(f"std for {name!r}", v[1], low=0))
        elif isinstance(v, int | float | np.number) and not isinstance(v, bool):
            means.append(check_number(f"value for {name!r}", v))
            stds.append(0.0)
        else:
            raise TypeError(f"value for {name!r} must be a number or (mean, std), got {v!r}.")
    check_text("ylabel", ylabel)
    check_text("title", title)
    if ylim is not None:
        low, high = (check_number("ylim", v) for v in ylim) if isinstance(
            ylim, tuple | list) and len(ylim) == 2 else (1.0, 0.0)
        if not low < high:
            raise ValueError(f"ylim must be (low, high) with low < high, got {ylim!r}.")
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

