"""Staged training runs: stages with their own optimizer and trainable setup,
weight drift, discriminative learning rates, gradual unfreezing, warmup + cosine.

Everything here goes through Keras 3's public API and ``keras.ops``, so it runs
on the TensorFlow and JAX backends alike (see ``make_discriminative`` for the
one PyTorch limit). Importing this module has no side effects.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

__all__ = [
    "Stage",
    "StagedHistory",
    "fit_stages",
    "set_trainable",
    "snapshot_weights",
    "weight_drift",
    "make_discriminative",
    "discriminative_multipliers",
    "split_layer_groups",
    "gradual_unfreezing_stages",
    "reset_optimizer",
    "warmup_cosine",
]

OptimizerSpec = float | keras.optimizers.Optimizer | Callable[[keras.Model], Any]


# --------------------------------------------------------------------------- stages


@dataclasses.dataclass
class Stage:
    """One stage of a staged run: what trains, for how long, with which optimizer.

    Attributes:
        name: Label shown on plots ("head", "top blocks", "all").
        epochs: Number of epochs (>= 1).
        optimizer: A learning rate (float: a fresh ``Adam`` with that rate), an
            optimizer that was never used, or a callable ``f(model) -> optimizer``
            (called after ``setup``, so it can look at what is trainable).
        setup: Callable ``f(model)`` that sets the ``trainable`` flags for this
            stage; None keeps the flags of the previous stage.
    """

    name: str
    epochs: int
    optimizer: OptimizerSpec = 1e-3
    setup: Callable[[keras.Model], Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Stage name must be a non-empty string, got {self.name!r}.")
        if not isinstance(self.epochs, int) or isinstance(self.epochs, bool) or self.epochs < 1:
            raise ValueError(f"Stage {self.name!r}: epochs must be an int >= 1, got {self.epochs!r}.")
        if self.setup is not None and not callable(self.setup):
            raise TypeError(f"Stage {self.name!r}: setup must be callable or None.")
        ok = isinstance(self.optimizer, keras.optimizers.Optimizer) or callable(self.optimizer)
        if not ok and not (isinstance(self.optimizer, float) and self.optimizer > 0):
            raise TypeError(
                f"Stage {self.name!r}: optimizer must be a positive float (learning rate), a "
                f"keras optimizer or a callable model -> optimizer; got {self.optimizer!r}."
            )


@dataclasses.dataclass
class StagedHistory:
    """Per-epoch metrics of a staged run, concatenated across stages.

    Attributes:
        history: ``{metric: [value per epoch]}`` over all stages (like ``History.history``).
        stages: ``[(name, first_epoch, end_epoch)]``, epochs counted from 0, end exclusive.
        trainable_params: Trainable parameter count of each stage.
    """

    history: dict[str, list[float]]
    stages: list[tuple[str, int, int]]
    trainable_params: list[int]

    @property
    def epochs(self) -> int:
        """Total number of epochs run."""
        return self.stages[-1][2] if self.stages else 0

    @property
    def boundaries(self) -> list[int]:
        """Epoch counts at which a new stage starts (no entry for the first stage)."""
        return [start for _, start, _ in self.stages[1:]]

    def stage_values(self, metric: str, stage: str) -> list[float]:
        """The values of ``metric`` during one stage.

        Raises:
            KeyError: Unknown metric or stage name (the valid ones are listed).
        """
        values = self.metric(metric)
        for name, start, end in self.stages:
            if name == stage:
                return values[start:end]
        raise KeyError(f"No stage {stage!r}; stages are {[s[0] for s in self.stages]}.")

    def metric(self, name: str) -> list[float]:
        """All values of one metric, e.g. ``"val_accuracy"``.

        Raises:
            KeyError: The metric was not recorded (close names are suggested).
        """
        if name not in self.history:
            near = difflib.get_close_matches(name, list(self.history), n=3, cutoff=0.4)
            hint = f" Did you mean {near}?" if near else ""
            raise KeyError(f"No metric {name!r}; recorded: {sorted(self.history)}.{hint}")
        return self.history[name]


def _make_optimizer(spec: OptimizerSpec, model: keras.Model, stage: str) -> Any:
    if isinstance(spec, keras.optimizers.Optimizer):
        if spec.built:
            raise ValueError(
                f"Stage {stage!r}: this optimizer was already used; give each stage a fresh "
                "one (or a learning rate, or a callable that builds one)."
            )
        return spec
    if isinstance(spec, float):
        return keras.optimizers.Adam(spec)
    return spec(model)


def fit_stages(
    model: keras.Model,
    stages: Sequence[Stage],
    x: Any,
    y: Any,
    validation_data: tuple[Any, Any] | None = None,
    loss: Any = "sparse_categorical_crossentropy",
    metrics: Sequence[Any] = ("accuracy",),
    batch_size: int = 32,
    verbose: int | str = 0,
    callbacks: Sequence[keras.callbacks.Callback] | None = None,
) -> StagedHistory:
    """Trains ``model`` stage after stage, recompiling after each ``trainable`` change.

    Why recompile? Keras reads the ``trainable`` flags when ``compile`` builds the
    training step; a flag changed afterwards is ignored until the next compile.
    Each stage therefore runs ``setup(model)``, then ``model.compile`` with a
    fresh optimizer, then ``model.fit`` for its epochs.

    Args:
        model: The model to train (weights are kept between stages).
        stages: The ``Stage`` list, run in order.
        x: Training inputs (NumPy arrays).
        y: Training targets.
        validation_data: ``(x_val, y_val)`` or None.
        loss: Loss passed to ``compile``.
        metrics: Metrics passed to ``compile``.
        batch_size: Batch size of every stage.
        verbose: ``fit``'s verbosity (1 shows a progress bar).
        callbacks: Extra callbacks for every stage.

    Returns:
        A ``StagedHistory`` with one value per epoch across all stages.

    Raises:
        ValueError: No stages, duplicate stage names, or a reused optimizer.
        TypeError: A stage that is not a ``Stage``.

    Example:
        >>> run = fit_stages(model, [Stage("head", 2, 1e-3, freeze_base)], x, y)
        >>> run.boundaries  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb, 04_strategy_grid.ipynb.
    """
    if not stages:
        raise ValueError("fit_stages needs at least one Stage.")
    for stage in stages:
        if not isinstance(stage, Stage):
            raise TypeError(f"every stage must be a Stage, got {type(stage).__name__}.")
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        raise ValueError(f"stage names must be unique, got {names}.")
    history: dict[str, list[float]] = {}
    spans: list[tuple[str, int, int]] = []
    counts: list[int] = []
    epoch = 0
    for stage in stages:
        if stage.setup is not None:
            stage.setup(model)
        optimizer = _make_optimizer(stage.optimizer, model, stage.name)
        model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
        counts.append(int(sum(np.prod(v.shape) for v in model.trainable_weights)))
        fitted = model.fit(
            x, y, validation_data=validation_data, epochs=stage.epochs,
            batch_size=batch_size, verbose=verbose, callbacks=list(callbacks or []),
        )
        for key, values in fitted.history.items():
            history.setdefault(key, [float("nan")] * epoch).extend(float(v) for v in values)
        spans.append((stage.name, epoch, epoch + stage.epochs))
        epoch += stage.epochs
    return StagedHistory(history, spans, counts)


# --------------------------------------------------------------------------- weight drift


def set_trainable(layer: keras.layers.Layer, value: bool) -> keras.layers.Layer:
    """Sets ``trainable`` on a layer and on every layer nested inside it.

    Keras's own setter does not always reach the layers of a nested model
    (e.g. after one of them was frozen by hand), so this walks them all.

    Args:
        layer: A layer or model.
        value: The new flag.

    Returns:
        ``layer`` (for chaining).

    Raises:
        TypeError: ``layer`` is not a Keras layer.

    Example:
        >>> set_trainable(model, True)  # doctest: +SKIP
        >>> set_trainable(backbone, False)  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb, 04_strategy_grid.ipynb.
    """
    if not isinstance(layer, keras.layers.Layer):
        raise TypeError(f"set_trainable needs a Keras layer or model, got {type(layer).__name__}.")
    layer.trainable = bool(value)
    for child in getattr(layer, "layers", None) or []:
        set_trainable(child, value)
    return layer


def _leaf_layers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    leaves: list[keras.layers.Layer] = []
    children = getattr(model, "layers", None)
    if not children:
        return [model]
    for child in children:
        leaves.extend(_leaf_layers(child))
    return leaves


def _drift_variables(layer: keras.layers.Layer) -> list[Any]:
    # BatchNorm's moving statistics are buffers, not learned weights: left out.
    return [w for w in layer.weights if "moving_" not in w.name]


def snapshot_weights(model: keras.layers.Layer) -> dict[str, list[np.ndarray]]:
    """Copies every leaf layer's learned weights, keyed by layer name, in depth order.

    BatchNorm moving means/variances are left out (they are statistics, not weights).

    Args:
        model: A built model (nested models are walked into).

    Returns:
        ``{layer_name: [NumPy copy of each weight]}`` for layers that have weights.

    Raises:
        TypeError: ``model`` is not a Keras layer or model.

    Example:
        >>> before = snapshot_weights(model)
        >>> weight_drift(model, before)  # all zeros before training  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"snapshot_weights needs a Keras model or layer, got {type(model).__name__}.")
    snapshot: dict[str, list[np.ndarray]] = {}
    for layer in _leaf_layers(model):
        weights = _drift_variables(layer)
        if weights:
            snapshot[layer.name] = [np.array(ops.convert_to_numpy(w)) for w in weights]
    return snapshot


