"""Tests for utils.training: tiny models, CPU, about a second each."""

import keras
import numpy as np
import pytest

from utils import freezing, optim, training, weights
from utils.training import Stage


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    return x, y


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="relu", name="low"),
            keras.layers.Dense(8, activation="relu", name="mid"),
            keras.layers.Dense(2, activation="softmax", name="head"),
        ]
    )


def _freeze_all_but_head(model):
    for layer in model.layers:
        layer.trainable = layer.name == "head"


def _unfreeze_all(model):
    freezing.set_trainable(model, True)


def test_fit_stages_concatenates_and_recompiles():
    x, y = _data()
    model = _model()
    before = weights.snapshot_weights(model)
    run = training.fit_stages(
        model,
        [Stage("head", 2, 1e-2, _freeze_all_but_head), Stage("all", 3, 1e-2, _unfreeze_all)],
        x, y, validation_data=(x, y), batch_size=16,
    )
    assert run.epochs == 5 and run.boundaries == [2]
    assert [s[0] for s in run.stages] == ["head", "all"]
    assert len(run.metric("val_accuracy")) == 5 and len(run.stage_values("loss", "all")) == 3
    assert run.trainable_params == [18, 56 + 72 + 18]
    drift = weights.weight_drift(model, before)
    assert list(drift) == ["low", "mid", "head"] and min(drift.values()) > 0


def test_fit_stages_head_stage_leaves_base_untouched():
    x, y = _data()
    model = _model()
    before = weights.snapshot_weights(model)
    training.fit_stages(model, [Stage("head", 2, 1e-2, _freeze_all_but_head)], x, y)
    drift = weights.weight_drift(model, before)
    assert drift["low"] == 0.0 and drift["mid"] == 0.0 and drift["head"] > 0.0


def test_fit_stages_rejects_bad_input():
    x, y = _data()
    model = _model()
    with pytest.raises(ValueError, match="at least one Stage"):
        training.fit_stages(model, [], x, y)
    with pytest.raises(ValueError, match="unique"):
        training.fit_stages(model, [Stage("a", 1), Stage("a", 1)], x, y)
    with pytest.raises(ValueError, match="epochs must be an int"):
        Stage("a", 0)
    with pytest.raises(TypeError, match="optimizer must be"):
        Stage("a", 1, optimizer="adam")
    opt = keras.optimizers.Adam(1e-3)
    training.fit_stages(model, [Stage("a", 1, opt)], x, y)
    with pytest.raises(ValueError, match="already used"):
        training.fit_stages(model, [Stage("b", 1, opt)], x, y)


def test_staged_history_errors_name_valid_choices():
    run = training.StagedHistory({"val_accuracy": [0.5]}, [("head", 0, 1)], [10])
    with pytest.raises(KeyError, match="val_accuracy"):
        run.metric("val_acuracy")
    with pytest.raises(KeyError, match="head"):
        run.stage_values("val_accuracy", "all")


def test_weight_drift_values_and_errors():
    model = _model()
    ref = weights.snapshot_weights(model)
    assert set(weights.weight_drift(model, ref).values()) == {0.0}
    kernel, bias = model.get_layer("low").get_weights()
    model.get_layer("low").set_weights([kernel * 1.5, bias])
    drift = weights.weight_drift(model, ref)
    expected = np.linalg.norm(0.5 * kernel) / np.sqrt(np.sum(kernel**2) + np.sum(bias**2))
    assert drift["low"] == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="does not match"):
        weights.weight_drift(model, ref[:-1])
    other = keras.Sequential([keras.Input((6,)), keras.layers.Dense(1, name="elsewhere")])
    with pytest.raises(KeyError, match="not in"):
        weights.weight_drift(model, ref, groups={"x": [other.layers[0]]})
    with pytest.raises(TypeError, match="Keras model"):
        weights.snapshot_weights("model")


def _train_with(optimizer, steps=4):
    x, y = _data()
    model = _model()
    before = weights.snapshot_weights(model)
    if callable(optimizer):
        optimizer = optimizer(model)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return model, weights.weight_drift(model, before)


