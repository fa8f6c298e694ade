"""Classification heads on a text encoder's token outputs: [CLS] Dense, mean-pool, BiLSTM.

The heads read the encoder's ``sequence_output`` (one vector per token) and its padding mask,
so the same head works in two settings:

* on top of the encoder, trained WITH it (full fine-tuning): ``build_pair_classifier``;
* alone, on token features extracted once from a frozen encoder: ``extract_token_features``
  then ``build_head`` (seconds per epoch on a CPU instead of minutes).

The BiLSTM head is the trick of a KLUE relation-extraction solution: instead of a Dense layer
on one pooled vector, a bidirectional LSTM reads every token vector (padding masked out) and
its two final states feed the Dense layer.

Backend-agnostic: ``keras.ops`` and Keras layers only, NumPy arrays in and out.
"""

from __future__ import annotations

import difflib
import time
from typing import Any

import keras
import numpy as np

from utils.text import (
    _ClsPool,
    _MeanPool,
    encode_sentences,
    restore_weights,
    score_classification,
)

__all__ = [
    "HEADS",
    "build_head",
    "build_pair_classifier",
    "count_head_params",
    "extract_token_features",
    "embed_pairs",
    "build_embedding_head",
    "run_head_arm",
    "summarize_head_runs",
    "plot_head_comparison",
]

HEADS = {
    "cls": "Dense on the first token's vector ([CLS])",
    "mean": "Dense on the mean of the token vectors (padding excluded)",
    "bilstm": "bidirectional LSTM over the token vectors (padding masked), then Dense",
}
_TOKEN_INPUTS = ("token_ids", "segment_ids", "padding_mask")
_FEATURE_INPUTS = ("sequence_output", "padding_mask")


def _check_head(head: str) -> None:
    if head not in HEADS:
        near = difflib.get_close_matches(str(head), list(HEADS), n=2, cutoff=0.4)
        hint = f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        raise ValueError(f"Unknown head {head!r}; choose one of {list(HEADS)}.{hint}")


