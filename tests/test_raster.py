"""sketchlib.raster: the blurred raster of a sketch's shape (the shape loss's target) sums to 1,
ignores position, size and padding, draws only ink, agrees with a separate computation, and
its divergence is 0 only for the raster itself."""

import numpy as np
import pytest

from sketchlib.raster import shape_divergence, soft_raster
from sketchlib.strokes import stroke3_to_stroke5
from sketchlib.synthetic import synthetic_sketch


def raster_of(sketch, size=16, rows=None):
    return np.asarray(soft_raster(stroke3_to_stroke5(sketch, rows or len(sketch))[None],
                                  size))[0]


def numpy_raster(sketch, size):
    """The raster written out point by point, from the module's description."""
    xy = np.cumsum(sketch[:, :2], axis=0)
    points, weights = [], []
    for k in range(1, len(sketch)):
        if sketch[k - 1, 2] == 0:  # the pen stayed down after point k - 1: ink
            for t in (0.125, 0.375, 0.625, 0.875):
                points.append(xy[k - 1] + t * (xy[k] - xy[k - 1]))
                weights.append(np.linalg.norm(xy[k] - xy[k - 1]))
    points = np.array(points)
    low, high = xy.min(0), xy.max(0)
    unit = (points - (low + high) / 2) / (high - low).max()
    centres = (np.arange(size) + 0.5) / size - 0.5
    image = np.full((size, size), 1e-6)
    for (x, y), w in zip(unit, weights):
        gx = np.exp(-0.5 * ((x - centres) * size) ** 2)
        gy = np.exp(-0.5 * ((y - centres) * size) ** 2)
        image += w * np.outer(gy, gx)
    return image / image.sum()


def test_a_bar_lies_on_the_middle_rows_and_the_raster_sums_to_one():
    bar = np.array([[0, 0, 0], [30, 0, 1]], float)
    image = raster_of(bar)
    long_and_short = raster_of(np.array([[0, 0, 0], [30, 0, 1], [-30, 10, 0], [3, 0, 1]], float))
    assert long_and_short[:8].sum() > 5 * long_and_short[8:].sum()  # ink goes by length
    assert image.sum() == pytest.approx(1.0, abs=1e-5)
    assert image[7:9].sum() > 0.7  # y = 0 falls between rows 7 and 8 of 16
    np.testing.assert_allclose(image, image[:, ::-1], atol=1e-6)  # symmetric left-right
    assert image[:, :8].sum() == pytest.approx(0.5, abs=1e-4)


def test_agrees_with_a_separate_computation():
    rng = np.random.default_rng(0)
    for kind in ("star", "face"):
        sketch = synthetic_sketch(kind, rng)
        np.testing.assert_allclose(raster_of(sketch, 12), numpy_raster(sketch, 12),
                                   rtol=1e-4, atol=1e-7)


def test_ignores_position_size_and_padding_and_draws_only_ink():
    rng = np.random.default_rng(1)
    sketch = synthetic_sketch("star", rng).astype("float32")
    moved = sketch.copy()
    moved[0, :2] += [40.0, -13.0]  # the first offset places the drawing
    bigger = sketch * np.array([3.0, 3.0, 1.0])
    for other in (moved, bigger):
        np.testing.assert_allclose(raster_of(other), raster_of(sketch), atol=1e-6)
    np.testing.assert_allclose(raster_of(sketch, rows=len(sketch) + 30), raster_of(sketch),
                               atol=1e-7)
    padded = stroke3_to_stroke5(sketch, len(sketch) + 5)
    padded[len(sketch):, :2] = 50.0  # whatever a padding row holds
    np.testing.assert_allclose(np.asarray(soft_raster(padded[None]))[0], raster_of(sketch),
                               atol=1e-7)
    two = np.array([[0, 0, 0], [10, 0, 1], [0, 10, 0], [-10, 0, 1]], float)
    joined = two.copy()
    joined[1, 2] = 0  # the pen stays down: the move between the bars becomes ink
    assert np.abs(raster_of(two) - raster_of(joined)).sum() > 0.05
    empty = np.asarray(soft_raster(np.tile([[[0, 0, 0, 0, 1.0]]], (1, 4, 1)), 4))[0]
    np.testing.assert_allclose(empty, np.full((4, 4), 1 / 16))
    dots = np.asarray(soft_raster(stroke3_to_stroke5(np.array([[1, 1, 1], [5, 2, 1.0]]))[None],
                                  4))[0]
    np.testing.assert_allclose(dots, np.full((4, 4), 1 / 16))  # no segment, no ink


def test_divergence_is_zero_for_the_raster_itself_and_matches_numpy():
    rng = np.random.default_rng(2)
    images = np.stack([numpy_raster(synthetic_sketch(k, rng), 8) for k in ("star", "face")])
    assert float(shape_divergence(images, np.log(images).reshape(2, -1))) == pytest.approx(
        0.0, abs=1e-6)
    logits = rng.normal(size=(2, 64))
    predicted = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = np.mean(np.sum(images.reshape(2, -1) * np.log(images.reshape(2, -1) / predicted),
                              axis=-1))
    assert float(shape_divergence(images.astype("float32"), logits.astype("float32"))) == \
        pytest.approx(expected, rel=1e-4)