@pytest.mark.parametrize("cls", [keras.optimizers.Adam, keras.optimizers.SGD, keras.optimizers.AdamW])
def test_discriminative_zero_freezes_and_one_matches_plain(cls):
    def groups(m):
        return [[m.get_layer("low")], [m.get_layer("mid")], [m.get_layer("head")]]

    plain, _ = _train_with(cls(learning_rate=1e-2))
    same, _ = _train_with(
        lambda m: optim.make_discriminative(cls(learning_rate=1e-2), groups(m), multipliers=[1, 1, 1])
    )
    for a, b in zip(plain.get_weights(), same.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    _, drift = _train_with(
        lambda m: optim.make_discriminative(cls(learning_rate=1e-2), groups(m), multipliers=[0, 1, 1])
    )
    assert drift["low"] == 0.0 and drift["mid"] > 0


def test_discriminative_lower_groups_move_less():
    def make(m):
        groups = [[m.get_layer("low")], [m.get_layer("mid")], [m.get_layer("head")]]
        return optim.make_discriminative(keras.optimizers.Adam(1e-2), groups, factor=10.0)

    _, plain = _train_with(keras.optimizers.Adam(1e-2))
    _, drift = _train_with(make)
    # Adam's step size is about lr per weight: 10x smaller rate -> ~10x smaller drift.
    assert drift["low"] < plain["low"] / 5
    assert drift["mid"] < plain["mid"] / 2
    assert drift["head"] == pytest.approx(plain["head"], rel=0.3)


def test_discriminative_multipliers_and_errors():
    assert optim.discriminative_multipliers(3, 2.0) == [0.25, 0.5, 1.0]
    assert optim.discriminative_multipliers(1) == [1.0]
    with pytest.raises(ValueError, match="factor must be >= 1"):
        optim.discriminative_multipliers(2, 0.5)
    model = _model()
    with pytest.raises(ValueError, match="2 multipliers for 1 layer groups"):
        optim.make_discriminative(keras.optimizers.Adam(), [[model.layers[0]]], multipliers=[1, 1])
    with pytest.raises(TypeError, match="keras optimizer"):
        optim.make_discriminative("adam", [[model.layers[0]]])
    with pytest.raises(ValueError, match="empty"):
        optim.make_discriminative(keras.optimizers.Adam(), [])


def test_set_trainable_reaches_nested_layers():
    inner = _model()
    inner.get_layer("low").trainable = False
    outer = keras.Sequential([keras.Input((6,)), inner])
    freezing.set_trainable(outer, True)
    assert all(layer.trainable for layer in inner.layers) and len(outer.trainable_weights) == 6
    freezing.set_trainable(outer, False)
    assert outer.trainable_weights == [] and not inner.get_layer("head").trainable
    with pytest.raises(TypeError, match="Keras layer"):
        freezing.set_trainable([inner], True)


def test_split_layer_groups():
    model = _model()
    groups = optim.split_layer_groups(model.layers, 2)
    assert [[layer.name for layer in g] for g in groups] == [["low", "mid"], ["head"]]
    with pytest.raises(ValueError, match=r"n_groups must be an int in \[1, 3\]"):
        optim.split_layer_groups(model.layers, 4)


def test_gradual_unfreezing_unfreezes_top_down():
    x, y = _data()
    model = _model()
    layers = [[model.get_layer(n)] for n in ("low", "mid", "head")]
    stages = training.gradual_unfreezing_stages(layers, 1, 1e-2)
    assert [s.name for s in stages] == ["top 1", "top 2", "top 3"]
    run = training.fit_stages(model, stages, x, y, batch_size=16)
    assert run.trainable_params == [18, 18 + 72, 18 + 72 + 56]
    assert run.boundaries == [1, 2]
    with pytest.raises(ValueError, match="2 epoch counts for 3 stages"):
        training.gradual_unfreezing_stages(layers, [1, 2])
    with pytest.raises(ValueError, match="2 optimizers for 3 stages"):
        training.gradual_unfreezing_stages(layers, 1, [1e-3, 1e-4])
    assert [s.optimizer for s in training.gradual_unfreezing_stages(layers, 1, [1e-3, 1e-4, 1e-5])] == [1e-3, 1e-4, 1e-5]


def test_warmup_cosine_shape():
    schedule = optim.warmup_cosine(1e-3, total_steps=110, warmup_steps=10, final_fraction=0.1)
    values = [float(schedule(s)) for s in (0, 5, 10, 60, 110, 500)]
    assert values[0] == pytest.approx(0.0, abs=1e-12)
    assert values[1] == pytest.approx(5e-4, rel=1e-5)
    assert values[2] == pytest.approx(1e-3, rel=1e-5)
    assert values[3] == pytest.approx(1e-3 * (0.1 + 0.9 * 0.5), rel=1e-4)
    assert values[4] == pytest.approx(1e-4, rel=1e-4) and values[5] == pytest.approx(1e-4, rel=1e-4)
    no_warmup = optim.warmup_cosine(1e-3, total_steps=10, warmup_steps=0)
    assert float(no_warmup(0)) == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="warmup_steps must be"):
        optim.warmup_cosine(1e-3, total_steps=10, warmup_steps=10)
    with pytest.raises(ValueError, match="peak_lr"):
        optim.warmup_cosine(0.0, total_steps=10, warmup_steps=1)


