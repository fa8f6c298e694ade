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
from utils.validate import (
    check_bool,
    check_int,
    check_labels,
    check_number,
    check_verbose,
    did_you_mean,
)

__all__ = ["ARMS", "STAGE_KINDS", "DATA_KEYS", "ArmParams", "ArmContext", "Trained",
           "arm_stages", "check_data", "check_seed", "prepare_arm"]

# stage kinds: what each stage trains on
STAGE_KINDS = {
    "stsb": "STS-B regression head (scores 0-5)",
    "mrpc": "MRPC paraphrase head (binary)",
    "joint": "STS-B and MRPC mixed in every batch, two heads",
    "merged": "one regression head on STS-B plus MRPC with labels x 5",
    # controls: what else than STS-B's knowledge could make a second fine-tune help
    "stsb_shuffled": "STS-B pairs with their scores shuffled: pair-task training that teaches no similarity",
    "mrpc_matched": "MRPC head for as many optimizer steps as an STS-B stage plus an MRPC stage",
}
# arm -> its stages, run in order from the same pretrained weights
ARMS: dict[str, tuple[str, ...]] = {
    "A": ("mrpc",),
    "B": ("stsb", "mrpc"),
    "C": ("joint",),
    "D": ("stsb", "mrpc", "joint"),
    "E": ("merged",),
    "A+": ("mrpc_matched",),  # control: A with B's optimizer steps (more steps, not STS-B?)
    "S": ("stsb_shuffled", "mrpc"),  # control: B with STS-B's scores shuffled (any pair task?)
    "R": ("mrpc", "stsb"),  # control: the reverse order (does STS-B forget MRPC?)
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

    Raises:
        TypeError: A count that is not an int, a rate that is not a number, a flag that is
            not a bool (NumPy numbers are accepted and stored as Python ones).
        ValueError: Counts < 1, token lengths outside [8, 512], rates <= 0 (weight decay
            < 0), NaN or infinite rates, a verbosity other than 0/1/2/"auto".
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

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "eval_batch_size"):
            setattr(self, name, check_int(f"ArmParams.{name}", getattr(self, name), low=1))
        for name in ("max_length", "sentence_length"):  # PairTokenizer's range
            setattr(self, name, check_int(f"ArmParams.{name}", getattr(self, name), 8, 512))
        self.lr = check_number("ArmParams.lr", self.lr, low=0, low_open=True)
        if self.later_lr is not None:
            self.later_lr = check_number("ArmParams.later_lr", self.later_lr, low=0, low_open=True)
        self.weight_decay = check_number("ArmParams.weight_decay", self.weight_decay, low=0)
        self.track_cosine = check_bool("ArmParams.track_cosine", self.track_cosine)
        self.verbose = check_verbose("ArmParams.verbose", self.verbose)

    def stage_lr(self, index: int) -> float:
        """The learning rate of stage ``index`` (0 = the first stage)."""
        return self.lr if index == 0 or self.later_lr is None else self.later_lr


@dataclasses.dataclass(frozen=True)
class Trained:
    """Which heads the stages so far have trained: what evaluation may read."""

    stsb: bool = False
    mrpc: bool = False
    merged: bool = False  # the STS-B head learned MRPC as scores 0/5 (arm E)

    def __post_init__(self) -> None:
        for name in ("stsb", "mrpc", "merged"):
            check_bool(f"Trained.{name}", getattr(self, name))

    def after(self, kind: str) -> Trained:
        """The state after one more stage of ``kind``.

        Raises:
            KeyError: ``kind`` is not one of ``STAGE_KINDS`` (a close one is suggested).
        """
        if kind not in STAGE_KINDS:
            raise KeyError(f"Unknown stage kind {kind!r}; known: {sorted(STAGE_KINDS)}."
                           f"{did_you_mean(kind, STAGE_KINDS)}")
        return Trained(stsb=self.stsb or kind in ("stsb", "joint", "merged", "stsb_shuffled"),
                       mrpc=self.mrpc or kind in ("mrpc", "joint", "mrpc_matched"),
                       merged=self.merged or kind == "merged")


@dataclasses.dataclass
class ArmContext:
    """What every stage of one arm and seed shares (built by ``prepare_arm``).

    Raises:
        TypeError: A field of the wrong type. ValueError: A seed outside [0, 2**32).
    """

    models: PairModels
    data: dict[str, Any]
    encoded: dict[str, dict[str, np.ndarray]]
    params: ArmParams
    sentence_tokenizer: Any
    seed: int
    key: str  # fingerprint of data, params and seed: the cache key of finished stages

    def __post_init__(self) -> None:
        kinds = {"models": PairModels, "data": dict, "encoded": dict, "params": ArmParams,
                 "key": str}
        for name, kind in kinds.items():
            if not isinstance(getattr(self, name), kind):
                raise TypeError(f"ArmContext.{name} must be a {kind.__name__} (use prepare_arm), "
                                f"got {type(getattr(self, name)).__name__}.")
        self.seed = check_seed(self.seed)


