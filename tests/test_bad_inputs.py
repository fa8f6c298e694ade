"""Bad inputs at the boundary of every public function of the course's training, model and
plotting helpers: each is rejected with a TypeError/ValueError/KeyError whose message names
the bad value; NumPy scalars that are valid are accepted next to them (issue 12).

Every case is one row of a table: ``(call, exception type, text the message must contain)``.
The models are tiny and built once for the module (``f``), so a row takes milliseconds; the
few rows that train (valid NumPy arguments) take about a second.
"""

from __future__ import annotations

import types

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

keras_hub = pytest.importorskip("keras_hub")

from utils import (  # noqa: E402
    config,
    experiments,
    freezing,
    metrics,
    models,
    optim,
    plotting,
    results,
    training,
    validate,
    weights,
)
from utils.data import SentencePairs  # noqa: E402
from utils.experiments.arms import ArmContext, check_data, check_seed  # noqa: E402
from utils.plotting.core import check_class_names, check_text, history_dict, new_figure  # noqa: E402
from utils.training import Stage, StagedHistory  # noqa: E402

H, T, INF, NAN = 16, 12, float("inf"), float("nan")


def _tokens(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(4, T + 1, size=n)
    mask = np.arange(T)[None, :] < lengths[:, None]
    ids = np.where(mask, rng.integers(5, 100, size=(n, T)), 0).astype("int32")
    return {"token_ids": ids, "segment_ids": np.zeros((n, T), "int32"), "padding_mask": mask}


def _features(n: int, seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype("int64")
    seq = rng.normal(size=(n, T, H)).astype("float32") * 0.3
    seq[:, :, 0] += np.where(y == 1, 1.0, -1.0)[:, None]
    return {"sequence_output": seq, "padding_mask": np.ones((n, T), bool)}, y


def _pairs(n: int, task: str, labels=None) -> SentencePairs:
    s = [f"a cat sat {i}" for i in range(n)]
    if labels is None:
        labels = np.linspace(0, 5, n, dtype="float32") if task == "regression" else \
            (np.arange(n) % 2).astype("int64")
    return SentencePairs("stsb" if task == "regression" else "mrpc", "train", s, list(s),
                         np.asarray(labels), task)


@pytest.fixture(scope="module")
def f() -> types.SimpleNamespace:
    """Everything the rows need, built once: tiny models, data, results."""
    keras.utils.set_random_seed(0)
    dense = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, name="low"),
                              keras.layers.Dense(8, name="mid"),
                              keras.layers.Dense(2, activation="softmax", name="head")])
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="d1"),
                              keras.layers.BatchNormalization(name="bn"),
                              keras.layers.Dense(3, name="d2")], name="inner")
    inputs = keras.Input((4,))
    nested = keras.Model(inputs, keras.layers.Dense(2, name="top")(inner(inputs)), name="outer")
    encoder = keras_hub.models.BertBackbone(vocabulary_size=100, num_layers=1, num_heads=2,
                                            hidden_dim=H, intermediate_dim=32,
                                            max_sequence_length=16)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    head = models.build_head("mean", hidden_dim=H, dropout=0.0)
    head.compile(keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    data = {"stsb_train": _pairs(8, "regression"), "stsb_dev": _pairs(6, "regression"),
            "mrpc_train": _pairs(8, "classification"), "mrpc_dev": _pairs(6, "classification"),
            "mrpc_test": _pairs(6, "classification")}
    run = {"arm": "A", "seed": 0, "stages": [
        {"stage": 0, "kind": "pretrained", "metrics": {"mrpc_test_accuracy": 0.6,
                                                      "stsb_dev_spearman": 0.8}},
        {"stage": 1, "kind": "mrpc", "metrics": {"mrpc_test_accuracy": 0.7,
                                                "stsb_dev_spearman": 0.7}}]}
    records = [{"fine_tuned": False, "head": "cls", "seed": 0, "head_params": 17,
                "dev_accuracy": 0.7, "history": {}}]
    result = {"supervised": {"round": 0, "threshold": None, "n_train": 8, "n_kept": 0,
                             "dev_accuracy": 0.6, "dev_f1": 0.5},
              "runs": {0.9: [{"round": 1, "threshold": 0.9, "n_train": 10, "n_kept": 2,
                              "dev_accuracy": 0.65, "dev_f1": 0.55}]}}
    ctx = ArmContext(models=models.build_pair_models(encoder), data=data, encoded={},
                     params=experiments.ArmParams(), sentence_tokenizer=None, seed=0, key="k")
    return types.SimpleNamespace(
        dense=dense, nested=nested, encoder=encoder, x=x, y=y, head=head, data=data, ctx=ctx,
        tokens=_tokens(4), feats=_features(8), snap=weights.snapshot_weights(dense),
        staged=StagedHistory({"accuracy": [0.5, 0.6]}, [("head", 0, 1), ("all", 1, 2)], [1, 2]),
        run=run, records=records, result=result,
        head_table=experiments.summarize_head_runs(records),
        st_table=experiments.summarize_self_training(result),
        grid=pd.DataFrame({"probe": [0.8], "scratch": [0.3]}, index=["flowers"]),
        images=np.zeros((3, 8, 8, 3), "uint8"), built_optimizer=_built_adam(),
    )


def _built_adam() -> keras.optimizers.Optimizer:
    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build([keras.Variable(np.zeros(2, "float32"))])
    return optimizer


def _stage(**kwargs):
    return Stage(**{"name": "a", "epochs": 1, **kwargs})


def _gen(*items):
    return (item for item in items)


def row(call, exc, needle, id):  # noqa: A002 - pytest's name
    return pytest.param(call, exc, needle, id=id)


BAD = [
    # ---- utils.validate (the shared checks this work added)
    row(lambda f: validate.check_bool("flag", "no"), TypeError, "'no'", "check_bool str"),
    row(lambda f: validate.check_bool("flag", 1), TypeError, "int 1", "check_bool int"),
    row(lambda f: validate.check_items("xs", "abc"), TypeError, "'abc'", "check_items str"),
    row(lambda f: validate.check_items("xs", 5), TypeError, "int 5", "check_items int"),
    row(lambda f: validate.check_items("xs", []), ValueError, "xs is empty", "check_items empty"),
    row(lambda f: validate.check_items("xs", [1, "b"], int), TypeError, "xs[1]", "check_items kind"),
    row(lambda f: validate.check_labels("y", [0, 2], (0, 1)), ValueError, "got 2", "labels 2"),
    row(lambda f: validate.check_labels("y", [0, NAN]), ValueError, "NaN", "labels nan"),
    row(lambda f: validate.check_labels("y", ["a"]), TypeError, "'a'", "labels str"),
    row(lambda f: validate.check_labels("y", np.ones((2, 2))), ValueError, "(2, 2)", "labels 2d"),
    row(lambda f: validate.check_labels("y", [6.0], low=0, high=5), ValueError, "got 6",
        "labels above"),
    row(lambda f: validate.check_verbose("verbose", 3), ValueError, "got 3", "verbose 3"),
    row(lambda f: validate.check_verbose("verbose", "loud"), ValueError, "'loud'", "verbose str"),
    # ---- utils.training
    row(lambda f: _stage(optimizer=INF), ValueError, "inf", "Stage lr inf"),
    row(lambda f: _stage(optimizer=-1e-3), ValueError, "-0.001", "Stage lr negative"),
    row(lambda f: _stage(optimizer=NAN), ValueError, "nan", "Stage lr nan"),
    row(lambda f: _stage(optimizer=np.float32(INF)), ValueError, "inf", "Stage lr np inf"),
    row(lambda f: _stage(optimizer="adam"), TypeError, "'adam'", "Stage optimizer str"),
    row(lambda f: _stage(optimizer=keras.optimizers.Adam), TypeError, "Adam(1e-3)",
        "Stage optimizer class"),
    row(lambda f: _stage(optimizer=True), TypeError, "True", "Stage optimizer bool"),
    row(lambda f: _stage(epochs=0), ValueError, "got 0", "Stage epochs 0"),
    row(lambda f: _stage(epochs=1.5), TypeError, "1.5", "Stage epochs float"),
    row(lambda f: _stage(epochs="2"), TypeError, "'2'", "Stage epochs str"),
    row(lambda f: _stage(name=""), ValueError, "''", "Stage empty name"),
    row(lambda f: _stage(name=3), TypeError, "3", "Stage name int"),
    row(lambda f: _stage(setup="x"), TypeError, "'x'", "Stage setup str"),
    row(lambda f: StagedHistory([1], [], []), TypeError, "list", "StagedHistory history"),
    row(lambda f: StagedHistory({}, [("a", 0)], []), TypeError, "('a', 0)", "StagedHistory span"),
    row(lambda f: f.staged.stage_values("accuracy", "al"), KeyError, "Did you mean 'all'",
        "stage_values unknown"),
    row(lambda f: f.staged.metric("acuracy"), KeyError, "'acuracy'", "metric unknown"),
    row(lambda f: training.fit_stages("m", [_stage()], f.x, f.y), TypeError, "str",
        "fit_stages model"),
    row(lambda f: training.fit_stages(f.dense, _stage(), f.x, f.y), TypeError, "pass [stage]",
        "fit_stages one Stage"),
    row(lambda f: training.fit_stages(f.dense, [], f.x, f.y), ValueError, "at least one",
        "fit_stages empty"),
    row(lambda f: training.fit_stages(f.dense, _gen(), f.x, f.y), ValueError, "at least one",
        "fit_stages empty generator"),
    row(lambda f: training.fit_stages(f.dense, ["x"], f.x, f.y), TypeError, "'x'",
        "fit_stages not a Stage"),
    row(lambda f: training.fit_stages(f.dense, [_stage()], f.x, f.y, batch_size=0), ValueError,
        "got 0", "fit_stages batch 0"),
    row(lambda f: training.fit_stages(f.dense, [_stage()], f.x, f.y, batch_size=2.5), TypeError,
        "2.5", "fit_stages batch float"),
    row(lambda f: training.fit_stages(f.dense, [_stage()], f.x, f.y, verbose=3), ValueError,
        "got 3", "fit_stages verbose"),
    row(lambda f: training.fit_stages(f.dense, [_stage()], f.x, f.y, metrics="accuracy"),
        TypeError, "['accuracy']", "fit_stages metrics str"),
    row(lambda f: training.fit_stages(f.dense, [_stage()], f.x, f.y, callbacks=[1]), TypeError,
        "callbacks[0]", "fit_stages callbacks"),
    row(lambda f: training.fit_stages(f.dense, [_stage()], f.x, np.where(f.y, 2, 0)), ValueError,
        "got 2", "fit_stages label 2 of 2 classes"),
    row(lambda f: training.fit_stages(f.dense, [_stage()], f.x, f.y[:10]), ValueError,
        "y has 10", "fit_stages lengths"),
    row(lambda f: training.fit_stages(f.dense, [_stage()], f.x, f.y, validation_data="xy"),
        TypeError, "str", "fit_stages validation_data"),
    row(lambda f: training.fit_stages(f.dense, [_stage()], f.x, f.y,
                                      validation_data=(f.x, f.y * 3)), ValueError, "got 3",
        "fit_stages val label 3"),
    row(lambda f: training.fit_stages(f.dense, [_stage()], f.x, f.y * 2.0,
                                      loss="binary_crossentropy"), ValueError, "got 2",
        "fit_stages bce target 2"),
    row(lambda f: training.gradual_unfreezing_stages([], 1), ValueError, "empty",
        "gradual no groups"),
    row(lambda f: training.gradual_unfreezing_stages([[1]], 1), TypeError, "layer_groups[0][0]",
        "gradual group item"),
    row(lambda f: training.gradual_unfreezing_stages([f.dense.layers[0]], 1), TypeError, "Dense",
        "gradual group not a list"),
    row(lambda f: training.gradual_unfreezing_stages([[]], 1), ValueError, "layer_groups[0]",
        "gradual empty group"),
    row(lambda f: training.gradual_unfreezing_stages([[f.dense.layers[0]]], 0), ValueError,
        "got 0", "gradual epochs 0"),
    row(lambda f: training.gradual_unfreezing_stages([[f.dense.layers[0]]], 1.5), TypeError,
        "1.5", "gradual epochs float"),
    row(lambda f: training.gradual_unfreezing_stages([[f.dense.layers[0]]], 1, INF), ValueError,
        "inf", "gradual lr inf"),
    row(lambda f: training.gradual_unfreezing_stages([[f.dense.layers[0]]], 1, names="abc"),
        TypeError, "'abc'", "gradual names str"),
    row(lambda f: training.gradual_unfreezing_stages([[f.dense.layers[0]]] * 2, 1,
                                                     names=["a", "a"]),
        ValueError, "['a', 'a']", "gradual names repeat"),
    # ---- utils.optim
    row(lambda f: optim.text_optimizer(INF), ValueError, "inf", "text_optimizer lr inf"),
    row(lambda f: optim.text_optimizer(-1e-4), ValueError, "-0.0001", "text_optimizer lr < 0"),
    row(lambda f: optim.text_optimizer("fast"), TypeError, "'fast'", "text_optimizer lr str"),
    row(lambda f: optim.text_optimizer(1e-4, NAN), ValueError, "nan", "text_optimizer wd nan"),
    row(lambda f: optim.reset_optimizer("adam"), TypeError, "str", "reset_optimizer type"),
    row(lambda f: optim.reset_optimizer(f.built_optimizer, INF), ValueError, "inf",
        "reset_optimizer lr inf"),
    row(lambda f: optim.reset_optimizer(f.built_optimizer, "x"), TypeError, "'x'",
        "reset_optimizer lr str"),
    row(lambda f: optim.warmup_cosine(NAN, 10, 1), ValueError, "nan", "warmup peak nan"),
    row(lambda f: optim.warmup_cosine(1e-3, 0, 0), ValueError, "got 0", "warmup steps 0"),
    row(lambda f: optim.warmup_cosine(1e-3, 10.0, 1), TypeError, "10.0", "warmup steps float"),
    row(lambda f: optim.warmup_cosine(1e-3, 10, 10), ValueError, "got 10", "warmup too long"),
    row(lambda f: optim.warmup_cosine(1e-3, 10, 1, initial_lr=-1.0), ValueError, "-1.0",
        "warmup initial < 0"),
    row(lambda f: optim.warmup_cosine(1e-3, 10, 1, final_fraction=1.5), ValueError, "1.5",
        "warmup final > 1"),
    row(lambda f: optim.discriminative_multipliers(0), ValueError, "got 0", "multipliers n 0"),
    row(lambda f: optim.discriminative_multipliers(2.0), TypeError, "2.0", "multipliers n float"),
    row(lambda f: optim.discriminative_multipliers(3, 0.5), ValueError, "0.5", "factor < 1"),
    row(lambda f: optim.discriminative_multipliers(3, NAN), ValueError, "nan", "factor nan"),
    row(lambda f: optim.make_discriminative("adam", [[f.dense.layers[0]]]), TypeError, "str",
        "discriminative optimizer"),
    row(lambda f: optim.make_discriminative(keras.optimizers.Adam(), []), ValueError, "empty",
        "discriminative no groups"),
    row(lambda f: optim.make_discriminative(keras.optimizers.Adam(), [[1]]), TypeError,
        "layer_groups[0][0]", "discriminative group item"),
    row(lambda f: optim.make_discriminative(keras.optimizers.Adam(), [[f.dense.layers[0]]],
                                            multipliers=[NAN]), ValueError, "nan",
        "discriminative multiplier nan"),
    row(lambda f: optim.make_discriminative(keras.optimizers.Adam(), [[f.dense.layers[0]]],
                                            multipliers=[-1.0]), ValueError, "-1.0",
        "discriminative multiplier < 0"),
    row(lambda f: optim.make_discriminative(keras.optimizers.Adam(), [[f.dense.layers[0]]],
                                            default=NAN), ValueError, "nan",
        "discriminative default nan"),
    row(lambda f: optim.make_discriminative(keras.optimizers.Adam(), [[f.dense.layers[0]]],
                                            factor=INF, multipliers=[1.0]), ValueError, "inf",
        "discriminative factor inf"),
    row(lambda f: optim.split_layer_groups("abc", 1), TypeError, "'abc'", "split layers str"),
    row(lambda f: optim.split_layer_groups(f.dense.layers, 0), ValueError, "got 0",
        "split n 0"),
    row(lambda f: optim.split_layer_groups(f.dense.layers, 9), ValueError, "got 9",
        "split n too many"),
    row(lambda f: optim.split_layer_groups(f.dense.layers, 1.5), TypeError, "1.5",
        "split n float"),
    # ---- utils.freezing
    row(lambda f: freezing.iter_leaf_layers("m"), TypeError, "'m'", "iter_leaf_layers str"),
    row(lambda f: freezing.set_trainable(f.nested, "no"), TypeError, "'no'", "set_trainable str"),
    row(lambda f: freezing.set_trainable([f.nested], True), TypeError, "list",
        "set_trainable list"),
    row(lambda f: freezing.freeze_all(3), TypeError, "int 3", "freeze_all int"),
    row(lambda f: freezing.freeze_up_to(f.nested, "d3"), KeyError, "'d3'",
        "freeze_up_to unknown"),
    row(lambda f: freezing.freeze_up_to(f.nested, 3), TypeError, "int 3", "freeze_up_to int"),
    row(lambda f: freezing.freeze_up_to(f.nested, "d1", keep_bn_frozen="yes"), TypeError,
        "'yes'", "freeze_up_to flag"),
    row(lambda f: freezing.get_units(f.nested, "block"), ValueError, "Did you mean 'blocks'",
        "get_units unit"),
    row(lambda f: freezing.unfreeze_top(f.nested, -1), ValueError, "got -1", "unfreeze_top -1"),
    row(lambda f: freezing.unfreeze_top(f.nested, 4), ValueError, "[0, 3]",
        "unfreeze_top too many"),
    row(lambda f: freezing.unfreeze_top(f.nested, 1.5), TypeError, "1.5", "unfreeze_top float"),
    row(lambda f: freezing.unfreeze_top(f.nested, True), TypeError, "True", "unfreeze_top bool"),
    row(lambda f: freezing.unfreeze_top(f.nested, 1, unit="layer"), ValueError,
        "Did you mean 'layers'", "unfreeze_top unit"),
    row(lambda f: freezing.unfreeze_top(f.nested, 1, keep_bn_frozen=1), TypeError, "int 1",
        "unfreeze_top flag"),
    row(lambda f: freezing.freeze_by(f.nested, "d1"), TypeError, "'d1'", "freeze_by str"),
    row(lambda f: freezing.set_batchnorm_trainable(f.nested, "no"), TypeError, "'no'",
        "set_batchnorm_trainable str"),
    row(lambda f: freezing.trainable_summary("m"), TypeError, "'m'", "trainable_summary str"),
    row(lambda f: freezing.trainable_summary(f.nested, only_weighted="y"), TypeError, "'y'",
        "trainable_summary flag"),
    # ---- utils.weights
    row(lambda f: weights.snapshot_weights("m"), TypeError, "'m'", "snapshot str"),
    row(lambda f: weights.restore_weights(f.dense, "abc"), TypeError, "str", "restore str"),
    row(lambda f: weights.restore_weights(f.dense, _gen(*f.snap)), TypeError, "generator",
        "restore generator"),
    row(lambda f: weights.restore_weights(f.dense, f.snap[:2]), ValueError, "2 arrays",
        "restore count"),
    row(lambda f: weights.restore_weights(f.dense, ["a"] * len(f.snap)), TypeError,
        "snapshot[0]", "restore strings"),
    row(lambda f: weights.restore_weights(f.dense, [np.zeros(1)] * len(f.snap)), ValueError,
        "(1,)", "restore shape"),
    row(lambda f: weights.count_params(3), TypeError, "int 3", "count_params int"),
    row(lambda f: weights.is_statistic("x"), TypeError, "str", "is_statistic str"),
    row(lambda f: weights.weight_drift(f.dense, f.snap[:-1]), ValueError, "does not match",
        "drift count"),
    row(lambda f: weights.weight_drift(f.dense, _gen(*f.snap)), TypeError, "generator",
        "drift generator"),
    row(lambda f: weights.weight_drift(f.dense, f.snap, groups=[1]), TypeError, "list",
        "drift groups list"),
    row(lambda f: weights.weight_drift(f.dense, f.snap, groups={"g": f.dense.layers[0]}),
        TypeError, "'g'", "drift group layer"),
    row(lambda f: weights.weight_drift(f.dense, f.snap, groups={"g": ["low"]}), TypeError,
        "'low'", "drift group name"),
    # ---- utils.metrics
    row(lambda f: metrics.score_regression([0, 1, 2], [0, NAN, 2]), ValueError, "NaN",
        "regression nan"),
    row(lambda f: metrics.score_regression(["a", "b", "c"], [0, 1, 2]), TypeError, "'a'",
        "regression str"),
    row(lambda f: metrics.score_regression([1, 2], [1, 2]), ValueError, "2 scores",
        "regression short"),
    row(lambda f: metrics.score_regression([1, 2, 3], np.ones((3, 2))), ValueError, "(3, 2)",
        "regression 2 columns"),
    row(lambda f: metrics.score_classification([2, 0], [0.1, 0.2]), ValueError, "got 2",
        "classification label 2"),
    row(lambda f: metrics.score_classification([1, 0], [NAN, 0.2]), ValueError, "NaN",
        "classification nan"),
    row(lambda f: metrics.score_classification([1, 0], [0.9, 0.2], "x"), TypeError, "'x'",
        "classification threshold str"),
    row(lambda f: metrics.score_classification([1, 0], [0.9, 0.2], NAN), ValueError, "nan",
        "classification threshold nan"),
    row(lambda f: metrics.score_classification([1, 0], [0.9]), ValueError, "1 scores",
        "classification lengths"),
    row(lambda f: metrics.tune_threshold([0, 3], [0.1, 0.9]), ValueError, "got 3",
        "tune_threshold label 3"),
    row(lambda f: metrics.tune_threshold([0, 1], [0.1, INF]), ValueError, "infinite",
        "tune_threshold inf"),
    # ---- utils.config
    row(lambda f: config.get_profile(3), TypeError, "3", "profile int"),
    row(lambda f: config.get_profile("quik"), ValueError, "Did you mean 'quick'",
        "profile typo"),
    row(lambda f: config.get_seed(np.float32(3.5)), ValueError, "3.5", "seed np float"),
    row(lambda f: config.get_seed(INF), ValueError, "inf", "seed inf"),
    row(lambda f: config.get_seed(np.True_), ValueError, "True", "seed np bool"),
    row(lambda f: config.get_seed(2**32), ValueError, "4294967296", "seed too big"),
    row(lambda f: config.pick(1, 2, "fast"), ValueError, "'fast'", "pick profile"),
    row(lambda f: config.describe_environment("quick", -1), ValueError, "-1",
        "describe seed"),
    # ---- utils.results
    row(lambda f: results.record_results(3, {}), TypeError, "int 3", "record notebook int"),
    row(lambda f: results.record_results("feature", {}), ValueError, "'feature'",
        "record notebook stem"),
    row(lambda f: results.record_results("02_x", [1]), TypeError, "list", "record metrics list"),
    row(lambda f: results.record_results("02_x", {"m": {"k": object()}}), TypeError,
        "metrics['m']['k']", "record metric object"),
    row(lambda f: results.record_results("02_x", {}, profile="fast"), ValueError, "'fast'",
        "record profile"),
    row(lambda f: results.record_results("02_x", {}, seed=-1), ValueError, "-1", "record seed"),
    row(lambda f: results.record_results("02_x", {}, directory=3), TypeError, "int 3",
        "record directory"),
    row(lambda f: results.load_results("x", "quick"), ValueError, "'x'", "load stem"),
    row(lambda f: results.load_results("02_x", "fast"), ValueError, "'fast'", "load profile"),
    row(lambda f: results.load_results(2, "quick"), TypeError, "int 2", "load notebook int"),
    # ---- utils.models.pooling
    row(lambda f: models.ClsPool()(np.ones((2, 8)), np.ones((2, 8), bool)), ValueError,
        "(2, 8)", "ClsPool 2-D"),
    row(lambda f: models.PairFeatures()(np.ones((2, 4)), np.ones((2, 5))), ValueError,
        "(2, 5)", "PairFeatures widths"),
    row(lambda f: models.mean_pool(np.ones((2, 8)), np.ones((2, 8), bool)), ValueError,
        "(2, 8)", "mean_pool 2-D"),
    row(lambda f: models.mean_pool(np.ones((2, 5, 4)), np.ones((2, 3), bool)), ValueError,
        "(2, 3)", "mean_pool mask length"),
    row(lambda f: models.mean_pool(np.ones((2, 5, 4)), np.ones((2, 5), bool), name=3),
        TypeError, "3", "mean_pool name"),
    row(lambda f: models.pool(np.ones((1, 3, 2)), np.ones((1, 3), bool), "max"), ValueError,
        "'max'", "pool choice"),
    row(lambda f: models.pool(np.ones((1, 3, 2)), np.ones((1, 3), bool), "cls", name=1),
        TypeError, "1", "pool name"),
    # ---- utils.models.pairs
    row(lambda f: models.build_cross_encoder("bert"), TypeError, "'bert'", "cross encoder str"),
    row(lambda f: models.build_cross_encoder(keras.layers.Dense(3)), TypeError, "Dense",
        "cross encoder Dense"),
    row(lambda f: models.build_cross_encoder(f.encoder, "regresion"), ValueError,
        "Did you mean 'regression'", "cross encoder task"),
    row(lambda f: models.build_cross_encoder(f.encoder, pooling="max"), ValueError, "'max'",
        "cross encoder pooling"),
    row(lambda f: models.build_cross_encoder(f.encoder, dropout=1.0), ValueError, "1.0",
        "cross encoder dropout 1"),
    row(lambda f: models.build_cross_encoder(f.encoder, dropout=NAN), ValueError, "nan",
        "cross encoder dropout nan"),
    row(lambda f: models.build_cross_encoder(f.encoder, name=3), TypeError, "3",
        "cross encoder name"),
    row(lambda f: models.transfer_encoder("m", "classification"), TypeError, "str",
        "transfer str"),
    row(lambda f: models.transfer_encoder(f.dense, "classification"), ValueError,
        "no text encoder", "transfer no encoder"),
    row(lambda f: models.transfer_encoder(f.encoder, "clasification"), ValueError,
        "Did you mean 'classification'", "transfer task"),
    row(lambda f: models.build_pair_models(f.encoder, pooling="clss"), ValueError,
        "Did you mean 'cls'", "pair models pooling"),
    row(lambda f: models.build_pair_models(f.encoder, dropout=-0.1), ValueError, "-0.1",
        "pair models dropout"),
    row(lambda f: models.build_pair_models("enc"), TypeError, "'enc'", "pair models encoder"),
    row(lambda f: models.PairModels(f.encoder, "x", "x", "x", "x", {}, []), TypeError,
        "PairModels.stsb", "PairModels fields"),
    # ---- utils.models.heads
    row(lambda f: models.build_head("bilstn", H), ValueError, "Did you mean 'bilstm'",
        "head choice"),
    row(lambda f: models.build_head("cls", 0), ValueError, "got 0", "head hidden 0"),
    row(lambda f: models.build_head("cls", 16.0), TypeError, "16.0", "head hidden float"),
    row(lambda f: models.build_head("bilstm", H, lstm_units=0), ValueError, "got 0",
        "head lstm 0"),
    row(lambda f: models.build_head("mean", H, dropout=1.0), ValueError, "1.0", "head dropout"),
    row(lambda f: models.build_head("mean", H, name=3), TypeError, "3", "head name"),
    row(lambda f: models.build_pair_classifier(keras.layers.Dense(3)), TypeError, "Dense",
        "pair classifier Dense"),
    row(lambda f: models.build_pair_classifier(f.encoder, "lstm"), ValueError, "'lstm'",
        "pair classifier head"),
    row(lambda f: models.build_pair_classifier(f.encoder, train_encoder="yes"), TypeError,
        "'yes'", "pair classifier flag"),
    row(lambda f: models.count_head_params(keras.layers.Dense(3)), TypeError, "Dense",
        "count_head_params layer"),
    row(lambda f: models.build_embedding_head(0), ValueError, "got 0", "embedding head 0"),
    row(lambda f: models.build_embedding_head("16"), TypeError, "'16'", "embedding head str"),
    row(lambda f: models.build_embedding_head(H, dropout=NAN), ValueError, "nan",
        "embedding head dropout"),
    # ---- utils.models.inference
    row(lambda f: models.predict_padded("m", f.feats[0]), TypeError, "str", "predict model"),
    row(lambda f: models.predict_padded(f.head, [1]), TypeError, "list", "predict x list"),
    row(lambda f: models.predict_padded(f.head, {}), TypeError, "dict", "predict x empty"),
    row(lambda f: models.predict_padded(f.head, {"sequence_output": f.feats[0]["sequence_output"],
                                                 "padding_mask": np.ones((3, T), bool)}),
        ValueError, "'padding_mask': 3", "predict lengths"),
    row(lambda f: models.predict_padded(f.head, f.feats[0], batch_size=0), ValueError, "got 0",
        "predict batch 0"),
    row(lambda f: models.predict_padded(f.head, f.feats[0], batch_size=2.5), TypeError, "2.5",
        "predict batch float"),
    row(lambda f: models.extract_token_features(keras.layers.Dense(3), f.tokens), TypeError,
        "Dense", "features encoder"),
    row(lambda f: models.extract_token_features(f.encoder, {"token_ids": f.tokens["token_ids"]}),
        KeyError, "segment_ids", "features keys"),
    row(lambda f: models.extract_token_features(f.encoder, f.tokens, batch_size=0), ValueError,
        "got 0", "features batch"),
    row(lambda f: models.embed_pairs(f.encoder, ["a"], None), TypeError, "list",
        "embed pairs list"),
    row(lambda f: models.embed_pairs(f.encoder, f.data["mrpc_dev"], None, batch_size=0),
        ValueError, "got 0", "embed batch"),
    row(lambda f: models.cosine(np.ones((2, 3)), np.ones((3, 3))), ValueError, "(3, 3)",
        "cosine shapes"),
    row(lambda f: models.cosine(np.ones((2, 3)), np.full((2, 3), NAN)), ValueError, "NaN",
        "cosine nan"),
    row(lambda f: models.cosine(np.array([["a"]]), np.array([["b"]])), TypeError, "<U1",
        "cosine str"),
    row(lambda f: models.compute_cosine_similarity("m", f.data["mrpc_dev"], None), TypeError,
        "str", "cosine sim embedder"),
    row(lambda f: models.compute_cosine_similarity(f.head, ["a"], None), TypeError, "list",
        "cosine sim pairs"),
    row(lambda f: models.compute_cosine_similarity(f.head, f.data["mrpc_dev"], None,
                                                   batch_size=-1), ValueError, "got -1",
        "cosine sim batch"),
    # ---- utils.models.split (a SplitEncoder with no models: its checks come before them)
    row(lambda f: models.split_encoder(f.encoder), ValueError, "has 1", "split 1 layer"),
    row(lambda f: models.split_encoder(keras.layers.Dense(3)), TypeError, "Dense", "split Dense"),
    row(lambda f: models.split_encoder("enc"), TypeError, "str", "split str"),
    row(lambda f: models.lower_layers(f.dense, 1), TypeError, "Sequential",
        "lower_layers Sequential"),
    row(lambda f: models.split_encoder(keras_hub.models.BertBackbone(
        vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=H, intermediate_dim=32,
        max_sequence_length=16), top=0), ValueError, "got 0", "split top 0"),
    row(lambda f: models.split_encoder(keras_hub.models.BertBackbone(
        vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=H, intermediate_dim=32,
        max_sequence_length=16), top="1"), TypeError, "'1'", "split top str"),
    row(lambda f: models.SplitEncoder(f.encoder, 1, None, None).cache(
        {"token_ids": f.tokens["token_ids"]}), KeyError, "segment_ids", "split cache keys"),
    row(lambda f: models.SplitEncoder(f.encoder, 1, None, None).cache("x"), TypeError, "str",
        "split cache str"),
    row(lambda f: models.SplitEncoder(f.encoder, 1, None, None).features(f.feats[0]), KeyError,
        "'hidden'", "split features keys"),
    # ---- utils.models.alternatives
    row(lambda f: models.random_encoder_like(keras.layers.Dense(3), 0), TypeError, "Dense",
        "random encoder Dense"),
    row(lambda f: models.random_encoder_like(f.encoder, -1), ValueError, "got -1",
        "random encoder seed -1"),
    row(lambda f: models.random_encoder_like(f.encoder, 1.5), TypeError, "1.5",
        "random encoder seed float"),
    row(lambda f: models.load_hub_encoder("hf://x/y"), TypeError, "'hf://x/y'", "hub hf://"),
    row(lambda f: models.load_hub_encoder("noslash"), TypeError, "'noslash'", "hub no slash"),
    row(lambda f: models.load_hub_encoder(3), TypeError, "got 3", "hub int"),
    # ---- utils.models.tokenizer
    row(lambda f: models.load_pair_tokenizer(16).tokens(["a cat"]), TypeError, "list",
        "tokens list"),
    row(lambda f: models.token_overlap(["a", "b"], None), TypeError, "list", "overlap pairs"),
    row(lambda f: models.token_overlap(f.data["mrpc_dev"], "tok"), TypeError, "str",
        "overlap tokenizer"),
    # ---- utils.experiments.arms
    row(lambda f: experiments.ArmParams(epochs=0), ValueError, "got 0", "ArmParams epochs 0"),
    row(lambda f: experiments.ArmParams(lr=INF), ValueError, "inf", "ArmParams lr inf"),
    row(lambda f: experiments.ArmParams(lr=-1e-4), ValueError, "-0.0001", "ArmParams lr < 0"),
    row(lambda f: experiments.ArmParams(later_lr=NAN), ValueError, "nan", "ArmParams later nan"),
    row(lambda f: experiments.ArmParams(batch_size=1.5), TypeError, "1.5", "ArmParams batch"),
    row(lambda f: experiments.ArmParams(max_length=4), ValueError, "got 4", "ArmParams length"),
    row(lambda f: experiments.ArmParams(track_cosine="no"), TypeError, "'no'",
        "ArmParams flag"),
    row(lambda f: experiments.ArmParams(weight_decay=-0.1), ValueError, "-0.1",
        "ArmParams weight decay"),
    row(lambda f: experiments.ArmParams(verbose=5), ValueError, "got 5", "ArmParams verbose"),
    row(lambda f: experiments.Trained(stsb="yes"), TypeError, "'yes'", "Trained flag"),
    row(lambda f: experiments.Trained().after("mrcp"), KeyError, "Did you mean 'mrpc'",
        "Trained after"),
    row(lambda f: check_data([]), TypeError, "list", "check_data list"),
    row(lambda f: check_data({}), KeyError, "stsb_train", "check_data missing"),
    row(lambda f: check_data({**f.data, "mrpc_test": "x"}), TypeError, "'mrpc_test'",
        "check_data value"),
    row(lambda f: check_data({**f.data, "mrpc_dev": _pairs(4, "classification", [0, 1, 2, 1])}),
        ValueError, "got 2", "check_data MRPC label 2"),
    row(lambda f: check_data({**f.data, "stsb_dev": _pairs(3, "regression", [0.0, 7.0, 1.0])}),
        ValueError, "got 7", "check_data STS-B label 7"),
    row(lambda f: ArmContext("m", {}, {}, experiments.ArmParams(), None, 0, "k"), TypeError,
        "ArmContext.models", "ArmContext models"),
    row(lambda f: ArmContext(f.ctx.models, {}, {}, experiments.ArmParams(), None, -1, "k"),
        ValueError, "got -1", "ArmContext seed"),
    row(lambda f: check_seed(-1), ValueError, "got -1", "check_seed negative"),
    row(lambda f: check_seed(1.5), TypeError, "1.5", "check_seed float"),
    row(lambda f: experiments.arm_stages("Z"), KeyError, "'Z'", "arm unknown"),
    row(lambda f: experiments.arm_stages(("stsb", "mrcp")), KeyError, "Did you mean 'mrpc'",
        "arm kind typo"),
    row(lambda f: experiments.arm_stages(5), TypeError, "int 5", "arm int"),
    row(lambda f: experiments.arm_stages(()), KeyError, "at least one", "arm empty"),
    row(lambda f: experiments.prepare_arm(f.data, "p", 0, None, None), TypeError, "str",
        "prepare params"),
    row(lambda f: experiments.prepare_arm(f.data, experiments.ArmParams(), -1, None, None),
        ValueError, "got -1", "prepare seed"),
    row(lambda f: experiments.prepare_arm(f.data, experiments.ArmParams(), 0, "m", None),
        TypeError, "str", "prepare models"),
    # ---- utils.experiments.double_finetune
    row(lambda f: experiments.start_stage("ctx", None), TypeError, "str", "start_stage ctx"),
    row(lambda f: experiments.start_stage(f.ctx, {"encoder": []}), KeyError, "'heads'",
        "start_stage state"),
    row(lambda f: experiments.train_stage("ctx", "mrpc", 1e-4, 0), TypeError, "str",
        "train_stage ctx"),
    row(lambda f: experiments.train_stage(f.ctx, "mrcp", 1e-4, 0), ValueError,
        "Did you mean 'mrpc'", "train_stage kind"),
    row(lambda f: experiments.train_stage(f.ctx, "mrpc", INF, 0), ValueError, "inf",
        "train_stage lr inf"),
    row(lambda f: experiments.train_stage(f.ctx, "mrpc", 1e-4, -1), ValueError, "got -1",
        "train_stage index"),
    row(lambda f: experiments.evaluate_stage(f.ctx, "t", True), TypeError, "str",
        "evaluate trained"),
    row(lambda f: experiments.evaluate_stage(f.ctx, experiments.Trained(), "yes"), TypeError,
        "'yes'", "evaluate flag"),
    row(lambda f: experiments.evaluate_stage(f.ctx, experiments.Trained(), True, []), TypeError,
        "predictions must be a dict", "evaluate predictions"),
    row(lambda f: experiments.run_arm("Z", f.data), KeyError, "'Z'", "run_arm arm"),
    row(lambda f: experiments.run_arm("A", f.data, "p"), TypeError, "str", "run_arm params"),
    row(lambda f: experiments.run_arm("A", f.data, seed=-1), ValueError, "got -1",
        "run_arm seed"),
    row(lambda f: experiments.run_arm("A", f.data, seed=1.5), TypeError, "1.5",
        "run_arm seed float"),
    row(lambda f: experiments.run_arm("A", f.data, models="m"), TypeError, "str",
        "run_arm models"),
    row(lambda f: experiments.run_arm("A", {**f.data, "mrpc_train": _pairs(
        4, "classification", [0, 2, 1, 0])}), ValueError, "got 2", "run_arm label 2"),
    # ---- utils.experiments.heads
    row(lambda f: experiments.run_head_arm("lstm", f.feats, {}), ValueError, "'lstm'",
        "head arm head"),
    row(lambda f: experiments.run_head_arm("cls", "xy", {}), TypeError, "str", "head arm train"),
    row(lambda f: experiments.run_head_arm("cls", f.feats, []), TypeError, "list",
        "head arm evals"),
    row(lambda f: experiments.run_head_arm("cls", (f.feats[0], f.feats[1] * 2), {}), ValueError,
        "got 2", "head arm label 2"),
    row(lambda f: experiments.run_head_arm("cls", (f.feats[0], f.feats[1][:3]), {}), ValueError,
        "3 labels", "head arm lengths"),
    row(lambda f: experiments.run_head_arm("cls", f.feats, {}, epochs=0), ValueError, "got 0",
        "head arm epochs 0"),
    row(lambda f: experiments.run_head_arm("cls", f.feats, {}, lr=INF), ValueError, "inf",
        "head arm lr inf"),
    row(lambda f: experiments.run_head_arm("cls", f.feats, {}, batch_size=0), ValueError,
        "got 0", "head arm batch 0"),
    row(lambda f: experiments.run_head_arm("cls", f.feats, {}, seed=-1), ValueError, "got -1",
        "head arm seed"),
    row(lambda f: experiments.run_head_arm("cls", f.feats, {}, lstm_units=0), ValueError,
        "got 0", "head arm lstm 0"),
    row(lambda f: experiments.run_head_arm("cls", f.feats, {}, dropout=1.0), ValueError, "1.0",
        "head arm dropout"),
    row(lambda f: experiments.run_head_arm("cls", f.feats, {}, verbose=7), ValueError, "got 7",
        "head arm verbose"),
    row(lambda f: experiments.run_head_arm("cls", f.feats, {}, encoder=keras.layers.Dense(2)),
        TypeError, "Dense", "head arm encoder"),
    row(lambda f: experiments.run_head_arm("cls", (f.tokens, np.array([0, 1, 0, 1])), {},
                                           encoder=models.SplitEncoder(f.encoder, 1, None, None)),
        KeyError, "cached activations", "head arm split tokens"),
    row(lambda f: experiments.run_head_arm(
        "cls", ({"hidden": np.zeros((4, T, H), "float32"), "padding_mask": np.ones((4, T), bool)},
                np.array([0, 1, 0, 1])), {}, encoder=models.SplitEncoder(f.encoder, 1, None, None)),
        ValueError, "snapshot_weights(split.upper)", "head arm split pretrained"),
    # ---- utils.experiments.self_training
    row(lambda f: experiments.select_confident([0.9], 0.3), ValueError, "[0.5, 1.0)",
        "select threshold low"),
    row(lambda f: experiments.select_confident([0.9], "x"), TypeError, "'x'",
        "select threshold str"),
    row(lambda f: experiments.select_confident([0.9], np.float32(1.0)), ValueError, "1.0",
        "select threshold np 1"),
    row(lambda f: experiments.select_confident(["a"], 0.9), TypeError, "'a'", "select probs str"),
    row(lambda f: experiments.select_confident([0.2, 1.5], 0.9), ValueError, "1.5",
        "select probs > 1"),
    row(lambda f: experiments.select_confident(np.ones((3, 2)) / 2, 0.9), ValueError, "(3, 2)",
        "select probs 2 columns"),
    row(lambda f: experiments.audit_pseudo_labels([0.5], [1], [1, 0]), TypeError, "float64",
        "audit float indices"),
    row(lambda f: experiments.audit_pseudo_labels([0], [2], [1, 0]), ValueError, "got 2",
        "audit pseudo label 2"),
    row(lambda f: experiments.audit_pseudo_labels([0], [1], [1, 3]), ValueError, "got 3",
        "audit true label 3"),
    row(lambda f: experiments.audit_pseudo_labels([0, 0], [1, 1], [1, 0]), ValueError, "repeat",
        "audit repeated"),
    row(lambda f: experiments.audit_pseudo_labels([5], [1], [1, 0]), ValueError, "5",
        "audit out of range"),
    row(lambda f: experiments.run_self_training(f.dense, f.feats, f.feats[0], f.feats),
        TypeError, "compile", "self-training not compiled"),
    row(lambda f: experiments.run_self_training(f.head, f.feats, f.feats[0], f.feats, epochs=0),
        ValueError, "got 0", "self-training epochs 0"),
    row(lambda f: experiments.run_self_training(f.head, f.feats, f.feats[0], f.feats, rounds=0),
        ValueError, "got 0", "self-training rounds 0"),
    row(lambda f: experiments.run_self_training(f.head, f.feats, f.feats[0], f.feats,
                                                batch_size=0), ValueError, "got 0",
        "self-training batch 0"),
    row(lambda f: experiments.run_self_training(f.head, f.feats, f.feats[0], f.feats, seed=-1),
        ValueError, "got -1", "self-training seed"),
    row(lambda f: experiments.run_self_training(f.head, f.feats, f.feats[0], f.feats,
                                                thresholds=0.9), TypeError, "(0.9,)",
        "self-training one threshold"),
    row(lambda f: experiments.run_self_training(f.head, f.feats, f.feats[0], f.feats,
                                                thresholds=(0.9, 0.9)), ValueError, "(0.9, 0.9)",
        "self-training repeated thresholds"),
    row(lambda f: experiments.run_self_training(f.head, f.feats, f.feats[0], f.feats,
                                                thresholds="0.9"), TypeError, "'0.9'",
        "self-training thresholds str"),
    row(lambda f: experiments.run_self_training(f.head, (f.feats[0], f.feats[1] * 2),
                                                f.feats[0], f.feats), ValueError, "got 2",
        "self-training label 2"),
    row(lambda f: experiments.run_self_training(f.head, f.feats, f.feats[0],
                                                (f.feats[0], f.feats[1] - 1)), ValueError,
        "got -1", "self-training dev label -1"),
    row(lambda f: experiments.run_self_training(f.head, f.feats, f.feats[0], f.feats,
                                                audit_labels=np.full(8, 2)), ValueError,
        "got 2", "self-training audit label 2"),
    row(lambda f: experiments.run_self_training(
        f.head, f.feats, {k: v[:0] for k, v in f.feats[0].items()}, f.feats), ValueError,
        "no rows", "self-training empty pool"),
    row(lambda f: experiments.run_self_training(f.head, f.feats[0], f.feats[0], f.feats),
        TypeError, "dict", "self-training labeled not a pair"),
    row(lambda f: experiments.run_self_training(f.head, f.feats, f.feats[0], f.feats, verbose=9),
        ValueError, "got 9", "self-training verbose"),
    # ---- utils.experiments.reports
    row(lambda f: experiments.summarize_runs([]), ValueError, "empty", "runs empty"),
    row(lambda f: experiments.summarize_runs(["x"]), TypeError, "'x'", "runs str"),
    row(lambda f: experiments.summarize_runs([{"arm": "A"}]), KeyError, "'seed'",
        "runs missing keys"),
    row(lambda f: experiments.summarize_runs([f.run], "mrpc"), TypeError, "('mrpc',)",
        "runs metrics str"),
    row(lambda f: experiments.summarize_runs([f.run], ("mrpc_tst_accuracy",)), KeyError,
        "Did you mean 'mrpc_test_accuracy'", "runs unknown metric"),
    row(lambda f: experiments.summarize_head_runs([]), ValueError, "empty", "head runs empty"),
    row(lambda f: experiments.summarize_head_runs([{"head": "cls"}]), KeyError, "'fine_tuned'",
        "head runs keys"),
    row(lambda f: experiments.summarize_self_training("x"), TypeError, "str",
        "self-training result str"),
    row(lambda f: experiments.summarize_self_training({}), KeyError, "'supervised'",
        "self-training result keys"),
    # ---- utils.plotting
    row(lambda f: new_figure(0), ValueError, "got 0", "new_figure rows"),
    row(lambda f: new_figure(1, 1, (0, 4)), ValueError, "got 0", "new_figure size 0"),
    row(lambda f: new_figure(1, 1, "big"), TypeError, "'big'", "new_figure size str"),
    row(lambda f: history_dict(3), TypeError, "int", "history_dict int"),
    row(lambda f: check_text("title", 3), TypeError, "int 3", "check_text int"),
    row(lambda f: check_class_names([]), TypeError, "[]", "check_class_names empty"),
    row(lambda f: plotting.plot_history({"loss": [1.0]}, "los"), KeyError, "Did you mean 'loss'",
        "history metric typo"),
    row(lambda f: plotting.plot_history({"loss": [1.0]}, 3), TypeError, "3", "history metric int"),
    row(lambda f: plotting.plot_history({"loss": [1.0]}, "loss", title=3), TypeError, "int 3",
        "history title"),
    row(lambda f: plotting.plot_confusion([0, 1.5], [0, 1], ["a", "b"]), ValueError, "got 1.5",
        "confusion label 1.5"),
    row(lambda f: plotting.plot_confusion([0, NAN], [0, 1], ["a", "b"]), ValueError, "NaN",
        "confusion nan"),
    row(lambda f: plotting.plot_confusion([0, 1], np.eye(3)[:2], ["a", "b"]), ValueError,
        "3 probability columns", "confusion probs width"),
    row(lambda f: plotting.plot_confusion([0, 1], [0, 1], []), TypeError, "[]",
        "confusion no names"),
    row(lambda f: plotting.plot_trainable("m"), TypeError, "'m'", "trainable str"),
    row(lambda f: plotting.plot_trainable(f.dense, title=1), TypeError, "int 1",
        "trainable title"),
    row(lambda f: plotting.plot_bars({"a": NAN}), ValueError, "nan", "bars nan"),
    row(lambda f: plotting.plot_bars({"a": (0.5, -0.1)}), ValueError, "-0.1", "bars std < 0"),
    row(lambda f: plotting.plot_bars({"a": True}), TypeError, "True", "bars bool"),
    row(lambda f: plotting.plot_bars({"a": 0.5}, ylim=(1, 0)), ValueError, "(1, 0)",
        "bars ylim"),
    row(lambda f: plotting.plot_images(f.images, [0, 5, 1], ["a", "b"]), ValueError, "got 5",
        "images label 5"),
    row(lambda f: plotting.plot_images(f.images, [0, 0.5, 1]), ValueError, "0.5",
        "images label 0.5"),
    row(lambda f: plotting.plot_images(f.images, ncols=0), ValueError, "got 0", "images ncols 0"),
    row(lambda f: plotting.plot_images(f.images, ncols=2.5), TypeError, "2.5",
        "images ncols float"),
    row(lambda f: plotting.plot_images(np.zeros((0, 8, 8)), ncols=2), ValueError, "(0, 8, 8)",
        "images none"),
    row(lambda f: plotting.plot_stages("x"), TypeError, "str", "stages str"),
    row(lambda f: plotting.plot_stages(f.staged, "acuracy"), KeyError,
        "Did you mean 'accuracy'", "stages metric typo"),
    row(lambda f: plotting.plot_weight_drift({}), ValueError, "empty", "drift empty"),
    row(lambda f: plotting.plot_weight_drift({"r": [1]}), TypeError, "dict", "drift not dict"),
    row(lambda f: plotting.plot_weight_drift({"r": {"l": -1.0}}), ValueError, "-1.0",
        "drift negative"),
    row(lambda f: plotting.plot_weight_drift({"r": {"l": NAN}}), ValueError, "nan", "drift nan"),
    row(lambda f: plotting.plot_grid_heatmap(f.grid, fmt="d"), ValueError, "'d'",
        "heatmap fmt"),
    row(lambda f: plotting.plot_grid_heatmap(f.grid, cmap="virdis"), ValueError,
        "Did you mean 'viridis'", "heatmap cmap"),
    row(lambda f: plotting.plot_grid_heatmap(f.grid, cmap=3), TypeError, "3", "heatmap cmap int"),
    row(lambda f: plotting.plot_grid_heatmap(f.grid, vmin=1, vmax=0), ValueError, "vmin=1.0",
        "heatmap vmin >= vmax"),
    row(lambda f: plotting.plot_grid_heatmap(f.grid, vmin="low"), TypeError, "'low'",
        "heatmap vmin str"),
    row(lambda f: plotting.plot_grid_heatmap(pd.DataFrame()), ValueError, "(0, 0)",
        "heatmap empty"),
    row(lambda f: plotting.plot_arm_stages([f.run], "mrpc"), TypeError, "('mrpc',)",
        "arm plot metrics str"),
    row(lambda f: plotting.plot_arm_stages([f.run], ()), ValueError, "empty",
        "arm plot no metrics"),
    row(lambda f: plotting.plot_arm_stages([], ("mrpc_test_accuracy",)), ValueError, "empty",
        "arm plot no runs"),
    row(lambda f: plotting.plot_head_comparison("t"), TypeError, "str", "head plot table"),
    row(lambda f: plotting.plot_head_comparison(f.head_table, "dev_acc"), KeyError,
        "Did you mean 'dev_accuracy'", "head plot metric"),
    row(lambda f: plotting.plot_head_comparison(f.head_table, baseline="x"), TypeError, "'x'",
        "head plot baseline"),
    row(lambda f: plotting.plot_self_training("t"), TypeError, "str", "self plot table"),
    row(lambda f: plotting.plot_self_training(f.st_table, "test_accuracy"), KeyError,
        "'test_accuracy'", "self plot metric"),
    row(lambda f: plotting.plot_self_training(f.st_table[f.st_table["round"] > 0]), ValueError,
        "round 0", "self plot no round 0"),
]


@pytest.mark.parametrize(("call", "exc", "needle"), BAD)
def test_bad_input_is_rejected_naming_the_value(f, call, exc, needle):
    with pytest.raises(exc) as caught:
        call(f)
    assert type(caught.value) is exc, f"{type(caught.value).__name__}: {caught.value}"
    message = str(caught.value)
    assert needle in message, f"the message should name {needle!r}: {message}"


def _fit_generator(f):
    """fit_stages given a generator of stages trains them (it used to train 0 epochs)."""
    model = keras.models.clone_model(f.dense)
    run = training.fit_stages(model, _gen(Stage("head", np.int64(1), np.float32(1e-2))),
                              f.x, f.y, batch_size=np.int64(32))
    assert run.epochs == 1 and run.stages == [("head", 0, 1)], run.stages
    return run


GOOD = [  # valid NumPy scalars (and one-pass iterators) next to the bad ones: all accepted
    row(lambda f: validate.check_bool("flag", np.True_) is True, None, None, "check_bool np"),
    row(lambda f: validate.check_verbose("v", np.int64(1)) == 1, None, None, "verbose np"),
    row(lambda f: validate.check_labels("y", np.array([0.0, 1.0]), (0, 1)).shape == (2,), None,
        None, "labels floats 0/1"),
    row(lambda f: _stage(epochs=np.int64(2), optimizer=np.float32(1e-3)).epochs == 2, None, None,
        "Stage numpy"),
    row(lambda f: type(_stage(epochs=np.int64(2)).epochs) is int, None, None, "Stage epochs int"),
    row(lambda f: _stage(optimizer=1).optimizer == 1.0, None, None, "Stage lr int"),
    row(_fit_generator, None, None, "fit_stages generator + numpy"),
    row(lambda f: len(training.gradual_unfreezing_stages(
        _gen([f.dense.layers[0]], [f.dense.layers[1]]), np.int64(1), np.float32(1e-3))) == 2,
        None, None, "gradual generator + numpy"),
    row(lambda f: optim.text_optimizer(np.float32(1e-4)).weight_decay == 0.01, None, None,
        "text_optimizer np"),
    row(lambda f: optim.reset_optimizer(f.built_optimizer, np.float64(1e-3)) is f.built_optimizer,
        None, None, "reset_optimizer np"),
    row(lambda f: optim.warmup_cosine(np.float32(1e-3), np.int64(10), np.int64(1)) is not None,
        None, None, "warmup np"),
    row(lambda f: optim.discriminative_multipliers(np.int64(2), np.float32(2.0)) == [0.5, 1.0],
        None, None, "multipliers np"),
    row(lambda f: optim.make_discriminative(keras.optimizers.Adam(), [[f.dense.layers[0]]],
                                            multipliers=[np.float32(0.5)]) is not None,
        None, None, "discriminative np"),
    row(lambda f: len(optim.split_layer_groups(f.dense.layers, np.int64(2))) == 2, None, None,
        "split np"),
    row(lambda f: freezing.set_trainable(f.nested, np.True_) is f.nested, None, None,
        "set_trainable np"),
    row(lambda f: freezing.unfreeze_top(f.nested, np.int64(1), keep_bn_frozen=np.True_)
        is f.nested, None, None, "unfreeze_top np"),
    row(lambda f: freezing.set_batchnorm_trainable(f.nested, np.False_) == 1, None, None,
        "set_batchnorm np"),
    row(lambda f: metrics.score_classification(np.array([1, 0]), np.array([0.9, 0.2]),
                                               np.float32(0.5)) == {"accuracy": 1.0, "f1": 1.0},
        None, None, "score np"),
    row(lambda f: config.get_seed(np.int64(7)) == 7 and config.get_seed(7.0) == 7, None, None,
        "seed np"),
    row(lambda f: models.build_head("bilstm", np.int64(H), np.int64(4), np.float32(0.1))
        .output_shape == (None, 1), None, None, "build_head np"),
    row(lambda f: models.build_embedding_head(np.int64(H), np.float64(0.1)).output_shape
        == (None, 1), None, None, "embedding head np"),
    row(lambda f: models.build_cross_encoder(f.encoder, dropout=np.float32(0.1)).output_shape
        == (None, 1), None, None, "cross encoder np"),
    row(lambda f: models.predict_padded(f.head, f.feats[0], np.int64(3)).shape == (8,), None,
        None, "predict np"),
    row(lambda f: experiments.ArmParams(epochs=np.int64(2), lr=np.float32(1e-4)).epochs == 2,
        None, None, "ArmParams np"),
    row(lambda f: check_seed(np.int64(3)) == 3, None, None, "check_seed np"),
    row(lambda f: experiments.select_confident([0.95, 0.5], np.float32(0.9))[0].tolist() == [0],
        None, None, "select np threshold (the probe's case)"),
    row(lambda f: experiments.audit_pseudo_labels(np.array([0], np.int32), [1.0], [1, 0])
        ["pseudo_accuracy"] == 1.0, None, None, "audit np"),
    row(lambda f: experiments.run_head_arm("mean", f.feats, {"dev": f.feats}, epochs=np.int64(1),
                                           lr=np.float32(1e-2), batch_size=np.int64(8),
                                           seed=np.int64(0), dropout=np.float32(0.0))
        ["head"] == "mean", None, None, "run_head_arm np"),
    row(lambda f: len(experiments.run_self_training(
        f.head, f.feats, f.feats[0], f.feats, thresholds=_gen(np.float32(0.9)),
        rounds=np.int64(1), epochs=np.int64(1), batch_size=np.int64(8), seed=np.int64(0))
        ["runs"]) == 1, None, None, "run_self_training np + generator"),
    row(lambda f: len(experiments.summarize_runs(_gen(f.run))) == 2, None, None,
        "summarize_runs generator"),
    row(lambda f: new_figure(np.int64(1), np.int64(2))[1].shape == (1, 2), None, None,
        "new_figure np"),
    row(lambda f: plotting.plot_bars({"a": np.float32(0.5), "b": (np.float64(0.6), 0.01)})
        is not None, None, None, "bars np"),
    row(lambda f: plotting.plot_images(f.images, np.array([0, 1, 1]), ["a", "b"],
                                       ncols=np.int64(2)) is not None, None, None, "images np"),
    row(lambda f: plotting.plot_confusion(np.array([0, 1]), np.array([0.0, 1.0]), "ab")
        is not None, None, None, "confusion float labels"),
    row(lambda f: plotting.plot_grid_heatmap(f.grid, vmin=np.float32(0), vmax=np.int64(1))
        is not None, None, None, "heatmap np"),
    row(lambda f: plotting.plot_head_comparison(f.head_table, baseline=np.float32(0.5))
        is not None, None, None, "head plot np"),
    row(lambda f: models.random_encoder_like(f.encoder, np.int64(3)).count_params()
        == f.encoder.count_params(), None, None, "random encoder np seed"),
]


@pytest.mark.parametrize(("call", "exc", "needle"), GOOD)
def test_valid_numpy_scalars_are_accepted(f, call, exc, needle):
    assert call(f)


def _can_learn_count(model: keras.Model) -> int:
    """Leaf layers whose weights the model would train now."""
    ids = {id(v) for v in model.trainable_weights}
    return sum(any(id(v) in ids for v in layer.weights) for layer in freezing.iter_leaf_layers(model))


def _mixed_model() -> keras.Model:
    """Dense/BN/weightless layers interleaved, like a ResNet's conv-bn-add-relu tail."""
    inputs = keras.Input((6,))
    x = keras.layers.Dense(8, name="conv1")(inputs)
    x = keras.layers.BatchNormalization(name="conv1_bn")(x)
    x = keras.layers.ReLU(name="conv1_relu")(x)
    y = keras.layers.Dense(8, name="conv2")(x)
    y = keras.layers.BatchNormalization(name="conv2_bn")(y)
    x = keras.layers.Add(name="add")([x, y])
    x = keras.layers.ReLU(name="out_relu")(x)
    x = keras.layers.Dropout(0.1, name="dropout")(x)
    return keras.Model(inputs, x, name="resnet_like")


@pytest.mark.parametrize("unit", ["layers", "blocks"])
def test_unfreeze_top_counts_only_units_that_can_learn(unit):
    model = _mixed_model()
    for n in (1, 2):  # the top four layers (bn, add, relu, dropout) must not use up n
        freezing.unfreeze_top(model, n, unit=unit)
        assert _can_learn_count(model) == n, (unit, n, freezing.trainable_summary(model))
        assert not model.get_layer("conv2_bn").trainable, "BN stays frozen"
    assert {layer.name for layer in freezing.iter_leaf_layers(model)
            if layer.trainable} == {"conv1", "conv2"}
    with pytest.raises(ValueError, match=r"n must be in \[0, 2\]"):
        freezing.unfreeze_top(model, 3, unit=unit)
    freezing.unfreeze_top(model, 3, unit=unit, keep_bn_frozen=False)  # BN learns: 4 units
    assert _can_learn_count(model) == 3 and model.get_layer("conv2_bn").trainable
    assert model.get_layer("conv1_bn").trainable and not model.get_layer("conv1").trainable


def test_unfreeze_top_counts_layers_that_learn_through_sublayers():
    model = keras.Sequential([keras.Input((5, 3)),
                              keras.layers.Bidirectional(keras.layers.LSTM(2), name="bilstm"),
                              keras.layers.Dropout(0.1, name="drop")])
    freezing.unfreeze_top(model, 1)  # the Bidirectional owns no variable, its LSTMs do
    assert len(model.trainable_weights) == 6 and _can_learn_count(model) == 1
