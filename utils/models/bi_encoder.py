"""The encoder as a siamese bi-encoder whose top layers train on cached lower-layer activations.

all-MiniLM-L6-v2 was trained as a bi-encoder: each sentence is encoded alone, mean-pooled,
and two sentences are compared by the cosine of their embeddings. Kept that way, the model
scores STS-B with no head at all (the cosine is the score), so "how much of STS-B does a
second fine-tune forget" is read straight off the encoder. Training only the top ``top``
transformer layers lets the layers below run once per sentence (``cache_pairs``); every
stage after that costs the top layers only, which is what makes many stage-2 methods
affordable on a CPU (notebook 09's quick profile).

``build_bi_encoder`` returns the models that share those top layers:

* ``sts``: cached pair -> cosine of the two embeddings (STS-B; the score / 5 is its target);
* ``mrpc``: cached pair -> P(paraphrase), a Dense head on ``[u * v, |u - v|]`` of the
  normalised embeddings (``PairFeatures``, after a LayerNormalization);
* ``joint``: cached pair -> both, for replay and joint training (a per-task sample weight
  says which output a row trains);
* ``features`` and ``head``: the MRPC model in two halves, cached pair -> pair features and
  pair features -> P(paraphrase) (the same layers): a linear probe computes the features of
  the frozen encoder once and trains ``head`` alone on them.

A cached pair is a dict of ``h1``/``h2`` (N, T, hidden) activations and ``m1``/``m2`` (N, T)
padding masks.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import keras
import numpy as np

from utils.models.pooling import PairFeatures
from utils.models.split import lower_layers

__all__ = ["BiEncoder", "build_bi_encoder", "cache_pairs"]

CACHED_KEYS = ("h1", "m1", "h2", "m2")


@dataclasses.dataclass
class BiEncoder:
    """The lower (frozen, run once) part and the models on the shared top layers."""

    encoder: keras.Model
    top: int
    lower: keras.Model
    sts: keras.Model
    mrpc: keras.Model
    joint: keras.Model
    top_layers: list
    head_layers: list
    features: keras.Model
    head: keras.Model

    def top_weights(self) -> list:
        """The top transformer layers' weights (what a second fine-tune may change)."""
        return [w for layer in self.top_layers for w in layer.weights]


def build_bi_encoder(encoder: keras.Model, top: int = 2) -> BiEncoder:
    """Splits a KerasHub BERT backbone below its top ``top`` layers and builds the pair models.

    Args:
        encoder: ``models.load_text_encoder()`` (a KerasHub ``BertBackbone``).
        top: How many transformer layers sit above the cut (1 .. num_layers - 1: at least one
            stays below, cached; to train them all, fine-tune the encoder itself).

    Returns:
        A ``BiEncoder``: ``lower`` maps token arrays to the activations at the cut; ``sts``,
        ``mrpc`` and ``joint`` map cached pairs to the cosine, P(paraphrase), or both.

    Raises:
        TypeError: ``encoder`` is not a KerasHub BERT backbone.
        ValueError: ``top`` is not in 1 .. num_layers - 1.

    Example:
        >>> bi = build_bi_encoder(models.load_text_encoder(), top=2)
        >>> cached = cache_pairs(bi, pairs, tokenizer)
        >>> bi.sts.predict(cached)

    Used in: 09_fine_tune_twice_without_forgetting.ipynb, ``utils.experiments.forgetting``.
    """
    lower, top_layers = lower_layers(encoder, top)
    pooling = keras.layers.GlobalAveragePooling1D(name="mean_pool")

    def embed(h: Any, m: Any) -> Any:
        for layer in top_layers:
            h = layer(h, padding_mask=m)
        return pooling(h, mask=m)

    hidden = encoder.hidden_dim
    inputs = {"h1": keras.Input((None, hidden), name="h1"),
              "m1": keras.Input((None,), dtype="bool", name="m1"),
              "h2": keras.Input((None, hidden), name="h2"),
              "m2": keras.Input((None,), dtype="bool", name="m2")}
    u, v = embed(inputs["h1"], inputs["m1"]), embed(inputs["h2"], inputs["m2"])
    # Keras's own cosine (a layer: raw ops.norm in a functional graph fails to trace on JAX)
    cosine = keras.layers.Dot(axes=-1, normalize=True, name="cosine")([u, v])
    norm = keras.layers.LayerNormalization(name="pair_norm")
    dense = keras.layers.Dense(1, activation="sigmoid", name="paraphrase")
    pair = PairFeatures(name="pair_features")(u, v)
    prob = dense(norm(pair))
    sts = keras.Model(inputs, cosine, name="stsb_cosine")
    mrpc = keras.Model(inputs, prob, name="mrpc_classifier")
    joint = keras.Model(inputs, {"stsb": cosine, "mrpc": prob}, name="joint")
    features = keras.Model(inputs, pair, name="mrpc_pair_features")
    feature_in = keras.Input((2 * hidden,), name="pair_features_in")
    head = keras.Model(feature_in, dense(norm(feature_in)), name="mrpc_head")
    return BiEncoder(encoder, len(top_layers), lower, sts, mrpc, joint, top_layers, [norm, dense], features, head)


def cache_pairs(bi: BiEncoder, pairs: Any, tokenizer: Any, batch_size: int = 64) -> dict[str, np.ndarray]:
    """Runs each sentence of ``pairs`` through the frozen lower layers once.

    Args:
        bi: From ``build_bi_encoder``.
        pairs: ``data.load_pairs(...)`` (``sentence1``, ``sentence2``).
        tokenizer: ``models.load_pair_tokenizer(max_length)``: its length pads each sentence.
        batch_size: Rows per forward pass.

    Returns:
        ``{"h1", "m1", "h2", "m2"}``: float32 activations (N, T, hidden) and bool masks (N, T).

    Raises:
        TypeError: ``bi`` is not a ``BiEncoder`` or ``pairs`` has no sentences.

    Example:
        >>> cached = cache_pairs(bi, data.load_pairs("stsb", "validation"), tokenizer)

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    from utils.models.tokenizer import encode_sentences

    if not isinstance(bi, BiEncoder):
        raise TypeError(f"cache_pairs needs the BiEncoder of build_bi_encoder, got {type(bi).__name__}.")
    if not hasattr(pairs, "sentence1") or not hasattr(pairs, "sentence2"):
        raise TypeError(f"cache_pairs needs sentence pairs (data.load_pairs), got {type(pairs).__name__}.")
    out = {}
    for side, sentences in (("1", pairs.sentence1), ("2", pairs.sentence2)):
        tokens = encode_sentences(list(sentences), tokenizer)
        out["h" + side] = np.asarray(bi.lower.predict(tokens, batch_size=batch_size, verbose=0),
                                     dtype="float32")
        out["m" + side] = np.asarray(tokens["padding_mask"]).astype(bool)
    return {k: out[k] for k in CACHED_KEYS}
