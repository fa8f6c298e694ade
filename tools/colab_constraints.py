"""Regenerates constraints/colab-gpu.txt: Colab's GPU-runtime pins for what the course uses there.

Colab publishes the packages of its runtime as `pip-freeze.gpu.txt` in the public repository
googlecolab/backend-info (a copy with its SOURCE.md sits in ../shared/colab/). This tool takes the
packages the course's Colab path relies on (TOP_LEVEL below: what the notebooks import, the
packages that depend on what the install cell changes, and the kernel that runs a notebook),
resolves them with their dependencies for Python 3.11 against Colab's exact versions (uv pip
compile), and writes the result as one pinned file that `tools/colab_sim.py` installs
(`make test-colab`). torch and CUDA-only builds (`+cu…`, `nvidia-*`, `*-cu12`, URLs) are left out.

Why Python 3.11: Colab runs Python 3.13, which cannot be installed offline here or on CI; every
pin below has a Python 3.11 wheel. A package the resolution needs that is not in Colab's list
(e.g. a backport only Python 3.11 needs) is named in the file's header.

Usage (one command, needs PyPI for the resolution):
    python tools/colab_constraints.py --freeze NEW/pip-freeze.gpu.txt
    # SOURCE.md beside the freeze names its commit and date; or --commit SHA --date "..."
    python tools/colab_constraints.py --check   # exit 1 if the file would change
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FREEZE = ROOT.parent / "shared" / "colab" / "pip-freeze.gpu.txt"
OUT = ROOT / "constraints" / "colab-gpu.txt"
PYTHON = "3.11"

TOP_LEVEL = (
    # What the notebooks and `utils` import at run time (the course's runtime dependencies).
    "tensorflow", "keras", "keras-hub", "tensorflow-text", "numpy", "pandas", "scipy",
    "scikit-learn", "matplotlib", "seaborn", "pillow", "tqdm", "filelock", "ipywidgets",
    "tokenizers", "safetensors",
    # jax: Colab has it (its CPU part is kept; the CUDA plugins are not), utils.config imports it
    # on the JAX backend, and Keras 3.15's numpy backend imports it.
    "jax",
    # What depends on the packages the install cell changes, so that `pip check` sees them:
    # keras-nlp pins keras-hub; kagglehub and kaggle need kagglesdk (keras-hub pins it);
    # tf_keras pins tensorflow (so would tensorflow-text); transformers is what
    # sentence-transformers (required by the encoder's wheel) stands on.
    "keras-nlp", "kagglehub", "kagglesdk", "kaggle", "sentencepiece", "tf_keras",
    "transformers",
    # How a notebook runs there: Colab's kernel, and its pip for the install cell.
    "ipykernel", "ipython", "jupyter_client", "nbformat", "pytest", "pip",
)
# Installed without their dependencies: sentence-transformers needs torch, which is left out.
NO_DEPS = ("sentence-transformers",)
# Pins that are not installable off Colab (CUDA builds, URLs) or too large to be worth it.
DROP_NAME = re.compile(
    r"^(torch.*|nvidia-.*|jax-cuda.*|cupy.*|cuda-.*|numba-cuda|.*-cu1\d|lib.*-cu1\d|triton)$"
)
LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)\s*$")


def canonical(name: str) -> str:
    """PEP 503 name: lower case, runs of `-_.` as one `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_freeze(text: str) -> tuple[dict[str, str], list[str]]:
    """Splits a `pip freeze` listing into installable pins and the lines left out.

    Returns:
        ({canonical name: version}, [dropped line, ...]): a pin is dropped when it is a URL or
        local install (`name @ ...`), a local version such as `+cu128`, or a CUDA/torch package.
    """
    pins, dropped = {}, []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match or "+" in match.group(2) or DROP_NAME.match(canonical(match.group(1))):
            dropped.append(line)
            continue
        pins[canonical(match.group(1))] = match.group(2)
    return pins, dropped


def read_source(freeze: Path) -> tuple[str, str, str]:
    """(commit, date, Colab's Python) from SOURCE.md and os-info-gpu.txt beside the freeze."""
    commit = date = python = "unknown"
    source = freeze.with_name("SOURCE.md")
    if source.exists():
        text = source.read_text(encoding="utf-8")
        if m := re.search(r"commit ([0-9a-f]{40})", text):
            commit = m.group(1)
        if m := re.search(r"dated ([^.]+?\d{4} [-+]\d{4})", text):
            date = m.group(1).strip()
    os_info = freeze.with_name("os-info-gpu.txt")
    if os_info.exists() and (m := re.search(r"^Python (\S+)", os_info.read_text(), re.M)):
        python = m.group(1)
    return commit, date, python


def find_uv() -> str:
    """The uv binary: the one pip put beside this Python, or the one on PATH."""
    here = Path(sys.executable).parent / "uv"
    found = str(here) if here.exists() else shutil.which("uv")
    if not found:
        raise SystemExit("uv not found: run `make install` (it puts uv into .venv) first")
    return found


def resolve(pins: dict[str, str]) -> dict[str, str]:
    """TOP_LEVEL and their dependencies for Python 3.11, held to Colab's versions (uv)."""
    missing = [n for n in (*TOP_LEVEL, *NO_DEPS) if canonical(n) not in pins]
    if missing:
        raise SystemExit(f"not in Colab's list (renamed or removed?): {missing}")
    with tempfile.TemporaryDirectory() as tmp:
        top, cons = Path(tmp, "top.in"), Path(tmp, "colab.txt")
        top.write_text("\n".join(TOP_LEVEL) + "\n")
        cons.write_text("".join(f"{n}=={v}\n" for n, v in sorted(pins.items())))
        out = subprocess.run(
            [find_uv(), "pip", "compile", "-q", str(top), "-c", str(cons), "--python-version",
             PYTHON, "--python-platform", "x86_64-manylinux_2_28", "--no-header",
             "--no-annotate"],
            capture_output=True, text=True,
        )
    if out.returncode:
        raise SystemExit(f"uv pip compile failed:\n{out.stderr}")
    resolved = {}
    for line in out.stdout.splitlines():
        if match := LINE.match(line.strip()):
            resolved[canonical(match.group(1))] = match.group(2)
    for name in NO_DEPS:
        resolved[canonical(name)] = pins[canonical(name)]
    return resolved


def render(resolved: dict[str, str], pins: dict[str, str], commit: str, date: str,
           python: str) -> str:
    """The constraints file: a header saying where the pins come from, then one pin a line."""
    outsiders = sorted(n for n in resolved if pins.get(n) != resolved[n])
    lines = [
        "# Colab's GPU runtime, pinned: the packages the course's Colab path uses, with their",
        "# dependencies. Generated by tools/colab_constraints.py; do not edit by hand.",
        "# Source: googlecolab/backend-info, pip-freeze.gpu.txt at commit",
        f"#   {commit} ({date}).",
        f"# Colab runs Python {python}; these pins are resolved for and tested on Python {PYTHON},",
        "# because Python 3.13 cannot be installed offline (here, CI). Left out: torch and the",
        "# CUDA-only builds (+cu..., nvidia-*, *-cu12, URL installs).",
        f"# Installed without dependencies (they need torch): {', '.join(NO_DEPS)}.",
        "# Not in Colab's list, resolved for Python 3.11 only: "
        + (", ".join(f"{n}=={resolved[n]}" for n in outsiders) or "none") + ".",
        "# Refresh: python tools/colab_constraints.py --freeze path/to/new/pip-freeze.gpu.txt",
    ]
    lines += [f"{n}=={v}" for n, v in sorted(resolved.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--freeze", type=Path, default=DEFAULT_FREEZE,
                        help="Colab's pip-freeze.gpu.txt (default: ../shared/colab/)")
    parser.add_argument("--commit", help="backend-info commit (default: from SOURCE.md)")
    parser.add_argument("--date", help="that commit's date (default: from SOURCE.md)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    pins, dropped = parse_freeze(args.freeze.read_text(encoding="utf-8"))
    commit, date, python = read_source(args.freeze)
    text = render(resolve(pins), pins, args.commit or commit, args.date or date, python)
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    if args.check:
        print("up to date" if text == old else f"stale: {args.out}")
        return 0 if text == old else 1
    before = dict(line.split("==", 1) for line in old.splitlines() if LINE.match(line))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    after = dict(line.split("==", 1) for line in text.splitlines() if LINE.match(line))
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            print(f"{name}: {before.get(name, '-')} -> {after.get(name, '-')}")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}: "
          f"{len(after)} pins ({len(dropped)} lines of the freeze left out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
