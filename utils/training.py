"""Staged training: stages with their own trainable setup and optimizer, run by ``fit_stages``.

A stage says what trains (``setup``), for how long (``epochs``) and with which optimizer;
``fit_stages`` recompiles between stages so each new ``trainable`` flag takes effect, and
``gradual_unfreezing_stages`` builds ULMFiT's schedule of stages. Optimizers, schedules and
discriminative rates live in ``utils.optim``; weight snapshots and drift in ``utils.weights``.

Everything goes through Keras 3's public API, so it runs on TensorFlow, JAX and PyTorch.
Importing this module has no side effects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import keras

from utils.freezing import set_trainable
from utils.validate import did_you_mean
from utils.weights import count_params

__all__ = ["Stage", "StagedHistory", "fit_stages", "gradual_unfreezing_stages"]

OptimizerSpec = float | keras.optimizers.Optimizer | Callable[[keras.Model], Any]


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
            raise KeyError(f"No metric {name!r}; recorded: {sorted(self.history)}."
                           f"{did_you_mean(name, self.history)}")
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
        counts.append(count_params(model)["trainable"])
        fitted = model.fit(
            x, y, validation_data=validation_data, epochs=stage.epochs,
            batch_size=batch_size, verbose=verbose, callbacks=list(callbacks or []),
        )
        for key, values in fitted.history.items():
            history.setdefault(key, [float("nan")] * epoch).extend(float(v) for v in values)
        spans.append((stage.name, epoch, epoch + stage.epochs))
        epoch += stage.epochs
    return StagedHistory(history, spans, counts)


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
