"""The Sketch-RNN model as a Keras 3 model: decoder-only (``hps.conditional`` false) or the
VAE (conditional), whose encoder (:mod:`sketchlib.encoder`) reads the sketch into ``z``.

The decoder reads ``decoder_input`` ``(B, N, 5)`` (the sketch shifted right by the start token)
and emits ``(B, N, 3 + 6M)`` mixture parameters. In the conditional model its initial state is
``tanh(W_z z + b_z)`` and ``z`` is appended to its input at every step. The loss lives in
:meth:`SketchRNN.compute_loss`.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from . import mdn, raster
from .cells import candidate_dropout_masks, make_cell
from .encoder import (SketchEncoder, annealed_kl_weight, kl_cost, kl_divergence,
                      reparameterize)
from .hparams import HParams

def count_parameters(layer) -> int:
    """The number of trainable parameters of a built Keras layer or model (the entries of
    its trainable weights)."""
    return sum(math.prod(weight.shape) for weight in layer.trainable_weights)


@keras.saving.register_keras_serializable(package="sketchlib")
class SketchRNN(keras.Model):
    """Sketch-RNN. Inputs: a dict with ``decoder_input`` ``(B, N, 5)``, and for a conditional
    model ``encoder_input`` ``(B, N, 5)`` and ``lengths`` ``(B,)`` (a
    :class:`~sketchlib.batching.SketchBatches` batch has all three), and optionally ``z``
    ``(B, N_z)``, codes to decode from instead of the sketches' own. Output: the raw mixture
    parameters ``(B, N, 3 + 6M)`` (see :mod:`sketchlib.mdn`); a conditional model returns
    ``{"mixture": ..., "mu": (B, N_z), "sigma_hat": (B, N_z)}``.

    In training the KL term is weighted by the annealed weight of each step (the model counts
    its steps in ``kl_steps`` and keeps the last weight in ``kl_weight``); in evaluation by the
    fixed ``hps.kl_weight_start``, as the reference evaluates, and ``z`` is the mean ``mu``."""

    def __init__(self, hps: HParams | None = None, bfloat16: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.hps = hps if isinstance(hps, HParams) else HParams.from_dict(hps or {})
        # bfloat16=True runs the recurrence in mixed bfloat16 (faster training on CPUs with
        # AVX512-BF16); the weights, the mixture head and the loss stay float32.
        rnn_dtype = "mixed_bfloat16" if bfloat16 else None
        hps = self.hps
        self.keep_prob = hps.recurrent_dropout_prob if hps.use_recurrent_dropout else 1.0
        self.decoder_cell = make_cell(hps.dec_model, hps.dec_rnn_size, rnn_dtype)
        self.decoder_rnn = keras.layers.RNN(self.decoder_cell, return_sequences=True,
                                            return_state=True, name="decoder", dtype=rnn_dtype)
        self.output_layer = keras.layers.Dense(mdn.output_size(hps.num_mixture),
                                               name="mixture", dtype="float32")
        # Unseeded: their seeds come from sketchlib.set_seed (keras.utils.set_random_seed).
        self.dropout_seed = keras.random.SeedGenerator()
        if 0 < hps.dec_input_dropout < 1:
            self.input_dropout_seed = keras.random.SeedGenerator()
        names = ["loss", "offset_loss", "pen_loss"]
        if hps.conditional:
            self.encoder = SketchEncoder(
                lambda units: make_cell(hps.enc_model, units, rnn_dtype), hps.enc_rnn_size,
                hps.z_size, self.keep_prob, rnn_dtype, name="encoder")
            self.initial_state_layer = keras.layers.Dense(
                sum(self.decoder_cell.state_size), activation="tanh", name="initial_state",
                kernel_initializer=keras.initializers.RandomNormal(stddev=0.001))
            self.z_seed = keras.random.SeedGenerator()
            # The training steps the KL term has seen, and the annealed weight of the last
            # one: variables of the model, so they are in every checkpoint and in the state
            # that a compiled (JAX too) training step carries.
            self.kl_steps = self.add_weight(name="kl_steps", shape=(), dtype="int32",
                                            trainable=False, initializer="zeros")
            self.kl_weight = self.add_weight(
                name="kl_weight", shape=(), trainable=False,
                initializer=keras.initializers.Constant(hps.kl_weight_start))
            names.append("kl")
            if hps.shape_loss_weight > 0:
                self.shape_head = keras.Sequential(
                    [keras.layers.Dense(256, activation="relu"),
                     keras.layers.Dense(hps.shape_raster_size ** 2)], name="shape_head")
                names.append("shape")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    def seed_generators(self) -> dict:
        """The model's random streams by name (their states are not in the weights file)."""
        seeds = {"dropout_seed": self.dropout_seed}
        if hasattr(self, "input_dropout_seed"):
            seeds["input_dropout_seed"] = self.input_dropout_seed
        if self.hps.conditional:
            seeds.update(encoder_dropout_seed=self.encoder.dropout_seed, z_seed=self.z_seed)
        return seeds

    def run_decoder(self, decoder_input, initial_state=None, z=None, training=False):
        """Run the decoder: ``(B, N, 5)`` (and ``z`` ``(B, N_z)`` for a conditional model) ->
        outputs ``(B, N, 3 + 6M)`` and the cell's final state (``[h, c]`` for the LSTMs, see
        :attr:`state_parts`). ``initial_state``: zeros, or from ``z`` when it is given and
        ``initial_state`` is not."""
        shape = ops.shape(decoder_input)
        masks = candidate_dropout_masks((shape[0], shape[1]), self.hps.dec_rnn_size,
                                        self.keep_prob, self.dropout_seed, training)
        pieces = [self.seen_input(decoder_input, training), masks]
        if z is not None:
            pieces.insert(1, ops.repeat(ops.cast(z, decoder_input.dtype)[:, None, :],
                                        shape[1], axis=1))
            if initial_state is None:
                initial_state = self.initial_state(shape[0], z)[:self.state_parts]
        hidden, *state = self.decoder_rnn(ops.concatenate(pieces, axis=-1),
                                          initial_state=initial_state, training=training)
        return self.output_layer(hidden), state

    def seen_input(self, decoder_input, training=False):
        """What the decoder reads of its input rows ``(..., 5)``: with ``dec_input_dropout``
        ``p``, each row's offsets replaced by 0 with probability ``p`` in training, and always
        when ``p = 1``; the pen bits as they are."""
        p = self.hps.dec_input_dropout
        if p == 1:
            keep = 0.0
        elif training and p > 0:
            draw = keras.random.uniform(ops.shape(decoder_input)[:-1], seed=self.input_dropout_seed)
            keep = ops.cast(draw >= p, decoder_input.dtype)[..., None]
        else:
            return decoder_input
        return ops.concatenate([decoder_input[..., :2] * keep, decoder_input[..., 2:]], axis=-1)

    def encode(self, encoder_input, lengths, training=False):
        """``mu, sigma_hat`` ``(B, N_z)`` of sketches ``(B, N, 5)`` of ``lengths`` ``(B,)``."""
        return self.encoder(encoder_input, lengths, training=training)

    @property
    def state_parts(self) -> int:
        """How many tensors the decoder cell's state has: 2 (``[h, c]``) for the LSTMs, 4 for
        the HyperLSTM (its hyper cell's ``[h, c]`` too)."""
        return len(self.decoder_cell.state_size)

    def initial_state(self, batch_size: int, z=None):
        """The decoder's state before the first step: the cell's state (``[h, c]`` for the
        LSTMs), zeros ``(B, size)`` for the decoder-only model; for a conditional one all of
        it from ``tanh(W_z z + b_z)`` (``z``: ``(B, N_z)``, zeros when ``None``), with ``z``
        appended: :meth:`step` carries it along."""
        sizes = self.decoder_cell.state_size
        if not self.hps.conditional:
            return [ops.zeros((batch_size, size)) for size in sizes]
        z = ops.zeros((batch_size, self.hps.z_size)) if z is None else ops.convert_to_tensor(z)
        cuts = [sum(sizes[:k + 1]) for k in range(len(sizes) - 1)]
        return [*ops.split(self.initial_state_layer(z), cuts, axis=-1), z]

    def step(self, x, state):
        """One decoder step without dropout (for sampling): ``x`` ``(B, 5)`` and the state of
        :meth:`initial_state` -> raw mixture parameters ``(B, 3 + 6M)`` and the new state."""
        parts = self.state_parts
        ones = ops.ones((ops.shape(x)[0], self.hps.dec_rnn_size))
        pieces = [*self._input_pieces(x, state), ones]
        hidden, new_state = self.decoder_cell(ops.concatenate(pieces, axis=-1), state[:parts])
        return self.output_layer(hidden), [*new_state, *state[parts:]]

    def cell_input(self, x, state):
        """What the decoder cell reads at a step, without the dropout mask: ``x`` ``(B, 5)``,
        with the ``z`` that a conditional model's ``state`` carries appended ``(B, 5 + N_z)``."""
        return ops.concatenate(self._input_pieces(x, state), axis=-1)

    def _input_pieces(self, x, state) -> list:
        """``[x]``, or ``[x, z]`` when ``state`` carries a ``z`` (``x`` as the decoder sees it,
        :meth:`seen_input`)."""
        x = self.seen_input(x)
        if len(state) == self.state_parts:
            return [x]
        return [x, ops.cast(state[self.state_parts], x.dtype)]

    def call(self, inputs, training=False):
        if not self.hps.conditional:
            return self.run_decoder(inputs["decoder_input"], training=training)[0]
        mu, sigma_hat = self.encode(inputs["encoder_input"], inputs["lengths"], training)
        if "z" in inputs:  # other codes than the sketches' own (see training.evaluate)
            z = ops.convert_to_tensor(inputs["z"], "float32")
        else:
            z = reparameterize(mu, sigma_hat, self.z_seed) if training else mu
        mixture = self.run_decoder(inputs["decoder_input"], z=z, training=training)[0]
        outputs = {"mixture": mixture, "mu": mu, "sigma_hat": sigma_hat}
        if self.hps.shape_loss_weight > 0:
            outputs["shape_logits"] = self.shape_head(z)
        return outputs

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """``L_s + L_p`` (pen loss masked unless ``training``), plus for a conditional model
        ``w * max(KL, kl_tolerance)`` (``w``: the annealed weight of this step in training,
        see :func:`~sketchlib.encoder.annealed_kl_weight`; ``kl_weight_start`` in
        evaluation), plus ``shape_loss_weight`` times the shape loss (how far the raster that
        the shape head predicts from ``z`` is from the sketch's, :mod:`sketchlib.raster`),
        plus any ``add_loss`` terms; ``sample_weight`` ``(B,)`` weights each
        sketch's reconstruction."""
        mixture = y_pred["mixture"] if self.hps.conditional else y_pred
        offset_loss, pen_loss = mdn.reconstruction_loss(
            y, mixture, self.hps.num_mixture, self.hps.max_seq_len, mask_pen=not training,
            sample_weight=sample_weight)
        loss = offset_loss + pen_loss
        values = {"offset_loss": offset_loss, "pen_loss": pen_loss}
        if self.hps.conditional:
            kl = kl_divergence(y_pred["mu"], y_pred["sigma_hat"])
            weight = self.hps.kl_weight_start
            if training:
                weight = annealed_kl_weight(self.hps, ops.cast(self.kl_steps, "float32"))
                self.kl_weight.assign(weight)
                self.kl_steps.assign_add(1)
            loss = loss + weight * kl_cost(kl, self.hps.kl_tolerance)
            values["kl"] = kl
            if self.hps.shape_loss_weight > 0:
                shape = raster.shape_divergence(
                    raster.soft_raster(y, self.hps.shape_raster_size), y_pred["shape_logits"])
                loss = loss + self.hps.shape_loss_weight * shape
                values["shape"] = shape
        if self.losses:
            loss = loss + ops.sum(ops.stack(self.losses))
        for name, value in {"loss": loss, **values}.items():
            self.trackers[name].update_state(value)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def get_config(self):
        return {**super().get_config(), "hps": self.hps.to_dict()}


def build_model(hps: HParams, bfloat16: bool = False) -> SketchRNN:
    """A :class:`SketchRNN` with its weights created (by one call on a one-step input), not
    compiled: :func:`sketchlib.training.compile_model` makes it trainable."""
    model = SketchRNN(hps, bfloat16=bfloat16)
    step = np.zeros((1, 1, 5), "float32")
    model({"encoder_input": step, "decoder_input": step, "lengths": np.ones(1, "int32")})
    return model
