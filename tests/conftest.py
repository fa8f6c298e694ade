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


# Quick-profile runtimes measured by `make bench` (README's notebook map), slowest first.
# `make test` runs pytest-xdist with --dist loadfile --no-loadscope-reorder: each file stays on
# one worker (a notebook keeps one kernel) and files are handed out in this order, so the
# longest notebooks start at once on different workers and the short files fill in behind them.
SLOWEST_FIRST = ("04_", "06_", "07_", "05_", "10_", "03_", "00_", "08_", "02_", "01_")


def _rank(item: pytest.Item) -> int:
    name = item.path.name
    if name.endswith(".ipynb"):
        for rank, prefix in enumerate(SLOWEST_FIRST):
            if name.startswith(prefix):
                return rank
    return len(SLOWEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: the cells of a notebook keep their order
