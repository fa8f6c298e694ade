"""Recipe probe for notebook 06: do the case study's verdicts survive another recipe?

Runs ``forgetting.sequential_controls`` (arms A, A+, B, S, R on the bi-encoder, at the quick
sizes of notebook 06: 640 pairs a task, 32 tokens, the top layer trains, 40 + 40 steps) for
each recipe and seed. A recipe changes one thing from the base (AdamW with weight decay 0.01,
constant rates 1e-4 for STS-B and 1e-3 for MRPC, clipnorm 1):

* ``lr_2`` 3e-4 and 3e-3 (with the base 1e-3: three stage-2 rates);
* ``lr_1`` 3e-5 and 3e-4 (three stage-1 rates);
* ``warmup_linear``: 10 % linear warmup, then linear decay to 0, in every stage;
* ``adam``: Adam instead of AdamW (no weight decay).

Every record (recipe, seed, zero-shot, every arm's scores) goes to
``results/probes/06_recipes.quick.json``; notebook 06 renders the verdicts per recipe (paired
95 % intervals over the seeds, ddof = 1) and a gain-vs-forgetting scatter from it. Seeds can be
split over processes (``--out`` each, then ``--merge``): on 2 cores two single-threaded
processes finish sooner than one with both threads.

    python scripts/probe_recipes_quick.py --seeds 1 2 3 7 42
    python scripts/probe_recipes_quick.py --seeds 1 2 3 --out /tmp/a.json &
    python scripts/probe_recipes_quick.py --seeds 7 42 --out /tmp/b.json; wait
    python scripts/probe_recipes_quick.py --merge /tmp/a.json /tmp/b.json [--reuse-controls]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from probe_controls_quick import quick_tasks  # noqa: E402  (scripts/ is on sys.path when run as a script)

from utils import config, results
from utils.experiments import forgetting

OUT = config.PROJECT_ROOT / "results" / "probes" / "06_recipes.quick.json"
BASE = {"lr_1": 1e-4, "lr_2": 1e-3, "optimizer": "adamw", "schedule": "constant"}
RECIPES = {"base": {}, "lr_2=3e-4": {"lr_2": 3e-4}, "lr_2=3e-3": {"lr_2": 3e-3},
           "lr_1=3e-5": {"lr_1": 3e-5}, "lr_1=3e-4": {"lr_1": 3e-4},
           "warmup_linear": {"schedule": "warmup_linear"}, "adam": {"optimizer": "adam"}}


def write(path: Path, payload: dict) -> None:
    """Writes ``payload`` through a temporary file, so a stopped run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


# Recipes that scripts/probe_controls_quick.py also ran (the same function, sizes and data): its
# file's records can stand in for them (merge --reuse-controls), checked equal where both ran
CONTROLS_FILE = config.PROJECT_ROOT / "results" / "probes" / "06_sequential_controls.quick.json"
SAME_AS_CONTROLS = {"base": 1e-3, "lr_2=3e-4": 3e-4}


def reuse_controls(records: list[dict], controls: dict) -> list[dict]:
    """``records`` plus the controls probe's runs of ``SAME_AS_CONTROLS`` for seeds they lack.

    Raises:
        SystemExit: a (recipe, seed) in both whose numbers differ: then they are not the same run.
    """
    have = {(r["recipe"], r["seed"]): r for r in records}
    added = []
    for name, lr_2 in SAME_AS_CONTROLS.items():
        for rec in controls["records"]:
            if rec["lr_2"] != lr_2:
                continue
            mine = have.get((name, rec["seed"]))
            if mine is not None:
                if mine["arms"] != rec["arms"] or mine["zero_shot"] != rec["zero_shot"]:
                    raise SystemExit(f"{name}, seed {rec['seed']}: this probe and {CONTROLS_FILE.name} differ")
                mine["checked_against"] = CONTROLS_FILE.name
                continue
            added.append({"recipe": name, **BASE, **RECIPES[name], "seed": rec["seed"], "zero_shot": rec["zero_shot"],
                          "arms": rec["arms"], "seconds": rec["seconds"], "source": CONTROLS_FILE.name})
    return records + added


def merge(paths: list[Path], controls: dict | None = None) -> dict:
    """One payload from several runs of this script (their records, the first run's settings).

    With ``controls`` (the controls probe's payload) the recipes it also ran are filled in from
    it for the seeds these runs lack (``reuse_controls``).
    """
    parts = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    keys = {(r["recipe"], r["seed"]) for p in parts for r in p["records"]}
    if len(keys) != sum(len(p["records"]) for p in parts):
        raise SystemExit(f"the files {[str(p) for p in paths]} share a (recipe, seed): merge runs of other seeds")
    first = parts[0]
    first["args"]["seeds"] = sorted({s for p in parts for s in p["args"]["seeds"]})
    first["recipes"] = {k: v for name in RECIPES for p in parts for k, v in p["recipes"].items() if k == name}
    first["args"]["recipes"] = list(first["recipes"])
    first["records"] = [r for p in parts for r in p["records"]]
    if controls is not None:
        first["records"] = reuse_controls(first["records"], controls)
        first["recipes"] = {name: RECIPES[name] for name in RECIPES if any(r["recipe"] == name for r in first["records"])}
        first["args"]["recipes"] = list(first["recipes"])
        first["args"]["seeds"] = sorted({r["seed"] for r in first["records"]})
    first["runs"] = [{"hardware": p["hardware"], "environment": p["environment"], "seeds": p["args"]["seeds"]}
                     for p in parts]
    return first


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 7, 42])
    p.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--merge", type=Path, nargs="+", help="merge these runs' files into --out and stop")
    p.add_argument("--reuse-controls", action="store_true",
                   help=f"with --merge: take {', '.join(SAME_AS_CONTROLS)} from {CONTROLS_FILE.name} for the "
                        "seeds the runs lack (checked equal where both ran)")
    args = p.parse_args()
    if args.merge:
        controls = json.loads(CONTROLS_FILE.read_text(encoding="utf-8")) if args.reuse_controls else None
        write(args.out, merge(args.merge, controls))
        print(f"wrote {args.out}")
        return
    records = []
    for bi, pretrained, seed, tasks, zero_shot in quick_tasks(1, args.seeds, 640):
        for name in args.recipes:
            recipe = {**BASE, **RECIPES[name]}
            t0 = time.time()
            out = forgetting.sequential_controls(
                bi, tasks, pretrained, 40, 40, recipe["lr_1"], recipe["lr_2"], seed,
                recipe={"optimizer": recipe["optimizer"], "schedule": recipe["schedule"]})
            records.append({"recipe": name, **recipe, "seed": seed, "zero_shot": zero_shot, "arms": out,
                            "seconds": round(time.time() - t0, 1)})
            b = out["B"]
            print(f"seed {seed} {name} ({time.time() - t0:.0f} s): MRPC test "
                  + ", ".join(f"{a} {r['mrpc_test']:.3f}" for a, r in out.items())
                  + f"; STS-B {zero_shot:.3f} -> {b['stsb_after_1']:.3f} -> {b['stsb_dev']:.3f}", flush=True)
            write(args.out, {"args": {"seeds": args.seeds, "recipes": args.recipes, "pairs": 640, "steps": [40, 40],
                                      "top": 1, "length": 32, "eval": 400},
                             "base": BASE, "recipes": {k: RECIPES[k] for k in args.recipes},
                             "hardware": results.describe_hardware(), "environment": config.describe_environment(),
                             "records": records})


if __name__ == "__main__":
    main()
