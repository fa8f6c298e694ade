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
* ``interpolation_curve``: WiSE-FT's line between the stage-1 and stage-2 weights;
* ``sequential_controls``: notebook 06's question on the same machinery: does stage 1 help
  MRPC, against MRPC only at equal steps, stage 1 on shuffled scores, and the reverse order.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
from scipy.stats import spearmanr

from utils import weights as W
from utils.adapters import enable_lora
from utils.data.splits import replay_plan
from utils.models.bi_encoder import BiEncoder, build_bi_encoder
from utils.optim import WarmupLinear, reset_optimizer
from utils.training import L2SPModel
from utils.validate import check_choice, check_int, check_number

__all__ = ["CONTROLS", "METHODS", "OPTIMIZERS", "SCHEDULES", "head_snapshot", "sequential_controls", "interpolation_curve", "score", "mrpc_accuracy", "probe_head",
           "reset_dropout", "set_head", "set_top", "stage1", "stage2", "stsb_spearman", "top_snapshot", "train_steps"]

# Each method's settings (the notebook's table says what each one does).
METHODS = ("naive", "partial", "lora", "replay", "l2sp", "mrpc_only", "joint")
BATCH_SIZE = 32
# The case study's arms and controls (sequential_controls)
CONTROLS = {"A": "MRPC only", "A+": "MRPC only, B's steps", "B": "STS-B -> MRPC",
            "S": "shuffled STS-B -> MRPC", "R": "MRPC -> STS-B"}


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


def _optimizer(lr: Any) -> keras.optimizers.Optimizer:
    return keras.optimizers.AdamW(lr, weight_decay=0.01, clipnorm=1.0)


def _adam(lr: Any) -> keras.optimizers.Optimizer:
    return keras.optimizers.Adam(lr, clipnorm=1.0)


# The recipe of a stage (train_steps' optimizer= and schedule=): AdamW (weight decay 0.01) or
# Adam, both clipped at norm 1; a constant rate, or 10 % linear warmup then linear decay to 0.
OPTIMIZERS = {"adamw": _optimizer, "adam": _adam}
SCHEDULES = ("constant", "warmup_linear")


# model -> (what it was compiled with, the optimizer compile got): see _compile_once
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _compile_once(model: keras.Model, make_optimizer: Any, lr: float, loss: Any) -> None:
    """``model.compile(make_optimizer(lr), loss)``, traced once per model and setting.

    Compiling throws the traced training step away: the next ``fit`` traces it again (a second
    or two per stage on a CPU with TensorFlow, an XLA compilation with JAX), and the runners
    train the same models many times. So the first call compiles; a later call with the same
    optimizer kind, loss and trainable weights only zeroes the optimizer's state and sets
    ``lr`` (``optim.reset_optimizer``: the step then starts exactly as after a fresh compile).
    A model compiled elsewhere in between, or whose trainable weights changed, compiles again.
    PyTorch always compiles: it runs eagerly, so there is no trace to keep, and the first ``fit``
    after a compile advances dropout's random streams in its symbolic build, so a reused
    compile would draw other dropout masks than the fresh one did.
    """
    key = (make_optimizer, repr(loss) if isinstance(loss, (str, Mapping)) else id(loss),
           tuple(id(v) for v in model.trainable_variables))
    seen = _COMPILED.get(model)
    if (keras.backend.backend() != "torch" and seen is not None and seen[0] == key
            and model.optimizer is seen[1] and model.optimizer.built):
        reset_optimizer(model.optimizer, lr)
        return
    optimizer = make_optimizer(lr)
    model.compile(optimizer, loss=loss)
    _COMPILED[model] = (key, optimizer)


