"""Checks for chapter 4, the encoder and the latent space: the reparameterisation, the KL term
of a diagonal Gaussian, and spherical interpolation."""

from __future__ import annotations

import numpy as np
from keras import ops

from ..encoder import kl_divergence
from ..sampling import slerp
from .core import call_array, hint_for, report


def _codes(seed: int, shape=(4, 6)):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1.5, shape), rng.normal(-1, 1, shape)  # mu, sigma_hat


def check_reparameterize(function) -> bool:
    """Check ``function(mu, sigma_hat, epsilon) -> z``, the reparameterisation
    ``z = mu + exp(sigma_hat / 2) * epsilon`` of arrays ``(B, N_z)``."""
    for seed in (0, 1):
        mu, sigma_hat = _codes(seed)
        epsilon = np.random.default_rng(seed + 10).normal(size=mu.shape)
        expected = mu + np.exp(sigma_hat / 2) * epsilon
        result, problem = call_array(function, mu, sigma_hat, epsilon)
        if problem:
            return report(False, problem, "z is the mean plus the noise scaled by the "
                          "standard deviation; sigma_hat is not the standard deviation itself "
                          "(see its definition above).")
        if result.shape != expected.shape:
            return report(False, f"z should have the shape of mu, {expected.shape}, not "
                          f"{result.shape}.", "every operation is element by element.")
        if np.allclose(result, expected):
            continue
        guesses = {
            "sigma_hat is a log-variance: the standard deviation is exp(sigma_hat / 2), "
            "not exp(sigma_hat).": mu + np.exp(sigma_hat) * epsilon,
            "sigma_hat is not the standard deviation itself but its log-variance: "
            "sigma = exp(sigma_hat / 2).": mu + sigma_hat * epsilon,
            "the standard deviation scales epsilon: mu + sigma * epsilon, not "
            "(mu + epsilon) * sigma.": (mu + epsilon) * np.exp(sigma_hat / 2),
            "z varies around the mean: add mu.": np.exp(sigma_hat / 2) * epsilon,
        }
        return report(False, "z is not the code that this mu, sigma_hat and epsilon give.",
                      hint_for(result, guesses, "sigma_hat is the log of the variance: work "
                               "out sigma from it first."))
    return report(True, "your z is mu + sigma * epsilon, with sigma = exp(sigma_hat / 2).")


def check_kl(function) -> bool:
    """Check ``function(mu, sigma_hat) -> float``, the KL divergence of
    ``N(mu, diag(exp(sigma_hat)))`` from ``N(0, I)`` averaged over the batch and the ``z``
    dimensions, against :func:`sketchlib.encoder.kl_divergence`."""
    for seed, shape in ((2, (4, 6)), (3, (1, 128)), (4, (7, 1))):
        mu, sigma_hat = _codes(seed, shape)
        expected = float(ops.convert_to_numpy(kl_divergence(
            ops.convert_to_tensor(mu, "float32"), ops.convert_to_tensor(sigma_hat, "float32"))))
        result, problem = call_array(function, mu, sigma_hat)
        if problem:
            return report(False, problem, "the closed form of the KL term is in the "
                          "chapter; it is an average, not a sum.")
        if result.size != 1:
            return report(False, f"the KL term is one number, not an array of shape "
                          f"{result.shape}.", "average over the batch and over the z dimensions.")
        value = float(result.reshape(()))
        if np.isclose(value, expected, rtol=1e-4):
            continue
        terms = 1 + sigma_hat - mu ** 2 - np.exp(sigma_hat)
        sigma = np.exp(sigma_hat / 2)
        guesses = {
            "average over the z dimensions too (the reference does): you summed over "
            "them.": -0.5 * terms.sum(axis=1).mean(),
            "the factor -1/2 is missing or has the wrong sign.": -terms.mean(),
            "the sign is wrong: a KL divergence is never negative.": 0.5 * terms.mean(),
            "sigma_hat is the log-variance: the variance is exp(sigma_hat), its log is "
            "sigma_hat itself.": -0.5 * (1 + np.log(sigma) - mu ** 2 - sigma).mean(),
        }
        return report(False, f"for mu, sigma_hat of shape {shape} the KL term is "
                      f"{expected:.4f}, not {value:.4f}.", hint_for(
                          value, guesses, "compare your formula with the chapter's, term by term, "
                          "and check that you average over every dimension and sketch.", rtol=1e-4))
    return report(True, "your KL term matches sketchlib.encoder.kl_divergence.")


def check_slerp(function) -> bool:
    """Check ``function(a, b, t) -> vector``: spherical interpolation between codes ``a`` and
    ``b`` ``(N_z,)`` at ``t`` in ``[0, 1]``, against :func:`sketchlib.sampling.slerp`."""
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=16), 2.5 * rng.normal(size=16)
    for t in (0.0, 0.25, 0.5, 0.9, 1.0):
        expected = slerp(a, b, t)
        result, problem = call_array(function, a, b, t)
        if problem:
            return report(False, problem, "find the angle between a and b first; each end is then "
                          "weighted by a sine of part of that angle.")
        if result.shape != a.shape:
            return report(False, f"the result should be one code of shape {a.shape}, not "
                          f"{result.shape}.")
        if np.allclose(result, expected):
            continue
        omega = np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
        guesses = {
            "this is a straight line (lerp), (1 - t) a + t b: slerp follows the arc between "
            "the directions.": (1 - t) * a + t * b,
            "the ends are swapped: at t = 0 the result is a.": slerp(b, a, t),
            "omega is the angle between the directions of a and b: divide a.b by both "
            "lengths before arccos.": _slerp_with(a, b, t, np.arccos(np.clip(a @ b, -1, 1))),
            "sin(omega) normalises both weights.": (np.sin((1 - t) * omega) * a
                                                    + np.sin(t * omega) * b),
        }
        return report(False, f"at t = {t} the result differs from slerp.", hint_for(
            result, guesses, "check the weights at t = 0 and t = 1, where slerp must "
            "give a and b."))
    return report(True, "your slerp matches sketchlib.sampling.slerp, ends included.")


def _slerp_with(a, b, t, omega):
    if np.sin(omega) == 0:
        return np.full_like(a, np.nan)
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)
