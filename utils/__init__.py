"""Fine-Tune Twice course helpers, one module per role (README's maintainer section has the map)."""

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "adapters",
    "assets",
    "checks",
    "config",
    "data",
    "distribution",
    "experiments",
    "freezing",
    "metrics",
    "models",
    "optim",
    "plotting",
    "results",
    "training",
    "validate",
    "weights",
]
