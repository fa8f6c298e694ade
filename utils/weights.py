"""Weights as NumPy copies: snapshot, restore, count, measure drift. One API.

A snapshot is ``layer.get_weights()``: a list of arrays in ``layer.weights`` order (learned
weights and BatchNorm statistics; no optimizer state, no random-seed state). Every function
here takes such a list, so the same snapshot resets a model (``restore_weights``)
and measures how far a stage moved it (``weight_drift``).

Example:
    >>> before = snapshot_weights(model); model.fit(x, y)
    >>> weight_drift(model, before)["block_16_project"]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from utils.validate import check_number

__all__ = ["snapshot_weights", "restore_weights", "count_params", "weight_drift", "interpolate_weights",
           "is_statistic"]


def _check_layer(layer: Any, what: str) -> None:
    if not isinstance(layer, keras.layers.Layer):
        raise TypeError(f"{what} needs a Keras model or layer, got {type(layer).__name__} "
                        f"{layer!r}."[:200])


def _check_snapshot(label: str, snapshot: Any) -> None:
    """A snapshot is a list (or tuple) of numeric arrays, as ``snapshot_weights`` returns."""
    if not isinstance(snapshot, list | tuple):
        raise TypeError(f"{label} must be the list snapshot_weights() returns, got "
                        f"{type(snapshot).__name__}.")
    for i, value in enumerate(snapshot):
        array = value if isinstance(value, np.ndarray) else np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"{label}[{i}] must be a numeric array, got {type(value).__name__} "
                            f"{value!r}."[:200])


def snapshot_weights(layer: keras.layers.Layer) -> list[np.ndarray]:
    """Copies a layer's (or model's) weights to NumPy: ``layer.get_weights()``.

    Args:
        layer: Any built Keras layer or model.

    Returns:
        A list of arrays in ``layer.weights`` order (BatchNorm statistics included).

    Raises:
        TypeError: ``layer`` is not a Keras layer.

    Example:
        >>> snap = snapshot_weights(encoder)
        >>> restore_weights(encoder, snap)

    Used in: 03_fine_tuning_low_lr.ipynb, 05_sentence_pair_fine_tuning.ipynb,
        07_heads_on_encoders.ipynb, ``utils.experiments``.
    """
    _check_layer(layer, "snapshot_weights")
    return [np.array(w, copy=True) for w in layer.get_weights()]


def restore_weights(layer: keras.layers.Layer, snapshot: Sequence[np.ndarray]) -> None:
    """Writes a ``snapshot_weights`` copy back: ``layer.set_weights(snapshot)``.

    Args:
        layer: The layer the snapshot came from (or one with the same weight shapes).
        snapshot: The list from ``snapshot_weights``.

    Raises:
        TypeError: ``layer`` is not a Keras layer, or ``snapshot`` not a list of arrays.
        ValueError: The number of arrays or a shape does not match (the weight is named).

    Example:
        >>> restore_weights(encoder, models.pretrained)  # back to the downloaded checkpoint

    Used in: 05_sentence_pair_fine_tuning.ipynb, ``utils.experiments``,
        ``utils.experiments.double_finetune``, ``utils.experiments.heads``,
        ``utils.experiments.self_training``.
    """
    _check_layer(layer, "restore_weights")
    _check_snapshot("snapshot", snapshot)
    weights = layer.weights
    if len(weights) != len(snapshot):
        raise ValueError(
            f"snapshot has {len(snapshot)} arrays, layer {layer.name!r} has {len(weights)} "
            "weights: restore a snapshot_weights() of the same layer."
        )
    for w, value in zip(weights, snapshot):
        if tuple(w.shape) != tuple(np.shape(value)):
            raise ValueError(f"shape mismatch for {w.path}: {tuple(w.shape)} vs {np.shape(value)}.")
    layer.set_weights(list(snapshot))


def count_params(layer: keras.layers.Layer) -> dict[str, int]:
    """Counts total, trainable and non-trainable parameters (Keras's own count).

    Args:
        layer: Any built Keras model or layer.

    Returns:
        ``{"total": ..., "trainable": ..., "non_trainable": ...}``.

    Raises:
        TypeError: ``layer`` is not a Keras layer.

    Example:
        >>> count_params(keras.layers.Dense(2))["total"]  # not built yet
        0

    Used in: 00_setup_and_tour.ipynb, 01-02, 07-08, ``utils.training``.
    """
    _check_layer(layer, "count_params")

    def size(variables: list) -> int:
        return int(sum(np.prod(v.shape) for v in variables))

    trainable, frozen = size(layer.trainable_weights), size(layer.non_trainable_weights)
    return {"total": trainable + frozen, "trainable": trainable, "non_trainable": frozen}


def is_statistic(variable: Any) -> bool:
    """True for statistics that ``fit`` updates without gradients (BatchNorm's moving stats).

    They are buffers, not learned weights, so ``weight_drift`` leaves them out.

    Example:
        >>> bn = keras.layers.BatchNormalization(); bn.build((None, 2))
        >>> [is_statistic(w) for w in bn.weights]  # gamma, beta, moving mean, moving variance
        [False, False, True, True]

    Raises:
        TypeError: ``variable`` has no name (not a Keras variable).

    Used in: ``weight_drift``.
    """
    name = getattr(variable, "name", None)
    if not isinstance(name, str):
        raise TypeError(f"variable must be a Keras variable (e.g. layer.weights[0]), got "
                        f"{type(variable).__name__}.")
    return "moving_" in name


def _leaf_groups(model: keras.layers.Layer) -> dict[str, list[keras.layers.Layer]]:
    from utils.freezing import iter_leaf_layers  # freezing owns the one layer walker

    return {leaf.name: [leaf] for leaf in iter_leaf_layers(model) if leaf.weights}


def weight_drift(
    model: keras.layers.Layer,
    before: Sequence[np.ndarray],
    after: Sequence[np.ndarray] | None = None,
    groups: Mapping[str, Sequence[keras.layers.Layer]] | None = None,
) -> dict[str, float]:
    """Relative weight change per layer (or group): ``||theta - theta0|| / ||theta0||``.

    A fine-tune that keeps the pretrained features moves lower layers by a fraction of a
    percent; a learning rate that destroys them moves them by tens of percent. BatchNorm's
    moving statistics are left out (``is_statistic``). A group whose weights are all zero
    before reports the absolute change instead.

    Args:
        model: The model (gives the layers and their order).
        before: ``snapshot_weights(model)`` taken before training (theta0).
        after: A later snapshot; None reads the model's current weights.
        groups: ``{name: [layers]}`` to aggregate over, e.g.
            ``utils.models.encoder_layer_groups(encoder)``; None = every leaf layer with
            weights, by its name, in depth order.

    Returns:
        ``{name: relative drift}`` in the order of ``groups`` (0.0 = unchanged).

    Raises:
        TypeError: ``model`` is not a Keras layer, a snapshot not a list of arrays, or
            ``groups`` not a dict of layer lists.
        ValueError: A snapshot does not match the model's weights.
        KeyError: A group holds a layer that is not part of ``model``.

    Example:
        >>> before = snapshot_weights(model); model.fit(x, y)  # doctest: +SKIP
        >>> weight_drift(model, before)  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb, ``utils.experiments``.
    """
    _check_layer(model, "weight_drift")
    after = snapshot_weights(model) if after is None else after
    _check_snapshot("before", before)
    _check_snapshot("after", after)
    if groups is not None and not isinstance(groups, Mapping):
        raise TypeError(f"groups must be a dict {{name: [layers]}}, got {type(groups).__name__}.")
    n = len(model.weights)
    for label, snap in (("before", before), ("after", after)):
        if len(snap) != n or any(np.shape(a) != tuple(w.shape) for a, w in zip(snap, model.weights)):
            raise ValueError(
                f"{label} does not match {model.name!r} ({n} weights): take it with "
                "snapshot_weights() of the same model."
            )
    index = {id(w): i for i, w in enumerate(model.weights)}
    drift: dict[str, float] = {}
    for name, layers in (groups if groups is not None else _leaf_groups(model)).items():
        idx = []
        if isinstance(layers, keras.layers.Layer) or not isinstance(layers, list | tuple):
            raise TypeError(f"group {name!r} must be a list of layers, got {type(layers).__name__}.")
        for layer in layers:
            _check_layer(layer, f"group {name!r}")
            for w in layer.weights:
                if id(w) not in index:
                    raise KeyError(f"group {name!r}: layer {layer.name!r} is not in {model.name!r}.")
                if not is_statistic(w):
                    idx.append(index[id(w)])
        delta = np.sqrt(sum(float(np.sum((np.asarray(after[i], np.float64) - before[i]) ** 2))
                            for i in idx))
        norm = np.sqrt(sum(float(np.sum(np.asarray(before[i], np.float64) ** 2)) for i in idx))
        drift[name] = float(delta / norm) if norm > 0 else float(delta)
    return drift


def interpolate_weights(
    start: Sequence[np.ndarray], end: Sequence[np.ndarray], alpha: float
) -> list[np.ndarray]:
    """The weights ``(1 - alpha) * start + alpha * end``, array by array (WiSE-FT).

    Weight-space ensembling (Wortsman et al., 2022, "WiSE-FT") mixes a model before and after
    a fine-tune: ``alpha = 0`` is ``start`` and ``alpha = 1`` is ``end``, exactly (each term
    is multiplied by an exact 0 or 1); in between, the path often keeps most of both tasks.

    Args:
        start: A ``snapshot_weights`` list (e.g. the encoder after stage 1).
        end: A snapshot of the same layer (e.g. after stage 2): same length and shapes.
        alpha: Where on the line, in [0, 1].

    Returns:
        A new list of arrays (float arrays in their own dtype; integer arrays, such as
        counters, must be equal in both and are copied).

    Raises:
        TypeError: ``start`` or ``end`` is not a list of numeric arrays.
        ValueError: The lists differ in length, a shape or dtype, an integer array differs,
            or ``alpha`` is outside [0, 1] or not finite.

    Example:
        >>> restore_weights(encoder, interpolate_weights(stage1, stage2, 0.5))

    Used in: 09_fine_tune_twice_without_forgetting.ipynb, ``utils.experiments.forgetting``.
    """
    _check_snapshot("start", start)
    _check_snapshot("end", end)
    alpha = check_number("alpha", alpha, low=0.0, high=1.0)
    if len(start) != len(end):
        raise ValueError(f"start has {len(start)} arrays and end {len(end)}: interpolate two "
                         "snapshot_weights() of the same layer.")
    mixed = []
    for i, (a, b) in enumerate(zip(start, end)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            raise ValueError(f"array {i}: start is {a.dtype}{list(a.shape)} and end "
                             f"{b.dtype}{list(b.shape)}; both must come from the same layer.")
        if a.dtype.kind != "f":
            if not np.array_equal(a, b):
                raise ValueError(f"array {i} is {a.dtype} (not a float weight) and differs "
                                 "between start and end: it cannot be interpolated.")
            mixed.append(a.copy())
            continue
        w = a.dtype.type(alpha)
        mixed.append(((a.dtype.type(1) - w) * a + w * b).astype(a.dtype, copy=False))
    return mixed
