"""The VAE half of Sketch-RNN: a bidirectional RNN reads a sketch into ``mu`` and
``sigma_hat``, the reparameterisation trick draws ``z`` from them, and the KL term, under its
annealed weight and free-bits floor, pulls their distribution towards ``N(0, I)``.

The encoder never reads the padding: each direction runs under a mask of the sketch's real
steps (``lengths``), and ``keras.layers.RNN`` carries the state unchanged through masked
steps, so the forward pass ends at the last real row and the backward pass starts there.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from .cells import candidate_dropout_masks


def kl_divergence(mu, sigma_hat):
    """``KL(N(mu, diag(exp(sigma_hat))) || N(0, I))`` averaged over the batch *and* the ``z``
    dimensions, as the reference defines it: ``-0.5 mean(1 + sigma_hat - mu^2 -
    exp(sigma_hat))``. ``mu``, ``sigma_hat``: ``(B, N_z)`` -> a scalar."""
    return -0.5 * ops.mean(1.0 + sigma_hat - ops.square(mu) - ops.exp(sigma_hat))


def kl_cost(kl, kl_tolerance: float):
    """Free bits: ``max(KL, kl_tolerance)``, so the KL term gives no gradient below the
    floor."""
    return ops.maximum(kl, kl_tolerance)


def annealed_kl_weight(hps, step):
    """The KL weight (a scalar tensor) of training step ``step`` (0 for the first):
    ``w_t = w - (w - w_0) R^t`` with ``w`` = ``kl_weight``, ``w_0`` = ``kl_weight_start`` and
    ``R`` = ``kl_decay_rate``, as the reference code writes it (``0.5 - 0.49 * 0.99995^t``
    by default). This is the paper's ``w (1 - (1 - eta_min) R^t)`` with ``eta_min = w_0 / w``.

    With ``kl_cycle_steps`` ``C`` > 0 (not in the reference): cyclical annealing (Fu et al.
    2019), ``w_t = w min(1, 2 (t mod C) / C)``, from 0 to ``w`` over the first half of every
    cycle of ``C`` steps, then ``w`` for the second half."""
    if hps.kl_cycle_steps:
        phase = ops.mod(ops.cast(step, "float32"), float(hps.kl_cycle_steps))
        return hps.kl_weight * ops.minimum(1.0, 2.0 * phase / hps.kl_cycle_steps)
    decay = ops.exp(math.log(hps.kl_decay_rate) * step)  # R^t, accurate in float32 too
    return hps.kl_weight - (hps.kl_weight - hps.kl_weight_start) * decay


def reparameterize(mu, sigma_hat, seed):
    """``z = mu + exp(sigma_hat / 2) * eps``, ``eps ~ N(0, I)`` drawn with ``seed`` (a
    ``keras.random.SeedGenerator``); ``(B, N_z)`` -> ``(B, N_z)``."""
    epsilon = keras.random.normal(ops.shape(mu), seed=seed)
    return mu + ops.exp(sigma_hat / 2.0) * epsilon


@keras.saving.register_keras_serializable(package="sketchlib")
class SketchEncoder(keras.layers.Layer):
    """``encoder_input`` ``(B, N, 5)`` and ``lengths`` ``(B,)`` -> ``mu, sigma_hat``, each
    ``(B, z_size)``, from the final hidden states of a forward and a backward RNN of
    ``units`` units each, concatenated (``2 units``). The heads are initialised from
    ``N(0, 0.001)``, as in the reference. ``make_cell(units)`` builds each direction's cell;
    ``rnn_dtype`` is the two RNNs' dtype policy (``"mixed_bfloat16"`` or ``None``), the heads
    stay float32."""

    def __init__(self, make_cell, units: int, z_size: int, keep_prob: float = 1.0,
                 rnn_dtype=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.z_size, self.keep_prob = int(units), int(z_size), float(keep_prob)
        self.forward = keras.layers.RNN(make_cell(self.units), return_sequences=True,
                                        name="forward", dtype=rnn_dtype)
        self.backward = keras.layers.RNN(make_cell(self.units), return_sequences=True,
                                         go_backwards=True, name="backward", dtype=rnn_dtype)
        heads = dict(kernel_initializer=keras.initializers.RandomNormal(stddev=0.001))
        self.mu_head = keras.layers.Dense(self.z_size, name="mu", **heads)
        self.sigma_head = keras.layers.Dense(self.z_size, name="sigma_hat", **heads)
        self.dropout_seed = keras.random.SeedGenerator()

    def hidden_states(self, encoder_input, lengths, training=False):
        """The two passes over ``encoder_input`` ``(B, N, 5)``: ``forward, backward``, each
        ``(B, N, units)`` float32 in the input's step order. ``forward[:, t]`` has read steps
        ``0 .. t``, ``backward[:, t]`` steps ``t .. length - 1``. Over the padding the forward
        pass keeps its last state and the backward one is zero (it has read nothing yet), so
        ``forward[:, -1]`` and ``backward[:, 0]`` are the two final states."""
        shape = ops.shape(encoder_input)
        mask = ops.arange(shape[1])[None, :] < ops.cast(ops.reshape(lengths, (-1, 1)), "int32")
        passes = []
        for rnn in (self.forward, self.backward):
            masks = candidate_dropout_masks((shape[0], shape[1]), self.units, self.keep_prob,
                                            self.dropout_seed, training)
            passes.append(ops.cast(rnn(ops.concatenate([encoder_input, masks], axis=-1),
                                       mask=mask, training=training), "float32"))
        forward, backward = passes
        return forward, ops.flip(backward, axis=1)  # the backward pass runs from step N - 1

    def call(self, encoder_input, lengths, training=False):
        forward, backward = self.hidden_states(encoder_input, lengths, training)
        hidden = ops.concatenate([forward[:, -1], backward[:, 0]], axis=-1)  # (B, 2 units)
        return self.mu_head(hidden), self.sigma_head(hidden)
