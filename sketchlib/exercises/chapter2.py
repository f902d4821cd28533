"""Checks for chapter 2, the mixture density output: the bivariate normal log-density, the
masked offset loss, one sampled step."""

from __future__ import annotations

import numpy as np
from keras import ops

from .. import mdn, sampling
from ..batching import make_batch
from ..synthetic import CLASSES, synthetic_sketch
from .core import Case, call_array, check_cases, hint_for, report, shape_problem


def _as_log_sigma(x, y, mu_x, mu_y, log_sigma_x, log_sigma_y, rho):
    """The log-density computed as if the sigmas were log-sigmas (a typical mistake)."""
    ux, uy = (x - mu_x) * np.exp(-log_sigma_x), (y - mu_y) * np.exp(-log_sigma_y)
    omr = 1.0 - rho ** 2
    q = ux ** 2 + uy ** 2 - 2.0 * rho * ux * uy
    return (-np.log(2 * np.pi) - log_sigma_x - log_sigma_y - 0.5 * np.log(omr)
            - q / (2 * omr))


def _log_density_mistakes(x, y, mu_x, mu_y, sigma_x, sigma_y, rho) -> dict:
    """Typical wrong versions of the bivariate normal log-density, each with its hint."""
    ux, uy = (x - mu_x) / sigma_x, (y - mu_y) / sigma_y
    omr = 1.0 - rho ** 2
    q = ux ** 2 + uy ** 2 - 2.0 * rho * ux * uy
    right = -np.log(2 * np.pi) - np.log(sigma_x) - np.log(sigma_y) - 0.5 * np.log(omr)
    with np.errstate(all="ignore"):
        return {
            "you return the density itself; return its logarithm (and compute the log "
            "directly, never log(exp(...))).": np.exp(right - q / (2 * omr)),
            "the normaliser is 2 pi sigma_x sigma_y sqrt(1 - rho^2): the sqrt(1 - rho^2) "
            "is missing (it adds -0.5 log(1 - rho^2)).":
                right + 0.5 * np.log(omr) - q / (2 * omr),
            "the normaliser has sqrt(1 - rho^2), not (1 - rho^2): its log is "
            "0.5 log(1 - rho^2).": right - 0.5 * np.log(omr) - q / (2 * omr),
            "the factor 2 pi of the normaliser is missing: subtract log(2 pi).":
                right + np.log(2 * np.pi) - q / (2 * omr),
            "the normaliser has 2 pi, not pi: subtract log(2 pi).":
                right + np.log(2.0) - q / (2 * omr),
            "subtract log(sigma_x) + log(sigma_y), not sigma_x + sigma_y: this function gets "
            "the standard deviations themselves, not their logs.":
                right + np.log(sigma_x) + np.log(sigma_y) - sigma_x - sigma_y - q / (2 * omr),
            "the arguments are standard deviations sigma, not log sigma: divide by sigma and "
            "subtract log(sigma).": _as_log_sigma(x, y, mu_x, mu_y, sigma_x, sigma_y, rho),
            "divide Q by 2 (1 - rho^2), not by 2: the correlation also widens the exponent.":
                right - q / 2,
            "the exponent is -Q / (2 (1 - rho^2)): the factor 1/2 is missing.": right - q / omr,
            "the cross term of Q is -2 rho ux uy (a minus sign).":
                right - (ux ** 2 + uy ** 2 + 2.0 * rho * ux * uy) / (2 * omr),
            "standardise with the standard deviation: ux = (x - mu_x) / sigma_x, not divided "
            "by the variance.":
                right - (((x - mu_x) / sigma_x ** 2) ** 2 + ((y - mu_y) / sigma_y ** 2) ** 2
                         - 2.0 * rho * (x - mu_x) * (y - mu_y) / (sigma_x * sigma_y) ** 2)
                / (2 * omr),
        }