def check_data(data: Any) -> None:
    """Raises unless ``data`` maps every key of ``DATA_KEYS`` to ``SentencePairs``.

    STS-B labels must be scores in [0, 5] and MRPC labels 0/1, one per pair.

    Raises:
        TypeError: ``data`` is not a dict, or a value is not a ``SentencePairs``.
        KeyError: a data set is missing. ValueError: labels out of range or miscounted.

    Example:
        >>> check_data({})  # doctest: +SKIP
        KeyError: "data is missing ['stsb_train', ...]"

    Used in: ``utils.experiments.run_arm``.
    """
    if not isinstance(data, dict):
        raise TypeError(f"data must be a dict with keys {DATA_KEYS}, got {type(data).__name__}.")
    missing = [k for k in DATA_KEYS if k not in data]
    if missing:
        raise KeyError(f"data is missing {missing}; needs {list(DATA_KEYS)} (SentencePairs each)."
                       f"{did_you_mean(missing[0], [k for k in data if k not in DATA_KEYS])}")
    for key in DATA_KEYS:
        pairs = data[key]
        if not all(hasattr(pairs, a) for a in ("sentence1", "sentence2", "labels")):
            raise TypeError(f"data[{key!r}] must be a SentencePairs, got {type(pairs).__name__}.")
        if not len(pairs.sentence1) == len(pairs.sentence2) == len(pairs.labels):
            raise ValueError(f"data[{key!r}] has {len(pairs.sentence1)}/{len(pairs.sentence2)} "
                             f"sentences but {len(pairs.labels)} labels.")
        if key.startswith("stsb"):
            check_labels(f"data[{key!r}].labels (STS-B scores)", pairs.labels, low=0, high=5)
        else:
            check_labels(f"data[{key!r}].labels (MRPC)", pairs.labels, classes=(0, 1))


def check_seed(seed: Any) -> int:
    """A seed for ``keras.utils.set_random_seed``: an int in [0, 2**32) (NumPy's too).

    Raises:
        TypeError: Not an int. ValueError: Out of range.

    Example:
        >>> check_seed(np.int64(3))
        3

    Used in: ``utils.experiments.run_arm``, ``utils.experiments.prepare_arm``,
        ``utils.experiments.run_head_arm``, ``utils.experiments.run_self_training``.
    """
    return check_int("seed", seed, 0, 2**32 - 1)


def arm_stages(arm: str | tuple[str, ...]) -> tuple[str, ...]:
    """The stage kinds of an arm name (``"B"``) or of an explicit tuple of kinds.

    Raises:
        KeyError: Unknown arm or stage kind (the known ones are listed).
        TypeError: ``arm`` is neither a name nor a tuple of kinds.

    Example:
        >>> arm_stages("B")
        ('stsb', 'mrpc')

    Used in: ``run_arm``.
    """
    if isinstance(arm, str):
        if arm not in ARMS:
            raise KeyError(f"Unknown arm {arm!r}; known: {sorted(ARMS)}.{did_you_mean(arm, ARMS)}")
        return ARMS[arm]
    if not isinstance(arm, list | tuple):
        raise TypeError(f"arm must be an arm name {sorted(ARMS)} or a tuple of stage kinds, got "
                        f"{type(arm).__name__} {arm!r}.")
    kinds = tuple(arm)
    bad = [k for k in kinds if k not in STAGE_KINDS]
    if bad or not kinds:
        hint = did_you_mean(bad[0], STAGE_KINDS) if bad else " Pass at least one stage kind."
        raise KeyError(f"Unknown stage kind(s) {bad}; known: {sorted(STAGE_KINDS)}.{hint}")
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

    Raises:
        TypeError: ``params`` is not an ``ArmParams``, ``models`` not a ``PairModels``, or
            ``tokenizer`` not a ``PairTokenizer``; and as ``check_data``/``check_seed``.

    Example:
        >>> ctx = prepare_arm(data, ArmParams(), 42, models, tokenizer)  # doctest: +SKIP
        >>> sorted(ctx.encoded)  # the five data sets, tokenised  # doctest: +SKIP

    Used in: ``run_arm``.
    """
    check_data(data)
    if not isinstance(params, ArmParams):
        raise TypeError(f"params must be an ArmParams, got {type(params).__name__}.")
    seed = check_seed(seed)
    if not isinstance(models, PairModels):
        raise TypeError(f"models must be a PairModels (build_pair_models), got "
                        f"{type(models).__name__}.")
    if not hasattr(tokenizer, "path") or not callable(tokenizer):
        raise TypeError(f"tokenizer must be a PairTokenizer (load_pair_tokenizer), got "
                        f"{type(tokenizer).__name__}.")
    sentence_tok = models.cache.setdefault(
        ("sentence_tokenizer", params.sentence_length),
        model_zoo.PairTokenizer(tokenizer.path, params.sentence_length))
    encoded = {k: model_zoo.encode_pairs(data[k], tokenizer) for k in DATA_KEYS}
    return ArmContext(models, data, encoded, params, sentence_tok, seed,
                      _fingerprint(data, params, seed))
