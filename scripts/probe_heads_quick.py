"""Design probe for notebook 07's quick run: fine-tune the top layers on cached activations?

Notebook 07's quick profile used to fine-tune all six transformer layers with each head
(2 epochs of 640 MRPC pairs at 64 tokens): the slowest cell of CI's TensorFlow pass and of
its Colab job. This probe runs the notebook's arms with the encoder cut below its top
``--tops`` layers (``models.split_encoder``: the lower layers run once, cached) and, with
``--full-encoder``, the old all-layer fine-tune too, on each seed, and writes every record to
``results/probes/07_top_layers.quick.json``. It prints what notebook 07 asserts: the
fine-tuned heads' mean dev accuracy minus the same heads on the frozen encoder, and the frozen
BiLSTM minus the best frozen Dense head; plus the seconds each arm took.

    python scripts/probe_heads_quick.py --seeds 1 2 3 7 42 --tops 2 3 --full-encoder
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import keras
import numpy as np

from utils import config, data, experiments, models, results, weights

OUT = config.PROJECT_ROOT / "results" / "probes" / "07_top_layers.quick.json"
FINE_TUNED = ("cls", "bilstm")


def summarize(records: list[dict], seeds: list[int], tops: list[int]) -> dict:
    """Per top: each seed's fine-tuned minus frozen mean dev accuracy (the two fine-tuned heads)
    and the frozen BiLSTM minus the best frozen Dense head; printed with min, mean and std."""
    summary = {}
    for top in sorted({r["top"] for r in records if r["arm"] == "fine-tuned"}):
        rows = []
        for seed in seeds:
            acc = {(r["arm"], r["head"]): r["dev_accuracy"] for r in records
                   if r["seed"] == seed and (r["top"] == top or r["arm"] == "frozen" and r["top"] == tops[0])}
            tuned = np.mean([acc["fine-tuned", h] for h in FINE_TUNED])
            frozen = np.mean([acc["frozen", h] for h in FINE_TUNED])
            rows.append({"seed": seed, "tuned_minus_frozen": round(float(tuned - frozen), 4),
                         "frozen_bilstm_minus_best_dense": round(float(
                             acc["frozen", "bilstm"] - max(acc["frozen", "cls"], acc["frozen", "mean"])), 4)})
        summary[str(top)] = rows
        gaps = [r["tuned_minus_frozen"] for r in rows]
        print(f"top {top}: fine-tuned - frozen (same heads), min {min(gaps):+.3f}, mean {np.mean(gaps):+.3f}, "
              f"std {np.std(gaps, ddof=1) if len(gaps) > 1 else 0:.3f}; frozen BiLSTM - best Dense max "
              f"{max(r['frozen_bilstm_minus_best_dense'] for r in rows):+.3f}")
    return summary


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 7, 42])
    p.add_argument("--tops", type=int, nargs="+", default=[2])
    p.add_argument("--full-encoder", action="store_true", help="also fine-tune every layer (the old quick run)")
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--merge", nargs="+", help="write --out from these probe files (no training)")
    args = p.parse_args()
    if args.merge:
        parts = [json.loads(Path(f).read_text()) for f in args.merge]
        records = [r for part in parts for r in part["records"]]
        seeds = sorted({r["seed"] for r in records})
        tops = sorted({r["top"] for r in records if r["arm"] == "frozen"})
        out = Path(args.out)
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps({"args": vars(args), "merged": [p["args"] for p in parts],
                                   "dates": sorted({p["date"] for p in parts}),
                                   "hardware": parts[0]["hardware"], "records": records,
                                   "summary": summarize(records, seeds, tops)}, indent=1) + "\n")
        tmp.replace(out)
        print("wrote", out)
        return
    encoder = models.load_text_encoder()
    tokenizer = models.load_pair_tokenizer(64)
    dev = data.load_pairs("mrpc", "validation")
    records, started = [], time.perf_counter()
    for seed in args.seeds:
        keras.utils.set_random_seed(seed)
        train = data.load_pairs("mrpc", "train").sample(640, seed=seed)
        x_train, x_dev = models.encode_pairs(train, tokenizer), models.encode_pairs(dev, tokenizer)
        for top in args.tops:
            split = models.split_encoder(encoder, top)
            t0 = time.perf_counter()
            cached = {"train": split.cache(x_train), "dev": split.cache(x_dev)}
            feats = {k: split.features(v) for k, v in cached.items()}
            cache_s = time.perf_counter() - t0
            pretrained = weights.snapshot_weights(split.upper)
            for head in models.HEADS:
                r = experiments.run_head_arm(head, (feats["train"], train.labels),
                                             {"dev": (feats["dev"], dev.labels)}, epochs=10,
                                             lr=1e-3, batch_size=32, seed=seed, lstm_units=64)
                records.append({"seed": seed, "top": top, "arm": "frozen", "head": head,
                                "dev_accuracy": r["dev_accuracy"], "seconds": r["seconds"]})
            for head in FINE_TUNED:
                r = experiments.run_head_arm(head, (cached["train"], train.labels),
                                             {"dev": (cached["dev"], dev.labels)}, encoder=split,
                                             pretrained=pretrained, epochs=2, lr=1e-4,
                                             batch_size=32, seed=seed, lstm_units=64)
                records.append({"seed": seed, "top": top, "arm": "fine-tuned", "head": head,
                                "dev_accuracy": r["dev_accuracy"], "seconds": r["seconds"],
                                "cache_seconds": round(cache_s, 1)})
                print(f"seed {seed} top {top} {head}: dev {r['dev_accuracy']:.3f} ({r['seconds']:.0f} s)",
                      flush=True)
            weights.restore_weights(split.upper, pretrained)
        if args.full_encoder:
            pretrained = weights.snapshot_weights(encoder)
            for head in FINE_TUNED:
                r = experiments.run_head_arm(head, (x_train, train.labels), {"dev": (x_dev, dev.labels)},
                                             encoder=encoder, pretrained=pretrained, epochs=2,
                                             lr=1e-4, batch_size=32, seed=seed, lstm_units=64)
                records.append({"seed": seed, "top": 6, "arm": "fine-tuned", "head": head,
                                "dev_accuracy": r["dev_accuracy"], "seconds": r["seconds"]})
                print(f"seed {seed} all layers {head}: dev {r['dev_accuracy']:.3f} ({r['seconds']:.0f} s)",
                      flush=True)
            weights.restore_weights(encoder, pretrained)
    summary = summarize(records, args.seeds, args.tops)
    out = Path(args.out)
    tmp = out.with_suffix(".tmp")  # written whole, then moved: never half a file
    tmp.write_text(json.dumps({"args": vars(args), "date": time.strftime("%Y-%m-%d"),
                               "hardware": results.describe_hardware(),
                               "seconds": round(time.perf_counter() - started),
                               "records": records, "summary": summary}, indent=1) + "\n")
    tmp.replace(out)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
