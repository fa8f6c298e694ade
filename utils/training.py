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
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import keras
import numpy as np
from keras import ops

from utils.freezing import set_batchnorm_trainable, set_trainable
from utils.validate import (
    check_bool,
    check_int,
    check_items,
    check_labels,
    check_number,
    check_verbose,
    did_you_mean,
)
from utils.weights import count_params

__all__ = ["L2SPModel", "Stage", "StagedHistory", "StepHistory", "fit_stages", "fit_steps",
           "gradual_unfreezing_stages"]

OptimizerSpec = float | keras.optimizers.Optimizer | Callable[[keras.Model], Any]


@dataclasses.dataclass
class Stage:
    """One stage of a staged run: what trains, for how long, with which optimizer.

    Attributes:
        name: Label shown on plots ("head", "top blocks", "all").
        epochs: Number of epochs (>= 1).
        optimizer: A learning rate (a finite number > 0, NumPy's too: a fresh ``Adam`` with
            that rate), an optimizer that was never used, or a callable
            ``f(model) -> optimizer`` (called after ``setup``, so it can look at what is
            trainable).
        setup: Callable ``f(model)`` that sets the ``trainable`` flags for this
            stage; None keeps the flags of the previous stage.

    Raises:
        TypeError: A name that is not a string, epochs not an int, an optimizer of another
            kind (an optimizer class, a string), or a setup that is not callable.
        ValueError: An empty name, epochs < 1, a rate <= 0, NaN or infinite.
    """

    name: str
    epochs: int
    optimizer: OptimizerSpec = 1e-3
    setup: Callable[[keras.Model], Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"Stage name must be a string, got {type(self.name).__name__} "
                            f"{self.name!r}.")
        if not self.name.strip():
            raise ValueError(f"Stage name must be a non-empty string, got {self.name!r}.")
        self.epochs = check_int(f"Stage {self.name!r}: epochs", self.epochs, low=1)
        if self.setup is not None and not callable(self.setup):
            raise TypeError(f"Stage {self.name!r}: setup must be callable or None, got "
                            f"{type(self.setup).__name__} {self.setup!r}.")
        spec = self.optimizer
        if isinstance(spec, Real | np.number | np.ndarray):  # a learning rate
            self.optimizer = check_number(f"Stage {self.name!r}: optimizer (a learning rate)",
                                          spec, low=0, low_open=True)
        elif isinstance(spec, type) or not (
                isinstance(spec, keras.optimizers.Optimizer) or callable(spec)):
            hint = (f" Pass an instance, e.g. {spec.__name__}(1e-3)." if isinstance(spec, type)
                    else "")
            raise TypeError(
                f"Stage {self.name!r}: optimizer must be a positive float (learning rate), a "
                f"keras optimizer or a callable model -> optimizer; got {spec!r}.{hint}"
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

    def __post_init__(self) -> None:
        if not isinstance(self.history, Mapping):
            raise TypeError(f"history must be a dict {{metric: values}}, got "
                            f"{type(self.history).__name__}.")
        for span in self.stages:
            if not (isinstance(span, tuple | list) and len(span) == 3 and isinstance(span[0], str)):
                raise TypeError(f"each stage must be (name, first_epoch, end_epoch), got {span!r}.")

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
        names = [s[0] for s in self.stages]
        raise KeyError(f"No stage {stage!r}; stages are {names}.{did_you_mean(stage, names)}")

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


def _check_targets(label: str, y: Any, loss: Any, model: keras.Model) -> None:
    """Label ranges a string loss implies: classes 0..K-1 for sparse CE, [0, 1] for binary CE."""
    if not isinstance(loss, str) or not isinstance(y, np.ndarray | list | tuple):
        return
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):  # not built yet: Keras checks at fit time
        return
    if loss == "sparse_categorical_crossentropy" and isinstance(shape, tuple):
        k = shape[-1]
        if isinstance(k, int) and k > 1:
            check_labels(f"{label} (class ids for the model's {k} outputs)", y, classes=range(k))
    elif loss == "binary_crossentropy":
        flat = np.ravel(y) if np.ndim(y) > 1 else y  # multi-label targets too
        check_labels(f"{label} (binary_crossentropy targets)", flat, low=0, high=1)


def _rows(label: str, data: Any) -> int | None:
    if isinstance(data, Mapping):
        sizes = {len(v) for v in data.values() if hasattr(v, "__len__")}
        if len(sizes) > 1:
            raise ValueError(f"{label}: the arrays have different lengths {sorted(sizes)}.")
        return sizes.pop() if sizes else None
    return len(data) if isinstance(data, np.ndarray | list) else None


