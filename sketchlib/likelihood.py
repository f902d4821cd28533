"""How likely drawings are under a model: the loss of every step of every sketch
(:func:`step_losses`), and nats per sketch, a unit that compares two models.

The training loss cannot compare models trained on different data: it is a mean over
``max_seq_len`` steps (so a model with a longer ``max_seq_len`` reports a smaller loss for
the same drawing) of offsets divided by the model's own scale factor (so the same drawing is
measured in different units). :func:`nats_per_sketch` removes both: it sums the whole
sketch's negative log-likelihood (every offset, every pen state and where the sketch stops),
with the offsets of every model divided by one scale factor that the caller chooses, the
same for the models compared.
"""

from __future__ import annotations

import numpy as np
from keras import ops

from . import mdn
from .batching import as_inputs, make_batch
from .strokes import normalize, validate_stroke3


def step_losses(model, sketches, batch_size: int = 100,
                include_end: bool = False) -> np.ndarray:
    """Where a model's reconstruction loss comes from: ``(S, N_max)``, the loss of each step of
    each of the ``S`` normalised stroke-3 ``sketches`` (offset loss plus pen loss, both masked
    after the sketch's end, as :func:`evaluate` measures them; a conditional model decodes from
    the mean code ``mu``). Its rows summed and divided by ``max_seq_len`` are each sketch's
    ``L_R``; their mean is :func:`~sketchlib.training.evaluate`'s, for whole batches.

    ``include_end=True`` counts the pen's loss of the step that ends the sketch too (which
    ``evaluate`` leaves out), so that a row sums to the sketch's whole negative
    log-likelihood: every offset, every pen state, and where it stops."""
    hps, sketches, rows = model.hps, list(sketches), []
    for start in range(0, len(sketches), batch_size):
        batch = make_batch(sketches[start:start + batch_size], hps.max_seq_len)
        inputs, target = as_inputs(batch)
        z = model.encode(inputs["encoder_input"], inputs["lengths"])[0] if hps.conditional \
            else None
        offset, pen = mdn.step_losses(ops.convert_to_tensor(target, "float32"),
                                      model.run_decoder(inputs["decoder_input"], z=z)[0],
                                      hps.num_mixture)
        last = batch.lengths[:, None] + (1 if include_end else 0)
        pen_mask = np.arange(hps.max_seq_len)[None, :] < last
        rows.append(ops.convert_to_numpy(offset) + ops.convert_to_numpy(pen) * pen_mask)
    return np.concatenate(rows)


def nats_per_sketch(model, sketches, scale_factor: float | None = None,
                    batch_size: int = 100) -> np.ndarray:
    """``(S,)``: the negative log-likelihood, in nats, of each of ``S`` stroke-3 sketches as
    stored (offsets in the data's units), with their offsets divided by ``scale_factor``
    (default: the model's own, ``model.data["scale_factor"]``) before the model reads them.
    A conditional model decodes from each sketch's mean code. Lower is likelier.

    Compare two models on the same sketches with the same ``scale_factor``: then both measure
    the offsets in one unit, and a sketch's nats do not depend on ``max_seq_len``. A sketch
    longer than the model's ``max_seq_len`` is a ``ValueError``."""
    if scale_factor is None:
        scale_factor = model.data["scale_factor"]
    if not (np.isfinite(scale_factor) and scale_factor > 0):
        raise ValueError(f"scale_factor must be a positive number, got {scale_factor}")
    sketches = [normalize(validate_stroke3(s, name=f"sketch {i}"), scale_factor)
                for i, s in enumerate(sketches)]
    longest = max((len(s) for s in sketches), default=0)
    if longest > model.hps.max_seq_len:
        raise ValueError(f"a sketch has {longest} rows, more than the model's max_seq_len "
                         f"({model.hps.max_seq_len}); leave such sketches out")
    return step_losses(model, sketches, batch_size, include_end=True).sum(axis=1)
