"""Tests of utils.freezing on tiny models (offline, CPU, about a second)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from utils import freezing, models, weights


def _nested() -> keras.Model:
    """Outer model holding an inner model (Dense, BN, Dense) and a head."""
    inner = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="d1"),
         keras.layers.BatchNormalization(name="bn"), keras.layers.Dense(3, name="d2")],
        name="inner",
    )
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(2, name="head")(inner(inputs))
    return keras.Model(inputs, outputs, name="outer")


@pytest.fixture(scope="module")
def backbone() -> keras.Model:
    return models.load_backbone(image_size=32, weights=None)


def _trainable_names(model: keras.Model) -> set[str]:
    """Leaf layers whose weights the *outer* model would train."""
    ids = {id(v) for v in model.trainable_weights}
    return {layer.name for layer in freezing.iter_leaf_layers(model)
            if any(id(v) in ids for v in layer.weights)}


def test_iter_leaf_layers_walks_nested_models():
    names = [layer.name for layer in freezing.iter_leaf_layers(_nested())]
    assert names == ["d1", "bn", "d2", "head"]


def test_freeze_all_is_recursive():
    model = freezing.freeze_all(_nested())
    assert model.trainable_weights == []
    assert len(model.non_trainable_weights) == 10  # 3 Dense x 2 + BN x 4


def test_freeze_up_to_freezes_the_cut_and_below():
    model = freezing.freeze_up_to(_nested(), "d1")
    assert _trainable_names(model) == {"d2", "head"}  # bn stays frozen by default
    model = freezing.freeze_up_to(model, "d1", keep_bn_frozen=False)
    assert _trainable_names(model) == {"bn", "d2", "head"}
    assert model.get_layer("inner").trainable  # container re-enabled


def test_freeze_up_to_unknown_name_suggests_close_matches(backbone):
    with pytest.raises(KeyError, match="Did you mean 'block_13_expand"):
        freezing.freeze_up_to(backbone, "blok_13_expand")
    with pytest.raises(TypeError, match="layer_name"):
        freezing.freeze_up_to(backbone, 13)


def test_get_units_groups_mobilenet_blocks(backbone):
    units = freezing.get_units(backbone, "blocks")
    assert len(units) == 18  # stem + block_1..block_16 + top
    assert [layer.name for layer in units[-1]] == ["Conv_1", "Conv_1_bn", "out_relu"]
    assert all(layer.name.startswith("block_16_") for layer in units[-2])
    assert len(freezing.get_units(_nested(), "blocks")) == 4  # generic fallback
    with pytest.raises(ValueError, match="unit must be one of"):
        freezing.get_units(backbone, "stages")


def test_unfreeze_top_blocks_keeps_bn_frozen(backbone):
    freezing.unfreeze_top(backbone, 2, unit="blocks")
    trainable = {layer.name for layer in freezing.iter_leaf_layers(backbone) if layer.trainable}
    assert "Conv_1" in trainable and "block_16_project" in trainable
    assert "Conv_1_bn" not in trainable and "block_15_project" not in trainable
    assert _trainable_names(backbone) == {"Conv_1", "block_16_expand", "block_16_depthwise",
                                          "block_16_project"}


def test_unfreeze_top_layers_counts_weighted_layers():
    model = freezing.unfreeze_top(_nested(), 2, keep_bn_frozen=False)
    assert _trainable_names(model) == {"d2", "head"}
    assert freezing.unfreeze_top(_nested(), 0).trainable_weights == []
    with pytest.raises(ValueError, match=r"n must be in \[0, 3\]"):
        freezing.unfreeze_top(_nested(), 5)
    with pytest.raises(TypeError, match="n must be an int"):
        freezing.unfreeze_top(_nested(), 1.5)


def test_freeze_by_predicate():
    model = freezing.freeze_by(_nested(), lambda layer: layer.name.startswith("d"))
    assert _trainable_names(model) == {"bn", "head"}
    with pytest.raises(TypeError, match="predicate"):
        freezing.freeze_by(model, "d1")


def test_set_batchnorm_trainable_counts_and_sets(backbone):
    assert freezing.set_batchnorm_trainable(backbone, True) == 52
    assert backbone.base.get_layer("Conv_1_bn").trainable
    assert freezing.set_batchnorm_trainable(backbone, False) == 52
    assert not backbone.base.get_layer("Conv_1_bn").trainable
    with pytest.raises(TypeError, match="True or False"):
        freezing.set_batchnorm_trainable(backbone, "no")


def test_frozen_bn_keeps_moving_stats_during_fit():
    model = _nested()
    freezing.set_batchnorm_trainable(model, False)
    model.compile("sgd", "mse")
    bn = model.get_layer("inner").get_layer("bn")
    before = bn.moving_mean.numpy().copy()
    x = np.random.default_rng(0).normal(5, 1, (16, 4)).astype("float32")
    model.fit(x, np.zeros((16, 2)), epochs=1, verbose=0)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)


def test_trainable_summary_matches_param_counts(backbone):
    freezing.freeze_up_to(backbone, "block_15_add")
    table = freezing.trainable_summary(backbone)
    counts = weights.count_params(backbone)
    assert list(table.columns) == ["layer", "type", "trainable", "trainable_params",
                                   "non_trainable_params"]
    assert table.trainable_params.sum() == counts["trainable"]
    assert table.non_trainable_params.sum() == counts["non_trainable"]
    assert len(freezing.trainable_summary(backbone, only_weighted=True)) < len(table)
    with pytest.raises(TypeError, match="Keras layer"):
        freezing.trainable_summary("model")