def train_steps(model: keras.Model, x: Mapping[str, np.ndarray], y: Any, steps: int, lr: float,
                loss: Any, seed: int, sample_weight: Any = None, rows: np.ndarray | None = None,
                callbacks: list | None = None, optimizer: str = "adamw", schedule: str = "constant") -> float:
    """Takes exactly ``steps`` optimizer steps of AdamW(``lr``) from a fresh optimizer state.

    ``optimizer`` (``OPTIMIZERS``) and ``schedule`` (``SCHEDULES``) change the recipe: Adam
    instead of AdamW; ``warmup_linear`` warms up over the first 10 % of ``steps`` to ``lr``
    and decays linearly to 0 at the last step (``optim.WarmupLinear``).

    The rows are seeded passes over the examples (a new permutation each pass), cut to
    ``steps * BATCH_SIZE``; pass ``rows`` to train on a given order instead (replay). The
    model is compiled on its first call only (``_compile_once``); ``callbacks`` go to ``fit``.

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

    make = OPTIMIZERS[check_choice("optimizer", optimizer, tuple(OPTIMIZERS))]
    if check_choice("schedule", schedule, SCHEDULES) == "constant":
        _compile_once(model, make, lr, loss)
    else:  # a schedule belongs to its optimizer: a new one each stage
        _COMPILED.pop(model, None)
        model.compile(make(WarmupLinear(lr, steps, steps // 10)), loss=loss)
    reset_dropout(model, seed)
    start = time.perf_counter()
    model.fit(take(x), take(y), batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0,
              sample_weight=None if sample_weight is None else take(sample_weight), callbacks=callbacks)
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
    """LP: trains the MRPC head alone on the frozen encoder, the start of every stage-2 method.

    The encoder does not change during a linear probe, so its pair features are computed once
    (inference mode: no dropout) and ``bi.head`` trains on them: ``epochs`` passes of Adam(1e-3)
    over a (N, 2 * hidden) array instead of ``epochs`` passes through the top layers. The head
    starts from its initializers drawn with ``seed``, so a probe depends on the encoder, the
    rows and the seed only, not on what an earlier stage left in the head.

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    epochs = check_int("epochs", epochs, 1)
    features = np.asarray(bi.features.predict(dict(x), batch_size=256, verbose=0), dtype="float32")
    keras.utils.set_random_seed(seed)
    _fresh_head(bi, seed)  # a probe never starts from what an earlier stage left in the head
    # compiled afresh each time (unlike train_steps): fit shuffles here, and on JAX the order it
    # draws depends on whether the step was traced in the same fit, so a reused compile would
    # make a probe depend on the probes before it; the head is small, its tracing cheap
    bi.head.compile(keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    bi.head.fit(features, np.asarray(labels, "float32"), batch_size=BATCH_SIZE, epochs=epochs, verbose=0)


def _fresh_head(bi: BiEncoder, seed: int) -> None:
    """Draws the head's weights again from each layer's own initializers, seeded."""
    for layer in bi.head_layers:
        for weight in layer.weights:
            name = weight.path.split("/")[-1]  # kernel, bias, gamma, beta
            init = getattr(layer, f"{name}_initializer")
            config = init.get_config()
            if "seed" in config:
                init = init.__class__.from_config({**config, "seed": seed})
            weight.assign(init(weight.shape, dtype=weight.dtype))


def score(bi: BiEncoder, tasks: Mapping[str, tuple], select: bool = False) -> dict[str, float]:
    """STS-B Spearman on ``stsb_dev`` (and on ``stsb_select`` if ``select``), MRPC dev/test accuracy.

    A ``stsb_ood`` set in ``tasks`` (a second similarity benchmark, out of the training
    distribution: KLUE-STS dev in notebook 11) is scored too, as ``stsb_ood``.

    Used in: 09_fine_tune_twice_without_forgetting.ipynb, 11_korean_double_fine_tuning.ipynb.
    """
    out = {"stsb_dev": stsb_spearman(bi, *tasks["stsb_dev"])}
    if select:
        out["stsb_select"] = stsb_spearman(bi, *tasks["stsb_select"])
    if "stsb_ood" in tasks:
        out["stsb_ood"] = stsb_spearman(bi, *tasks["stsb_ood"])
    out.update(mrpc_dev=mrpc_accuracy(bi, *tasks["mrpc_dev"]),
               mrpc_test=mrpc_accuracy(bi, *tasks["mrpc_test"]))
    return out


def stage2(method: str, bi: BiEncoder, tasks: Mapping[str, tuple], start: list[np.ndarray],
           head: list[np.ndarray], steps: int, lr: float, seed: int, recipe: Mapping[str, str] | None = None,
           **setting: Any) -> dict[str, Any]:
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
        recipe: ``train_steps``' ``optimizer`` and ``schedule`` (default AdamW, constant rate).

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
                              sample_weight=task_weights, rows=np.arange(steps * BATCH_SIZE), **(recipe or {}))
    elif method == "partial" and setting["layers"] == 0:
        seconds = 0.0  # the linear probe alone: the encoder stays as stage 1 left it
    else:
        seconds = train_steps(train, x, y, steps, lr, "binary_crossentropy", seed, **(recipe or {}))
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