def test_reset_optimizer_restarts_like_a_fresh_compile():
    x, y = _data()
    fresh, _ = _train_with(keras.optimizers.Adam(1e-2))
    model = _model()
    start = model.get_weights()
    model.compile(optimizer=keras.optimizers.Adam(1e-1), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    model.set_weights(start)
    optim.reset_optimizer(model.optimizer, 1e-2)
    assert int(model.optimizer.iterations) == 0
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-2)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match=r"learning_rate must be in \(0"):
        optim.reset_optimizer(model.optimizer, 0.0)
    with pytest.raises(TypeError, match="keras optimizer"):
        optim.reset_optimizer("adam")


def _compiled(seed=0, lr=1e-2):
    model = _model(seed)
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy")
    return model


def test_fit_steps_does_exactly_the_step_budget():
    x, y = _data(n=20)  # 20 rows, batch 8: steps cross pass boundaries
    model = _compiled()
    history = training.fit_steps(model, x, y, steps=7, batch_size=8, eval_every=3)
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 7
    assert history.steps == [3, 6, 7] and history.best_step == 7 and history.best_score is None
    assert len(history.losses) == 3 and all(np.isfinite(history.losses))


def test_fit_steps_restores_the_best_checkpoint():
    x, y = _data()
    model = _compiled()
    seen = []

    def evaluate(m):  # the first checkpoint scores best: its weights must come back
        seen.append(m.get_weights())
        return -len(seen)

    history = training.fit_steps(model, x, y, steps=6, batch_size=16, eval_every=2, evaluate=evaluate)
    assert history.best_step == 2 and history.scores == [-1.0, -2.0, -3.0]
    for now, first in zip(model.get_weights(), seen[0]):
        np.testing.assert_array_equal(now, first)
    assert not np.array_equal(seen[0][0], seen[-1][0])  # training did move the weights
    model, seen = _compiled(), []
    history = training.fit_steps(model, x, y, steps=6, batch_size=16, eval_every=2, evaluate=evaluate,
                                 keep_best=False)
    assert history.best_step == 6 and history.best_score == -3.0
    np.testing.assert_array_equal(model.get_weights()[0], seen[-1][0])  # the last weights stay


def test_fit_steps_batch_order_follows_the_seed():
    x, y = _data()
    runs = []
    for seed in (3, 3, 4):
        model = _compiled(seed=0)
        training.fit_steps(model, x, y, steps=4, batch_size=8, seed=seed)
        runs.append(model.get_weights()[0])
    np.testing.assert_allclose(runs[0], runs[1], atol=1e-6)
    assert not np.allclose(runs[0], runs[2])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"steps": 0}, ValueError, "steps"),
    ({"steps": 2.0}, TypeError, "steps"),
    ({"eval_every": 9}, ValueError, "eval_every"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"evaluate": "val_accuracy"}, TypeError, "evaluate"),
    ({"evaluate": lambda m: float("nan")}, TypeError, "finite number"),
    ({"y": np.zeros(3)}, ValueError, "same, non-zero number of rows"),
    ({"x": [[0.0] * 6]}, TypeError, "x must be a NumPy array"),
    ({"keep_best": "yes"}, TypeError, "keep_best"),
])
def test_fit_steps_rejects_bad_input(kwargs, error, match):
    x, y = _data(n=16)
    args = {"x": x, "y": y, "steps": 4, "batch_size": 8, **kwargs}
    with pytest.raises(error, match=match):
        training.fit_steps(_compiled(), **args)


def test_fit_steps_needs_a_compiled_model():
    x, y = _data(n=16)
    with pytest.raises(ValueError, match="not compiled"):
        training.fit_steps(_model(), x, y, steps=2)


def test_warmup_linear_rises_to_the_peak_then_falls_to_zero():
    schedule = optim.WarmupLinear(1e-3, total_steps=100, warmup_steps=10)
    rates = [float(schedule(t)) for t in (0, 5, 10, 55, 100, 120)]
    np.testing.assert_allclose(rates, [0.0, 5e-4, 1e-3, 5e-4, 0.0, 0.0], atol=1e-9)
    assert float(optim.WarmupLinear(1e-3, 10, 0)(0)) == pytest.approx(1e-3)  # no warmup: starts at the peak
    assert optim.WarmupLinear.from_config(schedule.get_config()).get_config() == schedule.get_config()
    with pytest.raises(ValueError, match="warmup_steps must be below total_steps=10, got 10"):
        optim.WarmupLinear(1e-3, 10, 10)
    with pytest.raises(ValueError, match="peak_lr"):
        optim.WarmupLinear(0.0, 10, 1)
