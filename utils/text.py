"""Sentence-pair fine-tuning with a pretrained encoder: one stage, two stages, or both at once.

Backend-agnostic: the models use ``keras.ops`` only, inputs are NumPy arrays from the
``tokenizers``-based ``utils.models.PairTokenizer``, and nothing here imports TensorFlow, so
the same code runs under ``KERAS_BACKEND=jax`` on a GPU machine without TensorFlow.

The pieces, in the order the notebooks use them:

* ``encode_pairs`` / ``encode_sentences``: tokenise (cached by content);
* ``build_cross_encoder``: encoder + pooling + a regression (STS-B) or binary (MRPC) head;
* ``build_pair_models``: the encoder with BOTH heads wired three ways (STS-B model, MRPC
  model, joint two-output model) sharing one set of weights, built once and reused;
* ``transfer_encoder``: the same encoder with a NEW head (the second fine-tuning stage);
* ``score_regression`` / ``score_classification`` / ``compute_cosine_similarity``: metrics;
* ``snapshot_weights`` / ``restore_weights`` / ``measure_weight_drift``: how far each
  transformer layer moved in a stage;
* ``run_arm``: one arm of the double fine-tuning experiment (a list of stages), with
  per-stage metrics, drift and histories.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import time
from collections import OrderedDict
from typing import Any

import keras
import numpy as np
from keras import ops

from utils.training import reset_optimizer

__all__ = [
    "ARMS",
    "STAGE_KINDS",
    "ArmParams",
    "PairModels",
    "encode_pairs",
    "encode_sentences",
    "build_cross_encoder",
    "build_joint_model",
    "build_pair_models",
    "transfer_encoder",
    "score_regression",
    "score_classification",
    "tune_threshold",
    "compute_cosine_similarity",
    "snapshot_weights",
    "restore_weights",
    "measure_weight_drift",
    "run_arm",
    "summarize_runs",
    "plot_arm_stages",
]

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
_INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")


def _close(name: str, options: Any) -> str:
    near = difflib.get_close_matches(str(name), [str(o) for o in options], n=3, cutoff=0.4)
    return f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""


# --------------------------------------------------------------------------- tokenising

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

    Used in: 05_sentence_pair_fine_tuning.ipynb (zero-shot cosine similarity).
    """
    if isinstance(sentences, str):
        raise TypeError("pass a list of sentences, not a single string.")
    items = list(sentences)
    return _cached(_cache_key(tokenizer, items), lambda: tokenizer(items))


def _take(x: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in x.items()}


def _concat(*parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in _INPUT_NAMES}


# --------------------------------------------------------------------------- models


class _MeanPool(keras.layers.Layer):
    """Average of the token vectors, padding excluded (sentence-transformers' pooling)."""

    def call(self, sequence, padding_mask):
        weights = ops.cast(ops.expand_dims(padding_mask, -1), sequence.dtype)
        total = ops.sum(sequence * weights, axis=1)
        return total / ops.maximum(ops.sum(weights, axis=1), 1e-9)


class _ClsPool(keras.layers.Layer):
    """The vector of the first token ([CLS])."""

    def call(self, sequence):
        return sequence[:, 0, :]


_POOLINGS = ("mean", "cls")
_TASKS = ("regression", "classification")


def _pair_inputs() -> dict[str, Any]:
    return {
        "token_ids": keras.Input((None,), dtype="int32", name="token_ids"),
        "segment_ids": keras.Input((None,), dtype="int32", name="segment_ids"),
        "padding_mask": keras.Input((None,), dtype="bool", name="padding_mask"),
    }


def _check_encoder(encoder: Any) -> None:
    if not isinstance(encoder, keras.layers.Layer):
        raise TypeError(f"encoder must be a Keras model/layer (a BertBackbone), got {type(encoder)}.")


def _features(encoder: keras.layers.Layer, inputs: dict, pooling: str) -> Any:
    if pooling not in _POOLINGS:
        raise ValueError(f"pooling must be one of {_POOLINGS}, got {pooling!r}.{_close(pooling, _POOLINGS)}")
    sequence = encoder(inputs)["sequence_output"]
    if pooling == "mean":
        return _MeanPool(name="mean_pool")(sequence, inputs["padding_mask"])
    return _ClsPool(name="cls_pool")(sequence)


def _make_head(task: str, prefix: str) -> list[keras.layers.Layer]:
    if task == "regression":  # sigmoid x 5: predictions stay inside the 0-5 score range
        return [keras.layers.Dense(1, activation="sigmoid", name=f"{prefix}_head"),
                keras.layers.Rescaling(5.0, name=f"{prefix}_0_to_5")]
    return [keras.layers.Dense(1, activation="sigmoid", name=f"{prefix}_head")]


def _apply(layers: list[keras.layers.Layer], x: Any) -> Any:
    for layer in layers:
        x = layer(x)
    return x


