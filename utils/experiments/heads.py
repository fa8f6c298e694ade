"""Notebook 07's comparison: the same budget for every head, with and without fine-tuning.

``run_head_arm`` trains one head (with the encoder, or alone on extracted token features)
and scores it; ``utils.experiments.summarize_head_runs`` averages the records over seeds.
"""

from __future__ import annotations

import time
from typing import Any

import keras
import numpy as np

from utils import metrics
from utils.experiments.arms import check_seed
from utils.models import (
    HEADS,
    TOKEN_INPUTS,
    SplitEncoder,
    build_head,
    build_pair_classifier,
    count_head_params,
    predict_padded,
)
from utils.optim import text_optimizer
from utils.validate import (
    check_choice,
    check_fraction,
    check_int,
    check_labels,
    check_number,
    check_verbose,
)
from utils.weights import restore_weights

__all__ = ["run_head_arm"]

_FEATURE_INPUTS = ("sequence_output", "padding_mask")
_CACHED_INPUTS = ("hidden", "padding_mask")


def run_head_arm(
    head: str,
    train: tuple[dict[str, np.ndarray], np.ndarray],
    evals: dict[str, tuple[dict[str, np.ndarray], np.ndarray]],
    encoder: keras.layers.Layer | SplitEncoder | None = None,
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
    same number of epochs and steps, the same optimizer (``utils.optim.text_optimizer``: AdamW,
    weight decay 0.01, gradient norm clipped to 1) and learning rate for every weight. Only the head differs (and with
    it the number of new parameters, reported as ``head_params``).

    Args:
        head: ``"cls"``, ``"mean"`` or ``"bilstm"``.
        train: ``(x, y)``: token arrays (with a BertBackbone ``encoder``), cached activations
            (with a ``SplitEncoder``: its ``cache``) or token features (no encoder), 0/1 labels.
        evals: ``name -> (x, y)`` sets to score, e.g. ``{"dev": ..., "test": ...}``.
        encoder: A BertBackbone to fine-tune with the head; a ``models.split_encoder`` to
            fine-tune only its top layers with the head, on ``cache``d lower-layer activations;
            None trains the head alone on ``extract_token_features`` output.
        pretrained: ``utils.weights.snapshot_weights`` of the encoder (of a split's ``upper``)
            taken before any training; it is reset to it first, so arms never inherit each
            other's fine-tuning.
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
        ValueError: Unknown head, ``pretrained`` missing while ``encoder`` is given, labels
            other than 0/1, x and y of different lengths, counts < 1, a rate <= 0.
        KeyError: The inputs do not match the mode (tokens with an encoder, features without).
        TypeError: ``train``/``evals`` not ``(x, y)`` pairs, ``encoder`` not a BertBackbone,
            a count that is not an int or a rate that is not a number.

    Example:
        >>> r = run_head_arm("mean", (x_tr, y_tr), {"dev": (x_dev, y_dev)}, encoder, snap)
        >>> r["dev_accuracy"]

    Used in: 07_heads_on_encoders.ipynb.
    """
    check_choice("head", head, HEADS)
    if not isinstance(evals, dict):
        raise TypeError(f"evals must be a dict name -> (x, y), got {type(evals).__name__}.")
    sets = {"train": train, **evals}
    for name, pair in sets.items():
        if not isinstance(pair, tuple | list) or len(pair) != 2 or not isinstance(pair[0], dict):
            raise TypeError(f"{name!r} must be an (x, y) pair with x a dict of arrays, got "
                            f"{type(pair).__name__}.")
    split = isinstance(encoder, SplitEncoder)
    if encoder is not None and not split and not (isinstance(encoder, keras.layers.Layer)
                                                  and hasattr(encoder, "hidden_dim")):
        raise TypeError(f"encoder must be a KerasHub BertBackbone, a models.split_encoder(...) or "
                        f"None, got {type(encoder).__name__}.")
    needed = _CACHED_INPUTS if split else TOKEN_INPUTS if encoder is not None else _FEATURE_INPUTS
    for name, (x, y) in sets.items():
        missing = [k for k in needed if k not in x]
        if missing:
            what = ("cached activations (split.cache(models.encode_pairs(...)))" if split
                    else "token arrays (models.encode_pairs)" if encoder is not None
                    else "token features (models.extract_token_features)")
            raise KeyError(f"{name!r} inputs lack {missing}: this mode needs {what}.")
        labels = check_labels(f"{name!r} labels (binary: paraphrase or not)", y, classes=(0, 1))
        rows = {len(v) for v in x.values()}
        if rows != {len(labels)}:
            raise ValueError(f"{name!r}: x has {sorted(rows)} rows, y {len(labels)} labels.")
    epochs = check_int("epochs", epochs, low=1)
    lr = check_number("lr", lr, low=0, low_open=True)
    batch_size = check_int("batch_size", batch_size, low=1)
    seed = check_seed(seed)
    lstm_units = check_int("lstm_units", lstm_units, low=1)
    dropout = check_fraction("dropout", dropout)
    verbose = check_verbose("verbose", verbose)
    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    if encoder is not None:
        if pretrained is None:
            what = "split.upper" if split else "encoder"
            raise ValueError(f"pass pretrained=snapshot_weights({what}) so every arm starts "
                             f"from the same encoder weights.")
        if split:  # only the top layers train: the lower ones are already in the cached inputs
            restore_weights(encoder.upper, pretrained)
            encoder.upper.trainable = True
            inputs = {"hidden": keras.Input((None, encoder.encoder.hidden_dim), name="hidden"),
                      "padding_mask": keras.Input((None,), dtype="bool", name="padding_mask")}
            head_model = build_head(head, encoder.encoder.hidden_dim, lstm_units, dropout)
            out = head_model({"sequence_output": encoder.upper(inputs),
                              "padding_mask": inputs["padding_mask"]})
            model = keras.Model(inputs, out, name=f"top_{encoder.top}_classifier_{head}")
        else:
            restore_weights(encoder, pretrained)
            model = build_pair_classifier(encoder, head, lstm_units, dropout, train_encoder=True)
    else:
        hidden = int(train[0]["sequence_output"].shape[-1])
        model = build_head(head, hidden, lstm_units, dropout)
    model.compile(text_optimizer(lr), loss="binary_crossentropy", metrics=["accuracy"])
    x_train, y_train = train
    history = model.fit(x_train, np.asarray(y_train, dtype="float32"), batch_size=batch_size,
                        epochs=epochs, shuffle=True, verbose=verbose)
    record: dict[str, Any] = {"head": head, "seed": seed, "fine_tuned": encoder is not None,
                              "head_params": count_head_params(model)}
    for name, (x, y) in evals.items():
        for metric, value in metrics.score_classification(y, predict_padded(model, x, 2 * batch_size)).items():
            record[f"{name}_{metric}"] = value
    record["history"] = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    record["seconds"] = round(time.perf_counter() - started, 1)
    return record
