"""The mixture density output: log-likelihood against scipy, stability, and the loss masks."""

import numpy as np
import pytest
from scipy.special import logsumexp, log_softmax
from scipy.stats import multivariate_normal

from conftest import backend_gradient
from sketchlib import mdn

M = 4


def random_output(rng, shape, scale=1.0):
    return rng.normal(0.0, scale, size=shape + (mdn.output_size(M),)).astype(np.float32)


def scipy_mixture_log_likelihood(dx, dy, raw):
    """Independent computation: scipy's bivariate normal log-pdf, mixed with logsumexp."""
    pi, mu_x, mu_y, log_sx, log_sy, rho_raw = np.split(raw[3:].astype(np.float64), 6)
    sx, sy, rho = np.exp(log_sx), np.exp(log_sy), np.tanh(rho_raw)
    terms = []
    for j in range(M):
        cov = [[sx[j] ** 2, rho[j] * sx[j] * sy[j]], [rho[j] * sx[j] * sy[j], sy[j] ** 2]]
        terms.append(multivariate_normal([mu_x[j], mu_y[j]], cov).logpdf([dx, dy]))
    return logsumexp(log_softmax(pi) + np.array(terms))


def test_split_output_layout():
    raw = np.arange(mdn.output_size(M), dtype=np.float32)[None] / 100
    params = mdn.split_output(raw, M)
    np.testing.assert_allclose(params.pen_logits, raw[:, :3])
    np.testing.assert_allclose(params.mu_x, raw[:, 3 + M:3 + 2 * M])
    np.testing.assert_allclose(params.rho, np.tanh(raw[:, 3 + 5 * M:]), rtol=1e-6)
    np.testing.assert_allclose(np.exp(params.log_pi).sum(-1), 1.0, rtol=1e-6)


def test_log_likelihood_matches_scipy():
    rng = np.random.default_rng(0)
    raw = random_output(rng, (50,))
    dx, dy = rng.normal(size=(2, 50)).astype(np.float32)
    ours = np.asarray(mdn.offset_log_likelihood(dx, dy, mdn.split_output(raw, M)))
    expected = [scipy_mixture_log_likelihood(dx[i], dy[i], raw[i]) for i in range(50)]
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)


def test_loss_is_finite_where_probability_space_gives_nan():
    raw = np.zeros((1, mdn.output_size(M)), dtype=np.float32)
    raw[:, 3 + 3 * M:3 + 5 * M] = -30.0   # tiny sigmas
    raw[:, 3 + 5 * M:] = 30.0              # rho = tanh(30) == 1 in float32
    dx = np.full((1,), 3.0, np.float32)     # far from every mean
    loss, gradient = backend_gradient(
        lambda v: -mdn.offset_log_likelihood(dx, dx * 0.5, mdn.split_output(v, M))[0], raw)
    assert np.isfinite(loss).all()
    assert np.isfinite(gradient).all()
    # The reference's formula, log(sum pi N + 1e-6) in probability space, is not finite here.
    with np.errstate(all="ignore"):
        sigma, rho = np.float32(np.exp(-30.0)), np.float32(np.tanh(30.0))
        density = np.exp(-(3.0 / sigma) ** 2 / (2 * (1 - rho ** 2))) / (
            2 * np.pi * sigma * sigma * np.sqrt(1 - rho ** 2))
    assert not np.isfinite(density)


def test_reconstruction_loss_masks():
    rng = np.random.default_rng(1)
    batch, steps = 3, 6
    target = np.zeros((batch, steps, 5), np.float32)
    target[..., 2] = 1
    target[:, 4:] = [0, 0, 0, 0, 1]              # the last two steps are padding
    target[:, :4, :2] = rng.normal(size=(batch, 4, 2))
    output = random_output(rng, (batch, steps))
    offset, pen = [float(v) for v in mdn.reconstruction_loss(target, output, M, max_seq_len=10)]
    params = mdn.split_output(output, M)
    ll = np.asarray(mdn.offset_log_likelihood(target[..., 0], target[..., 1], params))
    ce = np.asarray(mdn.pen_cross_entropy(target[..., 2:], params.pen_logits))
    assert offset == pytest.approx(-ll[:, :4].sum() / batch / 10, rel=1e-5)
    assert pen == pytest.approx(ce.sum() / batch / 10, rel=1e-5)       # unmasked in training
    _, masked_pen = mdn.reconstruction_loss(target, output, M, 10, mask_pen=True)
    assert float(masked_pen) == pytest.approx(ce[:, :4].sum() / batch / 10, rel=1e-5)
    # Changing the offsets of padding steps changes nothing.
    changed = target.copy()
    changed[:, 4:, :2] = 5.0
    assert float(mdn.reconstruction_loss(changed, output, M, 10)[0]) == pytest.approx(offset)