def check_log_density(function) -> bool:
    """Check ``function(x, y, mu_x, mu_y, sigma_x, sigma_y, rho) -> log N(x, y)`` (element-wise
    on NumPy arrays; sigmas are standard deviations, not logs) against
    :func:`sketchlib.mdn.bivariate_normal_log_density`, on random and extreme parameters."""
    rng = np.random.default_rng(11)
    n = 200
    sign = rng.choice([-1.0, 1.0], n)
    parameters = {  # x, y, mu_x, mu_y, sigma_x, sigma_y, rho
        "random parameters": (
            rng.normal(0, 2, n), rng.normal(0, 2, n), rng.normal(0, 1, n), rng.normal(0, 1, n),
            np.exp(rng.uniform(-2, 1, n)), np.exp(rng.uniform(-2, 1, n)),
            rng.uniform(-0.9, 0.9, n)),
        "extreme parameters (tiny sigmas, rho close to +-1, far points)": (
            rng.normal(0, 10, n), rng.normal(0, 10, n), rng.normal(0, 1, n), rng.normal(0, 1, n),
            np.exp(rng.uniform(-9, -3, n)), np.exp(rng.uniform(-9, 3, n)),
            sign * (1.0 - 10.0 ** rng.uniform(-5, -2, n))),
    }
    cases = []
    for name, (x, y, mu_x, mu_y, sigma_x, sigma_y, rho) in parameters.items():
        expected = mdn.bivariate_normal_log_density(x, y, mu_x, mu_y, np.log(sigma_x),
                                                    np.log(sigma_y), rho)
        cases.append(Case((x, y, mu_x, mu_y, sigma_x, sigma_y, rho),
                          np.asarray(ops.convert_to_numpy(expected), np.float64), f"on {name}"))

    def differs(case, result):
        if not np.all(np.isfinite(result)):
            return f"{case.where} you get inf or NaN where sketchlib's value is finite."
        worst = int(np.argmax(np.abs(result - case.expected)))
        return (f"{case.where} your values differ from sketchlib's (for example "
                f"{result[worst]:.4g} instead of {case.expected[worst]:.4g}).")

    return check_cases(
        function, cases, mistakes=_log_density_mistakes, differs=differs,
        rtol=1e-6, atol=1e-6, equal_nan=True,
        raised="start from ux = (x - mu_x) / sigma_x and uy = (y - mu_y) / sigma_y, then "
               "follow the formula in log form.",
        shape_hint="compute element-wise with NumPy; do not sum or average.",
        otherwise="log N = -log(2 pi) - log sigma_x - log sigma_y - 0.5 log(1 - rho^2) "
                  "- Q / (2 (1 - rho^2)), Q = ux^2 + uy^2 - 2 rho ux uy; stay in log space: "
                  "with tiny sigmas exp(-Q / ...) underflows to 0, and its log is -inf.",
        right="your bivariate normal log-density matches sketchlib's, extreme parameters "
              "included.")


