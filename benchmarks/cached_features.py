"""Times a head trained on cached features against the frozen base inside the model, per epoch.

Notebook 02's comparison, measured properly: the same frozen ImageNet MobileNetV2, the same
dropout + softmax head, the same epochs, two ways of training the head:

- in the model: every epoch runs each image through the augmentation and the frozen base;
- cached: the base runs once (feature extraction), then the head trains on the vectors.

The first epoch of each also traces the training step into a graph, a one-off cost, so the
headline is the median epoch *after* the first (what every further epoch, another head or
another dropout costs); the whole run (extraction included) is printed next to it. Accuracies
are printed with their difference, which should stay within the stated margin (0.10, the noise
of a 120-image test set: notebook 02).

Usage:  python benchmarks/cached_features.py [--epochs 6] [--image-size 144] [--seed 42]
        [--repeats 1] [--json out.json]
Runs offline with TL_DATA_DIR / TL_WEIGHTS_DIR (or ../shared); profile from TL_PROFILE.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import keras
import numpy as np

from utils import config, data, freezing, models

MARGIN = 0.10  # largest accepted accuracy difference (notebook 02's margin)


class EpochTimer(keras.callbacks.Callback):
    """Wall time of every epoch (the first one includes tracing)."""

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.started)


def compile_(model: keras.Model, lr: float) -> keras.Model:
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def in_model(flowers, backbone, epochs: int, batch: int, lr: float) -> dict:
    classifier = models.build_classifier(backbone, flowers.num_classes, dropout=0.2, augment=True,
                                         training_flag=False)
    compile_(classifier, lr)
    timer, start = EpochTimer(), time.perf_counter()
    classifier.fit(flowers.x_train, flowers.y_train, batch_size=batch, epochs=epochs,
                   validation_data=(flowers.x_val, flowers.y_val), verbose=0, callbacks=[timer])
    total = time.perf_counter() - start
    acc = classifier.evaluate(flowers.x_test, flowers.y_test, verbose=0)[1]
    return {"epoch_times": timer.times, "total_s": total, "test_acc": float(acc)}


def cached(flowers, backbone, epochs: int, batch: int, lr: float) -> dict:
    extractor = keras.Sequential([backbone, keras.layers.GlobalAveragePooling2D()])
    start = time.perf_counter()
    feats = [extractor.predict(x, batch_size=64, verbose=0)
             for x in (flowers.x_train, flowers.x_val, flowers.x_test)]
    extract_s = time.perf_counter() - start
    head = compile_(keras.Sequential([keras.Input(feats[0].shape[1:]), keras.layers.Dropout(0.2),
                                      keras.layers.Dense(flowers.num_classes, activation="softmax")]),
                    lr)
    timer = EpochTimer()
    head.fit(feats[0], flowers.y_train, batch_size=batch, epochs=epochs,
             validation_data=(feats[1], flowers.y_val), verbose=0, callbacks=[timer])
    total = time.perf_counter() - start
    acc = head.evaluate(feats[2], flowers.y_test, verbose=0)[1]
    return {"epoch_times": timer.times, "total_s": total, "extract_s": extract_s,
            "test_acc": float(acc)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--image-size", type=int, default=144)
    parser.add_argument("--alpha", type=float, default=0.35)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each way (new model each)")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be >= 2: the first epoch is traced, the per-epoch time needs more")

    keras.utils.set_random_seed(args.seed)
    flowers = data.load_flowers(image_size=args.image_size, seed=args.seed)
    backbone = freezing.freeze_all(models.load_backbone(alpha=args.alpha, image_size=args.image_size))
    runs = {"in_model": [], "cached": []}
    for _ in range(args.repeats):
        runs["in_model"].append(in_model(flowers, backbone, args.epochs, 32, 3e-3))
        runs["cached"].append(cached(flowers, backbone, args.epochs, 32, 3e-3))

    def per_epoch(way: str) -> float:  # median over every epoch after the first, all repeats
        return float(np.median([t for r in runs[way] for t in r["epoch_times"][1:]]))

    def mean(way: str, key: str) -> float:
        return float(np.mean([r[key] for r in runs[way]]))

    summary = {
        "per_epoch_s": {way: per_epoch(way) for way in runs},
        "first_epoch_s": {way: float(np.mean([r["epoch_times"][0] for r in runs[way]])) for way in runs},
        "whole_run_s": {way: mean(way, "total_s") for way in runs},
        "extract_s": mean("cached", "extract_s"),
        "test_acc": {way: mean(way, "test_acc") for way in runs},
    }
    summary["per_epoch_ratio"] = summary["per_epoch_s"]["in_model"] / summary["per_epoch_s"]["cached"]
    summary["whole_run_ratio"] = summary["whole_run_s"]["in_model"] / summary["whole_run_s"]["cached"]
    summary["acc_difference"] = abs(summary["test_acc"]["in_model"] - summary["test_acc"]["cached"])
    summary["setup"] = {"epochs": args.epochs, "image_size": args.image_size, "alpha": args.alpha,
                        "seed": args.seed, "repeats": args.repeats, "train_images": len(flowers.y_train),
                        "profile": config.get_profile(), "backend": keras.backend.backend(),
                        "keras": keras.__version__, "cpus": os.cpu_count(),
                        "machine": platform.processor() or platform.machine()}

    s = summary
    print(f"{len(flowers.y_train)} training images, {args.image_size}px, alpha {args.alpha}, "
          f"{args.epochs} epochs, seed {args.seed}, {args.repeats} repeat(s), {os.cpu_count()} CPUs")
    print(f"{'':22s}{'in the model':>14s}{'cached':>12s}")
    print(f"{'first (traced) epoch':22s}{s['first_epoch_s']['in_model']:13.2f}s{s['first_epoch_s']['cached']:11.3f}s")
    print(f"{'epoch after the first':22s}{s['per_epoch_s']['in_model']:13.3f}s{s['per_epoch_s']['cached']:11.4f}s")
    print(f"{'whole run':22s}{s['whole_run_s']['in_model']:13.1f}s{s['whole_run_s']['cached']:11.1f}s"
          f"  (extraction {s['extract_s']:.1f} s)")
    print(f"{'test accuracy':22s}{s['test_acc']['in_model']:14.3f}{s['test_acc']['cached']:12.3f}")
    print(f"per-epoch speed-up {s['per_epoch_ratio']:.0f}x (target >= 10x), whole run "
          f"{s['whole_run_ratio']:.1f}x; accuracy difference {s['acc_difference']:.3f} "
          f"({'within' if s['acc_difference'] <= MARGIN else 'OUTSIDE'} the {MARGIN} margin)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"summary": summary, "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main()
