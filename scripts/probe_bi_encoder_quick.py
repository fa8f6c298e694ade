"""Design probe for notebook 06's quick profile (issue 14): double fine-tuning as a bi-encoder.

The quick profile's cross-encoder cannot learn from a few hundred pairs (a fresh head on a
cross-encoding throws the checkpoint's zero-shot skill away). This probe measures the
alternative the issue names: the checkpoint's own formulation, a siamese bi-encoder, trained
only in its top ``--top`` transformer layers on cached activations of the layers below
(computed once per sentence), with

* STS-B: the cosine of the two mean-pooled embeddings regressed on score / 5 (MSE, the
  sentence-transformers CosineSimilarityLoss);
* MRPC: a Dense head on ``[u * v, |u - v|]`` (``PairFeatures``), linear-probed first on the
  frozen embeddings, then fine-tuned with the top layers (LP-FT).

Arms: A (MRPC), B (STS-B -> MRPC), S (shuffled STS-B scores -> MRPC), A+ (MRPC at B's steps).
Prints MRPC dev/test accuracy, STS-B dev Spearman of the cosine after each stage, and seconds.

Measured once (2026-12-02, seed 42, 1,000 pairs per task, top 2 of 6 layers, 2 epochs at 5e-5,
2 CPU cores shared with two other jobs): zero-shot STS-B 0.867; A: MRPC test 0.713, STS-B after
0.872; B: STS-B 0.876 after stage 1, 0.880 after MRPC, MRPC test 0.716. So this formulation
keeps the zero-shot skill, but at this size and recipe shows neither a gain from stage 1 nor
forgetting; caching took 100 s and an MRPC arm 115 s. Next: >= 5 seeds, larger rates / more
steps, and the S and A+ controls before choosing the quick design.

    python scripts/probe_bi_encoder_quick.py --seed 42 --pairs 1000 --top 2
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np
from keras import ops
from scipy.stats import spearmanr

from utils import data, models
from utils.models.pooling import PairFeatures


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--pairs", type=int, default=1000, help="training pairs per task")
    p.add_argument("--eval-pairs", type=int, default=800, help="STS-B dev and MRPC test pairs")
    p.add_argument("--top", type=int, default=2, help="transformer layers that train")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--arms", nargs="+", default=["A", "B", "S", "A+"])
    return p.parse_args()


def build(encoder, top: int):
    """The frozen lower part (tokens -> hidden states) and the STS-B / MRPC models on top."""
    lower, top_layers = models.lower_layers(encoder, top)  # the library's cut (models.split)

    def embed(h, m):
        for layer in top_layers:
            h = layer(h, padding_mask=m)
        return keras.layers.GlobalAveragePooling1D()(h, mask=m)

    hidden = encoder.hidden_dim
    inputs = {"h1": keras.Input((None, hidden), name="h1"), "m1": keras.Input((None,), dtype="bool", name="m1"),
              "h2": keras.Input((None, hidden), name="h2"), "m2": keras.Input((None,), dtype="bool", name="m2")}
    u, v = embed(inputs["h1"], inputs["m1"]), embed(inputs["h2"], inputs["m2"])
    unit = [t / ops.maximum(ops.norm(t, axis=-1, keepdims=True), 1e-9) for t in (u, v)]
    sts = keras.Model(inputs, ops.sum(unit[0] * unit[1], axis=-1, keepdims=True))
    norm = keras.layers.LayerNormalization(name="feature_norm")
    clf = keras.layers.Dense(1, activation="sigmoid", name="clf")
    features = PairFeatures()(u, v)
    mrpc = keras.Model(inputs, clf(norm(features)))
    feature_model = keras.Model(inputs, features)
    head_in = keras.Input((2 * hidden,))
    head = keras.Model(head_in, clf(norm(head_in)))
    return lower, sts, mrpc, feature_model, head, clf


def main() -> None:
    args = parse_args()
    keras.utils.set_random_seed(args.seed)
    started = time.time()
    encoder = models.load_text_encoder()
    d = {"sts_tr": data.load_pairs("stsb", "train", n=args.pairs, seed=args.seed),
         "sts_dev": data.load_pairs("stsb", "validation", n=args.eval_pairs, seed=0),
         "mr_tr": data.load_pairs("mrpc", "train", n=args.pairs, seed=args.seed),
         "mr_dev": data.load_pairs("mrpc", "validation"),
         "mr_te": data.load_pairs("mrpc", "test", n=args.eval_pairs, seed=0)}
    lower, sts, mrpc, feature_model, head, clf = build(encoder, args.top)

    def cache(sentences, length):  # STS-B 32 tokens (4 % cut), MRPC 40 (3 % cut)
        x = models.encode_sentences(list(sentences), models.load_pair_tokenizer(length))
        return lower.predict(x, batch_size=64, verbose=0), x["padding_mask"].astype(bool)

    arrays = {}
    for key, pairs in d.items():
        length = 32 if key.startswith("sts") else 40
        (h1, m1), (h2, m2) = cache(pairs.sentence1, length), cache(pairs.sentence2, length)
        arrays[key] = {"h1": h1, "m1": m1, "h2": h2, "m2": m2}
    print(f"cached lower layers in {time.time() - started:.0f} s", flush=True)
    start_weights = [w.numpy() for w in mrpc.weights]

    def spearman() -> float:
        cos = sts.predict(arrays["sts_dev"], batch_size=256, verbose=0)[:, 0]
        return float(spearmanr(cos, d["sts_dev"].labels).statistic)

    def accuracy(key: str) -> float:
        p = mrpc.predict(arrays[key], batch_size=256, verbose=0)[:, 0]
        return float(((p >= 0.5) == (d[key].labels == 1)).mean())

    def fit(model, x, y, loss, epochs):
        model.compile(keras.optimizers.AdamW(args.lr, weight_decay=0.01, clipnorm=1.0), loss=loss)
        keras.utils.set_random_seed(args.seed)
        model.fit(x, y, batch_size=32, epochs=epochs, verbose=0)

    def mrpc_stage(epochs: int) -> None:
        f = feature_model.predict(arrays["mr_tr"], batch_size=256, verbose=0)
        clf.kernel.assign(np.zeros(clf.kernel.shape, "float32"))
        clf.bias.assign(np.zeros(clf.bias.shape, "float32"))
        head.compile(keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
        keras.utils.set_random_seed(args.seed)
        y = d["mr_tr"].labels.astype("float32")
        head.fit(f, y, batch_size=32, epochs=20, verbose=0)  # LP
        fit(mrpc, arrays["mr_tr"], y, "binary_crossentropy", epochs)  # FT

    print(f"zero-shot STS-B dev Spearman {spearman():.3f}", flush=True)
    batches = -(-args.pairs // 32)
    for arm in args.arms:
        for w, value in zip(mrpc.weights, start_weights):
            w.assign(value)
        t0, row = time.time(), {}
        if arm in ("B", "S"):
            y = (d["sts_tr"].labels / 5.0).astype("float32")
            if arm == "S":
                y = np.random.default_rng(args.seed).permutation(y)
            fit(sts, arrays["sts_tr"], y, "mse", args.epochs)
            row["stsb_after_1"] = spearman()
        mrpc_stage(args.epochs * 2 if arm == "A+" else args.epochs)  # A+: B's steps (equal sizes)
        row.update(stsb_end=spearman(), mrpc_dev=accuracy("mr_dev"), mrpc_test=accuracy("mr_te"),
                   seconds=time.time() - t0)
        print(arm, {k: round(v, 3) for k, v in row.items()}, f"({batches} batches/epoch)", flush=True)


if __name__ == "__main__":
    main()
