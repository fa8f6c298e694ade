"""Fine-Tune Twice course helpers: config, data, models, freezing, training, plotting."""

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "checks",
    "config",
    "data",
    "freezing",
    "heads",
    "models",
    "plotting",
    "results",
    "self_training",
    "text",
    "training",
]
