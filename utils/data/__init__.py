"""Data sets of the course, local copies first, then verified downloads.

* ``images``: flowers (tf_flowers, 5 classes, near ImageNet) and scikit-learn's digits as
  RGB images (far from it);
* ``pairs``: sentence pairs: STS-B and KorSTS (similarity, 0-5), MRPC (paraphrase, 0/1),
  Korean question pairs (1 = the same question, flipped from the source) and KLUE-STS's
  dev set (0-5); the Korean question-pair and KLUE-STS readers are in ``pairs_korean``;
* ``splits``: seeded stratified splits and per-class subsets;
* ``tables``: TSV reading that names the file, line and value of every problem.

Local copies are looked up under ``TL_DATA_DIR`` (see ``utils.config``); what is missing
is downloaded once into the Keras cache and verified. Notebooks call the names below as
``data.load_flowers(...)`` etc.
"""

from utils.assets import AssetCorruptError, AssetNotFoundError
from utils.data.images import (
    FLOWER_CLASSES,
    FLOWER_COUNTS,
    FLOWERS_URL,
    ImageSplits,
    load_digits_rgb,
    load_flowers,
)
from utils.data.pairs import PAIR_COUNTS, PAIR_DATASETS, SentencePairs, load_pairs
from utils.data.splits import pick_per_class, replay_plan, stratified_split

__all__ = [
    "AssetCorruptError",
    "AssetNotFoundError",
    "FLOWER_CLASSES",
    "FLOWER_COUNTS",
    "FLOWERS_URL",
    "ImageSplits",
    "PAIR_COUNTS",
    "PAIR_DATASETS",
    "SentencePairs",
    "load_digits_rgb",
    "load_flowers",
    "load_pairs",
    "pick_per_class",
    "replay_plan",
    "stratified_split",
]
