"""sketchlib.batching: augmentation, stroke-5 batches with the start token, keras PyDataset."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_shared_npz
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sketchlib.batching import (
    START_TOKEN,
    Batch,
    SketchBatches,
    as_inputs,
    augment,
    drop_points,
    make_batch,
    random_scale,
)
from sketchlib.datasets import load_dataset
from sketchlib.strokes import END_ROW, stroke3_to_stroke5


@st.composite
def walking_sketch(draw, max_rows=80):
    """A stroke-3 sketch with integer offsets, dx >= 1 (so each absolute point is distinct and
    can be found again), pens 0/1, last pen 1."""
    n = draw(st.integers(1, max_rows))
    dx = draw(arrays(np.int64, n, elements=st.integers(1, 20)))
    dy = draw(arrays(np.int64, n, elements=st.integers(-20, 20)))
    pens = draw(arrays(np.int64, n, elements=st.sampled_from([0, 0, 0, 1])))
    pens[-1] = 1
    return np.column_stack([dx, dy, pens]).astype(np.float32)


def candidate_rows(sketch):
    """Magenta's candidates, written independently of the package: rows whose pen and previous
    row's pen are 0 and whose ``count`` (rows since the stroke began) is more than 2."""
    result, count, previous_pen = [], 0, 1
    for i, pen in enumerate(sketch[:, 2]):
        count = 0 if pen == 1 or previous_pen == 1 else count + 1
        if pen == 0 and previous_pen == 0 and count > 2:
            result.append(i)
        previous_pen = pen
    return np.array(result, dtype=int)


def removable_rows(sketch):
    """A candidate ``c`` is merged into row ``c - 1`` (Magenta adds its offset to the previous
    row), so the point that disappears is that of row ``c - 1``."""
    return candidate_rows(sketch) - 1


def reference_drop_all(sketch):
    """The reference's point dropping with every draw below the probability, as a loop: a
    candidate's offset is added to the last kept row."""
    result, previous, count, last = [], [0, 0, 1], 0, None
    for dx, dy, pen in sketch.tolist():
        count = 0 if pen == 1 or previous[2] == 1 else count + 1
        if pen == 0 and previous[2] == 0 and count > 2:
            last[0] += dx
            last[1] += dy
        else:
            last = [dx, dy, pen]
            previous = last
            result.append(last)
    return np.array(result, dtype=np.float32)


def stroke_positions(sketch):
    """Index of each row within its stroke (0 for the first row and after each pen lift)."""
    positions, position, previous_pen = [], 0, 1
    for pen in sketch[:, 2]:
        position = 0 if previous_pen == 1 else position + 1
        positions.append(position)
        previous_pen = pen
    return np.array(positions)


def kept_indices(original, result):
    """Indices of the original rows that the result keeps (found by absolute x)."""
    x = np.cumsum(original[:, 0].astype(np.int64))
    found = np.searchsorted(x, np.cumsum(result[:, 0].astype(np.int64)))
    assert (found < len(x)).all()
    return found


# --------------------------------------------------------------------------- make_batch


def test_make_batch(synthetic_data):
    sketches = synthetic_data.train[:6]
    lengths = [len(s) for s in sketches]
    max_len = max(lengths) + 7
    batch = make_batch(sketches, max_len)
    assert isinstance(batch, Batch)
    for array in (batch.encoder_input, batch.decoder_input, batch.target):
        assert array.shape == (6, max_len, 5)
        assert array.dtype == np.float32
    np.testing.assert_array_equal(batch.lengths, lengths)
    np.testing.assert_array_equal(batch.decoder_input[:, 0], np.tile(START_TOKEN, (6, 1)))
    np.testing.assert_array_equal(batch.decoder_input[:, 1:], batch.target[:, :-1])
    np.testing.assert_array_equal(batch.encoder_input, batch.target)
    for i, sketch in enumerate(sketches):
        n = lengths[i]
        np.testing.assert_array_equal(batch.target[i], stroke3_to_stroke5(sketch, max_len))
        np.testing.assert_array_equal(batch.target[i, :n, :2], sketch[:, :2])
        np.testing.assert_array_equal(batch.target[i, n:], np.tile(END_ROW, (max_len - n, 1)))
        assert (batch.target[i, :n, 4] == 0).all()


