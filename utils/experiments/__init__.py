"""The runners behind notebooks 06-08, each split into small steps.

* ``arms`` + ``double_finetune``: notebook 06's arms of stages (``run_arm``);
* ``heads``: notebook 07's heads at one budget (``run_head_arm``);
* ``self_training``: notebook 08's pseudo-label rounds (``run_self_training``);
* ``forgetting``: notebook 09's second fine-tunes that try to keep task 1 (``forgetting.stage2``);
* ``reports``: their tables over seeds.

Notebooks call ``experiments.run_arm(...)`` etc.
"""

from utils.experiments.arms import (
    ARMS,
    DATA_KEYS,
    STAGE_KINDS,
    ArmContext,
    ArmParams,
    Trained,
    arm_stages,
    prepare_arm,
)
from utils.experiments.double_finetune import evaluate_stage, run_arm, start_stage, train_stage
from utils.experiments.heads import run_head_arm
from utils.experiments.reports import summarize_head_runs, summarize_runs, summarize_self_training
from utils.experiments.self_training import audit_pseudo_labels, run_self_training, select_confident

__all__ = [
    "ARMS", "DATA_KEYS", "STAGE_KINDS", "ArmContext", "ArmParams", "Trained",
    "arm_stages", "audit_pseudo_labels", "evaluate_stage", "prepare_arm", "run_arm",
    "run_head_arm", "run_self_training", "select_confident", "start_stage",
    "summarize_head_runs", "summarize_runs", "summarize_self_training", "train_stage",
]
