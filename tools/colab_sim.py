"""Runs the course the way a Colab learner does, on Colab's versions (`make test-colab`).

1. A fresh virtual environment (.cache/colab/venv, Python 3.11: Colab's 3.13 is not installable
   offline) holding exactly constraints/colab-gpu.txt, Colab's GPU-runtime pins without torch and
   CUDA (tools/colab_constraints.py regenerates them): a fresh Colab runtime, before any cell.
2. The notebooks' install cell (tools/sync_notebooks.py) run there with `google.colab` faked in
   `sys.modules` and this checkout in place of the git URL. It fails on a non-zero exit and on any
   `ERROR` pip prints (the red block a learner would see).
3. `pip check` must be clean, but for what step 1 leaves out on purpose (torch).
4. The test tools (nbval, pytest-xdist), added without changing any installed version.
5. pytest: the unit tests, then the notebooks most likely to break on other versions in the quick
   profile (`pytest --nbval-lax`, as `make test`). RISKIEST and DEFAULT below say which and why.

Usage:  python tools/colab_sim.py                    # all five steps
        python tools/colab_sim.py --notebooks 07 05  # more notebooks (prefixes)
        python tools/colab_sim.py --cell other.py    # try another install cell
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints" / "colab-gpu.txt"
RECORD = ROOT / "results" / "colab_sim.json"  # --record writes it; README's Colab section renders it
VENV = ROOT / ".cache" / "colab" / "venv"
# The notebooks by risk of breaking on other versions, riskiest first. 07 builds functional models
# on the encoder's token outputs with masks and three heads (an unused functional input broke it on
# Keras < 3.14); 05 loads the encoder through KerasHub, tokenises pairs and fine-tunes a cross-
# encoder, the path 06 and 08 also stand on; then 06 and 08 themselves. The vision notebooks
# (00-04) use only keras.applications and core layers, which change least between releases.
RISKIEST = ("07", "05", "06", "08")
# What fits CI's budget (6 extra minutes on 2 cores, venv included): the unit tests and 07, in one
# pytest run with 3 workers (07 first, the unit tests beside it). --record keeps a run's times in
# results/colab_sim.json (README renders them). 05 beside them costs about 2 more minutes, so it
# is opt-in: --notebooks 07 05 (make test-colab COLAB_ARGS="--notebooks 07 05").
DEFAULT = RISKIEST[:1]
# Unit tests of repository files (notebook hygiene, exercises, README, packaging) read text, not
# installed packages: they cannot differ on Colab's versions, and the lab smoke test needs
# JupyterLab and Chromium, which a Colab runtime does not run. The rest run.
NOT_HERE = ("test_lab_smoke.py", "test_notebooks_hygiene.py", "test_exercises.py",
            "test_readme.py", "test_packaging.py", "test_docstrings.py", "test_colab_cell.py",
            "test_colab_constraints.py", "test_test_selection.py")
# pip check lines expected in the simulation only: Colab has torch, step 1 leaves it out.
LEFT_OUT = re.compile(r"^\S+ \S+ requires (torch|torchvision|torchaudio), which is not installed")
SHOWN = re.compile(r"^(tensorflow|keras|keras-hub|keras-nlp|kagglesdk|numpy)==")
TOOLS = ("nbval>=0.11", "pytest-xdist>=3.5")


def log(message: str) -> None:
    print(f"[colab-sim] {message}", flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, **kwargs)


def _tool(name: str) -> types.ModuleType:
    """Another script of tools/ as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def uv() -> str:
    """The uv binary (``colab_constraints.find_uv``)."""
    return _tool("colab_constraints").find_uv()


def _sync() -> types.ModuleType:
    return _tool("sync_notebooks")


def install_cell(path: Path | None) -> str:
    """The install cell's source: the notebooks' (tools/sync_notebooks.py) or a file's."""
    return path.read_text(encoding="utf-8") if path else _sync().colab_cell_source()


def local_cell(source: str, checkout: Path) -> str:
    """The cell with this checkout in place of `git+<repository URL>` (exactly one)."""
    url = f"git+{_sync().repository_url()}"
    if source.count(url) != 1:
        raise SystemExit(f"the install cell must name {url!r} exactly once to be simulated")
    return source.replace(url, str(checkout))


