"""LoRA adapters on a KerasHub encoder: enable, count, switch off, merge (notebook 09).

LoRA (Hu et al., 2021) leaves a weight matrix ``W`` frozen and trains a low-rank update
``(alpha / rank) * A @ B`` beside it; Keras's ``EinsumDense`` has it built in
(``layer.enable_lora(rank)``), and a KerasHub backbone turns it on for the attention's query
and value projections of every transformer layer (``backbone.enable_lora(rank)``), saves the
adapters alone (``backbone.save_lora_weights("task.lora.h5")``) and loads them back
(``load_lora_weights``). ``B`` starts at zero, so a fresh adapter changes nothing.

What KerasHub leaves out, and this module adds:

* ``enable_lora`` also freezes the projections' biases (KerasHub leaves them trainable), so the
  stage-1 weights stay bit-identical while the adapters train and "task 1 without the adapter"
  really is the stage-1 model;
* ``adapters_off``: a ``with`` block in which every adapter's ``B`` is zero, which makes
  ``W + A @ 0 = W`` exactly: the model predicts as it did before the adapters were trained;
* ``merge_lora``: folds each update into ``W`` (no extra cost at inference) and zeroes ``B``.

Example:
    >>> layers = enable_lora(encoder, rank=4)
    >>> model.fit(...)              # only the adapters and the head train
    >>> with adapters_off(encoder):
    ...     task1 = model_1.predict(x)   # the stage-1 encoder, bit for bit
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np
from keras import ops

from utils.validate import check_int

__all__ = ["adapters_off", "enable_lora", "lora_layers", "lora_param_count", "merge_lora"]


def _check_layer(layer: Any, what: str) -> None:
    if not isinstance(layer, keras.layers.Layer):
        raise TypeError(f"{what} needs a Keras model or layer (the encoder), got "
                        f"{type(layer).__name__} {layer!r}."[:200])


def lora_layers(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """The sublayers of ``layer`` (itself included) whose LoRA adapter is on.

    Args:
        layer: A Keras layer or model (an encoder, or a model built on one).

    Returns:
        The ``EinsumDense``/``Dense`` layers with ``lora_enabled``, in the model's order.

    Raises:
        TypeError: ``layer`` is not a Keras layer.

    Example:
        >>> len(lora_layers(encoder))   # 2 per transformer layer (query, value)
        12

    Used in: nothing yet.
    """
    _check_layer(layer, "lora_layers")
    found = [sub for sub in layer._flatten_layers(include_self=True)
             if getattr(sub, "lora_enabled", False)]
    return found


def enable_lora(encoder: keras.layers.Layer, rank: int) -> list[keras.layers.Layer]:
    """``encoder.enable_lora(rank)`` (KerasHub), with the adapted projections' biases frozen too.

    KerasHub freezes every weight of the backbone except the query/value projections, whose
    kernels ``EinsumDense.enable_lora`` freezes in turn; their biases would still train. This
    freezes them, so that only the adapters ``A`` and ``B`` of the encoder are trainable.

    Args:
        encoder: A KerasHub backbone (``models.load_text_encoder()``) without adapters yet.
        rank: The adapters' rank, an integer >= 1.

    Returns:
        The layers that now carry an adapter (``lora_layers(encoder)``).

    Raises:
        TypeError: ``encoder`` is not a Keras layer, or has no ``enable_lora`` (not a
            KerasHub backbone).
        ValueError: ``rank`` is not an integer >= 1, or adapters are on already (Keras allows
            it once per layer: load a fresh encoder and restore its weights).

    Example:
        >>> enable_lora(encoder, 4)

    Used in: 09_fine_tune_twice_without_forgetting.ipynb, ``utils.experiments.forgetting``.
    """
    _check_layer(encoder, "enable_lora")
    rank = check_int("rank", rank, low=1)
    if not callable(getattr(encoder, "enable_lora", None)):
        raise TypeError(f"enable_lora needs a KerasHub backbone (it has .enable_lora), got "
                        f"{type(encoder).__name__}; pass models.load_text_encoder().")
    if lora_layers(encoder):
        raise ValueError(f"{encoder.name!r} has LoRA adapters already (Keras enables them once "
                         "per layer): load a fresh encoder with models.load_text_encoder() and "
                         "restore its weights with weights.restore_weights.")
    encoder.enable_lora(rank)
    layers = lora_layers(encoder)
    if not layers:
        raise ValueError(f"enable_lora found no query/value projection in {encoder.name!r}.")
    for layer in layers:
        for variable in layer.trainable_weights:
            if variable is not layer.lora_kernel_a and variable is not layer.lora_kernel_b:
                variable.trainable = False
    return layers


def lora_param_count(layer: keras.layers.Layer) -> int:
    """How many numbers the adapters of ``layer`` hold (``A`` and ``B`` of every LoRA layer).

    Args:
        layer: A model or layer with adapters on (see ``enable_lora``).

    Returns:
        The total size of the adapters over the LoRA layers. Keras shapes them from the kernel:
        a query kernel ``(384, heads, head_dim)`` gets ``A`` of ``(384, heads, rank)`` and ``B``
        of ``(rank, head_dim)``, so a rank-r adapter holds ``r * (384 * heads + head_dim)``.

    Raises:
        TypeError: ``layer`` is not a Keras layer.

    Example:
        >>> lora_param_count(encoder)   # rank 4: 12 projections x (384*12*4 + 4*32)
        222720

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    _check_layer(layer, "lora_param_count")
    return int(sum(int(np.prod(sub.lora_kernel_a.shape)) + int(np.prod(sub.lora_kernel_b.shape))
                   for sub in lora_layers(layer)))


