"""Data sets of the course, local copies first, then verified downloads.

* Flowers (tf_flowers, 5 classes): near the ImageNet domain.
* Digits (scikit-learn's 8x8 handwritten digits, upsampled to RGB): far from it,
  bundled with scikit-learn, so no download.
* STS-B (sentence similarity, 0-5) and MRPC (paraphrase, 0/1) sentence pairs.

Local copies are looked up under ``TL_DATA_DIR`` (see ``utils.config``); what
is missing is downloaded once into the Keras cache with a sha256 check.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np

from utils import config
from utils.assets import AssetNotFoundError, download, sha256_of

__all__ = [
    "AssetNotFoundError",
    "ImageSplits",
    "SentencePairs",
    "FLOWER_CLASSES",
    "FLOWERS_URL",
    "stratified_split",
    "load_flowers",
    "load_digits_rgb",
    "load_pairs",
    "PAIR_DATASETS",
]

FLOWER_CLASSES = ("daisy", "dandelion", "roses", "sunflowers", "tulips")
FLOWERS_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz"
)
FLOWERS_SHA256 = "4c54ace7911aaffe13a365c34f650e71dd5bf1be0a58b464e5a7183e3e595d9c"
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


def stratified_split(
    labels: np.ndarray, fractions: tuple[float, float, float], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Splits indices into train/val/test with the same class mix in each.

    Args:
        labels: Integer class label per example.
        fractions: Train, validation and test fractions, positive, summing to 1.
        seed: Seed of the shuffle (same seed, same split).

    Returns:
        Three sorted index arrays that together cover every example once.

    Raises:
        ValueError: Bad fractions, or a class too small to appear in every split.

    Example:
        >>> tr, va, te = stratified_split(np.repeat([0, 1], 10), (0.6, 0.2, 0.2), 0)
        >>> len(tr), len(va), len(te)
        (12, 4, 4)

    Used in: 02_feature_extraction_workflow.ipynb and every loader here.
    """
    labels = np.asarray(labels)
    if len(fractions) != 3 or any(f <= 0 for f in fractions):
        raise ValueError(f"fractions must be three positive numbers, got {fractions!r}.")
    if abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError(f"fractions must sum to 1, got {fractions!r} (sum {sum(fractions)}).")
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[], [], []]
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        n = len(idx)
        n_val = int(round(n * fractions[1]))
        n_test = int(round(n * fractions[2]))
        n_train = n - n_val - n_test
        if min(n_train, n_val, n_test) < 1:
            raise ValueError(
                f"class {cls!r} has only {n} examples: too few for a "
                f"{fractions} split; use more examples per class."
            )
        parts[0] += idx[:n_train].tolist()
        parts[1] += idx[n_train : n_train + n_val].tolist()
        parts[2] += idx[n_train + n_val :].tolist()
    return tuple(np.sort(np.array(p, dtype=np.int64)) for p in parts)  # type: ignore[return-value]


