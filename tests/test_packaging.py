"""One dependency list: environment.yml must not drift from pyproject.toml."""

import re
import tomllib
from pathlib import Path

import utils

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req).lower()


def test_environment_yml_mirrors_pyproject():
    with open(ROOT / "pyproject.toml", "rb") as handle:
        deps = {_norm(d) for d in tomllib.load(handle)["project"]["dependencies"]}
    text = (ROOT / "environment.yml").read_text()
    pip_block = text.split("- pip:", 1)[1]
    pip_lines = re.findall(r"^ {6}- (?!-e )(\S.*)$", pip_block, re.M)
    env = {_norm(line) for line in pip_lines}
    assert deps == env, f"only in pyproject: {deps - env}; only in environment.yml: {env - deps}"


def test_required_pins():
    text = (ROOT / "pyproject.toml").read_text()
    for pin in ('"tensorflow==2.21.*"', '"keras==3.15.*"', '"keras-hub==0.32.*"'):
        assert pin in text


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
