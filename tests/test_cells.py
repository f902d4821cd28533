"""The LSTM and LayerNorm LSTM cells against their equations computed in numpy, their
initialisation, layer-norm statistics, and the candidate dropout."""

import keras
import numpy as np
import pytest

from sketchlib.cells import LayerNormLSTMCell, LSTMCell, candidate_dropout_masks, layer_norm


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_lstm_cell_matches_its_equations():
    rng = np.random.default_rng(0)
    batch, steps, size, units = 2, 3, 5, 4
    x = rng.normal(size=(batch, steps, size)).astype(np.float32)
    mask = (rng.random((batch, steps, units)) < 0.7).astype(np.float32) / 0.7
    cell = LSTMCell(units)
    rnn = keras.layers.RNN(cell, return_sequences=True)
    outputs = np.asarray(rnn(np.concatenate([x, mask], axis=-1)))
    kernel, recurrent, bias = (np.asarray(w) for w in cell.weights)
    h = c = np.zeros((batch, units))
    for t in range(steps):
        gates = x[:, t] @ kernel + h @ recurrent + bias
        i, j, f, o = np.split(gates, 4, axis=-1)
        c = c * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j) * mask[:, t]
        h = np.tanh(c) * sigmoid(o)
        np.testing.assert_allclose(outputs[:, t], h, rtol=1e-4, atol=1e-5)


def test_initialisation():
    cell = LSTMCell(8)
    cell.build((None, 3 + 8))
    recurrent = np.asarray(cell.recurrent_kernel)
    for gate in range(4):
        block = recurrent[:, gate * 8:(gate + 1) * 8]
        np.testing.assert_allclose(block.T @ block, np.eye(8), atol=1e-5)
    assert np.asarray(cell.kernel).shape == (3, 32)
    assert not np.asarray(cell.bias).any()


def test_recurrent_blocks_are_four_independent_orthogonal_matrices():
    """Four draws, not one block repeated (an unseeded Keras 3 initializer called four times
    returns the same matrix), and reproducible under set_seed."""
    from sketchlib import set_seed

    def blocks(seed):
        set_seed(seed)
        cell = LSTMCell(16)
        cell.build((None, 5 + 16))
        return np.split(np.asarray(cell.recurrent_kernel), 4, axis=1)

    first = blocks(0)
    for a in range(4):
        np.testing.assert_allclose(first[a].T @ first[a], np.eye(16), atol=1e-5)
        for b in range(a):
            assert np.abs(first[a] - first[b]).max() > 0.1
    np.testing.assert_array_equal(np.concatenate(blocks(0), 1), np.concatenate(first, 1))
    assert not np.array_equal(blocks(1)[0], first[0])


def test_input_without_mask_columns_is_a_clear_error():
    with pytest.raises(ValueError, match="input_size \\+ 8"):
        LSTMCell(8).build((None, 8))


def test_dropout_masks_only_in_training():
    seed = keras.random.SeedGenerator(1)
    off = np.asarray(candidate_dropout_masks((4, 50), 16, 0.9, seed, training=False))
    assert (off == 1).all()
    on = np.asarray(candidate_dropout_masks((4, 50), 16, 0.9, seed, training=True))
    np.testing.assert_allclose(np.unique(on), [0.0, 1 / 0.9], rtol=1e-6)
    assert 0.05 < (on == 0).mean() < 0.15                       # about 1 - keep dropped
    assert not np.array_equal(on[:, 0], on[:, 1])               # a new mask every step


def numpy_layer_norm(x, gain, shift, blocks=1, epsilon=1e-3):
    parts = x.reshape(len(x), blocks, -1)
    parts = (parts - parts.mean(-1, keepdims=True)) / np.sqrt(parts.var(-1, keepdims=True)
                                                              + epsilon)
    return parts.reshape(len(x), -1) * gain + shift


def test_layer_norm_normalises_each_block_separately():
    rng = np.random.default_rng(1)
    x = rng.normal(3.0, 5.0, size=(6, 4 * 10)) * np.repeat([1, 10, 0.1, 2], 10)
    out = np.asarray(layer_norm(x.astype(np.float32), np.ones(40), np.zeros(40), blocks=4))
    for block, raw in zip(np.split(out, 4, axis=1), np.split(x, 4, axis=1)):
        np.testing.assert_allclose(block.mean(axis=1), 0, atol=1e-4)
        variance = raw.var(axis=1)  # the standard deviation is 1 but for epsilon = 1e-3
        np.testing.assert_allclose(block.std(axis=1), np.sqrt(variance / (variance + 1e-3)),
                                   rtol=1e-4)
    gain, shift = rng.normal(size=40), rng.normal(size=40)
    np.testing.assert_allclose(
        np.asarray(layer_norm(x.astype(np.float32), gain, shift, blocks=4)),
        numpy_layer_norm(x, gain, shift, blocks=4), rtol=1e-4, atol=1e-4)


def test_layer_norm_lstm_matches_its_equations():
    rng = np.random.default_rng(2)
    batch, steps, size, units = 3, 4, 5, 6
    x = rng.normal(size=(batch, steps, size)).astype(np.float32)
    mask = (rng.random((batch, steps, units)) < 0.7).astype(np.float32) / 0.7
    cell = LayerNormLSTMCell(units)
    rnn = keras.layers.RNN(cell, return_sequences=True)
    rnn(np.concatenate([x, mask], axis=-1))  # build
    # gains and shifts away from 1 and 0, so that the test sees them used
    for weight in (cell.gate_gain, cell.gate_shift, cell.cell_gain, cell.cell_shift):
        weight.assign(rng.normal(1.0, 0.3, size=weight.shape).astype(np.float32))
    outputs = np.asarray(rnn(np.concatenate([x, mask], axis=-1)))
    kernel, recurrent = np.asarray(cell.kernel), np.asarray(cell.recurrent_kernel)
    gains = [np.asarray(w) for w in (cell.gate_gain, cell.gate_shift, cell.cell_gain,
                                     cell.cell_shift)]
    h = c = np.zeros((batch, units))
    for t in range(steps):
        gates = numpy_layer_norm(x[:, t] @ kernel + h @ recurrent, gains[0], gains[1], 4)
        i, j, f, o = np.split(gates, 4, axis=-1)
        c = c * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j) * mask[:, t]
        h = np.tanh(numpy_layer_norm(c, gains[2], gains[3])) * sigmoid(o)
        np.testing.assert_allclose(outputs[:, t], h, rtol=1e-4, atol=1e-5)


def test_layer_norm_lstm_has_no_bias_and_starts_as_plain_normalisation():
    cell = LayerNormLSTMCell(8)
    cell.build((None, 3 + 8))
    names = sorted(w.name for w in cell.weights)
    assert names == ["cell_gain", "cell_shift", "gate_gain", "gate_shift", "kernel",
                     "recurrent_kernel"]
    assert np.all(np.asarray(cell.gate_gain) == 1) and not np.asarray(cell.gate_shift).any()
    assert np.all(np.asarray(cell.cell_gain) == 1) and not np.asarray(cell.cell_shift).any()
    for block in np.split(np.asarray(cell.recurrent_kernel), 4, axis=1):
        np.testing.assert_allclose(block.T @ block, np.eye(8), atol=1e-5)
    # parameters: W_xh, W_hh, and 4u + 4u + u + u of the norms: 4u(x + u) + 10u
    assert sum(int(np.prod(w.shape)) for w in cell.weights) == 4 * 8 * (3 + 8) + 10 * 8