def test_make_batch_exact_length_and_too_long():
    sketch = np.array([[1, 2, 0], [3, 4, 1]], dtype=np.float32)
    batch = make_batch([sketch], 2)
    assert batch.target.shape == (1, 2, 5)
    np.testing.assert_array_equal(batch.target[0], [[1, 2, 1, 0, 0], [3, 4, 0, 1, 0]])
    np.testing.assert_array_equal(batch.decoder_input[0], [START_TOKEN, [1, 2, 1, 0, 0]])
    with pytest.raises(ValueError, match="max_len=1"):
        make_batch([sketch, sketch[:1]], 1)


def test_start_token():
    np.testing.assert_array_equal(START_TOKEN, [0, 0, 1, 0, 0])


# --------------------------------------------------------------------------- augmentation


@given(walking_sketch(), st.floats(0.0, 1.0), st.integers(0, 2**32 - 1))
def test_drop_points_keeps_positions_and_rules(sketch, probability, seed):
    result = drop_points(sketch, probability, np.random.default_rng(seed))
    assert result.dtype == np.float32 and result.shape[1] == 3
    kept = kept_indices(sketch, result)
    assert (np.diff(kept) > 0).all()
    # Absolute positions of every kept point are exactly those of the original.
    np.testing.assert_array_equal(np.cumsum(result[:, :2], axis=0, dtype=np.float64),
                                  np.cumsum(sketch[:, :2], axis=0, dtype=np.float64)[kept])
    np.testing.assert_array_equal(result[:, 2], sketch[kept, 2])
    dropped = np.setdiff1d(np.arange(len(sketch)), kept)
    assert np.isin(dropped, removable_rows(sketch)).all()
    # So never a row with pen 1, nor one whose previous row has pen 1, nor one of the first
    # two rows of a stroke, nor the row before a pen lift (a stroke keeps its last 2 points).
    pens = sketch[:, 2]
    assert (pens[dropped] == 0).all()
    assert (pens[dropped - 1] == 0).all()
    assert (stroke_positions(sketch)[dropped] >= 2).all()
    assert (pens[dropped + 1] == 0).all()
    assert pens.sum() == result[:, 2].sum()


@given(walking_sketch(), st.integers(0, 2**32 - 1))
def test_drop_points_probability_zero_and_one(sketch, seed):
    np.testing.assert_array_equal(drop_points(sketch, 0.0, np.random.default_rng(seed)), sketch)
    everything = drop_points(sketch, 1.0, np.random.default_rng(seed))
    removable = removable_rows(sketch)
    assert len(everything) == len(sketch) - len(removable)
    np.testing.assert_array_equal(kept_indices(sketch, everything),
                                  np.setdiff1d(np.arange(len(sketch)), removable))
    np.testing.assert_array_equal(everything, reference_drop_all(sketch))


def test_drop_points_example():
    # One stroke of 7 rows, then a stroke of 2. Rows 3, 4 and 5 are candidates; merging each
    # into the row before it removes the points of rows 2, 3 and 4.
    sketch = np.array([[1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 1, 0], [1, 0, 0],
                       [1, 0, 1], [5, 5, 0], [1, 0, 1]], dtype=np.float32)
    np.testing.assert_array_equal(candidate_rows(sketch), [3, 4, 5])
    result = drop_points(sketch, 1.0, np.random.default_rng(0))
    np.testing.assert_array_equal(result, [[1, 0, 0], [1, 0, 0], [4, 1, 0], [1, 0, 1],
                                           [5, 5, 0], [1, 0, 1]])
    # About 10% are dropped at the reference's probability.
    long_stroke = np.zeros((10_000, 3), dtype=np.float32)
    long_stroke[:, 0] = 1
    long_stroke[-1, 2] = 1
    kept = len(drop_points(long_stroke, 0.1, np.random.default_rng(0)))
    assert 10_000 - kept == pytest.approx(0.1 * (10_000 - 4), rel=0.1)


