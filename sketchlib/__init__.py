"""sketchlib: Sketch-RNN from the data up, the package of the hands-on Sketch-RNN book.

One module per concept: ``strokes`` (formats, normalisation, RDP), ``quickdraw`` (ndjson,
Google's simplification), ``datasets`` (named datasets, downloads, preparation),
``synthetic`` (shapes drawn by the package), ``batching`` (augmentation, stroke-5 batches),
``draw`` (figures, SVG, animations) and ``exercises`` (checks for the book's exercises).
"""

import os as _os

__version__ = "0.1.0"

# TensorFlow's C++ start-up lines are noise in a notebook; a user's own setting wins.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and (when installed) Keras/TensorFlow, so reruns draw the same."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    try:
        import keras
    except ImportError:  # pragma: no cover - keras is a dependency
        return
    keras.utils.set_random_seed(seed)

