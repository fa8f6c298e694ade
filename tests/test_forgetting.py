"""The remedies of notebook 09, pinned by their invariants, on tiny models (every backend).

* weight interpolation (WiSE-FT): alpha 0 and 1 give the two models exactly;
* LoRA adapters: the frozen base stays bit-identical while they train, switching them off
  restores the old predictions bit for bit, merging them keeps the new ones, and KerasHub's
  .lora.h5 file carries them into a fresh encoder;
* L2-SP: strength 0 trains exactly like the plain model, and the penalty is the squared
  distance to the anchor;
* replay: the plan's counts, passes and seeding.
"""

from __future__ import annotations

import keras
import keras_hub
import numpy as np
import pytest
from keras import ops

from utils import adapters, data, models, training, weights


def _mlp(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                             keras.layers.Dense(1)], name="mlp")


def _xy(n: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x @ np.array([1.0, -2.0, 0.5, 0.3], "float32"))[:, None]


def _fit(model: keras.Model, x, y, epochs: int = 3) -> None:
    model.compile(keras.optimizers.Adam(0.05), "mse")
    model.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)


# --- weight interpolation -------------------------------------------------------------------

def test_interpolation_ends_are_the_two_models_exactly_and_the_middle_is_between():
    model = _mlp()
    start = weights.snapshot_weights(model)
    _fit(model, *_xy())
    end = weights.snapshot_weights(model)
    assert any(not np.array_equal(a, b) for a, b in zip(start, end))
    for alpha, expected in ((0.0, start), (1.0, end), (np.float32(1), end), (0, start)):
        mixed = weights.interpolate_weights(start, end, alpha)
        assert all(m.dtype == e.dtype and np.array_equal(m, e) for m, e in zip(mixed, expected))
    half = weights.interpolate_weights(start, end, 0.5)
    for a, b, h in zip(start, end, half):
        np.testing.assert_allclose(h, (a + b) / 2, rtol=1e-6, atol=1e-7)
    weights.restore_weights(model, weights.interpolate_weights(start, end, 0.0))
    x, _ = _xy()
    reference = _mlp()  # the untrained model, rebuilt from the same seed
    np.testing.assert_array_equal(model.predict(x, verbose=0), reference.predict(x, verbose=0))


@pytest.mark.parametrize("alpha", [-0.1, 1.5, float("nan"), "0.5"])
def test_interpolation_refuses_alpha_outside_0_1(alpha):
    snap = weights.snapshot_weights(_mlp())
    with pytest.raises((TypeError, ValueError), match="alpha"):
        weights.interpolate_weights(snap, snap, alpha)


def test_interpolation_refuses_snapshots_of_different_layers():
    a = weights.snapshot_weights(_mlp())
    with pytest.raises(ValueError, match="4 arrays and end 3"):
        weights.interpolate_weights(a, a[:3], 0.5)
    with pytest.raises(ValueError, match=r"array 0: start is float32\[4, 8\]"):
        weights.interpolate_weights(a, [np.zeros((4, 9), "float32"), *a[1:]], 0.5)
    counts = [np.array([1, 2])]
    assert np.array_equal(weights.interpolate_weights(counts, counts, 0.3)[0], counts[0])
    with pytest.raises(ValueError, match="not a float weight"):
        weights.interpolate_weights(counts, [np.array([1, 3])], 0.3)


# --- LoRA adapters ----------------------------------------------------------------------------

