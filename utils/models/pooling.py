"""Pooling a text encoder's token vectors into one vector per pair (public layers).

Mean pooling is Keras's own ``GlobalAveragePooling1D`` given the padding mask (the average
of the real tokens, padding excluded: how all-MiniLM-L6-v2 was trained). Two small layers
stay hand-written because Keras has no layer for them: ``ClsPool`` (the first token's
vector) and ``PairFeatures`` (Sentence-BERT's ``[u * v, |u - v|]`` of two embeddings).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from utils.validate import check_choice

__all__ = ["POOLINGS", "ClsPool", "PairFeatures", "mean_pool", "pool"]

POOLINGS = ("mean", "cls")


class ClsPool(keras.layers.Layer):
    """The vector of the first token ([CLS]).

    It takes the padding mask too and ignores it, so that every head reads the same two
    inputs; a functional model whose mask input were left unconnected is rejected by
    Keras before 3.14 (Colab's Keras).

    Example:
        >>> ClsPool()(np.ones((2, 5, 8)), np.ones((2, 5), bool)).shape
        (2, 8)
    """

    def call(self, sequence: Any, padding_mask: Any = None) -> Any:
        return sequence[:, 0, :]

    def compute_output_shape(self, sequence_shape: Any, padding_mask_shape: Any = None) -> Any:
        return (sequence_shape[0], sequence_shape[-1])


class PairFeatures(keras.layers.Layer):
    """``[u * v, |u - v|]`` of the L2-normalised embeddings (their sum is 1 - cosine).

    Example:
        >>> PairFeatures()(np.ones((2, 4)), np.ones((2, 4))).shape
        (2, 8)
    """

    def call(self, u: Any, v: Any) -> Any:
        u = u / ops.maximum(ops.norm(u, axis=-1, keepdims=True), 1e-9)
        v = v / ops.maximum(ops.norm(v, axis=-1, keepdims=True), 1e-9)
        return ops.concatenate([u * v, ops.abs(u - v)], axis=-1)


def mean_pool(sequence: Any, padding_mask: Any, name: str = "mean_pool") -> Any:
    """Average of the token vectors over the real tokens (``GlobalAveragePooling1D``).

    Args:
        sequence: (N, T, H) token vectors (a symbolic tensor in a functional model).
        padding_mask: (N, T) bool, True for real tokens.
        name: Layer name.

    Returns:
        (N, H) vectors.

    Example:
        >>> mean_pool(np.ones((1, 3, 2)), np.array([[1, 1, 0]], bool)).shape
        (1, 2)

    Used in: ``utils.models`` (cross-encoders, heads, the sentence embedder).
    """
    return keras.layers.GlobalAveragePooling1D(name=name)(sequence, mask=padding_mask)


def pool(sequence: Any, padding_mask: Any, pooling: str = "mean", name: str | None = None) -> Any:
    """``mean_pool`` or ``ClsPool``, chosen by name.

    Raises:
        ValueError: ``pooling`` is not ``"mean"`` or ``"cls"``.

    Example:
        >>> pool(np.ones((1, 3, 2)), np.ones((1, 3), bool), "cls").shape
        (1, 2)

    Used in: ``utils.models`` (cross-encoders and heads).
    """
    check_choice("pooling", pooling, POOLINGS)
    if pooling == "mean":
        return mean_pool(sequence, padding_mask, name or "mean_pool")
    return ClsPool(name=name or "cls_pool")(sequence, padding_mask)
