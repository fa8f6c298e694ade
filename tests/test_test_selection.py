"""Which tests run where: the `once` marker (pyproject.toml) keeps to its rule.

A test marked `once` runs in make test's TensorFlow pass only; the JAX and PyTorch passes
(Makefile, BACKEND_TESTS) and the Colab job (tools/colab_sim.py) deselect it. The rule: it tests
orchestration around Keras ops that unmarked tests run everywhere, it says why next to the
marker, and every experiment runner keeps an unmarked end-to-end test in a file those passes run.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from tool_modules import load_tool

ROOT = Path(__file__).resolve().parents[1]
RUNNERS = {"run_arm", "run_head_arm", "run_self_training"}


def _test_functions():
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                yield path, source.splitlines(), node


def _once(node: ast.FunctionDef) -> bool:
    return any(ast.unparse(d.func if isinstance(d, ast.Call) else d) == "pytest.mark.once"
               for d in node.decorator_list)


def _calls(node: ast.FunctionDef) -> set[str]:
    return {n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
            for n in ast.walk(node) if isinstance(n, ast.Call)}


def _makefile_list(name: str) -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = re.search(rf"^{name} := (.*)$", text, re.M)
    assert found, f"Makefile lacks {name}"
    return {f"{word}.py" for word in found.group(1).split()}


def test_the_marker_is_registered_and_the_repeat_passes_deselect_it():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    markers = options["tool"]["pytest"]["ini_options"]["markers"]
    assert any(m.startswith("once:") for m in markers)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r'^BACKEND_TESTS := .*-m "not once"$', makefile, re.M)
    assert '"-m", "not once"' in (ROOT / "tools" / "colab_sim.py").read_text(encoding="utf-8")


def test_every_once_test_says_why_beside_its_marker():
    marked = 0
    for path, lines, node in _test_functions():
        if not _once(node):
            continue
        marked += 1
        above, i = [], min(d.lineno for d in node.decorator_list) - 2
        while i >= 0 and lines[i].startswith("#"):
            above.insert(0, lines[i])
            i -= 1
        assert above and above[0].startswith("# once"), (
            f"{path.name}::{node.name} is marked once: say why above it in a '# once ...' comment")
    assert marked, "no test is marked once: drop the marker and its deselection instead"


def test_every_runner_keeps_an_end_to_end_test_on_every_backend_and_on_colab():
    not_on_backends = _makefile_list("NO_BACKEND")
    not_on_colab = set(load_tool("colab_sim").NOT_HERE)
    kept: dict[str, list[str]] = {runner: [] for runner in RUNNERS}
    for path, _, node in _test_functions():
        if _once(node) or path.name in not_on_backends | not_on_colab:
            continue
        for runner in RUNNERS & _calls(node):
            kept[runner].append(f"{path.name}::{node.name}")
    assert all(kept.values()), f"a runner has no unmarked test left: {kept}"
