"""Notebook 09's runner: a second fine-tune (MRPC after STS-B) by each method that tries to keep task 1.

Everything runs on a ``BiEncoder`` (``utils.models.bi_encoder``): the top transformer layers
train on cached lower-layer activations, STS-B is scored by the cosine of the two embeddings
(no head, so the Spearman after stage 2 is what the encoder kept), MRPC by a Dense head on
pair features. Every stage-2 method starts from the same stage-1 weights, takes the same
number of optimizer steps over the same seeded order of MRPC rows (replay gives some of those
rows to STS-B: compute-matched), and starts its head from the same linear probe (LP-FT).

The steps, each its own function so the notebook can show them one at a time:

* ``train_steps``: exactly ``steps`` optimizer steps on seeded passes over the rows;
* ``probe_head``: the linear probe of the MRPC head on frozen stage-1 features;
* ``stage2``: one method (``METHODS``) from the stage-1 weights, scored on both tasks;
* ``interpolation_curve``: WiSE-FT's line between the stage-1 and stage-2 weights.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
from scipy.stats import spearmanr

from utils import weights as W
from utils.adapters import enable_lora
from utils.data.splits import replay_plan
from utils.models.bi_encoder import BiEncoder, build_bi_encoder
from utils.training import L2SPModel
from utils.validate import check_choice, check_int, check_number

__all__ = ["METHODS", "head_snapshot", "interpolation_curve", "score", "mrpc_accuracy", "probe_head",
           "reset_dropout", "set_head", "set_top", "stage1", "stage2", "stsb_spearman", "top_snapshot", "train_steps"]

# Each method's settings (the notebook's table says what each one does).
METHODS = ("naive", "partial", "lora", "replay", "l2sp", "mrpc_only", "joint")
BATCH_SIZE = 32


def stsb_spearman(bi: BiEncoder, cached: Mapping[str, np.ndarray], scores: np.ndarray) -> float:
    """Spearman correlation of the embeddings' cosine with the STS-B scores (no head).

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    cos = np.asarray(bi.sts.predict(dict(cached), batch_size=256, verbose=0))[:, 0]
    return float(spearmanr(cos, np.asarray(scores)).statistic)


