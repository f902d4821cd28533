"""Nats per sketch (sketchlib.likelihood): independent of max_seq_len, in the units the caller
chooses, and, on real models, each sheep model prefers the sheep of its own data."""

import numpy as np
import pytest
from conftest import load_shared_npz

from sketchlib import pretrained
from sketchlib.hparams import HParams
from sketchlib.likelihood import nats_per_sketch
from sketchlib.synthetic import synthetic_splits
from sketchlib.model import build_model
from sketchlib.training import compile_model, evaluate
from sketchlib.strokes import normalize

TINY = HParams(conditional=False, dec_rnn_size=16, num_mixture=3, max_seq_len=40)


@pytest.fixture(scope="module")
def sketches():
    return [s for s in synthetic_splits(12, 1, 1, seed=2)["train"] if len(s) <= 40][:8]


def with_max_seq_len(model, max_seq_len):
    """The same weights in a model padded to another max_seq_len."""
    hps = model.hps.replace(max_seq_len=max_seq_len)
    other = compile_model(build_model(hps), hps)
    other.set_weights(model.get_weights())
    other.data = model.data
    return other


def test_nats_per_sketch_do_not_depend_on_max_seq_len_as_the_loss_does(sketches):
    model = compile_model(build_model(TINY), TINY)
    model.data = {"scale_factor": 10.0}
    longer = with_max_seq_len(model, 80)
    nats = nats_per_sketch(model, sketches)
    assert nats.shape == (len(sketches),) and np.all(np.isfinite(nats))
    np.testing.assert_allclose(nats_per_sketch(longer, sketches), nats, rtol=1e-4)
    # The loss per step halves when max_seq_len doubles (beyond the end row, which
    # evaluate leaves out): it cannot compare models of different max_seq_len.
    normalised = [normalize(s, 10.0) for s in sketches]
    loss = evaluate(model, normalised, batch_size=4)
    loss_longer = evaluate(longer, normalised, batch_size=4)
    assert loss_longer["offset_loss"] == pytest.approx(loss["offset_loss"] / 2, rel=1e-4)


def test_the_scale_factor_sets_the_units(sketches):
    """Drawings twice as large, measured in a unit twice as large, are the same numbers; in
    the model's own unit they are others."""
    model = build_model(TINY)
    model.data = {"scale_factor": 10.0}
    doubled = [np.column_stack([2 * s[:, :2], s[:, 2]]) for s in sketches]
    np.testing.assert_allclose(nats_per_sketch(model, doubled, scale_factor=20.0),
                               nats_per_sketch(model, sketches), rtol=1e-5)
    assert not np.allclose(nats_per_sketch(model, doubled), nats_per_sketch(model, sketches))


def test_bad_input_is_a_clear_error(sketches):
    model = build_model(TINY)
    model.data = {"scale_factor": 10.0}
    with pytest.raises(ValueError, match="a sketch has 41 rows, more than the model's "
                                         r"max_seq_len \(40\); leave such sketches out"):
        nats_per_sketch(model, [np.tile([[1.0, 0.0, 0.0]], (41, 1))])
    with pytest.raises(ValueError, match="scale_factor must be a positive number, got 0"):
        nats_per_sketch(model, sketches, scale_factor=0)
    with pytest.raises(ValueError, match="sketch 1: pen values must be 0 or 1"):
        nats_per_sketch(model, [sketches[0], np.array([[1.0, 2.0, 5.0]])])


@pytest.mark.shared_files("aaron_sheep.npz", "quickdraw/sheep.sample25.npz",
                          "magenta/sheep.gen.json")
def test_each_sheep_model_prefers_the_sheep_of_its_own_data(shared_data):
    """The book's aaron_sheep decoder and Magenta's QuickDraw sheep model, on 20 sheep of each
    data set (each set in its own data's unit): each finds its own data's sheep likelier."""
    ours, magenta = pretrained.load("sheep_decoder"), pretrained.load("magenta/sheep")
    limit = min(ours.hps.max_seq_len, magenta.hps.max_seq_len)
    aaron = [s for s in load_shared_npz(shared_data, "aaron_sheep.npz")["test"]
             if len(s) <= limit][:20]
    quickdraw = load_shared_npz(shared_data, "quickdraw/sheep.sample25.npz")["train"][:15]
    for sheep, unit, own, other in [(aaron, ours.data["scale_factor"], ours, magenta),
                                    (quickdraw, magenta.data["scale_factor"], magenta, ours)]:
        mine = nats_per_sketch(own, sheep, unit)
        theirs = nats_per_sketch(other, sheep, unit)
        assert np.median(mine) < np.median(theirs)
        assert np.mean(mine < theirs) >= 0.8
