"""Sketch formats and the operations on them.

Three ways to write one drawing:

* **stroke-3**: an ``(n, 3)`` array of rows ``(dx, dy, p)``. ``dx, dy`` is the offset from the
  previous point and ``p = 1`` when the pen lifts after this point. The drawing starts with the
  pen down at the origin, so the first row is the offset from the first point to the second
  (this is how the official sketch-rnn ``.npz`` files are stored).
* **stroke-5**: an ``(N, 5)`` array of rows ``(dx, dy, p1, p2, p3)`` with a one-hot pen state:
  p1 the pen stays down, p2 the pen lifts after this point, p3 the drawing has ended (this row
  and every row after it, each ``(0, 0, 0, 0, 1)``).
* **polylines**: a list of strokes, each a ``(k, 2)`` array of absolute ``(x, y)`` points.
"""

from __future__ import annotations

import numpy as np

#: The stroke-5 row of a finished drawing, used to pad batches.
END_ROW = np.array([0.0, 0.0, 0.0, 0.0, 1.0], dtype=np.float32)


def validate_stroke3(sketch, name: str = "sketch") -> np.ndarray:
    """Check that ``sketch`` is a usable stroke-3 array and return it as an ndarray.

    Raises ``ValueError`` that names ``name`` and says what is wrong: not 2-D, not 3 columns,
    empty, not numeric, NaN or infinite values, or pen values other than 0 and 1.
    """
    try:
        array = np.asarray(sketch)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name}: cannot be read as an array ({error})") from None
    if (array.dtype == object or not np.issubdtype(array.dtype, np.number)
            or np.iscomplexobj(array)):
        raise ValueError(f"{name}: stroke-3 values must be numbers, got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[1] != 3:
        raise ValueError(f"{name}: stroke-3 must have shape (n, 3), got {array.shape}")
    if len(array) == 0:
        raise ValueError(f"{name}: the sketch is empty (0 rows)")
    bad = ~np.isfinite(array)
    if bad.any():
        row = int(np.argwhere(bad)[0, 0])
        raise ValueError(f"{name}: NaN or infinite value in row {row}: {array[row].tolist()}")
    pens = array[:, 2]
    wrong = (pens != 0) & (pens != 1)
    if wrong.any():
        row = int(np.argmax(wrong))
        raise ValueError(
            f"{name}: pen values must be 0 or 1, row {row} has {array[row, 2].item()!r}")
    return array


def validate_stroke5(sketch, name: str = "sketch") -> np.ndarray:
    """Check an ``(N, 5)`` stroke-5 array: finite, one-hot pen state, nothing drawn after p3."""
    array = np.asarray(sketch)
    if array.ndim != 2 or array.shape[1] != 5:
        raise ValueError(f"{name}: stroke-5 must have shape (N, 5), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: stroke-5 contains NaN or infinite values")
    pens = array[:, 2:]
    if not (np.isin(pens, (0, 1)).all() and (pens.sum(axis=1) == 1).all()):
        row = int(np.argmax(~(np.isin(pens, (0, 1)).all(axis=1) & (pens.sum(axis=1) == 1))))
        raise ValueError(f"{name}: row {row} pen state {pens[row].tolist()} is not one-hot")
    ended = np.cumsum(pens[:, 2]) > 0
    if (ended & (pens[:, 2] == 0)).any():
        raise ValueError(f"{name}: a row after the end state (p3) is not an end row")
    return array


def stroke3_to_stroke5(sketch, max_len: int | None = None) -> np.ndarray:
    """stroke-3 ``(n, 3)`` -> stroke-5 ``(max_len, 5)`` float32.

    Rows ``n..max_len-1`` are end rows ``(0, 0, 0, 0, 1)``. ``max_len`` defaults to ``n + 1``, so
    the result always holds one end row; ``max_len = n`` gives none (as in a full batch row).
    """
    sketch = validate_stroke3(sketch)
    n = len(sketch)
    max_len = n + 1 if max_len is None else int(max_len)
    if max_len < n:
        raise ValueError(f"max_len={max_len} is shorter than the sketch ({n} rows)")
    result = np.tile(END_ROW, (max_len, 1))
    result[:n, :2] = sketch[:, :2]
    result[:n, 2] = 1 - sketch[:, 2]
    result[:n, 3] = sketch[:, 2]
    result[:n, 4] = 0
    return result


def stroke5_to_stroke3(sketch) -> np.ndarray:
    """stroke-5 ``(N, 5)`` -> stroke-3 ``(n, 3)`` float32: the rows before the first end state.

    The pen state of each row is its largest of ``(p1, p2, p3)``, so the outputs of a model (soft
    or one-hot) both work.
    """
    array = np.asarray(sketch, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != 5:
        raise ValueError(f"stroke-5 must have shape (N, 5), got {array.shape}")
    state = np.argmax(array[:, 2:], axis=1)
    ended = np.flatnonzero(state == 2)
    n = int(ended[0]) if len(ended) else len(array)
    result = np.zeros((n, 3), dtype=np.float32)
    result[:, :2] = array[:n, :2]
    result[:, 2] = state[:n] == 1
    return result


def stroke3_to_polylines(sketch) -> list[np.ndarray]:
    """stroke-3 ``(n, 3)`` -> list of strokes, each ``(k, 2)`` absolute points (float64).

    The first stroke starts at the origin ``(0, 0)``, the implicit first point of the drawing.
    """
    sketch = validate_stroke3(sketch)
    points = np.vstack([[0.0, 0.0], np.cumsum(sketch[:, :2], axis=0, dtype=np.float64)])
    pens = np.concatenate([[0.0], sketch[:, 2]])
    # A stroke ends at a point whose pen lifts; the next point starts a new stroke.
    ends = np.flatnonzero(pens == 1) + 1
    return [line for line in np.split(points, ends) if len(line)]


def count_strokes(sketch) -> int:
    """The strokes of a stroke-3 sketch ``(n, 3)``: its pen lifts, one more if its last row
    does not lift the pen (a drawing cut off mid-stroke), and 0 for an empty one (a sampled
    drawing that ended at its first step)."""
    if len(sketch) == 0:
        return 0
    return len(stroke3_to_polylines(sketch))


def mean_strokes(sketches) -> float:
    """The mean of :func:`count_strokes` over stroke-3 sketches."""
    return float(np.mean([count_strokes(sketch) for sketch in sketches]))


def polylines_to_stroke3(lines) -> np.ndarray:
    """List of strokes of absolute ``(x, y)`` points -> stroke-3 ``(n, 3)`` float64.

    The first point becomes the origin and is dropped, so a drawing of ``P`` points gives
    ``P - 1`` rows (as in the official files). The result is translation invariant.
    """
    lines = [np.asarray(line, dtype=np.float64) for line in lines]
    for i, line in enumerate(lines):
        if line.ndim != 2 or line.shape[1] != 2 or len(line) == 0:
            raise ValueError(f"stroke {i}: must be a non-empty (k, 2) array, got {line.shape}")
    if sum(len(line) for line in lines) < 2:
        raise ValueError("a drawing needs at least two points to give one stroke-3 row")
    points = np.vstack(lines)
    pens = np.concatenate([np.eye(1, len(line), len(line) - 1)[0] for line in lines])
    if not np.isfinite(points).all():
        raise ValueError("polylines contain NaN or infinite coordinates")
    return np.column_stack([np.diff(points, axis=0), pens[1:]])


def first_strokes(sketch, count: int) -> np.ndarray:
    """The first ``count`` strokes of a stroke-3 sketch ``(n, 3)``: its rows up to and
    including the one whose pen lifts for the ``count``-th time, so that the prefix ends with
    the pen lifted, as a reader's drawing does (all rows when the sketch has fewer strokes;
    none for ``count`` 0)."""
    sketch = validate_stroke3(sketch)
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    ends = np.flatnonzero(sketch[:, 2] == 1)
    if count == 0:
        return sketch[:0]
    return sketch[:ends[count - 1] + 1] if count <= len(ends) else sketch


def bounds(sketch) -> tuple[float, float, float, float]:
    """``(min_x, max_x, min_y, max_y)`` of the absolute points of a stroke-3 sketch."""
    points = np.vstack(stroke3_to_polylines(sketch))
    return (float(points[:, 0].min()), float(points[:, 0].max()),
            float(points[:, 1].min()), float(points[:, 1].max()))


def scale_factor(sketches) -> float:
    """Standard deviation of every ``dx`` and ``dy`` of ``sketches`` pooled (no mean removed
    from the data: ``np.std`` of the pooled offsets).

    Sketch-RNN divides all offsets by this one number, computed on the training split only.
    """
    if len(sketches) == 0:
        raise ValueError("scale_factor needs at least one sketch")
    offsets = np.concatenate([np.asarray(s, dtype=np.float64)[:, :2].ravel()
                              for s in sketches])
    factor = float(np.std(offsets))
    if not np.isfinite(factor) or factor <= 0:
        raise ValueError(f"scale factor must be positive and finite, got {factor}")
    return factor


def normalize(sketch, factor: float) -> np.ndarray:
    """Divide the offsets of one stroke-3 sketch by ``factor``; returns a float32 copy."""
    result = np.array(sketch, dtype=np.float32)
    result[:, :2] /= factor
    return result


def denormalize(sketch, factor: float) -> np.ndarray:
    """Undo :func:`normalize`: multiply the offsets back by ``factor`` (float32 copy)."""
    result = np.array(sketch, dtype=np.float32)
    result[:, :2] *= factor
    return result


def clamp(sketch, limit: float = 1000.0) -> np.ndarray:
    """Clip ``dx`` and ``dy`` to ``[-limit, limit]`` (a copy; pen column untouched)."""
    result = np.array(sketch, copy=True)
    result[:, :2] = np.clip(result[:, :2], -limit, limit)
    return result


def rdp(points, epsilon: float) -> np.ndarray:
    """Ramer-Douglas-Peucker simplification of one polyline ``(k, 2)`` -> ``(k', 2)``.

    Keeps the two end points; keeps the point farthest from the line through them if it is
    more than ``epsilon`` away, and repeats on both halves. Distances are to the infinite line
    (to the point itself when both ends coincide).
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"rdp expects a (k, 2) array of points, got {points.shape}")
    if epsilon < 0:
        raise ValueError(f"epsilon must be >= 0, got {epsilon}")
    keep = np.zeros(len(points), dtype=bool)
    if len(points) <= 2:
        keep[:] = True
        return points[keep]
    keep[[0, -1]] = True
    pending = [(0, len(points) - 1)]
    while pending:
        first, last = pending.pop()
        if last - first < 2:
            continue
        distances = _distances_to_line(points[first + 1:last], points[first], points[last])
        farthest = int(np.argmax(distances))
        if distances[farthest] > epsilon:
            split = first + 1 + farthest
            keep[split] = True
            pending += [(first, split), (split, last)]
    return points[keep]


def _distances_to_line(points, start, end) -> np.ndarray:
    """Distance of each of ``points`` ``(k, 2)`` to the line through ``start`` and ``end``."""
    direction = end - start
    length = np.hypot(*direction)
    relative = points - start
    if length == 0:
        return np.hypot(relative[:, 0], relative[:, 1])
    return np.abs(direction[0] * relative[:, 1] - direction[1] * relative[:, 0]) / length


def simplify(lines, epsilon: float) -> list[np.ndarray]:
    """Apply :func:`rdp` to every stroke of a list of polylines."""
    return [rdp(line, epsilon) for line in lines]
