"""Exercise notebooks are generated from the solutions, in sync, and well-formed (not executed)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools" / "make_exercises.py")
make_exercises = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_exercises)

EXERCISES = sorted((ROOT / "notebooks" / "exercises").glob("*_exercises.ipynb"))


def test_exercise_notebooks_are_in_sync_with_the_solutions():
    assert make_exercises.main(["--check"]) == 0, "run `python tools/make_exercises.py`"
    assert EXERCISES, "no exercise notebooks generated"


@pytest.mark.parametrize("path", EXERCISES, ids=[p.name for p in EXERCISES])
def test_exercise_notebook_is_well_formed_and_hides_solutions(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    solution_nb = json.loads((ROOT / "notebooks" / path.name.replace("_exercises", "")).read_text())
    solutions = [c for c in solution_nb["cells"] if make_exercises.is_solution(c)]
    stubs = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    assert len(stubs) == len(solutions) >= 2
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
    for stub, solution in zip(stubs, solutions):
        assert "# your code here" in stub.source
        code = [ln for ln in make_exercises._source(solution).splitlines()
                if ln.strip() and not ln.startswith("#") and "checks.check_" not in ln]
        assert not any(line in stub.source for line in code), "a stub leaks solution code"
    assert f"/notebooks/exercises/{path.name}" in nb.cells[1].source, "badge opens the exercise"


def test_stub_keeps_task_and_check_but_not_code():
    cell = {"cell_type": "code", "metadata": {"tags": ["solution"]},
            "source": "# Exercise 3: do it\nx = 41 + 1\nassert checks.check_answer(x)\n"}
    stub = make_exercises.stub_for(cell)
    assert stub.startswith("# Exercise 3: do it\n# your code here")
    assert "checks.check_answer(x)" in stub and "assert" not in stub and "41" not in stub
