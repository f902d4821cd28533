"""Recurrent cells of Sketch-RNN, as Keras layers for ``keras.layers.RNN``.

Gate order ``i, j, f, o``; forget-gate bias ``+1``; recurrent dropout *without memory loss*
(Semeniuta et al. 2016): dropout on the candidate ``g = tanh(j)`` only, a new mask at every step.

Portable dropout: a random op inside the RNN loop does not work on every backend (a JAX
``scan`` cannot update a seed), so the masks are drawn for the whole sequence before the loop
by :func:`candidate_dropout_masks` and fed to the cell with its input: each step's input is
``[x, mask]``, ``(batch, input_size + units)``. Without dropout (evaluation, sampling) the mask
is all ones.
"""

from __future__ import annotations

import keras
from keras import ops

from .hparams import CELL_TYPES


def candidate_dropout_masks(batch_steps_shape, units: int, keep_prob: float, seed,
                            training: bool):
    """Masks ``(batch, steps, units)`` for the candidate: Bernoulli(keep_prob) / keep_prob in
    training, ones otherwise. ``seed``: a ``keras.random.SeedGenerator``."""
    ones = ops.ones(tuple(batch_steps_shape) + (units,))
    if not training or keep_prob >= 1.0:
        return ones
    return keras.random.dropout(ones, rate=1.0 - keep_prob, seed=seed)


def _orthogonal_per_gate(units: int):
    """Initializer for ``W_hh`` ``(units, 4 units)``: four independent orthogonal blocks, one
    per gate. A new ``Orthogonal()`` for each block: an unseeded Keras 3 initializer fixes its
    seed when it is created (from the seed :func:`keras.utils.set_random_seed` set), so one
    instance called four times would repeat the same block."""

    def initialize(shape, dtype=None):
        return ops.concatenate([keras.initializers.Orthogonal()((units, units), dtype=dtype)
                                for _ in range(4)], axis=1)
    return initialize


@keras.saving.register_keras_serializable(package="sketchlib")
class LSTMCell(keras.layers.Layer):
    """The LSTM of Sketch-RNN: ``[x, h] W + b`` split into ``i, j, f, o``;
    ``c' = c * sigmoid(f + forget_bias) + sigmoid(i) * (tanh(j) * mask)``,
    ``h' = tanh(c') * sigmoid(o)``. ``W_xh`` Glorot uniform, ``W_hh`` orthogonal per gate.

    Input per step: ``(batch, input_size + units)``, the last ``units`` columns being the
    candidate's dropout mask. State: ``[h, c]``, each ``(batch, units)``.
    """

    def __init__(self, units: int, forget_bias: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.forget_bias = float(forget_bias)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        self._build_kernels(input_shape)
        self.bias = self.add_weight(name="bias", shape=(4 * self.units,), initializer="zeros")

    def _build_kernels(self, input_shape):
        """``W_xh`` (Glorot uniform) and ``W_hh`` (orthogonal per gate), ``(., 4 units)``."""
        input_size = input_shape[-1] - self.units
        if input_size <= 0:
            raise ValueError(f"{type(self).__name__}({self.units}) expects [x, mask] inputs "
                             f"of size input_size + {self.units}, got {input_shape[-1]}")
        self.kernel = self.add_weight(name="kernel", shape=(input_size, 4 * self.units),
                                      initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(self.units, 4 * self.units),
            initializer=_orthogonal_per_gate(self.units))

    def preactivations(self, x, h):
        """The gates before their nonlinearities, ``[x, h] W + b`` ``(B, 4 units)``, from
        ``x`` ``(B, input_size)`` and ``h`` ``(B, units)``."""
        return ops.matmul(x, self.kernel) + ops.matmul(h, self.recurrent_kernel) + self.bias

    def call(self, inputs, states, training=None):
        h, c = states
        x, mask = inputs[:, :-self.units], inputs[:, -self.units:]
        i, j, f, o = ops.split(self.preactivations(x, h), 4, axis=-1)
        candidate = ops.tanh(j) * mask
        c_new = c * ops.sigmoid(f + self.forget_bias) + ops.sigmoid(i) * candidate
        h_new = ops.tanh(c_new) * ops.sigmoid(o)
        return h_new, [h_new, c_new]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "forget_bias": self.forget_bias}


