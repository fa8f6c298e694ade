"""The encoder cut in two: lower layers that run once (cached), top layers that fine-tune.

Fine-tuning "part of the network" (notebook 03) means the layers below the cut never change,
so their output for a given input never changes either: compute it once, keep it, and train
only the top layers (and a head) on it. Every step then costs the top layers alone. This is
the cross-encoder version (a pair is one token sequence, ``encode_pairs``); the bi-encoder of
``utils.models.bi_encoder`` does the same per sentence.

``split_encoder(encoder, top)`` returns a ``SplitEncoder``:

* ``lower``: token arrays -> the activations below the top ``top`` transformer layers;
* ``upper``: ``{"hidden", "padding_mask"}`` -> ``sequence_output``, through the encoder's
  own top layers (shared, not copied: training ``upper`` trains the encoder);
* ``cache(x)``: ``lower`` run once over token arrays, the input of ``upper``;
* ``features(cached)``: ``upper``'s token vectors, the input of a head on a frozen encoder
  (the same numbers as the whole encoder's ``sequence_output``).
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from utils.models.tokenizer import TOKEN_INPUTS
from utils.validate import check_int

__all__ = ["SplitEncoder", "split_encoder", "lower_layers"]

CACHED_INPUTS = ("hidden", "padding_mask")


def lower_layers(encoder: keras.Model, top: int, name: str = "lower_layers") -> tuple[keras.Model, list]:
    """The embeddings and all but the top ``top`` transformer layers, as one model.

    Args:
        encoder: A KerasHub BERT backbone (``models.load_text_encoder()``).
        top: Transformer layers left above the cut (1 .. num_layers - 1).
        name: The lower model's name.

    Returns:
        ``(lower, top_layers)``: ``lower`` maps ``token_ids``/``segment_ids``/``padding_mask``
        to the activations at the cut (N, T, hidden); ``top_layers`` are the encoder's own
        layers above it.

    Raises:
        TypeError: ``encoder`` is not a KerasHub BERT backbone.
        ValueError: fewer than 2 transformer layers, or ``top`` not in 1 .. num_layers - 1.

    Example:
        >>> lower, top_layers = lower_layers(models.load_text_encoder(), top=2)

    Used in: ``utils.models.bi_encoder``, ``split_encoder``.
    """
    layers = getattr(encoder, "transformer_layers", None)
    if not isinstance(encoder, keras.Model) or not layers:
        raise TypeError(f"splitting an encoder needs a KerasHub BERT backbone "
                        f"(models.load_text_encoder()), got {type(encoder).__name__}.")
    if len(layers) < 2:
        raise ValueError(f"splitting an encoder needs >= 2 transformer layers (one below the cut, "
                         f"cached), {encoder.name!r} has {len(layers)}.")
    # at least one layer below the cut: the cached part (and the padding mask's only user there)
    top = check_int("top", top, 1, len(layers) - 1)
    ids = keras.Input((None,), dtype="int32", name="token_ids")
    seg = keras.Input((None,), dtype="int32", name="segment_ids")
    pad = keras.Input((None,), dtype="int32", name="padding_mask")
    x = encoder.token_embedding(ids)
    x = encoder.embeddings_add((x, encoder.position_embedding(x), encoder.segment_embedding(seg)))
    x = encoder.embeddings_layer_norm(x)
    for layer in layers[: len(layers) - top]:
        x = layer(x, padding_mask=pad)
    lower = keras.Model({"token_ids": ids, "segment_ids": seg, "padding_mask": pad}, x, name=name)
    return lower, list(layers[len(layers) - top:])


@dataclasses.dataclass
class SplitEncoder:
    """An encoder's lower part (run once) and its top layers as a model of their own."""

    encoder: keras.Model
    top: int
    lower: keras.Model
    upper: keras.Model

    def cache(self, x: dict[str, np.ndarray], batch_size: int = 64) -> dict[str, np.ndarray]:
        """Runs the lower layers once over token arrays (``encode_pairs``).

        Args:
            x: ``token_ids``, ``segment_ids`` and ``padding_mask`` arrays (N, T).
            batch_size: Rows per forward pass.

        Returns:
            ``{"hidden": float32 (N, T, hidden), "padding_mask": bool (N, T)}``: the input
            of ``upper``. Memory: N x T x hidden x 4 bytes (1,000 pairs at T=64: 98 MB).

        Raises:
            TypeError: ``x`` is not a dict.
            KeyError: ``x`` lacks one of the three token arrays.
        """
        if not isinstance(x, dict):
            raise TypeError(f"x must be the token arrays of encode_pairs (a dict), got {type(x).__name__}.")
        missing = [k for k in TOKEN_INPUTS if k not in x]
        if missing:
            raise KeyError(f"x is missing {missing}; pass encode_pairs(...) (keys {list(TOKEN_INPUTS)}).")
        hidden = self.lower.predict({k: x[k] for k in TOKEN_INPUTS}, batch_size=batch_size, verbose=0)
        return {"hidden": np.asarray(hidden, dtype="float32"),
                "padding_mask": np.asarray(x["padding_mask"]).astype(bool)}

    def features(self, cached: dict[str, np.ndarray], batch_size: int = 64) -> dict[str, np.ndarray]:
        """The top layers' token vectors for cached activations (a frozen encoder's output).

        Args:
            cached: From ``cache``.
            batch_size: Rows per forward pass.

        Returns:
            ``{"sequence_output": float32 (N, T, hidden), "padding_mask": bool (N, T)}``, the
            input of ``build_head`` models: what ``extract_token_features`` gives for the
            whole encoder, at the cost of the top layers only.

        Raises:
            KeyError: ``cached`` is not the output of ``cache``.
        """
        if not isinstance(cached, dict):
            raise TypeError(f"cached must be the dict of split.cache(...), got {type(cached).__name__}.")
        missing = [k for k in CACHED_INPUTS if k not in cached]
        if missing:
            raise KeyError(f"cached is missing {missing}; pass split.cache(encode_pairs(...)).")
        out = self.upper.predict({k: cached[k] for k in CACHED_INPUTS}, batch_size=batch_size, verbose=0)
        return {"sequence_output": np.asarray(out, dtype="float32"),
                "padding_mask": np.asarray(cached["padding_mask"], dtype=bool)}


