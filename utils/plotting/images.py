"""Images in a grid, titled with their class (and prediction): the data a notebook shows.

Like every ``utils.plotting`` function it returns a closed ``Figure`` (shown once, when it
is the cell's last expression) and never calls ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from utils.plotting.core import check_class_names, check_text, new_figure
from utils.validate import check_int, check_labels

__all__ = ["plot_images"]


def plot_images(
    images: np.ndarray,
    labels: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    ncols: int = 8,
    title: str | None = None,
    predictions: Sequence[int] | None = None,
):
    """Shows images in a grid, each titled with its class (and prediction).

    Args:
        images: (N, H, W, 3) uint8 in [0, 255] or floats in [0, 1] (or (N, H, W)).
        labels: Integer label per image, shown as the class name.
        class_names: Names for the labels; None shows the integers.
        ncols: Images per row.
        title: Figure title.
        predictions: Predicted label per image; titles become ``true -> predicted``
            in red where they differ (for misclassified examples).

    Returns:
        A matplotlib Figure with one axes per image.

    Raises:
        ValueError: No images, lengths differ, ``ncols < 1``, or a label outside
            ``class_names``.
        TypeError: ``ncols`` is not an int, ``class_names`` empty or not a sequence.

    Example:
        >>> fig = plot_images(np.zeros((3, 8, 8, 3), "uint8"), [0, 1, 1], ["a", "b"], ncols=2)
        >>> [ax.get_title() for ax in fig.axes][:3]
        ['a', 'b', 'b']

    Used in: 00_setup_and_tour.ipynb, 02_feature_extraction_workflow.ipynb.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"images must be a non-empty (N, H, W[, C]) array, got shape {images.shape}.")
    ncols, n = check_int("ncols", ncols, low=1), len(images)
    check_text("title", title)
    if class_names is not None:
        class_names = check_class_names(class_names)
    valid = range(len(class_names)) if class_names is not None else None
    for name, arr in (("labels", labels), ("predictions", predictions)):
        if arr is not None and len(arr) != n:
            raise ValueError(f"{name} has {len(arr)} entries for {n} images.")
        if arr is not None:
            check_labels(f"{name} (one class index per image)", arr, classes=valid)
            if valid is None and not all(float(v).is_integer() for v in np.ravel(arr)):
                raise ValueError(f"{name} must be whole class indices, got {list(arr)[:5]}.")

    def name_of(label: int) -> str:
        return str(class_names[int(label)]) if class_names is not None else str(int(label))

    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(nrows, ncols, figsize=(1.8 * ncols, 1.9 * nrows + (0.4 if title else 0)))
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n:
            continue
        img = images[i]
        ax.imshow(img.astype("uint8") if img.dtype != np.uint8 and img.max() > 1.0 else img,
                  cmap="gray" if img.ndim == 2 else None)
        if labels is not None:
            text, color = name_of(labels[i]), "black"
            if predictions is not None:
                text += f" -> {name_of(predictions[i])}"
                color = "red" if int(predictions[i]) != int(labels[i]) else "green"
            ax.set_title(text, fontsize=9, color=color)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    # Empty grid cells are removed so fig.axes holds one axes per image.
    for ax in axes.ravel()[n:]:
        fig.delaxes(ax)
    return fig
