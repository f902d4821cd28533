"""sketchlib.similarity: the shape distance ignores position, size and point spacing, tells
different drawings apart, and ranks a reconstruction against its original."""

import numpy as np
import pytest

from sketchlib.similarity import chamfer_distance, identification_ranks, ink_points
from sketchlib.strokes import polylines_to_stroke3
from sketchlib.synthetic import synthetic_sketch


def square(size=10.0, per_side=1):
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], float) * size
    points = np.vstack([np.linspace(a, b, per_side + 1)[:-1] for a, b in
                        zip(corners[:-1], corners[1:])] + [corners[-1:]])
    return polylines_to_stroke3([points])


def test_distance_ignores_position_size_and_point_spacing():
    assert chamfer_distance(square(10), square(10)) == 0.0
    assert chamfer_distance(square(10), square(37)) == pytest.approx(0.0, abs=1e-9)
    assert chamfer_distance(square(10, 1), square(10, 7)) < 0.005  # more points, same square
    points = ink_points(square(50))
    np.testing.assert_allclose(points.max(axis=0) - points.min(axis=0), [1.0, 1.0])
    np.testing.assert_allclose((points.max(axis=0) + points.min(axis=0)) / 2, [0, 0],
                               atol=1e-12)


def test_distance_tells_shapes_apart_and_pen_up_moves_are_not_ink():
    rng = np.random.default_rng(0)
    star, face = synthetic_sketch("star", rng), synthetic_sketch("face", rng)
    assert chamfer_distance(star, face) > 0.05
    assert chamfer_distance(star, face) == pytest.approx(chamfer_distance(face, star))
    two = np.array([[0, 0, 0], [10, 0, 1], [0, 30, 0], [10, 0, 1]], float)  # two bars
    joined = two.copy()
    joined[1, 2] = 0  # the pen stays down: the jump between the bars becomes ink
    assert chamfer_distance(two, joined) > 0.01
    assert chamfer_distance(two, np.zeros((0, 3))) == float("inf")


def test_identification_ranks():
    rng = np.random.default_rng(1)
    originals = [synthetic_sketch(kind, rng) for kind in ("star", "face", "square", "triangle")]
    noisy = [s + np.column_stack([rng.normal(0, 0.5, (len(s), 2)), np.zeros(len(s))])
             for s in originals]
    assert list(identification_ranks(noisy, originals)) == [1, 1, 1, 1]
    shuffled = identification_ranks(noisy[::-1], originals)
    assert shuffled.max() > 1
    empty = identification_ranks([np.zeros((0, 3))] + noisy[1:], originals)
    assert empty[0] == 4
    with pytest.raises(ValueError, match="3 reconstructions for 4"):
        identification_ranks(noisy[:3], originals)