def split_encoder(encoder: keras.Model, top: int = 2) -> SplitEncoder:
    """Cuts a KerasHub BERT backbone below its top ``top`` transformer layers.

    Args:
        encoder: ``models.load_text_encoder()`` (a KerasHub ``BertBackbone``).
        top: Transformer layers above the cut, the ones that fine-tune (1 .. num_layers - 1;
            to train them all, fine-tune the encoder itself).

    Returns:
        A ``SplitEncoder`` whose ``upper`` holds the encoder's own top layers: pass it as
        ``encoder=`` to ``utils.experiments.run_head_arm`` with ``cache``d inputs.

    Raises:
        TypeError: ``encoder`` is not a KerasHub BERT backbone.
        ValueError: ``top`` is not in 1 .. num_layers - 1.

    Example:
        >>> split = split_encoder(models.load_text_encoder(), top=2)
        >>> cached = split.cache(models.encode_pairs(dev, tokenizer))
        >>> split.upper.predict(cached).shape  # (408, 64, 384)

    Used in: 07_heads_on_encoders.ipynb.
    """
    lower, top_layers = lower_layers(encoder, top, name="lower_layers")
    hidden = keras.Input((None, encoder.hidden_dim), name="hidden")
    mask = keras.Input((None,), dtype="bool", name="padding_mask")
    x = hidden
    for layer in top_layers:
        x = layer(x, padding_mask=mask)
    upper = keras.Model({"hidden": hidden, "padding_mask": mask}, x, name="top_layers")
    return SplitEncoder(encoder, len(top_layers), lower, upper)
