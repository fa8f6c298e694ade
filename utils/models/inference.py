"""Running the text encoder for predictions: fixed-shape batches, features, embeddings.

``predict_padded`` pads the last batch so every batch has one shape (XLA compiles once on
JAX); ``extract_token_features`` and ``embed_pairs`` run a frozen encoder once so a head can
train on the stored vectors; ``compute_cosine_similarity`` is the zero-shot STS score.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from utils.models.pooling import mean_pool
from utils.models.tokenizer import TOKEN_INPUTS, encode_sentences, token_inputs
from utils.validate import check_int

__all__ = ["predict_padded", "extract_token_features", "embed_pairs",
           "compute_cosine_similarity", "cosine"]


def _check_model(label: str, model: Any, encoder: bool = False) -> None:
    ok = (isinstance(model, keras.layers.Layer) and hasattr(model, "hidden_dim") if encoder
          else isinstance(model, keras.Model))
    if not ok:
        what = "a KerasHub BertBackbone (load_text_encoder())" if encoder else "a keras.Model"
        raise TypeError(f"{label} must be {what}, got {type(model).__name__}.")


def _check_arrays(label: str, x: Any) -> int:
    """``x`` is a non-empty dict of equally long, non-empty arrays; returns their length."""
    if not isinstance(x, dict) or not x:
        raise TypeError(f"{label} must be a non-empty dict of input arrays (e.g. encode_pairs(...)), "
                        f"got {type(x).__name__}.")
    sizes = {k: len(v) for k, v in x.items()}
    if len(set(sizes.values())) != 1 or 0 in sizes.values():
        raise ValueError(f"{label}: every array needs the same number (> 0) of rows, got {sizes}.")
    return next(iter(sizes.values()))


def _check_pairs(pairs: Any) -> None:
    if not hasattr(pairs, "sentence1") or not hasattr(pairs, "sentence2"):
        raise TypeError(f"pairs must be a SentencePairs (with sentence1/sentence2), got "
                        f"{type(pairs).__name__}.")


def predict_padded(model: keras.Model, x: dict[str, np.ndarray], batch_size: int = 64) -> Any:
    """``model.predict`` with a fixed batch shape (the last batch padded, then cut off).

    Args:
        model: Any Keras model taking a dict of arrays.
        x: Its inputs (equally long arrays).
        batch_size: Prediction batch size.

    Returns:
        The predictions for the N rows of ``x``; (N, 1) outputs come back as (N,), and a
        dict of outputs as a dict of such arrays.

    Raises:
        TypeError: ``model`` is not a keras.Model, ``x`` not a dict of arrays, or
            ``batch_size`` not an int.
        ValueError: Arrays of different or zero lengths, or ``batch_size`` < 1.

    Example:
        >>> predict_padded(model, x_dev, 64).shape  # (408,) for a one-output model

    Used in: ``utils.experiments``, ``compute_cosine_similarity``.
    """
    _check_model("model", model)
    n = _check_arrays("x", x)
    batch_size = check_int("batch_size", batch_size, low=1)
    pad = (-n) % batch_size
    if pad:
        x = {k: np.concatenate([v, np.repeat(v[:1], pad, axis=0)]) for k, v in x.items()}
    out = model.predict(x, batch_size=batch_size, verbose=0)

    def trim(value: Any) -> np.ndarray:
        value = np.asarray(value)[:n]
        return value.reshape(n) if value.ndim == 2 and value.shape[1] == 1 else value

    return {k: trim(v) for k, v in out.items()} if isinstance(out, dict) else trim(out)


def extract_token_features(
    encoder: keras.layers.Layer, x: dict[str, np.ndarray], batch_size: int = 64
) -> dict[str, np.ndarray]:
    """Runs a (frozen) encoder once and keeps its token vectors, for head-only training.

    Args:
        encoder: A KerasHub ``BertBackbone``.
        x: The three token arrays (``utils.text.encode_pairs``).
        batch_size: Prediction batch size.

    Returns:
        ``{"sequence_output": float32 (N, T, H), "padding_mask": bool (N, T)}``, the input
        of ``build_head`` models. Memory: N x T x H x 4 bytes (1,000 pairs at T=64: 98 MB).

    Raises:
        KeyError: ``x`` lacks one of the three token arrays.
        TypeError: ``encoder`` is not a BertBackbone, ``x`` not a dict, ``batch_size`` not an int.
        ValueError: Arrays of different or zero lengths, or ``batch_size`` < 1.

    Example:
        >>> feats = extract_token_features(encoder, encode_pairs(dev, tokenizer))
        >>> feats["sequence_output"].shape  # (408, 64, 384)

    Used in: 07_heads_on_encoders.ipynb, ``utils.experiments.heads``, ``utils.models.heads``.
    """
    _check_model("encoder", encoder, encoder=True)
    _check_arrays("x", x)
    batch_size = check_int("batch_size", batch_size, low=1)
    missing = [k for k in TOKEN_INPUTS if k not in x]
    if missing:
        raise KeyError(f"x is missing {missing}; pass encode_pairs(...) (keys {list(TOKEN_INPUTS)}).")
    inputs = token_inputs()
    extractor = keras.Model(inputs, encoder(inputs)["sequence_output"], name="token_features")
    out = extractor.predict({k: x[k] for k in TOKEN_INPUTS}, batch_size=batch_size, verbose=0)
    return {"sequence_output": np.asarray(out, dtype="float32"),
            "padding_mask": np.asarray(x["padding_mask"], dtype=bool)}


def embed_pairs(
    encoder: keras.layers.Layer, pairs: Any, tokenizer: Any, batch_size: int = 64
) -> dict[str, np.ndarray]:
    """Embeds each sentence of each pair ALONE with a frozen encoder (a bi-encoder).

    The embedding is the mean of the token vectors, padding excluded: how all-MiniLM-L6-v2
    was trained, so these vectors are good before any fine-tuning (notebook 05's zero-shot
    cosine similarity).

    Args:
        encoder: A KerasHub ``BertBackbone``.
        pairs: A ``utils.data.SentencePairs`` (labels are not read).
        tokenizer: A ``PairTokenizer`` sized for single sentences (e.g. 48 tokens).
        batch_size: Prediction batch size.

    Returns:
        ``{"u": float32 (N, H), "v": float32 (N, H)}``: sentence 1 and sentence 2.

    Raises:
        TypeError: ``pairs`` has no ``sentence1``/``sentence2``, ``encoder`` is not a
            BertBackbone, or ``batch_size`` not an int.
        ValueError: ``batch_size`` < 1.

    Example:
        >>> emb = embed_pairs(encoder, dev, load_pair_tokenizer(48))
        >>> emb["u"].shape  # (408, 384)

    Used in: 08_self_training.ipynb.
    """
    _check_model("encoder", encoder, encoder=True)
    _check_pairs(pairs)
    batch_size = check_int("batch_size", batch_size, low=1)
    inputs = token_inputs()
    pooled = mean_pool(encoder(inputs)["sequence_output"], inputs["padding_mask"])
    embedder = keras.Model(inputs, pooled, name="sentence_embedder")
    out = {}
    for key, sentences in (("u", pairs.sentence1), ("v", pairs.sentence2)):
        x = encode_sentences(list(sentences), tokenizer)
        out[key] = np.asarray(embedder.predict(x, batch_size=batch_size, verbose=0), "float32")
    return out


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (N, H) arrays.

    Raises:
        TypeError: Not numbers.
        ValueError: ``a`` and ``b`` are not two (N, H) arrays of the same shape, or hold NaN.

    Example:
        >>> cosine(np.eye(2), np.eye(2))
        array([1., 1.])

    Used in: ``compute_cosine_similarity``.
    """
    a, b = np.asarray(a), np.asarray(b)  # their own dtype: float32 in, float32 out
    if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
        raise TypeError(f"cosine needs numeric arrays, got dtypes {a.dtype} and {b.dtype}.")
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"cosine needs two (N, H) arrays of the same shape, got {a.shape} and "
                         f"{b.shape}.")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("cosine: the embeddings hold NaN or infinite values (a diverged model?).")
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return (a * b).sum(axis=1)


