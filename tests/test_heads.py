"""Tests for utils.heads with a tiny BERT (1 layer, hidden 16): each runs in about a second."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
keras_hub = pytest.importorskip("keras_hub")

from utils import experiments, models, plotting  # noqa: E402
from utils.weights import snapshot_weights  # noqa: E402

H, T = 16, 12


def tiny_encoder(dropout: float = 0.1):
    return keras_hub.models.BertBackbone(
        vocabulary_size=100, num_layers=1, num_heads=2, hidden_dim=H,
        intermediate_dim=32, max_sequence_length=16, dropout=dropout,
    )


def token_batch(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(4, T + 1, size=n)
    mask = np.arange(T)[None, :] < lengths[:, None]
    ids = np.where(mask, rng.integers(5, 100, size=(n, T)), 0).astype("int32")
    segments = (np.arange(T)[None, :] >= (lengths // 2)[:, None]) & mask
    return {"token_ids": ids, "segment_ids": segments.astype("int32"), "padding_mask": mask}


def feature_batch(n: int, seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Token features whose label is the sign of the first feature of the real tokens."""
    rng = np.random.default_rng(seed)
    mask = token_batch(n, seed)["padding_mask"]
    y = (np.arange(n) % 2).astype("int64")
    seq = rng.normal(size=(n, T, H)).astype("float32") * 0.3
    seq[:, :, 0] += np.where(y == 1, 1.0, -1.0)[:, None]
    seq[~mask] = 0.0
    return {"sequence_output": seq, "padding_mask": mask}, y


@pytest.mark.parametrize("head", list(models.HEADS))
def test_build_head_ignores_padding(head):
    model = models.build_head(head, hidden_dim=H, lstm_units=4, dropout=0.0)
    x, _ = feature_batch(6)
    out = np.asarray(model.predict(x, verbose=0))
    assert out.shape == (6, 1) and ((out > 0) & (out < 1)).all()
    noisy = dict(x, sequence_output=np.where(x["padding_mask"][..., None], x["sequence_output"],
                                              np.float32(50.0)))
    changed = np.abs(np.asarray(model.predict(noisy, verbose=0)) - out).max()
    assert changed < 1e-5, f"{head}: the padded positions leaked into the output ({changed})"


def test_build_head_errors():
    with pytest.raises(ValueError, match="Did you mean 'bilstm'"):
        models.build_head("bilstn", hidden_dim=H)
    with pytest.raises(ValueError, match="hidden_dim"):
        models.build_head("cls", hidden_dim=0)
    with pytest.raises(ValueError, match="dropout"):
        models.build_head("mean", hidden_dim=H, dropout=1.0)


def test_count_head_params_and_pair_classifier():
    encoder = tiny_encoder()
    expected = {"cls": H + 1, "mean": H + 1, "bilstm": 2 * 4 * (H + 4 + 1) * 4 + 2 * 4 + 1}
    x = token_batch(5)
    for head, n in expected.items():
        model = models.build_pair_classifier(encoder, head, lstm_units=4)
        assert models.count_head_params(model) == n, head
        assert models.count_head_params(model.get_layer("head")) == n
        assert np.asarray(model.predict(x, verbose=0)).shape == (5, 1)
    frozen = models.build_pair_classifier(encoder, "cls", train_encoder=False)
    assert sum(int(np.prod(w.shape)) for w in frozen.trainable_weights) == H + 1
    encoder.trainable = True
    with pytest.raises(TypeError, match="BertBackbone"):
        models.build_pair_classifier(keras.layers.Dense(3), "cls")
    with pytest.raises(TypeError, match="keras.Model"):
        models.count_head_params(keras.layers.Dense(3))


def test_extract_token_features_matches_encoder():
    encoder = tiny_encoder()
    x = token_batch(5)
    feats = models.extract_token_features(encoder, x, batch_size=2)
    assert feats["sequence_output"].shape == (5, T, H) and feats["sequence_output"].dtype == np.float32
    direct = keras.ops.convert_to_numpy(encoder(x)["sequence_output"])
    np.testing.assert_allclose(feats["sequence_output"], direct, atol=1e-5)
    assert (feats["padding_mask"] == x["padding_mask"]).all()
    with pytest.raises(KeyError, match="segment_ids"):
        models.extract_token_features(encoder, {"token_ids": x["token_ids"]})


