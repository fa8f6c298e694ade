"""Tests for utils.self_training with a tiny head on synthetic token features."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from utils import experiments, plotting  # noqa: E402
from utils.models import build_head  # noqa: E402

H, T = 8, 6


def features(n: int, seed: int, noise: float = 0.5) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Label = sign of feature 0 (plus noise), so some pool predictions are unsure."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    seq = rng.normal(size=(n, T, H)).astype("float32") * noise
    seq[:, :, 0] += np.where(y == 1, 0.6, -0.6)[:, None]
    return {"sequence_output": seq, "padding_mask": np.ones((n, T), bool)}, y


def tiny_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    model = build_head("mean", hidden_dim=H, dropout=0.0)
    model.compile(keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    return model


def test_select_confident_keeps_both_tails_and_validates():
    idx, labels = experiments.select_confident(np.array([[0.95], [0.5], [0.02], [0.8], [0.1]]), 0.9)
    assert idx.tolist() == [0, 2, 4] and labels.tolist() == [1, 0, 0]
    probs = np.linspace(0, 1, 101)
    kept = [len(experiments.select_confident(probs, t)[0]) for t in (0.5, 0.7, 0.9)]
    assert kept[0] == 101 and kept[0] > kept[1] > kept[2], kept
    with pytest.raises(ValueError, match=r"\[0.5, 1.0\)"):
        experiments.select_confident(probs, 0.3)
    with pytest.raises(ValueError, match="probabilities"):
        experiments.select_confident([1.5], 0.9)


def test_audit_pseudo_labels():
    out = experiments.audit_pseudo_labels(np.array([0, 2]), np.array([1, 0]), [1, 1, 1])
    assert out == {"pseudo_accuracy": 0.5, "pseudo_positive_rate": 0.5, "true_positive_rate": 1.0}
    assert np.isnan(experiments.audit_pseudo_labels(np.array([], int), np.array([]), [1])["pseudo_accuracy"])
    with pytest.raises(ValueError, match="indices"):
        experiments.audit_pseudo_labels(np.array([3]), np.array([1]), [1, 0])


def test_run_self_training_never_trains_on_audit_labels():
    labeled, pool, dev = features(24, 1), features(40, 2), features(30, 3)
    model = tiny_model()
    kwargs = dict(thresholds=(0.6, 0.9), rounds=2, epochs=4, batch_size=8, seed=0)
    honest = experiments.run_self_training(model, labeled, pool[0], dev, audit_labels=pool[1], **kwargs)
    kwargs["rounds"] = 1  # the audit-free twins need one round to show the point (and are faster)
    flipped = experiments.run_self_training(model, labeled, pool[0], dev, audit_labels=1 - pool[1], **kwargs)
    blind = experiments.run_self_training(model, labeled, pool[0], dev, **kwargs)
    for t in (0.6, 0.9):
        for a, b, c in zip(honest["runs"][t], flipped["runs"][t], blind["runs"][t]):
            assert a["n_kept"] == b["n_kept"] == c["n_kept"]
            assert a["dev_accuracy"] == b["dev_accuracy"] == c["dev_accuracy"], (
                "the pool's labels changed training: they must be used for the audit only")
            if a["n_kept"]:
                assert a["pseudo_accuracy"] + b["pseudo_accuracy"] == pytest.approx(1.0)
            assert "pseudo_accuracy" not in c
    first = {t: honest["runs"][t][0] for t in (0.6, 0.9)}
    assert first[0.6]["n_kept"] > 0 and 0.5 < first[0.6]["pseudo_accuracy"] <= 1.0
    assert first[0.6]["n_kept"] >= first[0.9]["n_kept"], "a higher threshold keeps fewer"
    assert first[0.6]["n_train"] == 24 + first[0.6]["n_kept"]
    assert honest["supervised"]["round"] == 0 and 0 <= honest["supervised"]["pool_accuracy"] <= 1
    assert len(honest["runs"][0.9]) == 2
    probs = honest["pool_probs"]
    assert probs["supervised"].shape == (40,) and len(probs[0.6]) == 2
    assert first[0.6]["n_kept"] == len(experiments.select_confident(probs["supervised"], 0.6)[0])


def test_run_self_training_validates():
    labeled, pool, dev = features(8, 1), features(8, 2), features(8, 3)
    with pytest.raises(TypeError, match="compile"):
        experiments.run_self_training(build_head("cls", hidden_dim=H), labeled, pool[0], dev)
    model = tiny_model()
    with pytest.raises(ValueError, match="rounds"):
        experiments.run_self_training(model, labeled, pool[0], dev, rounds=0)
    with pytest.raises(ValueError, match="threshold"):
        experiments.run_self_training(model, labeled, pool[0], dev, thresholds=(1.2,))
    with pytest.raises(ValueError, match="audit_labels"):
        experiments.run_self_training(model, labeled, pool[0], dev, audit_labels=[1, 0])
    with pytest.raises(TypeError, match="dict"):
        experiments.run_self_training(model, labeled, [1, 2], dev)


def test_summarize_and_plot():
    result = {"supervised": {"round": 0, "threshold": None, "n_train": 10, "n_kept": 0,
                             "dev_accuracy": 0.6, "dev_f1": 0.5},
              "runs": {0.7: [{"round": 1, "threshold": 0.7, "n_train": 18, "n_kept": 8,
                              "dev_accuracy": 0.65, "dev_f1": 0.55}],
                       0.9: [{"round": 1, "threshold": 0.9, "n_train": 13, "n_kept": 3,
                              "dev_accuracy": 0.62, "dev_f1": 0.5}]}}
    table = experiments.summarize_self_training(result)
    assert len(table) == 4 and table["threshold"].tolist() == [0.7, 0.7, 0.9, 0.9]
    assert table.query("round == 1")["n_kept"].tolist() == [8, 3]
    fig = plotting.plot_self_training(table)
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "pseudo-labels kept"
    with pytest.raises(KeyError, match="no column"):
        plotting.plot_self_training(table, "test_accuracy")
    with pytest.raises(KeyError, match="runs"):
        experiments.summarize_self_training({"supervised": {}})
