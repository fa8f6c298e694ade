"""Profiles, seeds and local paths: the only settings the course reads.

Environment variables (names are part of the course's contract):

* ``TL_PROFILE``: ``quick`` (small, CPU, CI) or ``full`` (real sizes, GPU).
  Default: ``full`` when a GPU is visible to the Keras backend, else ``quick``.
* ``TL_SEED``: integer seed, default 42.
* ``TL_DATA_DIR``: folder holding local copies of the data sets.
* ``TL_WEIGHTS_DIR``: folder holding local copies of pretrained weight files.

Importing this module has no side effects.
"""

from __future__ import annotations

import math
import os
import platform
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from utils.validate import did_you_mean

PROFILES = ("quick", "full")
DEFAULT_SEED = 42
PROJECT_ROOT = Path(__file__).resolve().parents[1]

__all__ = [
    "PROFILES",
    "DEFAULT_SEED",
    "PROJECT_ROOT",
    "get_profile",
    "get_seed",
    "get_data_dir",
    "get_weights_dir",
    "detect_accelerator",
    "pick",
    "describe_environment",
]


def detect_accelerator() -> str:
    """Names the accelerator the active Keras backend would use.

    Returns:
        ``"gpu"`` or ``"tpu"`` when the backend sees one, else ``"cpu"``.

    Example:
        >>> detect_accelerator() in {"cpu", "gpu", "tpu"}
        True

    Used in: 00_setup_and_tour.ipynb (through ``describe_environment``).
    """
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            if tf.config.list_physical_devices("GPU"):
                return "gpu"
            if tf.config.list_physical_devices("TPU"):
                return "tpu"
        elif backend == "jax":
            import jax

            platform_name = jax.devices()[0].platform
            if platform_name in ("gpu", "cuda", "rocm"):
                return "gpu"
            if platform_name == "tpu":
                return "tpu"
        elif backend == "torch":
            import torch

            if torch.cuda.is_available():
                return "gpu"
    except Exception:  # a broken driver must not stop a notebook: fall back to CPU
        return "cpu"
    return "cpu"


def get_profile(value: str | None = None) -> str:
    """Returns the run profile, ``"quick"`` or ``"full"``.

    Args:
        value: An explicit profile; when None, ``TL_PROFILE`` is read, and when
            that is unset too the profile is ``full`` on a GPU, else ``quick``.

    Returns:
        ``"quick"`` or ``"full"``.

    Raises:
        TypeError: ``value`` is not a string.
        ValueError: The profile is not one of ``quick``/``full`` (a close one is suggested).

    Example:
        >>> get_profile("quick")
        'quick'

    Used in: every notebook's Parameters section.
    """
    if value is None:
        value = os.environ.get("TL_PROFILE", "").strip()
        if not value:
            return "full" if detect_accelerator() != "cpu" else "quick"
        source = "TL_PROFILE"
    else:
        source = "profile"
    if not isinstance(value, str):
        raise TypeError(f"{source} must be a string, one of {PROFILES}; got {value!r}.")
    normalised = value.strip().lower()
    if normalised not in PROFILES:
        raise ValueError(
            f"Unknown {source} {value!r}: use one of {', '.join(PROFILES)} (quick = small CPU "
            f"run for CI, full = real sizes on a GPU).{did_you_mean(normalised, PROFILES)}"
        )
    return normalised


def get_seed(value: int | str | None = None) -> int:
    """Returns the random seed: ``value``, else ``TL_SEED``, else 42.

    Args:
        value: An explicit seed: an int (NumPy's too), a whole float such as ``7.0``, or a
            string of digits.

    Returns:
        A non-negative integer below 2**32.

    Raises:
        ValueError: The seed is not a non-negative integer below 2**32 (a bool, ``1.5``,
            NaN, infinity and ``"abc"`` are refused, never rounded).

    Example:
        >>> get_seed(7)
        7

    Used in: every notebook's Setup section.
    """
    source = "seed"
    if value is None:
        value = os.environ.get("TL_SEED", "").strip() or DEFAULT_SEED
        source = "TL_SEED"
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{source} must be an integer, got the boolean {value!r}.")
    seed = None
    if isinstance(value, str):
        seed = int(value.strip()) if value.strip().lstrip("+-").isdigit() else None
    elif isinstance(value, Integral):
        seed = int(value)
    elif isinstance(value, Real) and math.isfinite(float(value)) and float(value).is_integer():
        seed = int(value)
    if seed is None:
        raise ValueError(f"{source} must be a non-negative integer such as 42, got {value!r}.")
    if not 0 <= seed < 2**32:
        raise ValueError(f"{source} must be between 0 and 2**32 - 1, got {seed}.")
    return seed