def _backbone(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return keras_hub.models.BertBackbone(vocabulary_size=40, num_layers=2, num_heads=2,
                                         hidden_dim=8, intermediate_dim=16, max_sequence_length=12)


def _tokens(n: int = 16, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    mask = np.arange(10)[None, :] < rng.integers(3, 11, size=(n, 1))
    return {"token_ids": np.where(mask, rng.integers(1, 40, size=(n, 10)), 0).astype("int32"),
            "segment_ids": np.zeros((n, 10), "int32"), "padding_mask": mask.astype("int32")}


def _classifier(backbone: keras.Model) -> keras.Model:
    inputs = {k: keras.Input((None,), dtype="int32", name=k)
              for k in ("token_ids", "segment_ids", "padding_mask")}
    pooled = backbone(inputs)["pooled_output"]
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid", name="head")(pooled))


def test_lora_trains_only_adapters_and_switching_them_off_restores_predictions_bit_for_bit(tmp_path):
    backbone = _backbone()
    model = _classifier(backbone)
    x, y = _tokens(), (np.arange(16) % 2).astype("float32")
    def encode() -> np.ndarray:  # what task 1's model reads: the encoder's token vectors
        return ops.convert_to_numpy(backbone(x)["sequence_output"])

    before, before_head = encode(), ops.convert_to_numpy(model.predict(x, verbose=0))
    base = {v.path: ops.convert_to_numpy(v) for v in backbone.weights}
    layers = adapters.enable_lora(backbone, rank=2)
    assert len(layers) == 4  # query and value of 2 transformer layers
    trainable = {v.path for v in backbone.trainable_weights}
    assert trainable == {f"{layer.path}/{n}" for layer in layers for n in ("lora_kernel_a", "lora_kernel_b")}
    # Keras shapes A from the kernel (8, heads, head_dim): (8, 2, r) and B (r, 4).
    assert adapters.lora_param_count(backbone) == 4 * (8 * 2 * 2 + 2 * 4)
    np.testing.assert_array_equal(model.predict(x, verbose=0), before_head)  # B starts at zero
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    for v in backbone.weights:  # the frozen base: bit-identical
        if "lora_kernel" not in v.path:
            np.testing.assert_array_equal(ops.convert_to_numpy(v), base[v.path], err_msg=v.path)
    adapted, adapted_head = encode(), ops.convert_to_numpy(model.predict(x, verbose=0))
    assert np.abs(adapted - before).max() > 1e-4, "the adapters must have learned something"
    with adapters.adapters_off(backbone):
        np.testing.assert_array_equal(encode(), before)
    np.testing.assert_array_equal(encode(), adapted)  # back on

    # The adapters alone, saved by KerasHub, bring the new task into a fresh encoder.
    path = tmp_path / "task2.lora.h5"
    backbone.save_lora_weights(str(path))
    fresh = _backbone(seed=1)
    weights.restore_weights(fresh, [base[v.path] for v in fresh.weights])
    fresh.load_lora_weights(str(path))
    reloaded = _classifier(fresh)
    reloaded.get_layer("head").set_weights(model.get_layer("head").get_weights())
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), adapted_head, atol=1e-6)

    assert adapters.merge_lora(backbone) == 4
    assert all(not np.any(ops.convert_to_numpy(layer.lora_kernel_b)) for layer in layers)
    np.testing.assert_allclose(encode(), adapted, atol=1e-5)


def test_adapters_come_back_after_an_error_inside_the_block():
    backbone = _backbone()
    layers = adapters.enable_lora(backbone, 2)
    layers[0].lora_kernel_b.assign(np.ones(layers[0].lora_kernel_b.shape, "float32"))
    with pytest.raises(RuntimeError, match="inside"):
        with adapters.adapters_off(backbone):
            assert not np.any(ops.convert_to_numpy(layers[0].lora_kernel_b))
            raise RuntimeError("inside")
    assert np.all(ops.convert_to_numpy(layers[0].lora_kernel_b) == 1)


def test_lora_bad_input_names_the_fix():
    backbone = _backbone()
    with pytest.raises(ValueError, match="no LoRA adapter.*enable_lora"):
        with adapters.adapters_off(backbone):
            pass
    with pytest.raises(ValueError, match="no LoRA adapter"):
        adapters.merge_lora(backbone)
    with pytest.raises(TypeError, match="KerasHub backbone"):
        adapters.enable_lora(_mlp(), 2)
    with pytest.raises(TypeError, match="Keras model or layer"):
        adapters.enable_lora("encoder", 2)
    with pytest.raises((TypeError, ValueError), match="rank"):
        adapters.enable_lora(backbone, 0)
    adapters.enable_lora(backbone, 2)
    with pytest.raises(ValueError, match="already.*load a fresh encoder"):
        adapters.enable_lora(backbone, 2)
    assert adapters.lora_param_count(_mlp()) == 0


