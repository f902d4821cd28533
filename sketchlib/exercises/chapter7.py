"""Checks for chapter 7, finishing a drawing: mouse points to the model's normalised stroke-3,
and where a prefix of whole strokes ends."""

from __future__ import annotations

import numpy as np

from ..strokes import first_strokes, polylines_to_stroke3
from ..synthetic import synthetic_sketch
from .core import Case, check_cases


def _mouse_lines(seed: int):
    """Three strokes of jittered pixel points (no three on one line), as a canvas gives."""
    rng = np.random.default_rng(seed)
    return [np.round(rng.uniform(20, 460, 2) + np.cumsum(rng.normal(0, 12, (k, 2)), axis=0), 1)
            for k in (6, 2, 9)]


def _normalised(lines, scale_factor, pixel_size):
    """Strokes of pixel points as normalised stroke-3 (sketchlib's answer)."""
    rows = polylines_to_stroke3(lines)
    rows[:, :2] *= pixel_size / scale_factor
    return rows


def check_canvas_to_stroke3(function) -> bool:
    """Check ``function(lines, scale_factor, pixel_size) -> (P, 3)``: strokes of pixel points
    (each ``(k, 2)``, in drawing order) to a model's normalised stroke-3, without
    simplification: offsets between consecutive points (the first point is the origin and
    gives no row), in data units (``pixel_size`` per pixel) divided by ``scale_factor``, pen 1
    on the last point of each stroke."""
    cases = []
    for seed, scale_factor, pixel_size in ((0, 18.5, 0.8), (1, 4.0, 2.0)):
        lines = _mouse_lines(seed)
        cases.append(Case((lines, scale_factor, pixel_size),
                          _normalised(lines, scale_factor, pixel_size),
                          f"with scale_factor {scale_factor} and pixel_size {pixel_size}"))

    def mistakes(lines, scale_factor, pixel_size):
        expected = _normalised(lines, scale_factor, pixel_size)
        points = np.vstack(lines)[1:]
        stroke_starts = np.cumsum([len(line) for line in lines])[:-1] - 1
        early_pens = np.zeros(len(expected))
        early_pens[stroke_starts] = 1
        return {
            "the first point is where the drawing starts, not a row: P points give P - 1 "
            "offsets.": np.vstack([[0.0, 0.0, 0.0], expected]),
            "the moves between strokes are missing: take offsets over all the points in "
            "drawing order, not stroke by stroke: the first point of a stroke is a row too, "
            "its offset from the last point of the stroke before (the move with the pen up).":
                np.vstack([_normalised([line], scale_factor, pixel_size) for line in lines]),
            "the rows are offsets from the previous point, not absolute positions.":
                np.column_stack([points * pixel_size / scale_factor, expected[:, 2]]),
            "pixels are converted to data units first (times pixel_size), then divided by "
            "the scale factor.": np.column_stack([expected[:, :2] / pixel_size,
                                                  expected[:, 2]]),
            "normalising divides by the scale factor; it does not multiply.":
                np.column_stack([expected[:, :2] * scale_factor ** 2, expected[:, 2]]),
            "the pen lifts at the last point of a stroke (pen 1 on its row), not at the "
            "first point of the next.": np.column_stack([expected[:, :2], early_pens]),
        }

    return check_cases(
        function, cases, mistakes=mistakes,
        raised="offsets between points, pen 1 where a stroke ends.",
        shape_hint="one row per point after the first.",
        differs=lambda case, rows: f"{case.where} the rows differ from the normalised "
                                   "stroke-3 of the drawing.",
        otherwise="(dx, dy) * pixel_size / scale_factor, pen 1 on each stroke's last point.",
        right="your rows are the drawing as the model reads it.")


def check_first_strokes(function) -> bool:
    """Check ``function(sketch, count) -> rows``: the rows of the first ``count`` strokes of a
    stroke-3 sketch, through the row whose pen lifts for the ``count``-th time (none for
    ``count`` 0, every row when the sketch has fewer strokes), against
    :func:`sketchlib.strokes.first_strokes`."""
    rng = np.random.default_rng(3)
    sketch = synthetic_sketch("face", rng)  # several strokes
    ends = np.flatnonzero(sketch[:, 2] == 1)
    cases = [Case((sketch, count), first_strokes(sketch, count), f"for count {count}")
             for count in (1, 2, len(ends) - 1, 0, len(ends) + 2)]

    def mistakes(sketch, count):
        if count == 0:
            return {"ends[count - 1] is ends[-1], the last stroke's end, when count is 0: "
                    "treat 0 first.": sketch[:ends[-1] + 1]}
        if count > len(ends):
            return {}  # the message says it: every row
        return {
            "the prefix must end with the row whose pen lifts (include it), so the drawing "
            "ends with the pen up.": sketch[:ends[count - 1]],
            "count the strokes from one: the first stroke ends at the first row whose pen "
            "is 1.": sketch[:ends[count] + 1] if count < len(ends) else sketch,
            "count strokes, not rows: a stroke is every row up to a pen lift.": sketch[:count],
        }

    def differs(case, result):
        sketch, count = case.args
        if count == 0:
            return f"for count 0 the prefix has no rows, not {len(result)}."
        if count > len(ends):
            return (f"a sketch of {len(ends)} strokes is all its {len(sketch)} rows for count "
                    f"{count}, not {len(result)}.")
        return f"the first {count} strokes are {len(case.expected)} rows, not {len(result)}."

    return check_cases(
        function, cases, mistakes=mistakes, differs=differs, shape_hint=None,
        raised="find the rows whose pen is 1; a sketch of fewer strokes than count is all of "
               "it, not an error.",
        otherwise="rows up to and including the count-th pen lift (every row when the sketch "
                  "has fewer strokes than count).",
        right="your prefix ends where the count-th stroke lifts the pen.")