def _dir_from_env(variable: str, fallback: Path) -> Path | None:
    raw = os.environ.get(variable, "").strip()
    if raw:
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = (Path.cwd() / path).resolve()
        if not path.is_dir():
            raise FileNotFoundError(
                f"{variable}={raw!r} points to {path}, which is not a folder. "
                f"Create it, fix the path, or unset {variable} to download instead."
            )
        return path
    return fallback if fallback.is_dir() else None


def get_data_dir() -> Path | None:
    """Returns the local data root, or None when there is none.

    ``TL_DATA_DIR`` wins; else ``../shared/data`` beside the project is used
    when it exists (the course's offline copies); else None (download).

    Returns:
        An absolute folder path or None.

    Raises:
        FileNotFoundError: ``TL_DATA_DIR`` is set but is not a folder.

    Example:
        >>> d = get_data_dir()
        >>> d is None or d.is_dir()
        True

    Used in: utils.data (every loader).
    """
    return _dir_from_env("TL_DATA_DIR", PROJECT_ROOT.parent / "shared" / "data")


def get_weights_dir() -> Path | None:
    """Returns the folder of local pretrained weight files, or None.

    ``TL_WEIGHTS_DIR`` wins; else ``../shared/keras-cache/models`` when it exists.

    Returns:
        An absolute folder path or None.

    Raises:
        FileNotFoundError: ``TL_WEIGHTS_DIR`` is set but is not a folder.

    Example:
        >>> d = get_weights_dir()
        >>> d is None or d.is_dir()
        True

    Used in: utils.models.
    """
    return _dir_from_env(
        "TL_WEIGHTS_DIR", PROJECT_ROOT.parent / "shared" / "keras-cache" / "models"
    )


def pick(quick: Any, full: Any, profile: str | None = None) -> Any:
    """Returns ``quick`` or ``full`` depending on the profile.

    Args:
        quick: The value for the quick (CPU, CI) profile.
        full: The value for the full (GPU) profile.
        profile: Explicit profile; None reads ``TL_PROFILE`` (see ``get_profile``).

    Returns:
        One of the two values.

    Example:
        >>> pick(quick=2, full=10, profile="quick")
        2

    Used in: every notebook's Parameters section.
    """
    return quick if get_profile(profile) == "quick" else full


def describe_environment(profile: str | None = None, seed: int | None = None) -> str:
    """One line naming backend, versions, device, profile and seed.

    Args:
        profile: Profile to report; None resolves it like ``get_profile``.
        seed: Seed to report; None resolves it like ``get_seed``.

    Returns:
        A string such as ``"backend=tensorflow keras=3.15.1 ... profile=quick seed=42"``.

    Example:
        >>> "profile=" in describe_environment("quick", 1)
        True

    Used in: every notebook's Setup section.
    """
    import keras

    backend = keras.backend.backend()
    backend_version = "?"
    try:
        module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend]
        backend_version = __import__(module).__version__
    except Exception:
        pass
    parts = {
        "backend": f"{backend} {backend_version}",
        "keras": keras.__version__,
        "python": platform.python_version(),
        "device": detect_accelerator(),
        "profile": get_profile(profile),
        "seed": get_seed(seed),
    }
    try:
        import keras_hub

        parts["keras_hub"] = keras_hub.__version__
    except Exception:
        pass
    return " | ".join(f"{k}={v}" for k, v in parts.items())
