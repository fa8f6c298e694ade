"""Plots of the experiments of notebooks 06-08: arms across stages, heads, self-training.

Each takes the runner's result or its ``utils.experiments`` summary table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.validate import check_items, check_number, did_you_mean

__all__ = ["plot_arm_stages", "plot_frontier", "plot_head_comparison", "plot_self_training"]


def _check_table(table: Any, metric: Any) -> None:
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame (a utils.experiments summary), got "
                        f"{type(table).__name__}.")
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a column name such as 'dev_accuracy', got {metric!r}.")


def plot_arm_stages(runs: list[dict[str, Any]], metrics: tuple[str, ...] = (
        "mrpc_test_accuracy", "stsb_dev_spearman")) -> Any:
    """One curve per arm across its stages (stage 0 = the downloaded checkpoint).

    Args:
        runs: Results of ``utils.experiments.run_arm``; several seeds of an arm are averaged.
        metrics: One panel per metric.

    Returns:
        A matplotlib ``Figure`` (not shown).

    Raises:
        ValueError: ``runs`` or ``metrics`` is empty.
        TypeError: ``metrics`` is a string, not strings, or ``runs`` not a list of dicts.
        KeyError: A metric no stage recorded (as ``summarize_runs``).

    Example:
        >>> fig = plot_arm_stages(results)

    Used in: 06_double_fine_tuning.ipynb.
    """
    import matplotlib.pyplot as plt

    from utils.experiments.reports import summarize_runs

    if isinstance(metrics, str):
        raise TypeError(f"metrics must be a tuple of names such as ({metrics!r},), got a string.")
    metrics = tuple(check_items("metrics", metrics, str))
    table = summarize_runs(runs, metrics).reset_index()
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for arm, rows in table.groupby("arm"):
            labels = " -> ".join(rows["kind"].tolist()[1:])
            ax.errorbar(rows["stage"], rows[metric], yerr=rows[f"{metric}_std"].fillna(0),
                        marker="o", capsize=3, label=f"{arm}: {labels}")
        ax.set_xlabel("stage (0 = checkpoint as downloaded)")
        ax.set_ylabel(metric)
        ax.set_xticks(sorted(table["stage"].unique()))
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_head_comparison(
    table: Any, metric: str = "dev_accuracy", baseline: float | None = None
) -> Any:
    """Bars of one metric per head, frozen vs fine-tuned side by side, std as error bars.

    A head run in one setting only (say frozen, not fine-tuned) gets a bar in that setting only.

    Args:
        table: From ``summarize_head_runs``.
        metric: A metric column, e.g. ``"dev_accuracy"`` or ``"test_f1"``.
        baseline: Draws a dashed line (e.g. the majority-class accuracy).

    Returns:
        A matplotlib ``Figure`` (not shown).

    Raises:
        KeyError: ``metric`` (or its ``_std``, ``head``, ``fine_tuned``) is not in ``table``.
        TypeError: ``table`` is not a DataFrame, ``baseline`` not a number.

    Example:
        >>> fig = plot_head_comparison(summarize_head_runs(records), "dev_accuracy", 0.684)
        >>> fig.axes[0].get_ylabel()

    Used in: 07_heads_on_encoders.ipynb.
    """
    import matplotlib.pyplot as plt

    _check_table(table, metric)
    if metric not in table.columns or f"{metric}_std" not in table.columns:
        options = [c for c in table.columns if str(c).endswith(("_accuracy", "_f1"))
                   and not str(c).endswith("_std")]
        raise KeyError(f"no metric {metric!r} (with {metric!r}_std) in the table; available: "
                       f"{options}.{did_you_mean(metric, options)}")
    baseline = None if baseline is None else check_number("baseline", baseline)
    flat = table.reset_index()
    missing = [c for c in ("head", "fine_tuned") if c not in flat.columns]
    if missing:
        raise KeyError(f"table lacks {missing}: pass summarize_head_runs(records).")
    heads = list(dict.fromkeys(flat["head"]))
    settings = list(dict.fromkeys(flat["fine_tuned"]))
    fig, ax = plt.subplots(figsize=(1.8 * len(heads) + 2.5, 3.8))
    plt.close(fig)
    width = 0.8 / len(settings)
    for i, setting in enumerate(settings):
        rows = flat[flat["fine_tuned"] == setting].set_index("head").reindex(heads)
        xs = np.arange(len(heads)) + (i - (len(settings) - 1) / 2) * width
        bars = ax.bar(xs, rows[metric], width, yerr=rows[f"{metric}_std"], capsize=3,
                      label="fine-tuned encoder" if setting else "frozen encoder (head only)")
        ax.bar_label(bars, labels=[f"{v:.3f}" for v in rows[metric]], padding=2, fontsize=8)
    if baseline is not None:
        ax.axhline(baseline, color="gray", linestyle="--", label=f"majority class {baseline:.3f}")
    ax.set_xticks(np.arange(len(heads)), heads)
    ax.set_ylabel(metric)
    low = float(np.nanmin(flat[metric])) if baseline is None else min(baseline, float(np.nanmin(flat[metric])))
    ax.set_ylim(max(0.0, low - 0.1), 1.0)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_self_training(table: Any, metric: str = "dev_accuracy") -> Any:
    """Two panels: ``metric`` over rounds and pseudo-labels kept, one line per threshold.

    Args:
        table: From ``summarize_self_training``.
        metric: Column drawn in the left panel.

    Returns:
        A matplotlib ``Figure`` (not shown).

    Raises:
        KeyError: ``metric`` or ``threshold``/``round``/``n_kept`` is not a column.
        TypeError: ``table`` is not a DataFrame. ValueError: No round-0 row.

    Example:
        >>> fig = plot_self_training(summarize_self_training(result))
        >>> len(fig.axes)
        2

    Used in: 08_self_training.ipynb.
    """
    import matplotlib.pyplot as plt

    _check_table(table, metric)
    missing = [c for c in (metric, "threshold", "round", "n_kept") if c not in table.columns]
    if missing:
        raise KeyError(f"no column {missing[0]!r}; available: {list(table.columns)}."
                       f"{did_you_mean(missing[0], table.columns)}")
    if not (table["round"] == 0).any():
        raise ValueError("table has no round 0 (the supervised baseline): pass "
                         "summarize_self_training(result).")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    plt.close(fig)
    for threshold, rows in table.groupby("threshold"):
        axes[0].plot(rows["round"], rows[metric], marker="o", label=f"threshold {threshold}")
        axes[1].plot(rows["round"], rows["n_kept"], marker="o", label=f"threshold {threshold}")
    base = table.loc[table["round"] == 0, metric].iloc[0]
    axes[0].axhline(base, color="gray", linestyle="--", label="supervised only")
    axes[0].set_ylabel(metric)
    axes[1].set_ylabel("pseudo-labels kept")
    for ax in axes:
        ax.set_xlabel("round (0 = labeled data only)")
        ax.set_xticks(sorted(table["round"].unique()))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_frontier(points: Any, curve: Any = None, x: str = "stsb_kept", y: str = "mrpc_gain",
                  label: str = "label") -> Any:
    """Gain on the new task against what the old task kept: one point per method x setting x seed.

    Args:
        points: A DataFrame with columns ``x``, ``y`` and ``label`` (one row per run); each
            label gets its own marker and colour, its seeds drawn faintly and its mean boldly.
        curve: Optional DataFrame with ``x``, ``y`` and ``alpha`` columns (the WiSE-FT line,
            one row per alpha, seeds averaged), drawn through and annotated with alpha.
        x, y: The axes' columns (default: STS-B Spearman kept, MRPC accuracy gained).
        label: The column that names a method and setting.

    Returns:
        A matplotlib ``Figure`` (not shown): up and to the right is better on both tasks.

    Raises:
        TypeError: ``points`` (or ``curve``) is not a DataFrame.
        KeyError: A named column is missing (the message lists the columns there are).

    Example:
        >>> plot_frontier(table, curve)

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    import matplotlib.pyplot as plt
    import pandas as pd

    for name, frame, needed in (("points", points, (x, y, label)), ("curve", curve, (x, y, "alpha"))):
        if frame is None and name == "curve":
            continue
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise KeyError(f"{name} has no column {missing[0]!r}{did_you_mean(missing[0], frame.columns)}; "
                           f"it has {list(frame.columns)}.")
    fig, ax = plt.subplots(figsize=(7.5, 5))
    markers = "osD^vP*Xh<>"
    for i, (name, rows) in enumerate(points.groupby(label, sort=False)):
        colour = f"C{i % 10}"
        ax.scatter(rows[x], rows[y], color=colour, alpha=0.35, s=18, marker=markers[i % len(markers)])
        ax.scatter(rows[x].mean(), rows[y].mean(), color=colour, s=80, edgecolor="black",
                   marker=markers[i % len(markers)], label=f"{name} (n={len(rows)})", zorder=3)
    if curve is not None:
        ax.plot(curve[x], curve[y], color="black", lw=1.5, ls="--", zorder=2,
                label="interpolation (WiSE-FT)")
        for _, row in curve.iterrows():
            ax.annotate(f"α={row['alpha']:g}", (row[x], row[y]), textcoords="offset points",
                        xytext=(4, 4), fontsize=8)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(y.replace("_", " "))
    ax.set_title("Fine-tuning twice: new-task gain vs old-task kept (up and right is better)")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    plt.close(fig)
    return fig