def _need_adapters(layer: keras.layers.Layer, what: str) -> list[keras.layers.Layer]:
    _check_layer(layer, what)
    layers = lora_layers(layer)
    if not layers:
        raise ValueError(f"{what}: {layer.name!r} has no LoRA adapter; call "
                         "adapters.enable_lora(encoder, rank) first.")
    return layers


@contextlib.contextmanager
def adapters_off(layer: keras.layers.Layer) -> Iterator[None]:
    """A ``with`` block in which every adapter of ``layer`` is zero (``B = 0``), then restored.

    Inside, ``W + (alpha / rank) * A @ 0`` is ``W`` exactly, so the model computes what it
    computed before its adapters were trained: one encoder serves task 1 (adapters off) and
    task 2 (on). The adapters come back on leaving the block, also after an error.

    Args:
        layer: A model or layer with adapters on.

    Raises:
        TypeError: ``layer`` is not a Keras layer.
        ValueError: ``layer`` has no adapter.

    Example:
        >>> with adapters_off(encoder):
        ...     stsb_model.predict(x)

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    layers = _need_adapters(layer, "adapters_off")
    saved = [ops.convert_to_numpy(sub.lora_kernel_b) for sub in layers]
    try:
        for sub in layers:
            sub.lora_kernel_b.assign(np.zeros(sub.lora_kernel_b.shape, sub.lora_kernel_b.dtype))
        yield
    finally:
        for sub, value in zip(layers, saved):
            sub.lora_kernel_b.assign(value)


def merge_lora(layer: keras.layers.Layer) -> int:
    """Folds every adapter into its frozen kernel (``W += (alpha / rank) * A @ B``), then ``B = 0``.

    The merged model computes what the adapted one did (up to float rounding) with no extra
    matrix products; the adapter is gone from it (serve task 1 from a copy of the stage-1
    weights, or keep the ``.lora.h5`` file and load it into a fresh encoder).

    Args:
        layer: A model or layer with adapters on.

    Returns:
        How many kernels were merged.

    Raises:
        TypeError: ``layer`` is not a Keras layer.
        ValueError: ``layer`` has no adapter, or a layer is quantized (merge the float model).

    Example:
        >>> merge_lora(encoder)
        12

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    layers = _need_adapters(layer, "merge_lora")
    for sub in layers:
        if getattr(sub, "quantization_mode", None):
            raise ValueError(f"merge_lora: {sub.path!r} is quantized ({sub.quantization_mode}); "
                             "merge the float model before quantizing it.")
        merged = ops.convert_to_numpy(sub.kernel)  # W + (alpha / rank) * A @ B
        sub._kernel.assign(merged)
        sub.lora_kernel_b.assign(np.zeros(sub.lora_kernel_b.shape, sub.lora_kernel_b.dtype))
    return len(layers)
