"""What every exercise check shares: running the student's function safely, reading its
result, comparing it with sketchlib's answer on test cases, matching typical mistakes to
hints, reporting right or wrong, and the shipped model the checks draw with."""

from __future__ import annotations

import copy
from typing import NamedTuple

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
        return None, ("the function should return a number or an array of numbers, got "
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


def shape_problem(expected_shape: tuple, shape: tuple) -> str:
    """What to say about a result of ``shape`` where ``expected_shape`` was due."""
    if expected_shape == ():
        return f"the result should be one number, not an array of shape {shape}."
    return f"the result should have shape {expected_shape}, not {shape}."


class Case(NamedTuple):
    """One test of a student's function: the arguments it gets, sketchlib's answer, and where
    the case is, for the messages (for example "at t = 0.5")."""

    args: tuple
    expected: object
    where: str = ""


def check_cases(function, cases, *, mistakes, raised: str, shape_hint: str | None,
                differs, otherwise: str, right: str, **tolerance) -> bool:
    """Run the student's ``function`` on each :class:`Case` (on copies of its arguments) and
    compare the result with the case's answer within ``tolerance`` (as
    :func:`numpy.allclose`); report the first case that fails, with a hint, or ``right``.

    - ``mistakes(*case.args)``: the typical mistakes, ``{hint: wrong answer}``; a wrong
      result gets the hint of the first one it equals, else ``otherwise``.
    - ``raised``: the hint when the function raises or returns no numbers.
    - ``shape_hint``: the hint when the result has the wrong shape (unless a typical mistake
      has that shape: then its hint). ``None`` where the shape is part of the answer (a
      prefix of some rows): a wrong shape is then a wrong answer like any other. Where the
      answer is one number, an array holding one number is accepted.
    - ``differs(case, result)``: what to say when the result is wrong.
    """
    for case in cases:
        result, problem = call_array(function, *copy.deepcopy(case.args))
        if problem:
            return report(False, _at(case.where, problem), raised)
        expected = np.asarray(case.expected, dtype=np.float64)
        if expected.shape == () and result.size == 1:
            result = result.reshape(())
        if result.shape == expected.shape and np.allclose(result, expected, **tolerance):
            continue
        wrong = mistakes(*case.args)
        if shape_hint is not None and result.shape != expected.shape:
            same_shape = [hint for hint, answer in wrong.items()
                          if answer is not None and np.shape(answer) == result.shape]
            return report(False, _at(case.where, shape_problem(expected.shape, result.shape)),
                          same_shape[0] if same_shape else shape_hint)
        return report(False, differs(case, result),
                      hint_for(result, wrong, otherwise, **tolerance))
    return report(True, right)


def _at(where: str, text: str) -> str:
    """``text`` after the case's ``where``, if it has one."""
    return f"{where} {text}" if where else text


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