def build_head(
    head: str,
    hidden_dim: int,
    lstm_units: int = 64,
    dropout: float = 0.1,
    name: str = "head",
) -> keras.Model:
    """Builds a binary classification head that reads token vectors and a padding mask.

    Args:
        head: ``"cls"``, ``"mean"`` or ``"bilstm"`` (see ``HEADS``).
        hidden_dim: Width of the token vectors (384 for all-MiniLM-L6-v2).
        lstm_units: Units of EACH direction of the BiLSTM (ignored by the other heads).
        dropout: Dropout before the final Dense layer, in [0, 1).
        name: Model name.

    Returns:
        A ``keras.Model`` from ``{"sequence_output": (N, T, hidden_dim) float,
        "padding_mask": (N, T) bool}`` to P(positive), shape (N, 1).

    Raises:
        ValueError: Unknown head, or a bad size or dropout.

    Example:
        >>> build_head("bilstm", hidden_dim=16, lstm_units=4).output_shape
        (None, 1)

    Used in: 07_heads_on_encoders.ipynb, 08_self_training.ipynb.
    """
    _check_head(head)
    for label, value in (("hidden_dim", hidden_dim), ("lstm_units", lstm_units)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{label} must be a positive int, got {value!r}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    sequence = keras.Input((None, hidden_dim), dtype="float32", name="sequence_output")
    mask = keras.Input((None,), dtype="bool", name="padding_mask")
    if head == "cls":
        x = _ClsPool(name="cls_pool")(sequence)
    elif head == "mean":
        x = _MeanPool(name="mean_pool")(sequence, mask)
    else:  # the mask makes both directions skip the padding: no [PAD] vector is read
        lstm = keras.layers.LSTM(lstm_units, name="lstm")
        x = keras.layers.Bidirectional(lstm, name="bilstm")(sequence, mask=mask)
    x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    out = keras.layers.Dense(1, activation="sigmoid", name="classifier")(x)
    return keras.Model({"sequence_output": sequence, "padding_mask": mask}, out, name=name)


def build_pair_classifier(
    encoder: keras.layers.Layer,
    head: str = "cls",
    lstm_units: int = 64,
    dropout: float = 0.1,
    train_encoder: bool = True,
) -> keras.Model:
    """Puts a ``build_head`` head on a BERT encoder's token outputs (a cross-encoder).

    Args:
        encoder: A KerasHub ``BertBackbone`` (``utils.models.load_text_encoder()``). It is
            shared, not copied: training the model changes it.
        head: ``"cls"``, ``"mean"`` or ``"bilstm"``.
        lstm_units: Units per direction of the BiLSTM head.
        dropout: Dropout before the final Dense layer.
        train_encoder: Sets ``encoder.trainable`` (False: only the head learns).

    Returns:
        A ``keras.Model`` from ``token_ids``/``segment_ids``/``padding_mask`` to P(paraphrase),
        shape (N, 1); the head is its layer named ``"head"``.

    Raises:
        TypeError: ``encoder`` has no ``hidden_dim`` (not a BertBackbone).
        ValueError: as ``build_head``.

    Example:
        >>> model = build_pair_classifier(load_text_encoder(), "bilstm")
        >>> count_head_params(model)  # 2 x 4 x (384 + 64 + 1) x 64 + 129
        230017

    Used in: 07_heads_on_encoders.ipynb, 08_self_training.ipynb.
    """
    hidden = getattr(encoder, "hidden_dim", None)
    if not isinstance(encoder, keras.layers.Layer) or not isinstance(hidden, int):
        raise TypeError(
            f"encoder must be a KerasHub BertBackbone (with hidden_dim), got {type(encoder).__name__}."
        )
    head_model = build_head(head, hidden, lstm_units, dropout)
    encoder.trainable = bool(train_encoder)
    inputs = {
        "token_ids": keras.Input((None,), dtype="int32", name="token_ids"),
        "segment_ids": keras.Input((None,), dtype="int32", name="segment_ids"),
        "padding_mask": keras.Input((None,), dtype="bool", name="padding_mask"),
    }
    sequence = encoder(inputs)["sequence_output"]
    out = head_model({"sequence_output": sequence, "padding_mask": inputs["padding_mask"]})
    return keras.Model(inputs, out, name=f"pair_classifier_{head}")


def count_head_params(model: keras.Model) -> int:
    """Counts the parameters of a model's head (its layer ``"head"``), or of a head model.

    Args:
        model: From ``build_pair_classifier`` (counts only the head) or ``build_head``.

    Returns:
        The number of weights in the head (trainable or not).

    Raises:
        TypeError: ``model`` is not a Keras model.

    Example:
        >>> count_head_params(build_head("mean", hidden_dim=384))  # 384 weights + 1 bias
        385

    Used in: 07_heads_on_encoders.ipynb.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}.")
    names = [layer.name for layer in model.layers]
    head = model.get_layer("head") if "head" in names and model.name != "head" else model
    return int(sum(int(np.prod(w.shape)) for w in head.weights))


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

    Example:
        >>> feats = extract_token_features(encoder, encode_pairs(dev, tokenizer))
        >>> feats["sequence_output"].shape  # (408, 64, 384)

    Used in: 07_heads_on_encoders.ipynb, 08_self_training.ipynb.
    """
    missing = [k for k in _TOKEN_INPUTS if k not in x]
    if missing:
        raise KeyError(f"x is missing {missing}; pass encode_pairs(...) (keys {list(_TOKEN_INPUTS)}).")
    inputs = {k: keras.Input((None,), dtype="bool" if k == "padding_mask" else "int32", name=k)
              for k in _TOKEN_INPUTS}
    extractor = keras.Model(inputs, encoder(inputs)["sequence_output"], name="token_features")
    out = extractor.predict({k: x[k] for k in _TOKEN_INPUTS}, batch_size=batch_size, verbose=0)
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
        TypeError: ``pairs`` has no ``sentence1``/``sentence2``.

    Example:
        >>> emb = embed_pairs(encoder, dev, load_pair_tokenizer(48))
        >>> emb["u"].shape  # (408, 384)

    Used in: 08_self_training.ipynb.
    """
    if not hasattr(pairs, "sentence1") or not hasattr(pairs, "sentence2"):
        raise TypeError(f"pairs must be a SentencePairs, got {type(pairs).__name__}.")
    inputs = {k: keras.Input((None,), dtype="bool" if k == "padding_mask" else "int32", name=k)
              for k in _TOKEN_INPUTS}
    pooled = _MeanPool(name="mean_pool")(encoder(inputs)["sequence_output"], inputs["padding_mask"])
    embedder = keras.Model(inputs, pooled, name="sentence_embedder")
    out = {}
    for key, sentences in (("u", pairs.sentence1), ("v", pairs.sentence2)):
        x = encode_sentences(list(sentences), tokenizer)
        out[key] = np.asarray(embedder.predict(x, batch_size=batch_size, verbose=0), "float32")
    return out


class _PairFeatures(keras.layers.Layer):
    """[u * v, |u - v|] of the L2-normalised embeddings (their sum over features is 1 - cos)."""

    def call(self, u, v):
        u = u / keras.ops.maximum(keras.ops.norm(u, axis=-1, keepdims=True), 1e-9)
        v = v / keras.ops.maximum(keras.ops.norm(v, axis=-1, keepdims=True), 1e-9)
        return keras.ops.concatenate([u * v, keras.ops.abs(u - v)], axis=-1)


def build_embedding_head(hidden_dim: int, dropout: float = 0.1) -> keras.Model:
    """A paraphrase classifier on two frozen sentence embeddings (Sentence-BERT style).

    Reads ``u`` and ``v`` from ``embed_pairs``, L2-normalises them, and puts a Dense layer on
    ``[u * v, |u - v|]`` (a layer normalisation first, so a normal learning rate works).

    Args:
        hidden_dim: Embedding width (384 for all-MiniLM-L6-v2).
        dropout: Dropout before the Dense layer, in [0, 1).

    Returns:
        A ``keras.Model`` from ``{"u": (N, H), "v": (N, H)}`` to P(paraphrase), shape (N, 1).

    Raises:
        ValueError: Bad ``hidden_dim`` or ``dropout``.

    Example:
        >>> build_embedding_head(384).output_shape
        (None, 1)

    Used in: 08_self_training.ipynb.
    """
    if not isinstance(hidden_dim, int) or hidden_dim < 1:
        raise ValueError(f"hidden_dim must be a positive int, got {hidden_dim!r}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    u = keras.Input((hidden_dim,), name="u")
    v = keras.Input((hidden_dim,), name="v")
    x = _PairFeatures(name="pair_features")(u, v)
    x = keras.layers.LayerNormalization(name="feature_norm")(x)
    x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    out = keras.layers.Dense(1, activation="sigmoid", name="classifier")(x)
    return keras.Model({"u": u, "v": v}, out, name="embedding_head")


def _predict_prob(model: keras.Model, x: dict[str, np.ndarray], batch_size: int) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0)).reshape(-1)


def run_head_arm(
    head: str,
    train: tuple[dict[str, np.ndarray], np.ndarray],
    evals: dict[str, tuple[dict[str, np.ndarray], np.ndarray]],
    encoder: keras.layers.Layer | None = None,
    pretrained: list[np.ndarray] | None = None,
    epochs: int = 2,
    lr: float = 1e-4,
    batch_size: int = 32,
    seed: int = 42,
    lstm_units: int = 64,
    dropout: float = 0.1,
    verbose: int = 0,
) -> dict[str, Any]:
    """Trains one head (with the encoder, or alone on features) and scores it.

    Every arm gets the same budget: the same training pairs in the same seeded order, the
    same number of epochs and steps, the same optimizer (AdamW, weight decay 0.01, gradient
    norm clipped to 1) and learning rate for every weight. Only the head differs (and with
    it the number of new parameters, reported as ``head_params``).

    Args:
        head: ``"cls"``, ``"mean"`` or ``"bilstm"``.
        train: ``(x, y)``: token arrays (with ``encoder``) or token features (without), 0/1 labels.
        evals: ``name -> (x, y)`` sets to score, e.g. ``{"dev": ..., "test": ...}``.
        encoder: A BertBackbone to fine-tune with the head; None trains the head alone on
            ``extract_token_features`` output.
        pretrained: ``utils.text.snapshot_weights(encoder)`` taken before any training; the
            encoder is reset to it first, so arms never inherit each other's fine-tuning.
        epochs: Training epochs.
        lr: Learning rate (the same for encoder and head).
        batch_size: Batch size.
        seed: Seeds head initialisation, shuffling and dropout (``keras.utils.set_random_seed``).
        lstm_units: Units per direction of the BiLSTM head.
        dropout: Dropout before the Dense layer.
        verbose: Passed to ``fit``.

    Returns:
        ``{"head", "seed", "fine_tuned", "head_params", "<set>_accuracy", "<set>_f1", ...,
        "history", "seconds"}``.

    Raises:
        ValueError: Unknown head, or ``pretrained`` missing while ``encoder`` is given.
        KeyError: The inputs do not match the mode (tokens with an encoder, features without).

    Example:
        >>> r = run_head_arm("mean", (x_tr, y_tr), {"dev": (x_dev, y_dev)}, encoder, snap)
        >>> r["dev_accuracy"]

    Used in: 07_heads_on_encoders.ipynb.
    """
    _check_head(head)
    needed = _TOKEN_INPUTS if encoder is not None else _FEATURE_INPUTS
    for name, (x, _) in {"train": train, **evals}.items():
        missing = [k for k in needed if k not in x]
        if missing:
            what = "token arrays (encode_pairs)" if encoder is not None else \
                "token features (extract_token_features)"
            raise KeyError(f"{name!r} inputs lack {missing}: this mode needs {what}.")
    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    if encoder is not None:
        if pretrained is None:
            raise ValueError("pass pretrained=snapshot_weights(encoder) so every arm starts "
                             "from the same encoder weights.")
        restore_weights(encoder, pretrained)
        model = build_pair_classifier(encoder, head, lstm_units, dropout, train_encoder=True)
    else:
        hidden = int(train[0]["sequence_output"].shape[-1])
        model = build_head(head, hidden, lstm_units, dropout)
    model.compile(keras.optimizers.AdamW(lr, weight_decay=0.01, clipnorm=1.0),
                  loss="binary_crossentropy", metrics=["accuracy"])
    x_train, y_train = train
    history = model.fit(x_train, np.asarray(y_train, dtype="float32"), batch_size=batch_size,
                        epochs=epochs, shuffle=True, verbose=verbose)
    record: dict[str, Any] = {"head": head, "seed": seed, "fine_tuned": encoder is not None,
                              "head_params": count_head_params(model)}
    for name, (x, y) in evals.items():
        for metric, value in score_classification(y, _predict_prob(model, x, 2 * batch_size)).items():
            record[f"{name}_{metric}"] = value
    record["history"] = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    record["seconds"] = round(time.perf_counter() - started, 1)
    return record


def summarize_head_runs(records: list[dict[str, Any]]) -> Any:
    """Mean and std over seeds of every score, one row per (setting, head).

    Args:
        records: Results of ``run_head_arm``.

    Returns:
        A pandas DataFrame indexed by (``fine_tuned``, ``head``) with ``<metric>`` (mean),
        ``<metric>_std`` (0 for one seed), ``head_params`` and ``n_seeds``.

    Raises:
        ValueError: ``records`` is empty.

    Example:
        >>> summarize_head_runs(records).loc[(True, "cls"), "dev_accuracy"]

    Used in: 07_heads_on_encoders.ipynb.
    """
    import pandas as pd

    if not records:
        raise ValueError("records is empty: pass the results of run_head_arm.")
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "history"} for r in records])
    metrics = [c for c in frame.columns if c.endswith(("_accuracy", "_f1"))]
    grouped = frame.groupby(["fine_tuned", "head"], sort=False)
    table = grouped[metrics].mean()
    table = table.join(grouped[metrics].std(ddof=1).fillna(0.0).add_suffix("_std"))
    table["head_params"] = grouped["head_params"].first()
    table["n_seeds"] = grouped["seed"].nunique()
    return table


def plot_head_comparison(
    table: Any, metric: str = "dev_accuracy", baseline: float | None = None
) -> Any:
    """Bars of one metric per head, frozen vs fine-tuned side by side, std as error bars.

    A head run in one setting only (say frozen, not fine-tuned) gets a bar in that setting only.

    Args:
        table: From ``summarize_head_runs``.
        metric: A metric column, e.g. ``"dev_accuracy"`` or ``"test_f1"``.
        baseline: Draws a dashed line (e.g. the majority-class accuracy).

    Returns:
        A matplotlib ``Figure`` (not shown).

    Raises:
        KeyError: ``metric`` is not a column of ``table``.

    Example:
        >>> fig = plot_head_comparison(summarize_head_runs(records), "dev_accuracy", 0.684)
        >>> fig.axes[0].get_ylabel()

    Used in: 07_heads_on_encoders.ipynb.
    """
    import matplotlib.pyplot as plt

    if metric not in table.columns:
        options = [c for c in table.columns if c.endswith(("_accuracy", "_f1"))
                   and not c.endswith("_std")]
        raise KeyError(f"no metric {metric!r} in the table; available: {options}.")
    flat = table.reset_index()
    heads = list(dict.fromkeys(flat["head"]))
    settings = list(dict.fromkeys(flat["fine_tuned"]))
    fig, ax = plt.subplots(figsize=(1.8 * len(heads) + 2.5, 3.8))
    plt.close(fig)
    width = 0.8 / len(settings)
    for i, setting in enumerate(settings):
        rows = flat[flat["fine_tuned"] == setting].set_index("head").reindex(heads)
        xs = np.arange(len(heads)) + (i - (len(settings) - 1) / 2) * width
        bars = ax.bar(xs, rows[metric], width, yerr=rows[f"{metric}_std"], capsize=3,
                      label="fine-tuned encoder" if setting else "frozen encoder (head only)")
        ax.bar_label(bars, labels=[f"{v:.3f}" for v in rows[metric]], padding=2, fontsize=8)
    if baseline is not None:
        ax.axhline(baseline, color="gray", linestyle="--", label=f"majority class {baseline:.3f}")
    ax.set_xticks(np.arange(len(heads)), heads)
    ax.set_ylabel(metric)
    low = float(np.nanmin(flat[metric])) if baseline is None else min(baseline, float(np.nanmin(flat[metric])))
    ax.set_ylim(max(0.0, low - 0.1), 1.0)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