def test_random_scale():
    rng = np.random.default_rng(0)
    sketch = np.column_stack([rng.normal(size=(30, 2)) + 3, rng.random(30) < 0.3]).astype(
        np.float32)
    factors = []
    for seed in range(200):
        result = random_scale(sketch, 0.15, np.random.default_rng(seed))
        assert result.dtype == np.float32
        np.testing.assert_array_equal(result[:, 2], sketch[:, 2])
        ratio = result[:, :2] / sketch[:, :2]
        # One factor per axis, the same for every row.
        np.testing.assert_allclose(ratio, np.tile(ratio[0], (30, 1)), rtol=1e-5)
        factors.append(ratio[0])
    factors = np.array(factors)
    assert factors.min() >= 0.85 - 1e-6 and factors.max() <= 1.15 + 1e-6
    assert factors.min() < 0.87 and factors.max() > 1.13  # the whole range is used
    assert not np.allclose(factors[:, 0], factors[:, 1])  # x and y independent
    assert (random_scale(sketch, 0.0, np.random.default_rng(1)) == sketch).all()


def test_augment_keeps_strokes_and_pen_rows(synthetic_data):
    rng = np.random.default_rng(0)
    for sketch in synthetic_data.train[:20]:
        result = augment(sketch, rng)
        assert len(result) <= len(sketch)
        np.testing.assert_array_equal(result[result[:, 2] == 1].shape[0], sketch[:, 2].sum())
        assert not np.array_equal(result[:, :2], sketch[:len(result), :2])


# --------------------------------------------------------------------------- SketchBatches


def assert_same_item(a, b):
    inputs_a, target_a = a
    inputs_b, target_b = b
    assert inputs_a.keys() == inputs_b.keys()
    for key in inputs_a:
        np.testing.assert_array_equal(inputs_a[key], inputs_b[key])
    np.testing.assert_array_equal(target_a, target_b)


def items_differ(a, b):
    return (a[1].shape != b[1].shape or not np.array_equal(a[1], b[1]))


def test_sketch_batches_len_and_item(synthetic_data):
    batches = SketchBatches(synthetic_data.train, batch_size=32, max_len=120)
    assert len(batches) == 200 // 32
    inputs, target = batches[0]
    assert set(inputs) == {"encoder_input", "decoder_input", "lengths"}
    assert isinstance(target, np.ndarray)
    assert target.shape == inputs["encoder_input"].shape == inputs["decoder_input"].shape == (
        32, 120, 5)
    assert inputs["lengths"].shape == (32,)
    np.testing.assert_array_equal(inputs["decoder_input"][:, 0], np.tile(START_TOKEN, (32, 1)))
    np.testing.assert_array_equal(inputs["decoder_input"][:, 1:], target[:, :-1])
    batch = batches.batch(0)
    np.testing.assert_array_equal(batch.target, target)
    # 32 distinct sketches per batch (drawn without replacement).
    rows = {bytes(target[i, :n].tobytes()) for i, n in enumerate(inputs["lengths"])}
    originals = {stroke3_to_stroke5(s, len(s)).tobytes() for s in synthetic_data.train}
    assert rows <= originals  # no augmentation: the sketches as they are
    assert len(rows) == 32


def test_sketch_batches_is_a_keras_pydataset(synthetic_data):
    import keras

    batches = SketchBatches(synthetic_data.train, batch_size=10, max_len=120)
    assert isinstance(batches, keras.utils.PyDataset)
    item = batches[len(batches) - 1]
    assert isinstance(item, tuple) and len(item) == 2
    assert isinstance(item[0], dict) and isinstance(item[1], np.ndarray)


def test_sketch_batches_deterministic_by_seed_index_epoch(synthetic_data):
    def make(seed=5, **kwargs):
        return SketchBatches(synthetic_data.train, batch_size=16, max_len=120, seed=seed,
                             **kwargs)

    first, second = make(), make()
    assert_same_item(first[3], second[3])
    assert_same_item(first[3], first[3])  # asking again gives the same batch
    assert items_differ(first[3], first[4])
    assert items_differ(first[3], make(seed=6)[3])
    before = first[0]
    first.on_epoch_end()
    assert first.epoch == 1
    assert items_differ(before, first[0])
    second.on_epoch_end()
    assert_same_item(first[0], second[0])
    augmented_a, augmented_b = make(augment=True), make(augment=True)
    assert_same_item(augmented_a[2], augmented_b[2])


