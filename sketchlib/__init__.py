"""sketchlib: Sketch-RNN from the data up, the package of the hands-on Sketch-RNN book.

One module per concept (data: ``strokes``, ``quickdraw``, ``datasets``, ``synthetic``,
``batching``; model: ``cells``, ``mdn``, ``encoder``, ``model``, ``hparams``; use:
``training``, ``distribute``, ``checkpoints``, ``sampling``, ``latent``, ``similarity``,
``likelihood``,
``pretrained``, ``magenta``, ``draw``, ``widgets``, ``pad``, ``browser``, ``cli``, ``benchmark``) and one
package, ``exercises``, with the checks of the book's exercises by chapter.
"""

import importlib as _importlib
import logging as _logging
import os as _os

__version__ = "0.1.0"

# TensorFlow's C++ start-up lines are noise in a notebook; a user's own setting wins.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _not_a_retracing_warning(record) -> bool:
    """Every model compiles its own sampling and evaluation functions, so a notebook that
    loads several models makes TensorFlow warn that functions were "retraced", a false alarm
    for sketchlib. This filter on the "tensorflow" logger drops that one warning."""
    return "triggered tf.function retracing" not in record.getMessage()


_logging.getLogger("tensorflow").addFilter(_not_a_retracing_warning)


#: The package's modules, reachable as ``sketchlib.<name>`` after ``import sketchlib``.
MODULES = ("batching", "benchmark", "browser", "cell_probe", "cells", "checkpoints", "cli",
           "datasets", "distribute", "draw", "encoder", "exercises", "hparams", "latent",
           "likelihood", "magenta", "mdn", "model", "pad", "pretrained", "quickdraw", "raster", "sampling", "similarity",
           "strokes", "synthetic", "training", "widgets")


def __getattr__(name: str):
    """A module of the package on first use (``sketchlib.pretrained.load(...)`` after a plain
    ``import sketchlib``), imported only then, so that importing the package stays quick."""
    if name in MODULES:
        return _importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'sketchlib' has no attribute {name!r}")


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


def show_table(header, rows) -> None:
    """Display a table in a notebook, as Markdown (so that the book renders it as a table):
    ``header``, a list of column titles, and ``rows``, lists of cells of the same length
    (anything ``str`` can print). The first column is aligned left, the others right."""
    from IPython.display import Markdown, display

    lines = [list(header), ["---"] + ["---:"] * (len(header) - 1), *map(list, rows)]
    if any(len(line) != len(header) for line in lines):
        raise ValueError(f"every row needs {len(header)} cells, as the header has")
    display(Markdown("\n".join("| " + " | ".join(map(str, line)) + " |" for line in lines)))