# --- L2-SP ----------------------------------------------------------------------------------------

def test_l2sp_strength_zero_trains_exactly_like_the_plain_model():
    x, y = _xy()
    plain = _mlp()
    _fit(plain, x, y)
    inner = _mlp()
    anchored = training.L2SPModel(inner, inner.trainable_weights, strength=0.0)
    _fit(anchored, x, y)
    for a, b in zip(plain.get_weights(), inner.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_l2sp_penalty_is_the_squared_distance_and_pulls_towards_the_anchor():
    x, y = _xy()
    free = _mlp()
    _fit(free, x, y, epochs=5)
    inner = _mlp()
    anchor = weights.snapshot_weights(inner)
    anchored = training.L2SPModel(inner, inner.layers[0].trainable_weights, strength=10.0)
    assert float(ops.convert_to_numpy(anchored.penalty())) == 0.0
    _fit(anchored, x, y, epochs=5)
    expected = sum(float(np.sum((ops.convert_to_numpy(v) - a) ** 2))
                   for v, a in zip(inner.layers[0].trainable_weights, anchor[:2]))
    assert expected > 0
    np.testing.assert_allclose(float(ops.convert_to_numpy(anchored.penalty())), expected, rtol=1e-5)
    moved = [np.abs(ops.convert_to_numpy(v) - a).mean()
             for v, a in zip(inner.layers[0].trainable_weights, anchor)]
    moved_free = [np.abs(w - a).mean() for w, a in zip(free.layers[0].get_weights(), anchor)]
    assert moved[0] < moved_free[0]  # the anchored first layer moved less
    # the second layer is not anchored and moved freely
    assert np.abs(ops.convert_to_numpy(inner.layers[1].kernel) - anchor[2]).mean() > 0.01


def test_l2sp_bad_input_names_the_value():
    model = _mlp()
    other = _mlp(seed=1)
    with pytest.raises(ValueError, match="not a weight of 'mlp'"):
        training.L2SPModel(model, other.trainable_weights, 1.0)
    with pytest.raises(ValueError, match="anchored is empty"):
        training.L2SPModel(model, [], 1.0)
    with pytest.raises(TypeError, match="Keras variables"):
        training.L2SPModel(model, [np.zeros(3)], 1.0)
    with pytest.raises(TypeError, match="Keras model to wrap"):
        training.L2SPModel("model", model.trainable_weights, 1.0)
    with pytest.raises(ValueError, match="strength"):
        training.L2SPModel(model, model.trainable_weights, -1.0)


# --- replay ---------------------------------------------------------------------------------------

def test_replay_plan_mixes_the_asked_share_pass_by_pass():
    from_old, index = data.replay_plan(n_new=10, n_old=7, fraction=0.25, rows=40, seed=3)
    assert len(from_old) == len(index) == 40 and from_old.sum() == 10
    new = index[~from_old]
    assert sorted(np.bincount(new, minlength=10)) == [3] * 10  # 30 new rows: 3 passes of 10
    old = index[from_old]
    assert set(old) <= set(range(7)) and np.bincount(old, minlength=7).max() <= 2
    assert not from_old[:20].all() and from_old.any()  # shuffled together
    again = data.replay_plan(10, 7, 0.25, 40, seed=3)
    assert np.array_equal(again[0], from_old) and np.array_equal(again[1], index)
    other = data.replay_plan(10, 7, 0.25, 40, seed=4)
    assert not np.array_equal(other[1], index)
    none_old, idx = data.replay_plan(10, 0, 0.0, 25, seed=0)
    assert not none_old.any() and sorted(np.bincount(idx)) == [2] * 5 + [3] * 5


@pytest.mark.parametrize("kwargs, match", [
    ({"fraction": 1.0}, "fraction"),
    ({"fraction": -0.1}, "fraction"),
    ({"n_old": 0}, "n_old is 0"),
    ({"rows": 0}, "rows"),
    ({"n_new": 0}, "n_new"),
    ({"rows": 1, "fraction": 0.6}, "no new-task row"),
])
def test_replay_plan_bad_input_names_the_fix(kwargs, match):
    args = {"n_new": 10, "n_old": 5, "fraction": 0.25, "rows": 20, "seed": 0, **kwargs}
    with pytest.raises((TypeError, ValueError), match=match):
        data.replay_plan(**args)


# --- the bi-encoder and notebook 09's runner --------------------------------------------------

def _cached(bi, n: int, seed: int) -> dict[str, np.ndarray]:
    tokens = [_tokens(n, seed), _tokens(n, seed + 100)]
    out = {}
    for side, t in zip("12", tokens):
        out["h" + side] = np.asarray(bi.lower.predict(t, verbose=0), "float32")
        out["m" + side] = t["padding_mask"].astype(bool)
    return out, tokens


def test_the_split_bi_encoder_computes_what_the_whole_encoder_does():
    backbone = _backbone()
    bi = models.build_bi_encoder(backbone, top=1)
    cached, tokens = _cached(bi, 8, 0)
    pooled = []
    for t in tokens:
        seq = ops.convert_to_numpy(backbone(t)["sequence_output"])
        mask = t["padding_mask"][..., None].astype("float32")
        pooled.append((seq * mask).sum(1) / mask.sum(1))
    u, v = (p / np.linalg.norm(p, axis=1, keepdims=True) for p in pooled)
    np.testing.assert_allclose(bi.sts.predict(cached, verbose=0)[:, 0], (u * v).sum(1), atol=1e-5)
    assert [layer.name for layer in bi.top_layers] == ["transformer_layer_1"]
    with pytest.raises((TypeError, ValueError), match="top"):
        models.build_bi_encoder(backbone, top=2)  # nothing left below the cut to cache
    with pytest.raises(TypeError, match="KerasHub BERT backbone"):
        models.build_bi_encoder(_mlp(), top=1)


def _tasks(bi):
    tasks = {}
    for i, name in enumerate(("stsb_train", "stsb_dev", "mrpc_train", "mrpc_dev", "mrpc_test")):
        x, _ = _cached(bi, 16, i)
        y = np.linspace(0, 5, 16) if name.startswith("stsb") else (np.arange(16) % 2)
        tasks[name] = (x, y)
    return tasks


def test_linear_probe_trains_the_shared_head_on_cached_features_and_leaves_the_encoder():
    from utils.experiments import forgetting

    bi = models.build_bi_encoder(_backbone(), top=1)
    x, _ = _cached(bi, 16, 0)
    labels = np.arange(16) % 2
    top, head = forgetting.top_snapshot(bi), forgetting.head_snapshot(bi)
    forgetting.probe_head(bi, x, labels, seed=0, epochs=2)
    assert all(np.array_equal(a, b) for a, b in zip(forgetting.top_snapshot(bi), top)), "LP leaves the encoder"
    assert not all(np.array_equal(a, b) for a, b in zip(forgetting.head_snapshot(bi), head)), "LP trains the head"
    # the head model and the MRPC model share the head's layers: the same probabilities
    np.testing.assert_allclose(bi.head.predict(bi.features.predict(x, verbose=0), verbose=0),
                               bi.mrpc.predict(x, verbose=0), atol=1e-6)
    # the probe starts from a fresh, seeded head: what an earlier stage left there does not matter
    probed = forgetting.head_snapshot(bi)
    forgetting.set_head(bi, [w + 1.0 for w in probed])
    forgetting.probe_head(bi, x, labels, seed=0, epochs=2)
    assert all(np.array_equal(a, b) for a, b in zip(forgetting.head_snapshot(bi), probed))
    with pytest.raises(ValueError, match="epochs"):
        forgetting.probe_head(bi, x, labels, seed=0, epochs=0)


def test_sequential_controls_count_steps_shuffle_stage_1_and_reverse_the_order():
    from utils.experiments import forgetting

    bi = models.build_bi_encoder(_backbone(), top=1)
    tasks = _tasks(bi)
    pretrained = forgetting.top_snapshot(bi)
    out = forgetting.sequential_controls(bi, tasks, pretrained, steps_1=2, steps_2=1, lr_1=1e-2, lr_2=1e-2, seed=0)
    assert list(out) == list(forgetting.CONTROLS)
    assert {a: r["steps"] for a, r in out.items()} == {"A": 1, "A+": 3, "B": 3, "S": 3, "R": 3}
    # S's stage 1 sees the same sentences with the scores permuted (Spearman on 16 pairs may not
    # tell the two stage-1 encoders apart, so the targets are checked)
    shuffled = forgetting._shuffled_scores(tasks, 0)
    (x, scores), (x_s, scores_s) = tasks["stsb_train"], shuffled["stsb_train"]
    assert x_s is x and sorted(scores_s) == sorted(scores) and list(scores_s) != list(scores)
    assert shuffled["mrpc_train"] is tasks["mrpc_train"]
    # R's first stage is A exactly; its STS-B stage then moves the encoder under A's head
    assert out["R"]["mrpc_test_after_1"] == out["A"]["mrpc_test"]
    assert out["R"]["stsb_dev"] != out["A"]["stsb_dev"]
    with pytest.raises(ValueError, match="steps_1"):
        forgetting.sequential_controls(bi, tasks, pretrained, 0, 1, 1e-2, 1e-2, seed=0)


def test_train_steps_compiles_once_and_restarts_like_a_fresh_compile():
    from utils.experiments import forgetting

    bi = models.build_bi_encoder(_backbone(), top=1)
    x, y = _tasks(bi)["mrpc_train"]
    y = y.astype("float32")
    top, head = forgetting.top_snapshot(bi), forgetting.head_snapshot(bi)

    def run(steps=2, **kwargs):
        forgetting.set_top(bi, top)
        forgetting.set_head(bi, head)
        forgetting.train_steps(bi.mrpc, x, y, steps, 1e-2, "binary_crossentropy", 0, **kwargs)
        return forgetting.top_snapshot(bi) + forgetting.head_snapshot(bi)

    first = run()  # a fresh compile
    step = bi.mrpc.train_function
    assert all(np.array_equal(a, b) for a, b in zip(run(), first)), "a reused compile trains as a fresh one"
    traced = keras.backend.backend() != "torch"  # PyTorch runs eagerly and compiles every time
    assert (bi.mrpc.train_function is step) == traced, "the same model, loss and trainable weights: not traced again"
    bi.mrpc.compile(keras.optimizers.SGD(0.1), loss="mse")  # compiled elsewhere in between
    assert all(np.array_equal(a, b) for a, b in zip(run(), first))
    assert isinstance(bi.mrpc.optimizer, keras.optimizers.AdamW)
    step = bi.mrpc.train_function
    bi.top_layers[0].trainable = False  # other trainable weights: compiled again, the layer stays
    frozen = run()
    assert bi.mrpc.train_function is not step
    assert all(np.array_equal(a, b) for a, b in zip(frozen[: len(top)], top))
    bi.top_layers[0].trainable = True
    # the weights kept after step 1 of a 3-step run are those of a 1-step run (sequential_controls' A)
    keep = forgetting._KeepAt(1, bi)
    run(3, callbacks=[keep])
    assert all(np.array_equal(a, b) for a, b in zip(keep.top + keep.head, run(1)))


def test_the_recipe_picks_the_optimizer_and_the_schedule_and_refuses_unknown_ones(monkeypatch):
    from utils import optim
    from utils.experiments import forgetting

    bi = models.build_bi_encoder(_backbone(), top=1)
    tasks = _tasks(bi)
    x, y = tasks["mrpc_train"]
    y = y.astype("float32")
    forgetting.train_steps(bi.mrpc, x, y, 2, 1e-2, "binary_crossentropy", 0, optimizer="adam")
    opt = bi.mrpc.optimizer  # PyTorch's are subclasses (torch_adam.Adam); AdamW is an Adam too
    assert isinstance(opt, keras.optimizers.Adam) and not isinstance(opt, keras.optimizers.AdamW)
    forgetting.train_steps(bi.mrpc, x, y, 20, 1e-2, "binary_crossentropy", 0, schedule="warmup_linear")
    rate = bi.mrpc.optimizer._learning_rate
    assert isinstance(rate, optim.WarmupLinear) and (rate.total_steps, rate.warmup_steps) == (20, 2)
    assert int(bi.mrpc.optimizer.iterations) == 20
    forgetting.train_steps(bi.mrpc, x, y, 2, 1e-2, "binary_crossentropy", 0)  # back to a constant rate
    assert isinstance(bi.mrpc.optimizer, keras.optimizers.AdamW) and float(bi.mrpc.optimizer.learning_rate) == pytest.approx(1e-2)
    with pytest.raises(ValueError, match="'sgd'"):
        forgetting.train_steps(bi.mrpc, x, y, 2, 1e-2, "binary_crossentropy", 0, optimizer="sgd")
    with pytest.raises(ValueError, match="'cosine'"):
        forgetting.train_steps(bi.mrpc, x, y, 2, 1e-2, "binary_crossentropy", 0, schedule="cosine")
    pretrained = forgetting.top_snapshot(bi)
    # sequential_controls hands the recipe to every stage; a schedule gives A a run of its own
    # (its steps are not the start of A+'s). A spy stands in for the training (the real
    # train_steps is tested above; compiling a schedule's stages costs an XLA compilation each)
    calls = []

    def spy(model, x, y, steps, lr, loss, seed, sample_weight=None, rows=None, callbacks=None, **recipe):
        calls.append((steps, recipe.get("optimizer"), recipe.get("schedule"), bool(callbacks)))
        for callback in callbacks or []:
            callback.set_model(model)
            callback.on_train_batch_end(callback.step - 1)  # _KeepAt keeps the weights as they are
        return 0.0

    monkeypatch.setattr(forgetting, "train_steps", spy)
    recipe = {"schedule": "warmup_linear", "optimizer": "adam"}
    forgetting.sequential_controls(bi, tasks, pretrained, 2, 1, 1e-2, 1e-2, seed=0, recipe=recipe)
    assert calls == [(1, "adam", "warmup_linear", False), (3, "adam", "warmup_linear", False)] + [
        (2, "adam", "warmup_linear", False), (1, "adam", "warmup_linear", False)] * 2 + [
        (2, "adam", "warmup_linear", False)]
    calls.clear()
    forgetting.sequential_controls(bi, tasks, pretrained, 2, 1, 1e-2, 1e-2, seed=0)  # constant: A kept on A+'s way
    assert [c[0] for c in calls] == [3, 2, 1, 2, 1, 2] and calls[0][3]
    with pytest.raises(ValueError, match="warmup"):
        forgetting.sequential_controls(bi, tasks, pretrained, 2, 1, 1e-2, 1e-2, seed=0, recipe={"warmup": 0.1})


def test_every_stage2_method_starts_from_stage_1_and_takes_the_same_steps():
    from utils.experiments import forgetting

    bi = models.build_bi_encoder(_backbone(), top=1)
    tasks = _tasks(bi)
    start = forgetting.top_snapshot(bi)
    forgetting.probe_head(bi, tasks["mrpc_train"][0], tasks["mrpc_train"][1], seed=0, epochs=1)
    head = forgetting.head_snapshot(bi)
    # mrpc_only is naive's code path from other weights, joint replay's: not repeated here
    settings = [("naive", {}), ("partial", {"layers": 0}), ("lora", {"rank": 2}),
                ("replay", {"fraction": 0.5}), ("l2sp", {"strength": 0.0})]
    records = {}
    for method, setting in settings:
        r = forgetting.stage2(method, bi, tasks, start, head, steps=1, lr=1e-2, seed=0, **setting)
        assert {"stsb_dev", "mrpc_dev", "mrpc_test", "trainable", "seconds", "end", "end_head"} <= set(r)
        records[(method, tuple(setting.values()))] = r
    lp = records[("partial", (0,))]
    assert all(np.array_equal(a, b) for a, b in zip(lp["end"], start)), "the linear probe leaves the encoder"
    assert lp["trainable"] == sum(int(np.prod(w.shape)) for layer in bi.head_layers for w in layer.trainable_weights)
    naive = records[("naive", ())]
    assert not all(np.array_equal(a, b) for a, b in zip(naive["end"], start))
    # L2-SP at strength 0 is the naive stage exactly; LoRA trains far fewer weights
    l2sp = records[("l2sp", (0.0,))]
    assert all(np.array_equal(a, b) for a, b in zip(l2sp["end"], naive["end"]))
    assert l2sp["mrpc_test"] == naive["mrpc_test"]
    assert records[("lora", (2,))]["trainable"] < naive["trainable"]
    assert records[("lora", (2,))]["end"] is None
    # the interpolation line's ends are the two models
    curve = forgetting.interpolation_curve(bi, tasks, start, naive["end"], naive["end_head"], [0.0, 1.0])
    assert curve[1]["stsb_dev"] == naive["stsb_dev"] and curve[1]["mrpc_test"] == naive["mrpc_test"]
    forgetting.set_top(bi, start)
    assert curve[0]["stsb_dev"] == forgetting.stsb_spearman(bi, *tasks["stsb_dev"])
    with pytest.raises(ValueError, match="method"):
        forgetting.stage2("ewc", bi, tasks, start, head, steps=2, lr=1e-2, seed=0)


def test_plot_frontier_draws_each_method_and_the_line():
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from utils import plotting

    points = pd.DataFrame({"label": ["naive", "naive", "lora rank=4", "lora rank=4"],
                           "stsb_kept": [0.78, 0.79, 0.86, 0.87], "mrpc_gain": [0.01, 0.02, 0.0, 0.01]})
    curve = pd.DataFrame({"alpha": [0.0, 0.5, 1.0], "stsb_kept": [0.87, 0.84, 0.79], "mrpc_gain": [0.0, 0.02, 0.015]})
    fig = plotting.plot_frontier(points, curve)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["interpolation (WiSE-FT)", "naive (n=2)", "lora rank=4 (n=2)"] or set(labels) == {
        "interpolation (WiSE-FT)", "naive (n=2)", "lora rank=4 (n=2)"}
    assert [t.get_text() for t in ax.texts] == ["α=0", "α=0.5", "α=1"]
    assert plotting.plot_frontier(points).axes[0].get_legend() is not None
    with pytest.raises(KeyError, match="stsb_kep"):
        plotting.plot_frontier(points.rename(columns={"stsb_kept": "stsb_kep"}))
    with pytest.raises(TypeError, match="DataFrame"):
        plotting.plot_frontier([1, 2])
    with pytest.raises(KeyError, match="alpha"):
        plotting.plot_frontier(points, curve.drop(columns="alpha"))


def test_runner_bad_input_names_the_value():
    from utils.experiments import forgetting

    bi = models.build_bi_encoder(_backbone(), top=1)
    tasks = _tasks(bi)
    start, head = forgetting.top_snapshot(bi), forgetting.head_snapshot(bi)
    with pytest.raises((TypeError, ValueError), match="layers"):
        forgetting.stage2("partial", bi, tasks, start, head, steps=1, lr=1e-3, seed=0, layers=2)
    with pytest.raises((TypeError, ValueError), match="rank"):
        forgetting.stage2("lora", bi, tasks, start, head, steps=1, lr=1e-3, seed=0, rank=0)
    with pytest.raises((TypeError, ValueError), match="fraction"):
        forgetting.stage2("replay", bi, tasks, start, head, steps=1, lr=1e-3, seed=0, fraction=1.0)
    with pytest.raises((TypeError, ValueError), match="steps"):
        forgetting.train_steps(bi.mrpc, tasks["mrpc_train"][0], tasks["mrpc_train"][1], 0, 1e-3, "mse", 0)
    with pytest.raises((TypeError, ValueError), match="lr"):
        forgetting.train_steps(bi.mrpc, tasks["mrpc_train"][0], tasks["mrpc_train"][1], 1, 0.0, "mse", 0)
    with pytest.raises(TypeError, match="BiEncoder"):
        models.cache_pairs("bi", None, None)
    with pytest.raises(TypeError, match="sentence pairs"):
        models.cache_pairs(bi, [1, 2], None)