def build_cross_encoder(
    encoder: keras.layers.Layer,
    task: str = "regression",
    pooling: str = "mean",
    dropout: float = 0.1,
    name: str | None = None,
) -> keras.Model:
    """Puts a fresh head on an encoder that reads both sentences together (a cross-encoder).

    Args:
        encoder: A KerasHub ``BertBackbone`` (``utils.models.load_text_encoder()``). It is
            shared, not copied: training the returned model changes ``encoder``.
        task: ``"regression"`` (STS-B: one output, sigmoid x 5, a score in 0-5) or
            ``"classification"`` (MRPC: one sigmoid output, P(paraphrase)).
        pooling: ``"mean"`` (average of token vectors, how the checkpoint was trained) or
            ``"cls"`` (the first token's vector).
        dropout: Dropout rate before the head, in [0, 1).
        name: Model name; default ``cross_encoder_<task>``.

    Returns:
        A ``keras.Model`` from the three input arrays to a (N, 1) output.

    Raises:
        TypeError: ``encoder`` is not a Keras layer. ValueError: bad task, pooling or dropout.

    Example:
        >>> model = build_cross_encoder(load_text_encoder(), "classification")
        >>> model.output_shape
        (None, 1)

    Used in: 05_sentence_pair_fine_tuning.ipynb, 06_double_fine_tuning.ipynb.
    """
    _check_encoder(encoder)
    if task not in _TASKS:
        raise ValueError(f"task must be one of {_TASKS}, got {task!r}.{_close(task, _TASKS)}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    inputs = _pair_inputs()
    x = keras.layers.Dropout(dropout, name="head_dropout")(_features(encoder, inputs, pooling))
    prefix = "stsb" if task == "regression" else "mrpc"
    outputs = _apply(_make_head(task, prefix), x)
    return keras.Model(inputs, outputs, name=name or f"cross_encoder_{task}")


def transfer_encoder(
    model: keras.Model, task: str, pooling: str = "mean", dropout: float = 0.1
) -> keras.Model:
    """Carries a trained cross-encoder's encoder into the next stage with a NEW head.

    The new model shares the encoder layer (and so its fine-tuned weights) with ``model``;
    only the head is freshly initialised. This is the second fine-tuning of "fine-tune twice".

    Args:
        model: A model from ``build_cross_encoder`` (or any model containing a BertBackbone).
        task: The new head: ``"regression"`` or ``"classification"``.
        pooling: ``"mean"`` or ``"cls"``.
        dropout: Dropout before the new head.

    Returns:
        A new ``keras.Model`` with the same encoder object and a fresh head.

    Raises:
        ValueError: ``model`` contains no encoder (a layer with ``sequence_output``).

    Example:
        >>> stage2 = transfer_encoder(stage1_model, "classification")
        >>> stage2.layers[3] is stage1_model.layers[3]  # the encoder is shared

    Used in: 05_sentence_pair_fine_tuning.ipynb, 06_double_fine_tuning.ipynb.
    """
    encoders = [layer for layer in getattr(model, "layers", [])
                if hasattr(layer, "hidden_dim") and hasattr(layer, "num_layers")]
    if not encoders:
        raise ValueError(
            f"model {getattr(model, 'name', model)!r} has no encoder layer (a BertBackbone); "
            "pass a model from build_cross_encoder."
        )
    return build_cross_encoder(encoders[0], task, pooling, dropout)


def build_joint_model(
    encoder: keras.layers.Layer, pooling: str = "mean", dropout: float = 0.1
) -> keras.Model:
    """One encoder, two heads: ``{"stsb": score 0-5, "mrpc": P(paraphrase)}``.

    Train it on mixed batches with plain ``fit``: every example carries a target for both
    heads, and a sample weight of 0 on the head it does not belong to (see ``run_arm``).

    Args:
        encoder: A KerasHub ``BertBackbone`` (shared, not copied).
        pooling: ``"mean"`` or ``"cls"``.
        dropout: Dropout before each head.

    Returns:
        A ``keras.Model`` with a dict of two (N, 1) outputs.

    Raises:
        TypeError/ValueError: as ``build_cross_encoder``.

    Example:
        >>> joint = build_joint_model(load_text_encoder())
        >>> sorted(joint.output_names)

    Used in: 06_double_fine_tuning.ipynb.
    """
    return build_pair_models(encoder, pooling, dropout).joint


@dataclasses.dataclass
class PairModels:
    """The encoder wired three ways; all share the encoder and the two heads.

    Attributes:
        encoder: The BertBackbone.
        stsb: inputs -> STS-B score (0-5).
        mrpc: inputs -> P(paraphrase).
        joint: inputs -> ``{"stsb": ..., "mrpc": ...}``.
        embed: inputs -> mean-pooled sentence embedding (for cosine similarity).
        pretrained: snapshot of the encoder's weights when built (to reset between arms).
    """

    encoder: keras.layers.Layer
    stsb: keras.Model
    mrpc: keras.Model
    joint: keras.Model
    embed: keras.Model
    pretrained: list[np.ndarray]
    heads: dict[str, keras.layers.Dense]
    cache: dict = dataclasses.field(default_factory=dict)
    compiled: dict = dataclasses.field(default_factory=dict)


def build_pair_models(
    encoder: keras.layers.Layer, pooling: str = "mean", dropout: float = 0.1
) -> PairModels:
    """Builds every model ``run_arm`` needs around ONE encoder, once.

    Building (and, on JAX/XLA, compiling) a model costs seconds to tens of seconds; these
    models are reused across stages, arms and seeds by resetting weights instead.

    Args:
        encoder: A KerasHub ``BertBackbone``; its current weights count as "pretrained".
        pooling: ``"mean"`` or ``"cls"``.
        dropout: Dropout before each head, in [0, 1).

    Returns:
        A ``PairModels``.

    Raises:
        TypeError/ValueError: as ``build_cross_encoder``.

    Example:
        >>> models = build_pair_models(load_text_encoder())
        >>> models.joint.output_shape

    Used in: 06_double_fine_tuning.ipynb, scripts/double_finetune.py.
    """
    _check_encoder(encoder)
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    inputs = _pair_inputs()
    features = _features(encoder, inputs, pooling)
    x = keras.layers.Dropout(dropout, name="head_dropout")(features)
    stsb_layers = _make_head("regression", "stsb")
    mrpc_layers = _make_head("classification", "mrpc")
    stsb_out, mrpc_out = _apply(stsb_layers, x), _apply(mrpc_layers, x)
    embed_inputs = _pair_inputs()
    sequence = encoder(embed_inputs)["sequence_output"]
    embedding = _MeanPool(name="embed_pool")(sequence, embed_inputs["padding_mask"])
    return PairModels(
        encoder=encoder,
        stsb=keras.Model(inputs, stsb_out, name="stsb_cross_encoder"),
        mrpc=keras.Model(inputs, mrpc_out, name="mrpc_cross_encoder"),
        joint=keras.Model(inputs, {"stsb": stsb_out, "mrpc": mrpc_out}, name="joint_cross_encoder"),
        embed=keras.Model(embed_inputs, embedding, name="sentence_embedder"),
        pretrained=snapshot_weights(encoder),
        heads={"stsb": stsb_layers[0], "mrpc": mrpc_layers[0]},
    )


# --------------------------------------------------------------------------- metrics


def score_regression(y_true: Any, y_pred: Any) -> dict[str, float]:
    """Pearson and Spearman correlation (STS-B's metrics).

    Args:
        y_true: Gold scores, shape (N,).
        y_pred: Predicted scores (any monotone scale), shape (N,) or (N, 1).

    Returns:
        ``{"pearson": r, "spearman": rho}``.

    Raises:
        ValueError: Lengths differ or fewer than 3 pairs.

    Example:
        >>> score_regression([0, 1, 2, 3], [0, 1, 3, 2])["spearman"]
        0.8

    Used in: 05_sentence_pair_fine_tuning.ipynb, 06_double_fine_tuning.ipynb.
    """
    from scipy import stats

    t = np.asarray(y_true, dtype=np.float64).reshape(-1)
    p = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if t.shape != p.shape or len(t) < 3:
        raise ValueError(f"need >= 3 pairs and equal lengths, got {len(t)} and {len(p)}.")
    if np.std(p) == 0:  # a constant prediction correlates with nothing
        return {"pearson": 0.0, "spearman": 0.0}
    return {"pearson": float(stats.pearsonr(t, p)[0]), "spearman": float(stats.spearmanr(t, p)[0])}


def score_classification(y_true: Any, y_prob: Any, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy and F1 of the positive class (MRPC's metrics).

    Args:
        y_true: 0/1 labels, shape (N,).
        y_prob: Scores, predicted positive when ``>= threshold``; shape (N,) or (N, 1).
        threshold: Decision threshold.

    Returns:
        ``{"accuracy": ..., "f1": ...}`` (F1 is 0 when nothing is predicted positive).

    Raises:
        ValueError: Lengths differ, empty input, or labels other than 0/1.

    Example:
        >>> score_classification([1, 0, 1, 1], [0.9, 0.2, 0.4, 0.8])
        {'accuracy': 0.75, 'f1': 0.8}

    Used in: 05_sentence_pair_fine_tuning.ipynb, 06_double_fine_tuning.ipynb.
    """
    t = np.asarray(y_true).reshape(-1)
    p = np.asarray(y_prob, dtype=np.float64).reshape(-1)
    if t.shape != p.shape or len(t) == 0:
        raise ValueError(f"need equal, non-zero lengths, got {len(t)} and {len(p)}.")
    if not np.isin(t, (0, 1)).all():
        raise ValueError(f"labels must be 0/1, got values {sorted(set(t.tolist()))[:5]}.")
    pred = (p >= threshold).astype(int)
    tp = int(((pred == 1) & (t == 1)).sum())
    fp, fn = int(((pred == 1) & (t == 0)).sum()), int(((pred == 0) & (t == 1)).sum())
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"accuracy": round(float((pred == t).mean()), 6), "f1": round(float(f1), 6)}


def tune_threshold(y_true: Any, y_score: Any) -> float:
    """The decision threshold with the best accuracy on (dev) data.

    Used to read MRPC from a score that was not trained for it (a cosine similarity, an
    STS-B head): tune on MRPC dev, report MRPC test.

    Args:
        y_true: 0/1 labels.
        y_score: Scores, higher = more likely positive.

    Returns:
        A threshold (midway between two neighbouring scores).

    Raises:
        ValueError: as ``score_classification``.

    Example:
        >>> tune_threshold([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9])
        0.45

    Used in: 05_sentence_pair_fine_tuning.ipynb, 06_double_fine_tuning.ipynb.
    """
    t = np.asarray(y_true).reshape(-1)
    s = np.asarray(y_score, dtype=np.float64).reshape(-1)
    score_classification(t, s)  # validates
    values = np.unique(s)
    candidates = np.concatenate([[values[0] - 1e-6], (values[1:] + values[:-1]) / 2])
    if len(candidates) > 400:
        candidates = np.quantile(s, np.linspace(0, 1, 401))
    accuracy = [((s >= c).astype(int) == t).mean() for c in candidates]
    return round(float(candidates[int(np.argmax(accuracy))]), 6)


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return (a * b).sum(axis=1)


def _predict(model: keras.Model, x: dict[str, np.ndarray], batch_size: int) -> Any:
    """Predicts with a fixed batch shape (pads the last batch) so XLA compiles once."""
    n = len(x["token_ids"])
    pad = (-n) % batch_size
    if pad:
        x = {k: np.concatenate([v, np.repeat(v[:1], pad, axis=0)]) for k, v in x.items()}
    out = model.predict(x, batch_size=batch_size, verbose=0)
    if isinstance(out, dict):
        return {k: np.asarray(v)[:n].reshape(n, -1).squeeze(-1) if np.asarray(v).shape[-1] == 1
                else np.asarray(v)[:n] for k, v in out.items()}
    out = np.asarray(out)[:n]
    return out.reshape(n) if out.ndim == 2 and out.shape[1] == 1 else out


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
        TypeError: ``pairs`` is not a SentencePairs.

    Example:
        >>> sims = compute_cosine_similarity(models.embed, stsb_dev, tokenizer)
        >>> score_regression(stsb_dev.labels, sims)["spearman"]  # 0.867 on all of STS-B dev

    Used in: 05_sentence_pair_fine_tuning.ipynb, 06_double_fine_tuning.ipynb.
    """
    if not hasattr(pairs, "sentence1"):
        raise TypeError(f"pairs must be a SentencePairs, got {type(pairs).__name__}.")
    first = _predict(embedder, encode_sentences(pairs.sentence1, tokenizer), batch_size)
    second = _predict(embedder, encode_sentences(pairs.sentence2, tokenizer), batch_size)
    return _cosine(np.asarray(first, np.float64), np.asarray(second, np.float64))


# --------------------------------------------------------------------------- weights


def snapshot_weights(layer: keras.layers.Layer) -> list[np.ndarray]:
    """Copies a layer's (or model's) weights to NumPy.

    Args:
        layer: Any built Keras layer or model.

    Returns:
        A list of arrays, in ``layer.weights`` order.

    Example:
        >>> snap = snapshot_weights(encoder)
        >>> restore_weights(encoder, snap)

    Used in: 06_double_fine_tuning.ipynb (weight drift), ``run_arm``.
    """
    return [np.array(keras.ops.convert_to_numpy(w.value)) for w in layer.weights]


def restore_weights(layer: keras.layers.Layer, snapshot: list[np.ndarray]) -> None:
    """Writes a ``snapshot_weights`` copy back into the layer.

    Args:
        layer: The layer the snapshot came from (or one with the same weight shapes).
        snapshot: The list from ``snapshot_weights``.

    Raises:
        ValueError: The number of arrays or a shape does not match.

    Example:
        >>> restore_weights(encoder, models.pretrained)  # back to the downloaded checkpoint

    Used in: 06_double_fine_tuning.ipynb, ``run_arm``.
    """
    weights = layer.weights
    if len(weights) != len(snapshot):
        raise ValueError(f"snapshot has {len(snapshot)} arrays, layer {layer.name!r} has {len(weights)}.")
    for w, value in zip(weights, snapshot):
        if tuple(w.shape) != tuple(np.shape(value)):
            raise ValueError(f"shape mismatch for {w.path}: {tuple(w.shape)} vs {np.shape(value)}.")
        w.assign(value)


def _layer_groups(encoder: keras.layers.Layer) -> dict[str, list[int]]:
    """Weight indices per named sub-layer; the embedding layers form one group."""
    index = {id(w): i for i, w in enumerate(encoder.weights)}
    groups: dict[str, list[int]] = {}
    for sub in encoder.layers:
        if not sub.weights:
            continue
        name = "embeddings" if "embedding" in sub.name else sub.name
        groups.setdefault(name, []).extend(index[id(w)] for w in sub.weights if id(w) in index)
    return groups


def measure_weight_drift(
    encoder: keras.layers.Layer, before: list[np.ndarray], after: list[np.ndarray] | None = None
) -> dict[str, float]:
    """Relative weight change per layer: ||theta - theta0|| / ||theta0||.

    Args:
        encoder: The encoder (gives the layer names and grouping).
        before: ``snapshot_weights(encoder)`` taken before the stage (theta0).
        after: A later snapshot; None uses the encoder's current weights.

    Returns:
        ``{"embeddings": d, "transformer_layer_0": d, ..., "pooled_dense": d}``, ordered
        from input to output.

    Raises:
        ValueError: A snapshot does not match the encoder's weights.

    Example:
        >>> drift = measure_weight_drift(encoder, models.pretrained)
        >>> drift["transformer_layer_5"]  # 0.0 before any training

    Used in: 06_double_fine_tuning.ipynb.
    """
    after = snapshot_weights(encoder) if after is None else after
    n = len(encoder.weights)
    if len(before) != n or len(after) != n:
        raise ValueError(f"snapshots must have {n} arrays (the encoder's weights); got "
                         f"{len(before)} and {len(after)}.")
    drift = {}
    for name, idx in _layer_groups(encoder).items():
        delta = sum(float(np.sum((after[i] - before[i]) ** 2)) for i in idx)
        base = sum(float(np.sum(before[i] ** 2)) for i in idx)
        drift[name] = float(np.sqrt(delta / max(base, 1e-30)))
    return drift


# --------------------------------------------------------------------------- the experiment


@dataclasses.dataclass
class ArmParams:
    """Settings shared by every arm (so arms differ only in their stages).

    Attributes:
        epochs: Epochs per stage (a joint/merged stage sees both data sets each epoch).
        batch_size: Training batch size (the training set is trimmed to a multiple of it,
            so every batch has one shape and XLA compiles once).
        lr: Learning rate of stage 1 (AdamW, constant, gradient norm clipped to 1).
        later_lr: Learning rate of stages 2+; None = ``lr``.
        max_length: Tokens per pair.
        sentence_length: Tokens per single sentence (cosine evaluation).
        track_cosine: Also measure the zero-shot cosine Spearman after every stage.
        eval_batch_size: Prediction batch size.
        weight_decay: AdamW weight decay.
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
    weight_decay: float = 0.01
    verbose: int = 0

    def stage_lr(self, index: int) -> float:
        return self.lr if index == 0 or self.later_lr is None else self.later_lr


def _check_data(data: Any) -> None:
    if not isinstance(data, dict):
        raise TypeError(f"data must be a dict with keys {DATA_KEYS}, got {type(data).__name__}.")
    missing = [k for k in DATA_KEYS if k not in data]
    if missing:
        raise KeyError(f"data is missing {missing}; needs {list(DATA_KEYS)} (SentencePairs each).")


def _compile(models: PairModels, kind: str, params: ArmParams) -> keras.Model:
    """Compiles each model once; later stages only reset the optimizer's state."""
    model = {"stsb": models.stsb, "merged": models.stsb, "mrpc": models.mrpc,
             "joint": models.joint}[kind]
    key = model.name
    if key not in models.compiled:
        optimizer = keras.optimizers.AdamW(params.lr, weight_decay=params.weight_decay,
                                           clipnorm=1.0)
        if model is models.joint:
            model.compile(optimizer, loss={"stsb": "mse", "mrpc": "binary_crossentropy"})
        elif model is models.stsb:
            model.compile(optimizer, loss="mse")
        else:
            model.compile(optimizer, loss="binary_crossentropy")
        models.compiled[key] = model
    return model


def _init_head(layer: keras.layers.Dense, seed: int) -> None:
    kernel, bias = layer.kernel, layer.bias
    fan_in, fan_out = kernel.shape
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    rng = np.random.default_rng(seed)
    kernel.assign(rng.uniform(-limit, limit, size=kernel.shape).astype("float32"))
    bias.assign(np.zeros(bias.shape, dtype="float32"))


def _stage_arrays(kind: str, enc: dict, data: dict, seed: int, batch_size: int) -> tuple:
    """Inputs, targets and sample weights of one stage, shuffled and trimmed to full batches."""
    sts_y = np.asarray(data["stsb_train"].labels, dtype="float32")
    mrpc_y = np.asarray(data["mrpc_train"].labels, dtype="float32")
    n_s, n_m = len(sts_y), len(mrpc_y)
    weights = None
    if kind == "stsb":
        x, y = enc["stsb_train"], sts_y
    elif kind == "mrpc":
        x, y = enc["mrpc_train"], mrpc_y
    elif kind == "merged":
        x, y = _concat(enc["stsb_train"], enc["mrpc_train"]), np.concatenate([sts_y, mrpc_y * 5])
    else:  # joint: targets for both heads, weight 0 on the head an example does not belong to
        x = _concat(enc["stsb_train"], enc["mrpc_train"])
        y = {"stsb": np.concatenate([sts_y, np.zeros(n_m, "float32")]),
             "mrpc": np.concatenate([np.zeros(n_s, "float32"), mrpc_y])}
        weights = {"stsb": np.r_[np.ones(n_s), np.zeros(n_m)].astype("float32"),
                   "mrpc": np.r_[np.zeros(n_s), np.ones(n_m)].astype("float32")}
    n = len(x["token_ids"])
    keep = (n // batch_size) * batch_size
    if keep == 0:
        raise ValueError(f"stage {kind!r} has {n} training pairs, fewer than batch_size={batch_size}.")
    order = np.random.default_rng(seed).permutation(n)[:keep]

    def pick(a: Any) -> Any:
        return {k: v[order] for k, v in a.items()} if isinstance(a, dict) else a[order]

    return pick(x), pick(y), (pick(weights) if weights is not None else None)


def _evaluate(models: PairModels, enc: dict, data: dict, trained: set, merged: bool,
              params: ArmParams, sentence_tok: Any, cosine: bool) -> dict[str, Any]:
    """Metrics after a stage: MRPC dev/test, STS-B dev (and the cosine Spearman)."""
    parts = [enc["mrpc_dev"], enc["mrpc_test"], enc["stsb_dev"]]
    sizes = np.cumsum([0] + [len(p["token_ids"]) for p in parts])
    out = _predict(models.joint, _concat(*parts), params.eval_batch_size)
    split = {k: [out[k][sizes[i]:sizes[i + 1]] for i in range(3)] for k in out}
    y_dev, y_test = data["mrpc_dev"].labels, data["mrpc_test"].labels
    metrics: dict[str, Any] = {}
    sims = None
    if cosine or "stsb" not in trained:
        sims = compute_cosine_similarity(models.embed, data["stsb_dev"], sentence_tok,
                                         params.eval_batch_size)
        metrics["stsb_cosine_spearman"] = score_regression(data["stsb_dev"].labels, sims)["spearman"]
    if "mrpc" in trained:
        dev, test, threshold, source = split["mrpc"][0], split["mrpc"][1], 0.5, "mrpc_head"
    elif "stsb" in trained:
        dev, test = split["stsb"][0], split["stsb"][1]
        threshold = 2.5 if merged else tune_threshold(y_dev, dev)
        source = "stsb_head>2.5" if merged else "stsb_head, threshold tuned on dev"
    else:
        dev = compute_cosine_similarity(models.embed, data["mrpc_dev"], sentence_tok,
                                        params.eval_batch_size)
        test = compute_cosine_similarity(models.embed, data["mrpc_test"], sentence_tok,
                                         params.eval_batch_size)
        threshold, source = tune_threshold(y_dev, dev), "cosine, threshold tuned on dev"
    for name, labels, scores in (("dev", y_dev, dev), ("test", y_test, test)):
        for metric, value in score_classification(labels, scores, threshold).items():
            metrics[f"mrpc_{name}_{metric}"] = value
    metrics["mrpc_source"] = source
    if "stsb" in trained:
        sts = score_regression(data["stsb_dev"].labels, split["stsb"][2])
        metrics["stsb_source"] = "stsb_head"
    else:
        sts = score_regression(data["stsb_dev"].labels, sims)
        metrics["stsb_source"] = "cosine (no STS-B head trained yet)"
    metrics["stsb_dev_spearman"], metrics["stsb_dev_pearson"] = sts["spearman"], sts["pearson"]
    return metrics


def _fingerprint(data: dict, params: ArmParams, seed: int) -> str:
    digest = hashlib.sha1(repr((seed, params.batch_size, params.max_length, params.weight_decay,
                                params.sentence_length, params.track_cosine)).encode())
    for key in DATA_KEYS:
        pairs = data[key]
        digest.update(f"{key}:{len(pairs)}:{pairs.sentence1[:3]}:{pairs.sentence1[-3:]}".encode())
        digest.update(np.asarray(pairs.labels).tobytes())
    return digest.hexdigest()


def run_arm(
    arm: str | tuple[str, ...],
    data: dict[str, Any],
    params: ArmParams | None = None,
    seed: int = 42,
    models: PairModels | None = None,
    tokenizer: Any = None,
) -> dict[str, Any]:
    """Runs one arm of the double fine-tuning experiment from the pretrained weights.

    Every stage starts from the previous stage's encoder; a head is fresh the first time
    an arm uses it and is kept afterwards (arm D's third stage keeps both trained heads).
    After every stage (and before the first: "stage 0", the checkpoint as downloaded) it
    measures MRPC dev/test accuracy and F1 and STS-B dev Spearman:

    * MRPC from the MRPC head when one is trained; else from the STS-B head's score with a
      threshold tuned on MRPC dev (2.5 for arm E, whose head learned MRPC as 0 or 5);
      else (stage 0) from the cosine similarity with a tuned threshold;
    * STS-B from the STS-B head when trained (kept through later stages: that is how
      forgetting shows); else from the cosine of mean-pooled embeddings (zero-shot).

    Stages are deterministic given ``seed``; finished stage prefixes are cached in
    ``models`` so arm D reuses arm B's two stages (and B reuses D's) for the same seed.
    Calls ``keras.utils.set_random_seed`` at the start of each stage.

    Args:
        arm: ``"A"``..``"E"`` (see ``ARMS``) or a tuple of stage kinds (``STAGE_KINDS``).
        data: ``{"stsb_train", "stsb_dev", "mrpc_train", "mrpc_dev", "mrpc_test"}`` ->
            ``SentencePairs``.
        params: ``ArmParams``; None uses the defaults.
        seed: Seed of head initialisation, shuffling and dropout.
        models: From ``build_pair_models``; None builds (and loads) the encoder.
        tokenizer: A ``PairTokenizer`` of ``params.max_length``; None loads one.

    Returns:
        ``{"arm", "stages_kinds", "seed", "stages": [stage 0, stage 1, ...], "seconds"}``
        where each stage has ``kind``, ``lr``, ``epochs``, ``metrics`` (dict),
        ``drift`` (per layer vs the stage's start), ``drift_total`` (vs pretrained),
        ``history`` (loss per epoch), ``seconds`` and ``cached``.

    Raises:
        KeyError: Unknown arm or stage kind, or missing data keys. TypeError: bad data.

    Example:
        >>> result = run_arm("B", data, ArmParams(epochs=2), seed=1, models=models)
        >>> result["stages"][2]["metrics"]["mrpc_test_accuracy"]

    Used in: 06_double_fine_tuning.ipynb, scripts/double_finetune.py.
    """
    from utils import models as model_zoo

    if isinstance(arm, str):
        if arm not in ARMS:
            raise KeyError(f"Unknown arm {arm!r}; known: {sorted(ARMS)}.{_close(arm, ARMS)}")
        kinds = ARMS[arm]
    else:
        kinds = tuple(arm)
        bad = [k for k in kinds if k not in STAGE_KINDS]
        if bad or not kinds:
            raise KeyError(f"Unknown stage kind(s) {bad}; known: {sorted(STAGE_KINDS)}.")
    _check_data(data)
    params = params or ArmParams()
    if not isinstance(params, ArmParams):
        raise TypeError(f"params must be an ArmParams, got {type(params).__name__}.")
    models = models or build_pair_models(model_zoo.load_text_encoder())
    tokenizer = tokenizer or model_zoo.load_pair_tokenizer(params.max_length)
    sentence_tok = models.cache.setdefault(
        ("sentence_tokenizer", params.sentence_length),
        model_zoo.PairTokenizer(tokenizer.path, params.sentence_length))
    enc = {k: encode_pairs(data[k], tokenizer) for k in DATA_KEYS}
    base_key = _fingerprint(data, params, seed)
    started = time.perf_counter()

    stage0_key = (base_key, ())
    if stage0_key not in models.cache:
        restore_weights(models.encoder, models.pretrained)
        t0 = time.perf_counter()
        metrics = _evaluate(models, enc, data, set(), False, params, sentence_tok, True)
        models.cache[stage0_key] = {"stage": 0, "kind": "pretrained", "lr": None, "epochs": 0,
                                    "metrics": metrics, "drift": {}, "drift_total": {},
                                    "history": {}, "seconds": time.perf_counter() - t0}
    stages = [dict(models.cache[stage0_key], cached=True)]

    prefix: tuple = ()
    state = None  # (encoder weights, head weights, trained heads) after the last cached stage
    for index, kind in enumerate(kinds):
        lr = params.stage_lr(index)
        prefix = prefix + ((kind, lr, params.epochs),)
        key = (base_key, prefix)
        if key in models.cache:
            entry = models.cache[key]
            stages.append(dict(entry["record"], cached=True))
            state = entry["state"]
            continue
        t0 = time.perf_counter()
        if state is None:  # fresh arm: pretrained encoder, newly initialised heads
            restore_weights(models.encoder, models.pretrained)
            for offset, head in enumerate(models.heads.values()):
                _init_head(head, seed * 1009 + offset)
            trained: set = set()
        else:
            restore_weights(models.encoder, state[0])
            for head, snap in zip(models.heads.values(), state[1]):
                restore_weights(head, snap)
            trained = set(state[2])
        keras.utils.set_random_seed(seed * 1000 + index)
        before = snapshot_weights(models.encoder)
        model = _compile(models, kind, params)
        reset_optimizer(model.optimizer, lr)
        x, y, w = _stage_arrays(kind, enc, data, seed * 1000 + index, params.batch_size)
        history = model.fit(x, y, sample_weight=w, batch_size=params.batch_size,
                            epochs=params.epochs, shuffle=True, verbose=params.verbose).history
        trained |= {"stsb", "mrpc"} if kind == "joint" else {"mrpc" if kind == "mrpc" else "stsb"}
        after = snapshot_weights(models.encoder)
        metrics = _evaluate(models, enc, data, trained, "merged" in [k for k, _, _ in prefix],
                            params, sentence_tok, params.track_cosine)
        record = {"stage": index + 1, "kind": kind, "lr": lr, "epochs": params.epochs,
                  "metrics": metrics,
                  "drift": measure_weight_drift(models.encoder, before, after),
                  "drift_total": measure_weight_drift(models.encoder, models.pretrained, after),
                  "history": {k: [float(v) for v in vals] for k, vals in history.items()},
                  "seconds": time.perf_counter() - t0}
        state = (after, [snapshot_weights(h) for h in models.heads.values()], frozenset(trained))
        models.cache[key] = {"record": record, "state": state}
        stages.append(dict(record, cached=False))
    return {"arm": arm if isinstance(arm, str) else "+".join(kinds), "stage_kinds": list(kinds),
            "seed": seed, "stages": stages, "seconds": time.perf_counter() - started}


# --------------------------------------------------------------------------- reporting

_REPORT = ("mrpc_dev_accuracy", "mrpc_test_accuracy", "mrpc_test_f1", "stsb_dev_spearman")


def summarize_runs(runs: list[dict[str, Any]], metrics: tuple[str, ...] = _REPORT) -> Any:
    """One row per (arm, stage): mean and std over seeds of each metric.

    Args:
        runs: Results of ``run_arm`` (any arms, any seeds).
        metrics: Metric names to aggregate.

    Returns:
        A pandas DataFrame indexed by (arm, stage) with ``<metric>`` (mean),
        ``<metric>_std`` and ``n_seeds`` columns, plus ``kind``.

    Raises:
        ValueError: ``runs`` is empty.

    Example:
        >>> summarize_runs([run_arm("A", data, seed=s, models=m) for s in (0, 1)])

    Used in: 06_double_fine_tuning.ipynb, scripts/double_finetune.py.
    """
    import pandas as pd

    if not runs:
        raise ValueError("runs is empty: pass the results of run_arm.")
    rows = []
    for run in runs:
        for stage in run["stages"]:
            row = {"arm": run["arm"], "stage": stage["stage"], "kind": stage["kind"],
                   "seed": run["seed"]}
            row.update({m: stage["metrics"].get(m, np.nan) for m in metrics})
            rows.append(row)
    frame = pd.DataFrame(rows)
    grouped = frame.groupby(["arm", "stage"])
    table = grouped[list(metrics)].mean()
    stds = grouped[list(metrics)].std(ddof=1).add_suffix("_std")
    table = table.join(stds)
    table["n_seeds"] = grouped["seed"].nunique()
    table["kind"] = grouped["kind"].first()
    return table


def plot_arm_stages(runs: list[dict[str, Any]], metrics: tuple[str, ...] = (
        "mrpc_test_accuracy", "stsb_dev_spearman")) -> Any:
    """One curve per arm across its stages (stage 0 = the downloaded checkpoint).

    Args:
        runs: Results of ``run_arm``; several seeds of an arm are averaged.
        metrics: One panel per metric.

    Returns:
        A matplotlib ``Figure`` (not shown).

    Raises:
        ValueError: ``runs`` is empty.

    Example:
        >>> fig = plot_arm_stages(results)

    Used in: 06_double_fine_tuning.ipynb.
    """
    import matplotlib.pyplot as plt

    table = summarize_runs(runs, metrics).reset_index()
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for arm, rows in table.groupby("arm"):
            labels = " -> ".join(rows["kind"].tolist()[1:])
            ax.errorbar(rows["stage"], rows[metric], yerr=rows[f"{metric}_std"].fillna(0),
                        marker="o", capsize=3, label=f"{arm}: {labels}")
        ax.set_xlabel("stage (0 = checkpoint as downloaded)")
        ax.set_ylabel(metric)
        ax.set_xticks(sorted(table["stage"].unique()))
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig
