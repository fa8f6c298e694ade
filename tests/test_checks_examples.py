"""The Example of every ``utils.checks`` docstring runs and shows what it says (doctest)."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

MODULES = ["core", "answers", "general", "vision", "tuning", "text"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(f"utils.checks.{name}")
    result = doctest.testmod(module, extraglobs={"np": np}, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
