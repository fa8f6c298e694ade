"""The double fine-tuning experiment of notebook 06: arms of stages, each measured.

An arm is a list of stages run in order from the pretrained encoder (``ARMS``): ``A`` MRPC
only, ``B`` STS-B then MRPC (fine-tuning twice), ``C`` both jointly, ``D`` B then joint,
``E`` one regression head on STS-B plus MRPC as scores 0/5; and three controls: ``A+`` MRPC
only for as many optimizer steps as B (is B's gain just more steps?), ``S`` B with STS-B's
scores shuffled (is it any pair-task training?), ``R`` the reverse order, MRPC then STS-B
(how much of MRPC does a second fine-tune on STS-B forget?). Between two stages the encoder's
weights are carried over and the next stage's head is fresh (``start_stage``): the same
move as ``utils.models.transfer_encoder``, on models built once (``build_pair_models``,
whose MRPC model *is* ``transfer_encoder(stsb_model, "classification")``) so nothing is
rebuilt or recompiled between stages, arms and seeds.

The steps, each small enough to read on its own:

* ``prepare_arm`` (``utils.experiments.arms``): tokenise the data once, fingerprint it;
* ``start_stage``: reset or carry over the encoder and heads;
* ``train_stage``: one ``fit`` with the course's AdamW recipe, on full batches;
* ``evaluate_stage``: MRPC dev/test and STS-B dev from the heads trained so far;
* ``run_arm``: the loop, with finished stage prefixes cached (arm D reuses arm B's stages).
"""

from __future__ import annotations

import time
from typing import Any

import keras
import numpy as np

from utils import metrics
from utils import models as model_zoo
from utils.experiments.arms import (
    STAGE_KINDS,
    ArmContext,
    ArmParams,
    Trained,
    arm_stages,
    check_data,
    check_seed,
    prepare_arm,
)
from utils.models import PairModels
from utils.optim import reset_optimizer, text_optimizer
from utils.validate import check_bool, check_choice, check_int, check_number
from utils.weights import restore_weights, snapshot_weights, weight_drift

__all__ = ["start_stage", "train_stage", "evaluate_stage", "run_arm"]

def _check_ctx(ctx: Any) -> None:
    if not isinstance(ctx, ArmContext):
        raise TypeError(f"ctx must be an ArmContext (from prepare_arm), got {type(ctx).__name__}.")


def _init_head(layer: keras.layers.Dense, seed: int) -> None:
    """Glorot-uniform kernel and zero bias from a NumPy seed (the same on every backend)."""
    fan_in, fan_out = layer.kernel.shape
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    rng = np.random.default_rng(seed)
    layer.kernel.assign(rng.uniform(-limit, limit, size=layer.kernel.shape).astype("float32"))
    layer.bias.assign(np.zeros(layer.bias.shape, dtype="float32"))


def start_stage(ctx: ArmContext, state: dict[str, Any] | None) -> Trained:
    """Sets the weights a stage starts from: the pretrained encoder and fresh heads for the
    first stage; else the previous stage's encoder carried over (the second fine-tune) with
    the heads it had (a head never trained so far is still fresh).

    Raises:
        TypeError: ``ctx`` is not an ``ArmContext``. KeyError: ``state`` lacks a key.

    Example:
        >>> trained = start_stage(ctx, None)  # pretrained encoder, fresh heads  # doctest: +SKIP
        >>> trained.mrpc  # doctest: +SKIP

    Used in: ``run_arm``.
    """
    _check_ctx(ctx)
    if state is not None:
        missing = [k for k in ("encoder", "heads", "trained") if k not in state]
        if missing:
            raise KeyError(f"state lacks {missing}: pass None or the state run_arm keeps.")
    models = ctx.models
    if state is None:
        restore_weights(models.encoder, models.pretrained)
        for offset, head in enumerate(models.heads.values()):
            _init_head(head, ctx.seed * 1009 + offset)
        return Trained()
    restore_weights(models.encoder, state["encoder"])
    for name, head in models.heads.items():
        restore_weights(head, state["heads"][name])
    return state["trained"]


