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