def layer_norm(x, gain, shift, blocks: int = 1, epsilon: float = 1e-3):
    """Layer normalisation of each of ``blocks`` equal blocks of the last axis of ``x``
    ``(B, blocks * u)``: mean 0 and variance 1 within the block (``epsilon`` added to the
    variance, as the reference does), then times ``gain`` plus ``shift`` ``(blocks * u,)``.
    Computed in float32 whatever the dtype of ``x``."""
    size = x.shape[-1]
    values = ops.reshape(ops.cast(x, "float32"), (-1, blocks, size // blocks))
    mean = ops.mean(values, axis=-1, keepdims=True)
    variance = ops.mean(ops.square(values - mean), axis=-1, keepdims=True)
    normalised = ops.reshape((values - mean) * ops.rsqrt(variance + epsilon), (-1, size))
    return ops.cast(normalised * ops.cast(gain, "float32") + ops.cast(shift, "float32"),
                    x.dtype)


@keras.saving.register_keras_serializable(package="sketchlib")
class LayerNormLSTMCell(LSTMCell):
    """The LayerNorm LSTM of Sketch-RNN (Ba et al. 2016): ``[x, h] W`` *without a bias*, each
    of the four gate blocks layer-normalised separately (gains 1, shifts 0 at the start), then
    ``c' = c * sigmoid(f + forget_bias) + sigmoid(i) * (tanh(j) * mask)`` and
    ``h' = tanh(LN(c')) * sigmoid(o)`` with a layer norm of its own on ``c'``. Weights
    initialised as :class:`LSTMCell`'s. Input and state as :class:`LSTMCell`."""

    def build(self, input_shape):
        self._build_kernels(input_shape)  # and no bias: the shifts of the layer norm are it
        self._build_norms()

    def _build_norms(self):
        """Gains (1) and shifts (0) of the gates' layer norm ``(4 units,)`` and of ``c'``'s
        ``(units,)``."""
        units = self.units
        self.gate_gain = self.add_weight(name="gate_gain", shape=(4 * units,),
                                         initializer="ones")
        self.gate_shift = self.add_weight(name="gate_shift", shape=(4 * units,),
                                          initializer="zeros")
        self.cell_gain = self.add_weight(name="cell_gain", shape=(units,), initializer="ones")
        self.cell_shift = self.add_weight(name="cell_shift", shape=(units,),
                                          initializer="zeros")

    def preactivations(self, x, h):
        """``[x, h] W`` ``(B, 4 units)``, the gates before their layer norm."""
        return ops.matmul(x, self.kernel) + ops.matmul(h, self.recurrent_kernel)

    def call(self, inputs, states, training=None):
        h, c = states
        x, mask = inputs[:, :-self.units], inputs[:, -self.units:]
        h_new, c_new = self.gated_update(self.preactivations(x, h), c, mask)
        return h_new, [h_new, c_new]

    def gated_update(self, preactivations, c, mask):
        """``h', c'`` from the gates before their layer norm ``(B, 4 units)``, the cell state
        and the candidate's dropout mask ``(B, units)``."""
        gates = layer_norm(preactivations, self.gate_gain, self.gate_shift, blocks=4)
        i, j, f, o = ops.split(gates, 4, axis=-1)
        candidate = ops.tanh(j) * mask
        c_new = c * ops.sigmoid(f + self.forget_bias) + ops.sigmoid(i) * candidate
        h_new = ops.tanh(layer_norm(c_new, self.cell_gain, self.cell_shift)) * ops.sigmoid(o)
        return h_new, c_new


@keras.saving.register_keras_serializable(package="sketchlib")
class HyperLSTMCell(LayerNormLSTMCell):
    """The HyperLSTM of Sketch-RNN (Ha, Dai and Le 2016): a small LayerNorm LSTM, the *hyper
    cell* (``hyper_units``, no dropout), reads ``[x, h]`` at every step and rescales the eight
    weight blocks of the main LSTM, ``x W_xh`` and ``h W_hh`` split by gate ``i, j, f, o``::

        d_k = h_hyper W_d,k + b_d,k            (embedding_size; W 0, b 1 at the start)
        block_k <- (d_k W_alpha,k) * block_k   (W_alpha 0.1 / embedding_size: scale 0.1)
        recurrent blocks also + (h_hyper W'_d,k) W_beta,k   (W'_d N(0, 0.01), W_beta 0)

    then gates = scaled blocks + bias, the four gate blocks layer-normalised, and the cell
    update, dropout and ``LN(c')`` of :class:`LayerNormLSTMCell`. Input as :class:`LSTMCell`'s;
    state ``[h, c, h_hyper, c_hyper]``."""

    def __init__(self, units: int, forget_bias: float = 1.0, hyper_units: int = 256,
                 embedding_size: int = 32, **kwargs):
        super().__init__(units, forget_bias, **kwargs)
        self.hyper_units, self.embedding_size = int(hyper_units), int(embedding_size)
        self.state_size = [self.units, self.units, self.hyper_units, self.hyper_units]
        self.hyper_cell = LayerNormLSTMCell(self.hyper_units, forget_bias, name="hyper_cell",
                                            dtype=self.dtype_policy)

    def build(self, input_shape):
        self._build_kernels(input_shape)
        units, hyper, size = self.units, self.hyper_units, self.embedding_size
        input_size = input_shape[-1] - units
        self.hyper_cell.build((None, input_size + units + hyper))  # reads [x, h, ones]
        self.bias = self.add_weight(name="bias", shape=(4 * units,), initializer="zeros")
        # The 8 blocks' embeddings side by side: blocks 0-3 scale x W_xh (i, j, f, o), 4-7 h W_hh.
        self.scale_embedding_kernel = self.add_weight(
            name="scale_embedding_kernel", shape=(hyper, 8 * size), initializer="zeros")
        self.scale_embedding_bias = self.add_weight(
            name="scale_embedding_bias", shape=(8 * size,), initializer="ones")
        self.scale_kernel = self.add_weight(
            name="scale_kernel", shape=(8, size, units),
            initializer=keras.initializers.Constant(0.1 / size))
        self.shift_embedding_kernel = self.add_weight(
            name="shift_embedding_kernel", shape=(hyper, 4 * size),
            initializer=keras.initializers.RandomNormal(stddev=0.01))
        self.shift_kernel = self.add_weight(name="shift_kernel", shape=(4, size, units),
                                            initializer="zeros")
        self._build_norms()

    def hyper_scales(self, hyper_h):
        """The hyper network's output for hyper states ``(B, hyper_units)``: the scales of
        the 8 blocks ``(B, 8, units)`` (``x W_xh`` blocks ``i, j, f, o`` then ``h W_hh``'s) and
        the shifts of the 4 recurrent blocks ``(B, 4, units)``."""
        size = self.embedding_size
        embedded = ops.matmul(hyper_h, self.scale_embedding_kernel) + self.scale_embedding_bias
        scales = ops.einsum("bke,keu->bku", ops.reshape(embedded, (-1, 8, size)),
                            self.scale_kernel)
        shift_embedded = ops.reshape(ops.matmul(hyper_h, self.shift_embedding_kernel),
                                     (-1, 4, size))
        return scales, ops.einsum("bke,keu->bku", shift_embedded, self.shift_kernel)

    def preactivations(self, x, h, hyper_h):
        """The gates before their layer norm ``(B, 4 units)``: the 8 blocks of ``x W_xh`` and
        ``h W_hh`` scaled (and the recurrent ones shifted) by the hyper network's output for
        this step, ``hyper_h`` ``(B, hyper_units)``, summed per gate, plus the bias."""
        scales, shifts = self.hyper_scales(hyper_h)
        four = (-1, 4, self.units)
        from_x = ops.reshape(ops.matmul(x, self.kernel), four) * scales[:, :4]
        from_h = ops.reshape(ops.matmul(h, self.recurrent_kernel), four) * scales[:, 4:] + shifts
        return ops.reshape(from_x + from_h, (-1, 4 * self.units)) + self.bias

    def call(self, inputs, states, training=None):
        h, c, hyper_h, hyper_c = states
        x, mask = inputs[:, :-self.units], inputs[:, -self.units:]
        ones = ops.ones_like(hyper_h)  # the hyper cell has no dropout
        hyper_out, (hyper_h, hyper_c) = self.hyper_cell(ops.concatenate([x, h, ones], axis=-1),
                                                        [hyper_h, hyper_c])
        h_new, c_new = self.gated_update(self.preactivations(x, h, hyper_out), c, mask)
        return h_new, [h_new, c_new, hyper_h, hyper_c]

    def get_config(self):
        return {**super().get_config(), "hyper_units": self.hyper_units,
                "embedding_size": self.embedding_size}


#: The cells by the names that ``dec_model`` and ``enc_model`` take
#: (:data:`sketchlib.hparams.CELL_TYPES`, in that order): the one registry of them.
CELLS = dict(zip(CELL_TYPES, (LSTMCell, LayerNormLSTMCell, HyperLSTMCell)))


def make_cell(kind: str, units: int, dtype=None):
    """A recurrent cell by its ``dec_model`` / ``enc_model`` name (checked by
    :class:`~sketchlib.hparams.HParams`)."""
    return CELLS[kind](units, dtype=dtype)
