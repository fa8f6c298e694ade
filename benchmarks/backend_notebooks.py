"""Runs every course notebook (quick profile) on each Keras backend and records what passed.

`make test` runs the notebooks on TensorFlow only (CI's time); this is the check that they
also run unchanged on JAX and PyTorch. Each notebook runs in its own process exactly as CI
runs it (`pytest --nbval-lax`), with KERAS_BACKEND set; up to --jobs at a time. A notebook
that pins its backend (`os.environ["KERAS_BACKEND"] = ...`, notebook 10) is run once, under
the backend it pins, and marked as such.

The record (results/backends.json, written atomically) holds per backend and notebook: passed
or not, wall seconds, pytest's last line, and for a failure the first error line and the
cell; plus the date, the machine and the package versions. README's "Backends" section is
rendered from it by tools/update_readme.py.

Usage:  python benchmarks/backend_notebooks.py [--backends jax torch] [--jobs 3] [NB ...]
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "backends.json"
BACKENDS = ("tensorflow", "jax", "torch")
PIN = re.compile(r"""os\.environ\[["']KERAS_BACKEND["']\]\s*=\s*["'](\w+)["']""")
PACKAGES = ("keras", "keras-hub", "tensorflow", "jax", "jaxlib", "torch", "numpy")


def pinned_backend(notebook: Path) -> str | None:
    """The backend a notebook sets for itself before importing Keras, if any."""
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            found = PIN.search("".join(cell["source"]))
            if found:
                return found.group(1)
    return None


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def first_error(log: str) -> str:
    """The first line that names an exception, as pytest/nbval prints it (colour codes removed)."""
    for line in ANSI.sub("", log).splitlines():
        text = line.strip()
        if re.match(r"^(E\s+)?\w*(Error|Exception|Failed)\b.*:", text) and "Warning" not in text:
            return text.removeprefix("E").strip()[:300]
    return ""


def run_one(backend: str, notebook: Path, timeout: int) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "TL_PROFILE": os.environ.get("TL_PROFILE", "quick")}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
           f"--nbval-cell-timeout={timeout}", str(notebook.relative_to(ROOT))]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    log = done.stdout + done.stderr
    lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
    row = {"notebook": notebook.name, "backend": backend, "date": dt.date.today().isoformat(),
           "passed": done.returncode == 0,
           "seconds": round(seconds, 1), "summary": lines[-1].strip("= ") if lines else ""}
    if done.returncode != 0:
        cell = re.search(r"::Cell (\d+)", log)
        row["failed_cell"] = int(cell.group(1)) if cell else None
        row["error"] = first_error(log)
    return row


def versions() -> dict[str, str | None]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def write_atomically(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--backends", nargs="+", default=["jax", "torch"])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    bad = [b for b in args.backends if b not in BACKENDS]
    if bad:
        parser.error(f"unknown backend(s) {bad}; choose from {list(BACKENDS)}")
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    books = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in books if not p.is_file()]
    if missing:
        parser.error(f"no such notebook(s): {missing}")
    plan = []
    for backend in args.backends:
        for book in books:
            pin = pinned_backend(book)
            if pin is None or pin == backend:
                plan.append((backend, book))
    print(f"{len(plan)} runs, {args.jobs} at a time, profile {os.environ.get('TL_PROFILE', 'quick')}", flush=True)
    rows = []
    with futures.ThreadPoolExecutor(args.jobs) as pool:
        jobs = {pool.submit(run_one, b, nb, args.timeout): (b, nb) for b, nb in plan}
        for job in futures.as_completed(jobs):
            row = job.result()
            rows.append(row)
            mark = "pass" if row["passed"] else f"FAIL cell {row.get('failed_cell')}: {row.get('error')}"
            print(f"{row['backend']:>10} {row['notebook']:<45} {row['seconds']:7.1f} s  {mark}", flush=True)
    rows.sort(key=lambda r: (args.backends.index(r["backend"]), r["notebook"]))
    for row in rows:
        pin = pinned_backend(ROOT / "notebooks" / row["notebook"])
        if pin:
            row["pinned"] = pin
    previous = json.loads(args.out.read_text()) if args.out.is_file() else {}
    kept = [r for r in previous.get("runs", [])
            if (r["backend"], r["notebook"]) not in {(x["backend"], x["notebook"]) for x in rows}]
    payload = {
        "date": dt.date.today().isoformat(),
        "profile": os.environ.get("TL_PROFILE", "quick"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {args.jobs} notebook(s) at a time",
        "python": platform.python_version(),
        "versions": versions(),
        "runs": sorted(kept + rows, key=lambda r: (BACKENDS.index(r["backend"]), r["notebook"])),
    }
    write_atomically(args.out, payload)
    failed = [r for r in rows if not r["passed"]]
    print(f"{len(rows) - len(failed)} passed, {len(failed)} failed; written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
