"""sketchlib.strokes: stroke-3 / stroke-5 / polylines, normalisation, RDP."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from conftest import NPZ_FILES, QUICKDRAW_CLASSES, load_shared_npz
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sketchlib.strokes import (
    END_ROW,
    bounds,
    clamp,
    count_strokes,
    denormalize,
    first_strokes,
    mean_strokes,
    normalize,
    polylines_to_stroke3,
    rdp,
    scale_factor,
    simplify,
    stroke3_to_polylines,
    stroke3_to_stroke5,
    stroke5_to_stroke3,
    validate_stroke3,
    validate_stroke5,
)

# --------------------------------------------------------------------------- strategies


@st.composite
def stroke3_int(draw, min_rows=1, max_rows=60, limit=300, last_pen=None):
    """A valid stroke-3 int16 array: integer offsets, pens 0/1 (last pen forced if given)."""
    n = draw(st.integers(min_rows, max_rows))
    xy = draw(arrays(np.int64, (n, 2), elements=st.integers(-limit, limit)))
    pens = draw(arrays(np.int64, n, elements=st.integers(0, 1)))
    if last_pen is not None:
        pens[-1] = last_pen
    return np.column_stack([xy, pens]).astype(np.int16)


def int_points(min_size=2, max_size=40, unique=False, limit=50):
    """A (k, 2) float64 polyline with integer coordinates."""
    return st.lists(st.tuples(st.integers(-limit, limit), st.integers(-limit, limit)),
                    min_size=min_size, max_size=max_size, unique=unique).map(
        lambda points: np.array(points, dtype=np.float64).reshape(-1, 2))


# A sketch used by several examples: two strokes, (0,0)->(1,1)->(2,1) and (4,3)->(4,4).
EXAMPLE = np.array([[1, 1, 0], [1, 0, 1], [2, 2, 0], [0, 1, 1]], dtype=np.int16)

# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("bad, fragments", [
    (np.zeros(3), ["shape (n, 3)", "(3,)"]),
    (np.zeros((2, 3, 1)), ["shape (n, 3)", "(2, 3, 1)"]),
    (np.zeros((4, 2)), ["shape (n, 3)", "(4, 2)"]),
    (np.zeros((2, 4)), ["shape (n, 3)", "(2, 4)"]),
    (np.zeros((0, 3)), ["empty"]),
    (np.array([[1.0, 2.0, 0.0], [np.nan, 1.0, 1.0]]), ["NaN", "row 1"]),
    (np.array([[1.0, np.inf, 1.0]]), ["infinite", "row 0"]),
    (np.array([[1.0, -np.inf, 1.0]]), ["infinite", "row 0"]),
    (np.array([[1, 2, 0], [1, 2, 1], [3, 4, 2]]), ["pen", "0 or 1", "row 2"]),
    (np.array([[1.0, 2.0, 0.5]]), ["pen", "0 or 1", "0.5"]),
    (np.array([[1, 2, -1]]), ["pen", "0 or 1", "-1"]),
    (np.array([[1, 2, 0]], dtype=object), ["number", "object"]),
    (np.array([["1", "2", "0"]]), ["number", "dtype"]),
    (np.array([[True, False, True]]), ["number", "bool"]),
    ([[1, 2, 0], [1, 2]], ["cannot be read"]),
], ids=["1d", "3d", "2cols", "4cols", "empty", "nan", "inf", "-inf", "pen2", "pen0.5",
        "pen-1", "object", "str", "bool", "ragged"])
def test_validate_stroke3_rejects_with_message(bad, fragments):
    with pytest.raises(ValueError) as info:
        validate_stroke3(bad, name="train[7]")
    message = str(info.value)
    assert message.startswith("train[7]: ")
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64, np.float32, np.float64])
def test_validate_stroke3_accepts_any_numeric_dtype(dtype):
    sketch = EXAMPLE.astype(dtype)
    result = validate_stroke3(sketch)
    assert isinstance(result, np.ndarray)
    assert result.dtype == dtype
    np.testing.assert_array_equal(result, EXAMPLE)


def test_validate_stroke3_accepts_nested_lists():
    result = validate_stroke3(EXAMPLE.tolist())
    np.testing.assert_array_equal(result, EXAMPLE)


def test_validate_stroke5_rejects_bad_rows():
    good = stroke3_to_stroke5(EXAMPLE, 6)
    validate_stroke5(good)
    soft = good.copy()
    soft[0, 2:] = (0.5, 0.5, 0.0)
    with pytest.raises(ValueError, match="row 0"):
        validate_stroke5(soft)
    drawn_after_end = good.copy()
    drawn_after_end[5] = (1, 1, 1, 0, 0)
    with pytest.raises(ValueError, match="after the end"):
        validate_stroke5(drawn_after_end)
    with pytest.raises(ValueError, match=r"\(N, 5\)"):
        validate_stroke5(np.zeros((3, 4)))
    nan = good.copy()
    nan[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        validate_stroke5(nan)


# --------------------------------------------------------------------------- stroke-5


def test_stroke3_to_stroke5_example():
    result = stroke3_to_stroke5(EXAMPLE)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, [
        [1, 1, 1, 0, 0],
        [1, 0, 0, 1, 0],
        [2, 2, 1, 0, 0],
        [0, 1, 0, 1, 0],
        [0, 0, 0, 0, 1],
    ])


def test_stroke3_to_stroke5_max_len():
    exact = stroke3_to_stroke5(EXAMPLE, max_len=4)
    assert exact.shape == (4, 5)
    assert (exact[:, 4] == 0).all()
    padded = stroke3_to_stroke5(EXAMPLE, max_len=9)
    assert padded.shape == (9, 5)
    np.testing.assert_array_equal(padded[:4], exact)
    np.testing.assert_array_equal(padded[4:], np.tile(END_ROW, (5, 1)))
    with pytest.raises(ValueError, match="max_len=3"):
        stroke3_to_stroke5(EXAMPLE, max_len=3)


def test_end_row_constant():
    np.testing.assert_array_equal(END_ROW, [0, 0, 0, 0, 1])


@given(stroke3_int(), st.integers(0, 20))
def test_stroke5_properties_and_round_trip(sketch, extra):
    n = len(sketch)
    result = stroke3_to_stroke5(sketch, n + extra)
    assert result.shape == (n + extra, 5)
    assert (result[:, 2:].sum(axis=1) == 1).all()
    assert np.isin(result[:, 2:], (0, 1)).all()
    np.testing.assert_array_equal(result[n:], np.tile(END_ROW, (extra, 1)))
    np.testing.assert_array_equal(result[:n, :2], sketch[:, :2])
    np.testing.assert_array_equal(result[:n, 3], sketch[:, 2])
    validate_stroke5(result)
    back = stroke5_to_stroke3(result)
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, sketch)


def test_stroke5_to_stroke3_soft_pen_states_and_first_end():
    soft = np.array([
        [1, 2, 0.7, 0.2, 0.1],
        [3, 4, 0.1, 0.6, 0.3],
        [5, 6, 0.2, 0.1, 0.7],  # ends here: this and the rest are dropped
        [7, 8, 0.9, 0.1, 0.0],
    ])
    np.testing.assert_array_equal(stroke5_to_stroke3(soft), [[1, 2, 0], [3, 4, 1]])
    no_end = soft[:2]
    np.testing.assert_array_equal(stroke5_to_stroke3(no_end), [[1, 2, 0], [3, 4, 1]])
    with pytest.raises(ValueError, match=r"\(N, 5\)"):
        stroke5_to_stroke3(np.zeros((2, 3)))


# --------------------------------------------------------------------------- polylines


def test_stroke3_to_polylines_example():
    lines = stroke3_to_polylines(EXAMPLE)
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[0], [[0, 0], [1, 1], [2, 1]])
    np.testing.assert_array_equal(lines[1], [[4, 3], [4, 4]])
    assert all(line.dtype == np.float64 for line in lines)


def test_count_strokes_counts_pen_lifts_and_a_stroke_cut_off():
    assert count_strokes(EXAMPLE) == 2
    assert count_strokes(EXAMPLE[:3]) == 2  # the second stroke, cut off before its lift
    assert count_strokes(EXAMPLE[:2]) == 1
    assert count_strokes(np.zeros((0, 3))) == 0  # a drawing that ended at once
    assert mean_strokes([EXAMPLE, EXAMPLE[:2], np.zeros((0, 3))]) == 1.0


def test_polylines_to_stroke3_example_and_translation_invariance():
    lines = [np.array([[10, 20], [11, 21], [12, 21]]), np.array([[14, 23], [14, 24]])]
    result = polylines_to_stroke3(lines)
    np.testing.assert_array_equal(result, EXAMPLE)
    shifted = polylines_to_stroke3([line + (-7.5, 3.25) for line in lines])
    np.testing.assert_array_equal(shifted, EXAMPLE)


@pytest.mark.parametrize("lines, match", [
    ([np.zeros((0, 2)), np.zeros((2, 2))], "stroke 0"),
    ([np.zeros((2, 2)), np.zeros((3, 3))], "stroke 1"),
    ([np.zeros((1, 2))], "at least two points"),
    ([np.array([[0.0, 0.0], [np.nan, 1.0]])], "NaN"),
])
def test_polylines_to_stroke3_errors(lines, match):
    with pytest.raises(ValueError, match=match):
        polylines_to_stroke3(lines)


@given(stroke3_int(last_pen=1))
def test_stroke3_polylines_round_trip(sketch):
    lines = stroke3_to_polylines(sketch)
    assert len(lines) == int(sketch[:, 2].sum())
    assert sum(len(line) for line in lines) == len(sketch) + 1
    np.testing.assert_array_equal(lines[0][0], [0, 0])
    # The last point of the drawing is the sum of all offsets.
    np.testing.assert_array_equal(lines[-1][-1], sketch[:, :2].sum(axis=0))
    back = polylines_to_stroke3(lines)
    np.testing.assert_array_equal(back, sketch)


# --------------------------------------------------------------------------- real files


def _shared_file_params(files):
    return [pytest.param(f, marks=pytest.mark.shared_files(f), id=f) for f in files]


@pytest.mark.parametrize("relative", _shared_file_params(NPZ_FILES))
def test_real_round_trips_every_sketch(shared_data, relative):
    """stroke-3 -> stroke-5 -> stroke-3 and stroke-3 -> polylines -> stroke-3, exactly, on
    every sketch of every split (kanji.rdp200 stores float64)."""
    splits = load_shared_npz(shared_data, relative)
    for split, sketches in splits.items():
        assert sketches, split
        original = np.concatenate(sketches)
        lengths = np.array([len(s) for s in sketches])
        five = [stroke3_to_stroke5(s) for s in sketches]
        stacked = np.concatenate(five)
        assert len(stacked) == lengths.sum() + len(sketches)
        assert (stacked[:, 2:].sum(axis=1) == 1).all()
        # Exactly one end row per sketch, at its end.
        ends = np.flatnonzero(stacked[:, 4] == 1)
        np.testing.assert_array_equal(ends, np.cumsum(lengths + 1) - 1)
        np.testing.assert_array_equal(stacked[ends], np.tile(END_ROW, (len(ends), 1)))
        back5 = np.concatenate([stroke5_to_stroke3(f) for f in five])
        np.testing.assert_array_equal(back5, original, err_msg=f"{relative} {split}")
        lines = [stroke3_to_polylines(s) for s in sketches]
        np.testing.assert_array_equal([len(ls) for ls in lines],
                                      [int(s[:, 2].sum()) for s in sketches])
        back_lines = np.concatenate([polylines_to_stroke3(ls) for ls in lines])
        np.testing.assert_array_equal(back_lines, original, err_msg=f"{relative} {split}")


@pytest.mark.parametrize("word", [
    pytest.param(w, marks=pytest.mark.shared_files(
        f"quickdraw/ndjson/simplified/{w}.ndjson", f"quickdraw/{w}.sample25.npz"), id=w)
    for w in QUICKDRAW_CLASSES])
def test_simplified_ndjson_to_stroke3_matches_sample25(shared_data, word):
    """SOURCES.md: sample25 = polylines of the simplified ndjson in file order, drawings
    1-15 train, 16-20 valid, 21-25 test."""
    text = (shared_data / f"quickdraw/ndjson/simplified/{word}.ndjson").read_text("utf-8")
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert len(records) == 25
    converted = [polylines_to_stroke3([np.array(stroke).T for stroke in r["drawing"]])
                 for r in records]
    splits = load_shared_npz(shared_data, f"quickdraw/{word}.sample25.npz")
    expected = splits["train"] + splits["valid"] + splits["test"]
    assert [len(s) for s in splits.values()] == [15, 5, 5]
    for i, (mine, theirs) in enumerate(zip(converted, expected)):
        assert theirs.dtype == np.int16
        assert mine.shape == theirs.shape, i
        np.testing.assert_array_equal(mine.astype(np.int16), theirs, err_msg=f"drawing {i + 1}")
        np.testing.assert_array_equal(mine, theirs)


# --------------------------------------------------------------------------- bounds, scale


def test_bounds_example():
    assert bounds(EXAMPLE) == (0.0, 4.0, 0.0, 4.0)
    assert bounds([[-3, 5, 0], [10, -2, 1]]) == (-3.0, 7.0, 0.0, 5.0)


@given(stroke3_int())
def test_bounds_are_extremes_of_absolute_points(sketch):
    points = np.vstack([[0, 0], np.cumsum(sketch[:, :2].astype(np.int64), axis=0)])
    assert bounds(sketch) == (points[:, 0].min(), points[:, 0].max(),
                              points[:, 1].min(), points[:, 1].max())


def test_scale_factor_is_np_std_of_pooled_offsets():
    sketches = [np.array([[1, 1, 0], [1, 3, 1]]), np.array([[5, -2, 1]])]
    # pooled dx, dy: 1, 1, 1, 3, 5, -2; the pen column is not included; the mean is removed.
    assert scale_factor(sketches) == pytest.approx(np.std([1, 1, 1, 3, 5, -2]), rel=1e-12)
    assert scale_factor([np.array([[3, 4, 1]]), np.array([[-3, -4, 1]])]) == pytest.approx(
        np.sqrt(12.5), rel=1e-12)
    # A nonzero mean: np.std (0.866...) and not the root mean square (1.732...).
    assert scale_factor([np.array([[1, 1, 0], [1, 3, 1]])]) == pytest.approx(np.sqrt(0.75))


def test_scale_factor_errors():
    with pytest.raises(ValueError, match="at least one sketch"):
        scale_factor([])
    with pytest.raises(ValueError, match="positive"):
        scale_factor([np.array([[0, 0, 1], [0, 0, 1]])])


@pytest.mark.shared_files("aaron_sheep.npz")
def test_scale_factor_aaron_sheep(shared_data):
    train = load_shared_npz(shared_data, "aaron_sheep.npz")["train"]
    factor = scale_factor(train)
    pooled = np.concatenate([s[:, :2].astype(np.float64).ravel() for s in train])
    assert factor == pytest.approx(np.std(pooled), rel=1e-12)
    assert factor == pytest.approx(18.52, abs=0.01)


@given(stroke3_int(), st.floats(0.5, 100.0))
def test_normalize_denormalize_round_trip(sketch, factor):
    original = sketch.copy()
    scaled = normalize(sketch, factor)
    assert scaled.dtype == np.float32
    np.testing.assert_array_equal(sketch, original)  # not modified in place
    np.testing.assert_allclose(scaled[:, :2], sketch[:, :2] / factor, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(scaled[:, 2], sketch[:, 2])
    back = denormalize(scaled, factor)
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, sketch, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(back[:, 2], sketch[:, 2])


def test_clamp():
    sketch = np.array([[1500, -20, 0], [-2000, 999, 1], [5, -1001, 1]], dtype=np.int16)
    result = clamp(sketch)
    np.testing.assert_array_equal(result, [[1000, -20, 0], [-1000, 999, 1], [5, -1000, 1]])
    assert result.dtype == np.int16
    assert sketch[0, 0] == 1500  # a copy
    np.testing.assert_array_equal(clamp(sketch, 10.0), [[10, -10, 0], [-10, 10, 1], [5, -10, 1]])
    floats = np.array([[0.5, 1.5, 1.0]])
    np.testing.assert_array_equal(clamp(floats, 1.0), [[0.5, 1.0, 1.0]])  # pen untouched


# --------------------------------------------------------------------------- RDP


def _subsequence_indices(points, kept):
    """Indices of ``kept`` rows in ``points``, matched in order; fails if not a subsequence."""
    indices, start = [], 0
    for row in kept:
        matches = np.flatnonzero((points[start:] == row).all(axis=1))
        assert len(matches), f"{row} is not in the rest of the input (not a subsequence)"
        indices.append(start + int(matches[0]))
        start = indices[-1] + 1
    return indices


def _line_distance(point, a, b):
    """Distance from ``point`` to the line through a and b (to a when a == b)."""
    direction = b - a
    length = np.sqrt(direction @ direction)
    if length == 0:
        return float(np.sqrt((point - a) @ (point - a)))
    cross = direction[0] * (point[1] - a[1]) - direction[1] * (point[0] - a[0])
    return abs(float(cross)) / float(length)


def _reference_rdp(points, epsilon):
    """Textbook recursive RDP in exact rational arithmetic (integer coordinates)."""
    pts = [(int(x), int(y)) for x, y in points]
    eps2 = Fraction(epsilon) ** 2

    def recurse(chunk):
        if len(chunk) < 3:
            return list(chunk)
        (ax, ay), (bx, by) = chunk[0], chunk[-1]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        best, best_value = None, -1
        for i, (px, py) in enumerate(chunk[1:-1], start=1):
            if length2 == 0:
                value = Fraction((px - ax) ** 2 + (py - ay) ** 2)
            else:  # squared distance to the line = cross^2 / |d|^2
                value = Fraction((dx * (py - ay) - dy * (px - ax)) ** 2, length2)
            if value > best_value:
                best, best_value = i, value
        if best_value > eps2:
            return recurse(chunk[:best + 1])[:-1] + recurse(chunk[best:])
        return [chunk[0], chunk[-1]]

    return np.array(recurse(pts), dtype=np.float64).reshape(-1, 2)


def test_rdp_straight_line_collapses_to_endpoints():
    line = np.column_stack([np.arange(20.0), 2 * np.arange(20.0) + 1])
    np.testing.assert_array_equal(rdp(line, 0.0), line[[0, -1]])
    diagonal = np.linspace([0.3, -1.7], [40.1, 25.9], 57)  # float collinear points
    np.testing.assert_array_equal(rdp(diagonal, 0.01), diagonal[[0, -1]])


def test_rdp_examples():
    # A corner is kept; a small bump of 1 is kept with epsilon 0.5, dropped with epsilon 2.
    corner = np.array([[0, 0], [5, 0], [10, 0], [10, 5], [10, 10]], dtype=float)
    np.testing.assert_array_equal(rdp(corner, 2.0), [[0, 0], [10, 0], [10, 10]])
    bump = np.array([[0, 0], [5, 1], [10, 0]], dtype=float)
    np.testing.assert_array_equal(rdp(bump, 0.5), bump)
    np.testing.assert_array_equal(rdp(bump, 2.0), bump[[0, 2]])
    # Ends that coincide: distances are to the point.
    loop = np.array([[0, 0], [1, 0], [6, 0], [0, 0]], dtype=float)
    np.testing.assert_array_equal(rdp(loop, 2.0), [[0, 0], [6, 0], [0, 0]])
    # Short inputs are returned whole.
    np.testing.assert_array_equal(rdp([[1, 2]], 5.0), [[1, 2]])
    np.testing.assert_array_equal(rdp([[1, 2], [1, 2]], 5.0), [[1, 2], [1, 2]])


def test_rdp_errors():
    with pytest.raises(ValueError, match=r"\(k, 2\)"):
        rdp(np.zeros((4, 3)), 1.0)
    with pytest.raises(ValueError, match="epsilon"):
        rdp(np.zeros((4, 2)), -1.0)


@given(int_points(unique=True), st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.7, 10.0]))
def test_rdp_properties(points, epsilon):
    result = rdp(points, epsilon)
    np.testing.assert_array_equal(result[0], points[0])
    np.testing.assert_array_equal(result[-1], points[-1])
    kept = _subsequence_indices(points, result)
    assert kept[0] == 0 and kept[-1] == len(points) - 1
    # Every removed point is within epsilon of the line through the kept points around it
    # (the documented RDP distance: to the line through the segment's ends).
    for first, last in zip(kept[:-1], kept[1:]):
        for i in range(first + 1, last):
            assert _line_distance(points[i], points[first], points[last]) <= epsilon + 1e-9


@given(st.lists(st.integers(-60, 60), min_size=3, max_size=40, unique=True),
       st.randoms(use_true_random=False))
def test_rdp_epsilon_zero_keeps_non_collinear_points(xs, random):
    """Points of a parabola (no three collinear), in any order: epsilon 0 keeps them all."""
    random.shuffle(xs)
    points = np.array([(x, x * x) for x in xs], dtype=np.float64)
    np.testing.assert_array_equal(rdp(points, 0.0), points)


@given(int_points(min_size=3))
def test_rdp_epsilon_zero_removes_only_exactly_collinear_points(points):
    kept = _subsequence_indices(points, rdp(points, 0.0))
    for first, last in zip(kept[:-1], kept[1:]):
        for i in range(first + 1, last):
            assert _line_distance(points[i], points[first], points[last]) == 0.0


@given(int_points(max_size=60), st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.7, 10.0]))
def test_rdp_agrees_with_reference_implementation(points, epsilon):
    np.testing.assert_array_equal(rdp(points, epsilon), _reference_rdp(points, epsilon))


def test_rdp_agrees_with_reference_on_random_walks():
    rng = np.random.default_rng(7)
    for _ in range(30):
        points = np.cumsum(rng.integers(-4, 5, size=(rng.integers(2, 200), 2)), axis=0)
        points = points.astype(np.float64)
        for epsilon in (0.0, 1.0, 2.0, 5.0):
            np.testing.assert_array_equal(rdp(points, epsilon), _reference_rdp(points, epsilon))


def test_simplify_applies_rdp_to_every_stroke():
    rng = np.random.default_rng(3)
    lines = [np.cumsum(rng.normal(size=(k, 2)) * 4, axis=0) for k in (2, 5, 40, 1, 90)]
    result = simplify(lines, 2.0)
    assert len(result) == len(lines)
    for line, simple in zip(lines, result):
        np.testing.assert_array_equal(simple, rdp(line, 2.0))
        assert len(simple) <= len(line)
    assert len(result[2]) < 40 and len(result[4]) < 90


def test_first_strokes_keeps_whole_strokes():
    sketch = np.array([[1, 0, 0], [0, 1, 1], [2, 2, 0], [1, 1, 1], [3, 0, 1]], float)
    assert len(first_strokes(sketch, 0)) == 0
    np.testing.assert_array_equal(first_strokes(sketch, 1), sketch[:2])
    np.testing.assert_array_equal(first_strokes(sketch, 2), sketch[:4])
    np.testing.assert_array_equal(first_strokes(sketch, 9), sketch)
