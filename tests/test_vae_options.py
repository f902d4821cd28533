"""The options beyond the reference that chapter 4's study compares (all off by default):
dropping the decoder's input offsets, the auxiliary shape loss, cyclical KL annealing; each
saved with the run, resumed exactly, and refused where it makes no sense."""

import numpy as np
import pytest

from sketchlib import sampling, set_seed
from sketchlib.batching import make_batch
from sketchlib.checkpoints import load_model, read_log
from sketchlib.encoder import annealed_kl_weight
from sketchlib.hparams import HParams, parse_overrides
from sketchlib.model import SketchRNN
from sketchlib.raster import shape_divergence, soft_raster
from sketchlib.synthetic import synthetic_dataset
from sketchlib.training import train
from test_vae import HPS, inputs_of


@pytest.fixture(scope="module")
def batch():
    return make_batch(synthetic_dataset(8, 0, 0, seed=3, max_seq_len=60).train, 60)


def test_the_options_are_off_by_default_and_checked():
    hps = HParams()
    assert (hps.dec_input_dropout, hps.shape_loss_weight, hps.kl_cycle_steps) == (0, 0, 0)
    for bad in ("dec_input_dropout=1.5", "dec_input_dropout=-0.1", "shape_loss_weight=-1",
                "shape_loss_weight=Infinity", "kl_cycle_steps=-1", "shape_raster_size=0"):
        with pytest.raises(ValueError, match=bad.split("=")[0]):
            hps.replace(**parse_overrides(bad))
    with pytest.raises(ValueError, match="conditional"):
        HParams(conditional=False, shape_loss_weight=1.0)


def test_input_dropout_blanks_whole_offsets_in_training_only(batch):
    set_seed(0)
    model = SketchRNN(HPS.replace(dec_input_dropout=0.5))
    rows = batch.decoder_input
    np.testing.assert_array_equal(np.asarray(model.seen_input(rows)), rows)  # evaluation
    seen = np.asarray(model.seen_input(rows, training=True))
    np.testing.assert_array_equal(seen[..., 2:], rows[..., 2:])  # pen bits kept
    moved = np.any(rows[..., :2] != 0, axis=-1)
    blanked = np.all(seen[..., :2] == 0, axis=-1) & moved
    kept = np.all(seen[..., :2] == rows[..., :2], axis=-1) & moved
    assert np.all(blanked | kept | ~moved)  # dx and dy go together
    assert 0.4 < blanked.sum() / moved.sum() < 0.6


def test_with_dropout_one_the_decoder_never_sees_offsets(batch):
    """p = 1: the output does not change when the input offsets do, in evaluation and in a
    sampling step; a sketch is drawn the same on the compiled and the portable path."""
    set_seed(1)
    model = SketchRNN(HPS.replace(dec_input_dropout=1.0))
    other = dict(inputs_of(batch), decoder_input=batch.decoder_input.copy())
    other["decoder_input"][..., :2] += 3.0
    np.testing.assert_allclose(np.asarray(model(inputs_of(batch))["mixture"]),
                               np.asarray(model(other)["mixture"]), atol=1e-6)
    state = model.initial_state(8, np.zeros((8, 8), "float32"))
    steps = [np.asarray(model.step(x, state)[0]) for x in
             (batch.decoder_input[:, 1], other["decoder_input"][:, 1])]
    np.testing.assert_allclose(*steps, atol=1e-6)
    fast, portable = (sampling.sample(model, 2, 0.5, seed=3, max_len=30, fast=f)
                      for f in (True, False))
    for a, b in zip(fast, portable):
        np.testing.assert_allclose(a, b, atol=1e-4)
    # ... and a model without the option does see them: the test can fail
    plain = SketchRNN(HPS)
    assert not np.allclose(np.asarray(plain(inputs_of(batch))["mixture"]),
                           np.asarray(plain(other)["mixture"]), atol=1e-6)


def test_the_shape_loss_is_added_with_its_weight(batch):
    set_seed(2)
    model = SketchRNN(HPS.replace(shape_loss_weight=2.5, shape_raster_size=8))
    outputs = model(inputs_of(batch))
    assert tuple(outputs["shape_logits"].shape) == (8, 64)
    loss = float(model.compute_loss(y=batch.target, y_pred=outputs, training=False))
    shape = float(shape_divergence(soft_raster(batch.target, 8), outputs["shape_logits"]))
    assert shape > 0
    without = float(SketchRNN(HPS).compute_loss(y=batch.target, y_pred=outputs,
                                                training=False))  # the same, but no shape loss
    assert loss == pytest.approx(without + 2.5 * shape, rel=1e-5)


def test_cyclical_annealing_rises_over_half_of_each_cycle():
    hps = HPS.replace(kl_weight=0.5, kl_cycle_steps=100)
    weights = [float(annealed_kl_weight(hps, t)) for t in (0, 25, 50, 99, 100, 125, 260)]
    assert weights == pytest.approx([0.0, 0.25, 0.5, 0.5, 0.0, 0.25, 0.5], abs=1e-6)


@pytest.mark.parametrize("option", ["dec_input_dropout=0.5", "shape_loss_weight=1.0",
                                    "kl_cycle_steps=3"])
def test_a_run_with_an_option_resumes_exactly_and_loads_with_it(tmp_path, option):
    """Four steps straight or two and a resume: the same weights and log (the dropout of the
    offsets has its own random stream in the checkpoint); the log has the shape losses when
    that loss is on; the loaded model knows its option."""
    dataset = synthetic_dataset(40, 10, 10, seed=1, max_seq_len=60)
    hps = HPS.replace(**parse_overrides(option), num_steps=4, save_every=2)
    straight = train(hps, dataset, tmp_path / "straight", verbose=0)
    train(hps.replace(num_steps=2), dataset, tmp_path / "resumed", verbose=0)
    resumed = train(hps, dataset, tmp_path / "resumed", resume=True, verbose=0)
    for a, b in zip(straight.weights + straight.optimizer.variables,
                    resumed.weights + resumed.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    logs = [read_log(tmp_path / name / "log.csv") for name in ("straight", "resumed")]
    np.testing.assert_array_equal(logs[0]["loss"], logs[1]["loss"])
    assert ("val_shape" in logs[0]) == option.startswith("shape")
    loaded = load_model(tmp_path / "straight", "latest")
    assert loaded.hps == hps.replace(max_seq_len=dataset.max_seq_len)
    assert len(sampling.sample(loaded, 2, seed=0, max_len=20)) == 2


def test_a_decoder_that_never_sees_offsets_is_not_exported(tmp_path):
    """The browser library feeds the decoder the previous offsets: a model trained without
    them would draw something else there, so export refuses it (and writes nothing)."""
    from sketchlib.browser import BrowserFormatError, export_browser_model
    from sketchlib.model import build_model

    hps = HParams(conditional=False, dec_rnn_size=16, max_seq_len=20)
    export_browser_model(build_model(hps), tmp_path / "seen.json")  # the same, with offsets
    with pytest.raises(BrowserFormatError, match="dec_input_dropout=1"):
        export_browser_model(build_model(hps.replace(dec_input_dropout=1.0)),
                             tmp_path / "unseen.json")
    assert not (tmp_path / "unseen.json").exists()
