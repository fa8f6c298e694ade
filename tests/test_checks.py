import numpy as np
import pytest

from utils import checks


def test_result_is_truthy_and_readable():
    ok = checks.CheckResult("x", True, "looks right.")
    bad = checks.CheckResult("x", False, "try again")
    assert ok and not bad
    assert repr(ok).startswith("✅") and repr(bad).startswith("❌")
    assert "**x**" in bad._repr_markdown_()


def test_number_in_range_gives_the_side_specific_hint():
    assert checks.check_number_in_range("n", np.float32(0.5), 0, 1, "LOW", "HIGH")
    assert checks.check_number_in_range("n", -1, 0, 1, "LOW", "HIGH").message == "LOW"
    assert checks.check_number_in_range("n", 2, 0, 1, "LOW", "HIGH").message == "HIGH"
    assert "NaN" in checks.check_number_in_range("n", float("nan"), 0, 1, "L", "H").message
    assert "expected a number" in checks.check_number_in_range("n", "abc", 0, 1, "L", "H").message
    with pytest.raises(ValueError, match="must not exceed"):
        checks.check_number_in_range("n", 1, 2, 1, "L", "H")


def test_zero_shot_spearman_check():
    assert checks.check_zero_shot_spearman(0.75)  # the solution's value is about 0.75
    assert "pretrained" in checks.check_zero_shot_spearman(0.45).message  # random encoder
    assert "itself" in checks.check_zero_shot_spearman(1.0).message  # compared with itself


def test_wider_backbone_check():
    assert checks.check_wider_backbone_probe(0.875, 0.80)
    assert "imagenet" in checks.check_wider_backbone_probe(0.2, 0.8).message  # random weights
    assert not checks.check_wider_backbone_probe(1.3, 0.8)


def test_trainable_from_block_13_check_against_solution_and_mistakes():
    from utils import freezing, models

    backbone = models.load_backbone("mobilenet_v2", 0.35, 112, weights=None)
    freezing.freeze_up_to(backbone, "block_12_add")
    solution = models.count_params(backbone)["trainable"]
    assert checks.check_trainable_from_block_13(solution)
    freezing.freeze_up_to(backbone, "block_12_add", keep_bn_frozen=False)
    with_bn = models.count_params(backbone)["trainable"]
    assert "BatchNorm" in checks.check_trainable_from_block_13(with_bn).message
    freezing.freeze_up_to(backbone, "block_13_project_BN")
    from_14 = models.count_params(backbone)["trainable"]
    assert "off by one block" in checks.check_trainable_from_block_13(from_14).message
    assert "nothing trains" in checks.check_trainable_from_block_13(0).message


def test_freeze_before_first_fit_check():
    assert checks.check_freeze_before_first_fit(False)
    assert not checks.check_freeze_before_first_fit(True)
    assert "True or False" in checks.check_freeze_before_first_fit("no").message


def test_accuracy_check():
    assert checks.check_accuracy(0.8)
    assert "percentage" in checks.check_accuracy(80).message
    assert "training split" in checks.check_accuracy(0.2).message


def test_most_confused_check():
    names = ["daisy", "roses", "tulips"]
    y_true = [0, 1, 1, 1, 2]
    y_pred = [0, 2, 2, 1, 1]  # roses -> tulips twice
    assert checks.check_most_confused(("roses", "tulips"), y_true, y_pred, names)
    assert "other way round" in checks.check_most_confused(("tulips", "roses"), y_true, y_pred, names).message
    assert "class names" in checks.check_most_confused("roses", y_true, y_pred, names).message


def test_largest_safe_lr_check():
    measured = {3e-3: 0.20, 1e-3: 0.70, 3e-4: 0.74}
    assert checks.check_largest_safe_lr(1e-3, measured, probe_acc=0.74)
    assert "largest" in checks.check_largest_safe_lr(3e-4, measured, 0.74).message
    assert "damaged" in checks.check_largest_safe_lr(3e-3, measured, 0.74).message
    assert "one of the learning rates" in checks.check_largest_safe_lr(5e-4, measured, 0.74).message
    assert checks.check_largest_safe_lr(None, {1e-2: 0.2}, 0.74)


