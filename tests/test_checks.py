"""Every exercise check: the right answer passes (NumPy scalars, 0-d arrays too), typical wrong
answers fail with their hint, and nothing a learner passes makes a check raise.

The tables hold, per check, one call with the right answer (``RIGHT``), the other forms of that
answer that must pass too (``SAME_ANSWER``), and wrong answers with the hint each must get
(``WRONG``). ``check_trainable_from_block_13`` builds a MobileNetV2, so its cases are apart.
"""

from __future__ import annotations

import keras  # imported here, once: the Keras cases below then take their own time only
import numpy as np
import pandas as pd
import pytest

from utils import checks

NAN = float("nan")

# -- the learner's data the checks judge against ----------------------------------------------
NAMES = ["daisy", "roses", "tulips"]
Y_TRUE, Y_PRED = [0, 1, 1, 1, 2], [0, 2, 2, 1, 1]  # roses -> tulips twice
MEASURED = {3e-3: 0.20, 1e-3: 0.70, 3e-4: 0.74}  # probe 0.74: 1e-3 is the largest safe rate
GRID = pd.DataFrame({"probe": [0.7, 0.9], "fine-tune": [0.8, 0.85]}, index=["small", "large"])
GOLD = np.array([0.0, 1.0, 5.0, 3.0, 2.0])
PRED = np.array([0.1, 4.0, 0.5, 3.0, 2.2]).reshape(-1, 1)  # errors .1 3 4.5 0 .2
PROBS = [0.99, 0.02, 0.6, 0.97]
BILSTM_16 = 2 * 4 * (384 + 16 + 1) * 16 + 2 * 16 + 1  # what Keras counts (tested below)


def _stages() -> list[dict]:
    drift = [{"transformer_layer_5": 0.02, "transformer_layer_0": 0.01},
             {"transformer_layer_5": 0.03, "transformer_layer_0": 0.01}]
    spearman = [0.87, 0.85, 0.80, 0.84]
    return [{"metrics": {"stsb_dev_spearman": spearman[0]}, "drift": {}}] + [
        {"metrics": {"stsb_dev_spearman": s}, "drift": d}
        for s, d in zip(spearman[1:], drift + [drift[0]])]


STAGES = _stages()
LORA_4 = 2 * (384 * 12 * 4 + 4 * 32)
# alpha: (stsb_select, mrpc_dev, mrpc_test), two seeds each; 95 % of 0.80 is 0.76, so 0.75 and 1.0
# drop out; of the rest 0.25 has the best dev accuracy, 0.5 the best test accuracy.
_MEANS = {0.0: (0.80, 0.70, 0.74), 0.25: (0.79, 0.73, 0.70), 0.5: (0.77, 0.72, 0.75),
          0.75: (0.74, 0.75, 0.71), 1.0: (0.70, 0.71, 0.72)}
CURVE = pd.DataFrame([{"alpha": a, "seed": s, "stsb_select": v[0] + d, "mrpc_dev": v[1] - d, "mrpc_test": v[2] + d}
                      for a, v in _MEANS.items() for s, d in ((1, 0.005), (2, -0.005))])
REGAINED = 0.84 - 0.80

# check name -> (args of a call with the right answer, positions of what the learner computed)
RIGHT = {
    "check_number_in_range": (("n", 0.5, 0, 1, "LOW", "HIGH"), (1,)),
    "check_zero_shot_spearman": ((0.75,), (0,)),
    "check_wider_backbone_probe": ((0.875, 0.80), (0, 1)),
    "check_freeze_before_first_fit": ((False,), (0,)),
    "check_accuracy": ((0.8,), (0,)),
    "check_most_confused": ((("roses", "tulips"), Y_TRUE, Y_PRED, NAMES), (0, 1, 2, 3)),
    "check_largest_safe_lr": ((1e-3, MEASURED, 0.74), (0, 1, 2)),
    "check_drift_grows_with_lr": ((0.004, 0.0009), (0, 1)),
    "check_row_winners": ((GRID.idxmax(axis=1), GRID), (0, 1)),
    "check_worst_pairs": (([2, 1, 4], GOLD, PRED), (0, 1, 2)),
    "check_recovery": ((REGAINED, STAGES), (0, 1)),
    "check_drift_ratios": (([2.0, 3.0, 2.0], STAGES), (0, 1)),
    "check_bilstm_head_params": ((BILSTM_16, 16), (0, 1)),
    "check_confident_count": ((3, PROBS, 0.95), (0, 1)),
    "check_overkept_class": (("positive", [0.9, 0.8], [0.7, 0.7]), (0, 1, 2)),
    "check_lora_adapter_params": ((LORA_4, 4), (0,)),
    "check_wise_alpha": ((0.25, CURVE), (0,)),
}


