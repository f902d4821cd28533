"""The mixture density output of Sketch-RNN: the next pen offset as a mixture of ``M``
bivariate normal distributions, and the pen state as a 3-way categorical.

The decoder emits ``3 + 6M`` numbers per step, in this order: 3 pen logits, then ``M`` each of
mixture logits, ``mu_x``, ``mu_y``, ``log sigma_x``, ``log sigma_y`` and ``rho`` before its tanh.
Everything is computed in log space (log-softmax and logsumexp), with ``log sigma`` and ``rho``
clamped, so the loss and its gradients stay finite where the reference's probability-space
formula (``log(sum pi N + 1e-6)``) produces NaN.

Written with ``keras.ops`` only, so it runs on every Keras backend.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from keras import ops

#: ``log sigma`` is clamped to this range (sigma from about 1e-4 to 2e4, in normalised units).
LOG_SIGMA_RANGE = (-9.0, 10.0)
#: ``|rho|`` is clamped below 1 so that ``1 - rho^2`` stays positive in float32.
RHO_LIMIT = 1.0 - 1e-5


class MixtureParams(NamedTuple):
    """The distribution of one step; every field has shape ``(..., M)`` except
    ``pen_logits`` ``(..., 3)``."""

    pen_logits: object
    log_pi: object
    mu_x: object
    mu_y: object
    log_sigma_x: object
    log_sigma_y: object
    rho: object


def output_size(num_mixture: int) -> int:
    """Size of the decoder's output layer: ``3 + 6M``."""
    return 3 + 6 * num_mixture


def split_output(output, num_mixture: int) -> MixtureParams:
    """``(..., 3 + 6M)`` raw outputs -> :class:`MixtureParams` (log-softmax weights, clamped
    log-sigmas, ``rho = tanh(raw)`` clamped to ``+-RHO_LIMIT``)."""
    m = num_mixture
    pen_logits = output[..., :3]
    pi_logits, mu_x, mu_y, log_sx, log_sy, rho_raw = (
        output[..., 3 + i * m:3 + (i + 1) * m] for i in range(6))
    return MixtureParams(
        pen_logits=pen_logits,
        log_pi=ops.log_softmax(pi_logits, axis=-1),
        mu_x=mu_x,
        mu_y=mu_y,
        log_sigma_x=ops.clip(log_sx, *LOG_SIGMA_RANGE),
        log_sigma_y=ops.clip(log_sy, *LOG_SIGMA_RANGE),
        rho=ops.clip(ops.tanh(rho_raw), -RHO_LIMIT, RHO_LIMIT),
    )


def bivariate_normal_log_density(x, y, mu_x, mu_y, log_sigma_x, log_sigma_y, rho):
    """``log N(x, y | mu, sigma, rho)`` of a bivariate normal with correlation ``rho``:

    ``-log(2 pi sx sy sqrt(1 - rho^2)) - Q / (2 (1 - rho^2))`` with
    ``Q = ux^2 + uy^2 - 2 rho ux uy``, ``ux = (x - mu_x) / sx``, ``uy = (y - mu_y) / sy``.
    ``x, y`` broadcast against the ``(..., M)`` parameters.
    """
    ux = (x - mu_x) * ops.exp(-log_sigma_x)
    uy = (y - mu_y) * ops.exp(-log_sigma_y)
    one_minus_rho2 = 1.0 - ops.square(rho)
    q = ops.square(ux) + ops.square(uy) - 2.0 * rho * ux * uy
    return (-math.log(2.0 * math.pi) - log_sigma_x - log_sigma_y
            - 0.5 * ops.log(one_minus_rho2) - q / (2.0 * one_minus_rho2))


def offset_log_likelihood(dx, dy, params: MixtureParams):
    """``log sum_j pi_j N(dx, dy | mu_j, sigma_j, rho_j)`` with logsumexp; ``dx, dy``
    ``(...)`` -> ``(...)``."""
    log_density = bivariate_normal_log_density(
        dx[..., None], dy[..., None], params.mu_x, params.mu_y,
        params.log_sigma_x, params.log_sigma_y, params.rho)
    return ops.logsumexp(params.log_pi + log_density, axis=-1)


def pen_cross_entropy(pen_target, pen_logits):
    """Softmax cross-entropy of the 3 pen logits against one-hot ``(p1, p2, p3)``: ``(...)``."""
    return -ops.sum(pen_target * ops.log_softmax(pen_logits, axis=-1), axis=-1)


def step_losses(target, output, num_mixture: int, mask_pen: bool = False):
    """The two losses of every step, ``(B, N)`` each: the offsets' negative log-likelihood,
    masked after the sketch's end (``1 - p3``), and the pen's cross-entropy, masked the same
    way only with ``mask_pen=True``."""
    params = split_output(output, num_mixture)
    mask = 1.0 - target[..., 4]
    offset_nll = -offset_log_likelihood(target[..., 0], target[..., 1], params)
    pen_nll = pen_cross_entropy(target[..., 2:], params.pen_logits)
    return offset_nll * mask, pen_nll * mask if mask_pen else pen_nll


def reconstruction_loss(target, output, num_mixture: int, max_seq_len: int,
                        mask_pen: bool = False, sample_weight=None):
    """The loss of Sketch-RNN's decoder, as in the reference.

    ``target`` ``(B, N, 5)`` stroke-5, ``output`` ``(B, N, 3 + 6M)``. Returns ``(L_s, L_p)``,
    two scalars: the offset loss is masked to the steps before the end (``1 - p3``); the pen
    loss is not masked in training (so the model learns to stop) and masked like ``L_s`` with
    ``mask_pen=True`` (evaluation). Both are summed over steps, divided by ``max_seq_len``
    (not by each sketch's length) and averaged over the batch; ``sample_weight`` ``(B,)``
    weights each sketch first, as Keras losses do (``sum(w * loss) / B``).
    """
    offset_nll, pen_nll = step_losses(target, output, num_mixture, mask_pen)
    offset_nll, pen_nll = ops.sum(offset_nll, axis=-1), ops.sum(pen_nll, axis=-1)
    if sample_weight is not None:
        weight = ops.cast(ops.reshape(sample_weight, (-1,)), offset_nll.dtype)
        offset_nll, pen_nll = offset_nll * weight, pen_nll * weight
    return ops.mean(offset_nll) / max_seq_len, ops.mean(pen_nll) / max_seq_len
