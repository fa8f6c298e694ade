"""Design probe for notebook 06's quick run: can fine-tuning twice be measured, with its controls, on a CPU?

Runs ``forgetting.sequential_controls`` (arms A, A+, B and the controls S and R on the
bi-encoder of notebook 09: the top transformer layer trains on cached lower layers, STS-B is
scored by the cosine with no head) for each seed and stage-2 rate, and writes every record to
``results/probes/06_sequential_controls.quick.json``, printing the paired differences a
notebook could assert: B - A and B - A+ (does stage 1 help MRPC, beyond more steps?), B - S
(does it need STS-B's signal?), the forgetting of STS-B (B's stage 1 minus its end) and of
MRPC (R).

    python scripts/probe_controls_quick.py --seeds 1 2 3 7 42 --rates 3e-4 1e-3
"""

from __future__ import annotations

import argparse
import json
import time

import keras
import numpy as np

from utils import config, data, metrics, models, results
from utils.experiments import forgetting

OUT = config.PROJECT_ROOT / "results" / "probes" / "06_sequential_controls.quick.json"


def quick_tasks(top: int, seeds: list[int], pairs: int):
    """Notebook 06's quick bi-encoder and data, seed by seed (also used by probe_recipes_quick.py).

    Yields ``(bi, pretrained, seed, tasks, zero_shot)``: the bi-encoder (``top`` layers train)
    back at the downloaded weights, the seed's ``pairs`` training pairs a task with the fixed
    evaluation splits (400 STS-B dev, all MRPC dev, 400 MRPC test pairs, 32 tokens), cached.
    """
    bi = models.build_bi_encoder(models.load_text_encoder(), top=top)
    pretrained = forgetting.top_snapshot(bi)
    tokenizer = models.load_pair_tokenizer(32)
    fixed = {"stsb_dev": data.load_pairs("stsb", "validation", n=400, seed=0),
             "mrpc_dev": data.load_pairs("mrpc", "validation"),
             "mrpc_test": data.load_pairs("mrpc", "test", n=400, seed=0)}
    cached_fixed = {k: (models.cache_pairs(bi, v, tokenizer), v.labels) for k, v in fixed.items()}
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        train = {"stsb_train": data.load_pairs("stsb", "train", n=pairs, seed=seed),
                 "mrpc_train": data.load_pairs("mrpc", "train", n=pairs, seed=seed)}
        tasks = {**cached_fixed, **{k: (models.cache_pairs(bi, v, tokenizer), v.labels) for k, v in train.items()}}
        forgetting.set_top(bi, pretrained)
        yield bi, pretrained, seed, tasks, forgetting.stsb_spearman(bi, *tasks["stsb_dev"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 7, 42])
    p.add_argument("--rates", type=float, nargs="+", default=[3e-4, 1e-3])
    p.add_argument("--pairs", type=int, default=640, help="training pairs per task")
    p.add_argument("--steps", type=int, nargs=2, default=[40, 40], help="steps of stage 1 and stage 2")
    p.add_argument("--top", type=int, default=1)
    args = p.parse_args()
    records = []
    for bi, pretrained, seed, tasks, zero_shot in quick_tasks(args.top, args.seeds, args.pairs):
        for rate in args.rates:
            t0 = time.time()
            out = forgetting.sequential_controls(bi, tasks, pretrained, *args.steps, 1e-4, rate, seed)
            records.append({"seed": seed, "lr_2": rate, "zero_shot": zero_shot, "arms": out,
                            "seconds": round(time.time() - t0, 1)})
            b = out["B"]
            print(f"seed {seed} lr_2 {rate:g} ({time.time() - t0:.0f} s): zero-shot {zero_shot:.3f}; MRPC test "
                  + ", ".join(f"{a} {r['mrpc_test']:.3f}" for a, r in out.items())
                  + f"; STS-B after stage 1 {b['stsb_after_1']:.3f} (S {out['S']['stsb_after_1']:.3f}), B end "
                  f"{b['stsb_dev']:.3f}; R: MRPC {out['R']['mrpc_test_after_1']:.3f} -> {out['R']['mrpc_test']:.3f}",
                  flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"args": vars(args), "hardware": results.describe_hardware(),
                               "environment": config.describe_environment(), "records": records}, indent=1) + "\n")
    for rate in args.rates:
        rs = [r for r in records if r["lr_2"] == rate]
        if len(rs) < 2:
            continue
        arm = {a: np.array([r["arms"][a]["mrpc_test"] for r in rs]) for a in forgetting.CONTROLS}
        print(f"lr_2 {rate:g}, {len(rs)} seeds, paired 95 % CI:")
        for a, b in (("A", "B"), ("A+", "B"), ("S", "B"), ("A", "A+")):
            ci = metrics.paired_interval(arm[a], arm[b])
            print(f"  MRPC {b} - {a}: {ci['mean']:+.3f} [{ci['low']:+.3f}, {ci['high']:+.3f}] "
                  f"min {(arm[b] - arm[a]).min():+.3f}")
        for name, before, after in (
                ("STS-B forgot (B)", [r["arms"]["B"]["stsb_after_1"] for r in rs], [r["arms"]["B"]["stsb_dev"] for r in rs]),
                ("STS-B stage 1 - zero-shot", [r["zero_shot"] for r in rs], [r["arms"]["B"]["stsb_after_1"] for r in rs]),
                ("STS-B shuffled stage 1 - zero-shot", [r["zero_shot"] for r in rs], [r["arms"]["S"]["stsb_after_1"] for r in rs]),
                ("MRPC forgot (R)", [r["arms"]["R"]["mrpc_test"] for r in rs], [r["arms"]["R"]["mrpc_test_after_1"] for r in rs])):
            d = np.array(after) - np.array(before)
            print(f"  {name}: {d.mean():+.3f}, min {d.min():+.3f}, max {d.max():+.3f}")


if __name__ == "__main__":
    main()
