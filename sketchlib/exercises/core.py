"""What every exercise check shares: running the student's function safely, reading its
result, reporting right or wrong with a hint, and the shipped model the checks draw with."""

from __future__ import annotations

import numpy as np
from keras import ops

from ..pretrained import load
from ..synthetic import synthetic_sketch


def report(ok: bool, what: str, hint: str = "") -> bool:
    """Print "Correct: ..." or "Not yet: ..." with its hint; return ``ok``."""
    if ok:
        print(f"Correct: {what}")
    else:
        print(f"Not yet: {what}" + (f"\nHint: {hint}" if hint else ""))
    return ok


def call(function, *args):
    """Run the student's function; return (result, None) or (None, message)."""
    try:
        return function(*args), None
    except NotImplementedError:
        return None, "the function is not written yet (it raises NotImplementedError)."
    except Exception as error:  # the student's code may raise anything
        return None, f"the function raised {type(error).__name__}: {error}"


def as_array(value) -> np.ndarray:
    """A student's result (NumPy array, number or backend tensor) as a float64 array."""
    try:
        return np.asarray(ops.convert_to_numpy(value), dtype=np.float64)
    except Exception:  # not a tensor: let NumPy try
        return np.asarray(value, dtype=np.float64)


def call_array(function, *args):
    """Run the student's function and read its result as a float64 array: ``(array, None)`` or
    ``(None, message)``."""
    result, problem = call(function, *args)
    if problem:
        return None, problem
    try:
        return as_array(result), None
    except (TypeError, ValueError):
        return None, ("the function should return an array of numbers, got "
                      f"{type(result).__name__}.")


def hint_for(result, guesses: dict, otherwise: str, **tolerance) -> str:
    """The hint of the first typical mistake in ``guesses`` (``{hint: wrong answer}``, a
    wrong answer ``None`` where it cannot be computed) that ``result`` equals within
    ``tolerance`` (as :func:`numpy.allclose`, shapes equal), else ``otherwise``."""
    result = np.asarray(result, dtype=np.float64)
    with np.errstate(all="ignore"):
        for hint, wrong in guesses.items():
            if wrong is None:
                continue
            wrong = np.asarray(wrong, dtype=np.float64)
            if wrong.shape == result.shape and np.allclose(result, wrong, **tolerance):
                return hint
    return otherwise


def awkward_sketches() -> list[np.ndarray]:
    """A few stroke-3 sketches with the awkward cases: one row, a dot, many strokes."""
    rng = np.random.default_rng(7)
    return [np.array([[3, 4, 1]], dtype=np.int16),
            np.array([[5, 0, 0], [0, 5, 1], [2, 2, 1], [-4, 1, 0], [1, 1, 1]], dtype=np.int16),
            *[synthetic_sketch(kind, rng) for kind in ("square", "face", "star")]]


_SHIPPED = {}


def shipped_model(name: str = "sheep_decoder"):
    """The shipped model ``name``, loaded once."""
    if name not in _SHIPPED:
        _SHIPPED[name] = load(name)
    return _SHIPPED[name]