def _call(name: str, position: int, value: object) -> checks.CheckResult:
    """Calls check ``name`` with its right arguments, the one at ``position`` replaced by ``value``."""
    args = list(RIGHT[name][0])
    args[position] = value
    return getattr(checks, name)(*args)


def test_every_check_is_exported_and_tabled():
    exported = {n for n in checks.__all__ if n.startswith("check_")}
    # tested in their own files: block 13 in test_checks_examples, notebook 11's in test_checks_korean
    assert exported == set(RIGHT) | {"check_trainable_from_block_13", "check_jamo_tokens",
                                     "check_identical_rule_accuracy"}
    assert "CheckResult" in checks.__all__


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_right_answer_passes(name):
    result = getattr(checks, name)(*RIGHT[name][0])
    assert isinstance(result, checks.CheckResult) and result.passed, result


# Other forms of the right answer (NumPy scalars, 0-d arrays, arrays, tuples): they pass too.
SAME_ANSWER = [
    ("check_number_in_range", 1, np.float32(0.5)),
    ("check_number_in_range", 1, np.array(0.5)),
    ("check_zero_shot_spearman", 0, np.float64(0.75)),
    ("check_zero_shot_spearman", 0, np.float32(0.75)),
    ("check_wider_backbone_probe", 0, np.float32(0.875)),
    ("check_wider_backbone_probe", 1, np.array(0.8)),
    ("check_freeze_before_first_fit", 0, np.bool_(False)),
    ("check_freeze_before_first_fit", 0, np.array(False)),
    ("check_freeze_before_first_fit", 0, 0),
    ("check_accuracy", 0, np.float32(0.8)),
    ("check_accuracy", 0, np.array(0.8, dtype=np.float32)),
    ("check_most_confused", 0, ["roses", "tulips"]),
    ("check_most_confused", 0, (np.str_("roses"), np.str_("tulips"))),
    ("check_most_confused", 0, np.array(["roses", "tulips"])),
    ("check_most_confused", 2, np.array(Y_PRED, dtype=np.int64)),
    ("check_largest_safe_lr", 0, np.float32(1e-3)),
    ("check_largest_safe_lr", 0, np.float64(1e-3)),
    ("check_largest_safe_lr", 1, {k: np.float32(v) for k, v in MEASURED.items()}),
    ("check_largest_safe_lr", 1, pd.Series(MEASURED)),
    ("check_largest_safe_lr", 2, np.float32(0.74)),
    ("check_drift_grows_with_lr", 0, np.float32(0.004)),
    ("check_row_winners", 0, GRID.idxmax(axis=1).to_dict()),
    ("check_row_winners", 0, list(GRID.idxmax(axis=1))),
    ("check_row_winners", 0, GRID.idxmax(axis=1).to_numpy()),
    ("check_worst_pairs", 0, np.array([4, 2, 1])),
    ("check_worst_pairs", 0, np.argsort(np.abs(PRED.reshape(-1) - GOLD))[-3:]),
    ("check_worst_pairs", 0, (np.int32(2), np.int64(1), 4)),
    ("check_worst_pairs", 0, pd.Series([2, 1, 4])),
    ("check_recovery", 0, np.float32(REGAINED)),
    ("check_recovery", 0, np.array(REGAINED)),
    ("check_drift_ratios", 0, np.array([2.0, 3.0, 2.0], dtype=np.float32)),
    ("check_drift_ratios", 0, [np.float64(2.0), np.float32(3.0), 2]),
    ("check_bilstm_head_params", 0, np.int64(BILSTM_16)),
    ("check_bilstm_head_params", 0, float(BILSTM_16)),
    ("check_bilstm_head_params", 1, np.int64(16)),
    ("check_confident_count", 0, np.int64(3)),
    ("check_confident_count", 0, np.array(3)),
    ("check_confident_count", 1, np.array(PROBS, dtype=np.float32).reshape(-1, 1)),
    ("check_overkept_class", 0, np.str_("positive")),
    ("check_overkept_class", 0, " Positive "),
    ("check_overkept_class", 0, 1),
    ("check_overkept_class", 0, np.int64(1)),
    ("check_overkept_class", 1, pd.Series([0.9, NAN, 0.8])),
    ("check_lora_adapter_params", 0, np.int64(LORA_4)),
    ("check_lora_adapter_params", 0, float(LORA_4)),
    ("check_wise_alpha", 0, np.float32(0.25)),
    ("check_wise_alpha", 0, np.array(0.25)),
]


