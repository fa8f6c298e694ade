"""Optimizers for fine-tuning: the text recipe, resets, warmup + cosine, discriminative rates.

* ``text_optimizer``: the ONE AdamW recipe every text fine-tune of the course uses
  (weight decay ``TEXT_WEIGHT_DECAY``, gradient norm clipped to ``TEXT_CLIPNORM``);
* ``reset_optimizer``: zero an optimizer's state to reuse a compiled model for a new run;
* ``warmup_cosine``: linear warmup then cosine decay;
* ``make_discriminative`` / ``discriminative_multipliers`` / ``split_layer_groups``:
  ULMFiT's lower rates for lower layers, which Keras has no parameter groups for.

Written with ``keras.ops``: TensorFlow, JAX and PyTorch (see ``make_discriminative``).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from utils.validate import check_int, check_items, check_number

__all__ = [
    "TEXT_WEIGHT_DECAY",
    "TEXT_CLIPNORM",
    "text_optimizer",
    "reset_optimizer",
    "warmup_cosine",
    "make_discriminative",
    "discriminative_multipliers",
    "split_layer_groups",
]

# The text fine-tuning recipe (notebooks 05-08, scripts/double_finetune.py): AdamW with
# BERT's usual decoupled weight decay and the gradient norm clipped to 1.
TEXT_WEIGHT_DECAY = 0.01
TEXT_CLIPNORM = 1.0


def text_optimizer(learning_rate: float, weight_decay: float = TEXT_WEIGHT_DECAY) -> keras.optimizers.Optimizer:
    """The course's optimizer for fine-tuning a text encoder: AdamW, clipped gradients.

    Args:
        learning_rate: A constant rate (e.g. 1e-4) or a schedule.
        weight_decay: Decoupled weight decay (default ``TEXT_WEIGHT_DECAY`` = 0.01).

    Returns:
        A fresh ``keras.optimizers.AdamW`` with ``clipnorm=TEXT_CLIPNORM``.

    Raises:
        TypeError: Not a number (or a schedule). ValueError: A rate <= 0, a negative weight
            decay, NaN or infinite.

    Example:
        >>> text_optimizer(1e-4).weight_decay
        0.01

    Used in: 05_sentence_pair_fine_tuning.ipynb, 08_self_training.ipynb, ``utils.experiments``.
    """
    if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    weight_decay = check_number("weight_decay", weight_decay, low=0)
    return keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay, clipnorm=TEXT_CLIPNORM)


def reset_optimizer(
    optimizer: keras.optimizers.Optimizer, learning_rate: float | None = None
) -> keras.optimizers.Optimizer:
    """Zeroes an optimizer's state (step count, momenta) and optionally sets a new rate.

    Why? Compiling a model traces its training step, which costs 10-40 s on a CPU.
    To compare several learning rates with the SAME optimizer class and the SAME
    trainable layers, compile once, then before each run restore the weights and
    call this: the run then starts exactly as after a fresh compile.

    Args:
        optimizer: A built optimizer (``model.optimizer`` after one ``fit``).
        learning_rate: New constant rate; None keeps the current one (or schedule).

    Returns:
        ``optimizer``, reset in place.

    Raises:
        TypeError: Not a Keras optimizer, or a rate that is not a number.
        ValueError: A rate given to an optimizer driven by a schedule, or a rate <= 0, NaN
            or infinite.

    Example:
        >>> model.set_weights(start); reset_optimizer(model.optimizer, 1e-4)  # doctest: +SKIP
        >>> model.fit(x, y)  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb, 04_strategy_grid.ipynb.
    """
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras optimizer, got {type(optimizer).__name__}.")
    rate_variable = getattr(optimizer, "_learning_rate", None)
    is_schedule = isinstance(rate_variable, keras.optimizers.schedules.LearningRateSchedule)
    if learning_rate is not None:
        check_number("learning_rate", learning_rate, low=0, low_open=True)
        if is_schedule:
            raise ValueError("this optimizer follows a schedule: build a new one to change it.")
    for variable in optimizer.variables:
        if variable is rate_variable:
            continue
        variable.assign(ops.zeros(variable.shape, dtype=variable.dtype))
    if learning_rate is not None:
        optimizer.learning_rate = learning_rate
    return optimizer


def warmup_cosine(
    peak_lr: float,
    total_steps: int,
    warmup_steps: int,
    initial_lr: float = 0.0,
    final_fraction: float = 0.0,
) -> keras.optimizers.schedules.LearningRateSchedule:
    """Linear warmup to ``peak_lr``, then cosine decay to ``final_fraction * peak_lr``.

    A thin wrapper over ``keras.optimizers.schedules.CosineDecay`` (whose
    ``warmup_target``/``warmup_steps`` do the warmup) with names that say what
    they mean.

    Args:
        peak_lr: Rate reached at the end of the warmup.
        total_steps: Warmup plus decay steps (optimizer steps, i.e. batches).
        warmup_steps: Steps of linear warmup (0 <= warmup_steps < total_steps).
        initial_lr: Rate at step 0.
        final_fraction: Final rate as a fraction of ``peak_lr``.

    Returns:
        A schedule to pass as ``learning_rate=`` to any optimizer.

    Raises:
        TypeError: A rate that is not a number, or steps that are not ints.
        ValueError: Non-positive rates or steps, NaN/infinite rates, a final fraction outside
            [0, 1], or warmup not shorter than the run.

    Example:
        >>> schedule = warmup_cosine(1e-3, total_steps=100, warmup_steps=10)
        >>> float(schedule(10))  # 0.001 at the end of the warmup  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    peak_lr = check_number("peak_lr", peak_lr, low=0, low_open=True)
    total_steps = check_int("total_steps", total_steps, low=1)
    warmup_steps = check_int("warmup_steps", warmup_steps)
    if not 0 <= warmup_steps < total_steps:
        raise ValueError(f"warmup_steps must be an int in [0, total_steps={total_steps}), got "
                         f"{warmup_steps!r}.")
    initial_lr = check_number("initial_lr", initial_lr, low=0)
    final_fraction = check_number("final_fraction", final_fraction, 0, 1)
    if warmup_steps == 0:
        return keras.optimizers.schedules.CosineDecay(
            peak_lr, decay_steps=total_steps, alpha=final_fraction
        )
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=initial_lr,
        decay_steps=total_steps - warmup_steps,
        alpha=final_fraction,
        warmup_target=peak_lr,
        warmup_steps=warmup_steps,
    )


