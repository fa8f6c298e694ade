"""Classification heads on a text encoder's token outputs: [CLS] Dense, mean-pool, BiLSTM.

The heads read the encoder's ``sequence_output`` (one vector per token) and its padding mask,
so the same head works in two settings:

* on top of the encoder, trained WITH it (full fine-tuning): ``build_pair_classifier``;
* alone, on token features extracted once from a frozen encoder
  (``utils.models.extract_token_features``) then ``build_head``: seconds per epoch on a CPU
  instead of minutes.

The BiLSTM head is the trick of a KLUE relation-extraction solution: instead of a Dense layer
on one pooled vector, a bidirectional LSTM reads every token vector (padding masked out) and
its two final states feed the Dense layer. ``build_embedding_head`` is the bi-encoder
(Sentence-BERT) alternative: a classifier on two frozen sentence embeddings.
"""

from __future__ import annotations

import keras

from utils.models.pooling import ClsPool, PairFeatures, mean_pool
from utils.models.tokenizer import token_inputs
from utils.validate import check_bool, check_choice, check_fraction, check_int
from utils.weights import count_params

__all__ = ["HEADS", "build_head", "build_pair_classifier", "count_head_params",
           "build_embedding_head"]

HEADS = {
    "cls": "Dense on the first token's vector ([CLS])",
    "mean": "Dense on the mean of the token vectors (padding excluded)",
    "bilstm": "bidirectional LSTM over the token vectors (padding masked), then Dense",
}


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
        ValueError: Unknown head (a close one is suggested), or a bad size or dropout.
        TypeError: A size that is not an int, or ``name`` not a string.

    Example:
        >>> build_head("bilstm", hidden_dim=16, lstm_units=4).output_shape
        (None, 1)

    Used in: 07_heads_on_encoders.ipynb, ``utils.experiments.heads``,
        ``utils.models.inference``.
    """
    check_choice("head", head, HEADS)
    hidden_dim = check_int("hidden_dim", hidden_dim, low=1)
    lstm_units = check_int("lstm_units", lstm_units, low=1)
    dropout = check_fraction("dropout", dropout)
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string (the model's name), got {name!r}.")
    sequence = keras.Input((None, hidden_dim), dtype="float32", name="sequence_output")
    mask = keras.Input((None,), dtype="bool", name="padding_mask")
    if head == "cls":
        x = ClsPool(name="cls_pool")(sequence, mask)  # reads the mask input too (see ClsPool)
    elif head == "mean":
        x = mean_pool(sequence, mask)
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
        TypeError: ``encoder`` has no ``hidden_dim`` (not a BertBackbone), or
            ``train_encoder`` is not a bool.
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
    train_encoder = check_bool("train_encoder", train_encoder)
    head_model = build_head(head, hidden, lstm_units, dropout)
    encoder.trainable = train_encoder
    inputs = token_inputs()
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
    return count_params(head)["total"]


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
        TypeError: ``hidden_dim`` is not an int, or ``dropout`` not a number.
        ValueError: Bad ``hidden_dim`` or ``dropout``.

    Example:
        >>> build_embedding_head(384).output_shape
        (None, 1)

    Used in: 08_self_training.ipynb.
    """
    hidden_dim = check_int("hidden_dim", hidden_dim, low=1)
    dropout = check_fraction("dropout", dropout)
    u = keras.Input((hidden_dim,), name="u")
    v = keras.Input((hidden_dim,), name="v")
    x = PairFeatures(name="pair_features")(u, v)
    x = keras.layers.LayerNormalization(name="feature_norm")(x)
    x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    out = keras.layers.Dense(1, activation="sigmoid", name="classifier")(x)
    return keras.Model({"u": u, "v": v}, out, name="embedding_head")
