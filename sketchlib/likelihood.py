"""How likely drawings are under a model, in a unit that compares two models: nats per sketch.

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

from .strokes import normalize, validate_stroke3
from .training import step_losses


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
