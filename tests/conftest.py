"""Shared fixtures: a clean environment for the course's TL_* variables."""

from __future__ import annotations

import pytest

TL_VARS = ("TL_PROFILE", "TL_SEED", "TL_DATA_DIR", "TL_WEIGHTS_DIR", "TL_ENCODER_DIR")


@pytest.fixture
def clean_env(monkeypatch):
    """Removes every TL_* variable so a test sets only what it needs."""
    for name in TL_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# Notebooks by their time in CI's TensorFlow pass (3 workers on 2 cores, 2026-12-03), slowest first.
# `make test` runs pytest-xdist with --dist loadfile --no-loadscope-reorder: each file stays on
# one worker (a notebook keeps one kernel) and files are handed out in this order, so the
# longest notebooks start at once on different workers and the short files fill in behind them.
SLOWEST_FIRST = ("06_", "07_", "04_", "09_", "05_", "10_", "03_", "00_", "08_", "02_", "01_")
# Then the unit-test files one worker spends longest on (TF and JAX passes, 2 workers,
# 2026-12-03), slowest first, and the rest after them: handed out last, test_pair_models (60 s on
# JAX) ran alone at the end of the JAX pass while the other worker had finished.
SLOW_TESTS_FIRST = ("test_pair_models.py", "test_forgetting.py", "test_training.py", "test_models.py",
                    "test_faults.py", "test_heads.py", "test_lab_smoke.py", "test_bad_inputs.py", "test_freezing.py")


def _rank(item: pytest.Item) -> int:
    name = item.path.name
    if name.endswith(".ipynb"):
        for rank, prefix in enumerate(SLOWEST_FIRST):
            if name.startswith(prefix):
                return rank
        return len(SLOWEST_FIRST)
    if name in SLOW_TESTS_FIRST:
        return len(SLOWEST_FIRST) + 1 + SLOW_TESTS_FIRST.index(name)
    return len(SLOWEST_FIRST) + 1 + len(SLOW_TESTS_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: the cells of a notebook keep their order
