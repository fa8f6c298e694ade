"""Runs a notebook once per seed and keeps each run's record: where a notebook's margins come from.

A notebook asserts its quick-profile claims with margins; the margins are justified by the
spread over >= 5 seeds. This script makes that spread a file instead of a sentence typed by
hand: for each seed it executes the notebook (a fresh kernel, `TL_SEED=<seed>`,
`TL_RECORD_RESULTS=1`, the profile in TL_PROFILE) and copies the record the notebook's last
cell writes (`results/<stem>.<profile>.json`) to `results/seeds/<stem>.<profile>.seed<N>.json`,
adding whether every cell passed. The notebook then renders the spread from those files
(`results.load_seed_records`).

A failing cell does not stop the run (`--allow-errors`): a seed on which an assertion fails is
exactly what the margins must show, so its record is kept with `"passed": false` and the
failing cell's error. `results/<stem>.<profile>.json` as it was before the sweep is put back.

Usage:  python benchmarks/seed_sweep.py notebooks/09_*.ipynb --seeds 1 2 3 7 42
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = ROOT / "results" / "seeds"


def errors_of(executed: Path) -> list[str]:
    """The first line of every error output in an executed notebook."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    out = []
    for i, cell in enumerate(nb["cells"]):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"cell {i}: {o.get('ename')}: {str(o.get('evalue'))[:300]}")
    return out


def sweep(notebook: Path, seeds: list[int], timeout: int) -> None:
    profile = os.environ.get("TL_PROFILE", "quick")
    stem = notebook.stem
    record = ROOT / "results" / f"{stem}.{profile}.json"
    before = record.read_bytes() if record.is_file() else None
    SEEDS_DIR.mkdir(parents=True, exist_ok=True)
    try:
        for seed in seeds:
            env = {**os.environ, "TL_SEED": str(seed), "TL_RECORD_RESULTS": "1", "TL_PROFILE": profile}
            with tempfile.TemporaryDirectory() as tmp:
                executed = Path(tmp) / notebook.name
                start = time.perf_counter()
                run = subprocess.run(
                    [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                     "--allow-errors", f"--ExecutePreprocessor.timeout={timeout}",
                     "--output", str(executed), str(notebook)],
                    cwd=ROOT, env=env, capture_output=True, text=True)
                seconds = time.perf_counter() - start
                if run.returncode != 0 or not executed.is_file():
                    raise SystemExit(f"seed {seed}: nbconvert failed ({run.returncode}):\n{run.stderr[-2000:]}")
                errors = errors_of(executed)
            if not record.is_file():
                raise SystemExit(f"seed {seed}: the notebook wrote no {record.relative_to(ROOT)} "
                                 f"(errors: {errors or 'none'})")
            payload = json.loads(record.read_text(encoding="utf-8"))
            payload.update(passed=not errors, errors=errors, sweep_seconds=round(seconds, 1))
            out = SEEDS_DIR / f"{stem}.{profile}.seed{seed}.json"
            tmp_out = out.with_suffix(".json.tmp")
            tmp_out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
            tmp_out.replace(out)
            record.unlink()
            print(f"seed {seed}: {'passed' if not errors else 'FAILED ' + '; '.join(errors)} "
                  f"in {seconds:.0f} s -> {out.relative_to(ROOT)}", flush=True)
    finally:
        if before is not None:
            record.write_bytes(before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 7, 42])
    parser.add_argument("--timeout", type=int, default=3600, help="per cell, seconds")
    args = parser.parse_args()
    if not args.notebook.is_file():
        raise SystemExit(f"no notebook {args.notebook}: pass a path such as notebooks/09_*.ipynb")
    if len(set(args.seeds)) < len(args.seeds):
        raise SystemExit(f"--seeds repeats a seed: {args.seeds}")
    sweep(args.notebook.resolve(), args.seeds, args.timeout)


if __name__ == "__main__":
    main()
