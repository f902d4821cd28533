"""Checks for chapter 4, the encoder and the latent space: the reparameterisation, the KL term
of a diagonal Gaussian, and spherical interpolation."""

from __future__ import annotations

import numpy as np
from keras import ops

from ..encoder import kl_divergence
from ..latent import slerp
from .core import Case, check_cases


def _codes(seed: int, shape=(4, 6)):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1.5, shape), rng.normal(-1, 1, shape)  # mu, sigma_hat


def check_reparameterize(function) -> bool:
    """Check ``function(mu, sigma_hat, epsilon) -> z``, the reparameterisation
    ``z = mu + exp(sigma_hat / 2) * epsilon`` of arrays ``(B, N_z)``."""
    cases = []
    for seed in (0, 1):
        mu, sigma_hat = _codes(seed)
        epsilon = np.random.default_rng(seed + 10).normal(size=mu.shape)
        cases.append(Case((mu, sigma_hat, epsilon), mu + np.exp(sigma_hat / 2) * epsilon))

    def mistakes(mu, sigma_hat, epsilon):
        return {
            "sigma_hat is a log-variance: the standard deviation is exp(sigma_hat / 2), "
            "not exp(sigma_hat).": mu + np.exp(sigma_hat) * epsilon,
            "sigma_hat is not the standard deviation itself but its log-variance: "
            "sigma = exp(sigma_hat / 2).": mu + sigma_hat * epsilon,
            "the standard deviation scales epsilon: mu + sigma * epsilon, not "
            "(mu + epsilon) * sigma.": (mu + epsilon) * np.exp(sigma_hat / 2),
            "z varies around the mean: add mu.": np.exp(sigma_hat / 2) * epsilon,
        }

    return check_cases(
        function, cases, mistakes=mistakes,
        raised="z is the mean plus the noise scaled by the standard deviation; sigma_hat is "
               "not the standard deviation itself (see its definition above).",
        shape_hint="z has the shape of mu: every operation is element by element.",
        differs=lambda case, z: "z is not the code that this mu, sigma_hat and epsilon give.",
        otherwise="sigma_hat is the log of the variance: work out sigma from it first.",
        right="your z is mu + sigma * epsilon, with sigma = exp(sigma_hat / 2).")


def check_kl(function) -> bool:
    """Check ``function(mu, sigma_hat) -> float``, the KL divergence of
    ``N(mu, diag(exp(sigma_hat)))`` from ``N(0, I)`` averaged over the batch and the ``z``
    dimensions, against :func:`sketchlib.encoder.kl_divergence`."""
    cases = []
    for seed, shape in ((2, (4, 6)), (3, (1, 128)), (4, (7, 1))):
        mu, sigma_hat = _codes(seed, shape)
        expected = float(ops.convert_to_numpy(kl_divergence(
            ops.convert_to_tensor(mu, "float32"), ops.convert_to_tensor(sigma_hat, "float32"))))
        cases.append(Case((mu, sigma_hat), expected, f"for mu, sigma_hat of shape {shape}"))

    def mistakes(mu, sigma_hat):
        terms = 1 + sigma_hat - mu ** 2 - np.exp(sigma_hat)
        sigma = np.exp(sigma_hat / 2)
        return {
            "average over the z dimensions too (the reference does): you summed over "
            "them.": -0.5 * terms.sum(axis=1).mean(),
            "the factor -1/2 is missing or has the wrong sign.": -terms.mean(),
            "the sign is wrong: a KL divergence is never negative.": 0.5 * terms.mean(),
            "sigma_hat is the log-variance: the variance is exp(sigma_hat), its log is "
            "sigma_hat itself.": -0.5 * (1 + np.log(sigma) - mu ** 2 - sigma).mean(),
        }

    return check_cases(
        function, cases, mistakes=mistakes, rtol=1e-4,
        raised="the closed form of the KL term is in the chapter; it is an average, not a sum.",
        shape_hint="the KL term is one number: average over the batch and over the z "
                   "dimensions.",
        differs=lambda case, value: f"{case.where} the KL term is {case.expected:.4f}, "
                                    f"not {value:.4f}.",
        otherwise="compare your formula with the chapter's, term by term, and check that you "
                  "average over every dimension and sketch.",
        right="your KL term matches sketchlib.encoder.kl_divergence.")


def check_slerp(function) -> bool:
    """Check ``function(a, b, t) -> vector``: spherical interpolation between codes ``a`` and
    ``b`` ``(N_z,)`` at ``t`` in ``[0, 1]``, against :func:`sketchlib.latent.slerp`."""
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=16), 2.5 * rng.normal(size=16)
    cases = [Case((a, b, t), slerp(a, b, t), f"at t = {t}") for t in (0.0, 0.25, 0.5, 0.9, 1.0)]

    def mistakes(a, b, t):
        omega = np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
        return {
            "this is a straight line (lerp), (1 - t) a + t b: slerp follows the arc between "
            "the directions.": (1 - t) * a + t * b,
            "the ends are swapped: at t = 0 the result is a.": slerp(b, a, t),
            "omega is the angle between the directions of a and b: divide a.b by both "
            "lengths before arccos.": _slerp_with(a, b, t, np.arccos(np.clip(a @ b, -1, 1))),
            "sin(omega) normalises both weights.": (np.sin((1 - t) * omega) * a
                                                    + np.sin(t * omega) * b),
        }

    return check_cases(
        function, cases, mistakes=mistakes,
        raised="find the angle between a and b first; each end is then weighted by a sine of "
               "part of that angle.",
        shape_hint="the result is one code, a vector like a and b.",
        differs=lambda case, result: f"{case.where} the result differs from slerp.",
        otherwise="check the weights at t = 0 and t = 1, where slerp must give a and b.",
        right="your slerp matches sketchlib.latent.slerp, ends included.")


def _slerp_with(a, b, t, omega):
    if np.sin(omega) == 0:
        return np.full_like(a, np.nan)
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)
