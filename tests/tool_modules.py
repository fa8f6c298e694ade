"""Loads a script of tools/ as a module for the tests (tools/ is not a package)."""

import importlib.util
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_tool(name: str) -> types.ModuleType:
    """``tools/<name>.py`` imported as a module named ``name``."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