def mrpc_accuracy(bi: BiEncoder, cached: Mapping[str, np.ndarray], labels: np.ndarray) -> float:
    """Accuracy of the MRPC head at threshold 0.5.

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    prob = np.asarray(bi.mrpc.predict(dict(cached), batch_size=256, verbose=0))[:, 0]
    return float(((prob >= 0.5) == (np.asarray(labels) == 1)).mean())


def _optimizer(lr: float) -> keras.optimizers.Optimizer:
    return keras.optimizers.AdamW(lr, weight_decay=0.01, clipnorm=1.0)


def train_steps(model: keras.Model, x: Mapping[str, np.ndarray], y: Any, steps: int, lr: float,
                loss: Any, seed: int, sample_weight: Any = None, rows: np.ndarray | None = None) -> float:
    """Compiles ``model`` with AdamW(``lr``) and takes exactly ``steps`` optimizer steps.

    The rows are seeded passes over the examples (a new permutation each pass), cut to
    ``steps * BATCH_SIZE``; pass ``rows`` to train on a given order instead (replay).

    Returns:
        The seconds the steps took.

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    steps = check_int("steps", steps, 1)
    lr = check_number("lr", lr, 0.0, low_open=True)
    n = len(next(iter(x.values())))
    if rows is None:
        rng = np.random.default_rng(seed)
        need = steps * BATCH_SIZE
        rows = np.concatenate([rng.permutation(n) for _ in range(-(-need // n))])[:need]

    def take(a: Any) -> Any:
        return {k: np.asarray(v)[rows] for k, v in a.items()} if isinstance(a, Mapping) else np.asarray(a)[rows]

    model.compile(_optimizer(lr), loss=loss)
    reset_dropout(model, seed)
    start = time.perf_counter()
    model.fit(take(x), take(y), batch_size=BATCH_SIZE, epochs=1, shuffle=False,
              verbose=0, sample_weight=None if sample_weight is None else take(sample_weight))
    return time.perf_counter() - start


def reset_dropout(model: keras.Model, seed: int) -> int:
    """Restarts every random-number stream ``model`` trains with (dropout) from ``seed``.

    It seeds Keras's global streams (``keras.utils.set_random_seed``), which does not rewind the
    streams that layers already hold, and then rewinds those; without both
    the second of two otherwise identical ``fit`` calls would drop other units. Rewinding them
    gives every stage-2 method the same dropout masks as well as the same rows.

    Returns:
        How many streams were reset.

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    keras.utils.set_random_seed(seed)  # the global streams too (PyTorch's dropout draws from them)
    count = 0
    for layer in model._flatten_layers(include_self=True):
        for generator in getattr(layer, "_seed_generators", []):
            generator.state.assign(np.array([seed + count, 0]).astype(generator.state.dtype))
            count += 1
    return count


def probe_head(bi: BiEncoder, x: Mapping[str, np.ndarray], labels: np.ndarray, seed: int,
               epochs: int = 20) -> None:
    """LP: trains the MRPC head alone (encoder frozen), the start of every stage-2 method.

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    for layer in bi.top_layers:
        layer.trainable = False
    keras.utils.set_random_seed(seed)
    bi.mrpc.compile(keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    bi.mrpc.fit(dict(x), np.asarray(labels, "float32"), batch_size=BATCH_SIZE, epochs=epochs,
                verbose=0)
    for layer in bi.top_layers:
        layer.trainable = True


def score(bi: BiEncoder, tasks: Mapping[str, tuple], select: bool = False) -> dict[str, float]:
    """STS-B Spearman on ``stsb_dev`` (and on ``stsb_select`` if ``select``), MRPC dev/test accuracy.

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    out = {"stsb_dev": stsb_spearman(bi, *tasks["stsb_dev"])}
    if select:
        out["stsb_select"] = stsb_spearman(bi, *tasks["stsb_select"])
    out.update(mrpc_dev=mrpc_accuracy(bi, *tasks["mrpc_dev"]),
               mrpc_test=mrpc_accuracy(bi, *tasks["mrpc_test"]))
    return out


def stage2(method: str, bi: BiEncoder, tasks: Mapping[str, tuple], start: list[np.ndarray],
           head: list[np.ndarray], steps: int, lr: float, seed: int, **setting: Any) -> dict[str, Any]:
    """One stage-2 method on MRPC from the weights ``start`` (the stage-1 top layers), scored.

    Args:
        method: One of ``METHODS``: ``naive`` (every top layer trains), ``partial`` (only the
            top ``setting['layers']`` of them; 0: the head alone, i.e. the linear probe), ``lora`` (``setting['rank']``: a fresh encoder
            with the stage-1 weights and adapters only), ``replay`` (``setting['fraction']``
            of the rows from STS-B), ``l2sp`` (``setting['strength']``), ``mrpc_only`` (the
            same stage from ``start`` = the pretrained weights: the reference without stage 1),
            ``joint`` (replay with ``fraction`` 0.5 from the pretrained weights, for both
            stages' steps: the upper reference, both tasks at once).
        bi: The ``BiEncoder`` of the stage-1 model (its top layers are overwritten).
        tasks: ``{"stsb_train", "stsb_dev", "mrpc_train", "mrpc_dev", "mrpc_test"}`` ->
            ``(cached pairs, scores or labels)``.
        start: ``W.snapshot_weights`` of each top layer, concatenated (``bi.top_weights()``).
        head: The linear probe's head weights (``probe_head`` on ``start``).
        steps: Optimizer steps (the same for every method).
        lr: The stage's peak learning rate.
        seed: Seed of the row order and of Keras.

    Returns:
        A record: method, setting, seed, steps, trainable parameters, seconds, the scores
        (``stsb_dev`` Spearman, ``mrpc_dev`` and ``mrpc_test`` accuracy) and ``end``, the top
        layers' weights after the stage (the WiSE-FT line starts there).

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    method = check_choice("method", method, METHODS)
    x, y = tasks["mrpc_train"]
    y = np.asarray(y, "float32")
    model, record = bi, {"method": method, "seed": seed, "steps": steps, "lr": lr, **setting}
    set_top(bi, start)
    set_head(bi, head)
    for layer in bi.top_layers:
        layer.trainable = True
    if method == "lora":
        model = _lora_copy(bi, check_int("rank", setting["rank"], 1))
        train = model.mrpc
    elif method == "partial":
        k = check_int("layers", setting["layers"], 0, bi.top)
        for layer in bi.top_layers[: bi.top - k]:
            layer.trainable = False
        train = bi.mrpc
    elif method == "l2sp":
        strength = check_number("strength", setting["strength"], 0.0)
        anchored = [w for layer in bi.top_layers for w in layer.trainable_weights]
        train = L2SPModel(bi.mrpc, anchored, strength)
    else:
        train = bi.mrpc
    if method in ("replay", "joint"):
        fraction = check_number("fraction", setting.get("fraction", 0.5), 0.0, 1.0, high_open=True)
        mixed, targets, task_weights = _replay_rows(tasks, fraction, steps * BATCH_SIZE, seed)
        seconds = train_steps(bi.joint, mixed, targets, steps, lr,
                              {"stsb": "mse", "mrpc": "binary_crossentropy"}, seed,
                              sample_weight=task_weights, rows=np.arange(steps * BATCH_SIZE))
    elif method == "partial" and setting["layers"] == 0:
        seconds = 0.0  # the linear probe alone: the encoder stays as stage 1 left it
    else:
        seconds = train_steps(train, x, y, steps, lr, "binary_crossentropy", seed)
    record["trainable"] = sum(int(np.prod(w.shape)) for w in model.mrpc.trainable_weights)
    for layer in bi.top_layers:
        layer.trainable = True
    record.update(seconds=seconds, **score(model, tasks))
    record["end"] = None if method == "lora" else top_snapshot(bi)
    record["end_head"] = head_snapshot(model)
    return record


def _replay_rows(tasks: Mapping[str, tuple], fraction: float, rows: int, seed: int) -> tuple:
    """The rows of a replay stage: MRPC rows with ``fraction`` of them taken from STS-B.

    Both tasks' cached pairs must have the same length T (one tokenizer). Each row trains
    one output: the sample weight of the other output is 0.
    """
    (xm, labels), (xs, scores) = tasks["mrpc_train"], tasks["stsb_train"]
    from_old, index = replay_plan(len(labels), len(scores), fraction, rows, seed)
    mixed = {}
    for k in xm:
        if xm[k].shape[1:] != xs[k].shape[1:]:
            raise ValueError(f"replay needs both tasks cached at one length: {k} is "
                             f"{xm[k].shape[1:]} for MRPC and {xs[k].shape[1:]} for STS-B.")
        out = np.empty((rows, *xm[k].shape[1:]), xm[k].dtype)
        out[from_old], out[~from_old] = xs[k][index[from_old]], xm[k][index[~from_old]]
        mixed[k] = out
    sts_target = np.zeros(rows, "float32")
    sts_target[from_old] = np.asarray(scores, "float32")[index[from_old]] / 5.0
    mrpc_target = np.zeros(rows, "float32")
    mrpc_target[~from_old] = np.asarray(labels, "float32")[index[~from_old]]
    targets = {"stsb": sts_target[:, None], "mrpc": mrpc_target[:, None]}
    task_weights = {"stsb": from_old.astype("float32"), "mrpc": (~from_old).astype("float32")}
    return mixed, targets, task_weights


def _split(flat: list[np.ndarray], layers: list) -> list[list[np.ndarray]]:
    out, i = [], 0
    for layer in layers:
        n = len(layer.weights)
        out.append(list(flat[i:i + n]))
        i += n
    return out


def set_top(bi: BiEncoder, flat: list[np.ndarray]) -> None:
    """Writes a ``bi.top_weights()`` copy back into the top layers.

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    for layer, value in zip(bi.top_layers, _split(flat, bi.top_layers)):
        layer.set_weights(value)


def set_head(bi: BiEncoder, head: list[np.ndarray]) -> None:
    """Writes a ``head_snapshot`` copy back into the MRPC head.

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    for layer, value in zip(bi.head_layers, _split(head, bi.head_layers)):
        layer.set_weights(value)


def _top_values(bi: BiEncoder) -> list[np.ndarray]:
    return [keras.ops.convert_to_numpy(w) for w in bi.top_weights()]


def top_snapshot(bi: BiEncoder) -> list[np.ndarray]:
    """A NumPy copy of the top layers' weights (``set_top`` writes it back).

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    return [np.array(w, copy=True) for w in _top_values(bi)]


def head_snapshot(bi: BiEncoder) -> list[np.ndarray]:
    """A NumPy copy of the MRPC head's weights (the linear probe every method starts from).

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    return [np.array(w, copy=True) for layer in bi.head_layers for w in layer.get_weights()]


def stage1(bi: BiEncoder, tasks: Mapping[str, tuple], steps: int, lr: float, seed: int) -> list[np.ndarray]:
    """Stage 1 from the current top weights: STS-B, the cosine regressed on score / 5 (MSE).

    Returns:
        The top layers' weights after it (``top_snapshot``).

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    x, scores = tasks["stsb_train"]
    train_steps(bi.sts, x, (np.asarray(scores, "float32") / 5.0)[:, None], steps, lr, "mse", seed)
    return top_snapshot(bi)


def _lora_copy(bi: BiEncoder, rank: int) -> BiEncoder:
    """A fresh copy of the encoder (its config, ``bi``'s weights), LoRA on, ``bi``'s head."""
    fresh = bi.encoder.__class__.from_config(bi.encoder.get_config())
    fresh.set_weights(bi.encoder.get_weights())
    enable_lora(fresh, rank)
    copy = build_bi_encoder(fresh, bi.top)
    for new, old in zip(copy.head_layers, bi.head_layers):
        new.set_weights(old.get_weights())
    return copy


def interpolation_curve(bi: BiEncoder, tasks: Mapping[str, tuple], start: list[np.ndarray],
                        end: list[np.ndarray], head: list[np.ndarray], alphas: Any) -> list[dict[str, float]]:
    """WiSE-FT: the scores of the top weights ``(1 - alpha) * start + alpha * end`` per alpha.

    Args:
        bi: The ``BiEncoder`` (its top layers and head are overwritten; left at ``end``).
        tasks: As for ``stage2``.
        start, end: Top-layer weights before and after stage 2 (``top_snapshot``).
        head: The MRPC head after stage 2 (``record["end_head"]``), used at every alpha.
        alphas: Where on the line (each in [0, 1]).

    Returns:
        One row per alpha: ``alpha`` and the scores of ``stage2``'s record.

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    set_head(bi, head)
    rows = []
    for alpha in alphas:
        set_top(bi, W.interpolate_weights(start, end, alpha))
        rows.append({"alpha": float(alpha), **score(bi, tasks, select="stsb_select" in tasks)})
    set_top(bi, end)
    return rows
