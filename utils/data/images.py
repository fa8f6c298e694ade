"""Image data sets of the course, local copies first, then a verified download.

* Flowers (tf_flowers, 5 classes): near the ImageNet domain.
* Digits (scikit-learn's 8x8 handwritten digits, upsampled to RGB): far from it,
  bundled with scikit-learn, so no download.

Local copies are looked up under ``TL_DATA_DIR`` (see ``utils.config``); what is missing is
downloaded once into the Keras cache with a sha256 check. Every folder is checked against
its documented per-class counts (``SOURCE.md``), the shipped copies image by image against
their pinned ``MANIFEST.csv``, and every image that is loaded must decode: an empty class
folder or a truncated JPEG is an error naming the folder or file, never a silent gap.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np

from utils import config
from utils.assets import AssetCorruptError, AssetNotFoundError, download, sha256_of
from utils.data.splits import (
    check_fractions,
    check_n_per_class,
    check_seed,
    pick_per_class,
    stratified_split,
)
from utils.validate import check_int

__all__ = ["ImageSplits", "FLOWER_CLASSES", "FLOWERS_URL", "FLOWER_COUNTS", "load_flowers",
           "load_digits_rgb"]

FLOWER_CLASSES = ("daisy", "dandelion", "roses", "sunflowers", "tulips")
FLOWERS_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz"
)
# sha256 of flower_photos.tgz (228,813,984 bytes), as TFDS's tf_flowers checksums.tsv lists it.
FLOWERS_SHA256 = "4c54ace7911aaffe13a365c34f650e71dd5bf1be0a58b464e5a7183e3e595d9c"
# Images per class of each folder name the loader accepts (the data folders' SOURCE.md; the
# download: TFDS tf_flowers, 3,670 images).
FLOWER_COUNTS: dict[str, tuple[int, ...]] = {
    "flower_photos_small": (120, 120, 120, 120, 120),
    "flower_photos_224": (528, 765, 535, 598, 693),
    "flower_photos": (633, 898, 641, 699, 799),
}
# sha256 of the MANIFEST.csv shipped with each local copy (it holds every image's sha256).
_MANIFEST_SHA256 = {
    "flower_photos_small": "8d6293014780331f9f6e50d9c66a9026649dca63b4355f6dd4333628a7951e66",
    "flower_photos_224": "b120243b1cad65f08a63f67cd5ea1475d41da0e0ccda6bd6188ad0acea1aed3c",
}
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


@dataclasses.dataclass
class ImageSplits:
    """Train/validation/test images (uint8, NHWC) with integer labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)}


def _flower_files(root: Path, kind: str, fix: str) -> tuple[list[Path], np.ndarray]:
    """Every image of ``root``'s class folders, checked against ``FLOWER_COUNTS[kind]``."""
    files, labels = [], []
    for label, (name, expected) in enumerate(zip(FLOWER_CLASSES, FLOWER_COUNTS[kind])):
        folder = root / name
        if not folder.is_dir():
            raise AssetNotFoundError(
                f"{root} has no '{name}' folder: a flowers folder needs one sub-folder "
                f"per class {FLOWER_CLASSES}. {fix}"
            )
        found = sorted(p for p in folder.iterdir()
                       if p.suffix.lower() in _IMAGE_SUFFIXES and not p.name.startswith("."))
        if len(found) != expected:
            raise AssetCorruptError(
                f"{folder} has {len(found)} images; {kind} has {expected} '{name}' images "
                f"(SOURCE.md), so the copy is incomplete or mixed up. {fix}"
            )
        files += found
        labels += [label] * len(found)
    return files, np.array(labels, dtype=np.int64)


def _manifest(root: Path, kind: str) -> dict[str, str] | None:
    """``{"daisy/x.jpg": sha256}`` from the copy's pinned MANIFEST.csv, or None without one."""
    path = root / "MANIFEST.csv"
    if kind not in _MANIFEST_SHA256 or not path.is_file():
        return None
    if sha256_of(path) != _MANIFEST_SHA256[kind]:
        raise AssetCorruptError(
            f"{path}: sha256 {sha256_of(path)} is not the pinned {_MANIFEST_SHA256[kind]}; "
            f"restore {kind} (with its MANIFEST.csv) from the course's shared data."
        )
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {(r["file"] if "/" in r["file"] else f"{r['class']}/{r['file']}"): r["sha256"]
            for r in rows}


def _check_download(folder: Path) -> None:
    inner = folder / "flower_photos" if (folder / "flower_photos").is_dir() else folder
    _flower_files(inner, "flower_photos", "The extraction is incomplete or not the tf_flowers release.")


def _locate_flowers(profile: str) -> tuple[Path, str, str, str]:
    """(folder, folder kind, source label, the fix to print when it is broken)."""
    data_dir = config.get_data_dir()
    names = ["flower_photos_small", "flower_photos_224"]
    if profile == "full":
        names.reverse()
    if data_dir is not None:
        for name in names + ["flower_photos"]:
            if (data_dir / name).is_dir():
                fix = (f"Restore {data_dir / name} from the course's data (or remove it to "
                       "download flower_photos.tgz instead).")
                return data_dir / name, name, f"local:{name}", fix
    hint = f"{data_dir or '$TL_DATA_DIR'}/flower_photos_224/<class>/*.jpg"
    folder = download(
        "flower_photos.tgz", FLOWERS_URL, sha256=FLOWERS_SHA256, cache_subdir="datasets",
        what="the flowers photos (flower_photos.tgz, 218 MiB)", local_hint=hint, extract=True,
        validate=_check_download,
    )
    inner = folder / "flower_photos" if (folder / "flower_photos").is_dir() else folder
    fix = f"Delete {folder} (rm -r '{folder}') and run again online to download it anew."
    return inner, "flower_photos", "download:flower_photos.tgz", fix


