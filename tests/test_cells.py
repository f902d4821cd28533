"""The LSTM, LayerNorm LSTM and HyperLSTM cells against their equations computed in numpy,
their initialisation and parameter counts, layer-norm statistics, and the candidate
dropout."""

import keras
import numpy as np
import pytest

from sketchlib.cells import (HyperLSTMCell, LayerNormLSTMCell, LSTMCell, candidate_dropout_masks,
                             layer_norm)


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


def perturb(cell, rng):
    """Move every weight away from its initial value (zeros, ones, constants), so that a test
    of the equations sees each one used."""
    for weight in cell.weights:
        weight.assign(np.asarray(weight) + rng.normal(0.0, 0.3, size=weight.shape)
                      .astype(np.float32))


def numpy_layer_norm_lstm(x, h, c, w, mask):
    """One step of the LayerNorm LSTM in numpy; ``w``: its weights by name."""
    gates = numpy_layer_norm(np.concatenate([x, h], 1) @ np.concatenate(
        [w["kernel"], w["recurrent_kernel"]]), w["gate_gain"], w["gate_shift"], 4)
    i, j, f, o = np.split(gates, 4, axis=-1)
    c = c * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j) * mask
    return np.tanh(numpy_layer_norm(c, w["cell_gain"], w["cell_shift"])) * sigmoid(o), c


def test_hyper_lstm_matches_its_equations():
    """Each of the 8 blocks scaled by its own d_k W_alpha,k, the 4 recurrent ones shifted,
    the hyper cell a LayerNorm LSTM over [x, h] without dropout, the state
    [h, c, h_hyper, c_hyper]."""
    rng = np.random.default_rng(3)
    batch, steps, size, units, hyper, embedding = 2, 4, 5, 6, 7, 3
    x = rng.normal(size=(batch, steps, size)).astype(np.float32)
    mask = (rng.random((batch, steps, units)) < 0.7).astype(np.float32) / 0.7
    cell = HyperLSTMCell(units, hyper_units=hyper, embedding_size=embedding)
    rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    rnn(np.concatenate([x, mask], axis=-1))  # build
    perturb(cell, rng)
    outputs, *final = (np.asarray(t) for t in rnn(np.concatenate([x, mask], axis=-1)))
    w = {v.path.split("/")[-1]: np.asarray(v) for v in cell.weights
         if "hyper_cell" not in v.path}
    w_hyper = {v.path.split("/")[-1]: np.asarray(v) for v in cell.hyper_cell.weights}
    h = c = np.zeros((batch, units))
    hyper_h = hyper_c = np.zeros((batch, hyper))
    for t in range(steps):
        hyper_h, hyper_c = numpy_layer_norm_lstm(np.concatenate([x[:, t], h], 1), hyper_h,
                                                 hyper_c, w_hyper, 1.0)
        blocks = np.split(x[:, t] @ w["kernel"], 4, 1) + np.split(h @ w["recurrent_kernel"],
                                                                    4, 1)
        zw = np.split(hyper_h @ w["scale_embedding_kernel"] + w["scale_embedding_bias"], 8, 1)
        zb = np.split(hyper_h @ w["shift_embedding_kernel"], 4, 1)
        for k in range(8):
            blocks[k] = (zw[k] @ w["scale_kernel"][k]) * blocks[k]
            if k >= 4:
                blocks[k] = blocks[k] + zb[k - 4] @ w["shift_kernel"][k - 4]
        gates = np.concatenate([blocks[k] + blocks[k + 4] for k in range(4)], 1) + w["bias"]
        i, j, f, o = np.split(numpy_layer_norm(gates, w["gate_gain"], w["gate_shift"], 4), 4, 1)
        c = c * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j) * mask[:, t]
        h = np.tanh(numpy_layer_norm(c, w["cell_gain"], w["cell_shift"])) * sigmoid(o)
        np.testing.assert_allclose(outputs[:, t], h, rtol=1e-4, atol=1e-5)
    for got, expected in zip(final, (h, c, hyper_h, hyper_c)):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_hyper_lstm_at_initialisation_scales_every_block_by_a_tenth():
    cell = HyperLSTMCell(8)
    cell.build((None, 3 + 8))
    assert (cell.hyper_units, cell.embedding_size) == (256, 32)  # the reference's
    hyper_h = np.random.default_rng(0).uniform(-1, 1, (5, 256)).astype(np.float32)
    scales, shifts = (np.asarray(t) for t in cell.hyper_scales(hyper_h))
    assert scales.shape == (5, 8, 8) and shifts.shape == (5, 4, 8)
    np.testing.assert_allclose(scales, 0.1, rtol=1e-5)  # z = 1 (W 0, b 1), alpha 0.1 / 32
    assert not shifts.any()                              # W_beta starts at 0
    assert 0.005 < np.asarray(cell.shift_embedding_kernel).std() < 0.015  # N(0, 0.01)
    for block in np.split(np.asarray(cell.recurrent_kernel), 4, axis=1):
        np.testing.assert_allclose(block.T @ block, np.eye(8), atol=1e-5)


def hyper_lstm_parameters(x, u, hyper=256, e=32):
    """The HyperLSTM's parameter count by formula: main W_xh, W_hh and bias (4u(x + u) + 4u),
    its layer norms (10u); the hyper cell, a LayerNorm LSTM over [x, h]
    (4H(x + u + H) + 10H); 8 scale embeddings (H e + e) and alphas (e u), 4 shift embeddings
    (H e) and betas (e u)."""
    return (4 * u * (x + u) + 4 * u + 10 * u + 4 * hyper * (x + u + hyper) + 10 * hyper
            + 8 * (hyper * e + e + e * u) + 4 * (hyper * e + e * u))


@pytest.mark.parametrize("x, u, hyper, e", [(3, 8, 6, 4), (5 + 128, 512, 256, 32)])
def test_hyper_lstm_parameter_count_equals_the_formula(x, u, hyper, e):
    cell = HyperLSTMCell(u, hyper_units=hyper, embedding_size=e)
    cell.build((None, x + u))
    assert cell.count_params() == hyper_lstm_parameters(x, u, hyper, e)


def test_every_cell_name_the_hyper_parameters_allow_is_built():
    """One registry: the names HParams accepts are the cells make_cell builds."""
    from sketchlib.cells import CELLS, make_cell
    from sketchlib.hparams import CELL_TYPES, HParams

    assert tuple(CELLS) == CELL_TYPES == ("lstm", "layer_norm", "hyper")
    for name, cell in CELLS.items():
        assert HParams(dec_model=name, enc_model=name).dec_model == name
        assert isinstance(make_cell(name, 4), cell)
    with pytest.raises(ValueError, match=r"dec_model must be one of \('lstm', 'layer_norm', "
                                         r"'hyper'\), got 'gru'"):
        HParams(dec_model="gru")
