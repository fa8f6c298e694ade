"""Plots of the course: every function returns a matplotlib ``Figure``.

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
]


def _new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6, 4)):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
    plt.close(fig)  # returned, not shown: the notebook displays it once
    return fig, axes


def _history_dict(history: Any) -> dict[str, list[float]]:
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
        runs = {"": _history_dict(history)}
    elif isinstance(history, Mapping) and history:
        runs = {str(name): _history_dict(h) for name, h in history.items()}
    else:
        raise TypeError(f"history must be a History or a non-empty dict, got {history!r}.")
    fig, axes = _new_figure()
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
    fig, axes = _new_figure(figsize=(1.0 * k + 2, 1.0 * k + 1.5))
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
    fig, axes = _new_figure(nrows, ncols, figsize=(1.8 * ncols, 1.9 * nrows + (0.4 if title else 0)))
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
    fig, axes = _new_figure(figsize=(min(14, 4 + 0.08 * len(table)), 3.5))
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
    fig, axes = _new_figure(figsize=(1.3 * len(values) + 2, 3.5))
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


def plot_stages(staged_history: Any, metric: str = "accuracy", title: str | None = None):
    """Plots one curve across all stages of a staged run, stage boundaries marked.

    Args:
        staged_history: A ``utils.training.StagedHistory`` (what ``fit_stages`` returns).
        metric: Metric key; ``val_<metric>`` is drawn too when recorded.
        title: Axes title; defaults to the metric.

    Returns:
        A matplotlib Figure: training (solid) and validation (dashed) per epoch,
        a vertical line at each stage boundary and each stage's name on top.

    Raises:
        TypeError: Not a staged history (needs ``.history`` and ``.stages``).
        KeyError: ``metric`` was not recorded (the recorded keys are listed).

    Example:
        >>> run = fit_stages(model, stages, x, y, validation_data=(xv, yv))  # doctest: +SKIP
        >>> plot_stages(run, "accuracy")  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    if not (hasattr(staged_history, "history") and hasattr(staged_history, "stages")):
        raise TypeError(
            "plot_stages needs a StagedHistory (from utils.training.fit_stages), got "
            f"{type(staged_history).__name__}."
        )
    history = staged_history.history
    if metric not in history:
        raise KeyError(f"No metric {metric!r}; recorded: {sorted(history)}.")
    fig, axes = _new_figure(figsize=(7, 4))
    ax = axes[0, 0]
    epochs = np.arange(1, len(history[metric]) + 1)
    ax.plot(epochs, history[metric], "-o", ms=3, color="C0", label=f"train {metric}")
    if f"val_{metric}" in history:
        ax.plot(epochs, history[f"val_{metric}"], "--o", ms=3, color="C1", label=f"val {metric}")
    for k, (name, start, end) in enumerate(staged_history.stages):
        if k:
            ax.axvline(start + 0.5, color="grey", lw=1, ls=":")
        ax.text((start + end) / 2 + 0.5, 1.01, name, transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=9)
    ax.set_xlabel("epoch (all stages)")
    ax.set_ylabel(metric)
    ax.set_title(title or metric, pad=18)
    ax.legend(loc="best", fontsize=8)
    return fig


def plot_weight_drift(drifts: Mapping[str, Mapping[str, float]], title: str | None = None):
    """Plots per-layer relative weight drift, one line per run, input side on the left.

    Args:
        drifts: ``{run label: {layer name: drift}}`` (``utils.training.weight_drift``
            values), every run over the same layers in depth order.
        title: Axes title.

    Returns:
        A matplotlib Figure with a log-scale y axis (drift 0 is drawn at 1e-6).

    Raises:
        ValueError: No runs, or runs over different layers.

    Example:
        >>> drift = {"lr=1e-3": weight_drift(model, before)}  # doctest: +SKIP
        >>> plot_weight_drift(drift)  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    if not drifts:
        raise ValueError("drifts is empty: pass {run label: {layer: drift}}.")
    layer_lists = [list(d) for d in drifts.values()]
    if any(names != layer_lists[0] for names in layer_lists):
        raise ValueError("every run must cover the same layers in the same order.")
    fig, axes = _new_figure(figsize=(8, 4))
    ax = axes[0, 0]
    x = np.arange(len(layer_lists[0]))
    for label, drift in drifts.items():
        ax.plot(x, np.maximum(np.array(list(drift.values()), dtype=float), 1e-6), label=label)
    ax.set_yscale("log")
    ax.set_xlabel("layer (input side -> output side)")
    ax.set_ylabel("relative drift ||w - w0|| / ||w0||")
    ax.set_title(title or "How far fine-tuning moved each layer")
    ax.legend(fontsize=8)
    return fig


def plot_grid_heatmap(
    table: Any, title: str | None = None, fmt: str = ".2f", cmap: str = "viridis",
    vmin: float | None = None, vmax: float | None = None,
):
    """Draws a table of numbers (e.g. accuracy per setting x strategy) as an annotated heatmap.

    Args:
        table: A pandas DataFrame (rows x columns, numbers); cells may be strings
            like ``"0.81 ± 0.02"`` only if a numeric ``table`` is passed instead.
        title: Axes title.
        fmt: Number format of the annotations.
        cmap: Matplotlib colormap.
        vmin: Lower end of the colour scale (default: the smallest value).
        vmax: Upper end of the colour scale (default: the largest value).

    Returns:
        A matplotlib Figure; the best column of each row is annotated in bold.

    Raises:
        TypeError: ``table`` is not a DataFrame of numbers.

    Example:
        >>> df = pd.DataFrame({"probe": [0.8], "scratch": [0.3]}, index=["flowers"])  # doctest: +SKIP
        >>> plot_grid_heatmap(df)  # doctest: +SKIP

    Used in: 04_strategy_grid.ipynb.
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}.")
    try:
        values = table.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise TypeError("table must hold numbers only (format them in the annotations).") from None
    fig, axes = _new_figure(figsize=(1.6 * values.shape[1] + 2.5, 0.7 * values.shape[0] + 1.8))
    ax = axes[0, 0]
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    fig.colorbar(image, ax=ax)
    ax.set_xticks(range(values.shape[1]), [str(c) for c in table.columns], rotation=20, ha="right")
    ax.set_yticks(range(values.shape[0]), [str(i) for i in table.index])
    low, high = np.nanmin(values), np.nanmax(values)
    for i in range(values.shape[0]):
        best = int(np.nanargmax(values[i])) if np.isfinite(values[i]).any() else -1
        for j in range(values.shape[1]):
            dark = (values[i, j] - low) < 0.5 * (high - low + 1e-12)
            ax.text(j, i, format(values[i, j], fmt), ha="center", va="center",
                    color="white" if dark else "black",
                    fontweight="bold" if j == best else "normal")
    ax.set_title(title or "")
    return fig


__all__ += ["plot_stages", "plot_weight_drift", "plot_grid_heatmap"]
