"""The decoder-only Sketch-RNN: shapes, causality, metrics, and overfitting a tiny batch."""

import keras
import numpy as np
import pytest

from sketchlib import mdn
from sketchlib.batching import make_batch
from sketchlib.hparams import HParams
from sketchlib.model import SketchRNN
from sketchlib.synthetic import synthetic_dataset

HPS = HParams(conditional=False, dec_rnn_size=32, num_mixture=3, max_seq_len=60, batch_size=8)


@pytest.fixture(scope="module")
def tiny_batch():
    dataset = synthetic_dataset(8, 2, 2, seed=1, max_seq_len=60)
    batch = make_batch(dataset.train, 60)
    inputs = {"encoder_input": batch.encoder_input, "decoder_input": batch.decoder_input,
              "lengths": batch.lengths}
    return inputs, batch.target


def test_output_shape(tiny_batch):
    inputs, target = tiny_batch
    output = SketchRNN(HPS)(inputs)
    assert tuple(output.shape) == (8, 60, mdn.output_size(3))


def test_decoder_is_causal(tiny_batch):
    """The output at step t must not depend on decoder inputs after t."""
    inputs, _ = tiny_batch
    model = SketchRNN(HPS)
    changed = dict(inputs, decoder_input=inputs["decoder_input"].copy())
    changed["decoder_input"][:, 30:] += 1.0
    before, after = np.asarray(model(inputs)), np.asarray(model(changed))
    np.testing.assert_allclose(before[:, :30], after[:, :30], rtol=1e-5, atol=1e-6)
    assert not np.allclose(before[:, 30:], after[:, 30:])


def test_dropout_only_in_training(tiny_batch):
    inputs, _ = tiny_batch
    model = SketchRNN(HPS.replace(recurrent_dropout_prob=0.5))
    np.testing.assert_array_equal(np.asarray(model(inputs)), np.asarray(model(inputs)))
    assert not np.allclose(np.asarray(model(inputs, training=True)),
                           np.asarray(model(inputs, training=True)))


def test_overfits_a_tiny_batch_and_reports_both_losses(tiny_batch):
    inputs, target = tiny_batch
    keras.utils.set_random_seed(0)
    model = SketchRNN(HPS.replace(use_recurrent_dropout=False))
    model.compile(optimizer=keras.optimizers.Adam(0.01, clipvalue=1.0))
    history = model.fit(inputs, target, batch_size=8, epochs=150, verbose=0).history
    assert set(history) == {"loss", "offset_loss", "pen_loss"}
    assert history["loss"][-1] < history["loss"][0] - 1.5
    assert history["offset_loss"][-1] < 0          # a density: the loss goes negative
    result = model.evaluate(inputs, target, batch_size=8, verbose=0, return_dict=True)
    assert result["loss"] == pytest.approx(result["offset_loss"] + result["pen_loss"], rel=1e-5)


def test_conditional_model_is_not_built_yet():
    with pytest.raises(NotImplementedError, match="conditional=False"):
        SketchRNN(HParams())
