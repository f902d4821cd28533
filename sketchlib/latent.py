"""The latent space of a conditional model (the VAE): sketches to codes ``z`` and back.

:func:`encode` reads normalised stroke-3 sketches into codes ``(n, N_z)``, :func:`decode`
draws a sketch from each code (with :func:`sketchlib.sampling.sample`), :func:`reconstruct`
does both; :func:`fitted_codes` draws new codes where the data's codes lie, :func:`slerp` and
:func:`interpolate` walk between two codes, and :func:`code_worth` measures how much the
decoder relies on its code.
"""

from __future__ import annotations

import numpy as np
from keras import ops

from .batching import make_batch
from .hparams import DEFAULT_TEMPERATURE
from .sampling import checked_codes, sample
from .training import evaluate


def _conditional(model) -> None:
    if not model.hps.conditional:
        raise ValueError("this needs a conditional model (a VAE with an encoder); this one is "
                         "decoder-only")


def encode(model, sketches, sample_z: bool = False, seed=None,
           batch_size: int = 100) -> np.ndarray:
    """The codes of normalised stroke-3 ``sketches``: ``(n, N_z)``. The mean ``mu`` of the
    encoder's distribution by default (a sketch has one code); ``sample_z=True`` draws
    ``z = mu + sigma * eps`` instead, as the reference's notebook does (another code at every
    call, seeded by ``seed``)."""
    _conditional(model)
    rng = np.random.default_rng(seed)
    codes = []
    for first in range(0, len(sketches), batch_size):
        chunk = list(sketches[first:first + batch_size])
        batch = make_batch(chunk, max(len(s) for s in chunk))
        mu, sigma_hat = (np.asarray(ops.convert_to_numpy(v))
                         for v in model.encode(batch.encoder_input, batch.lengths))
        if sample_z:
            mu = mu + np.exp(sigma_hat / 2) * rng.standard_normal(mu.shape)
        codes.append(mu.astype("float32"))
    return np.concatenate(codes)


def fitted_codes(model, sketches, n: int, seed=None) -> np.ndarray:
    """``n`` new codes ``(n, N_z)`` drawn from a Gaussian fitted (mean and full covariance) to
    the codes of ``sketches`` (each ``z`` drawn from its sketch's distribution). A VAE's
    codes fill only part of ``N(0, I)`` unless the KL term has pulled them all the way, and
    a code drawn from the prior can land where no training sketch's code lies; codes drawn
    from the fitted Gaussian stay where the decoder has been (an *ex-post* density estimate,
    Ghosh et al. 2020). Use a few hundred sketches or more, so the covariance is well fitted."""
    rng = np.random.default_rng(seed)
    codes = encode(model, sketches, sample_z=True, seed=rng)
    return rng.multivariate_normal(codes.mean(axis=0), np.cov(codes.T), size=n).astype(
        "float32")


def decode(model, z, temperature: float = DEFAULT_TEMPERATURE, seed=None, **options):
    """Draw one sketch from each code of ``z`` ``(n, N_z)``: a list of stroke-3 arrays.
    ``options`` go to :func:`sample` (``greedy``, ``max_len``, ``fast``, ``pen_temperature``,
    ``same_noise``)."""
    _conditional(model)
    z = checked_codes(model, z)
    return sample(model, len(z), temperature, seed=seed, z=z, **options)


def reconstruct(model, sketches, temperature: float = DEFAULT_TEMPERATURE, seed=None,
                **options):
    """Encode ``sketches`` (to their means) and draw each one back: a list of stroke-3."""
    return decode(model, encode(model, sketches), temperature, seed, **options)


def slerp(a, b, t):
    """Spherical interpolation between codes ``a`` and ``b`` ``(N_z,)`` at ``t`` (a number,
    or ``(k,)`` numbers, in ``[0, 1]``): ``(sin((1 - t) omega) a + sin(t omega) b) /
    sin(omega)``, ``omega`` the angle between them; ``(N_z,)`` or ``(k, N_z)``. Along the
    arc the norm changes smoothly from ``|a|`` to ``|b|`` (equal norms stay equal);
    (anti)parallel codes and a zero code, where the arc is undefined, give the straight line."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    t = np.asarray(t, dtype="float64")[..., None]
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    omega = np.arccos(np.clip(np.dot(a, b) / norms, -1.0, 1.0)) if norms else 0.0
    if np.sin(omega) < 1e-6:
        return (1 - t) * a + t * b
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def interpolate(model, a, b, steps: int = 8, method: str = "slerp") -> np.ndarray:
    """``steps`` codes ``(steps, N_z)`` from the code of sketch ``a`` to that of sketch ``b``
    (both ends included): ``"slerp"`` along the arc between them (:func:`slerp`), the path
    that keeps the norm a code of ``N(0, I)`` has; ``"lerp"`` along the straight line."""
    if method not in ("slerp", "lerp"):
        raise ValueError(f"method must be 'slerp' or 'lerp', got {method!r}")
    za, zb = encode(model, [a, b]).astype("float64")
    t = np.linspace(0.0, 1.0, steps)
    if method == "lerp":
        return ((1 - t[:, None]) * za + t[:, None] * zb).astype("float32")
    return slerp(za, zb, t).astype("float32")


def code_worth(model, sketches, batch_size: int = 100) -> dict:
    """How much a conditional model's decoder relies on its codes: the losses of
    :func:`~sketchlib.training.evaluate` on ``sketches`` with their own codes, plus ``"reconstruction"`` (``L_R``,
    offset + pen loss), ``"reconstruction_with_neighbour"`` (``L_R`` when each sketch is
    decoded from the next one's code, the codes rolled by one) and ``"worth"``, the second
    minus the first (about 0 for a decoder that ignores ``z``)."""
    own = evaluate(model, sketches, batch_size)
    codes = np.roll(encode(model, sketches), 1, axis=0)
    other = evaluate(model, sketches, batch_size, z=codes)
    own["reconstruction"] = own["offset_loss"] + own["pen_loss"]
    own["reconstruction_with_neighbour"] = other["offset_loss"] + other["pen_loss"]
    own["worth"] = own["reconstruction_with_neighbour"] - own["reconstruction"]
    return own
