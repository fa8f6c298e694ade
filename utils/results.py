"""Reference results: notebooks record their key numbers, README shows them.

A notebook ends with ``record_results("02_feature_extraction_workflow", {...})``. Nothing is
written unless ``TL_RECORD_RESULTS=1`` (``make results`` sets it), so CI and everyday runs
leave ``results/`` alone. Each file says which profile, seed, hardware and versions made it.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from utils import config

__all__ = ["RESULTS_DIR", "describe_hardware", "load_results", "load_seed_records", "record_results"]

RESULTS_DIR = config.PROJECT_ROOT / "results"
_IMPORTED = time.monotonic()  # notebooks import utils in their first code cell: wall time counts from here


def _plain(value: Any, where: str = "metrics") -> Any:
    """Converts NumPy scalars/arrays and tuples into JSON-friendly Python values.

    Raises:
        TypeError: A value JSON cannot hold (its place in ``metrics`` is named).
    """
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if hasattr(value, "tolist"):
        return _plain(value.tolist(), where)
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    if value is None or isinstance(value, str | int):  # bool is an int
        return value
    raise TypeError(f"{where} has type {type(value).__name__} ({str(value)[:60]!r}): record "
                    "numbers, strings, lists and dicts of them only.")


def _check_stem(notebook: Any) -> str:
    if not isinstance(notebook, str):
        raise TypeError(f"notebook must be a string such as '02_feature_extraction_workflow', "
                        f"got {type(notebook).__name__} {notebook!r}.")
    if not (len(notebook) > 3 and notebook[:2].isdigit() and notebook[2] == "_"):
        raise ValueError(f"notebook must be a stem like '02_feature_extraction_workflow', got {notebook!r}.")
    return notebook


def _folder(directory: Any) -> Path:
    if directory is None:
        return RESULTS_DIR
    if not isinstance(directory, str | os.PathLike):
        raise TypeError(f"directory must be a path (str or Path) or None, got "
                        f"{type(directory).__name__} {directory!r}.")
    return Path(directory)


def record_results(
    notebook: str,
    metrics: dict[str, Any],
    profile: str | None = None,
    seed: int | None = None,
    directory: Path | None = None,
) -> Path | None:
    """Writes ``<directory>/<notebook>.<profile>.json`` when ``TL_RECORD_RESULTS=1``.

    Besides the metrics the file holds the profile, seed, versions, hardware, and the wall time
    in seconds since ``utils.results`` was imported (the notebook's first code cell).

    Args:
        notebook: The notebook's file stem, e.g. ``"02_feature_extraction_workflow"``.
        metrics: Key numbers of the run (nested dicts/lists of numbers and strings).
        profile: Profile that produced them; None reads ``TL_PROFILE``.
        seed: Seed that produced them; None reads ``TL_SEED``.
        directory: Where to write; None means the project's ``results/``.

    Returns:
        The written path, or None when recording is off.

    Raises:
        TypeError: ``notebook`` is not a string, ``metrics`` not a dict, a metric JSON cannot
            hold (its key is named), or ``directory`` not a path. Checked when recording is
            off too, so CI finds what ``make results`` would trip on.
        ValueError: ``notebook`` is not a course notebook stem (``NN_name``), or a bad
            ``profile``/``seed`` (see ``utils.config``).

    Example:
        >>> record_results("00_setup_and_tour", {"acc": 0.8}) is None  # recording off
        True

    Used in: 00_setup_and_tour.ipynb, 01_trainable_weights_and_freezing.ipynb,
        02_feature_extraction_workflow.ipynb, 03_fine_tuning_low_lr.ipynb, 04_strategy_grid.ipynb.
    """
    _check_stem(notebook)
    if not isinstance(metrics, Mapping):
        raise TypeError(f"metrics must be a dict of the run's key numbers, got "
                        f"{type(metrics).__name__}.")
    plain = _plain(dict(metrics))
    folder = _folder(directory)
    if profile is not None:
        config.get_profile(profile)
    if seed is not None:
        config.get_seed(seed)
    if os.environ.get("TL_RECORD_RESULTS", "") != "1":
        return None
    profile = config.get_profile(profile)
    payload = {
        "notebook": notebook,
        "profile": profile,
        "seed": config.get_seed(seed),
        "environment": config.describe_environment(profile, seed),
        "recorded": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hardware": describe_hardware(),
        "wall_seconds": round(time.monotonic() - _IMPORTED, 1),
        "metrics": plain,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.{profile}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)  # never a half-written file
    return path


def describe_hardware() -> str:
    """CPU model and core count, plus the accelerator Keras would use (e.g. ``gpu``), as one line.

    Example:
        >>> "cores" in describe_hardware()
        True

    Used in: ``record_results``.
    """
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), model)
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores; accelerator: {config.detect_accelerator()}"


def load_results(notebook: str, profile: str, directory: Path | None = None) -> dict[str, Any] | None:
    """Reads what ``record_results`` wrote, or None when there is no such file.

    Args:
        notebook: The notebook's file stem.
        profile: ``"quick"`` or ``"full"``.
        directory: Where to read; None means the project's ``results/``.

    Returns:
        The recorded payload (``metrics``, ``profile``, ``seed``, ``environment``...) or None.

    Raises:
        TypeError/ValueError: A bad notebook stem, profile or directory (as ``record_results``).

    Example:
        >>> load_results("99_no_such_notebook", "full") is None
        True

    Used in: tools/update_readme.py.
    """
    folder = _folder(directory)
    path = folder / f"{_check_stem(notebook)}.{config.get_profile(profile)}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def load_seed_records(notebook: str, profile: str = "quick", directory: Path | None = None) -> list[dict[str, Any]]:
    """The records of a seed sweep (``benchmarks/seed_sweep.py``), one per seed, by seed.

    Each is ``<directory>/seeds/<notebook>.<profile>.seed<N>.json``: the notebook's own record
    of that seed's run plus ``passed`` (every cell ran without error) and ``errors``.

    Args:
        notebook: The notebook's file stem.
        profile: The profile of the sweep.
        directory: The results folder; None means the project's ``results/``.

    Returns:
        The records sorted by seed; an empty list when no sweep was recorded.

    Raises:
        ValueError: A record is not valid JSON (its file is named) or not of this notebook.

    Example:
        >>> load_seed_records("09_fine_tune_twice_without_forgetting", directory=Path("/nowhere"))
        []

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    _check_stem(notebook)
    config.get_profile(profile)
    records = []
    for path in sorted((_folder(directory) / "seeds").glob(f"{notebook}.{profile}.seed*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON ({err}): rerun benchmarks/seed_sweep.py for it.") from err
        if record.get("notebook") != notebook or "seed" not in record:
            raise ValueError(f"{path} is not a record of {notebook} (notebook={record.get('notebook')!r}): "
                             "remove it or rerun benchmarks/seed_sweep.py.")
        records.append(record)
    return sorted(records, key=lambda r: r["seed"])
