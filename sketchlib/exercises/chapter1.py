"""Checks for chapter 1, how a sketch is stored: stroke-3 to stroke-5, Ramer-Douglas-Peucker,
the scale factor."""

from __future__ import annotations

import numpy as np

from .. import strokes
from .core import Case, awkward_sketches, call, check_cases, report


def check_stroke3_to_stroke5(function) -> bool:
    """Check ``function(sketch, max_len) -> (max_len, 5)`` against
    :func:`sketchlib.strokes.stroke3_to_stroke5`."""
    sketches = awkward_sketches()
    cases = [(sketch, max_len) for sketch in sketches
             for max_len in (len(sketch), len(sketch) + 1, 250)]
    floats = sketches[-1].astype(np.float64)
    floats[:, :2] /= 7.3  # normalised offsets are floats
    cases.append((floats, 250))
    for sketch, max_len in cases:
        expected = strokes.stroke3_to_stroke5(sketch, max_len)
        result, problem = call(function, sketch.copy(), max_len)
        if problem:
            return report(False, problem, "start from an array of end rows (0, 0, 0, 0, 1).")
        result = np.asarray(result) if result is not None else None
        if result is None or result.shape != expected.shape:
            shape = None if result is None else result.shape
            return report(False, f"for a sketch of {len(sketch)} rows and max_len={max_len}"
                          f" the result should have shape {expected.shape}, not {shape}.",
                          "one row per step up to max_len; 5 columns (dx, dy, p1, p2, p3).")
        n = len(sketch)
        if not np.allclose(result[:n, :2], expected[:n, :2]):
            return report(False, "the offsets (dx, dy) of the real rows are not copied over.",
                          "columns 0 and 1 of stroke-5 are columns 0 and 1 of stroke-3.")
        if not np.allclose(result[:n, 2:], expected[:n, 2:]):
            return report(False, "the pen state of the real rows is wrong.",
                          "p1 = 1 - p (pen stays down), p2 = p (pen lifts), p3 = 0.")
        if not np.allclose(result[n:], expected[n:]):
            return report(False, "the padding rows after the sketch are wrong.",
                          "every row after the last point is the end row (0, 0, 0, 0, 1).")
    return report(True, "your stroke-3 -> stroke-5 conversion matches sketchlib's.")


def check_rdp(function) -> bool:
    """Check ``function(points, epsilon) -> simplified points`` against
    :func:`sketchlib.strokes.rdp` on curves and corner cases."""
    t = np.linspace(0, 2 * np.pi, 80)
    circle = np.column_stack([30 * np.cos(t), 30 * np.sin(t)])
    circle[-1] = circle[0]  # a closed stroke: both ends are the same point
    cases = [
        (np.column_stack([np.linspace(0, 10, 11), np.zeros(11)]), 0.5, "a straight line"),
        (np.column_stack([np.linspace(0, 100, 60), 20 * np.sin(t[:60] * 2)]), 2.0, "a wave"),
        (circle, 2.0, "a closed circle"),
        (circle[:60], 0.1, "an arc, small epsilon"),
        (np.array([[0.0, 0.0], [5.0, 5.0]]), 1.0, "two points"),
    ]
    for points, epsilon, name in cases:
        expected = strokes.rdp(points, epsilon)
        result, problem = call(function, points.copy(), epsilon)
        if problem:
            return report(False, f"on {name}: {problem}",
                          "keep the ends, find the farthest point, and recurse on both halves.")
        result = np.asarray(result, dtype=float) if result is not None else None
        if result is None or result.ndim != 2 or result.shape[1] != 2:
            return report(False, f"on {name} the result should be a (k, 2) array of points.")
        if not (np.allclose(result[0], points[0]) and np.allclose(result[-1], points[-1])):
            return report(False, f"on {name} the first and last points must be kept.")
        if result.shape != expected.shape or not np.allclose(result, expected):
            repeated = np.all(np.isclose(result[1:], result[:-1]), axis=1)
            once = result[np.concatenate([[True], ~repeated])]
            if repeated.any() and once.shape == expected.shape and np.allclose(once, expected):
                hint = ("the split point ends the first half and starts the second: keep it "
                        "once when you join the halves (drop the first point of the second).")
            elif np.allclose(points[0], points[-1]):
                hint = ("when both ends are the same point, the line has no direction: "
                        "use the distance to that point instead.")
            elif len(result) > len(expected):
                hint = "a point is kept only if its distance is *greater* than epsilon."
            elif len(result) < len(expected):
                hint = ("keep splitting both halves until no point is farther than epsilon "
                        "from the line through the ends of its part.")
            else:
                hint = ("measure the distance to the infinite line through the two end "
                        "points, not to the segment between them.")
            counts = (f"you keep {len(result)} points; sketchlib keeps {len(expected)}"
                      if len(result) != len(expected) else
                      f"you keep {len(result)} points, as many as sketchlib, but not the same")
            return report(False, f"on {name} (epsilon={epsilon}) {counts}.", hint)
    return report(True, "your Ramer-Douglas-Peucker matches sketchlib's on every case.")


def check_scale_factor(function, sketches) -> bool:
    """Check ``function(train_sketches) -> float`` against
    :func:`sketchlib.strokes.scale_factor` on ``sketches`` (a training split)."""
    expected = strokes.scale_factor(sketches)

    def mistakes(sketches):
        offsets = np.concatenate([np.asarray(s, dtype=float)[:, :2] for s in sketches])
        per_axis = offsets.std(axis=0)
        return {
            "use one number for both axes: the std of dx and dy pooled together.":
                per_axis.mean(),
            "pool dx and dy: one number for both axes, not the std of dx alone.": per_axis[0],
            "np.std subtracts the mean of the pooled offsets; do the same.":
                np.sqrt(np.mean(offsets ** 2)),
        }

    return check_cases(
        function, [Case((sketches,), expected)], mistakes=mistakes, rtol=1e-5,
        raised="pool every dx and dy of every sketch, then np.std.",
        shape_hint="the scale factor is one number for the whole training split.",
        differs=lambda case, value: f"you get {value:.4f}, sketchlib gets {expected:.4f}.",
        otherwise="include only columns 0 and 1 (not the pen), and every row of every sketch.",
        right=f"the scale factor is {expected:.4f}.")
