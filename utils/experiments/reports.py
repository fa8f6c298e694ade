"""Tables of the experiments: mean and std (ddof = 1) over seeds, one row per setting.

Each takes what its runner returns (``run_arm``, ``run_head_arm``, ``run_self_training``)
and gives a pandas DataFrame; the plots of the same results are in ``utils.plotting``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.validate import check_items, did_you_mean

__all__ = ["summarize_runs", "summarize_head_runs", "summarize_self_training"]

_REPORT = ("mrpc_dev_accuracy", "mrpc_test_accuracy", "mrpc_test_f1", "stsb_dev_spearman")


def _records(label: str, items: Any, keys: tuple[str, ...], source: str) -> list[dict]:
    """``items`` as a list of dicts that each have ``keys`` (a generator is read once)."""
    records = check_items(label, items, dict, allow_empty=True)
    if not records:
        raise ValueError(f"{label} is empty: pass the results of {source}.")
    for i, record in enumerate(records):
        missing = [k for k in keys if k not in record]
        if missing:
            raise KeyError(f"{label}[{i}] lacks {missing}: pass what {source} returned.")
    return records


def summarize_runs(runs: list[dict[str, Any]], metrics: tuple[str, ...] = _REPORT) -> Any:
    """One row per (arm, stage): mean and std (ddof = 1) over seeds of each metric.

    Args:
        runs: Results of ``run_arm`` (any arms, any seeds).
        metrics: Metric names to aggregate.

    Returns:
        A pandas DataFrame indexed by (arm, stage) with ``<metric>`` (mean),
        ``<metric>_std`` and ``n_seeds`` columns, plus ``kind``.

    Raises:
        ValueError: ``runs`` is empty.
        TypeError: ``runs`` is not a list of dicts, ``metrics`` a string or not strings.
        KeyError: A run lacks ``arm``/``seed``/``stages``, or a metric you name is in no stage
            (the recorded ones are named, with close matches).

    Example:
        >>> summarize_runs([run_arm("A", data, seed=s, models=m) for s in (0, 1)])

    Used in: 06_double_fine_tuning.ipynb, ``utils.plotting.experiments``.
    """
    import pandas as pd

    runs = _records("runs", runs, ("arm", "seed", "stages"), "run_arm")
    if isinstance(metrics, str):
        raise TypeError(f"metrics must be a tuple of names such as ({metrics!r},), got a string.")
    named, metrics = metrics is not _REPORT, tuple(check_items("metrics", metrics, str))
    recorded = {m for run in runs for stage in run["stages"] for m in stage.get("metrics", {})}
    for m in metrics:
        if named and m not in recorded:  # the defaults may be absent: NaN, as before
            raise KeyError(f"no stage recorded metric {m!r}; recorded: {sorted(recorded)}."
                           f"{did_you_mean(m, recorded)}")
    rows = []
    for run in runs:
        for stage in run["stages"]:
            row = {"arm": run["arm"], "stage": stage["stage"], "kind": stage["kind"],
                   "seed": run["seed"]}
            row.update({m: stage["metrics"].get(m, np.nan) for m in metrics})
            rows.append(row)
    grouped = pd.DataFrame(rows).groupby(["arm", "stage"])
    table = grouped[list(metrics)].mean().join(
        grouped[list(metrics)].std(ddof=1).add_suffix("_std"))
    table["n_seeds"] = grouped["seed"].nunique()
    table["kind"] = grouped["kind"].first()
    return table


def summarize_head_runs(records: list[dict[str, Any]]) -> Any:
    """Mean and std over seeds of every score, one row per (setting, head).

    Args:
        records: Results of ``run_head_arm``.

    Returns:
        A pandas DataFrame indexed by (``fine_tuned``, ``head``) with ``<metric>`` (mean),
        ``<metric>_std`` (0 for one seed), ``head_params`` and ``n_seeds``.

    Raises:
        ValueError: ``records`` is empty.
        TypeError: ``records`` is not a list of dicts.
        KeyError: A record lacks ``head``/``fine_tuned``/``seed``/``head_params``.

    Example:
        >>> summarize_head_runs(records).loc[(True, "cls"), "dev_accuracy"]

    Used in: 07_heads_on_encoders.ipynb.
    """
    import pandas as pd

    records = _records("records", records, ("head", "fine_tuned", "seed", "head_params"),
                       "run_head_arm")
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "history"} for r in records])
    metrics = [c for c in frame.columns if c.endswith(("_accuracy", "_f1"))]
    grouped = frame.groupby(["fine_tuned", "head"], sort=False)
    table = grouped[metrics].mean()
    table = table.join(grouped[metrics].std(ddof=1).fillna(0.0).add_suffix("_std"))
    table["head_params"] = grouped["head_params"].first()
    table["n_seeds"] = grouped["seed"].nunique()
    return table


def summarize_self_training(result: dict[str, Any]) -> Any:
    """One row per (threshold, round), the supervised round 0 repeated for each threshold.

    Args:
        result: From ``run_self_training``.

    Returns:
        A pandas DataFrame with columns ``threshold``, ``round``, ``n_kept``, ``n_train``,
        ``dev_accuracy``, ``dev_f1`` and, when audited, ``pseudo_accuracy``,
        ``teacher_pool_accuracy``, ``pool_accuracy``.

    Raises:
        TypeError: ``result`` is not a dict. KeyError: ``result`` lacks ``supervised``/``runs``.

    Example:
        >>> summarize_self_training(result).query("round == 1")

    Used in: 08_self_training.ipynb.
    """
    import pandas as pd

    if not isinstance(result, dict):
        raise TypeError(f"result must be the dict run_self_training returns, got "
                        f"{type(result).__name__}.")
    missing = [k for k in ("supervised", "runs") if k not in result]
    if missing:
        raise KeyError(f"result lacks {missing}: pass what run_self_training returned.")
    rows = []
    for threshold, records in result["runs"].items():
        rows.append(dict(result["supervised"], threshold=threshold))
        rows.extend(records)
    frame = pd.DataFrame(rows)
    first = ["threshold", "round", "n_kept", "n_train", "dev_accuracy", "dev_f1"]
    return frame[first + [c for c in frame.columns if c not in first]]