def test_run_head_arm_on_features_learns_and_summarizes():
    train, dev = feature_batch(64, seed=1), feature_batch(32, seed=2)
    records = [experiments.run_head_arm(h, train, {"dev": dev}, epochs=15, lr=1e-2, batch_size=16,
                                  seed=0, lstm_units=4) for h in ("mean", "bilstm")]
    for r in records:
        assert r["dev_accuracy"] >= 0.9, r  # the sign of feature 0 is easy to learn
        assert not r["fine_tuned"] and len(r["history"]["loss"]) == 15
    assert records[1]["head_params"] > records[0]["head_params"] == H + 1
    table = experiments.summarize_head_runs(records)
    assert table.loc[(False, "mean"), "n_seeds"] == 1
    assert table.loc[(False, "bilstm"), "dev_accuracy_std"] == 0.0
    fig = plotting.plot_head_comparison(table, "dev_accuracy", baseline=0.5)
    assert fig.axes[0].get_ylabel() == "dev_accuracy"
    with pytest.raises(KeyError, match="dev_accuracy"):
        plotting.plot_head_comparison(table, "dev_acc")
    with pytest.raises(ValueError, match="empty"):
        experiments.summarize_head_runs([])


def test_plot_head_comparison_leaves_heads_not_run_without_a_bar():
    records = [{"fine_tuned": tuned, "head": head, "seed": 0, "head_params": 385,
                "dev_accuracy": acc, "history": {}}
               for tuned, head, acc in ((False, "cls", 0.70), (False, "mean", 0.68),
                                        (True, "cls", 0.72))]
    fig = plotting.plot_head_comparison(experiments.summarize_head_runs(records), "dev_accuracy")
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(labels) == ["", "0.680", "0.700", "0.720"], labels  # mean not fine-tuned: no bar


def test_run_head_arm_with_encoder_restores_pretrained_weights():
    encoder = tiny_encoder(dropout=0.0)  # the encoder's dropout RNG state is not a weight
    snap = snapshot_weights(encoder)
    x = token_batch(32, seed=3)
    y = (np.arange(32) % 2).astype("int64")
    kwargs = dict(encoder=encoder, pretrained=snap, epochs=1, lr=1e-2, batch_size=16, seed=5)
    first = experiments.run_head_arm("cls", (x, y), {"dev": (x, y)}, **kwargs)
    moved = max(np.abs(a - b).max() for a, b in zip(snapshot_weights(encoder), snap))
    assert moved > 0, "the encoder is fine-tuned with the head"
    second = experiments.run_head_arm("cls", (x, y), {"dev": (x, y)}, **kwargs)
    assert first["fine_tuned"] and first["history"] == second["history"], (
        "same seed -> the same run: the encoder was reset to `pretrained` before the 2nd arm")
    with pytest.raises(ValueError, match="pretrained"):
        experiments.run_head_arm("cls", (x, y), {}, encoder=encoder)
    with pytest.raises(KeyError, match="token features"):
        experiments.run_head_arm("cls", (x, y), {})
    with pytest.raises(ValueError, match="head must be one of"):
        experiments.run_head_arm("lstm", (x, y), {})


def test_embed_pairs_and_embedding_head():
    from utils.data import SentencePairs
    from utils.models import load_pair_tokenizer

    pairs = SentencePairs("mrpc", "test", ["a cat sat", "the dog"], ["a cat sat", "a red car"],
                          np.array([1, 0]), "classification")
    encoder = keras_hub.models.BertBackbone(
        vocabulary_size=30522, num_layers=1, num_heads=2, hidden_dim=H,
        intermediate_dim=32, max_sequence_length=16)
    emb = models.embed_pairs(encoder, pairs, load_pair_tokenizer(12))
    assert emb["u"].shape == emb["v"].shape == (2, H)
    np.testing.assert_allclose(emb["u"][0], emb["v"][0], atol=1e-5)  # same sentence, same vector
    model = models.build_embedding_head(H, dropout=0.0)
    assert models.count_head_params(model) == 2 * 2 * H + 2 * H + 1  # layer norm + Dense
    assert np.asarray(model.predict(emb, verbose=0)).shape == (2, 1)
    with pytest.raises(TypeError, match="SentencePairs"):
        models.embed_pairs(encoder, ["a"], load_pair_tokenizer(12))
    with pytest.raises(ValueError, match="hidden_dim"):
        models.build_embedding_head(0)