def test_sketch_batches_augment_only_when_asked(synthetic_data):
    originals = {stroke3_to_stroke5(s, len(s)).tobytes() for s in synthetic_data.train}

    def matches(batches):
        inputs, target = batches[0]
        return sum(target[i, :n].tobytes() in originals
                   for i, n in enumerate(inputs["lengths"]))

    plain = SketchBatches(synthetic_data.train, batch_size=20, max_len=120)
    assert matches(plain) == 20
    augmented = SketchBatches(synthetic_data.train, batch_size=20, max_len=120, augment=True)
    assert matches(augmented) == 0
    # Same sketches chosen, then scaled and thinned: never longer than the originals.
    assert (augmented[0][0]["lengths"] <= plain[0][0]["lengths"]).all()
    assert (augmented[0][0]["lengths"] < plain[0][0]["lengths"]).any()


def total_padding(batches):
    total = 0
    for index in range(len(batches)):
        inputs, target = batches[index]
        total += target.shape[0] * target.shape[1] - int(inputs["lengths"].sum())
    return total


def test_sketch_batches_group_by_length(synthetic_data):
    longest = max(len(s) for s in synthetic_data.train)
    max_len = longest + 3
    grouped = SketchBatches(synthetic_data.train, batch_size=20, max_len=max_len,
                            group_by_length=True, pad_multiple=8)
    fixed = SketchBatches(synthetic_data.train, batch_size=20, max_len=max_len)
    widths = set()
    all_lengths = np.sort([len(s) for s in synthetic_data.train])
    for index in range(len(grouped)):
        inputs, target = grouped[index]
        width = target.shape[1]
        widths.add(width)
        assert width <= max_len
        assert width >= inputs["lengths"].max()
        assert width % 8 == 0 or width == max_len
        # The smallest multiple above the longest: every sketch keeps an end row.
        assert 0 < width - inputs["lengths"].max() <= 8 or width == max_len
        # Similar lengths: a window of the sketches sorted by length.
        lengths = np.sort(inputs["lengths"])
        windows = np.lib.stride_tricks.sliding_window_view(all_lengths, len(lengths))
        assert (windows == lengths).all(axis=1).any()
    assert len(widths) > 1
    assert total_padding(grouped) < total_padding(fixed)


def test_group_by_length_uses_each_sketch_at_most_once_per_epoch(synthetic_data):
    keys = [stroke3_to_stroke5(s, len(s)).tobytes() for s in synthetic_data.train]
    assert len(set(keys)) == len(keys)
    batches = SketchBatches(synthetic_data.train, batch_size=30, max_len=200,
                            group_by_length=True, seed=4)
    epochs = []
    for _ in range(2):
        seen = []
        for index in range(len(batches)):
            inputs, target = batches[index]
            seen += [target[i, :n].tobytes() for i, n in enumerate(inputs["lengths"])]
        assert len(seen) == len(set(seen)) == len(batches) * 30
        assert set(seen) <= set(keys)
        epochs.append(seen)
        batches.on_epoch_end()
    assert epochs[0] != epochs[1]


def assert_every_short_sketch_has_an_end_row(batches, epochs=2):
    """Every sketch shorter than max_len has a p3 row in its target, in every batch."""
    uses = 0
    for epoch in range(epochs):
        for index in range(len(batches)):
            batch = batches.batch(index, epoch)
            short = batch.lengths < batches.max_len
            ends = batch.target[np.arange(len(batch.lengths)), np.minimum(
                batch.lengths, batch.target.shape[1] - 1), 4]
            assert (ends[short] == 1).all(), f"epoch {epoch}, batch {index}: no end row"
            uses += len(batch.lengths)
    return uses


def test_grouped_batches_keep_the_stop_target():
    """Sketches whose length is a multiple of pad_multiple once got a batch exactly that long,
    and so no end row (p3) to learn to stop from."""
    rng = np.random.default_rng(0)
    sketches = []
    for length in [25, 50, 50, 75, 24, 26, 49] * 6:
        sketch = np.zeros((length, 3), np.float32)
        sketch[:, :2] = rng.normal(size=(length, 2))
        sketch[-1, 2] = 1
        sketches.append(sketch)
    batches = SketchBatches(sketches, batch_size=6, max_len=100, group_by_length=True,
                            pad_multiple=25, augment=False)
    assert assert_every_short_sketch_has_an_end_row(batches) == 2 * 7 * 6
    # A sketch of exactly max_len rows has none, in the reference too.
    full = SketchBatches([np.tile([[1.0, 0.0, 0.0]], (100, 1))] * 6, batch_size=6, max_len=100,
                         group_by_length=True)
    assert full.batch(0).target.shape[1] == 100 and not full.batch(0).target[..., 4].any()