def _check_data(label: str, x: Any, y: Any, loss: Any, model: keras.Model) -> None:
    n_x, n_y = _rows(f"{label} x", x), _rows(f"{label} y", y)
    if n_x is not None and n_y is not None and n_x != n_y:
        raise ValueError(f"{label}: x has {n_x} rows but y has {n_y}; pass one target per input.")
    _check_targets(f"{label} y", y, loss, model)


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
        ValueError: No stages, duplicate stage names, a reused optimizer, x and y of different
            lengths, labels outside the model's classes (sparse CE: 0..K-1; binary CE: [0, 1]),
            a batch size < 1 or a verbosity other than 0/1/2/"auto".
        TypeError: ``model`` is not a Keras model, ``stages`` not a list (a single Stage:
            pass ``[stage]``), an item that is not a ``Stage``, ``metrics`` a string,
            ``callbacks`` not callbacks or ``validation_data`` not a pair.

    Example:
        >>> run = fit_stages(model, [Stage("head", 2, 1e-3, freeze_base)], x, y)
        >>> run.boundaries  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb, ``utils.plotting.training``.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}.")
    if isinstance(stages, Stage):
        raise TypeError(f"stages must be a list of Stage, got the single Stage {stages.name!r}: "
                        "pass [stage].")
    stages = check_items("stages", stages, Stage, allow_empty=True)  # a generator is read once
    if not stages:
        raise ValueError("fit_stages needs at least one Stage.")
    batch_size = check_int("batch_size", batch_size, low=1)
    verbose = check_verbose("verbose", verbose)
    if isinstance(metrics, str):
        raise TypeError(f"metrics must be a list such as [{metrics!r}], got the string {metrics!r}.")
    metrics = check_items("metrics", metrics, allow_empty=True)
    callbacks = check_items("callbacks", callbacks or [], keras.callbacks.Callback, allow_empty=True)
    _check_data("training data", x, y, loss, model)
    if validation_data is not None:
        if not isinstance(validation_data, tuple | list) or len(validation_data) not in (2, 3):
            raise TypeError(f"validation_data must be (x_val, y_val), got "
                            f"{type(validation_data).__name__}.")
        _check_data("validation_data", validation_data[0], validation_data[1], loss, model)
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
            batch_size=batch_size, verbose=verbose, callbacks=list(callbacks),
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
    keep_bn_frozen: bool = True,
) -> list[Stage]:
    """ULMFiT's gradual unfreezing as a list of stages for ``fit_stages``.

    Stage k trains the top k+1 groups and freezes the others, so the head
    settles before the layers under it start to move. ``fit_stages``
    recompiles between stages so that each new ``trainable`` flag takes effect.
    BatchNorm layers stay frozen (inference mode, moving statistics kept: notebook 01's
    trap) unless ``keep_bn_frozen=False``.

    Args:
        layer_groups: Groups of layers, LOWEST first (the head is usually the last group).
        epochs_per_stage: Epochs of every stage, or one count per stage.
        optimizer: Optimizer spec of every stage (see ``Stage``), or one per stage
            (e.g. a higher rate while only the head trains).
        names: Stage names; default ``"top 1"``, ``"top 2"``, ...
        keep_bn_frozen: Freeze every BatchNorm layer again after each stage's unfreezing.

    Returns:
        ``len(layer_groups)`` stages.

    Raises:
        TypeError: A group that is not a list of layers, epochs not ints, names not strings.
        ValueError: No groups, an empty group, duplicate names, or counts/names/optimizers of
            the wrong length (and what ``Stage`` rejects).

    Example:
        >>> stages = gradual_unfreezing_stages([[low], [mid], [head]], 1)
        >>> [s.name for s in stages]  # ['top 1', 'top 2', 'top 3']  # doctest: +SKIP

    Used in: 03_fine_tuning_low_lr.ipynb.
    """
    keep_bn_frozen = check_bool("keep_bn_frozen", keep_bn_frozen)
    groups = check_items("layer_groups", layer_groups)
    groups = [check_items(f"layer_groups[{i}]", g, keras.layers.Layer)
              for i, g in enumerate(groups)]
    n = len(groups)
    if isinstance(epochs_per_stage, Integral | np.integer):
        epochs = [epochs_per_stage] * n  # Stage checks the value
    elif isinstance(epochs_per_stage, list | tuple | np.ndarray):
        epochs = list(epochs_per_stage)
    else:
        raise TypeError(f"epochs_per_stage must be an int or one int per stage, got "
                        f"{type(epochs_per_stage).__name__} {epochs_per_stage!r}.")
    if len(epochs) != n:
        raise ValueError(f"got {len(epochs)} epoch counts for {n} stages.")
    specs = list(optimizer) if isinstance(optimizer, list | tuple) else [optimizer] * n
    if len(specs) != n:
        raise ValueError(f"got {len(specs)} optimizers for {n} stages.")
    names = (check_items("names", names, str) if names is not None
             else [f"top {k + 1}" for k in range(n)])
    if len(names) != n:
        raise ValueError(f"got {len(names)} names for {n} stages.")
    if len(set(names)) != n:
        raise ValueError(f"names must be unique, got {names}.")

    def setup_for(k: int) -> Callable[[keras.Model], None]:
        def setup(model: keras.Model) -> None:
            set_trainable(model, True)
            for i, group in enumerate(groups):
                for layer in group:
                    set_trainable(layer, i >= n - (k + 1))
            if keep_bn_frozen:
                set_batchnorm_trainable(model, False)

        return setup

    return [Stage(names[k], epochs[k], specs[k], setup_for(k)) for k in range(n)]


