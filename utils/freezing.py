"""Freezing and unfreezing layers, the heart of transfer learning.

Every helper works on nested models (a ``load_backbone`` model wraps the ``keras.applications``
model): it sets ``trainable`` on the innermost layers ("leaves"), then marks each container
trainable when any layer inside it is (Keras only collects the trainable weights of a container
whose own flag is True). BatchNormalization stays frozen by default (``keep_bn_frozen=True``):
a frozen BN layer runs in inference mode and keeps its moving statistics, a trainable one
updates them during ``fit``. Call ``model.compile(...)`` again after changing ``trainable``.

One role past ~350 lines on purpose: every helper sets flags through the same private leaf
walker and container sync (``_set_leaves``), which another module could only reach by
importing private names; the length is docstrings and argument checks, not a second role.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import keras

from utils.validate import check_bool, check_choice, check_int, did_you_mean
from utils.weights import count_params

__all__ = ["iter_leaf_layers", "set_trainable", "freeze_all", "freeze_up_to", "unfreeze_top",
           "freeze_by", "set_batchnorm_trainable", "trainable_summary", "get_units"]

_BLOCK_RE = re.compile(r"^block_(\d+)_")
_TOP_GROUP = ("Conv_1", "Conv_1_bn", "out_relu")
_UNITS = ("layers", "blocks")


def _check_model(model: object, what: str = "model") -> None:
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"{what} must be a Keras layer or model, got {type(model).__name__} "
                        f"{model!r}."[:200])


def _children(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    inner = getattr(layer, "layers", None)
    if isinstance(layer, keras.Model) or isinstance(inner, list):
        return [c for c in (inner or []) if not isinstance(c, keras.layers.InputLayer)]
    return []


def iter_leaf_layers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    """Lists the innermost layers of a (possibly nested) model, in order.

    Args:
        model: A Keras model or layer.

    Returns:
        The leaf layers, outermost model's order, depth first (no input layers; a nested
        model is replaced by its own leaves).

    Raises:
        TypeError: ``model`` is not a Keras layer.

    Example:
        >>> m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> [layer.name for layer in iter_leaf_layers(m)]  # doctest: +SKIP

    Used in: 01_trainable_weights_and_freezing.ipynb (through the helpers below).
    """
    _check_model(model)
    kids = _children(model)
    if not kids:
        return [] if isinstance(model, keras.Model) or hasattr(model, "layers") else [model]
    leaves: list[keras.layers.Layer] = []
    for kid in kids:
        leaves.extend(iter_leaf_layers(kid) if _children(kid) else [kid])
    return leaves


def set_trainable(layer: keras.layers.Layer, value: bool) -> keras.layers.Layer:
    """Sets ``trainable`` on a layer and on every layer nested inside it.

    Keras's own setter misses nested layers frozen by hand; this walks them all.

    Args:
        layer: A layer or model.
        value: The new flag (``True``/``False``; NumPy bools too).

    Returns:
        ``layer`` (for chaining).

    Raises:
        TypeError: ``layer`` is not a Keras layer, or ``value`` is not a bool.

    Example:
        >>> set_trainable(model, True)  # doctest: +SKIP
        >>> set_trainable(backbone, False)  # doctest: +SKIP

    Used in: ``utils.training``.
    """
    _check_model(layer, "set_trainable's layer")
    value = check_bool("value", value)
    layer.trainable = value
    for child in getattr(layer, "layers", None) or []:
        set_trainable(child, value)
    return layer


def _sync_containers(layer: keras.layers.Layer) -> bool:
    """Sets each container's flag to 'any leaf inside is trainable' (the private flag only:
    the public setter would recurse into the leaves and overwrite their flags)."""
    kids = _children(layer)
    if not kids:
        return bool(layer.trainable)
    any_trainable = False
    for kid in kids:
        any_trainable = _sync_containers(kid) or any_trainable
    layer._trainable = any_trainable  # container flag only; see docstring
    return any_trainable


def _set_leaves(model: keras.layers.Layer, flags: list[bool]) -> None:
    for leaf, flag in zip(iter_leaf_layers(model), flags):
        leaf.trainable = bool(flag)
    _sync_containers(model)


def _is_bn(layer: keras.layers.Layer) -> bool:
    return isinstance(layer, keras.layers.BatchNormalization)


def _can_learn(layer: keras.layers.Layer, keep_bn_frozen: bool) -> bool:
    """True when ``layer`` (or a layer it holds, e.g. a Bidirectional's LSTMs) owns a variable
    created trainable; never BN kept frozen. Keras's own lists are read because
    ``layer.trainable_weights`` is empty while the layer is frozen."""
    if keep_bn_frozen and _is_bn(layer):
        return False
    own = getattr(layer, "_trainable_variables", layer.weights)
    return bool(own) or any(_can_learn(sub, keep_bn_frozen) for sub in getattr(layer, "_layers", []))


def freeze_all(model: keras.layers.Layer) -> keras.layers.Layer:
    """Freezes every layer of ``model``, nested ones included.

    Args:
        model: A Keras model or layer.

    Returns:
        The same model (for chaining).

    Raises:
        TypeError: ``model`` is not a Keras layer.

    Example:
        >>> freeze_all(backbone)  # doctest: +SKIP
        >>> backbone.trainable_weights  # doctest: +SKIP

    Used in: 02_feature_extraction_workflow.ipynb.
    """
    _check_model(model)
    model.trainable = False  # recursive in Keras 3
    return model


def set_batchnorm_trainable(model: keras.layers.Layer, trainable: bool = False) -> int:
    """Sets ``trainable`` on every BatchNormalization layer inside ``model``.

    A frozen BN layer runs in inference mode and its moving mean/variance stay fixed during
    ``fit``: the fix for fine-tuning a model that contains BN.

    Args:
        model: A Keras model or layer.
        trainable: The flag to set (False freezes BN).

    Returns:
        The number of BatchNormalization layers changed.

    Raises:
        TypeError: ``model`` is not a Keras layer or ``trainable`` is not a bool.

    Example:
        >>> n = set_batchnorm_trainable(backbone, False)  # doctest: +SKIP
        >>> n  # 52 in MobileNetV2  # doctest: +SKIP

    Used in: 01_trainable_weights_and_freezing.ipynb, 03.
    """
    _check_model(model)
    trainable = check_bool("trainable", trainable)
    leaves = iter_leaf_layers(model)
    _set_leaves(model, [trainable if _is_bn(leaf) else leaf.trainable for leaf in leaves])
    return sum(_is_bn(leaf) for leaf in leaves)


def freeze_up_to(
    model: keras.layers.Layer, layer_name: str, keep_bn_frozen: bool = True
) -> keras.layers.Layer:
    """Freezes every layer up to and including ``layer_name`` (depth-first leaf order);
    unfreezes the rest.

    Args:
        model: A Keras model (nested models are walked).
        layer_name: Name of the last frozen layer, e.g. ``"block_12_add"``.
        keep_bn_frozen: Keep BatchNormalization layers frozen even above the cut.

    Returns:
        The same model.

    Raises:
        TypeError: ``model`` is not a Keras layer, ``layer_name`` not a str, or
            ``keep_bn_frozen`` not a bool.
        KeyError: No leaf layer has that name (the message lists close matches).

    Example:
        >>> freeze_up_to(backbone, "block_12_add")  # doctest: +SKIP
        >>> trainable_summary(backbone).trainable.sum()  # doctest: +SKIP

    Used in: 01_trainable_weights_and_freezing.ipynb, ``utils.checks.vision``.
    """
    _check_model(model)
    if not isinstance(layer_name, str):
        raise TypeError(f"layer_name must be a str (a layer's name), got "
                        f"{type(layer_name).__name__} {layer_name!r}.")
    keep_bn_frozen = check_bool("keep_bn_frozen", keep_bn_frozen)
    leaves = iter_leaf_layers(model)
    names = [leaf.name for leaf in leaves]
    if layer_name not in names:
        hint = did_you_mean(layer_name, names) or (
            f" Valid names include {', '.join(repr(n) for n in names[:5])}, ...")
        raise KeyError(f"no layer {layer_name!r} in {model.name!r}.{hint}")
    cut = names.index(layer_name)
    flags = [i > cut and not (keep_bn_frozen and _is_bn(leaf)) for i, leaf in enumerate(leaves)]
    _set_leaves(model, flags)
    return model


def get_units(model: keras.layers.Layer, unit: str = "layers") -> list[list[keras.layers.Layer]]:
    """Groups the leaf layers into units, bottom to top.

    ``unit="layers"``: every leaf layer (with weights or not) is its own unit.
    ``unit="blocks"``: MobileNetV2 blocks (``block_<k>_...``), the layers before block 1 as
    one stem unit, and the final ``Conv_1``/``Conv_1_bn``/``out_relu`` group as the top
    unit; a model without such names falls back to one unit per layer.

    Args:
        model: A Keras model.
        unit: ``"layers"`` or ``"blocks"``.

    Returns:
        A list of units, each a list of layers, from input to output.

    Raises:
        TypeError: ``model`` is not a Keras layer.
        ValueError: ``unit`` is not ``"layers"`` or ``"blocks"`` (a close one is suggested).

    Example:
        >>> units = get_units(backbone, "blocks")  # doctest: +SKIP
        >>> len(units)  # stem + 16 blocks + top = 18 for MobileNetV2  # doctest: +SKIP

    Used in: ``unfreeze_top``.
    """
    _check_model(model)
    check_choice("unit", unit, _UNITS)
    leaves = iter_leaf_layers(model)
    if unit == "layers" or not any(_BLOCK_RE.match(leaf.name) for leaf in leaves):
        return [[leaf] for leaf in leaves]
    units: list[list[keras.layers.Layer]] = []
    keys: list[str] = []
    for leaf in leaves:  # a layer outside any block (e.g. a head) is its own unit
        match = _BLOCK_RE.match(leaf.name)
        key = (f"block_{match.group(1)}" if match else "top" if leaf.name in _TOP_GROUP
               else "stem" if not keys or keys[-1] == "stem" else leaf.name)
        if keys and keys[-1] == key:
            units[-1].append(leaf)
        else:
            units.append([leaf])
            keys.append(key)
    return units


def unfreeze_top(
    model: keras.layers.Layer, n: int, unit: str = "layers", keep_bn_frozen: bool = True
) -> keras.layers.Layer:
    """Unfreezes the top ``n`` units of ``model`` and freezes everything below.

    Only units that can learn count: a unit with a layer that owns trainable weights (BN
    not, while kept frozen), so weightless layers (pooling, adds, activations) never use up
    ``n``: ``n=2`` trains two units on ResNet50 as on MobileNetV2. ``unit="blocks"``: see
    ``get_units`` (on MobileNetV2 ``n=1`` is the ``Conv_1`` group, ``n=2`` adds ``block_16``).

    Args:
        model: A Keras model (nested models are walked).
        n: How many units to unfreeze, counted from the top; 0 freezes all.
        unit: ``"layers"`` or ``"blocks"``.
        keep_bn_frozen: Keep BatchNormalization layers frozen inside the unfrozen units.

    Returns:
        The same model.

    Raises:
        TypeError: ``n`` is not an int, ``keep_bn_frozen`` not a bool, ``model`` not a layer.
        ValueError: ``n`` is negative or larger than the number of units that can learn,
            or bad ``unit``.

    Example:
        >>> unfreeze_top(backbone, 3, unit="blocks")  # doctest: +SKIP
        >>> model.compile(...)  # always recompile after changing trainable  # doctest: +SKIP

    Used in: 01_trainable_weights_and_freezing.ipynb.
    """
    _check_model(model)
    n = check_int("n", n)
    keep_bn_frozen = check_bool("keep_bn_frozen", keep_bn_frozen)
    units = [u for u in get_units(model, unit) if any(_can_learn(x, keep_bn_frozen) for x in u)]
    if not 0 <= n <= len(units):
        raise ValueError(
            f"n must be in [0, {len(units)}] ({len(units)} {unit} that can learn in "
            f"{model.name!r}{', BatchNorm kept frozen' if keep_bn_frozen else ''}), got {n}."
        )
    top = {id(layer) for u in units[len(units) - n:] for layer in u}
    flags = [id(leaf) in top and not (keep_bn_frozen and _is_bn(leaf))
             for leaf in iter_leaf_layers(model)]
    _set_leaves(model, flags)
    return model


def freeze_by(
    model: keras.layers.Layer, predicate: Callable[[keras.layers.Layer], bool]
) -> keras.layers.Layer:
    """Freezes the leaf layers for which ``predicate(layer)`` is True; unfreezes the others.

    Args:
        model: A Keras model (nested models are walked).
        predicate: Function of a layer, True means "freeze it".

    Returns:
        The same model.

    Raises:
        TypeError: ``model`` is not a Keras layer or ``predicate`` is not callable.

    Example:
        >>> is_conv = lambda layer: "Conv" in type(layer).__name__
        >>> freeze_by(backbone, is_conv)  # doctest: +SKIP

    Used in: 01_trainable_weights_and_freezing.ipynb.
    """
    _check_model(model)
    if not callable(predicate):
        raise TypeError(f"predicate must be a function of a layer, got {predicate!r}.")
    leaves = iter_leaf_layers(model)
    _set_leaves(model, [not bool(predicate(leaf)) for leaf in leaves])
    return model


def trainable_summary(model: keras.layers.Layer, only_weighted: bool = False):
    """Tabulates every leaf layer: type, trainable flag and parameter counts.

    Args:
        model: A built Keras model (nested models are walked).
        only_weighted: Keep only layers that own weights.

    Returns:
        A pandas DataFrame with columns ``layer``, ``type``, ``trainable``,
        ``trainable_params``, ``non_trainable_params`` (one row per leaf layer).

    Raises:
        TypeError: ``model`` is not a Keras layer or ``only_weighted`` not a bool.

    Example:
        >>> table = trainable_summary(backbone)  # doctest: +SKIP
        >>> table.trainable_params.sum()  # doctest: +SKIP

    Used in: 01_trainable_weights_and_freezing.ipynb, ``utils.checks.vision``,
        ``utils.plotting.core``.
    """
    import pandas as pd

    _check_model(model)
    only_weighted = check_bool("only_weighted", only_weighted)
    rows = []
    for leaf in iter_leaf_layers(model):
        if only_weighted and not leaf.weights:
            continue
        counts = count_params(leaf)
        rows.append({"layer": leaf.name, "type": type(leaf).__name__,
                     "trainable": bool(leaf.trainable),
                     "trainable_params": counts["trainable"],
                     "non_trainable_params": counts["non_trainable"]})
    columns = ["layer", "type", "trainable", "trainable_params", "non_trainable_params"]
    return pd.DataFrame(rows, columns=columns)
