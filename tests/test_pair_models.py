"""Tests for the sentence-pair models, metrics, weights and notebook 06's runner: tiny BERT encoders (2 layers, hidden 32) so each runs in seconds."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
keras_hub = pytest.importorskip("keras_hub")

from utils import experiments, metrics, models, plotting, weights  # noqa: E402
from utils.data import SentencePairs  # noqa: E402
from utils.models import load_pair_tokenizer  # noqa: E402

WORDS = "the a cat dog sat ran on mat park big small red blue house car man woman".split()


def make_pairs(n: int, task: str, seed: int = 0) -> SentencePairs:
    rng = np.random.default_rng(seed)
    s1 = [" ".join(rng.choice(WORDS, size=rng.integers(3, 8))) for _ in range(n)]
    s2 = [" ".join(rng.choice(WORDS, size=rng.integers(3, 8))) for _ in range(n)]
    if task == "regression":
        labels = rng.uniform(0, 5, n).astype("float32")
    else:
        labels = np.tile([0, 1], n)[:n].astype("int64")
    return SentencePairs("stsb" if task == "regression" else "mrpc", "train", s1, s2, labels, task)


def tiny_encoder():
    return keras_hub.models.BertBackbone(
        vocabulary_size=30522, num_layers=2, num_heads=2, hidden_dim=32,
        intermediate_dim=64, max_sequence_length=64,
    )


@pytest.fixture(scope="module")
def tokenizer():
    return load_pair_tokenizer(24)


@pytest.fixture(scope="module")
def tiny_data():
    return {
        "stsb_train": make_pairs(32, "regression", 1), "stsb_dev": make_pairs(20, "regression", 2),
        "mrpc_train": make_pairs(32, "classification", 3),
        "mrpc_dev": make_pairs(20, "classification", 4),
        "mrpc_test": make_pairs(20, "classification", 5),
    }


@pytest.fixture(scope="module")
def pair_models():
    """One PairModels for every run_arm test, used as notebook 06 and the script use it: built
    and compiled once, every arm started from the pretrained weights with fresh heads, and
    finished stages cached under a fingerprint of data, params and seed (so tests with other
    data never share results). Each model is traced or compiled once for all of them."""
    return models.build_pair_models(tiny_encoder())


def test_encode_pairs_shapes_segments_and_cache(tokenizer):
    pairs = make_pairs(3, "regression")
    x = models.encode_pairs(pairs, tokenizer)
    assert x["token_ids"].shape == (3, 24) and x["token_ids"].dtype == np.int32
    assert x["padding_mask"].dtype == bool
    assert set(np.unique(x["segment_ids"])) == {0, 1}, "second sentence has segment 1"
    assert models.encode_pairs(pairs, tokenizer) is x, "same content -> cached arrays"
    other = models.encode_pairs(make_pairs(3, "regression", seed=9), tokenizer)
    assert other is not x
    with pytest.raises(TypeError, match="SentencePairs"):
        models.encode_pairs(["a", "b"], tokenizer)


def test_encode_sentences(tokenizer):
    x = models.encode_sentences(["a cat", "the big red dog sat"], tokenizer)
    assert x["token_ids"].shape == (2, 24)
    assert x["padding_mask"].sum(axis=1).tolist() == [4, 7], "[CLS] words [SEP]"
    assert (x["segment_ids"] == 0).all()
    with pytest.raises(TypeError, match="list of sentences"):
        models.encode_sentences("a cat", tokenizer)


def test_build_cross_encoder_and_errors(tokenizer):
    encoder = tiny_encoder()
    model = models.build_cross_encoder(encoder, "regression")
    x = models.encode_pairs(make_pairs(4, "regression"), tokenizer)
    out = np.asarray(model.predict(x, verbose=0))
    assert out.shape == (4, 1) and (out >= 0).all() and (out <= 5).all(), "sigmoid x 5 range"
    cls = models.build_cross_encoder(encoder, "classification", pooling="cls")
    prob = np.asarray(cls.predict(x, verbose=0))
    assert ((prob > 0) & (prob < 1)).all()
    with pytest.raises(ValueError, match="pooling"):
        models.build_cross_encoder(encoder, pooling="max")
    with pytest.raises(ValueError, match="regression"):
        models.build_cross_encoder(encoder, task="regresion")
    with pytest.raises(TypeError, match="Keras"):
        models.build_cross_encoder("bert")


def test_transfer_encoder_shares_encoder_with_new_head():
    encoder = tiny_encoder()
    first = models.build_cross_encoder(encoder, "regression")
    second = models.transfer_encoder(first, "classification")
    assert encoder in second.layers, "the encoder object is carried over"
    assert second.get_layer("mrpc_head") is not None
    assert "stsb_head" not in [layer.name for layer in second.layers], "the old head is dropped"
    with pytest.raises(ValueError, match="no text encoder"):
        models.transfer_encoder(keras.Sequential([keras.layers.Dense(1)]), "regression")


def test_pair_models_joint_two_outputs(tokenizer):
    joint = models.build_pair_models(tiny_encoder()).joint
    out = joint.predict(models.encode_pairs(make_pairs(3, "regression"), tokenizer), verbose=0)
    assert set(out) == {"stsb", "mrpc"} and out["stsb"].shape == (3, 1)


def test_mean_pool_ignores_padding(tokenizer):
    pm = models.build_pair_models(tiny_encoder())
    short = models.encode_sentences(["a cat"], tokenizer)
    longer = load_pair_tokenizer(40)(["a cat"])
    a, b = pm.embed.predict(short, verbose=0), pm.embed.predict(longer, verbose=0)
    np.testing.assert_allclose(a, b, atol=1e-5, err_msg="padding must not change the embedding")


def test_score_regression():
    scores = metrics.score_regression([0, 1, 2, 3], [0, 1, 3, 2])
    assert scores["spearman"] == pytest.approx(0.8)
    assert scores["pearson"] == pytest.approx(0.8)
    assert metrics.score_regression([1, 2, 3], [1, 1, 1]) == {"pearson": 0.0, "spearman": 0.0}
    with pytest.raises(ValueError, match=">= 3"):
        metrics.score_regression([1, 2], [1, 2])


def test_score_classification():
    got = metrics.score_classification([1, 0, 1, 1], [0.9, 0.2, 0.4, 0.8])
    assert got == {"accuracy": 0.75, "f1": 0.8}
    assert metrics.score_classification([1, 0], [0.1, 0.2])["f1"] == 0.0
    assert metrics.score_classification([1, 0], [3.0, 2.0], threshold=2.5)["accuracy"] == 1.0
    with pytest.raises(ValueError, match="0/1"):
        metrics.score_classification([2, 0], [0.1, 0.2])


def test_tune_threshold():
    assert metrics.tune_threshold([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9]) == pytest.approx(0.45)
    # all positive: the threshold sits below every score
    assert metrics.tune_threshold([1, 1, 1], [0.2, 0.5, 0.7]) < 0.2


def test_compute_cosine_similarity(tokenizer):
    pm = models.build_pair_models(tiny_encoder())
    pairs = make_pairs(3, "regression")
    same = SentencePairs("x", "t", pairs.sentence1, pairs.sentence1, pairs.labels, "regression")
    np.testing.assert_allclose(models.compute_cosine_similarity(pm.embed, same, tokenizer),
                               1.0, atol=1e-5)
    sims = models.compute_cosine_similarity(pm.embed, pairs, tokenizer)
    assert sims.shape == (3,) and (np.abs(sims) <= 1 + 1e-6).all()
    with pytest.raises(TypeError, match="SentencePairs"):
        models.compute_cosine_similarity(pm.embed, ["a"], tokenizer)


def test_snapshot_restore_and_drift():
    encoder = tiny_encoder()
    before = weights.snapshot_weights(encoder)
    groups = models.encoder_layer_groups(encoder)
    drift0 = weights.weight_drift(encoder, before, groups=groups)
    assert list(drift0)[:3] == ["embeddings", "transformer_layer_0", "transformer_layer_1"]
    assert all(v == 0 for v in drift0.values())
    target = next(i for i, w in enumerate(encoder.weights) if "transformer_layer_1" in w.path)
    moved = [w * 1.1 if i == target else w for i, w in enumerate(before)]
    weights.restore_weights(encoder, moved)
    drift = weights.weight_drift(encoder, before, groups=groups)
    assert drift["transformer_layer_1"] > 0 and drift["transformer_layer_0"] == 0
    weights.restore_weights(encoder, before)
    assert weights.weight_drift(encoder, before, groups=groups)["transformer_layer_1"] == 0
    with pytest.raises(ValueError, match="arrays"):
        weights.restore_weights(encoder, before[:2])
    with pytest.raises(ValueError, match="does not match"):
        weights.weight_drift(encoder, before[:2])


def test_run_arm_stages_cache_and_summary(tokenizer, tiny_data, pair_models):
    pm = pair_models
    params = experiments.ArmParams(epochs=1, batch_size=16, max_length=24, sentence_length=16,
                                   eval_batch_size=32)
    d = experiments.run_arm("D", tiny_data, params, seed=3, models=pm, tokenizer=tokenizer)
    assert [s["kind"] for s in d["stages"]] == ["pretrained", "stsb", "mrpc", "joint"]
    last = d["stages"][-1]
    assert last["metrics"]["mrpc_source"] == "mrpc_head"
    assert 0 <= last["metrics"]["mrpc_test_accuracy"] <= 1
    assert last["drift"]["transformer_layer_0"] > 0, "the encoder trains in every stage"
    assert set(last["history"]) >= {"loss", "stsb_loss", "mrpc_loss"}
    assert d["stages"][1]["metrics"]["mrpc_source"].startswith("stsb_head")
    b = experiments.run_arm("B", tiny_data, params, seed=3, models=pm, tokenizer=tokenizer)
    assert [s["cached"] for s in b["stages"]] == [True, True, True], "B = D's first two stages"
    assert b["stages"][2]["metrics"] == d["stages"][2]["metrics"]
    e = experiments.run_arm("E", tiny_data, params, seed=3, models=pm, tokenizer=tokenizer)
    assert e["stages"][1]["metrics"]["mrpc_source"] == "stsb_head>2.5"
    table = experiments.summarize_runs([d, b, e])
    assert table.loc[("D", 3), "n_seeds"] == 1 and table.loc[("D", 3), "kind"] == "joint"
    fig = plotting.plot_arm_stages([d, e])
    assert len(fig.axes) == 2
    with pytest.raises(KeyError, match="Unknown arm"):
        experiments.run_arm("Z", tiny_data, params, models=pm, tokenizer=tokenizer)
    with pytest.raises(KeyError, match="missing"):
        experiments.run_arm("A", {"stsb_train": tiny_data["stsb_train"]}, params, models=pm)
    with pytest.raises(ValueError, match="empty"):
        experiments.summarize_runs([])


# once (TF pass only): the script's own code is argparse, json, np.savez_compressed and a
# temporary-file rename around run_arm; run_arm itself, with the same stage kinds the script's
# arms A and B use, trains on every backend and on Colab's versions in
# test_run_arm_stages_cache_and_summary, and the script is not part of the Colab course.
@pytest.mark.once
def test_double_finetune_script_quick_smoke(tmp_path):
    import importlib.util
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "double_finetune.py"
    spec = importlib.util.spec_from_file_location("double_finetune", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "smoke.json"
    report = script.main(["--quick-smoke", "--tiny-encoder", "--arms", "A", "B",
                          "--seeds", "5", "6", "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved["complete"] and saved["seeds"] == [5], "quick-smoke runs one seed"
    assert [r["arm"] for r in saved["runs"]] == ["A", "B"]
    assert saved["versions"]["keras"] == keras.__version__
    assert "device" in saved["hardware"] and saved["wall_seconds"] > 0
    assert len(report["runs"][1]["stages"]) == 3
    # Per-example predictions beside the JSON, and no half-written temporary left behind
    assert saved["predictions_file"] == "smoke.predictions.npz"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["smoke.json", "smoke.predictions.npz"]
    import numpy as np

    with np.load(tmp_path / "smoke.predictions.npz") as npz:
        labels = npz["mrpc_test_labels"]
        for run in saved["runs"]:
            for stage in run["stages"]:
                assert "predictions" not in stage, "arrays go to the .npz, not the JSON"
                correct = npz[script.prediction_key(run["arm"], run["seed"], stage["stage"],
                                                    "mrpc_test_correct")]
                assert correct.shape == labels.shape
                # the accuracy in the JSON is the mean of the stored right/wrong column
                assert correct.mean() == pytest.approx(stage["metrics"]["mrpc_test_accuracy"], abs=1e-6)
                scores = npz[script.prediction_key(run["arm"], run["seed"], stage["stage"],
                                                   "stsb_dev_score")]
                assert len(scores) == len(npz["stsb_dev_labels"])


# once (TF pass only): the control arms differ from arms B/D/E only in the NumPy arrays a stage
# is given (_stage_arrays: more MRPC batches, permuted scores) and in stage order; every model they
# fit (stsb, mrpc) and every evaluation they run is the one test_run_arm_stages_cache_and_summary
# trains and evaluates on every backend and on Colab's versions.
@pytest.mark.once
def test_control_arms_match_steps_shuffle_scores_and_reverse(tokenizer, tiny_data, pair_models):
    from utils.experiments import double_finetune as df

    data = dict(tiny_data, stsb_train=make_pairs(48, "regression", 1))  # 3 STS-B + 2 MRPC batches
    pm = pair_models
    params = experiments.ArmParams(epochs=1, batch_size=16, max_length=24, sentence_length=16,
                                   eval_batch_size=32)
    ctx = experiments.prepare_arm(data, params, 3, pm, tokenizer)
    x_sts, y_sts, _ = df._stage_arrays("stsb", ctx, 0)
    x_mrpc, _, _ = df._stage_arrays("mrpc", ctx, 0)
    x_plus, y_plus, _ = df._stage_arrays("mrpc_matched", ctx, 0)
    # A+ sees as many batches per epoch as B's two stages together, all of them MRPC pairs
    assert len(x_plus["token_ids"]) == len(x_sts["token_ids"]) + len(x_mrpc["token_ids"]) == 80
    assert set(np.unique(y_plus)) <= {0.0, 1.0}
    # S: the same pairs and the same scores, in another order
    x_shuf, y_shuf, _ = df._stage_arrays("stsb_shuffled", ctx, 0)
    np.testing.assert_array_equal(x_shuf["token_ids"], x_sts["token_ids"])
    np.testing.assert_allclose(np.sort(y_shuf), np.sort(y_sts))
    assert not np.allclose(y_shuf, y_sts)
    r = experiments.run_arm("R", data, params, seed=3, models=pm, tokenizer=tokenizer)
    assert [s["kind"] for s in r["stages"]] == ["pretrained", "mrpc", "stsb"]
    after_sts = r["stages"][2]["metrics"]
    assert after_sts["mrpc_source"] == "mrpc_head" and after_sts["stsb_source"] == "stsb_head"
    assert r["stages"][2]["drift"]["transformer_layer_0"] > 0, "stage 2 moved the encoder MRPC used"
    plus = experiments.run_arm("A+", data, params, seed=3, models=pm, tokenizer=tokenizer)
    assert [s["kind"] for s in plus["stages"]] == ["pretrained", "mrpc_matched"]
    assert plus["stages"][1]["metrics"]["mrpc_source"] == "mrpc_head"
    s = experiments.run_arm("S", data, params, seed=3, models=pm, tokenizer=tokenizer)
    assert [st["kind"] for st in s["stages"]] == ["pretrained", "stsb_shuffled", "mrpc"]
