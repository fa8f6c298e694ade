"""Cross-encoders for sentence pairs: one encoder, a fresh head, and the second fine-tune.

A cross-encoder reads both sentences together (``[CLS] a [SEP] b [SEP]``) and puts a head on
the pooled token vectors: a regression head for STS-B (a score in 0-5) or a binary head for
MRPC (P(paraphrase)).

* ``build_cross_encoder``: encoder + pooling + a fresh head (stage 1);
* ``transfer_encoder``: the SAME encoder (so its fine-tuned weights) with a NEW head: the
  second fine-tuning of "fine-tune twice";
* ``build_pair_models``: the encoder with both heads wired three ways (STS-B, MRPC, joint)
  and a sentence embedder, built once and reused by ``utils.experiments.run_arm``; its MRPC
  model is made by ``transfer_encoder`` from its STS-B model.

Backend-agnostic: Keras layers and ``keras.ops`` only; inputs are NumPy token arrays.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import keras
import numpy as np

from utils.models.encoder import find_encoder
from utils.models.pooling import POOLINGS, mean_pool, pool
from utils.models.tokenizer import token_inputs
from utils.validate import check_choice, check_fraction

__all__ = ["TASKS", "HEAD_NAMES", "build_cross_encoder", "transfer_encoder", "PairModels",
           "build_pair_models"]

TASKS = ("regression", "classification")
HEAD_NAMES = {"regression": "stsb_head", "classification": "mrpc_head"}


def _check_encoder(encoder: Any) -> None:
    if not isinstance(encoder, keras.layers.Layer) or not hasattr(encoder, "hidden_dim"):
        raise TypeError(
            f"encoder must be a Keras layer (a BertBackbone from load_text_encoder), got "
            f"{type(encoder).__name__} {getattr(encoder, 'name', encoder)!r}."
        )


def _check_options(task: Any, pooling: Any, dropout: Any, name: Any) -> float:
    check_choice("task", task, TASKS)
    check_choice("pooling", pooling, POOLINGS)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string (the model's name) or None, got {name!r}.")
    return check_fraction("dropout", dropout)


def _head(task: str, features: Any) -> tuple[keras.layers.Dense, Any]:
    """A fresh Dense head; regression is sigmoid x 5 so scores stay inside 0-5."""
    dense = keras.layers.Dense(1, activation="sigmoid", name=HEAD_NAMES[task])
    out = dense(features)
    if task == "regression":
        out = keras.layers.Rescaling(5.0, name="stsb_0_to_5")(out)
    return dense, out


def _pooled_features(encoder: Any, inputs: dict, pooling: str, dropout: float) -> Any:
    sequence = encoder(inputs)["sequence_output"]
    features = pool(sequence, inputs["padding_mask"], pooling)
    return keras.layers.Dropout(dropout, name="head_dropout")(features)


def build_cross_encoder(
    encoder: keras.layers.Layer,
    task: str = "regression",
    pooling: str = "mean",
    dropout: float = 0.1,
    name: str | None = None,
) -> keras.Model:
    """Puts a fresh head on an encoder that reads both sentences together (a cross-encoder).

    Args:
        encoder: A KerasHub ``BertBackbone`` (``utils.models.load_text_encoder()``). It is
            shared, not copied: training the returned model changes ``encoder``.
        task: ``"regression"`` (STS-B: one output, sigmoid x 5, a score in 0-5) or
            ``"classification"`` (MRPC: one sigmoid output, P(paraphrase)).
        pooling: ``"mean"`` (average of token vectors, how the checkpoint was trained) or
            ``"cls"`` (the first token's vector).
        dropout: Dropout rate before the head, in [0, 1).
        name: Model name; default ``cross_encoder_<task>``.

    Returns:
        A ``keras.Model`` from the three input arrays to a (N, 1) output; its head is the
        layer ``"stsb_head"`` or ``"mrpc_head"``.

    Raises:
        TypeError: ``encoder`` is not a BertBackbone-like Keras layer, or ``name`` not a string.
        ValueError: bad task, pooling or dropout (the valid ones are named).

    Example:
        >>> model = build_cross_encoder(load_text_encoder(), "classification")
        >>> model.output_shape
        (None, 1)

    Used in: 05_sentence_pair_fine_tuning.ipynb, 06_double_fine_tuning.ipynb.
    """
    _check_encoder(encoder)
    dropout = _check_options(task, pooling, dropout, name)
    inputs = token_inputs()
    _, outputs = _head(task, _pooled_features(encoder, inputs, pooling, dropout))
    return keras.Model(inputs, outputs, name=name or f"cross_encoder_{task}")


def transfer_encoder(
    model: keras.layers.Layer,
    task: str,
    pooling: str = "mean",
    dropout: float = 0.1,
    name: str | None = None,
) -> keras.Model:
    """Carries a trained model's encoder into the next stage with a NEW head.

    The new model shares the encoder layer, and so its fine-tuned weights, with ``model``;
    only the head is freshly initialised. This is the second fine-tuning of "fine-tune
    twice": stage 1 trained ``model``; ``fit`` the returned model on the stage-2 task.
    ``model`` may come from ``keras.saving.load_model`` (stage 1 saved weeks earlier).

    Args:
        model: A model from ``build_cross_encoder`` (or any model holding a BertBackbone),
            or the encoder itself.
        task: The new head: ``"regression"`` or ``"classification"``.
        pooling: ``"mean"`` or ``"cls"``.
        dropout: Dropout before the new head.
        name: Model name; default ``cross_encoder_<task>``.

    Returns:
        A new ``keras.Model`` with the same encoder object and a fresh head.

    Raises:
        TypeError: ``model`` is not a Keras layer, or ``name`` not a string.
        ValueError: ``model`` contains no encoder, or a bad task/pooling/dropout.

    Example:
        >>> stage2 = transfer_encoder(stage1_model, "classification")
        >>> find_encoder(stage2) is find_encoder(stage1_model)
        True

    Used in: 06_double_fine_tuning.ipynb, ``build_pair_models``.
    """
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"model must be a Keras model holding a BertBackbone (or the encoder), "
                        f"got {type(model).__name__}.")
    _check_options(task, pooling, dropout, name)
    return build_cross_encoder(find_encoder(model), task, pooling, dropout, name)


@dataclasses.dataclass
class PairModels:
    """The encoder wired for every stage of notebook 06; all share one encoder.

    Attributes:
        encoder: The BertBackbone.
        stsb: inputs -> STS-B score (0-5).
        mrpc: inputs -> P(paraphrase): ``transfer_encoder(stsb, "classification")``.
        joint: inputs -> ``{"stsb": ..., "mrpc": ...}``, the two heads above on one pass.
        embed: inputs -> mean-pooled sentence embedding (for cosine similarity).
        heads: ``{"stsb": Dense, "mrpc": Dense}``, the layers a fresh head re-initialises.
        pretrained: ``snapshot_weights(encoder)`` when built (to reset between arms).
        cache: Finished stages and tokenizers, keyed by what determines them.
        compiled: Models already compiled (by name).
    """

    encoder: keras.layers.Layer
    stsb: keras.Model
    mrpc: keras.Model
    joint: keras.Model
    embed: keras.Model
    heads: dict[str, keras.layers.Dense]
    pretrained: list[np.ndarray]
    cache: dict = dataclasses.field(default_factory=dict)
    compiled: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_encoder(self.encoder)
        for field in ("stsb", "mrpc", "joint", "embed"):
            if not isinstance(getattr(self, field), keras.Model):
                raise TypeError(f"PairModels.{field} must be a keras.Model (use "
                                f"build_pair_models), got {type(getattr(self, field)).__name__}.")
        if not isinstance(self.heads, dict) or set(self.heads) != {"stsb", "mrpc"}:
            raise TypeError(f"PairModels.heads must be {{'stsb': Dense, 'mrpc': Dense}}, got "
                            f"{self.heads!r}."[:200])


def build_pair_models(
    encoder: keras.layers.Layer, pooling: str = "mean", dropout: float = 0.1
) -> PairModels:
    """Builds every model ``utils.experiments.run_arm`` needs around ONE encoder, once.

    Building (and, on JAX/XLA, compiling) a model costs seconds to tens of seconds; these
    models are reused across stages, arms and seeds by resetting weights instead.

    Args:
        encoder: A KerasHub ``BertBackbone``; its current weights count as "pretrained".
        pooling: ``"mean"`` or ``"cls"``.
        dropout: Dropout before each head, in [0, 1).

    Returns:
        A ``PairModels``.

    Raises:
        TypeError: ``encoder`` is not a BertBackbone-like Keras layer.
        ValueError: bad pooling or dropout (as ``build_cross_encoder``).

    Example:
        >>> models = build_pair_models(load_text_encoder())
        >>> models.joint.output_shape

    Used in: 06_double_fine_tuning.ipynb, scripts/double_finetune.py.
    """
    _check_encoder(encoder)
    dropout = _check_options("regression", pooling, dropout, None)
    stsb = build_cross_encoder(encoder, "regression", pooling, dropout, "stsb_cross_encoder")
    mrpc = transfer_encoder(stsb, "classification", pooling, dropout, "mrpc_cross_encoder")
    heads = {"stsb": stsb.get_layer("stsb_head"), "mrpc": mrpc.get_layer("mrpc_head")}
    inputs = token_inputs()  # joint: both heads on ONE encoder pass over shared features
    features = _pooled_features(encoder, inputs, pooling, dropout)
    stsb_out = stsb.get_layer("stsb_0_to_5")(heads["stsb"](features))
    joint = keras.Model(inputs, {"stsb": stsb_out, "mrpc": heads["mrpc"](features)},
                        name="joint_cross_encoder")
    embed_inputs = token_inputs()
    sequence = encoder(embed_inputs)["sequence_output"]
    embed = keras.Model(embed_inputs, mean_pool(sequence, embed_inputs["padding_mask"],
                                                "embed_pool"), name="sentence_embedder")
    return PairModels(encoder=encoder, stsb=stsb, mrpc=mrpc, joint=joint, embed=embed,
                      heads=heads, pretrained=encoder.get_weights())