@keras.saving.register_keras_serializable(package="utils")
class WarmupLinear(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warmup from 0 to ``peak_lr`` over ``warmup_steps``, then linear decay to 0 at ``total_steps``.

    The BERT-style schedule (Hugging Face's ``get_linear_schedule_with_warmup``): the rate at
    optimizer step ``t`` is ``peak_lr * t / warmup_steps`` during the warmup, then
    ``peak_lr * (total_steps - t) / (total_steps - warmup_steps)``, never below 0.

    Example:
        >>> schedule = WarmupLinear(1e-3, total_steps=100, warmup_steps=10)
        >>> float(schedule(10))  # the peak  # doctest: +SKIP

    Used in: ``utils.experiments.forgetting``.
    """

    def __init__(self, peak_lr: float, total_steps: int, warmup_steps: int) -> None:
        self.peak_lr = check_number("peak_lr", peak_lr, low=0, low_open=True)
        self.total_steps = check_int("total_steps", total_steps, low=1)
        self.warmup_steps = check_int("warmup_steps", warmup_steps, low=0)
        if self.warmup_steps >= self.total_steps:
            raise ValueError(f"warmup_steps must be below total_steps={total_steps}, got {warmup_steps}.")

    def __call__(self, step):
        t = ops.cast(step, "float32")
        warm = t / max(self.warmup_steps, 1)
        decay = (self.total_steps - t) / (self.total_steps - self.warmup_steps)
        fraction = ops.where(t < self.warmup_steps, warm, ops.maximum(decay, 0.0))
        return self.peak_lr * fraction

    def get_config(self) -> dict:
        return {"peak_lr": self.peak_lr, "total_steps": self.total_steps, "warmup_steps": self.warmup_steps}


_DISCRIMINATIVE_CLASSES: dict[type, type] = {}


def _discriminative_class(base: type) -> type:
    if base in _DISCRIMINATIVE_CLASSES:
        return _DISCRIMINATIVE_CLASSES[base]

    class Discriminative(base):  # type: ignore[valid-type, misc]
        """``base`` with one learning-rate multiplier per variable."""

        def build(self, var_list):  # noqa: D401 - Keras API
            super().build(var_list)
            table = self._lr_multiplier_table
            self._lr_multipliers = [float(table.get(id(v), self._lr_default)) for v in var_list]

        def _multiplier(self, variable) -> float:
            return self._lr_multipliers[self._get_variable_index(variable)]

        def _backend_update_step(self, grads, trainable_variables, learning_rate):
            # PyTorch's Keras optimizers update every variable at once in one fused
            # ``_parallel_update_step`` that never calls ``update_step``; route torch
            # through the per-variable loop instead (the base optimizer's own default),
            # so each variable gets its multiplier. TensorFlow and JAX keep their path.
            if keras.backend.backend() != "torch":
                return super()._backend_update_step(grads, trainable_variables, learning_rate)
            import torch

            with torch.no_grad():
                for gradient, variable in zip(grads, trainable_variables):
                    self.update_step(gradient, variable, learning_rate)

        def update_step(self, gradient, variable, learning_rate):
            scale = self._multiplier(variable)
            if scale != 1.0:
                learning_rate = ops.multiply(ops.cast(learning_rate, variable.dtype), scale)
            return super().update_step(gradient, variable, learning_rate)

        def _apply_weight_decay(self, variables):
            # Decoupled weight decay (AdamW) is scaled by the same multiplier, as in
            # PyTorch's parameter groups; written with keras ops for every backend.
            if self.weight_decay is None:
                return
            for variable in variables:
                if self._use_weight_decay(variable):
                    lr = ops.cast(self.learning_rate, variable.dtype) * self._multiplier(variable)
                    wd = ops.cast(self.weight_decay, variable.dtype)
                    variable.assign(variable - variable * wd * lr)

    Discriminative.__name__ = f"Discriminative{base.__name__}"
    _DISCRIMINATIVE_CLASSES[base] = Discriminative
    return Discriminative


def discriminative_multipliers(n_groups: int, factor: float = 2.6) -> list[float]:
    """ULMFiT's per-group learning-rate multipliers, lowest group first.

    The top group gets 1 (the optimizer's rate); each group below gets the rate
    of the group above divided by ``factor`` (ULMFiT uses 2.6).

    Args:
        n_groups: Number of groups (>= 1).
        factor: Division factor between neighbouring groups (>= 1).

    Returns:
        ``[factor**-(n-1), ..., factor**-1, 1.0]``.

    Raises:
        TypeError: ``n_groups`` not an int or ``factor`` not a number.
        ValueError: ``n_groups < 1``, ``factor < 1``, NaN or infinite.

    Example:
        >>> discriminative_multipliers(3, 2.0)
        [0.25, 0.5, 1.0]

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    n_groups = check_int("n_groups", n_groups, low=1)
    factor = check_number("factor", factor)
    if factor < 1:
        raise ValueError(f"factor must be >= 1 (lower layers learn slower), got {factor!r}.")
    return [factor ** -(n_groups - 1 - i) for i in range(n_groups)]


def make_discriminative(
    optimizer: keras.optimizers.Optimizer,
    layer_groups: Sequence[Sequence[keras.layers.Layer]],
    factor: float = 2.6,
    multipliers: Sequence[float] | None = None,
    default: float = 1.0,
) -> keras.optimizers.Optimizer:
    """Returns a copy of ``optimizer`` with one learning rate per layer group.

    Keras has no parameter groups; this builds a subclass of the optimizer's
    class whose ``update_step`` multiplies the learning rate (schedules
    included) by the variable's group multiplier. Works for every built-in
    optimizer (SGD, Adam, AdamW, ...) on TensorFlow, JAX and PyTorch (on PyTorch
    the fused multi-tensor update, which bypasses ``update_step``, is replaced by
    Keras's per-variable loop: same arithmetic, somewhat slower). Limit: saving the
    optimizer keeps only the base config.

    Args:
        optimizer: An unused optimizer whose config is copied (its rate is the top rate).
        layer_groups: Groups of layers, LOWEST first; a layer's variables get the
            group's multiplier.
        factor: ULMFiT's division factor between neighbouring groups.
        multipliers: Explicit multiplier per group (overrides ``factor``).
        default: Multiplier of variables in no group (e.g. a head left out).

    Returns:
        A fresh optimizer of a subclass of ``type(optimizer)``.

    Raises:
        TypeError: ``optimizer`` is not a Keras optimizer, a group not a list of layers, a
            multiplier not a number.
        ValueError: Wrong number of multipliers, negative/NaN/infinite multipliers, no groups.

    Example:
        >>> opt = make_discriminative(keras.optimizers.Adam(1e-4), [[low], [mid], [head]])
        >>> model.compile(optimizer=opt, loss="mse")  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras optimizer, got {type(optimizer).__name__}.")
    groups = check_items("layer_groups", layer_groups)
    layer_groups = [check_items(f"layer_groups[{i}]", g, keras.layers.Layer, allow_empty=True)
                    for i, g in enumerate(groups)]
    if multipliers is None:
        multipliers = discriminative_multipliers(len(layer_groups), factor)
    else:
        check_number("factor", factor, low=1)  # unused here, but never silently wrong
    multipliers = [check_number(f"multipliers[{i}]", m, low=0)
                   for i, m in enumerate(check_items("multipliers", multipliers))]
    if len(multipliers) != len(layer_groups):
        raise ValueError(
            f"got {len(multipliers)} multipliers for {len(layer_groups)} layer groups."
        )
    default = check_number("default", default, low=0)
    table: dict[int, float] = {}
    for group, scale in zip(layer_groups, multipliers):
        for layer in group:
            for variable in layer.weights:
                table[id(variable)] = float(scale)
    fresh = _discriminative_class(type(optimizer)).from_config(optimizer.get_config())
    fresh._lr_multiplier_table = table
    fresh._lr_default = float(default)
    return fresh


def split_layer_groups(
    layers: Sequence[keras.layers.Layer], n_groups: int
) -> list[list[keras.layers.Layer]]:
    """Splits layers (in depth order) into ``n_groups`` contiguous groups.

    Only layers with weights are kept; groups get as equal a number of
    weighted layers as possible, lowest group first.

    Args:
        layers: Layers in depth order, e.g. ``backbone.base.layers``.
        n_groups: Number of groups (>= 1, at most the number of weighted layers).

    Returns:
        A list of ``n_groups`` lists of layers.

    Raises:
        TypeError: ``layers`` is not a list of layers, or ``n_groups`` not an int.
        ValueError: ``n_groups`` outside [1, number of layers with weights].

    Example:
        >>> groups = split_layer_groups(backbone.base.layers, 4)
        >>> len(groups)
        4

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    layers = check_items("layers", layers, keras.layers.Layer)
    weighted = [layer for layer in layers if layer.weights]
    n_groups = check_int(f"n_groups ({len(weighted)} layers with weights)", n_groups)
    if not 1 <= n_groups <= len(weighted):
        raise ValueError(
            f"n_groups must be an int in [1, {len(weighted)}] (layers with weights), "
            f"got {n_groups!r}."
        )
    bounds = np.floor(np.linspace(0, len(weighted), n_groups + 1) + 0.5).astype(int)
    return [weighted[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
