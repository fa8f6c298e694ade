"""ImageNet backbones for the vision notebooks (00-04) and the classifier put on them.

Weights come from a local copy first (``TL_WEIGHTS_DIR``), then from the file
``keras.applications`` downloads, always through ``utils.assets`` (sha256-checked cache).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import keras

from utils import config
from utils.assets import check_file_name, download, sha256_of, validate_hdf5, verify_file
from utils.validate import did_you_mean

__all__ = ["BACKBONES", "install_local_weights", "load_backbone", "build_classifier"]

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
    """Copies one weight file from ``TL_WEIGHTS_DIR`` into the Keras cache, verified.

    ``keras.applications`` then finds it and downloads nothing. The copy goes
    through ``keras.utils.get_file`` (a ``file://`` origin) to a temporary name and is
    renamed into place only when complete and verified: against its pinned sha256, or,
    for a file without one, after the local file opened as Keras HDF5 weights (then the
    copy must equal it). The local folder is only read.

    Args:
        fname: The weight file name, e.g. ``mobilenet_2_5_224_tf_no_top.h5``.

    Returns:
        The cached path, or None when the local folder has no such file.

    Raises:
        ValueError: ``fname`` is not a plain file name. AssetCorruptError: the local file
        is not valid HDF5 weights (truncated, garbled) or not the pinned file.

    Example:
        >>> install_local_weights("no_such_file.h5") is None
        True

    Used in: ``load_backbone``.
    """
    check_file_name(fname)
    folder = config.get_weights_dir()
    if folder is None or not (folder / fname).is_file():
        return None
    source = folder / fname
    fix = f"Replace {source} with a good copy, or delete it to download the file instead."
    sha = _WEIGHT_SHA256.get(fname)
    verify_file(source, sha, validate_hdf5, fix=fix)  # a bad local file never enters the cache
    return download(
        fname, source.resolve().as_uri(), sha256=sha or sha256_of(source), cache_subdir="models",
        what=f"weight file {fname}", local_hint=str(source), validate=validate_hdf5,
    )


def _validate_backbone(name: str, alpha: float, image_size: int) -> None:
    if name not in BACKBONES:
        raise KeyError(
            f"Unknown backbone {name!r}; supported: {sorted(BACKBONES)}.{did_you_mean(name, BACKBONES)}"
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
    weights_file = weights
    if weights == "imagenet":  # the file keras.applications would fetch, verified, then loaded
        known = next((a for a in BACKBONES[name][1] if abs(a - float(alpha)) < 1e-6), alpha)
        fname, url = _weight_file(name, known, image_size)  # np.float32(0.35) names "0.35"
        path = install_local_weights(fname)
        if path is None:
            folder = config.get_weights_dir() or "$TL_WEIGHTS_DIR"
            path = download(fname, url, sha256=_WEIGHT_SHA256.get(fname), cache_subdir="models",
                            what=f"ImageNet weights for {name} alpha={known}",
                            local_hint=f"{folder}/{fname}", validate=validate_hdf5)
        weights_file = str(path)
    with warnings.catch_warnings():  # sizes without their own file use the 224 weights
        warnings.filterwarnings("ignore", message=".*will be loaded as the default")
        base = constructor(
            input_shape=(image_size, image_size, 3), alpha=alpha,
            include_top=False, weights=weights_file,
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

    Used in: 02_feature_extraction_workflow.ipynb, 04_strategy_grid.ipynb.
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
