"""One fine-tune on several devices: the small pieces notebook 10 needs around ``keras.distribution``.

Keras 3 distributes a model by *layout*: ``keras.distribution.DataParallel`` copies every
weight to each device and splits each batch; ``ModelParallel`` splits chosen weights too,
following a ``LayoutMap``. The helpers here do not hide that API (the notebook calls it
directly); they measure what it did: how each weight is laid out, how many bytes land on each
device, the loss of each optimizer step. They read layouts where the JAX backend keeps them
(``variable.value.sharding``) and report "single device" elsewhere, so they run on every backend.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from utils.validate import check_choice, check_int, check_number

__all__ = [
    "per_device_batch",
    "scaled_learning_rate",
    "train_steps",
    "shard_table",
    "bytes_per_device",
    "pick_mixed_policy",
]

RULES = ("linear", "sqrt", "none")


def per_device_batch(global_batch: int, n_devices: int) -> int:
    """The rows each device gets when ``fit(batch_size=global_batch)`` runs data-parallel.

    With ``keras.distribution.DataParallel`` the ``batch_size`` given to ``fit`` is the
    *global* batch: each optimizer step averages the gradient over all its rows, and each of
    the ``n_devices`` devices computes it on an equal slice.

    Args:
        global_batch: Rows per optimizer step (>= 1).
        n_devices: Devices sharing the batch (>= 1).

    Returns:
        ``global_batch // n_devices``.

    Raises:
        ValueError: A count below 1, or a global batch the devices cannot split evenly (the
            message names the nearest batch sizes that work).

    Example:
        >>> per_device_batch(32, 2)
        16

    Used in: 10_scale_out.ipynb.
    """
    global_batch = check_int("global_batch", global_batch, low=1)
    n_devices = check_int("n_devices", n_devices, low=1)
    if global_batch % n_devices:
        lower = global_batch // n_devices * n_devices
        options = [b for b in (lower, lower + n_devices) if b >= n_devices]
        raise ValueError(f"global_batch={global_batch} cannot be split evenly over {n_devices} "
                         f"devices; use a multiple of {n_devices}, e.g. {options}.")
    return global_batch // n_devices


def scaled_learning_rate(base_lr: float, base_batch: int, global_batch: int,
                         rule: str = "linear") -> float:
    """The learning rate a heuristic suggests when the global batch changes.

    ``"linear"``: scale with the batch (Goyal et al. 2017, SGD on ImageNet, with a warmup);
    ``"sqrt"``: scale with its square root (Krizhevsky 2014; often used with Adam);
    ``"none"``: keep the rate. Heuristics, not laws: the rate should be re-tuned on validation.

    Args:
        base_lr: The rate tuned at ``base_batch`` (> 0).
        base_batch: The batch it was tuned at (>= 1).
        global_batch: The new global batch (>= 1).
        rule: ``"linear"``, ``"sqrt"`` or ``"none"``.

    Returns:
        The suggested rate.

    Raises:
        ValueError: A rate not > 0, a batch below 1 or an unknown rule.

    Example:
        >>> scaled_learning_rate(2e-5, 16, 64)
        8e-05

    Used in: 10_scale_out.ipynb.
    """
    base_lr = check_number("base_lr", base_lr, low=0.0, low_open=True)
    base_batch = check_int("base_batch", base_batch, low=1)
    global_batch = check_int("global_batch", global_batch, low=1)
    check_choice("rule", rule, RULES)
    factor = {"linear": global_batch / base_batch, "sqrt": math.sqrt(global_batch / base_batch),
              "none": 1.0}[rule]
    return base_lr * factor


def _rows(x: Any) -> int:
    if isinstance(x, dict):
        if not x:
            raise ValueError("x is an empty dict: give the model's inputs, e.g. token_ids, "
                             "segment_ids and padding_mask arrays.")
        lengths = {name: len(v) for name, v in x.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"the inputs in x have different numbers of rows: {lengths}.")
        return next(iter(lengths.values()))
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a NumPy array or a dict of them, got {type(x).__name__}.")
    return len(x)


def train_steps(model: keras.Model, x: Any, y: np.ndarray, batch_size: int, steps: int) -> np.ndarray:
    """Runs ``steps`` optimizer steps on consecutive batches and returns each step's loss.

    ``fit`` logs a running mean; comparing two runs step by step needs the loss of each step.
    Batch ``k`` is rows ``k * batch_size`` to ``(k + 1) * batch_size`` (wrapping around the
    data), in order, so two runs given the same arrays see the same batches. Each step is one
    ``train_on_batch``, which under a ``keras.distribution`` scope splits the batch over the
    devices like ``fit`` does.

    Args:
        model: A compiled ``keras.Model``.
        x: Inputs: a NumPy array or a dict of arrays with the same number of rows.
        y: Targets, one row per input row.
        batch_size: Rows per step, the *global* batch (>= 1, at most the number of rows).
        steps: Optimizer steps (>= 1).

    Returns:
        The loss of each step, a float array of shape ``(steps,)``.

    Raises:
        TypeError: ``model`` not a Keras model, ``x`` or ``y`` not arrays.
        ValueError: Model not compiled, bad counts, or ``x`` and ``y`` of different lengths.

    Example:
        >>> losses = train_steps(model, x, y, batch_size=16, steps=8)  # doctest: +SKIP

    Used in: 10_scale_out.ipynb.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}.")
    if getattr(model, "optimizer", None) is None:
        raise ValueError(f"model {model.name!r} is not compiled: call model.compile(...) first.")
    n = _rows(x)
    if not isinstance(y, np.ndarray):
        raise TypeError(f"y must be a NumPy array, got {type(y).__name__}.")
    if len(y) != n:
        raise ValueError(f"x has {n} rows but y has {len(y)}: give one target per row.")
    batch_size = check_int("batch_size", batch_size, low=1, high=n)
    steps = check_int("steps", steps, low=1)
    losses = []
    for step in range(steps):
        rows = np.arange(step * batch_size, (step + 1) * batch_size) % n
        xb = {k: v[rows] for k, v in x.items()} if isinstance(x, dict) else x[rows]
        loss = model.train_on_batch(xb, y[rows])
        losses.append(float(np.ravel(loss)[0]))  # the loss comes first when metrics are compiled
    return np.asarray(losses)