def _stage_arrays(kind: str, ctx: ArmContext, seed: int) -> tuple:
    """Inputs, targets and sample weights of one stage, shuffled and trimmed to full batches."""
    enc, data, batch_size = ctx.encoded, ctx.data, ctx.params.batch_size
    sts_y = np.asarray(data["stsb_train"].labels, dtype="float32")
    mrpc_y = np.asarray(data["mrpc_train"].labels, dtype="float32")
    n_s, n_m = len(sts_y), len(mrpc_y)
    weights = None
    if kind == "stsb":
        x, y = enc["stsb_train"], sts_y
    elif kind == "stsb_shuffled":  # the same pairs and score distribution, no similarity left
        x, y = enc["stsb_train"], np.random.default_rng(seed + 7).permutation(sts_y)
    elif kind in ("mrpc", "mrpc_matched"):
        x, y = enc["mrpc_train"], mrpc_y
    elif kind == "merged":
        x = model_zoo.concat_rows(enc["stsb_train"], enc["mrpc_train"])
        y = np.concatenate([sts_y, mrpc_y * 5])
    else:  # joint: targets for both heads, weight 0 on the head an example does not belong to
        x = model_zoo.concat_rows(enc["stsb_train"], enc["mrpc_train"])
        y = {"stsb": np.concatenate([sts_y, np.zeros(n_m, "float32")]),
             "mrpc": np.concatenate([np.zeros(n_s, "float32"), mrpc_y])}
        weights = {"stsb": np.r_[np.ones(n_s), np.zeros(n_m)].astype("float32"),
                   "mrpc": np.r_[np.zeros(n_s), np.ones(n_m)].astype("float32")}
    n = len(x["token_ids"])
    keep = (n // batch_size) * batch_size
    if keep == 0:
        raise ValueError(f"stage {kind!r} has {n} training pairs, fewer than batch_size={batch_size}.")
    rng = np.random.default_rng(seed)
    if kind == "mrpc_matched":  # an epoch = the steps of an STS-B epoch plus an MRPC epoch
        keep = (n_s // batch_size + n_m // batch_size) * batch_size
        order = np.concatenate([rng.permutation(n) for _ in range(-(-keep // n))])[:keep]
    else:
        order = rng.permutation(n)[:keep]

    def pick(a: Any) -> Any:
        return {k: v[order] for k, v in a.items()} if isinstance(a, dict) else a[order]

    return pick(x), pick(y), (pick(weights) if weights is not None else None)


def _compiled(models: PairModels, kind: str, params: ArmParams) -> keras.Model:
    """Each model is compiled once; later stages only reset the optimizer's state."""
    model = {"stsb": models.stsb, "merged": models.stsb, "stsb_shuffled": models.stsb,
             "mrpc": models.mrpc, "mrpc_matched": models.mrpc, "joint": models.joint}[kind]
    if model.name not in models.compiled:
        loss = ({"stsb": "mse", "mrpc": "binary_crossentropy"} if model is models.joint
                else "mse" if model is models.stsb else "binary_crossentropy")
        model.compile(text_optimizer(params.lr, params.weight_decay), loss=loss)
        models.compiled[model.name] = model
    return model


def train_stage(ctx: ArmContext, kind: str, lr: float, index: int) -> dict[str, list[float]]:
    """One ``fit`` of stage ``index`` at rate ``lr``; returns its loss history.

    Raises:
        TypeError: ``ctx`` is not an ``ArmContext``, ``lr`` not a number, ``index`` not an int.
        ValueError: Unknown ``kind``, ``lr`` <= 0 (or NaN/infinite), ``index`` < 0.

    Example:
        >>> history = train_stage(ctx, "stsb", 1e-4, 0)  # doctest: +SKIP
        >>> len(history["loss"]) == ctx.params.epochs  # doctest: +SKIP

    Used in: ``run_arm``.
    """
    _check_ctx(ctx)
    check_choice("kind", kind, STAGE_KINDS)
    lr = check_number("lr", lr, low=0, low_open=True)
    index = check_int("index", index, low=0)
    seed = ctx.seed * 1000 + index
    keras.utils.set_random_seed(seed)
    model = _compiled(ctx.models, kind, ctx.params)
    reset_optimizer(model.optimizer, lr)
    x, y, w = _stage_arrays(kind, ctx, seed)
    history = model.fit(x, y, sample_weight=w, batch_size=ctx.params.batch_size,
                        epochs=ctx.params.epochs, shuffle=True, verbose=ctx.params.verbose)
    return {k: [float(v) for v in values] for k, values in history.history.items()}


def _cosine(ctx: ArmContext, key: str) -> np.ndarray:
    return model_zoo.compute_cosine_similarity(ctx.models.embed, ctx.data[key],
                                               ctx.sentence_tokenizer, ctx.params.eval_batch_size)


def evaluate_stage(ctx: ArmContext, trained: Trained, track_cosine: bool,
                   predictions: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """Metrics after a stage: MRPC dev/test accuracy and F1, STS-B dev Spearman/Pearson.

    Pass a dict as ``predictions`` to also keep the per-example outputs the metrics came from,
    for paired tests between arms (``metrics.mcnemar``, ``metrics.paired_bootstrap``): it gets
    ``mrpc_test_correct`` (int8, 1 where the test pair is classified right at the threshold
    used), ``mrpc_test_score`` and ``stsb_dev_score`` (float32).

    * MRPC from the MRPC head when one is trained; else from the STS-B head's score with a
      threshold tuned on MRPC dev (2.5 for arm E, whose head learned MRPC as 0 or 5);
      else (stage 0) from the cosine similarity with a tuned threshold;
    * STS-B from the STS-B head when trained (kept through later stages: that is how
      forgetting shows); else from the cosine of mean-pooled embeddings (zero-shot).

    Raises:
        TypeError: ``ctx`` is not an ``ArmContext``, ``trained`` not a ``Trained``, or
            ``track_cosine`` not a bool.

    Example:
        >>> scores = evaluate_stage(ctx, Trained(), True)  # stage 0  # doctest: +SKIP
        >>> scores["mrpc_source"]  # doctest: +SKIP

    Used in: ``run_arm``.
    """
    _check_ctx(ctx)
    if not isinstance(trained, Trained):
        raise TypeError(f"trained must be a Trained, got {type(trained).__name__}.")
    track_cosine = check_bool("track_cosine", track_cosine)
    if predictions is not None and not isinstance(predictions, dict):
        raise TypeError(f"predictions must be a dict to fill or None, got {type(predictions).__name__}.")
    enc, data = ctx.encoded, ctx.data
    parts = [enc["mrpc_dev"], enc["mrpc_test"], enc["stsb_dev"]]
    sizes = np.cumsum([0] + [len(p["token_ids"]) for p in parts])
    out = model_zoo.predict_padded(ctx.models.joint, model_zoo.concat_rows(*parts),
                                   ctx.params.eval_batch_size)
    dev_of = {k: out[k][sizes[0]:sizes[1]] for k in out}
    test_of = {k: out[k][sizes[1]:sizes[2]] for k in out}
    y_dev, y_test = data["mrpc_dev"].labels, data["mrpc_test"].labels
    result: dict[str, Any] = {}
    sims = None
    if track_cosine or not trained.stsb:
        sims = _cosine(ctx, "stsb_dev")
        result["stsb_cosine_spearman"] = metrics.score_regression(data["stsb_dev"].labels,
                                                                  sims)["spearman"]
    if trained.mrpc:
        dev, test, threshold, source = dev_of["mrpc"], test_of["mrpc"], 0.5, "mrpc_head"
    elif trained.stsb:
        dev, test = dev_of["stsb"], test_of["stsb"]
        threshold = 2.5 if trained.merged else metrics.tune_threshold(y_dev, dev)
        source = "stsb_head>2.5" if trained.merged else "stsb_head, threshold tuned on dev"
    else:
        dev, test = _cosine(ctx, "mrpc_dev"), _cosine(ctx, "mrpc_test")
        threshold, source = metrics.tune_threshold(y_dev, dev), "cosine, threshold tuned on dev"
    for name, labels, scores in (("dev", y_dev, dev), ("test", y_test, test)):
        for metric, value in metrics.score_classification(labels, scores, threshold).items():
            result[f"mrpc_{name}_{metric}"] = value
    result["mrpc_source"] = source
    sts_scores = out["stsb"][sizes[2]:] if trained.stsb else sims
    sts = metrics.score_regression(data["stsb_dev"].labels, sts_scores)
    result["stsb_source"] = "stsb_head" if trained.stsb else "cosine (no STS-B head trained yet)"
    if predictions is not None:
        test = np.asarray(test, np.float32).reshape(-1)
        predictions["mrpc_test_score"] = test
        predictions["mrpc_test_correct"] = ((test >= threshold) == (y_test == 1)).astype(np.int8)
        predictions["stsb_dev_score"] = np.asarray(sts_scores, np.float32).reshape(-1)
    result["stsb_dev_spearman"], result["stsb_dev_pearson"] = sts["spearman"], sts["pearson"]
    return result


def _stage_zero(ctx: ArmContext) -> dict[str, Any]:
    key = (ctx.key, ())
    if key not in ctx.models.cache:
        restore_weights(ctx.models.encoder, ctx.models.pretrained)
        predictions: dict[str, np.ndarray] = {}
        t0 = time.perf_counter()
        ctx.models.cache[key] = {"stage": 0, "kind": "pretrained", "lr": None, "epochs": 0,
                                 "metrics": evaluate_stage(ctx, Trained(), True, predictions),
                                 "predictions": predictions, "drift": {},
                                 "drift_total": {}, "history": {},
                                 "seconds": time.perf_counter() - t0}
    return dict(ctx.models.cache[key], cached=True)


def run_arm(
    arm: str | tuple[str, ...],
    data: dict[str, Any],
    params: ArmParams | None = None,
    seed: int = 42,
    models: PairModels | None = None,
    tokenizer: Any = None,
) -> dict[str, Any]:
    """Runs one arm of the double fine-tuning experiment from the pretrained weights.

    Every stage starts from the previous stage's encoder; a head is fresh the first time
    an arm uses it and is kept afterwards (arm D's third stage keeps both trained heads).
    After every stage, and before the first ("stage 0", the checkpoint as downloaded), it
    measures MRPC dev/test accuracy and F1 and STS-B dev Spearman (``evaluate_stage``).
    Stages are deterministic given ``seed``; finished stage prefixes are cached in
    ``models`` so arm D reuses arm B's two stages (and B reuses D's) for the same seed.

    Args:
        arm: ``"A"``..``"E"``, a control ``"A+"``, ``"S"``, ``"R"`` (see ``ARMS``), or a tuple
            of stage kinds (``STAGE_KINDS``).
        data: ``{"stsb_train", "stsb_dev", "mrpc_train", "mrpc_dev", "mrpc_test"}`` ->
            ``SentencePairs``.
        params: ``ArmParams``; None uses the defaults.
        seed: Seed of head initialisation, shuffling and dropout.
        models: From ``build_pair_models``; None builds (and loads) the encoder.
        tokenizer: A ``PairTokenizer`` of ``params.max_length``; None loads one.

    Returns:
        ``{"arm", "stage_kinds", "seed", "stages": [stage 0, stage 1, ...], "seconds"}``
        where each stage has ``kind``, ``lr``, ``epochs``, ``metrics`` (dict),
        ``drift`` (per layer vs the stage's start), ``drift_total`` (vs pretrained),
        ``history`` (loss per epoch), ``seconds``, ``cached`` and ``predictions`` (the
        per-example outputs of ``evaluate_stage``: numpy arrays, not JSON; the script stores
        them in a compressed ``.npz`` beside its JSON).

    Raises:
        KeyError: Unknown arm or stage kind, or missing data keys.
        TypeError: bad data, params, models or tokenizer, or a seed that is not an int.
        ValueError: labels out of range (as ``check_data``), a seed outside [0, 2**32).

    Example:
        >>> result = run_arm("B", data, ArmParams(epochs=2), seed=1, models=models)
        >>> result["stages"][2]["metrics"]["mrpc_test_accuracy"]

    Used in: 06_double_fine_tuning.ipynb, scripts/double_finetune.py.
    """
    kinds = arm_stages(arm)
    check_data(data)
    params = ArmParams() if params is None else params
    if not isinstance(params, ArmParams):
        raise TypeError(f"params must be an ArmParams, got {type(params).__name__}.")
    seed = check_seed(seed)
    if models is not None and not isinstance(models, PairModels):
        raise TypeError(f"models must be a PairModels (build_pair_models) or None, got "
                        f"{type(models).__name__}.")
    models = models or model_zoo.build_pair_models(model_zoo.load_text_encoder())
    tokenizer = tokenizer or model_zoo.load_pair_tokenizer(params.max_length)
    ctx = prepare_arm(data, params, seed, models, tokenizer)
    started = time.perf_counter()
    stages = [_stage_zero(ctx)]
    groups = model_zoo.encoder_layer_groups(models.encoder)
    prefix: tuple = ()
    state = None  # weights and trained heads after the last stage
    for index, kind in enumerate(kinds):
        lr = params.stage_lr(index)
        prefix = prefix + ((kind, lr, params.epochs),)
        key = (ctx.key, prefix)
        if key in models.cache:
            stages.append(dict(models.cache[key]["record"], cached=True))
            state = models.cache[key]["state"]
            continue
        t0 = time.perf_counter()
        trained = start_stage(ctx, state).after(kind)
        before = snapshot_weights(models.encoder)
        history = train_stage(ctx, kind, lr, index)
        after = snapshot_weights(models.encoder)
        predictions: dict[str, np.ndarray] = {}
        record = {"stage": index + 1, "kind": kind, "lr": lr, "epochs": params.epochs,
                  "metrics": evaluate_stage(ctx, trained, params.track_cosine, predictions),
                  "predictions": predictions,
                  "drift": weight_drift(models.encoder, before, after, groups),
                  "drift_total": weight_drift(models.encoder, models.pretrained, after, groups),
                  "history": history, "seconds": time.perf_counter() - t0}
        state = {"encoder": after, "trained": trained,
                 "heads": {n: snapshot_weights(h) for n, h in models.heads.items()}}
        models.cache[key] = {"record": record, "state": state}
        stages.append(dict(record, cached=False))
    return {"arm": arm if isinstance(arm, str) else "+".join(kinds), "stage_kinds": list(kinds),
            "seed": seed, "stages": stages, "seconds": time.perf_counter() - started}
