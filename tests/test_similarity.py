"""sketchlib.similarity: the shape distance ignores position, size and point spacing, tells
different drawings apart, and ranks a reconstruction against its original."""

import numpy as np
import pytest

from sketchlib import latent
from sketchlib.similarity import (chamfer_distance, code_auc, identification_ranks, ink_points,
                                 pairwise_auc, properties, property_correlations)
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


def test_pairwise_auc_on_cases_whose_answer_is_known():
    """1.0 for drawings identical to their originals; 0.5 exactly when all drawings are the
    same; about 0.5 when each original gets another sketch's drawing (codes swapped)."""
    rng = np.random.default_rng(2)
    kinds = ("star", "face", "square", "triangle")
    originals = [synthetic_sketch(kinds[i % 4], rng) for i in range(24)]
    assert pairwise_auc(originals, originals) == 1.0
    assert pairwise_auc(originals, [originals[0]] * 24) == 0.5
    swapped = []
    for _ in range(20):
        order = rng.permutation(24)
        while np.any(order == np.arange(24)):  # each gets another's
            order = rng.permutation(24)
        swapped.append(pairwise_auc(originals, [originals[k] for k in order]))
    assert np.mean(swapped) == pytest.approx(0.5, abs=0.03)
    with pytest.raises(ValueError, match="originals"):
        pairwise_auc(originals, originals[:3])


def test_code_auc_decodes_every_code_with_the_same_noise():
    """A VAE whose decoder ignores its code (its z weights zeroed) draws the same sketch from
    every code when the noise is shared, so its AUC is exactly 0.5."""
    from sketchlib import set_seed
    from sketchlib.hparams import HParams
    from sketchlib.model import SketchRNN
    from sketchlib.synthetic import synthetic_dataset

    sketches = synthetic_dataset(6, 0, 0, seed=5, max_seq_len=60).train
    set_seed(0)
    model = SketchRNN(HParams(dec_rnn_size=16, enc_rnn_size=8, z_size=4, num_mixture=2,
                              max_seq_len=60))
    codes = latent.encode(model, sketches)
    drawn = latent.decode(model, codes, 0.5, seed=1, max_len=20, same_noise=True)
    assert not all(np.array_equal(drawn[0], d) for d in drawn)  # the codes do differ
    kernel = model.decoder_cell.weights[0]  # (5 + z + mask, 4 units): zero the rows of z
    values = np.asarray(kernel)
    values[5:9] = 0.0
    kernel.assign(values)
    model.initial_state_layer.kernel.assign(np.zeros_like(model.initial_state_layer.kernel))
    drawn = latent.decode(model, codes, 0.5, seed=1, max_len=20, same_noise=True)
    assert all(np.array_equal(drawn[0], d) for d in drawn)
    assert code_auc(model, sketches, 0.5, seeds=(0, 1)) == 0.5
    noisy = latent.decode(model, codes, 0.5, seed=1, max_len=20)  # each its own noise
    assert not all(np.array_equal(noisy[0], d) for d in noisy)


def test_property_correlations_see_what_drawings_take_from_their_originals():
    rng = np.random.default_rng(3)
    originals = [synthetic_sketch(("star", "face", "square")[i % 3], rng).astype(float) *
                 np.array([s, s, 1.0]) for i, s in enumerate(rng.uniform(0.5, 3.0, 30))]
    assert properties(square(10)) == pytest.approx(
        {"rows": 4, "strokes": 1.0, "width": 10.0, "step": 10.0, "aspect": 0.0}, abs=1e-6)
    same = property_correlations(originals, originals)
    assert same == pytest.approx({name: 1.0 for name in same})
    resized = [s * np.array([2.0, 2.0, 1.0]) for s in originals]  # the same, twice as large
    taken = property_correlations(originals, resized)
    assert taken["width"] == pytest.approx(1.0) and taken["rows"] == pytest.approx(1.0)
    shuffled = property_correlations(originals, [originals[i] for i in rng.permutation(30)])
    assert abs(shuffled["width"]) < 0.6