@dataclasses.dataclass
class StepHistory:
    """What ``fit_steps`` measured: one entry per checkpoint.

    Attributes:
        steps: Optimizer steps done at each checkpoint.
        losses: Mean training loss over the steps since the previous checkpoint.
        scores: ``evaluate(model)`` at each checkpoint (None where no ``evaluate`` was given).
        best_step: The checkpoint whose weights the model holds at the end.
        best_score: Its score (None without ``evaluate``).
    """

    steps: list[int]
    losses: list[float]
    scores: list[float | None]
    best_step: int
    best_score: float | None


def fit_steps(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    steps: int,
    batch_size: int = 32,
    eval_every: int | None = None,
    evaluate: Callable[[keras.Model], float] | None = None,
    seed: int = 0,
    keep_best: bool = True,
) -> StepHistory:
    """Trains a compiled model for exactly ``steps`` optimizer steps and keeps its best checkpoint.

    Comparing strategies at equal *epochs* gives a small training set few updates and a large
    one many; equal *optimizer steps* is the fair budget. Batches of ``batch_size`` rows are
    drawn from seeded shuffled passes over ``(x, y)``, pass after pass, so a small set is
    simply seen more often (a set smaller than one batch repeats inside a batch). Every
    ``eval_every`` steps ``evaluate(model)`` scores the model (higher is better; e.g. validation
    accuracy, never test); at the end the model holds the weights of the best checkpoint
    (ties: the earliest), or the last ones with ``keep_best=False``. The optimizer keeps its
    state; compile once, reuse for many runs.

    Args:
        model: A compiled ``keras.Model``.
        x: Training inputs, one row per example (a NumPy array).
        y: Training targets, as many rows as ``x``.
        steps: Optimizer steps in all (>= 1).
        batch_size: Rows per step (>= 1).
        eval_every: Steps between checkpoints (1..steps; default ``steps``: one checkpoint at
            the end). ``steps`` need not be a multiple: the last chunk is shorter.
        evaluate: ``model -> float`` scored at each checkpoint; None keeps the last weights.
        seed: Seed of the batch order.
        keep_best: Restore the best checkpoint's weights at the end (False: keep the last
            weights and only record the scores).

    Returns:
        A ``StepHistory`` (``best_step`` is ``steps`` when ``keep_best`` is False).

    Raises:
        TypeError: ``model`` not a Keras model, ``evaluate`` not callable, arrays of the wrong type,
            a score that is not a number.
        ValueError: Model not compiled, bad counts, ``x`` and ``y`` of different lengths or empty.

    Example:
        >>> history = fit_steps(model, x, y, steps=48, eval_every=16,
        ...                     evaluate=lambda m: m.evaluate(x_val, y_val, verbose=0)[1])  # doctest: +SKIP

    Used in: 04_strategy_grid.ipynb.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}.")
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise ValueError(f"model {model.name!r} is not compiled: call model.compile(...) first.")
    steps = check_int("steps", steps, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    eval_every = steps if eval_every is None else check_int("eval_every", eval_every, low=1, high=steps)
    seed = check_int("seed", seed, low=0)
    keep_best = check_bool("keep_best", keep_best)
    if evaluate is not None and not callable(evaluate):
        raise TypeError(f"evaluate must be a function model -> float or None, got {type(evaluate).__name__}.")
    for label, a in (("x", x), ("y", y)):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{label} must be a NumPy array, got {type(a).__name__}.")
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must have the same, non-zero number of rows, got {len(x)} and {len(y)}.")
    rng = np.random.default_rng(seed)
    passes = -(-steps * batch_size // len(x))
    order = np.concatenate([rng.permutation(len(x)) for _ in range(passes)])[: steps * batch_size]
    history = StepHistory([], [], [], 0, None)
    best_weights = None
    for start in range(0, steps, eval_every):
        end = min(start + eval_every, steps)
        rows = order[start * batch_size: end * batch_size]
        fit = model.fit(x[rows], y[rows], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        history.steps.append(end)
        history.losses.append(float(fit.history["loss"][-1]))
        score = None
        if evaluate is not None:
            score = evaluate(model)
            if not isinstance(score, Real | np.floating | np.integer) or not np.isfinite(score):
                raise TypeError(f"evaluate(model) must return a finite number, got {score!r} at step {end}.")
            score = float(score)
            if not keep_best:
                history.best_step, history.best_score = end, score
            elif history.best_score is None or score > history.best_score:
                history.best_step, history.best_score = end, score
                best_weights = model.get_weights()
        history.scores.append(score)
    if best_weights is None:
        history.best_step = steps
    elif history.best_step != steps:
        model.set_weights(best_weights)
    return history


class L2SPModel(keras.Model):
    """A model trained with L2-SP: its loss plus ``strength * ||theta - theta_anchor||^2``.

    L2-SP (Li, Grandvalet & Davoine, 2018) anchors fine-tuning at the starting point instead
    of at zero: the penalty pulls the named weights back towards the values they had when
    this wrapper was made (the stage-1 encoder, for a second fine-tune), so the new task can
    move them only as far as it gains from it. Written on ``compute_loss``, which every
    backend's ``fit`` calls, so it runs on TensorFlow, JAX and PyTorch; the penalty is added
    at every strength (0 included), so "strength 0 trains like the plain model" is a test of
    the code path, not a shortcut.

    Args:
        model: The model to train (it keeps its layers and weights; this wraps it).
        anchored: The weights to anchor (e.g. ``encoder.trainable_weights``), each one of
            ``model.weights``; their current values are the anchor.
        strength: The penalty's weight, a number >= 0 (per unit of squared distance).

    Raises:
        TypeError: ``model`` is not a Keras model, or ``anchored`` holds a non-variable.
        ValueError: ``anchored`` is empty or holds a weight that is not the model's, or
            ``strength`` is negative or not finite.

    Example:
        >>> anchored = L2SPModel(mrpc_model, encoder.trainable_weights, strength=1e-2)
        >>> anchored.compile(optimizer, "binary_crossentropy"); anchored.fit(x, y)

    Used in: 09_fine_tune_twice_without_forgetting.ipynb, ``utils.experiments.forgetting``.
    """

    def __init__(self, model: keras.Model, anchored: Sequence[Any], strength: float, **kwargs: Any):
        if not isinstance(model, keras.Model):
            raise TypeError(f"L2SPModel needs a Keras model to wrap, got {type(model).__name__}.")
        anchored = list(anchored)
        if not anchored:
            raise ValueError("anchored is empty: pass the weights to anchor, e.g. "
                             "encoder.trainable_weights.")
        own = {id(v) for v in model.weights}
        for v in anchored:
            if not isinstance(v, keras.Variable):
                raise TypeError(f"anchored must hold Keras variables, got {type(v).__name__}.")
            if id(v) not in own:
                raise ValueError(f"anchored weight {v.path!r} is not a weight of {model.name!r}.")
        strength = check_number("strength", strength, low=0.0)
        super().__init__(name=kwargs.pop("name", f"l2sp_{model.name}"), **kwargs)
        self.inner = model
        self.strength = strength
        # Plain tuples of paths and NumPy copies: Keras tracks Variables, not these.
        self._anchor_paths = tuple(v.path for v in anchored)
        self._anchor = tuple(np.array(ops.convert_to_numpy(v), copy=True) for v in anchored)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        return self.inner(inputs, training=training)

    def penalty(self) -> Any:
        """``||theta - theta_anchor||^2`` over the anchored weights (a scalar tensor)."""
        by_path = {v.path: v for v in self.inner.weights}
        total = 0.0
        for path, anchor in zip(self._anchor_paths, self._anchor):
            total = total + ops.sum(ops.square(by_path[path] - anchor))
        return total

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                    training=training)
        return loss + self.strength * self.penalty()
