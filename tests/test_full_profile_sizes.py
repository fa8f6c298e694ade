"""The full profile asks only for data that exists.

Each course notebook 00-04 has a ``## Parameters`` section: the only place its sizes are set.
This test executes those cells with ``TL_PROFILE=full`` (``utils.config`` imported, nothing
trained, no image loaded) and checks every requested count against the data's own metadata:
the image files per class in the local flower folder the full profile reads
(``flower_photos_224``) and the digits from ``sklearn.datasets.load_digits``, split per class
with the rounding rule of ``utils.data.stratified_split`` (the loaders' split; repeated here
because importing ``utils.data`` imports Keras, which alone takes longer than this test). A request the data cannot
satisfy (04 once asked for 120 digits per class of a ~107-per-class train split, so
``rng.choice(..., replace=False)`` raised on a GPU) fails here, in seconds, instead of after
minutes of training. A new size-like parameter without a rule below fails too, so it gets one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from utils import config

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
FRACTIONS = (0.6, 0.2, 0.2)  # the loaders' default split, which notebooks 00-04 use
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif"}
# Parameter names that request a number of examples; each must be checked by a rule below.
SIZE_NAME = re.compile(r"^(N_|SIZES|.*_PER_CLASS$|.*_SIZE$|N$)")
NOT_A_DATA_SIZE = {"IMAGE_SIZE", "BATCH_SIZE", "BATCH"}


def parameters(prefix: str) -> dict:
    """Runs the code cells under ``## Parameters`` of notebook ``prefix`` (full profile)."""
    (path,) = NOTEBOOKS.glob(f"{prefix}_*.ipynb")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    start = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                 and "".join(c["source"]).lstrip().startswith("## Parameters"))
    namespace: dict = {"config": config}
    ran = 0
    for cell in cells[start + 1:]:
        if cell["cell_type"] != "code":
            break
        source = "\n".join(line for line in "".join(cell["source"]).splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        exec(compile(source, f"{path.name}:Parameters", "exec"), namespace)  # noqa: S102
        ran += 1
    assert ran, f"{path.name}: no code cell under '## Parameters'"
    return namespace


def flower_counts() -> np.ndarray:
    """Images per class in the folder the full profile reads (flower_photos_224)."""
    root = config.get_data_dir()
    folder = None if root is None else root / "flower_photos_224"
    if folder is None or not folder.is_dir():
        pytest.skip("no local flower_photos_224 (../shared/data or TL_DATA_DIR)")
    classes = sorted(d for d in folder.iterdir() if d.is_dir())
    assert len(classes) == 5, f"{folder}: expected the 5 flower class folders, found {classes}"
    return np.array([sum(p.suffix.lower() in IMAGE_SUFFIXES for p in d.iterdir()) for d in classes])


def stsb_dev_rows() -> int:
    """Labelled STS-B dev pairs in the local copy (one header line)."""
    root = config.get_data_dir()
    path = None if root is None else root / "glue-stsb" / "dev.tsv"
    if path is None or not path.is_file():
        pytest.skip("no local glue-stsb/dev.tsv (../shared/data or TL_DATA_DIR)")
    with path.open(encoding="utf-8") as f:
        return sum(1 for line in f if line.strip()) - 1


def digit_counts() -> np.ndarray:
    from sklearn.datasets import load_digits

    return np.bincount(load_digits().target)


def train_per_class(counts: np.ndarray, n_per_class: int | None = None) -> int:
    """Fewest training examples of any class after the loaders' split.

    ``utils.data.stratified_split`` gives each class of n examples round(n * 0.2) validation
    and round(n * 0.2) test examples and the rest to training, whatever the seed.
    """
    counts = np.asarray(counts) if n_per_class is None else np.full(len(counts), n_per_class)
    return int(min(n - round(n * FRACTIONS[1]) - round(n * FRACTIONS[2]) for n in counts))


def check_load(counts: np.ndarray, n_per_class: int | None, what: str) -> None:
    """A loader call ``load_*(n_per_class=...)``: every class must have that many files."""
    if n_per_class is not None:
        assert n_per_class <= counts.min(), (
            f"{what}: n_per_class={n_per_class} but the smallest class has {counts.min()}")


def requests(prefix: str, p: dict) -> tuple[list[str], list[tuple[str, int, int]]]:
    """(size parameters covered, [(what, requested, available)]) for one notebook."""
    if prefix == "00":
        check_load(flower_counts(), p["N_PER_CLASS"], "00 flowers")
        return ["N_PER_CLASS", "N_STS_PAIRS"], [("00 STS-B dev pairs", p["N_STS_PAIRS"], stsb_dev_rows())]
    if prefix == "01":
        per_class = max(10, p["N_IMAGES"] // 2)  # as notebook 01 calls load_flowers
        check_load(flower_counts(), per_class, "01 flowers")
        n_train = train_per_class(flower_counts(), per_class) * len(flower_counts())
        return ["N_IMAGES"], [("01 N_IMAGES from the train split", p["N_IMAGES"], n_train)]
    if prefix in ("02", "03"):
        return [], []  # whole data set, no size requested
    if prefix == "04":
        sizes = p["SIZES"]
        out = [(f"04 {size} flowers/class", n, train_per_class(flower_counts())) for size, n in sizes.items()]
        out += [(f"04 {size} digits/class", n, train_per_class(digit_counts())) for size, n in sizes.items()]
        return ["SIZES"], out
    raise AssertionError(f"no size rule for notebook {prefix}")


@pytest.mark.parametrize("prefix", ["00", "01", "02", "03", "04"])
def test_full_profile_requests_fit_the_data(prefix, monkeypatch):
    monkeypatch.setenv("TL_PROFILE", "full")  # TL_DATA_DIR, if set, still says where the data is
    p = parameters(prefix)
    assert p["PROFILE"] == "full"
    covered, asked = requests(prefix, p)
    size_params = {k for k in p if SIZE_NAME.match(k) and k not in NOT_A_DATA_SIZE}
    assert size_params <= set(covered), (
        f"{prefix}: size parameters {sorted(size_params - set(covered))} have no rule in "
        "tests/test_full_profile_sizes.py::requests; add one so the full profile is checked")
    too_big = [f"{what}: asks {n}, the data has {have}" for what, n, have in asked if n > have]
    assert not too_big, "full profile asks for more than the data has: " + "; ".join(too_big)


def test_the_check_catches_the_old_04_request():
    """04 once asked for 120 digits per class: the train split has fewer in some class."""
    assert train_per_class(digit_counts()) < 120
