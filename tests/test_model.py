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


def test_dropout_follows_the_seed(tiny_batch):
    """The dropout masks come from sketchlib.set_seed: the same seed draws the same masks,
    another seed others (the seed generator was fixed at 0 before)."""
    from sketchlib import set_seed

    inputs, _ = tiny_batch

    def training_output(seed):
        set_seed(seed)
        model = SketchRNN(HPS.replace(recurrent_dropout_prob=0.5))
        model(inputs)  # build
        set_seed(123)  # the same weights for every seed: only the masks may differ
        for variable, value in zip(model.weights, reference_weights):
            variable.assign(value)
        return np.asarray(model(inputs, training=True))

    set_seed(0)
    reference = SketchRNN(HPS)
    reference(inputs)
    reference_weights = [np.asarray(v) for v in reference.weights]
    np.testing.assert_array_equal(training_output(1), training_output(1))
    assert not np.allclose(training_output(1), training_output(2))


def test_compute_loss_adds_extra_losses_and_weighs_sketches(tiny_batch):
    """compute_loss keeps terms added with add_loss (the VAE's KL term may be one) and
    weighs sketches by sample_weight, as Keras losses do (sum(w * loss) / B)."""
    inputs, target = tiny_batch
    model = SketchRNN(HPS)
    output = model(inputs)
    plain = float(model.compute_loss(y=target, y_pred=output, training=False))
    offset, pen = mdn.reconstruction_loss(target, output, 3, HPS.max_seq_len, mask_pen=True)
    assert plain == pytest.approx(float(offset) + float(pen), rel=1e-6)
    weights = np.array([1, 0, 0, 0, 0, 0, 0, 0], dtype="float32")
    first_only = float(model.compute_loss(y=target, y_pred=output, sample_weight=weights,
                                          training=False))
    one = mdn.reconstruction_loss(target[:1], np.asarray(output)[:1], 3, HPS.max_seq_len,
                                  mask_pen=True)
    assert first_only == pytest.approx((float(one[0]) + float(one[1])) / 8, rel=1e-5)
    model.add_loss(keras.ops.convert_to_tensor(2.5))
    assert float(model.compute_loss(y=target, y_pred=output, training=False)) == (
        pytest.approx(plain + 2.5, rel=1e-6))


def test_pen_loss_is_unmasked_in_training_under_fit(tiny_batch):
    """Through fit (not only the function): the training pen loss counts every padding row,
    so the model learns to stop; evaluate masks it like the offset loss."""
    inputs, target = tiny_batch
    model = SketchRNN(HPS.replace(use_recurrent_dropout=False))
    model.compile(optimizer=keras.optimizers.SGD(0.0))  # no update: fit logs this batch
    history = model.fit(inputs, target, batch_size=8, epochs=1, verbose=0).history
    output = model(inputs)
    unmasked = mdn.reconstruction_loss(target, output, 3, HPS.max_seq_len, mask_pen=False)[1]
    masked = mdn.reconstruction_loss(target, output, 3, HPS.max_seq_len, mask_pen=True)[1]
    assert float(unmasked) > 1.2 * float(masked)  # the padding rows weigh in this batch
    assert history["pen_loss"][0] == pytest.approx(float(unmasked), rel=1e-5)
    evaluated = model.evaluate(inputs, target, batch_size=8, verbose=0, return_dict=True)
    assert evaluated["pen_loss"] == pytest.approx(float(masked), rel=1e-5)


