"""Every functional model the course builds has every input connected to its outputs.

Keras before 3.14 (Colab's) refuses to build a functional model with an input its outputs do
not depend on; newer Keras accepts it silently. This walks each model's graph from the
outputs back to the inputs, so the mistake is caught on any Keras, and double-checks with a
probe: a model on all inputs but one must be impossible to build.
"""

from __future__ import annotations

import keras
import pytest

keras_hub = pytest.importorskip("keras_hub")

from utils import models  # noqa: E402


def _encoder(num_layers: int = 1):
    return keras_hub.models.BertBackbone(vocabulary_size=100, num_layers=num_layers, num_heads=2,
                                         hidden_dim=16, intermediate_dim=32,
                                         max_sequence_length=16)


def connected_inputs(model: keras.Model) -> set[int]:
    """Ids of the model's input tensors its outputs depend on (Keras's node graph)."""
    inputs = {id(t) for t in keras.tree.flatten(model.inputs)}
    found, seen = set(), set()
    stack = list(keras.tree.flatten(model.outputs))
    while stack:
        tensor = stack.pop()
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        if id(tensor) in inputs:
            found.add(id(tensor))
            continue
        operation, node_index, _ = tensor._keras_history
        stack.extend(operation._inbound_nodes[node_index].input_tensors)
    return found


def _names(model: keras.Model, ids: set[int]) -> list[str]:
    return sorted(t.name for t in keras.tree.flatten(model.inputs) if id(t) in ids)


@pytest.fixture(scope="module")
def built() -> dict[str, keras.Model]:
    """name -> every functional model the builders of utils.models return."""
    out: dict[str, keras.Model] = {}
    encoder = _encoder()
    for task in models.TASKS:
        for pooling in models.POOLINGS:
            out[f"cross_encoder_{task}_{pooling}"] = models.build_cross_encoder(
                encoder, task, pooling)
    stage1 = out["cross_encoder_regression_mean"]
    out["transfer_encoder"] = models.transfer_encoder(stage1, "classification", "cls")
    for pooling in models.POOLINGS:
        pair = models.build_pair_models(encoder, pooling)
        for field in ("stsb", "mrpc", "joint", "embed"):
            out[f"pair_models_{pooling}_{field}"] = getattr(pair, field)
    for head in models.HEADS:
        out[f"head_{head}"] = models.build_head(head, hidden_dim=16, lstm_units=4)
        out[f"pair_classifier_{head}"] = models.build_pair_classifier(encoder, head,
                                                                      lstm_units=4)
    bi = models.build_bi_encoder(_encoder(num_layers=2), top=1)
    for field in ("lower", "sts", "mrpc", "joint"):
        out[f"bi_encoder_{field}"] = getattr(bi, field)
    encoder.trainable = True
    out["embedding_head"] = models.build_embedding_head(16)
    backbone = models.load_backbone(weights=None, image_size=96)
    out["backbone"] = backbone
    out["classifier"] = models.build_classifier(backbone, 5)
    out["classifier_augment_fit_decides"] = models.build_classifier(
        backbone, 3, augment=True, training_flag=None)
    return out


MODELS = (
    [f"cross_encoder_{t}_{p}" for t in ("regression", "classification") for p in ("mean", "cls")]
    + ["transfer_encoder"]
    + [f"pair_models_{p}_{f}" for p in ("mean", "cls") for f in ("stsb", "mrpc", "joint", "embed")]
    + [f"head_{h}" for h in ("cls", "mean", "bilstm")]
    + [f"pair_classifier_{h}" for h in ("cls", "mean", "bilstm")]
    + [f"bi_encoder_{f}" for f in ("lower", "sts", "mrpc", "joint")]
    + ["embedding_head", "backbone", "classifier", "classifier_augment_fit_decides"]
)


def test_the_list_covers_every_builder(built):
    assert sorted(built) == sorted(MODELS)
    assert set(models.HEADS) == {"cls", "mean", "bilstm"} and models.POOLINGS == ("mean", "cls")


@pytest.mark.parametrize("name", MODELS)
def test_every_input_reaches_an_output(built, name):
    model = built[name]
    inputs = keras.tree.flatten(model.inputs)
    connected = connected_inputs(model)
    loose = {id(t) for t in inputs} - connected
    assert not loose, f"{name}: inputs {_names(model, loose)} are not connected to the outputs"
    for i in range(len(inputs)):  # the probe: without any one input, no model
        rest = inputs[:i] + inputs[i + 1:]
        with pytest.raises(ValueError):
            keras.Model(rest, model.outputs)


def test_the_walk_finds_an_unconnected_input():
    """The check itself: a model whose second input feeds nothing is reported."""
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    try:
        model = keras.Model([a, b], keras.layers.Dense(1)(a))
    except ValueError:  # Keras < 3.14 refuses to build it at all: the point of the test
        pytest.skip("this Keras rejects unconnected inputs itself")
    assert _names(model, {id(a), id(b)} - connected_inputs(model)) == ["b"]