def copy_checkout(dest: Path) -> Path:
    """The files a git clone of this working tree would have (tracked and new, not ignored)."""
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if src.is_file() and not name.startswith("notebooks/"):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def pip_check(python: Path) -> list[str]:
    """`pip check`'s complaints, less the ones expected because torch is left out."""
    out = run([str(python), "-m", "pip", "check"], capture_output=True, text=True)
    lines = [line for line in (out.stdout + out.stderr).splitlines() if line.strip()]
    for line in lines:
        print("    " + line)
    return [line for line in lines if not LEFT_OUT.match(line) and "No broken" not in line]


def thread_env(jobs: int) -> dict[str, str]:
    """nproc / jobs compute threads per worker (at least 1), as the Makefile gives `make test`."""
    threads = max(1, (os.cpu_count() or 2) // max(jobs, 1))  # jobs 0: one process, every core
    return {
        "TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": str(threads),
        "OMP_NUM_THREADS": str(threads),
        "XLA_FLAGS": f"--xla_cpu_multi_thread_eigen={'false' if threads == 1 else 'true'} "
                     f"intra_op_parallelism_threads={threads}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", nargs="*", default=list(DEFAULT),
                        help=f"notebook prefixes, riskiest first: {' '.join(RISKIEST)} "
                             f"(default: {' '.join(DEFAULT)})")
    parser.add_argument("--no-unit", action="store_true", help="skip the unit tests")
    parser.add_argument("--cell", type=Path, help="run this install cell instead of the notebooks'")
    parser.add_argument("--jobs", type=int, default=3,
                        help="pytest-xdist workers for the tests and notebooks (default 3, as make "
                             "test on 2 cores; 0: one process)")
    parser.add_argument("--keep-going", action="store_true",
                        help="run the tests even when step 2 or 3 fails (exit 1 all the same)")
    parser.add_argument("--checkout", type=Path,
                        help="install this folder as the course (default: a copy of this tree)")
    parser.add_argument("--venv", type=Path, default=VENV)
    parser.add_argument("--record", action="store_true",
                        help=f"write the versions, times and outcome to {RECORD.relative_to(ROOT)} "
                             "(README's Colab section is rendered from it: tools/update_readme.py)")
    args = parser.parse_args(argv)
    times: dict[str, float] = {}
    failed: list[str] = []

    def fail(message: str) -> bool:
        """Logs a failure; True when the run should stop here."""
        log(message)
        failed.append(message)
        return not args.keep_going
    python = args.venv / "bin" / "python"
    shutil.rmtree(args.venv, ignore_errors=True)
    start = time.perf_counter()

    # 1. Colab's runtime before the first cell.
    run([uv(), "venv", "-q", "--python", "3.11", str(args.venv)], check=True)
    run([uv(), "pip", "install", "-q", "--python", str(python), "--no-deps", "-r",
         str(CONSTRAINTS)], check=True)
    times["venv on Colab's pins"] = time.perf_counter() - start
    log("pip check before the install cell:")
    tick = time.perf_counter()
    bad = pip_check(python)
    times["pip check"] = time.perf_counter() - tick
    if bad:
        log(f"Colab's pins themselves are inconsistent ({len(bad)} lines): regenerate them")
        return 1

    # 2. The install cell, as Colab runs it (pip, not uv).
    tick = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="colab-sim-") as tmp:
        checkout = args.checkout.resolve() if args.checkout else copy_checkout(Path(tmp) / "co")
        cell = local_cell(install_cell(args.cell), checkout)
        driver = Path(tmp) / "cell.py"
        driver.write_text(
            "import sys, types\n"
            "sys.modules['google.colab'] = types.ModuleType('google.colab')  # 'on Colab'\n"
            f"exec(compile({cell!r}, 'colab-install-cell', 'exec'), {{'__name__': '__main__'}})\n"
        )
        out = run([str(python), str(driver)], capture_output=True, text=True, cwd=tmp)
    print(out.stdout + out.stderr, end="")
    times["install cell"] = time.perf_counter() - tick
    if (out.returncode or re.search(r"^ERROR", out.stdout + out.stderr, re.M)) and fail(
            "the install cell failed or printed an ERROR (a learner sees it in red)"):
        return 1

    # 3. Nothing the cell installed conflicts with Colab's packages.
    log("pip check after the install cell:")
    tick = time.perf_counter()
    bad = pip_check(python)
    times["pip check"] += time.perf_counter() - tick
    if bad and fail(f"pip check is not clean after the install cell ({len(bad)} lines)"):
        return 1

    # 4. The test tools, holding every installed version where it is.
    tick = time.perf_counter()
    frozen = run([uv(), "pip", "freeze", "--python", str(python)], capture_output=True,
                 text=True, check=True).stdout
    versions = [line for line in frozen.splitlines() if SHOWN.match(line)]
    log("now: " + ", ".join(versions))
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as pins:
        pins.write("".join(line + "\n" for line in frozen.splitlines() if "==" in line))
        pins.flush()
        run([uv(), "pip", "install", "-q", "--python", str(python), "-c", pins.name, *TOOLS],
            check=True)
    times["test tools"] = time.perf_counter() - tick

    # 5. The unit tests, then the riskiest notebooks, on Colab's versions.
    notebooks = []
    for prefix in args.notebooks:
        found = sorted((ROOT / "notebooks").glob(f"{prefix}*.ipynb"))
        if len(found) != 1:
            raise SystemExit(f"no single notebook starts with {prefix!r}: {found}")
        notebooks.append(str(found[0].relative_to(ROOT)))
    # One pytest over the unit tests and the notebooks, as make test's TF pass: JOBS workers
    # with nproc / JOBS threads each, the notebook handed out first (tests/conftest.py), so the
    # unit tests fill the other workers while it runs instead of running before it.
    # -m "not once": tests marked `once` (pyproject.toml) run in make test's TF pass only; they
    # test orchestration around Keras ops that unmarked tests run here too (each says why; what
    # depends on package versions, such as model building, functional inputs, KerasHub loading
    # and pandas/NumPy data loading, stays). Notebook cells carry no marker: they all run.
    targets = [] if args.no_unit else ["tests", *(f"--ignore=tests/{n}" for n in NOT_HERE)]
    targets += notebooks
    codes = []
    if targets:
        tick = time.perf_counter()
        codes.append(pytest(python, args.jobs, [*targets, "-m", "not once"]))
        times["unit tests and notebooks" if notebooks and not args.no_unit
              else "notebooks" if notebooks else "unit tests"] = time.perf_counter() - tick
    times["total"] = time.perf_counter() - start
    log("times: " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()))
    for message in failed:
        log("FAILED: " + message)
    code = max(codes, default=0) or (1 if failed else 0)
    if args.record:
        write_record(RECORD, versions=versions, times=times, notebooks=notebooks,
                     unit=not args.no_unit, jobs=args.jobs, passed=code == 0, failed=failed)
    return code