def _flower_files(root: Path) -> tuple[list[Path], np.ndarray]:
    files, labels = [], []
    for label, name in enumerate(FLOWER_CLASSES):
        folder = root / name
        if not folder.is_dir():
            raise AssetNotFoundError(
                f"{root} has no '{name}' folder: a flowers folder needs one sub-folder "
                f"per class {FLOWER_CLASSES}."
            )
        found = sorted(p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
        files += found
        labels += [label] * len(found)
    return files, np.array(labels, dtype=np.int64)


def _locate_flowers(profile: str) -> tuple[Path, str]:
    data_dir = config.get_data_dir()
    names = ["flower_photos_small", "flower_photos_224"]
    if profile == "full":
        names.reverse()
    if data_dir is not None:
        for name in names + ["flower_photos"]:
            if (data_dir / name / FLOWER_CLASSES[0]).is_dir():
                return data_dir / name, f"local:{name}"
    hint = f"{data_dir or '$TL_DATA_DIR'}/flower_photos_224/<class>/*.jpg"
    folder = download(
        "flower_photos.tgz", FLOWERS_URL, sha256=FLOWERS_SHA256, cache_subdir="datasets",
        what="the flowers photos (flower_photos.tgz, 218 MiB)", local_hint=hint, extract=True,
    )
    inner = folder / "flower_photos" if (folder / "flower_photos").is_dir() else folder
    return inner, "download:flower_photos.tgz"


def _load_images(files: list[Path], image_size: int) -> np.ndarray:
    from PIL import Image

    out = np.empty((len(files), image_size, image_size, 3), dtype=np.uint8)
    for i, path in enumerate(files):
        with Image.open(path) as img:
            img = img.convert("RGB")
            if img.size != (image_size, image_size):
                img = img.resize((image_size, image_size), Image.BILINEAR)
            out[i] = np.asarray(img)
    return out


def _check_common(image_size: int, n_per_class: int | None) -> None:
    if not isinstance(image_size, int) or not 32 <= image_size <= 512:
        raise ValueError(f"image_size must be an int in [32, 512], got {image_size!r}.")
    if n_per_class is not None and (not isinstance(n_per_class, int) or n_per_class < 5):
        raise ValueError(f"n_per_class must be None or an int >= 5, got {n_per_class!r}.")


def _per_class(labels: np.ndarray, n_per_class: int | None, seed: int) -> np.ndarray:
    if n_per_class is None:
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    keep = []
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        if len(idx) < n_per_class:
            raise ValueError(
                f"n_per_class={n_per_class} but class {cls} has only {len(idx)} images."
            )
        keep += rng.choice(idx, n_per_class, replace=False).tolist()
    return np.sort(np.array(keep))


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
        image_size: Square side in pixels the images are resized to.
        n_per_class: Keep this many images per class (seeded); None keeps all.
        profile: ``quick`` or ``full``; None reads ``TL_PROFILE``.
        seed: Split seed; None reads ``TL_SEED``.
        fractions: Train, validation and test fractions.

    Returns:
        An ``ImageSplits`` with uint8 images in [0, 255].

    Raises:
        ValueError: Bad size or count. AssetNotFoundError: no local copy, offline.

    Example:
        >>> data = load_flowers(image_size=96, n_per_class=10, profile="quick")
        >>> data.x_train.shape[1:]
        (96, 96, 3)

    Used in: 00_setup_and_tour.ipynb, 02-04.
    """
    _check_common(image_size, n_per_class)
    profile = config.get_profile(profile)
    seed = config.get_seed(seed)
    root, source = _locate_flowers(profile)
    files, labels = _flower_files(root)
    keep = _per_class(labels, n_per_class, seed)
    files = [files[i] for i in keep]
    labels = labels[keep]
    images = _load_images(files, image_size)
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
    upsampled (nearest-free bilinear) to ``image_size`` and copied to 3 channels.

    Args:
        image_size: Square side in pixels.
        n_per_class: Keep this many per class (seeded); None keeps all (~180).
        seed: Split seed; None reads ``TL_SEED``.
        fractions: Train, validation and test fractions.

    Returns:
        An ``ImageSplits`` with uint8 images and classes "0".."9".

    Raises:
        ValueError: Bad size or count.

    Example:
        >>> load_digits_rgb(32, n_per_class=10).x_train.shape[1:]
        (32, 32, 3)

    Used in: 04_strategy_grid.ipynb.
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    _check_common(image_size, n_per_class)
    seed = config.get_seed(seed)
    bunch = load_digits()
    labels = bunch.target.astype(np.int64)
    keep = _per_class(labels, n_per_class, seed)
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
        tuple(str(d) for d in range(10)), "sklearn:digits",
    )


# --------------------------------------------------------------------------- text


@dataclasses.dataclass
class SentencePairs:
    """Sentence pairs with a score (STS-B, 0-5) or a binary label (MRPC)."""

    name: str
    split: str
    sentence1: list[str]
    sentence2: list[str]
    labels: np.ndarray
    task: str  # "regression" or "classification"

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: np.ndarray) -> SentencePairs:
        idx = np.asarray(indices, dtype=np.int64)
        return SentencePairs(
            self.name, self.split, [self.sentence1[i] for i in idx],
            [self.sentence2[i] for i in idx], self.labels[idx], self.task,
        )

    def sample(self, n: int | None, seed: int) -> SentencePairs:
        """Returns ``n`` pairs drawn without replacement (all if n is None or larger)."""
        if n is None or n >= len(self):
            return self
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}.")
        rng = np.random.default_rng(seed)
        return self.subset(np.sort(rng.choice(len(self), n, replace=False)))


_STSB_URL = "https://dl.fbaipublicfiles.com/glue/data/STS-B.zip"
_MRPC_TRAIN_URL = "https://dl.fbaipublicfiles.com/senteval/senteval_data/msr_paraphrase_train.txt"
_MRPC_TEST_URL = "https://dl.fbaipublicfiles.com/senteval/senteval_data/msr_paraphrase_test.txt"
_MRPC_DEV_IDS_URL = (
    "https://firebasestorage.googleapis.com/v0/b/mtl-sentence-representations.appspot.com/"
    "o/data%2Fmrpc_dev_ids.tsv?alt=media&token=ec5c0836-31d5-48f4-b431-7480817f1adc"
)
# (local folder, file inside it, sha256, url, file inside the download)
_TEXT_FILES = {
    ("stsb", "train"): ("glue-stsb", "train.tsv",
                        "41c4d978b6162abdcada7e49a982211954cca5459c228db478af333124b257a2"),
    ("stsb", "validation"): ("glue-stsb", "dev.tsv",
                             "fe7dc0632a5033562f3cadff991f6e8d9b9b6311861660e78c3c82eb7db67f59"),
    ("stsb", "test"): ("glue-stsb", "original/sts-test.tsv",
                       "affe45928a66ee5a708531233c95b7dacbbdc57f974f002a3d32ea0180cf816a"),
    ("mrpc", "msr_train"): ("glue-mrpc", "msr_paraphrase_train.txt",
                            "61a88818ec384d8465297dda1883b469f1b22d442ab90183d13e06233b180591"),
    ("mrpc", "msr_test"): ("glue-mrpc", "msr_paraphrase_test.txt",
                           "0360d0d3427a0ae14882e2b3a799df0fab6cb5203d5e8ee481949283da62acb6"),
    ("mrpc", "dev_ids"): ("glue-mrpc", "dev_ids.tsv",
                          "971d7767d81b997fd9060ade0ec23c4fc31cbb226a55d1bd4a1bac474eb81dc7"),
}
PAIR_DATASETS = {"stsb": ("train", "validation", "test"), "mrpc": ("train", "validation", "test")}


def _text_file(dataset: str, key: str) -> Path:
    folder, rel, sha = _TEXT_FILES[(dataset, key)]
    data_dir = config.get_data_dir()
    if data_dir is not None and (data_dir / folder / rel).is_file():
        return data_dir / folder / rel
    hint = f"{data_dir or '$TL_DATA_DIR'}/{folder}/{rel}"
    if dataset == "stsb":
        root = download(
            "STS-B.zip", _STSB_URL, sha256=None, cache_subdir="datasets",
            what="GLUE STS-B (STS-B.zip)", local_hint=hint, extract=True,
        )
        candidates = [root / "STS-B" / rel, root / rel]
        path = next((p for p in candidates if p.is_file()), candidates[0])
        if not path.is_file() or sha256_of(path) != sha:
            import shutil

            shutil.rmtree(root, ignore_errors=True)
            raise AssetNotFoundError(
                f"STS-B.zip from {_STSB_URL} did not hold a verified {rel}; the "
                f"extraction was removed. Put a copy here: {hint}"
            )
        return path
    url = {"msr_train": _MRPC_TRAIN_URL, "msr_test": _MRPC_TEST_URL,
           "dev_ids": _MRPC_DEV_IDS_URL}[key]
    return download(
        Path(rel).name, url, sha256=sha, cache_subdir="datasets/glue-mrpc",
        what=f"MRPC file {rel}", local_hint=hint,
    )


def _read_tsv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _load_stsb(split: str) -> SentencePairs:
    rows = _read_tsv(_text_file("stsb", split))
    if split == "test":  # original/sts-test.tsv: genre, file, year, id, score, s1, s2[, ...]
        s1, s2, y = [r[5] for r in rows], [r[6] for r in rows], [float(r[4]) for r in rows]
    else:
        header, body = rows[0], rows[1:]
        i1, i2, isc = header.index("sentence1"), header.index("sentence2"), header.index("score")
        s1, s2, y = [r[i1] for r in body], [r[i2] for r in body], [float(r[isc]) for r in body]
    return SentencePairs("stsb", split, s1, s2, np.array(y, dtype=np.float32), "regression")


def _load_mrpc(split: str) -> SentencePairs:
    if split == "test":
        rows = _read_tsv(_text_file("mrpc", "msr_test"))[1:]
    else:
        dev_ids = {tuple(r[:2]) for r in _read_tsv(_text_file("mrpc", "dev_ids")) if r}
        rows = _read_tsv(_text_file("mrpc", "msr_train"))[1:]
        want_dev = split == "validation"
        rows = [r for r in rows if (tuple(r[1:3]) in dev_ids) == want_dev]
    labels = np.array([int(r[0]) for r in rows], dtype=np.int64)
    return SentencePairs(
        "mrpc", split, [r[3] for r in rows], [r[4] for r in rows], labels, "classification"
    )


def load_pairs(
    name: str, split: str, n: int | None = None, seed: int | None = None
) -> SentencePairs:
    """Loads STS-B or MRPC sentence pairs (local GLUE files first, then download).

    STS-B scores are floats in [0, 5]; MRPC labels are 1 (paraphrase) or 0.
    The test splits carry their gold labels (the original STS Benchmark and MSR
    files), unlike GLUE's unlabeled test files.

    Args:
        name: ``"stsb"`` or ``"mrpc"``.
        split: ``"train"``, ``"validation"`` or ``"test"``.
        n: Keep a seeded random sample of ``n`` pairs; None keeps all.
        seed: Sample seed; None reads ``TL_SEED``.

    Returns:
        A ``SentencePairs``.

    Raises:
        KeyError: Unknown name or split. AssetNotFoundError: missing offline.

    Example:
        >>> len(load_pairs("mrpc", "validation"))
        408

    Used in: 00_setup_and_tour.ipynb, 05-08.
    """
    key = str(name).lower().replace("-", "").replace("_", "")
    if key not in PAIR_DATASETS:
        raise KeyError(f"Unknown sentence-pair data set {name!r}; known: {sorted(PAIR_DATASETS)}.")
    if split not in PAIR_DATASETS[key]:
        raise KeyError(f"Unknown split {split!r} for {key}; known: {PAIR_DATASETS[key]}.")
    pairs = _load_stsb(split) if key == "stsb" else _load_mrpc(split)
    return pairs.sample(n, config.get_seed(seed))