def stage1(bi: BiEncoder, tasks: Mapping[str, tuple], steps: int, lr: float, seed: int,
           recipe: Mapping[str, str] | None = None) -> list[np.ndarray]:
    """Stage 1 from the current top weights: STS-B, the cosine regressed on score / 5 (MSE).

    ``recipe``: ``train_steps``' ``optimizer`` and ``schedule`` (default AdamW, constant).

    Returns:
        The top layers' weights after it (``top_snapshot``).

    Used in: 09_fine_tune_twice_without_forgetting.ipynb.
    """
    x, scores = tasks["stsb_train"]
    train_steps(bi.sts, x, (np.asarray(scores, "float32") / 5.0)[:, None], steps, lr, "mse", seed, **(recipe or {}))
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


def sequential_controls(bi: BiEncoder, tasks: Mapping[str, tuple], pretrained: list[np.ndarray],
                        steps_1: int, steps_2: int, lr_1: float, lr_2: float, seed: int,
                        recipe: Mapping[str, str] | None = None) -> dict[str, dict]:
    """Fine-tune twice against its controls, every stage a counted number of optimizer steps.

    * ``A``: MRPC only, ``steps_2`` steps from the pretrained weights;
    * ``A+``: MRPC only for ``steps_1 + steps_2`` steps (B's total: more training, no STS-B);
    * ``B``: STS-B for ``steps_1`` steps, then MRPC for ``steps_2`` (the cosine head of stage 1
      is the encoder itself, so STS-B after stage 2 is what the encoder kept);
    * ``S``: as B, but stage 1 regresses *shuffled* STS-B scores (same sentences, same steps,
      no similarity signal): does B's gain need what STS-B teaches?
    * ``R``: the reverse order, A's MRPC stage then ``steps_1`` steps of STS-B, MRPC scored
      with its head kept: the forgetting of MRPC.

    Each MRPC stage starts from its own linear probe (``probe_head``, LP-FT); every stage uses
    the same seed, so the rows and dropout masks of a stage are the same in every arm.

    Args:
        bi: The ``BiEncoder``; its top layers and head are overwritten.
        tasks: As for ``stage2``.
        pretrained: ``top_snapshot`` of the downloaded weights.
        steps_1, steps_2: Optimizer steps of the STS-B and the MRPC stage.
        lr_1, lr_2: Their peak learning rates.
        seed: Seed of the rows, the shuffled scores and Keras.
        recipe: ``train_steps``' ``optimizer`` and ``schedule`` for every stage (default AdamW
            at a constant rate; the linear probes keep Adam(1e-3)).

    Returns:
        ``{arm: record}`` with ``mrpc_dev``, ``mrpc_test`` and ``stsb_dev`` after the arm, its
        ``steps``; B and S add ``stsb_after_1`` (after their first stage), R adds
        ``mrpc_test_after_1`` and ``mrpc_dev_after_1`` (after its MRPC stage). With a
        ``stsb_ood`` set in ``tasks`` every arm adds ``stsb_ood``, and B and S
        ``stsb_ood_after_1``.

    Raises:
        ValueError: ``steps_1``/``steps_2`` below 1 or a rate <= 0 (the value is named).

    Example:
        >>> out = sequential_controls(bi, tasks, forgetting.top_snapshot(bi), 40, 40, 1e-4, 1e-3, 42)
        >>> out["B"]["mrpc_test"] - out["A"]["mrpc_test"]  # does stage 1 help MRPC?

    Used in: 06_double_fine_tuning.ipynb, 11_korean_double_fine_tuning.ipynb.
    """
    steps_1, steps_2 = check_int("steps_1", steps_1, 1), check_int("steps_2", steps_2, 1)
    lr_1 = check_number("lr_1", lr_1, 0.0, low_open=True)
    lr_2 = check_number("lr_2", lr_2, 0.0, low_open=True)
    recipe = dict(recipe or {})
    unknown = set(recipe) - {"optimizer", "schedule"}
    if unknown:
        raise ValueError(f"recipe takes 'optimizer' and 'schedule', got {sorted(unknown)}.")
    x_mrpc, y_mrpc = tasks["mrpc_train"]

    def mrpc_stage(start: list[np.ndarray], steps: int) -> dict[str, Any]:
        set_top(bi, start)
        probe_head(bi, x_mrpc, y_mrpc, seed=seed)
        record = stage2("naive", bi, tasks, start, head_snapshot(bi), steps, lr_2, seed, recipe=recipe)
        return {k: record[k] for k in ("mrpc_dev", "mrpc_test", "stsb_dev", "stsb_ood", "end", "end_head")
                if k in record}

    def sts_stage(stage_tasks: Mapping[str, tuple]) -> tuple[list[np.ndarray], dict[str, float]]:
        set_top(bi, pretrained)
        end = stage1(bi, stage_tasks, steps_1, lr_1, seed, recipe)
        after = {"stsb_after_1": stsb_spearman(bi, *tasks["stsb_dev"])}
        if "stsb_ood" in tasks:
            after["stsb_ood_after_1"] = stsb_spearman(bi, *tasks["stsb_ood"])
        return end, after

    if recipe.get("schedule", "constant") == "constant":
        # A+ trains steps_1 + steps_2 steps; A is its first steps_2 steps, kept on the way: the
        # same probe, rows (the first passes of the same seeded permutations), dropout masks and
        # optimizer state as a run of steps_2 steps alone (a test checks that it is that run)
        set_top(bi, pretrained)
        probe_head(bi, x_mrpc, y_mrpc, seed=seed)
        for layer in bi.top_layers:
            layer.trainable = True
        keep = _KeepAt(steps_2, bi)
        train_steps(bi.mrpc, x_mrpc, np.asarray(y_mrpc, "float32"), steps_1 + steps_2, lr_2, "binary_crossentropy",
                    seed, callbacks=[keep], **recipe)
        out = {"A+": {**score(bi, tasks), "steps": steps_1 + steps_2}}
        set_top(bi, keep.top)
        set_head(bi, keep.head)
        out = {"A": {**score(bi, tasks), "steps": steps_2, "end": keep.top, "end_head": keep.head}, **out}
    else:  # a schedule spans its own run: A's 40 steps are not the start of A+'s 80
        out = {"A": {**mrpc_stage(pretrained, steps_2), "steps": steps_2},
               "A+": {**mrpc_stage(pretrained, steps_1 + steps_2), "steps": steps_1 + steps_2}}
    for arm, stage_tasks in (("B", tasks), ("S", _shuffled_scores(tasks, seed))):
        s1, after_1 = sts_stage(stage_tasks)
        out[arm] = {**mrpc_stage(s1, steps_2), "steps": steps_1 + steps_2, **after_1}
    # R: A's encoder and head, then STS-B; MRPC read with A's head on the moved encoder
    set_top(bi, out["A"]["end"])
    set_head(bi, out["A"]["end_head"])
    stage1(bi, tasks, steps_1, lr_1, seed, recipe)
    out["R"] = {**score(bi, tasks), "steps": steps_1 + steps_2, "mrpc_test_after_1": out["A"]["mrpc_test"],
                "mrpc_dev_after_1": out["A"]["mrpc_dev"]}
    for record in out.values():
        record.pop("end", None)
        record.pop("end_head", None)
    return out


class _KeepAt(keras.callbacks.Callback):
    """Keeps the top layers' and the head's weights after optimizer step ``step`` of a ``fit``."""

    def __init__(self, step: int, bi: BiEncoder) -> None:
        super().__init__()
        self.step, self.bi = step, bi
        self.top: list[np.ndarray] | None = None
        self.head: list[np.ndarray] | None = None

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if batch + 1 == self.step:
            _ = self.model  # on JAX this writes the training state back into the variables
            self.top, self.head = top_snapshot(self.bi), head_snapshot(self.bi)


def _shuffled_scores(tasks: Mapping[str, tuple], seed: int) -> dict[str, tuple]:
    """``tasks`` with STS-B's training scores permuted (seeded): the sentences without their signal."""
    x, scores = tasks["stsb_train"]
    return {**tasks, "stsb_train": (x, np.random.default_rng(seed + 1).permutation(np.asarray(scores)))}
