"""constraints/colab-gpu.txt: Colab's pins, where they come from, and that the course fits them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
FREEZE = ROOT.parent / "shared" / "colab" / "pip-freeze.gpu.txt"


from tool_modules import load_tool as _load  # noqa: E402

cc = _load("colab_constraints")
sync = _load("sync_notebooks")


def pins_of(text: str) -> dict[str, str]:
    return {cc.canonical(m.group(1)): m.group(2)
            for m in map(cc.LINE.match, text.splitlines()) if m}


@pytest.fixture(scope="module")
def constraints() -> str:
    return cc.OUT.read_text(encoding="utf-8")


def test_parse_freeze_keeps_pins_and_drops_cuda_torch_and_urls():
    text = "\n".join([
        "# a comment", "Keras_Hub==0.26.0", "numpy==2.1.3", "torch==2.11.0+cu128",
        "torchao==0.10.0", "nvidia-cublas-cu12==12.8.4.1", "jax-cuda12-plugin==0.7.2",
        "cudf-cu12==26.2.1", "google-colab @ file:///colabtools/dist/google_colab-1.0.0.tar.gz",
        "libcugraph-cu12==26.2.0", "",
    ])
    pins, dropped = cc.parse_freeze(text)
    assert pins == {"keras-hub": "0.26.0", "numpy": "2.1.3"}
    assert len(dropped) == 7 and all("#" not in line for line in dropped)


def test_render_names_source_python_and_refresh_command():
    text = cc.render({"keras": "3.13.2", "jedi": "0.20.1"}, {"keras": "3.13.2"},
                     "a" * 40, "Wed Aug 19 2026", "3.13.15")
    assert "a" * 40 in text and "Wed Aug 19 2026" in text
    assert "Python 3.13.15" in text and "Python 3.11" in text
    assert "jedi==0.20.1" in text.split("\n# Refresh")[0], "outsiders are named in the header"
    assert "tools/colab_constraints.py --freeze" in text
    assert pins_of(text) == {"keras": "3.13.2", "jedi": "0.20.1"}


def test_constraints_cover_the_course_and_leave_out_torch_and_cuda(constraints):
    pins = pins_of(constraints)
    for name in (*cc.TOP_LEVEL, *cc.NO_DEPS):
        assert cc.canonical(name) in pins, f"{name} missing: run tools/colab_constraints.py"
    assert not [n for n in pins if cc.DROP_NAME.match(n)], "torch/CUDA packages must stay out"
    assert not [v for v in pins.values() if "+" in v]


@pytest.mark.skipif(not FREEZE.exists(), reason="needs ../shared/colab/")
def test_constraints_are_colabs_versions_from_the_shared_copy(constraints):
    colab, _ = cc.parse_freeze(FREEZE.read_text(encoding="utf-8"))
    commit, date, python = cc.read_source(FREEZE)
    assert re.fullmatch(r"[0-9a-f]{40}", commit) and "2026" in date and python.startswith("3.13")
    assert commit in constraints and date in constraints
    header = constraints.split("\n# Refresh")[0]
    for name, version in pins_of(constraints).items():
        if name in colab:
            assert colab[name] == version, f"{name}: {version}, Colab has {colab[name]}"
        else:
            assert f"{name}=={version}" in header, f"{name} is not Colab's: name it in the header"


def _after_install_cell(constraints: str) -> dict[str, Version]:
    """Colab's versions with what the install cell pins (`name==X.Y.*` as X.Y)."""
    versions = {n: Version(v) for n, v in pins_of(constraints).items()}
    for name, version in re.findall(r'"([a-z][a-z0-9-]*)==([0-9.]+)\.\*"', sync.colab_cell_source()):
        versions[cc.canonical(name)] = Version(version)
    return versions


def test_runtime_dependencies_hold_on_colab_after_the_install_cell(constraints):
    """`pip install` of the course changes nothing the install cell does not ask for."""
    with open(ROOT / "pyproject.toml", "rb") as handle:
        runtime = [Requirement(r) for r in tomllib.load(handle)["project"]["dependencies"]]
    versions = _after_install_cell(constraints)
    for req in runtime:
        have = versions.get(cc.canonical(req.name))
        assert have is not None, f"{req.name} is not on Colab: add it to TOP_LEVEL or the cell"
        assert req.specifier.contains(have, prereleases=True), f"{req} vs Colab's {have}"