def write_record(path: Path, **fields) -> dict:
    """Writes what a run measured (with the date, the pins' source and the machine) as JSON.

    Written to a temporary file beside ``path`` and moved over it, so a run that stops half
    way never leaves a half-written record.
    """
    source = [line[2:].strip() for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines()[2:4]]
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    record = {"what": "tools/colab_sim.py --record: the course on Colab's pinned packages (README's Colab section)",
              "date": time.strftime("%Y-%m-%d"), "pins": " ".join(source), **fields,
              "times": {k: round(v, 1) for k, v in fields["times"].items()},
              "machine": {"cores": os.cpu_count(), "load_1min_after": None if load is None else round(load[0], 2),
                          "python": sys.version.split()[0]}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return record


def pytest(python: Path, jobs: int, targets: list[str]) -> int:
    """pytest in the simulated runtime: `jobs` xdist workers (0: one process, every core)."""
    xdist = ["-n", str(jobs), "--dist", "loadfile", "--no-loadscope-reorder"] if jobs else []
    env = {**os.environ, **thread_env(jobs), "PYDEVD_DISABLE_FILE_VALIDATION": "1",
           "KERAS_HOME": os.environ.get("KERAS_HOME", str(ROOT / ".cache" / "keras"))}
    return run([str(python), "-m", "pytest", "-p", "no:cacheprovider", *xdist, "--nbval-lax",
                "--nbval-current-env", "--nbval-cell-timeout=900", "--durations=5", *targets],
               cwd=ROOT, env=env).returncode

if __name__ == "__main__":
    sys.exit(main())
