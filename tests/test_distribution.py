"""utils.distribution: batch splitting, learning-rate rules, per-step losses and layout reports.

Runs on every backend (make test-jax / test-torch too). A test process has one CPU device,
on which Keras lays nothing out, so the layout reports are checked on a stand-in for what JAX
reports for a weight split over 2 devices; notebook 10 checks real splitting across 2 virtual
devices.
"""

from __future__ import annotations

import types

import keras
import numpy as np
import pytest

from utils import distribution


def _linear(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, name="d")], name="lin")
    model.compile(keras.optimizers.SGD(0.1), "mse")
    return model


def _data(n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, (x @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]


def test_per_device_batch_splits_evenly_and_names_the_fix():
    assert distribution.per_device_batch(32, 2) == 16
    assert distribution.per_device_batch(np.int64(8), 8) == 1
    with pytest.raises(ValueError, match=r"global_batch=30 .* 4 devices.*\[28, 32\]"):
        distribution.per_device_batch(30, 4)
    with pytest.raises(ValueError, match="n_devices"):
        distribution.per_device_batch(16, 0)


def test_scaled_learning_rate_rules():
    assert distribution.scaled_learning_rate(2e-5, 16, 64) == pytest.approx(8e-5)
    assert distribution.scaled_learning_rate(2e-5, 16, 64, "sqrt") == pytest.approx(4e-5)
    assert distribution.scaled_learning_rate(2e-5, 16, 64, "none") == 2e-5
    assert distribution.scaled_learning_rate(1e-3, 32, 8) == pytest.approx(2.5e-4)  # smaller too
    with pytest.raises(ValueError, match="'cubic'"):
        distribution.scaled_learning_rate(2e-5, 16, 64, "cubic")
    with pytest.raises(ValueError, match="base_lr"):
        distribution.scaled_learning_rate(0.0, 16, 64)


def test_train_steps_returns_the_loss_of_each_step_before_its_update():
    x, y = _data()
    model = _linear()
    w, b = (keras.ops.convert_to_numpy(v) for v in model.get_layer("d").weights)
    losses = distribution.train_steps(model, x, y, batch_size=4, steps=4)
    assert losses.shape == (4,)
    first = np.mean((x[:4] @ w + b - y[:4]) ** 2)  # batch 0 at the initial weights
    assert losses[0] == pytest.approx(first, rel=1e-5)
    assert losses[3] < losses[0], "step 3 sees batch 0 again (12 rows): SGD must have lowered its loss"
    again = distribution.train_steps(_linear(), x, y, batch_size=4, steps=4)
    np.testing.assert_allclose(again, losses, rtol=1e-6)  # same start, same batches


def test_train_steps_wraps_around_the_data_and_accepts_dicts():
    x, y = _data(6)
    inputs = keras.Input((3,), name="features")
    model = keras.Model({"features": inputs}, keras.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    assert distribution.train_steps(model, {"features": x}, y, batch_size=4, steps=3).shape == (3,)


@pytest.mark.parametrize(("args", "error", "needle"), [
    (("model", "x", "y"), TypeError, "keras.Model"),
    ((None, "list", "y"), TypeError, "NumPy array or a dict"),
    ((None, "x", "short"), ValueError, "12 rows but y has 5"),
    ((None, "ragged", "y"), ValueError, "different numbers of rows"),
    ((None, "x", "y", 13), ValueError, "batch_size"),
    ((None, "x", "y", 4, 0), ValueError, "steps"),
])
def test_train_steps_refuses_bad_input_naming_it(args, error, needle):
    x, y = _data()
    values = {"model": "not a model", "x": x, "y": y, "list": x.tolist(), "short": y[:5],
              "ragged": {"a": x, "b": x[:5]}}
    model = _linear()
    call = [values[a] if isinstance(a, str) else a for a in args]
    call[0] = model if call[0] is None else call[0]
    call += [4, 2][len(call) - 3:]
    with pytest.raises(error, match=needle):
        distribution.train_steps(*call)


def test_train_steps_needs_a_compiled_model():
    x, y = _data()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="compile"):
        distribution.train_steps(model, x, y, 4, 1)


def test_reports_without_a_distribution():
    model = _linear()
    table = distribution.shard_table(model)
    assert list(table["path"]) == ["lin/d/kernel", "lin/d/bias"]
    assert table["fraction"].tolist() == [1.0, 1.0]
    assert set(table["layout"]) <= {"single device", "replicated"}
    sizes = distribution.bytes_per_device(model)
    assert sizes["total_mb"] == pytest.approx(4 * 4 / 1e6)  # 4 float32 weights
    assert sizes["per_device_mb"] == sizes["total_mb"]
    with pytest.raises(TypeError, match="Keras model or layer"):
        distribution.shard_table("model")
    with pytest.raises(TypeError, match="Keras model or layer"):
        distribution.bytes_per_device(3)


class _Sharding:
    """What a JAX NamedSharding of a (3, 4) kernel split on its last axis over 2 devices reports."""

    spec = (None, "model")
    device_set = {0, 1}

    @staticmethod
    def shard_shape(shape):
        return (shape[0], shape[1] // 2)


class _Weight:
    path, shape, dtype = "enc/dense/kernel", (3, 4), "float32"
    value = types.SimpleNamespace(sharding=_Sharding())


class _OneSplitWeight(keras.layers.Layer):
    @property
    def weights(self):
        return [_Weight()]


def test_reports_read_a_split_weight():
    fake = types.SimpleNamespace(weights=[_Weight()])
    assert distribution._layout(fake.weights[0]) == ("(None, 'model')", (3, 2), 2)
    layer = _OneSplitWeight()
    row = distribution.shard_table(layer).iloc[0]
    sizes = distribution.bytes_per_device(layer)
    assert (row["layout"], row["shard_shape"], row["fraction"]) == ("(None, 'model')", (3, 2), 0.5)
    assert sizes == {"total_mb": 48 / 1e6, "per_device_mb": 24 / 1e6}


def test_pick_mixed_policy():
    assert distribution.pick_mixed_policy("gpu", "7.5") == "mixed_float16"  # T4
    assert distribution.pick_mixed_policy("gpu", "9.0") == "mixed_bfloat16"  # H100
    assert distribution.pick_mixed_policy("tpu") == "mixed_bfloat16"
    assert distribution.pick_mixed_policy("cpu") == "mixed_bfloat16"
    with pytest.raises(ValueError, match="'npu'"):
        distribution.pick_mixed_policy("npu")
    with pytest.raises(ValueError, match="'eight'"):
        distribution.pick_mixed_policy("gpu", "eight")


def test_plot_step_losses_draws_the_differences_on_a_log_scale():
    from utils import plotting

    runs = {"1 device": [0.7, 0.6, 0.5], "2 devices": [0.7, 0.6 + 1e-7, 0.5], "control": [0.8, 0.5, 0.6]}
    fig = plotting.plot_step_losses(runs, reference="1 device")
    left, right = fig.axes
    assert len(left.lines) == 3 and len(right.lines) == 2  # the reference is not compared with itself
    assert right.get_yscale() == "log"
    np.testing.assert_allclose(right.lines[0].get_ydata(), [1e-9, 1e-7, 1e-9], rtol=1e-3)
    np.testing.assert_allclose(right.lines[1].get_ydata(), [0.1, 0.1, 0.1], rtol=1e-9)


@pytest.mark.parametrize(("runs", "reference", "error", "needle"), [
    ([0.1], "a", TypeError, "dict"),
    ({"a": [0.1]}, "a", ValueError, "at least 2"),
    ({"a": [0.1], "b": [0.2]}, "c", ValueError, "'c' is not a run"),
    ({"a": [0.1], "b": [0.2, 0.3]}, "a", ValueError, "same number of steps"),
    ({"a": [0.1], "b": [float("nan")]}, "a", ValueError, "run 'b'"),
    ({"a": [0.1], "b": ["x"]}, "a", TypeError, "run 'b'"),
])
def test_plot_step_losses_refuses_bad_input(runs, reference, error, needle):
    from utils import plotting

    with pytest.raises(error, match=needle):
        plotting.plot_step_losses(runs, reference)
