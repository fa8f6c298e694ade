"""Pooling a text encoder's token vectors into one vector per pair (public layers).

Mean pooling is Keras's own ``GlobalAveragePooling1D`` given the padding mask (the average
of the real tokens, padding excluded: how all-MiniLM-L6-v2 was trained). Two small layers
stay hand-written because Keras has no layer for them: ``ClsPool`` (the first token's
vector) and ``PairFeatures`` (Sentence-BERT's ``[u * v, |u - v|]`` of two embeddings).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from utils.validate import check_choice

__all__ = ["POOLINGS", "ClsPool", "PairFeatures", "mean_pool", "pool"]

POOLINGS = ("mean", "cls")


def _shape(x: Any) -> tuple:
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def _check_tokens(what: str, sequence: Any, padding_mask: Any = None) -> None:
    """Token vectors are (N, T, H) and their padding mask (N, T), with the same T."""
    seq = _shape(sequence)
    if len(seq) != 3:
        raise ValueError(f"{what} needs token vectors of shape (N, T, H) (the encoder's "
                         f"sequence_output), got shape {seq}.")
    if padding_mask is not None:
        mask = _shape(padding_mask)
        if len(mask) != 2 or (None not in (mask[1], seq[1]) and mask[1] != seq[1]):
            raise ValueError(f"{what}: padding_mask must have shape (N, T) = (N, {seq[1]}) like "
                             f"the token vectors {seq}, got {mask}.")


def _check_name(name: Any) -> None:
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string (a layer name) or None, got {name!r}.")


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
        _check_tokens("ClsPool", sequence, padding_mask)
        return sequence[:, 0, :]

    def compute_output_shape(self, sequence_shape: Any, padding_mask_shape: Any = None) -> Any:
        if len(sequence_shape) != 3:
            raise ValueError(f"ClsPool needs token vectors of shape (N, T, H), got shape "
                             f"{tuple(sequence_shape)}.")
        return (sequence_shape[0], sequence_shape[-1])


class PairFeatures(keras.layers.Layer):
    """``[u * v, |u - v|]`` of the L2-normalised embeddings (their sum is 1 - cosine).

    Example:
        >>> PairFeatures()(np.ones((2, 4)), np.ones((2, 4))).shape
        (2, 8)
    """

    def call(self, u: Any, v: Any) -> Any:
        if len(_shape(u)) != 2 or _shape(u)[-1:] != _shape(v)[-1:] or len(_shape(v)) != 2:
            raise ValueError(f"PairFeatures needs two (N, H) embeddings of the same width, got "
                             f"shapes {_shape(u)} and {_shape(v)}.")
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

    Raises:
        ValueError: ``sequence`` is not (N, T, H) or the mask not (N, T) with the same T.
        TypeError: ``name`` is not a string.

    Example:
        >>> mean_pool(np.ones((1, 3, 2)), np.array([[1, 1, 0]], bool)).shape
        (1, 2)

    Used in: ``utils.models`` (cross-encoders, heads, the sentence embedder).
    """
    _check_tokens("mean_pool", sequence, padding_mask)
    _check_name(name)
    return keras.layers.GlobalAveragePooling1D(name=name)(sequence, mask=padding_mask)


def pool(sequence: Any, padding_mask: Any, pooling: str = "mean", name: str | None = None) -> Any:
    """``mean_pool`` or ``ClsPool``, chosen by name.

    Raises:
        ValueError: ``pooling`` is not ``"mean"`` or ``"cls"`` (a close one is suggested), or
            the shapes are wrong (as ``mean_pool``).
        TypeError: ``name`` is not a string or None.

    Example:
        >>> pool(np.ones((1, 3, 2)), np.ones((1, 3), bool), "cls").shape
        (1, 2)

    Used in: ``utils.models`` (cross-encoders and heads).
    """
    check_choice("pooling", pooling, POOLINGS)
    _check_name(name)
    if pooling == "mean":
        return mean_pool(sequence, padding_mask, name or "mean_pool")
    return ClsPool(name=name or "cls_pool")(sequence, padding_mask)
