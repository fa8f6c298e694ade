"""Design probe for notebook 09: how hard must a naive stage 2 push before it forgets?

Notebook 09 compares remedies for forgetting; they can only be compared where the naive second
fine-tune does forget. This runs the notebook's stage 1 (STS-B, 40 steps at 1e-4 on the top
transformer layer over cached lower layers) and then the naive stage 2 (MRPC, LP-FT) at several
rates and step counts, printing what STS-B kept and what MRPC reached.

Measured (2026-12-03, seed 42, 640 training pairs per task, STS-B dev 400 pairs, MRPC test 400,
top 1 layer, 2 CPU cores shared with other jobs): stage 1 took STS-B dev Spearman to 0.868; the
naive stage 2 then forgot

* 40 steps at 3e-4: -0.003 (MRPC dev 0.748, test 0.730); at 1e-3: +0.008 (MRPC dev 0.740, test 0.728)
* 40 steps at 3e-3: +0.083 (MRPC dev 0.718, test 0.708); 80 steps at 3e-3: +0.079 (test 0.670)
* 40 steps at 1e-2: +0.420 (MRPC dev 0.691, test 0.703)

so the notebook's naive stage runs at 3e-3, a rate that forgets, and its "lower rate" remedy at
3e-4, which MRPC's dev set also prefers: the naive stage is an over-pushed second fine-tune on
purpose, since remedies can only be compared where there is forgetting to remedy. Each stage-2 run
took 15-70 s here (shared cores).

    python scripts/probe_forgetting_rates.py --seed 42 --top 1 --rates 3e-4 1e-3 3e-3 1e-2 --steps 40
"""

from __future__ import annotations

import argparse
import time

import keras

from utils import data, models
from utils.experiments import forgetting


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--top", type=int, default=1, help="transformer layers that train")
    p.add_argument("--pairs", type=int, default=640, help="training pairs per task")
    p.add_argument("--rates", type=float, nargs="+", default=[3e-4, 1e-3, 3e-3, 1e-2])
    p.add_argument("--steps", type=int, nargs="+", default=[40])
    args = p.parse_args()
    keras.utils.set_random_seed(args.seed)
    bi = models.build_bi_encoder(models.load_text_encoder(), top=args.top)
    tokenizer = models.load_pair_tokenizer(32)
    pairs = {"stsb_train": data.load_pairs("stsb", "train", n=args.pairs, seed=args.seed),
             "stsb_dev": data.load_pairs("stsb", "validation", n=400, seed=0),
             "mrpc_train": data.load_pairs("mrpc", "train", n=args.pairs, seed=args.seed),
             "mrpc_dev": data.load_pairs("mrpc", "validation"),
             "mrpc_test": data.load_pairs("mrpc", "test", n=400, seed=0)}
    tasks = {k: (models.cache_pairs(bi, v, tokenizer), v.labels) for k, v in pairs.items()}
    stage1 = forgetting.stage1(bi, tasks, 40, 1e-4, args.seed)
    after_1 = forgetting.stsb_spearman(bi, *tasks["stsb_dev"])
    print(f"stage 1: STS-B dev Spearman {after_1:.3f}", flush=True)
    forgetting.probe_head(bi, *tasks["mrpc_train"], seed=args.seed)
    head = forgetting.head_snapshot(bi)
    for steps in args.steps:
        for rate in args.rates:
            t0 = time.time()
            r = forgetting.stage2("naive", bi, tasks, stage1, head, steps, rate, args.seed)
            print(f"{steps} steps at {rate:g}: MRPC dev {r['mrpc_dev']:.3f} test {r['mrpc_test']:.3f}; "
                  f"STS-B {r['stsb_dev']:.3f}, forgot {after_1 - r['stsb_dev']:+.3f} ({time.time() - t0:.0f} s)",
                  flush=True)


if __name__ == "__main__":
    main()
