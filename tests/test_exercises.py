"""Exercise notebooks are generated from the solutions, in sync, valid Python, hide the solutions
and keep every exercise's check (not executed)."""

from __future__ import annotations

import ast
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

# Exercises whose solution has no `checks.check_...` call yet, as (course notebook, exercise
# number among its solution cells). Whoever adds the check to the course notebook removes the
# entry: the test fails on an entry that is no longer needed, and on any exercise not listed.
WITHOUT_CHECK = {
    ("01_trainable_weights_and_freezing", 3),  # the depthwise share of MobileNetV2's parameters
    ("02_feature_extraction_workflow", 2),  # 4x the epochs: the validation curve
    ("07_heads_on_encoders", 3),  # the mean-pool + Dense(600) head at the BiLSTM's budget
    ("08_self_training", 3),  # the histogram of pool probabilities
}


def _cells(path: Path, kind: str = "code") -> list[tuple[int, str, dict]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(i, make_exercises.cell_source(c), c) for i, c in enumerate(nb["cells"])
            if c["cell_type"] == kind]


def _course(path: Path) -> Path:
    return ROOT / "notebooks" / path.name.replace("_exercises", "")


def _check_calls(source: str) -> list[ast.Call]:
    tree = ast.parse(make_exercises.mask_magics(source))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute) and n.func.attr.startswith("check_")
            and ast.unparse(n.func.value).split(".")[-1] == "checks"]


def _pairs(path: Path) -> list[tuple[int, str, str]]:
    """(exercise number, solution source, stub source) for each exercise of the notebook."""
    solutions = [src for _, src, c in _cells(_course(path)) if make_exercises.is_solution(c)]
    stubs = [src for _, src, c in _cells(path) if "exercise" in c["metadata"].get("tags", [])]
    assert len(stubs) == len(solutions) >= 2, "one stub per solution cell, at least two"
    return [(n, sol, stub) for n, (sol, stub) in enumerate(zip(solutions, stubs), start=1)]


def test_exercise_notebooks_are_in_sync_with_the_solutions():
    assert make_exercises.main(["--check"]) == 0, "run `python tools/make_exercises.py`"
    assert EXERCISES, "no exercise notebooks generated"


@pytest.mark.parametrize("path", EXERCISES, ids=[p.name for p in EXERCISES])
def test_every_code_cell_is_valid_python(path):
    for index, source, _ in _cells(path):
        try:
            ast.parse(make_exercises.mask_magics(source), filename=f"{path.name}, cell {index}")
        except SyntaxError as error:
            pytest.fail(f"{path.name}, cell {index} does not parse: {error}\n{source}")


@pytest.mark.parametrize("path", EXERCISES, ids=[p.name for p in EXERCISES])
def test_every_exercise_keeps_its_checks(path):
    stem = _course(path).stem
    for number, solution, stub in _pairs(path):
        wanted = [ast.unparse(c) for c in _check_calls(solution)]
        kept = [ast.unparse(c) for c in _check_calls(stub)]
        if (stem, number) in WITHOUT_CHECK:
            assert not wanted, f"{stem} exercise {number} has a check now: drop it from WITHOUT_CHECK"
            continue
        assert wanted, (f"{stem} exercise {number}: the solution calls no checks.check_... "
                        "(add one to the course notebook)")
        assert kept == wanted, f"{stem} exercise {number}: the stub lost a check"


@pytest.mark.parametrize("path", EXERCISES, ids=[p.name for p in EXERCISES])
def test_exercise_notebook_is_well_formed_and_hides_solutions(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
    for number, _, stub in _pairs(path):
        assert "# your code here" in stub
        for statement in ast.parse(stub).body:  # nothing but the checks: no solution code
            assert _check_calls(ast.unparse(statement)), (
                f"exercise {number} leaks solution code: {ast.unparse(statement)}")
    assert f"/notebooks/exercises/{path.name}" in nb.cells[1].source, "badge opens the exercise"


def _stub(source: str) -> str:
    return make_exercises.stub_for({"cell_type": "code", "metadata": {"tags": ["solution"]},
                                    "source": source})


def test_stub_keeps_task_and_check_but_not_code():
    stub = _stub("# Exercise 3: do it\nx = 41 + 1\nassert checks.check_answer(x)\n")
    assert stub.startswith("# Exercise 3: do it\n# your code here")
    assert "checks.check_answer(x)" in stub and "assert" not in stub and "41" not in stub


def test_stub_keeps_a_multi_line_check_whole_and_aligned():
    stub = _stub("y = 2\nassert checks.check_range('y', y, 0, 1,\n"
                 + " " * 26 + "'low', 'high'), 'message'\n")  # aligned with the bracket
    assert stub.endswith("checks.check_range('y', y, 0, 1,\n" + " " * 19 + "'low', 'high')\n")
    assert "message" not in stub


def test_stub_brings_a_check_nested_in_a_loop_to_the_top_level():
    stub = _stub("for units in (16, 128):\n    n = units * 2\n    assert checks.check_n(\n"
                 "        n, units)\n")
    assert stub.endswith("\n\nchecks.check_n(\n    n, units)\n") and "for" not in stub


def test_stub_with_several_checks_shows_every_result():
    stub = _stub("a = 1\nassert checks.check_a(a)\nok = checks.check_b(a)\n"
                 "if checks.check_c(a):\n    print('yes')\nassert checks.check_d(a).passed\n")
    assert stub.endswith("display(checks.check_a(a))\nok = checks.check_b(a)\n"
                         "display(checks.check_c(a))\nchecks.check_d(a)\n")


def test_stub_leaves_a_multi_line_string_as_it_is():
    stub = _stub("    \nassert checks.check_s(1, '''one\n    two''')\n".lstrip())
    assert "checks.check_s(1, '''one\n    two''')" in stub


def test_magics_and_shell_lines_are_masked_line_for_line():
    source = "%time x = 1\nif x:\n    !pip install foo\ny = x != 2\n"
    masked = make_exercises.mask_magics(source)
    ast.parse(masked)
    assert masked.count("\n") == source.count("\n") and "y = x != 2" in masked
    assert make_exercises.mask_magics("%%bash\necho hi\n") == ""
    assert make_exercises.mask_magics("x = 1\n") == "x = 1\n"


def test_a_solution_that_does_not_parse_is_an_error_naming_the_cell():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# T\n"},
                    {"cell_type": "markdown", "metadata": {}, "source": "badge"},
                    {"cell_type": "code", "metadata": {"tags": ["solution"]},
                     "source": "assert checks.check_x(\n", "outputs": [], "execution_count": None}]}
    with pytest.raises(SyntaxError, match="cell 2"):
        make_exercises.exercise_notebook(nb, "99_test")
