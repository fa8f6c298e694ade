"""Plots of staged training: stage curves, per-layer weight drift, the strategy grid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from utils.plotting.core import check_text, new_figure
from utils.validate import check_number, did_you_mean

__all__ = ["plot_stages", "plot_weight_drift", "plot_grid_heatmap", "plot_step_losses"]


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
    check_text("title", title)
    if not isinstance(metric, str) or metric not in history:
        raise KeyError(f"No metric {metric!r}; recorded: {sorted(history)}."
                       f"{did_you_mean(metric, history)}")
    fig, axes = new_figure(figsize=(7, 4))
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
        ValueError: No runs, runs over different layers, or a drift that is negative, NaN
            or infinite.
        TypeError: ``drifts`` is not a dict of dicts, or a drift is not a number.

    Example:
        >>> drift = {"lr=1e-3": weight_drift(model, before)}  # doctest: +SKIP
        >>> plot_weight_drift(drift)  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    if not isinstance(drifts, Mapping) or not all(isinstance(d, Mapping) for d in drifts.values()):
        raise TypeError(f"drifts must be a dict {{run label: {{layer: drift}}}}, got "
                        f"{type(drifts).__name__}.")
    if not drifts:
        raise ValueError("drifts is empty: pass {run label: {layer: drift}}.")
    check_text("title", title)
    for label, drift in drifts.items():
        for layer, value in drift.items():
            check_number(f"drift of {layer!r} in run {label!r}", value, low=0)
    layer_lists = [list(d) for d in drifts.values()]
    if any(names != layer_lists[0] for names in layer_lists):
        raise ValueError("every run must cover the same layers in the same order.")
    fig, axes = new_figure(figsize=(8, 4))
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
        TypeError: ``table`` is not a DataFrame of numbers, ``vmin``/``vmax`` not numbers.
        ValueError: An empty table, a bad ``fmt``, an unknown ``cmap`` (close names are
            suggested), or ``vmin >= vmax``.

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
    if values.size == 0:
        raise ValueError(f"table is empty (shape {values.shape}): pass rows x columns of numbers.")
    check_text("title", title)
    try:
        format(0.5, fmt)
    except (TypeError, ValueError):
        raise ValueError(f"fmt must be a number format such as '.2f' or '.1%', got {fmt!r}.") from None
    import matplotlib

    if not isinstance(cmap, str | matplotlib.colors.Colormap):
        raise TypeError(f"cmap must be a colormap name such as 'viridis', got {cmap!r}.")
    if isinstance(cmap, str) and cmap not in matplotlib.colormaps:
        raise ValueError(f"unknown cmap {cmap!r}; e.g. 'viridis', 'Blues', 'magma'."
                         f"{did_you_mean(cmap, list(matplotlib.colormaps))}")
    vmin = None if vmin is None else check_number("vmin", vmin)
    vmax = None if vmax is None else check_number("vmax", vmax)
    if vmin is not None and vmax is not None and not vmin < vmax:
        raise ValueError(f"vmin must be below vmax, got vmin={vmin!r}, vmax={vmax!r}.")
    fig, axes = new_figure(figsize=(1.6 * values.shape[1] + 2.5, 0.7 * values.shape[0] + 1.8))
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



def plot_step_losses(losses: Mapping[str, Any], reference: str, title: str | None = None):
    """Plots runs' per-step losses and, on a log scale, how far each is from a reference run.

    Two runs that should be the same computation (one device vs several) overlap on the left;
    the right panel shows by how much they differ: float32 rounding sits near 1e-7, a real
    change of the run near 1e-1.

    Args:
        losses: ``{run label: per-step losses}`` (``utils.distribution.train_steps`` output),
            every run the same number of steps.
        reference: The label of the run the others are compared with.
        title: Title of the left panel.

    Returns:
        A matplotlib Figure with two panels (a difference of 0 is drawn at 1e-9).

    Raises:
        TypeError: ``losses`` not a dict of 1-D number sequences.
        ValueError: Fewer than 2 runs, runs of different lengths, a non-finite loss, or a
            ``reference`` that is not one of the labels (the labels are named).

    Example:
        >>> plot_step_losses({"1 device": a, "2 devices": b}, reference="1 device")  # doctest: +SKIP

    Used in: 10_scale_out.ipynb.
    """
    if not isinstance(losses, Mapping):
        raise TypeError(f"losses must be a dict {{run label: per-step losses}}, got {type(losses).__name__}.")
    if len(losses) < 2:
        raise ValueError(f"plot_step_losses compares runs: give at least 2, got {len(losses)}.")
    if reference not in losses:
        raise ValueError(f"reference {reference!r} is not a run{did_you_mean(reference, losses)}; "
                         f"runs: {list(losses)}.")
    check_text("title", title)
    arrays = {}
    for label, values in losses.items():
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"losses of run {label!r} must be numbers, got {values!r:.60}.") from None
        if arr.ndim != 1 or not np.isfinite(arr).all():
            raise ValueError(f"losses of run {label!r} must be a 1-D sequence of finite numbers.")
        arrays[label] = arr
    lengths = {label: len(a) for label, a in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"every run must have the same number of steps, got {lengths}.")
    fig, axes = new_figure(1, 2, figsize=(10, 3.5))
    steps = np.arange(1, lengths[reference] + 1)
    for style, (label, arr) in zip(("-", "--", ":", "-."), arrays.items(), strict=False):
        axes[0, 0].plot(steps, arr, style, marker="o", markersize=3, label=label)
        if label != reference:
            axes[0, 1].plot(steps, np.maximum(np.abs(arr - arrays[reference]), 1e-9), marker="o",
                            markersize=3, label=label)
    axes[0, 0].set(xlabel="optimizer step", ylabel="training loss", title=title or "Loss per step")
    axes[0, 1].set(xlabel="optimizer step", ylabel=f"|loss - loss of {reference}|", yscale="log",
                   title=f"Difference from {reference}")
    for ax in axes[0]:
        ax.legend(fontsize=8)
    return fig