def _layout(variable: Any) -> tuple[str, tuple[int, ...], int]:
    """(spec text, shape of the shard on one device, number of devices holding a piece)."""
    value = getattr(variable, "value", variable)
    sharding = getattr(value, "sharding", None)
    shape = tuple(int(d) for d in variable.shape)
    if sharding is None or not hasattr(sharding, "shard_shape") or len(sharding.device_set) < 2:
        return "single device", shape, 1
    spec = getattr(sharding, "spec", None)
    text = "replicated" if spec is None or all(s is None for s in spec) else str(tuple(spec))
    return text, tuple(int(d) for d in sharding.shard_shape(shape)), len(sharding.device_set)


def shard_table(model: keras.Model) -> Any:
    """How each weight of ``model`` is laid out over the devices.

    Args:
        model: A built ``keras.Model`` (or layer) created under a ``keras.distribution`` scope,
            or not (then every row says "single device").

    Returns:
        A pandas DataFrame, one row per weight: ``path``, ``shape``, ``layout`` (the partition
        spec, "replicated" or "single device"), ``shard_shape`` (what one device holds) and
        ``fraction`` (shard size / full size).

    Raises:
        TypeError: ``model`` is not a Keras layer or model.

    Example:
        >>> shard_table(model).query("layout != 'replicated'")  # doctest: +SKIP

    Used in: 10_scale_out.ipynb.
    """
    import pandas as pd

    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"model must be a Keras model or layer, got {type(model).__name__}.")
    rows = []
    for v in model.weights:
        spec, shard, _ = _layout(v)
        full = int(np.prod(v.shape))
        rows.append({"path": v.path, "shape": tuple(int(d) for d in v.shape), "layout": spec,
                     "shard_shape": shard, "fraction": int(np.prod(shard)) / full if full else 1.0})
    return pd.DataFrame(rows)


def bytes_per_device(model: keras.Model) -> dict[str, float]:
    """The weights' memory: all of it, and what the fullest device holds.

    Args:
        model: A built ``keras.Model`` (or layer).

    Returns:
        ``{"total_mb": ..., "per_device_mb": ...}``: megabytes (10**6 bytes) of all weights, and
        of the shards on one device (replicated weights count in full on every device).

    Raises:
        TypeError: ``model`` is not a Keras layer or model.

    Example:
        >>> sizes = bytes_per_device(model)  # doctest: +SKIP

    Used in: 10_scale_out.ipynb.
    """
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"model must be a Keras model or layer, got {type(model).__name__}.")
    total = per_device = 0
    for v in model.weights:
        size = np.dtype(keras.backend.standardize_dtype(v.dtype)).itemsize
        _, shard, _ = _layout(v)
        total += int(np.prod(v.shape)) * size
        per_device += int(np.prod(shard)) * size
    return {"total_mb": total / 1e6, "per_device_mb": per_device / 1e6}


def pick_mixed_policy(accelerator: str, compute_capability: str | None = None) -> str:
    """The mixed-precision policy to try first on an accelerator.

    ``"mixed_bfloat16"`` on TPUs, on NVIDIA GPUs of compute capability 8.0 or newer (A100,
    L4, H100) and on CPUs (bfloat16 needs no loss scaling); ``"mixed_float16"`` on older GPUs
    such as Colab's T4 (7.5), where float16 has the fast units (Keras adds loss scaling).

    Args:
        accelerator: ``"cpu"``, ``"gpu"`` or ``"tpu"`` (``utils.config.detect_accelerator()``).
        compute_capability: A GPU's compute capability such as ``"8.0"``; None if unknown
            (then bfloat16 is assumed).

    Returns:
        A Keras dtype policy name.

    Raises:
        ValueError: An unknown accelerator, or a compute capability that is not ``"major.minor"``.

    Example:
        >>> pick_mixed_policy("gpu", "7.5")
        'mixed_float16'

    Used in: 10_scale_out.ipynb.
    """
    check_choice("accelerator", accelerator, ("cpu", "gpu", "tpu"))
    if accelerator != "gpu" or compute_capability is None:
        return "mixed_bfloat16"
    try:
        major = int(str(compute_capability).split(".")[0])
    except ValueError:
        raise ValueError(f"compute_capability must look like '8.0', got {compute_capability!r}.") from None
    return "mixed_bfloat16" if major >= 8 else "mixed_float16"
