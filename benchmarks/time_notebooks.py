"""Times every course notebook (and the whole suite) and prints wall time and peak memory.

Each notebook runs in a fresh process exactly as CI runs it (pytest --nbval-lax), under the
profile in TL_PROFILE (default here: quick). Peak memory is the largest resident set of the
process tree (pytest + Jupyter kernel), sampled every 0.2 s with psutil.

Usage:  python benchmarks/time_notebooks.py [notebooks/03_*.ipynb ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(cmd: list[str]) -> tuple[float, int, int]:
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        peak = max(peak, tree_rss(proc))
        time.sleep(0.2)
    return time.perf_counter() - start, peak, child.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    os.environ.setdefault("TL_PROFILE", "quick")
    books = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
              "--nbval-cell-timeout=900"]
    print(f"profile={os.environ['TL_PROFILE']} cpus={os.cpu_count()} {platform.processor() or ''}")
    rows, total = [], 0.0
    for book in books:
        seconds, peak, rc = run([*pytest, str(book)])
        total += seconds
        rows.append({"notebook": book.name, "seconds": round(seconds, 1),
                     "peak_mib": round(peak / 2**20), "passed": rc == 0})
        print(f"{book.name:45s} {seconds:7.1f} s  {peak / 2**20:7.0f} MiB  {'ok' if rc == 0 else 'FAILED'}")
    print(f"{'all notebooks':45s} {total:7.1f} s")
    seconds, peak, rc = run([*pytest, "tests"])
    print(f"{'unit tests (tests/)':45s} {seconds:7.1f} s  {peak / 2**20:7.0f} MiB  {'ok' if rc == 0 else 'FAILED'}")
    rows.append({"notebook": "tests/", "seconds": round(seconds, 1), "peak_mib": round(peak / 2**20),
                 "passed": rc == 0})
    if args.json:
        args.json.write_text(json.dumps({"profile": os.environ["TL_PROFILE"], "rows": rows}, indent=1))
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
