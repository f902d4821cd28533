"""Inside the decoder's cell while it reads a drawing: the gate pre-activations of every step
(before the nonlinearities, or before the layer norm) and, for the HyperLSTM, the scales its
hyper network gives the 8 weight blocks, and how those scales change where a new stroke
begins. Chapter 6 plots them."""

from __future__ import annotations

import numpy as np
from keras import ops

from .batching import make_batch
from .cells import HyperLSTMCell
from .latent import encode


def trace_cell(model, sketch, z=None) -> dict:
    """Feed a normalised stroke-3 ``sketch`` of ``n`` rows to the decoder, one step at a time
    (``S0`` then its rows but the last, as in training) and record, for each of the ``n``
    steps: ``"preactivations"`` ``(n, 4, units)``, the four gate blocks ``i, j, f, o`` as
    :meth:`~sketchlib.cells.LSTMCell.preactivations` computes them; for a HyperLSTM also
    ``"scales"`` ``(n, 8, units)``, the hyper network's scales of the blocks (``x W_xh``'s
    ``i, j, f, o``, then ``h W_hh``'s). A conditional model reads ``z`` ``(N_z,)``, by default
    the sketch's own code (its mean)."""
    cell, n = model.decoder_cell, len(sketch)
    inputs = make_batch([sketch], n).decoder_input[0]  # (n, 5)
    if model.hps.conditional:
        z = encode(model, [sketch])[0] if z is None else np.asarray(z, "float32")
        state = model.initial_state(1, ops.convert_to_tensor(z[None]))
    else:
        state = model.initial_state(1)
    hyper = isinstance(cell, HyperLSTMCell)
    preactivations, scales = [], []
    for row in inputs:
        x = ops.convert_to_tensor(row[None])
        _, new_state = model.step(x, state)
        arguments = [model.cell_input(x, state), state[0]]
        if hyper:  # the hyper cell's output of this step is its new h
            arguments.append(new_state[2])
            scales.append(ops.convert_to_numpy(cell.hyper_scales(new_state[2])[0]))
        preactivations.append(ops.convert_to_numpy(cell.preactivations(*arguments)))
        state = new_state
    trace = {"preactivations": np.concatenate(preactivations).reshape(n, 4, -1)}
    if hyper:
        trace["scales"] = np.concatenate(scales)
    return trace


def new_stroke_steps(sketch) -> np.ndarray:
    """The steps of :func:`trace_cell` that read a move to the start of a new stroke: the row
    after each pen lift (but the last), which step ``i`` reads as row ``i - 1``."""
    return np.flatnonzero(np.asarray(sketch)[:-2, 2]) + 2


def scales_at_new_strokes(sketch, scales) -> np.ndarray:
    """Each block's mean ``|scale|`` over its units at the :func:`new_stroke_steps` of
    ``sketch``, over its mean at the other steps: ``(8,)``, from the ``"scales"`` ``(n, 8,
    units)`` of :func:`trace_cell`. Needs a sketch of at least two strokes."""
    size = np.abs(scales).mean(axis=2)  # (n, 8)
    at_start = np.isin(np.arange(len(size)), new_stroke_steps(sketch))
    if not at_start.any():
        raise ValueError("the sketch has a single stroke: no step reads a new stroke's start")
    return size[at_start].mean(axis=0) / size[~at_start].mean(axis=0)