@pytest.mark.parametrize("name, position, value", SAME_ANSWER,
                         ids=[f"{n}-{p}-{type(v).__name__}" for n, p, v in SAME_ANSWER])
def test_other_forms_of_the_right_answer_pass(name, position, value):
    if name == "check_overkept_class" and position == 1:  # a NaN round on both sides
        result = checks.check_overkept_class("positive", value, pd.Series([0.7, NAN, 0.7]))
    else:
        result = _call(name, position, value)
    assert result.passed, result


def test_a_zero_d_tensor_counts_as_its_number():
    assert checks.check_accuracy(keras.ops.convert_to_tensor(0.8))
    assert checks.check_confident_count(keras.ops.convert_to_tensor(3), PROBS, 0.95)


# check name, position replaced, wrong value, a fragment of the hint it must get
WRONG = [
    ("check_number_in_range", 1, -1, "LOW"),
    ("check_number_in_range", 1, 2, "HIGH"),
    ("check_number_in_range", 1, "0.5", "without quotes"),
    ("check_number_in_range", 1, NAN, "NaN"),
    ("check_number_in_range", 1, float("inf"), "infinite"),
    ("check_zero_shot_spearman", 0, 0.45, "pretrained"),
    ("check_zero_shot_spearman", 0, 1.0, "itself"),
    ("check_zero_shot_spearman", 0, "0.75", "without quotes"),
    ("check_wider_backbone_probe", 0, 0.2, "imagenet"),
    ("check_wider_backbone_probe", 0, 87.5, "percentage"),
    ("check_wider_backbone_probe", 1, "0.8", "without quotes"),
    ("check_freeze_before_first_fit", 0, True, "np.array_equal"),
    ("check_freeze_before_first_fit", 0, "no", "True or False"),
    ("check_freeze_before_first_fit", 0, "False", "True or False"),
    ("check_freeze_before_first_fit", 0, None, "True or False"),
    ("check_freeze_before_first_fit", 0, 2, "True or False"),
    ("check_freeze_before_first_fit", 0, np.array([True, False]), "reduce it to one"),
    ("check_accuracy", 0, 80, "percentage"),
    ("check_accuracy", 0, 0.2, "training split"),
    ("check_accuracy", 0, "0.9", "without quotes"),
    ("check_accuracy", 0, True, "bool"),
    ("check_accuracy", 0, None, "None"),
    ("check_accuracy", 0, NAN, "NaN"),
    ("check_accuracy", 0, [0.3, 0.8], "[loss, accuracy]"),
    ("check_accuracy", 0, [0.8], "give one number"),
    ("check_accuracy", 0, np.array([0.8, 0.7]), "give one number"),
    ("check_most_confused", 0, ("tulips", "roses"), "other way round"),
    ("check_most_confused", 0, ("daisy", "roses"), "off-diagonal"),
    ("check_most_confused", 0, ("roses", "roses"), "diagonal"),
    ("check_most_confused", 0, "roses", "pair of class names"),
    ("check_most_confused", 0, ("roses", "tulips", "daisy"), "pair of class names"),
    ("check_most_confused", 0, ("rosse", "tulips"), "Did you mean 'roses'"),
    ("check_most_confused", 0, (1, 2), "class indices"),
    ("check_most_confused", 0, None, "pair of class names"),
    ("check_most_confused", 2, np.eye(3)[Y_PRED], "argmax"),
    ("check_most_confused", 2, Y_PRED[:-1], "same test images"),
    ("check_most_confused", 2, [0, 2, 2, 1, 7], "class indices 0 ... 2"),
    ("check_largest_safe_lr", 0, 3e-4, "largest"),
    ("check_largest_safe_lr", 0, 3e-3, "damaged"),
    ("check_largest_safe_lr", 0, 5e-4, "one of the learning rates"),
    ("check_largest_safe_lr", 0, 0.70, "that is an accuracy"),
    ("check_largest_safe_lr", 0, None, "which is the largest"),
    ("check_largest_safe_lr", 0, "1e-3", "without quotes"),
    ("check_largest_safe_lr", 0, [1e-3], "give one number"),
    ("check_largest_safe_lr", 0, True, "bool"),
    ("check_largest_safe_lr", 0, NAN, "NaN"),
    ("check_largest_safe_lr", 1, {k: (v, 0.01) for k, v in MEASURED.items()}, "fine_tune returns"),
    ("check_largest_safe_lr", 1, {str(k): v for k, v in MEASURED.items()}, "without quotes"),
    ("check_largest_safe_lr", 1, list(MEASURED.values()), "dict you measured"),
    ("check_largest_safe_lr", 1, {}, "empty"),
    ("check_largest_safe_lr", 2, "0.74", "without quotes"),
    ("check_drift_grows_with_lr", 0, 0.0001, "swap"),
    ("check_drift_grows_with_lr", 0, -1, "negative"),
    ("check_drift_grows_with_lr", 0, 0.0009, "same one twice"),
    ("check_drift_grows_with_lr", 1, "0.0009", "without quotes"),
    ("check_drift_grows_with_lr", 1, NAN, "NaN"),
    ("check_row_winners", 0, {"small": "fine-tune", "large": "fine-tune"}, "across"),
    ("check_row_winners", 0, {"small": "fine-tune"}, "no answer"),
    ("check_row_winners", 0, {"small": "x", "large": "probe"}, "not one of"),
    ("check_row_winners", 0, {"small": "fine-tun", "large": "probe"}, "Did you mean 'fine-tune'"),
    ("check_row_winners", 0, GRID.idxmax(axis=0), "strategies (columns)"),
    ("check_row_winners", 0, GRID.max(axis=1), "idxmax, not max"),
    ("check_row_winners", 0, {"small": True, "large": "probe"}, "bool"),
    ("check_row_winners", 0, "probe", "one strategy per row"),
    ("check_row_winners", 0, ["probe"], "one strategy per row"),
    ("check_row_winners", 0, {"small": "fine-tune", "large": "probe", "huge": "probe"},
     "not in the grid"),
    ("check_row_winners", 1, GRID.to_numpy(), "DataFrame"),
    ("check_worst_pairs", 0, [3, 0, 4], "best"),
    ("check_worst_pairs", 0, [2, 1, 0], "absolute error"),
    ("check_worst_pairs", 0, [2, 1], "exactly 3"),
    ("check_worst_pairs", 0, [2, 1, 4, 0], "exactly 3"),
    ("check_worst_pairs", 0, [2, 2, 1], "repeated"),
    ("check_worst_pairs", 0, [2, 1, 5], "outside"),
    ("check_worst_pairs", 0, [2, 1, -1], "no negative"),
    ("check_worst_pairs", 0, np.array([False, True, True, False, True]), "boolean mask"),
    ("check_worst_pairs", 0, ["2", "1", "4"], "without quotes"),
    ("check_worst_pairs", 0, [2.5, 1, 4], "whole number"),
    ("check_worst_pairs", 0, [2, NAN, 4], "NaN"),
    ("check_worst_pairs", 0, 2, "list or array"),
    ("check_worst_pairs", 0, None, "list or array"),
    ("check_worst_pairs", 2, PRED[:-1], "one prediction per pair"),
    ("check_recovery", 0, 0.80 - 0.84, "sign"),
    ("check_recovery", 0, 0.84 - 0.85, "after the MRPC stage"),
    ("check_recovery", 0, 0.85 - 0.80, "what the MRPC stage lost"),
    ("check_recovery", 0, 0.5, "stages[2]"),
    ("check_recovery", 0, "0.04", "without quotes"),
    ("check_recovery", 0, NAN, "NaN"),
    ("check_recovery", 0, [REGAINED], "give one number"),
    ("check_recovery", 1, STAGES[:2], "run_arm"),
    ("check_drift_ratios", 0, [0.5, 1 / 3, 0.5], "upside down"),
    ("check_drift_ratios", 0, [2.0, 3.0], "one ratio per trained stage"),
    ("check_drift_ratios", 0, [2.0, 2.0, 2.0], "drift_total"),
    ("check_drift_ratios", 0, ["2.0", "3.0", "2.0"], "without quotes"),
    ("check_drift_ratios", 0, [2.0, None, 2.0], "None"),
    ("check_drift_ratios", 0, [2.0, NAN, 2.0], "NaN"),
    ("check_drift_ratios", 0, [True, True, True], "bool"),
    ("check_drift_ratios", 0, {1: 2.0, 2: 3.0, 3: 2.0}, "list or array"),
    ("check_drift_ratios", 0, 2.0, "list or array"),
    ("check_drift_ratios", 1, [{"drift": {"x": 1.0}}], "run_arm"),
    ("check_drift_ratios", 1, "stages", "run_arm"),
    ("check_bilstm_head_params", 0, 4 * (384 + 16 + 1) * 16 + 16 + 1, "two LSTMs"),
    ("check_bilstm_head_params", 0, 2 * 4 * (384 + 16) * 16 + 32, "biases"),
    ("check_bilstm_head_params", 0, BILSTM_16 + 1, "4 gates"),
    ("check_bilstm_head_params", 0, str(BILSTM_16), "without quotes"),
    ("check_bilstm_head_params", 0, BILSTM_16 + 0.5, "whole number"),
    ("check_bilstm_head_params", 0, -BILSTM_16, "negative"),
    ("check_bilstm_head_params", 0, [BILSTM_16], "one whole number"),
    ("check_bilstm_head_params", 1, "16", "without quotes"),
    ("check_bilstm_head_params", 1, 0, "at least one unit"),
    ("check_confident_count", 0, 2, "negatives"),
    ("check_confident_count", 0, 1, "positives"),
    ("check_confident_count", 0, 10, "only 4 pairs"),
    ("check_confident_count", 0, 0, "max(p, 1 - p)"),
    ("check_confident_count", 0, "3", "without quotes"),
    ("check_confident_count", 0, 3.5, "whole number"),
    ("check_confident_count", 0, np.array([0, 1, 3]), "len("),
    ("check_confident_count", 0, True, "bool"),
    ("check_confident_count", 1, [1.5, 0.02], "probabilities in [0, 1]"),
    ("check_confident_count", 1, [0.99, NAN], "NaN"),
    ("check_overkept_class", 0, "negative", "which is larger"),
    ("check_overkept_class", 0, "maybe", "answer 'positive'"),
    ("check_overkept_class", 0, "postive", "Did you mean 'positive'"),
    ("check_overkept_class", 0, True, "answer 'positive'"),
    ("check_overkept_class", 0, None, "answer 'positive'"),
    ("check_overkept_class", 0, 0.9, "answer 'positive'"),
    ("check_overkept_class", 1, [0.9], "same rows"),
    ("check_overkept_class", 1, [NAN, NAN], "nothing to compare"),
    ("check_overkept_class", 1, [0.7, 0.7], "equal"),
    ("check_overkept_class", 2, ["0.7", "0.7"], "without quotes"),
    ("check_lora_adapter_params", 0, LORA_4 // 2, "query and value"),
    ("check_lora_adapter_params", 0, 2 * 4 * (384 + 384), "2-D formula"),
    ("check_lora_adapter_params", 0, 2 * 384 * 12 * 4, "count B"),
    ("check_lora_adapter_params", 0, LORA_4 + 1, "count A"),
    ("check_wise_alpha", 0, 0.5, "never on the test set"),
    ("check_wise_alpha", 0, 0.75, "filter first"),
    ("check_wise_alpha", 0, 1.0, "keep the alphas"),
    ("check_wise_alpha", 0, 0.3, "pick one of the alphas"),
]


@pytest.mark.parametrize("name, position, value, hint", WRONG,
                         ids=[f"{n}-{p}-{h}" for n, p, _, h in WRONG])
def test_wrong_answer_fails_with_its_hint(name, position, value, hint):
    result = _call(name, position, value)
    assert isinstance(result, checks.CheckResult)
    assert not result.passed and hint in result.message, result


def test_wrong_answers_when_no_rate_was_safe():
    assert checks.check_largest_safe_lr(None, {1e-2: 0.2}, 0.74)
    assert "did any rate stay" in checks.check_largest_safe_lr(1e-2, {1e-2: 0.2}, 0.74).message


def test_most_confused_when_there_is_no_mistake():
    assert "no mistake" in checks.check_most_confused(("roses", "tulips"), Y_TRUE, Y_TRUE,
                                                      NAMES).message


def test_scipy_result_instead_of_its_statistic():
    from scipy.stats import spearmanr

    result = spearmanr([1, 2, 3, 4], [1, 3, 2, 4])
    assert ".statistic" in checks.check_zero_shot_spearman(result).message


GARBAGE = ["0.9", True, None, NAN, [0.9], {"a": 1}, object(), np.array([[1, 2], [3, 4]])]
POSITIONS = [(name, position) for name, (_, learner) in sorted(RIGHT.items()) for position in learner]


@pytest.mark.parametrize("name, position", POSITIONS, ids=[f"{n}-{p}" for n, p in POSITIONS])
def test_garbage_anywhere_a_learner_computes_fails_and_never_raises(name, position):
    for value in GARBAGE:
        result = _call(name, position, value)
        assert isinstance(result, checks.CheckResult), (value, result)
        assert not result.passed and result.message, (value, result)


def test_the_notebooks_own_arguments_are_validated():
    with pytest.raises(ValueError, match="must not exceed"):
        checks.check_number_in_range("n", 1, 2, 1, "L", "H")
    with pytest.raises(TypeError, match="low"):
        checks.check_number_in_range("n", 1, "0", 1, "L", "H")
    with pytest.raises(ValueError, match="threshold"):
        checks.check_confident_count(3, PROBS, 0.3)
    with pytest.raises(ValueError, match="tolerance"):
        checks.check_largest_safe_lr(1e-3, MEASURED, 0.74, tolerance=-1)
    with pytest.raises(ValueError, match="k"):
        checks.check_worst_pairs([2], GOLD, PRED, k=0)


def test_lora_formula_is_what_keras_builds():
    import keras_hub

    from utils import adapters

    backbone = keras_hub.models.BertBackbone(vocabulary_size=30, num_layers=1, num_heads=12, hidden_dim=384,
                                             intermediate_dim=16, max_sequence_length=8)
    adapters.enable_lora(backbone, 4)
    assert adapters.lora_param_count(backbone) == LORA_4
    assert checks.check_lora_adapter_params(adapters.lora_param_count(backbone), 4)


def test_wise_alpha_curve_is_validated():
    with pytest.raises(TypeError, match="DataFrame"):
        checks.check_wise_alpha(0.25, [1, 2])
    with pytest.raises(KeyError, match="stsb_select"):
        checks.check_wise_alpha(0.25, CURVE.drop(columns="stsb_select"))
    with pytest.raises(ValueError, match="alpha = 0"):
        checks.check_wise_alpha(0.25, CURVE[CURVE.alpha > 0])


def test_bilstm_formula_is_what_keras_counts():
    inputs = keras.Input((None, 384))
    x = keras.layers.Bidirectional(keras.layers.LSTM(16))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    assert model.count_params() == BILSTM_16
    assert checks.check_bilstm_head_params(model.count_params(), 16)


def test_result_is_truthy_and_readable():
    ok = checks.CheckResult("x", True, "looks right.")
    bad = checks.CheckResult("x", False, "try again")
    assert ok and not bad
    assert repr(ok).startswith("✅") and repr(bad).startswith("❌")
    assert "**x**" in bad._repr_markdown_()


@pytest.fixture(scope="module")
def block_13_counts() -> dict[str, int]:
    """The notebook's solution and its two usual slips, counted on one random-weight backbone."""
    from utils import freezing, models

    backbone = models.load_backbone("mobilenet_v2", 0.35, 112, weights=None)

    def trainable() -> int:
        return int(sum(np.prod(w.shape) for w in backbone.trainable_weights))

    freezing.freeze_up_to(backbone, "block_12_add")
    counts = {"solution": trainable()}
    freezing.freeze_up_to(backbone, "block_12_add", keep_bn_frozen=False)
    counts["with_bn"] = trainable()
    freezing.freeze_up_to(backbone, "block_13_project_BN")
    counts["from_14"] = trainable()
    return counts


def test_trainable_from_block_13_right_answer_in_every_form(block_13_counts):
    n = block_13_counts["solution"]
    for answer in (n, np.int64(n), np.int32(n), float(n), np.array(n)):
        assert checks.check_trainable_from_block_13(answer), answer


@pytest.mark.parametrize("slip, hint", [("with_bn", "BatchNorm"), ("from_14", "off by one block")])
def test_trainable_from_block_13_names_the_slip(block_13_counts, slip, hint):
    assert hint in checks.check_trainable_from_block_13(block_13_counts[slip]).message


@pytest.mark.parametrize("answer, hint", [
    (0, "nothing trains"), (1234, "trainable_summary"), ("1234", "without quotes"),
    (12.5, "whole number"), (-3, "negative"), (True, "bool"), (None, "None"), (NAN, "NaN"),
    ([1, 2], "one whole number"),
])
def test_trainable_from_block_13_wrong_answers(answer, hint):
    result = checks.check_trainable_from_block_13(answer)
    assert not result.passed and hint in result.message, result