def compute_cosine_similarity(
    embedder: keras.Model, pairs: Any, tokenizer: Any, batch_size: int = 64
) -> np.ndarray:
    """Zero-shot similarity: cosine of the two sentences' mean-pooled embeddings.

    Each sentence is encoded ALONE (a bi-encoder), unlike the cross-encoders above.

    Args:
        embedder: A model from the three input arrays to one vector per sentence
            (``PairModels.embed``, or ``build_pair_models(encoder).embed``).
        pairs: ``SentencePairs``.
        tokenizer: A ``PairTokenizer`` (its ``max_length`` should fit single sentences).
        batch_size: Prediction batch size.

    Returns:
        Cosine similarities in [-1, 1], shape (N,).

    Raises:
        TypeError: ``pairs`` is not a SentencePairs, ``embedder`` not a keras.Model, or
            ``batch_size`` not an int.
        ValueError: ``batch_size`` < 1.

    Example:
        >>> sims = compute_cosine_similarity(models.embed, stsb_dev, tokenizer)
        >>> score_regression(stsb_dev.labels, sims)["spearman"]  # 0.867 on all of STS-B dev

    Used in: 05_sentence_pair_fine_tuning.ipynb, ``utils.experiments.double_finetune``.
    """
    _check_model("embedder", embedder)
    _check_pairs(pairs)
    batch_size = check_int("batch_size", batch_size, low=1)
    first = predict_padded(embedder, encode_sentences(pairs.sentence1, tokenizer), batch_size)
    second = predict_padded(embedder, encode_sentences(pairs.sentence2, tokenizer), batch_size)
    return cosine(np.asarray(first, np.float64), np.asarray(second, np.float64))