def test_drift_grows_with_lr_check():
    assert checks.check_drift_grows_with_lr(0.004, 0.0009)
    assert "swap" in checks.check_drift_grows_with_lr(0.0009, 0.004).message
    assert "negative" in checks.check_drift_grows_with_lr(-1, 0.1).message


def test_row_winners_check():
    import pandas as pd

    grid = pd.DataFrame({"probe": [0.7, 0.9], "fine-tune": [0.8, 0.85]}, index=["small", "large"])
    assert checks.check_row_winners(grid.idxmax(axis=1), grid)
    wrong = {"small": "fine-tune", "large": "fine-tune"}
    assert "across" in checks.check_row_winners(wrong, grid).message
    assert "no answer" in checks.check_row_winners({"small": "probe"}, grid).message
    assert "not a strategy" in checks.check_row_winners({"small": "x", "large": "probe"}, grid).message


def test_worst_pairs_check():
    gold = np.array([0.0, 1.0, 5.0, 3.0, 2.0])
    pred = np.array([0.1, 4.0, 0.5, 3.0, 2.2]).reshape(-1, 1)  # errors .1 3 4.5 0 .2
    assert checks.check_worst_pairs([2, 1, 4], gold, pred)
    assert "best" in checks.check_worst_pairs([3, 0, 4], gold, pred).message
    assert "absolute error" in checks.check_worst_pairs([2, 1, 0], gold, pred).message
    assert "exactly 3" in checks.check_worst_pairs([2, 1], gold, pred).message


def _stages():
    drift = [{"transformer_layer_5": 0.02, "transformer_layer_0": 0.01},
             {"transformer_layer_5": 0.03, "transformer_layer_0": 0.01}]
    spearman = [0.87, 0.85, 0.80, 0.84]
    return [{"metrics": {"stsb_dev_spearman": spearman[0]}, "drift": {}}] + [
        {"metrics": {"stsb_dev_spearman": s}, "drift": d}
        for s, d in zip(spearman[1:], drift + [drift[0]])]


def test_drift_ratios_check():
    stages = _stages()
    assert checks.check_drift_ratios([2.0, 3.0, 2.0], stages)
    assert "upside down" in checks.check_drift_ratios([0.5, 1 / 3, 0.5], stages).message
    assert "one ratio per trained stage" in checks.check_drift_ratios([2.0, 3.0], stages).message


def test_recovery_check():
    stages = _stages()
    assert checks.check_recovery(0.84 - 0.80, stages)
    assert "sign" in checks.check_recovery(0.80 - 0.84, stages).message
    assert "after the MRPC stage" in checks.check_recovery(0.84 - 0.85, stages).message


def test_bilstm_head_params_check():
    import keras

    inputs = keras.Input((None, 384))
    x = keras.layers.Bidirectional(keras.layers.LSTM(16))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    assert checks.check_bilstm_head_params(model.count_params(), 16)  # Keras' own count
    one_way = 4 * (384 + 16 + 1) * 16 + 16 + 1
    assert "two LSTMs" in checks.check_bilstm_head_params(one_way, 16).message
    no_bias = 2 * 4 * (384 + 16) * 16 + 32
    assert "biases" in checks.check_bilstm_head_params(no_bias, 16).message


def test_confident_count_check():
    probs = [0.99, 0.02, 0.6, 0.97]
    assert checks.check_confident_count(3, probs, 0.95)
    assert "negatives" in checks.check_confident_count(2, probs, 0.95).message


def test_overkept_class_check():
    assert checks.check_overkept_class("positive", [0.9, 0.8], [0.7, 0.7])
    assert checks.check_overkept_class(0, [0.5], [0.7])
    assert not checks.check_overkept_class("negative", [0.9], [0.7])
    assert "answer 'positive'" in checks.check_overkept_class("maybe", [0.9], [0.7]).message
