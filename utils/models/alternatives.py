"""Encoders to compare the course's checkpoint with: its architecture untrained, another checkpoint.

Does a pretrained encoder help a task because of what it learned, or only because of its
architecture? ``random_encoder_like`` answers the second half: the same ``BertBackbone``
(layers, sizes, vocabulary) with every weight drawn from its initializer, the "no transfer"
baseline of notebook 11. ``load_hub_encoder`` loads another BERT checkpoint of the Hugging Face
Hub (a Korean or multilingual one) with its own tokenizer, for the online comparison; offline
it fails fast with an error saying what was skipped and why.
"""

from __future__ import annotations

import re
import socket
from typing import Any

import keras

from utils.assets import AssetNotFoundError
from utils.validate import check_int

__all__ = ["random_encoder_like", "load_hub_encoder", "hub_reachable"]

HUB_HOST = "huggingface.co"


def random_encoder_like(encoder: keras.Model, seed: int) -> keras.Model:
    """The same KerasHub backbone as ``encoder`` with freshly initialised weights.

    Args:
        encoder: A KerasHub backbone (``models.load_text_encoder()``); only its config is read.
        seed: Seeds the initializers (``keras.utils.set_random_seed``: this resets Keras's,
            NumPy's and Python's global generators, as every seeded step of the course does).

    Returns:
        A new backbone of the same class and config; nothing is shared with ``encoder``.

    Raises:
        TypeError: ``encoder`` is not a Keras model with a config (a KerasHub backbone).
        ValueError: ``seed`` is negative.

    Example:
        >>> untrained = random_encoder_like(models.load_text_encoder(), seed=0)
        >>> untrained.count_params() == models.load_text_encoder().count_params()
        True

    Used in: 11_korean_double_fine_tuning.ipynb.
    """
    if not isinstance(encoder, keras.Model) or not hasattr(encoder, "hidden_dim"):
        raise TypeError(f"random_encoder_like needs a KerasHub backbone (models.load_text_encoder()), "
                        f"got {type(encoder).__name__}.")
    seed = check_int("seed", seed, low=0)
    keras.utils.set_random_seed(seed)
    return encoder.__class__.from_config(encoder.get_config())


def hub_reachable(host: str = HUB_HOST, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to ``host``:443 opens within ``timeout`` seconds (no data sent).

    Example:
        >>> hub_reachable()  # False on the course's offline CI
        False

    Used in: ``load_hub_encoder``.
    """
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def load_hub_encoder(repo: str, max_length: int = 64) -> tuple[keras.Model, Any]:
    """A BERT checkpoint of the Hugging Face Hub as a KerasHub backbone, with its tokenizer.

    Args:
        repo: A Hub repository holding a BERT model with ``model.safetensors`` and
            ``tokenizer.json`` (e.g. ``"google-bert/bert-base-multilingual-cased"``).
        max_length: The tokenizer's length (``PairTokenizer``).

    Returns:
        ``(encoder, tokenizer)``: ``keras_hub.models.BertBackbone.from_preset("hf://" + repo)``
        and a ``PairTokenizer`` on the repository's own ``tokenizer.json``.

    Raises:
        TypeError: ``repo`` is not an ``owner/name`` string.
        AssetNotFoundError: The Hub cannot be reached (checked first, in seconds: no long
            network timeout) or the repository lacks a file; the message names the repository.

    Example:
        >>> encoder, tokenizer = load_hub_encoder("google-bert/bert-base-multilingual-cased")  # doctest: +SKIP

    Used in: 11_korean_double_fine_tuning.ipynb.
    """
    if not isinstance(repo, str) or not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise TypeError(f"repo must be a Hub repository 'owner/name' (no hf:// prefix), got {repo!r}.")
    if not hub_reachable():
        raise AssetNotFoundError(
            f"{repo}: the Hugging Face Hub ({HUB_HOST}) cannot be reached from this machine, so the "
            f"comparison with this checkpoint was skipped. Online (e.g. on Colab) it loads by itself.")
    import keras_hub
    from huggingface_hub import hf_hub_download

    from utils.models.tokenizer import PairTokenizer

    try:
        tokenizer = PairTokenizer(hf_hub_download(repo, "tokenizer.json"), max_length)
        encoder = keras_hub.models.BertBackbone.from_preset("hf://" + repo)
    except Exception as error:  # the Hub's and KerasHub's errors do not say what to do
        raise AssetNotFoundError(
            f"{repo}: could not load it as a BERT model with its tokenizer.json ({type(error).__name__}: "
            f"{str(error)[:300]}). Pick a Hub BERT checkpoint that has model.safetensors and tokenizer.json."
        ) from error
    return encoder, tokenizer