def _load_images(files: list[Path], image_size: int, root: Path, manifest: dict | None,
                 fix: str) -> np.ndarray:
    from PIL import Image

    out = np.empty((len(files), image_size, image_size, 3), dtype=np.uint8)
    for i, path in enumerate(files):
        rel = path.relative_to(root).as_posix()
        if manifest is not None and manifest.get(rel) != sha256_of(path):
            raise AssetCorruptError(
                f"{path}: sha256 {sha256_of(path)} differs from MANIFEST.csv "
                f"({manifest.get(rel, 'not listed')}): the image is damaged or replaced. {fix}"
            )
        try:
            with Image.open(path) as img:
                img = img.convert("RGB")
                if img.size != (image_size, image_size):
                    img = img.resize((image_size, image_size), Image.BILINEAR)
                out[i] = np.asarray(img)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
            raise AssetCorruptError(f"{path}: cannot decode this image ({error}). {fix}") from error
    return out


def load_flowers(
    image_size: int = 224,
    n_per_class: int | None = None,
    profile: str | None = None,
    seed: int | None = None,
    fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
) -> ImageSplits:
    """Loads the flower photos as seeded, stratified train/val/test arrays.

    Quick profile: the 600-image ``flower_photos_small`` copy; full profile:
    ``flower_photos_224`` (3,119 images). Without local copies the canonical
    ``flower_photos.tgz`` (3,670 images) is downloaded once and verified.

    Args:
        image_size: Square side in pixels the images are resized to, in [32, 512].
        n_per_class: Keep this many images per class (seeded, >= 5); None keeps all.
        profile: ``quick`` or ``full``; None reads ``TL_PROFILE``.
        seed: Split seed; None reads ``TL_SEED``.
        fractions: Train, validation and test fractions.

    Returns:
        An ``ImageSplits`` with uint8 images in [0, 255].

    Raises:
        TypeError/ValueError: Bad size, count, seed or fractions, or more images per class
        than a class has. AssetNotFoundError: no local copy, offline.
        AssetCorruptError: a class folder with the wrong count, a damaged image (named).

    Example:
        >>> data = load_flowers(image_size=96, n_per_class=10, profile="quick")
        >>> data.x_train.shape[1:]
        (96, 96, 3)

    Used in: 00_setup_and_tour.ipynb, 02-04.
    """
    image_size = check_int("image_size", image_size, 32, 512)
    n_per_class = check_n_per_class(n_per_class)
    fractions = check_fractions(fractions)
    profile = config.get_profile(profile)
    seed = check_seed(seed)
    root, kind, source, fix = _locate_flowers(profile)
    files, labels = _flower_files(root, kind, fix)
    keep = pick_per_class(labels, n_per_class, seed, FLOWER_CLASSES)
    files = [files[i] for i in keep]
    labels = labels[keep]
    images = _load_images(files, image_size, root, _manifest(root, kind), fix)
    tr, va, te = stratified_split(labels, fractions, seed)
    return ImageSplits(
        images[tr], labels[tr], images[va], labels[va], images[te], labels[te],
        FLOWER_CLASSES, source,
    )


def load_digits_rgb(
    image_size: int = 96,
    n_per_class: int | None = None,
    seed: int | None = None,
    fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
) -> ImageSplits:
    """Loads scikit-learn's handwritten digits as RGB images (far from ImageNet).

    The 1,797 grey 8x8 digits ship with scikit-learn (no download). They are
    upsampled (bilinear) to ``image_size`` and copied to 3 channels.

    Args:
        image_size: Square side in pixels, in [32, 512].
        n_per_class: Keep this many per class (seeded, 5 to 174); None keeps all (174-183).
        seed: Split seed; None reads ``TL_SEED``.
        fractions: Train, validation and test fractions.

    Returns:
        An ``ImageSplits`` with uint8 images and classes "0".."9".

    Raises:
        TypeError/ValueError: Bad size, count, seed or fractions; more per class than the
        smallest class has (the class, requested and available counts are named).

    Example:
        >>> load_digits_rgb(32, n_per_class=10).x_train.shape[1:]
        (32, 32, 3)

    Used in: 04_strategy_grid.ipynb.
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    image_size = check_int("image_size", image_size, 32, 512)
    n_per_class = check_n_per_class(n_per_class)
    fractions = check_fractions(fractions)
    seed = check_seed(seed)
    bunch = load_digits()
    labels = bunch.target.astype(np.int64)
    names = tuple(str(d) for d in range(10))
    keep = pick_per_class(labels, n_per_class, seed, names)
    grey = (bunch.images[keep] / 16.0 * 255.0).astype(np.uint8)
    labels = labels[keep]
    big = np.stack(
        [np.asarray(Image.fromarray(g).resize((image_size, image_size), Image.BILINEAR))
         for g in grey]
    )
    images = np.repeat(big[..., None], 3, axis=-1)
    tr, va, te = stratified_split(labels, fractions, seed)
    return ImageSplits(
        images[tr], labels[tr], images[va], labels[va], images[te], labels[te],
        names, "sklearn:digits",
    )
