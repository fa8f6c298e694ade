"""`make test-backends`' runner and the README table rendered from its record."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from tool_modules import load_tool

ROOT = Path(__file__).resolve().parents[1]


def _runner():
    spec = importlib.util.spec_from_file_location("backend_notebooks", ROOT / "benchmarks" / "backend_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook(path: Path, source: str) -> Path:
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": ["# t"]},
                                          {"cell_type": "code", "source": [source]}]}))
    return path


def test_a_notebook_that_pins_its_backend_is_found(tmp_path):
    runner = _runner()
    assert runner.pinned_backend(_notebook(tmp_path / "a.ipynb", 'os.environ["KERAS_BACKEND"] = "jax"\n')) == "jax"
    assert runner.pinned_backend(_notebook(tmp_path / "b.ipynb", "import keras\n")) is None
    # setdefault does not pin: the caller's KERAS_BACKEND wins there.
    assert runner.pinned_backend(_notebook(tmp_path / "c.ipynb", 'os.environ.setdefault("KERAS_BACKEND", "jax")')) is None


def test_first_error_names_the_exception_not_a_warning():
    runner = _runner()
    log = "UserWarning: something\nE   ValueError: no layer 'blok'\nE   other\n"
    assert runner.first_error(log) == "ValueError: no layer 'blok'"
    assert runner.first_error("all good\n") == ""
    coloured = "\x1b[0;31mTypeError\x1b[0m: bad operand\n"  # how nbval prints a cell's traceback
    assert runner.first_error(coloured) == "TypeError: bad operand"


@pytest.mark.parametrize("argv, message", [(["--backends", "tensorflwo"], "tensorflwo"),
                                           (["--jobs", "0"], "--jobs"),
                                           (["no_such.ipynb"], "no_such.ipynb")])
def test_bad_arguments_are_refused_naming_the_value(argv, message, capsys):
    with pytest.raises(SystemExit):
        _runner().main(argv)
    assert message in capsys.readouterr().err


def test_readme_table_shows_passes_failures_and_pins(tmp_path, monkeypatch):
    update = load_tool("update_readme")
    record = {"date": "2026-12-02", "machine": "x86_64, 2 CPU cores", "python": "3.11.2",
              "versions": {"keras": "3.15.1", "keras-hub": "0.32.0", "jax": "0.10.2", "torch": "2.13.0"},
              "runs": [{"notebook": "00_a.ipynb", "backend": "jax", "passed": True, "seconds": 12.3, "summary": ""},
                       {"notebook": "00_a.ipynb", "backend": "torch", "passed": False, "seconds": 5.0,
                        "summary": "1 failed", "failed_cell": 7, "error": "RuntimeError: numpy()"},
                       {"notebook": "10_b.ipynb", "backend": "jax", "passed": True, "seconds": 60.0,
                        "summary": "", "pinned": "jax"}]}
    path = tmp_path / "backends.json"
    path.write_text(json.dumps(record))
    monkeypatch.setattr(update, "BACKENDS", path)
    table = update.render_backends()
    assert "| 00_a | ✓ 12 s | ✗ cell 7: `RuntimeError: numpy()` |" in table
    assert "| 10_b | ✓ 60 s (pins JAX) | not run |" in table
    assert "2026-12-02" in table and "PyTorch 2.13.0" in table
