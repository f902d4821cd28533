"""sketchlib: Sketch-RNN from the data up, the package of the hands-on Sketch-RNN book.

One module per concept (data: ``strokes``, ``quickdraw``, ``datasets``, ``synthetic``,
``batching``; model: ``cells``, ``mdn``, ``encoder``, ``model``, ``hparams``; use:
``training``, ``checkpoints``, ``sampling``, ``similarity``, ``pretrained``, ``draw``,
``widgets``, ``pad``, ``browser``, ``cli``, ``benchmark``) and one package, ``exercises``,
with the checks of the book's exercises by chapter.
"""

import os as _os

__version__ = "0.1.0"

# TensorFlow's C++ start-up lines are noise in a notebook; a user's own setting wins.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and Keras (and its backend), so reruns draw the same."""
    import keras

    keras.utils.set_random_seed(seed)  # seeds Python's random and NumPy too



def show_source(function) -> None:
    """Display the source code of a sketchlib function or method (dedented) in a notebook,
    highlighted: the book shows the package's code rather than a copy of it."""
    import inspect
    import textwrap

    from IPython.display import Code, display

    display(Code(textwrap.dedent(inspect.getsource(function)), language="python"))
