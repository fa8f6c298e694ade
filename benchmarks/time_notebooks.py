"""Times course notebooks (and the unit tests), prints wall time and peak memory, and records
each notebook's time in results/notebook_times.json, from which tools/update_readme.py renders
README's notebook map (the runtime column and the sentence below it).

Each notebook runs alone, in a fresh process, exactly as CI runs it: `pytest --nbval-lax` with
CI's cell timeout, under the profile in TL_PROFILE (default here: quick) and the environment
this script was started with (nothing is added or removed). Notebook 10 needs no help: its first
code cell pins JAX and prepends `--xla_force_host_platform_device_count=2` to XLA_FLAGS before
JAX starts, as it does under `make test`. Peak memory is the largest resident set of the process
tree (pytest + Jupyter kernel), sampled every 0.2 s with psutil.

A notebook that passes replaces its entry in the record; the other entries stay, so notebooks
can be timed one at a time. Each entry says how it was made: date, machine, cores, the 1-minute
load average before and after the run (other jobs on the machine slow a run down), the thread
settings and an optional --note. A failed notebook is printed and not recorded.

Usage:  python benchmarks/time_notebooks.py [notebooks/03_*.ipynb ...] [--no-unit]
            [--note "cores shared with ..."] [--out results/notebook_times.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
THREAD_VARS = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "XLA_FLAGS")


def default_out(profile: str) -> Path:
    """results/notebook_times.json for the quick profile (README's column), else .<profile>.json."""
    suffix = "" if profile == "quick" else f".{profile}"
    return ROOT / "results" / f"notebook_times{suffix}.json"


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


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def thread_settings() -> str:
    """The compute-thread variables in effect (`make test` sets them per worker), or the default."""
    found = [f"{k}={os.environ[k]}" for k in THREAD_VARS if os.environ.get(k)]
    return ", ".join(found) if found else "library defaults (every core)"


def entry(seconds: float, peak: int, load: tuple[float, float], note: str | None) -> dict:
    today = dt.date.today().isoformat()
    row = {
        "seconds": round(seconds, 1), "peak_mib": round(peak / 2**20),
        "date": today, "source": f"measured {today} by benchmarks/time_notebooks.py (make bench)",
        "machine": f"{cpu_model()}, {platform.machine()}", "cores": os.cpu_count(),
        "load_1min": [round(load[0], 2), round(load[1], 2)], "threads": thread_settings(),
        "profile": os.environ["TL_PROFILE"],
    }
    if note:
        row["note"] = note
    return row


def write_record(path: Path, rows: dict[str, dict]) -> None:
    """Merges ``rows`` (notebook file name -> entry) into the record at ``path``, atomically."""
    record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    record.setdefault("what", "quick-profile wall time of each course notebook alone, run as CI "
                              "runs it (pytest --nbval-lax); README's notebook map is rendered "
                              "from this file (tools/update_readme.py)")
    record.setdefault("notes", [])
    books = {**record.get("notebooks", {}), **rows}
    record["notebooks"] = dict(sorted(books.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, help="the record to update (default: "
                        "results/notebook_times.json; results/notebook_times.<profile>.json "
                        "for another profile)")
    parser.add_argument("--no-unit", action="store_true", help="do not time the unit tests")
    parser.add_argument("--note", help="written into each entry, e.g. what else ran meanwhile")
    args = parser.parse_args(argv)
    os.environ.setdefault("TL_PROFILE", "quick")
    out = args.out or default_out(os.environ["TL_PROFILE"])
    books = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in books if not p.is_file()]
    if missing:
        parser.error(f"no such notebook(s): {missing}")
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
              "--nbval-cell-timeout=900"]
    print(f"profile={os.environ['TL_PROFILE']} cpus={os.cpu_count()} {cpu_model()} "
          f"threads: {thread_settings()}")
    rows, ok, total = {}, True, 0.0
    for book in books:
        before = os.getloadavg()[0]
        seconds, peak, rc = run([*pytest, str(book)])
        load = (before, os.getloadavg()[0])
        total += seconds
        print(f"{book.name:45s} {seconds:7.1f} s  {peak / 2**20:7.0f} MiB  load {load[0]:.1f}->"
              f"{load[1]:.1f}  {'ok' if rc == 0 else 'FAILED (not recorded)'}", flush=True)
        if rc == 0:
            rows[book.name] = entry(seconds, peak, load, args.note)
        ok = ok and rc == 0
    print(f"{'all notebooks':45s} {total:7.1f} s")
    if rows:
        write_record(out, rows)
        print(f"recorded {len(rows)} notebook(s) in {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}; "
              "render README with: python tools/update_readme.py")
    if not args.no_unit:
        seconds, peak, rc = run([*pytest, "tests"])
        print(f"{'unit tests (tests/)':45s} {seconds:7.1f} s  {peak / 2**20:7.0f} MiB  "
              f"{'ok' if rc == 0 else 'FAILED'}")
        ok = ok and rc == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