def _loss_test_cases():
    """Batches for the loss check: ``(name, target, output, num_mixture, max_seq_len)``,
    padded sketches of different lengths and random raw outputs."""
    rng = np.random.default_rng(21)
    sketches = []
    for i in range(8):
        sketch = synthetic_sketch(CLASSES[i % len(CLASSES)], rng).astype(np.float32)
        sketch[:, :2] /= 8.0  # roughly normalised offsets
        sketches.append(sketch)
    longest = max(len(s) for s in sketches)
    cases = []
    grouped = -(-longest // 25) * 25  # padded like a batch grouped by length
    for steps, max_seq_len, m in ((grouped, 250, 20), (longest + 3, longest + 3, 3)):
        batch = make_batch(sketches, steps)
        output = rng.normal(0, 1, (len(sketches), steps, 3 + 6 * m)).astype(np.float32)
        name = f"a batch padded to {steps} steps, max_seq_len={max_seq_len}, M={m}"
        cases.append((name, batch.target, output, m, max_seq_len))
    return cases


def check_offset_loss(function) -> bool:
    """Check ``function(target, output, num_mixture, max_seq_len) -> L_s`` against the first
    element of :func:`sketchlib.mdn.reconstruction_loss`."""
    cases = [Case((target, output, m, max_seq_len), float(ops.convert_to_numpy(
        mdn.reconstruction_loss(target, output, m, max_seq_len)[0])), f"on {name}")
        for name, target, output, m, max_seq_len in _loss_test_cases()]

    def mistakes(target, output, m, max_seq_len):
        params = mdn.split_output(output, m)
        nll = -np.asarray(ops.convert_to_numpy(
            mdn.offset_log_likelihood(target[..., 0], target[..., 1], params)), np.float64)
        mask = 1.0 - target[..., 4]
        return {
            "the loss is the *negative* log-likelihood: a good fit gives a low loss.":
                -np.mean((nll * mask).sum(axis=1)) / max_seq_len,
            "mask the steps after the end of each sketch: multiply by 1 - p3 (the target's "
            "last column) before summing.": np.mean(nll.sum(axis=1)) / max_seq_len,
            "the mask is 1 - p3, the 'drawing has ended' column (index 4); p2 (index 3) is a "
            "pen lift inside the drawing.":
                np.mean((nll * (1.0 - target[..., 3])).sum(axis=1)) / max_seq_len,
            "the mask is 1 - p3: every step before the end counts, the pen-up steps (p2) too.":
                np.mean((nll * target[..., 2]).sum(axis=1)) / max_seq_len,
            "divide by max_seq_len, the same number for every sketch, not by each sketch's "
            "length.": np.mean((nll * mask).sum(axis=1) / mask.sum(axis=1)),
            "divide by max_seq_len, not by the number of steps of this batch (a batch "
            "grouped by length is padded to fewer steps).":
                np.mean((nll * mask).sum(axis=1)) / target.shape[1],
            "divide by max_seq_len, not by the number of real steps.":
                (nll * mask).sum() / mask.sum(),
            "average over the sketches of the batch (a mean, not a sum).":
                (nll * mask).sum() / max_seq_len,
        }

    return check_cases(
        function, cases, mistakes=mistakes, rtol=1e-4, atol=1e-6,
        raised="split the output with mdn.split_output, get the log-likelihood of every step "
               "with mdn.offset_log_likelihood, then mask, sum and divide.",
        shape_hint="the loss is one number: sum over the steps, divide by max_seq_len, "
                   "average over the batch.",
        differs=lambda case, value: f"{case.where} you get {value:.5f}, sketchlib gets "
                                    f"{case.expected:.5f}.",
        otherwise="L_s = mean over sketches of sum over steps of -log p(dx, dy) * (1 - p3), "
                  "divided by max_seq_len.",
        right="your offset loss matches sketchlib's reconstruction_loss.")


def _sample_step_variant(output, noise, temperature, m, pen_tau=True, mix_tau=True,
                         sigma="tau", correlated=True, swap=False, greedy_pen=False):
    """sample_offset_and_pen written out in NumPy, with switches for typical mistakes."""
    p = mdn.split_output(output, m)
    pen_logits, log_pi, mu_x, mu_y, log_sx, log_sy, rho = (
        np.asarray(ops.convert_to_numpy(v), np.float64) for v in p)

    def pick(logits, uniform):
        logits = logits - logits.max(axis=-1, keepdims=True)
        probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        index = (np.cumsum(probs, axis=-1) < uniform[:, None]).sum(axis=-1)
        return np.minimum(index, logits.shape[-1] - 1)

    u_pen, u_mix = (noise[:, 1], noise[:, 0]) if swap else (noise[:, 0], noise[:, 1])
    if greedy_pen:
        pen = pen_logits.argmax(axis=-1)
    else:
        pen = pick(pen_logits / (temperature if pen_tau else 1.0), u_pen)
    k = pick(log_pi / (temperature if mix_tau else 1.0), u_mix)
    rows = np.arange(len(k))
    scale = {"tau": temperature, "sqrt": np.sqrt(temperature), "none": 1.0}[sigma]
    sx, sy = np.exp(log_sx[rows, k]) * scale, np.exp(log_sy[rows, k]) * scale
    r = rho[rows, k]
    dx = mu_x[rows, k] + sx * noise[:, 2]
    if correlated:
        dy = mu_y[rows, k] + sy * (r * noise[:, 2] + np.sqrt(1 - r * r) * noise[:, 3])
    else:
        dy = mu_y[rows, k] + sy * noise[:, 3]
    return np.column_stack([dx, dy, np.eye(3)[pen]])


# The typical mistakes of a sampling step, {hint: switches of _sample_step_variant}: those
# that change the pen state, and those that change the offsets.
_PEN_MISTAKES = {
    "divide the pen logits by the temperature before the softmax.": dict(pen_tau=False),
    "draw the pen state at random with the uniform noise[:, 0] (inverse CDF), do not take "
    "the argmax.": dict(greedy_pen=True),
    "noise[:, 0] picks the pen state and noise[:, 1] the mixture component.": dict(swap=True),
}
_OFFSET_MISTAKES = {
    "divide the mixture logits (log_pi) by the temperature before the softmax, as for the "
    "pen.": dict(mix_tau=False),
    "noise[:, 0] picks the pen state and noise[:, 1] the mixture component.": dict(swap=True),
    "sketchlib follows Magenta's Python code: multiply sigma by tau, not by sqrt(tau) (the "
    "browser library's convention).": dict(sigma="sqrt"),
    "multiply the chosen component's sigmas by the temperature.": dict(sigma="none"),
    "dy must be correlated with dx: dy = mu_y + sigma_y (rho n1 + sqrt(1 - rho^2) n2).":
        dict(correlated=False),
}


def check_sample_step(function) -> bool:
    """Check ``function(output, noise, temperature, num_mixture) -> (B, 5)`` stroke-5 rows
    against :func:`sketchlib.sampling.sample_offset_and_pen` (not greedy). The pen states and
    the offsets are checked apart, each against its own typical mistakes."""
    rng = np.random.default_rng(31)
    m, batch = 20, 300
    output = rng.normal(0, 1, (batch, 3 + 6 * m)).astype(np.float32)
    output[:, :3] *= 2.0
    output[:, 3:3 + m] *= 2.0  # peakier mixture weights
    output[:, 3 + 3 * m:3 + 5 * m] = rng.uniform(-3, 0, (batch, 2 * m))  # log sigmas
    noise = sampling.draw_noise(batch, 1, seed=5)[:, 0]
    for temperature in (1.0, 0.5, 0.1, 1.7):
        expected = np.asarray(ops.convert_to_numpy(sampling.sample_offset_and_pen(
            output, noise, np.float32(temperature), m)), np.float64)
        result, problem = call_array(function, output.copy(), noise.copy(), temperature, m)
        if problem:
            return report(False, problem, "get the parameters with mdn.split_output; pick "
                          "the pen state with noise[:, 0] and the component with noise[:, 1] "
                          "(inverse CDF); build the offset from noise[:, 2:].")
        if result.shape != expected.shape:
            return report(False, shape_problem(expected.shape, result.shape),
                          "one stroke-5 row (dx, dy, p1, p2, p3) per sketch of the batch, the "
                          "pen state one-hot.")
        at = f"at temperature {temperature}"
        if not np.array_equal(result[:, 2:], expected[:, 2:]):
            wrong = {hint: _sample_step_variant(output, noise, temperature, m, **flags)[:, 2:]
                     for hint, flags in _PEN_MISTAKES.items()}
            return report(False, f"{at} the pen states differ from sketchlib's.", hint_for(
                result[:, 2:], wrong, "q = softmax(pen_logits / tau); the state is the number "
                "of entries of cumsum(q) below noise[:, 0]; return it one-hot."))
        if not np.allclose(result[:, :2], expected[:, :2], rtol=1e-4, atol=1e-4):
            wrong = {hint: _sample_step_variant(output, noise, temperature, m, **flags)[:, :2]
                     for hint, flags in _OFFSET_MISTAKES.items()}
            return report(False, f"{at} the offsets differ from sketchlib's.", hint_for(
                result[:, :2], wrong, "pick component k with noise[:, 1], then dx = mu_x + tau "
                "sigma_x n1 and dy = mu_y + tau sigma_y (rho n1 + sqrt(1 - rho^2) n2), with "
                "n1, n2 = noise[:, 2], noise[:, 3].", rtol=1e-4, atol=1e-4))
    return report(True, "your sampling step draws exactly what sketchlib's draws, at every "
                  "temperature.")