@pytest.mark.shared_files("aaron_sheep.npz")
def test_grouped_aaron_sheep_batches_keep_the_stop_target(shared_data):
    """On aaron_sheep, 192 of 14,800 sketch-uses in two epochs lacked an end row before."""
    data = load_dataset(shared_data / "aaron_sheep.npz")
    batches = SketchBatches(data.train, 100, data.max_seq_len, augment=True,
                            group_by_length=True)
    assert assert_every_short_sketch_has_an_end_row(batches) == 14_800


@pytest.mark.shared_files("aaron_sheep.npz")
def test_group_by_length_pads_less_on_aaron_sheep(shared_data):
    train = load_shared_npz(shared_data, "aaron_sheep.npz")["train"][:2000]
    grouped = SketchBatches(train, batch_size=100, max_len=250, group_by_length=True)
    fixed = SketchBatches(train, batch_size=100, max_len=250)
    assert total_padding(grouped) < 0.5 * total_padding(fixed)
    for index in range(len(grouped)):
        width = grouped[index][1].shape[1]
        assert width % 25 == 0 and width <= 250


def test_sketch_batches_too_few_sketches(synthetic_data):
    with pytest.raises(ValueError, match="batch_size=300"):
        SketchBatches(synthetic_data.train, batch_size=300)
    assert len(SketchBatches(synthetic_data.train, batch_size=200, max_len=120)) == 1


def test_sketch_batches_too_long_sketch_raises(synthetic_data):
    batches = SketchBatches(synthetic_data.train, batch_size=200, max_len=5)
    with pytest.raises(ValueError, match="max_len=5"):
        batches[0]


def test_sketch_batches_in_order_without_shuffle(synthetic_data):
    """shuffle=False: batch i is sketches iB to (i+1)B - 1, the same in every epoch (and
    with augment=False exactly make_batch of them); augmentation still applies if asked."""
    sketches = synthetic_data.valid
    batches = SketchBatches(sketches, batch_size=6, max_len=120, shuffle=False)
    assert len(batches) == 3  # 20 sketches: the last 2 are left out
    for index in range(3):
        expected = make_batch(sketches[index * 6:(index + 1) * 6], 120)
        for epoch in (None, 0, 5):
            batch = batches.batch(index, epoch)
            for field in Batch._fields:
                np.testing.assert_array_equal(getattr(batch, field), getattr(expected, field))
    batches.on_epoch_end()
    assert_same_item(batches[1], as_inputs(make_batch(sketches[6:12], 120)))
    augmented = SketchBatches(sketches, batch_size=6, max_len=120, shuffle=False, augment=True)
    lengths = augmented.batch(0).lengths
    assert (lengths <= [len(s) for s in sketches[:6]]).all()
    assert not np.array_equal(augmented.batch(0).target, batches.batch(0).target)


def test_sketch_batches_batch_of_any_epoch(synthetic_data):
    """batch(index, epoch) gives batch ``index`` of ``epoch`` without moving the epoch
    counter; ``batch(index)`` is the current epoch's; indices outside len() are errors."""
    batches = SketchBatches(synthetic_data.train, batch_size=16, max_len=120, seed=2,
                            augment=True)
    later = SketchBatches(synthetic_data.train, batch_size=16, max_len=120, seed=2,
                          augment=True)
    for _ in range(3):
        later.on_epoch_end()
    for index in (0, len(batches) - 1):
        np.testing.assert_array_equal(batches.batch(index, 3).target, later.batch(index).target)
        np.testing.assert_array_equal(later.batch(index, 0).target, batches.batch(index).target)
    assert batches.epoch == 0 and later.epoch == 3
    assert not np.array_equal(batches.batch(0, 1).target, batches.batch(0, 2).target)
    for index in (-1, len(batches)):
        with pytest.raises(IndexError, match=f"batch {index} of {len(batches)}"):
            batches.batch(index)
