"""Plots of the course: every function returns a matplotlib ``Figure``.

Figures are closed before they are returned, so a notebook shows each one exactly once,
when it is the cell's last expression (or via ``display(fig)``). Nothing here calls
``plt.show()`` or changes ``rcParams``.

* ``core``: histories, confusion matrices, trainable maps, bars;
* ``images``: images in a grid with their classes and predictions;
* ``training``: staged runs, weight drift, the strategy grid, per-step losses of runs;
* ``experiments``: the arms of 06, the heads of 07, the self-training rounds of 08, the
  forgetting frontier of 09.
"""

from utils.plotting.core import plot_bars, plot_confusion, plot_history, plot_trainable
from utils.plotting.experiments import (
    plot_arm_stages,
    plot_frontier,
    plot_head_comparison,
    plot_self_training,
)
from utils.plotting.images import plot_images
from utils.plotting.training import (
    plot_grid_heatmap,
    plot_stages,
    plot_step_losses,
    plot_weight_drift,
)

__all__ = [
    "plot_arm_stages", "plot_bars", "plot_frontier", "plot_confusion", "plot_grid_heatmap",
    "plot_head_comparison", "plot_history", "plot_images", "plot_self_training",
    "plot_stages", "plot_step_losses", "plot_trainable", "plot_weight_drift",
]
