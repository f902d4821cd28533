"""The Sketch-RNN model as a Keras 3 model. This version is the decoder-only (unconditional)
model; the VAE encoder adds to it (``hps.conditional``) without changing the decoder.

The decoder reads ``decoder_input`` ``(B, N, 5)`` (the sketch shifted right by the start token)
and emits ``(B, N, 3 + 6M)`` mixture parameters; the loss lives in :meth:`compute_loss`.
"""

from __future__ import annotations

import keras
from keras import ops

from . import mdn
from .cells import LSTMCell, candidate_dropout_masks
from .hparams import HParams

CELLS = {"lstm": LSTMCell}


def make_cell(kind: str, units: int, dtype=None):
    """A recurrent cell by its ``dec_model`` / ``enc_model`` name."""
    if kind not in CELLS:
        raise ValueError(f"cell {kind!r} is not available yet; choose from {sorted(CELLS)}")
    return CELLS[kind](units, dtype=dtype)


@keras.saving.register_keras_serializable(package="sketchlib")
class SketchRNN(keras.Model):
    """Sketch-RNN. Inputs: a dict with ``decoder_input`` ``(B, N, 5)`` (other keys of a
    :class:`~sketchlib.batching.SketchBatches` batch are accepted and ignored here).
    Output: ``(B, N, 3 + 6M)`` raw mixture parameters (see :mod:`sketchlib.mdn`)."""

    def __init__(self, hps: HParams | None = None, bfloat16: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.hps = hps if isinstance(hps, HParams) else HParams.from_dict(hps or {})
        if self.hps.conditional:
            raise NotImplementedError("the VAE encoder is not built yet: use conditional=False")
        # bfloat16=True runs the recurrence in mixed bfloat16 (faster training on CPUs with
        # AVX512-BF16); the weights, the mixture head and the loss stay float32.
        rnn_dtype = "mixed_bfloat16" if bfloat16 else None
        self.decoder_cell = make_cell(self.hps.dec_model, self.hps.dec_rnn_size, rnn_dtype)
        self.decoder_rnn = keras.layers.RNN(self.decoder_cell, return_sequences=True,
                                            return_state=True, name="decoder", dtype=rnn_dtype)
        self.output_layer = keras.layers.Dense(mdn.output_size(self.hps.num_mixture),
                                               name="mixture", dtype="float32")
        # Unseeded: its seed comes from sketchlib.set_seed (keras.utils.set_random_seed).
        self.dropout_seed = keras.random.SeedGenerator()
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("loss", "offset_loss", "pen_loss")}

    def decode(self, decoder_input, initial_state=None, training=False):
        """Run the decoder: ``(B, N, 5)`` -> outputs ``(B, N, 3 + 6M)`` and final ``[h, c]``."""
        shape = ops.shape(decoder_input)
        keep = self.hps.recurrent_dropout_prob if self.hps.use_recurrent_dropout else 1.0
        masks = candidate_dropout_masks((shape[0], shape[1]), self.hps.dec_rnn_size, keep,
                                        self.dropout_seed, training)
        hidden, *state = self.decoder_rnn(ops.concatenate([decoder_input, masks], axis=-1),
                                          initial_state=initial_state, training=training)
        return self.output_layer(hidden), state

    def initial_state(self, batch_size: int):
        """The decoder's state before the first step: ``[h, c]``, zeros ``(B, units)``."""
        zeros = ops.zeros((batch_size, self.hps.dec_rnn_size))
        return [zeros, zeros]

    def step(self, x, state):
        """One decoder step without dropout (for sampling): ``x`` ``(B, 5)`` and ``[h, c]``
        -> raw mixture parameters ``(B, 3 + 6M)`` and the new ``[h, c]``."""
        ones = ops.ones((ops.shape(x)[0], self.hps.dec_rnn_size))
        hidden, state = self.decoder_cell(ops.concatenate([x, ones], axis=-1), state)
        return self.output_layer(hidden), state

    def call(self, inputs, training=False):
        return self.decode(inputs["decoder_input"], training=training)[0]

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """``L_s + L_p`` (pen loss masked unless ``training``), plus any ``add_loss`` terms;
        ``sample_weight`` ``(B,)`` weights each sketch."""
        offset_loss, pen_loss = mdn.reconstruction_loss(
            y, y_pred, self.hps.num_mixture, self.hps.max_seq_len, mask_pen=not training,
            sample_weight=sample_weight)
        loss = offset_loss + pen_loss
        if self.losses:
            loss = loss + ops.sum(ops.stack(self.losses))
        for name, value in (("loss", loss), ("offset_loss", offset_loss),
                            ("pen_loss", pen_loss)):
            self.trackers[name].update_state(value)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def get_config(self):
        return {**super().get_config(), "hps": self.hps.to_dict()}
