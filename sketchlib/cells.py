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
        input_size = input_shape[-1] - self.units
        if input_size <= 0:
            raise ValueError(f"LSTMCell({self.units}) expects [x, mask] inputs of size "
                             f"input_size + {self.units}, got {input_shape[-1]}")
        self.kernel = self.add_weight(name="kernel", shape=(input_size, 4 * self.units),
                                      initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(self.units, 4 * self.units),
            initializer=_orthogonal_per_gate(self.units))
        self.bias = self.add_weight(name="bias", shape=(4 * self.units,), initializer="zeros")

    def call(self, inputs, states, training=None):
        h, c = states
        x, mask = inputs[:, :-self.units], inputs[:, -self.units:]
        gates = ops.matmul(x, self.kernel) + ops.matmul(h, self.recurrent_kernel) + self.bias
        i, j, f, o = ops.split(gates, 4, axis=-1)
        candidate = ops.tanh(j) * mask
        c_new = c * ops.sigmoid(f + self.forget_bias) + ops.sigmoid(i) * candidate
        h_new = ops.tanh(c_new) * ops.sigmoid(o)
        return h_new, [h_new, c_new]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "forget_bias": self.forget_bias}