def weight_drift(
    model: keras.layers.Layer, reference: dict[str, list[np.ndarray]]
) -> dict[str, float]:
    """Per-layer relative weight change ``||theta - theta0|| / ||theta0||``.

    A fine-tune that keeps the pretrained features moves lower layers by a
    fraction of a percent; a learning rate that destroys them moves them by tens
    of percent.

    Args:
        model: The model after training.
        reference: A ``snapshot_weights`` of the same model before training.

    Returns:
        ``{layer_name: relative drift}`` in depth order (0.0 = unchanged).

    Raises:
        KeyError: A layer of the model is missing from ``reference``.
        ValueError: A weight's shape differs from the reference.

    Example:
        >>> before = snapshot_weights(model); model.fit(x, y)  # doctest: +SKIP
        >>> drift = weight_drift(model, before)  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    now = snapshot_weights(model)
    drift: dict[str, float] = {}
    for name, weights in now.items():
        if name not in reference:
            near = difflib.get_close_matches(name, list(reference), n=3, cutoff=0.4)
            raise KeyError(
                f"layer {name!r} is not in the reference snapshot (close: {near}); "
                "take the snapshot from the same model with snapshot_weights()."
            )
        old = reference[name]
        if [w.shape for w in old] != [w.shape for w in weights]:
            raise ValueError(f"layer {name!r}: weight shapes changed since the snapshot.")
        diff = np.sqrt(sum(float(np.sum((a - b) ** 2)) for a, b in zip(weights, old)))
        norm = np.sqrt(sum(float(np.sum(b**2)) for b in old))
        drift[name] = diff / norm if norm > 0 else diff
    return drift


# --------------------------------------------------------------------------- discriminative LRs


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
        ValueError: ``n_groups < 1`` or ``factor < 1``.

    Example:
        >>> discriminative_multipliers(3, 2.0)
        [0.25, 0.5, 1.0]

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    if not isinstance(n_groups, int) or n_groups < 1:
        raise ValueError(f"n_groups must be an int >= 1, got {n_groups!r}.")
    if not factor >= 1:
        raise ValueError(f"factor must be >= 1 (lower layers learn slower), got {factor!r}.")
    return [float(factor) ** -(n_groups - 1 - i) for i in range(n_groups)]


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
    optimizer (SGD, Adam, AdamW, ...) on TensorFlow and JAX. Limits: PyTorch's
    fused Adam/AdamW path bypasses ``update_step`` (raises NotImplementedError
    there); saving the optimizer keeps only the base config.

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
        TypeError: ``optimizer`` is not a Keras optimizer.
        ValueError: Wrong number of multipliers, negative multipliers, no groups.
        NotImplementedError: On the PyTorch backend.

    Example:
        >>> opt = make_discriminative(keras.optimizers.Adam(1e-4), [[low], [mid], [head]])
        >>> model.compile(optimizer=opt, loss="mse")  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras optimizer, got {type(optimizer).__name__}.")
    if keras.backend.backend() == "torch":
        raise NotImplementedError(
            "make_discriminative needs optimizer.update_step, which PyTorch's parallel "
            "optimizers bypass; use the tensorflow or jax backend."
        )
    if not layer_groups:
        raise ValueError("layer_groups is empty: pass at least one group of layers.")
    if multipliers is None:
        multipliers = discriminative_multipliers(len(layer_groups), factor)
    if len(multipliers) != len(layer_groups):
        raise ValueError(
            f"got {len(multipliers)} multipliers for {len(layer_groups)} layer groups."
        )
    if any(m < 0 for m in multipliers) or default < 0:
        raise ValueError(f"multipliers must be >= 0, got {list(multipliers)} (default {default}).")
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
        ValueError: Bad ``n_groups``.

    Example:
        >>> groups = split_layer_groups(backbone.base.layers, 4)
        >>> len(groups)
        4

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    weighted = [layer for layer in layers if layer.weights]
    if not isinstance(n_groups, int) or not 1 <= n_groups <= len(weighted):
        raise ValueError(
            f"n_groups must be an int in [1, {len(weighted)}] (layers with weights), "
            f"got {n_groups!r}."
        )
    bounds = np.floor(np.linspace(0, len(weighted), n_groups + 1) + 0.5).astype(int)
    return [weighted[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def gradual_unfreezing_stages(
    layer_groups: Sequence[Sequence[keras.layers.Layer]],
    epochs_per_stage: int | Sequence[int],
    optimizer: OptimizerSpec | Sequence[OptimizerSpec] = 1e-4,
    names: Sequence[str] | None = None,
) -> list[Stage]:
    """ULMFiT's gradual unfreezing as a list of stages for ``fit_stages``.

    Stage k trains the top k+1 groups and freezes the others, so the head
    settles before the layers under it start to move. ``fit_stages``
    recompiles between stages so that each new ``trainable`` flag takes effect.

    Args:
        layer_groups: Groups of layers, LOWEST first (the head is usually the last group).
        epochs_per_stage: Epochs of every stage, or one count per stage.
        optimizer: Optimizer spec of every stage (see ``Stage``), or one per stage
            (e.g. a higher rate while only the head trains).
        names: Stage names; default ``"top 1"``, ``"top 2"``, ...

    Returns:
        ``len(layer_groups)`` stages.

    Raises:
        ValueError: No groups, or counts/names/optimizers of the wrong length.

    Example:
        >>> stages = gradual_unfreezing_stages([[low], [mid], [head]], 1)
        >>> [s.name for s in stages]  # ['top 1', 'top 2', 'top 3']  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    n = len(layer_groups)
    if n == 0:
        raise ValueError("layer_groups is empty: pass at least one group of layers.")
    epochs = [epochs_per_stage] * n if isinstance(epochs_per_stage, int) else list(epochs_per_stage)
    if len(epochs) != n:
        raise ValueError(f"got {len(epochs)} epoch counts for {n} stages.")
    specs = list(optimizer) if isinstance(optimizer, list | tuple) else [optimizer] * n
    if len(specs) != n:
        raise ValueError(f"got {len(specs)} optimizers for {n} stages.")
    names = list(names) if names is not None else [f"top {k + 1}" for k in range(n)]
    if len(names) != n:
        raise ValueError(f"got {len(names)} names for {n} stages.")
    groups = [list(g) for g in layer_groups]

    def setup_for(k: int) -> Callable[[keras.Model], None]:
        def setup(model: keras.Model) -> None:
            set_trainable(model, True)
            for i, group in enumerate(groups):
                for layer in group:
                    set_trainable(layer, i >= n - (k + 1))

        return setup

    return [Stage(names[k], epochs[k], specs[k], setup_for(k)) for k in range(n)]


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
        TypeError: Not a Keras optimizer.
        ValueError: A rate given to an optimizer driven by a schedule, or a rate <= 0.

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
        if is_schedule:
            raise ValueError("this optimizer follows a schedule: build a new one to change it.")
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}.")
    for variable in optimizer.variables:
        if variable is rate_variable:
            continue
        variable.assign(ops.zeros(variable.shape, dtype=variable.dtype))
    if learning_rate is not None:
        optimizer.learning_rate = learning_rate
    return optimizer


# --------------------------------------------------------------------------- schedules


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
        ValueError: Non-positive rates or steps, or warmup not shorter than the run.

    Example:
        >>> schedule = warmup_cosine(1e-3, total_steps=100, warmup_steps=10)
        >>> float(schedule(10))  # 0.001 at the end of the warmup  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    if not peak_lr > 0:
        raise ValueError(f"peak_lr must be > 0, got {peak_lr!r}.")
    if not isinstance(total_steps, int) or total_steps < 1:
        raise ValueError(f"total_steps must be an int >= 1, got {total_steps!r}.")
    if not isinstance(warmup_steps, int) or not 0 <= warmup_steps < total_steps:
        raise ValueError(
            f"warmup_steps must be an int in [0, total_steps={total_steps}), got {warmup_steps!r}."
        )
    if initial_lr < 0 or not 0 <= final_fraction <= 1:
        raise ValueError(
            f"need initial_lr >= 0 and final_fraction in [0, 1]; got {initial_lr!r}, "
            f"{final_fraction!r}."
        )
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
