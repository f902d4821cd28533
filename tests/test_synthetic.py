"""sketchlib.synthetic: shapes drawn by the package, deterministic by seed."""

from __future__ import annotations

import numpy as np
import pytest

from sketchlib.datasets import SPLITS, SketchDataset
from sketchlib.strokes import bounds, validate_stroke3
from sketchlib.synthetic import (
    CLASSES,
    draw_shape,
    synthetic_dataset,
    synthetic_sketch,
    synthetic_splits,
)

STROKES = {"circle": 1, "square": 1, "triangle": 1, "star": 1, "face": 4}


def assert_same_splits(a, b):
    assert a.keys() == b.keys()
    for split in a:
        assert len(a[split]) == len(b[split])
        for x, y in zip(a[split], b[split]):
            assert x.dtype == y.dtype
            np.testing.assert_array_equal(x, y)


def test_classes():
    assert set(CLASSES) == set(STROKES)


def test_deterministic_by_seed():
    assert_same_splits(synthetic_splits(6, 3, 3, seed=11), synthetic_splits(6, 3, 3, seed=11))
    for kind in CLASSES:
        np.testing.assert_array_equal(synthetic_sketch(kind, np.random.default_rng(4)),
                                      synthetic_sketch(kind, np.random.default_rng(4)))


def test_different_seeds_differ():
    a, b = synthetic_splits(5, 0, 0, seed=0), synthetic_splits(5, 0, 0, seed=1)
    for x, y in zip(a["train"], b["train"]):
        assert x.shape != y.shape or not np.array_equal(x, y)
    # And successive draws from one generator differ too.
    rng = np.random.default_rng(0)
    first, second = synthetic_sketch("circle", rng), synthetic_sketch("circle", rng)
    assert first.shape != second.shape or not np.array_equal(first, second)


@pytest.mark.parametrize("kind", CLASSES)
def test_every_class_is_drawable(kind):
    rng = np.random.default_rng(123)
    lines = draw_shape(kind, rng)
    assert len(lines) == STROKES[kind]
    for line in lines:
        assert line.ndim == 2 and line.shape[1] == 2 and len(line) >= 10
        assert np.isfinite(line).all()
    for seed in range(10):
        sketch = synthetic_sketch(kind, np.random.default_rng(seed))
        validate_stroke3(sketch)
        assert sketch.dtype == np.int16
        assert sketch[-1, 2] == 1
        assert int(sketch[:, 2].sum()) == STROKES[kind]
        # On a 255-pixel canvas: the longer side is at most 255 (RDP may drop an extreme).
        min_x, max_x, min_y, max_y = bounds(sketch)
        assert 245 <= max(max_x - min_x, max_y - min_y) <= 255
        assert 3 <= len(sketch) <= 250


def test_unknown_class():
    with pytest.raises(ValueError) as info:
        draw_shape("hexagon", np.random.default_rng(0))
    assert "hexagon" in str(info.value)
    for kind in CLASSES:
        assert kind in str(info.value)
    with pytest.raises(ValueError, match="hexagon"):
        synthetic_sketch("hexagon", np.random.default_rng(0))
    with pytest.raises(ValueError, match="hexagon"):
        synthetic_splits(3, 1, 1, classes=("circle", "hexagon"))


def test_synthetic_splits_shapes_and_class_cycle(synthetic_raw):
    assert {split: len(s) for split, s in synthetic_raw.items()} == {
        "train": 60, "valid": 10, "test": 10}
    for split in SPLITS:
        for i, sketch in enumerate(synthetic_raw[split]):
            validate_stroke3(sketch)
            assert sketch.dtype == np.int16
            assert sketch.ndim == 2 and sketch.shape[1] == 3
            # Classes cycle circle, square, triangle, star, face: only the face has 4 strokes.
            assert int(sketch[:, 2].sum()) == STROKES[CLASSES[i % len(CLASSES)]]
    only_faces = synthetic_splits(4, 2, 2, classes=("face",), seed=3)
    assert all(int(s[:, 2].sum()) == 4 for split in only_faces.values() for s in split)


def test_synthetic_dataset(synthetic_data):
    data = synthetic_data
    assert isinstance(data, SketchDataset)
    assert (len(data.train), len(data.valid), len(data.test)) == (200, 20, 20)
    assert data.names == ("synthetic",)
    assert data.max_seq_len == max(len(s) for split in ("train", "valid", "test")
                                   for s in data.split(split))  # follows the data
    assert all(s.dtype == np.float32 and s.shape[1] == 3 for split in SPLITS
               for s in data.split(split))
    offsets = np.concatenate([s[:, :2].ravel() for s in data.train]).astype(np.float64)
    assert np.std(offsets) == pytest.approx(1.0, abs=1e-4)
    assert data.scale_factor > 1


def test_synthetic_dataset_deterministic_and_max_seq_len():
    a = synthetic_dataset(10, 5, 5, seed=2)
    b = synthetic_dataset(10, 5, 5, seed=2)
    assert a.scale_factor == b.scale_factor
    for split in SPLITS:
        for x, y in zip(a.split(split), b.split(split)):
            np.testing.assert_array_equal(x, y)
    raw = synthetic_splits(10, 5, 5, seed=2)
    limit = 20
    short = synthetic_dataset(10, 5, 5, seed=2, max_seq_len=limit)
    longest_kept = max(len(s) for split in SPLITS for s in raw[split] if len(s) <= limit)
    assert short.max_seq_len == longest_kept  # a cap: the longest sketch kept
    for split in SPLITS:
        kept = [s for s in raw[split] if len(s) <= limit]
        assert len(short.split(split)) == len(kept)
        assert short.dropped[split] == len(raw[split]) - len(kept)
    assert sum(short.dropped.values()) > 0
