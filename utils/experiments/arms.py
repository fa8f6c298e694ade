"""The arms of notebook 06's experiment and what their stages share.

An arm is a list of stage kinds run in order from the pretrained encoder; ``ArmParams``
holds the settings every arm shares (so arms differ only in their stages); ``ArmContext``
is one arm and seed's data, tokenised once; ``Trained`` says which heads the stages so far
have trained. ``utils.experiments.double_finetune`` runs them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import numpy as np

from utils import models as model_zoo
from utils.models import PairModels
from utils.optim import TEXT_WEIGHT_DECAY
from utils.validate import did_you_mean

__all__ = ["ARMS", "STAGE_KINDS", "DATA_KEYS", "ArmParams", "ArmContext", "Trained",
           "arm_stages", "check_data", "prepare_arm"]

# stage kinds: what each stage trains on
STAGE_KINDS = {
    "stsb": "STS-B regression head (scores 0-5)",
    "mrpc": "MRPC paraphrase head (binary)",
    "joint": "STS-B and MRPC mixed in every batch, two heads",
    "merged": "one regression head on STS-B plus MRPC with labels x 5",
}
# arm -> its stages, run in order from the same pretrained weights
ARMS: dict[str, tuple[str, ...]] = {
    "A": ("mrpc",),
    "B": ("stsb", "mrpc"),
    "C": ("joint",),
    "D": ("stsb", "mrpc", "joint"),
    "E": ("merged",),
}
DATA_KEYS = ("stsb_train", "stsb_dev", "mrpc_train", "mrpc_dev", "mrpc_test")


@dataclasses.dataclass
class ArmParams:
    """Settings shared by every arm (so arms differ only in their stages).

    Attributes:
        epochs: Epochs per stage (a joint/merged stage sees both data sets each epoch).
        batch_size: Training batch size (the training set is trimmed to a multiple of it,
            so every batch has one shape and XLA compiles once).
        lr: Learning rate of stage 1 (``utils.optim.text_optimizer``: AdamW, constant).
        later_lr: Learning rate of stages 2+; None = ``lr``.
        max_length: Tokens per pair.
        sentence_length: Tokens per single sentence (cosine evaluation).
        track_cosine: Also measure the zero-shot cosine Spearman after every stage.
        eval_batch_size: Prediction batch size.
        weight_decay: AdamW weight decay (the course's recipe by default).
        verbose: Passed to ``fit``.
    """

    epochs: int = 3
    batch_size: int = 32
    lr: float = 1e-4
    later_lr: float | None = None
    max_length: int = 64
    sentence_length: int = 48
    track_cosine: bool = False
    eval_batch_size: int = 64
    weight_decay: float = TEXT_WEIGHT_DECAY
    verbose: int = 0

    def stage_lr(self, index: int) -> float:
        """The learning rate of stage ``index`` (0 = the first stage)."""
        return self.lr if index == 0 or self.later_lr is None else self.later_lr


@dataclasses.dataclass(frozen=True)
class Trained:
    """Which heads the stages so far have trained: what evaluation may read."""

    stsb: bool = False
    mrpc: bool = False
    merged: bool = False  # the STS-B head learned MRPC as scores 0/5 (arm E)

    def after(self, kind: str) -> Trained:
        """The state after one more stage of ``kind``."""
        return Trained(stsb=self.stsb or kind in ("stsb", "joint", "merged"),
                       mrpc=self.mrpc or kind in ("mrpc", "joint"),
                       merged=self.merged or kind == "merged")


@dataclasses.dataclass
class ArmContext:
    """What every stage of one arm and seed shares."""

    models: PairModels
    data: dict[str, Any]
    encoded: dict[str, dict[str, np.ndarray]]
    params: ArmParams
    sentence_tokenizer: Any
    seed: int
    key: str  # fingerprint of data, params and seed: the cache key of finished stages


def check_data(data: Any) -> None:
    """Raises unless ``data`` maps every key of ``DATA_KEYS`` to ``SentencePairs``.

    Raises:
        TypeError: ``data`` is not a dict. KeyError: a data set is missing.

    Used in: ``utils.experiments.run_arm``.
    """
    if not isinstance(data, dict):
        raise TypeError(f"data must be a dict with keys {DATA_KEYS}, got {type(data).__name__}.")
    missing = [k for k in DATA_KEYS if k not in data]
    if missing:
        raise KeyError(f"data is missing {missing}; needs {list(DATA_KEYS)} (SentencePairs each).")


def arm_stages(arm: str | tuple[str, ...]) -> tuple[str, ...]:
    """The stage kinds of an arm name (``"B"``) or of an explicit tuple of kinds.

    Raises:
        KeyError: Unknown arm or stage kind (the known ones are listed).

    Example:
        >>> arm_stages("B")
        ('stsb', 'mrpc')

    Used in: ``run_arm``.
    """
    if isinstance(arm, str):
        if arm not in ARMS:
            raise KeyError(f"Unknown arm {arm!r}; known: {sorted(ARMS)}.{did_you_mean(arm, ARMS)}")
        return ARMS[arm]
    kinds = tuple(arm)
    bad = [k for k in kinds if k not in STAGE_KINDS]
    if bad or not kinds:
        raise KeyError(f"Unknown stage kind(s) {bad}; known: {sorted(STAGE_KINDS)}.")
    return kinds


def _fingerprint(data: dict, params: ArmParams, seed: int) -> str:
    digest = hashlib.sha1(repr((seed, params.batch_size, params.max_length, params.weight_decay,
                                params.sentence_length, params.track_cosine)).encode())
    for key in DATA_KEYS:
        pairs = data[key]
        digest.update(f"{key}:{len(pairs)}:{pairs.sentence1[:3]}:{pairs.sentence1[-3:]}".encode())
        digest.update(np.asarray(pairs.labels).tobytes())
    return digest.hexdigest()


def prepare_arm(data: dict[str, Any], params: ArmParams, seed: int, models: PairModels,
                tokenizer: Any) -> ArmContext:
    """Tokenises the five data sets once and fixes what the arm's stages share.

    Used in: ``run_arm``.
    """
    sentence_tok = models.cache.setdefault(
        ("sentence_tokenizer", params.sentence_length),
        model_zoo.PairTokenizer(tokenizer.path, params.sentence_length))
    encoded = {k: model_zoo.encode_pairs(data[k], tokenizer) for k in DATA_KEYS}
    return ArmContext(models, data, encoded, params, sentence_tok, seed,
                      _fingerprint(data, params, seed))
