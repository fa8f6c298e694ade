"""Friendly auto-checks for the exercises: pass/fail with a hint, never the answer.

A learner calls ``checks.check_...(answer)`` at the end of an exercise cell. The result
prints as one line (✅ or ❌ plus a hint) and is truthy when the answer passes, so a
solution can ``assert`` it and classroom tooling can collect it. A wrong type or value
(the string ``'0.9'``, a bool, None, NaN, a list for a number, a repeated index) fails with
a hint instead of raising; NumPy scalars and 0-d arrays count as the numbers they hold.

Modules: ``core`` (``CheckResult``, ``WrongAnswer``), ``answers`` (the ``read_*`` helpers),
``general`` (a number in a range, an accuracy), ``vision`` (notebooks 00-02), ``tuning``
(03-04), ``text`` (05-08), ``forgetting`` (09), ``korean`` (11).
"""

from utils.checks.core import CheckResult
from utils.checks.forgetting import check_lora_adapter_params, check_wise_alpha
from utils.checks.general import check_accuracy, check_number_in_range
from utils.checks.korean import check_identical_rule_accuracy, check_jamo_tokens
from utils.checks.text import (
    check_bilstm_head_params,
    check_confident_count,
    check_drift_ratios,
    check_overkept_class,
    check_recovery,
    check_worst_pairs,
)
from utils.checks.tuning import check_drift_grows_with_lr, check_largest_safe_lr, check_row_winners
from utils.checks.vision import (
    check_freeze_before_first_fit,
    check_most_confused,
    check_trainable_from_block_13,
    check_wider_backbone_probe,
    check_zero_shot_spearman,
)

__all__ = [
    "CheckResult",
    "check_accuracy",
    "check_bilstm_head_params",
    "check_confident_count",
    "check_drift_grows_with_lr",
    "check_drift_ratios",
    "check_freeze_before_first_fit",
    "check_identical_rule_accuracy",
    "check_jamo_tokens",
    "check_largest_safe_lr",
    "check_lora_adapter_params",
    "check_most_confused",
    "check_number_in_range",
    "check_overkept_class",
    "check_recovery",
    "check_row_winners",
    "check_trainable_from_block_13",
    "check_wider_backbone_probe",
    "check_wise_alpha",
    "check_worst_pairs",
    "check_zero_shot_spearman",
]
