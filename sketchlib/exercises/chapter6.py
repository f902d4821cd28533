"""Checks for chapter 6, the LayerNorm LSTM and the HyperLSTM: layer normalisation of the gate
blocks by hand, and the hyper network's scaling of one block of pre-activations."""

from __future__ import annotations

import numpy as np

from ..cells import layer_norm
from .core import Case, check_cases


def _gate_cases():
    """Pre-activations ``(batch, 4 u)`` whose four blocks differ in mean and spread (one of
    them nearly constant, where the epsilon matters), with gains and shifts."""
    rng = np.random.default_rng(6)
    units = 5
    x = rng.normal(size=(3, 4 * units)) * np.repeat([2.0, 0.5, 0.01, 4.0], units)
    x += np.repeat([1.0, -3.0, 0.2, 0.0], units)
    return [(x, rng.normal(1.0, 0.3, 4 * units), rng.normal(0.0, 0.3, 4 * units)),
            (x[:1], np.ones(4 * units), np.zeros(4 * units))]


def _numpy_norm(x, gain, shift, blocks, epsilon=1e-3, ddof=0, epsilon_outside=False,
                interleaved=False):
    """Layer norm over ``blocks`` blocks of the last axis, and typical mistakes: epsilon added
    after the square root; a reshape to ``(batch, u, blocks)``, which normalises groups of
    ``blocks`` neighbouring units instead of each block of ``u``."""
    parts = x.reshape(len(x), -1, blocks) if interleaved else x.reshape(len(x), blocks, -1)
    mean = parts.mean(-1, keepdims=True)
    variance = parts.var(-1, ddof=ddof, keepdims=True)
    spread = np.sqrt(variance) + epsilon if epsilon_outside else np.sqrt(variance + epsilon)
    return ((parts - mean) / spread).reshape(x.shape) * gain + shift


def _across_blocks(x, gain, shift):
    """The mistake of taking each unit's statistics over the 4 blocks (axis 1 of ``(batch,
    4, u)``) instead of over a block's units."""
    parts = x.reshape(len(x), 4, -1)
    normal = (parts - parts.mean(1, keepdims=True)) / np.sqrt(parts.var(1, keepdims=True)
                                                              + 1e-3)
    return normal.reshape(x.shape) * gain + shift


def check_layer_norm(function) -> bool:
    """Check ``function(x, gain, shift) -> array``: the layer norm of the LayerNorm LSTM's gate
    pre-activations ``x`` ``(batch, 4 u)``, each gate block of ``u`` normalised separately
    (epsilon 1e-3 on the variance), then times ``gain`` plus ``shift`` ``(4 u,)``; against
    :func:`sketchlib.cells.layer_norm`."""
    cases = [Case((x, gain, shift), np.asarray(layer_norm(
        x.astype("float32"), gain.astype("float32"), shift.astype("float32"), blocks=4),
        np.float64)) for x, gain, shift in _gate_cases()]

    def mistakes(x, gain, shift):
        return {
            "each gate block (i, j, f, o) has its own mean and variance: normalise the four "
            "blocks of u separately, not all 4 u together.": _numpy_norm(x, gain, shift, 1),
            "the variance is the mean squared deviation (np.var, ddof 0), not the unbiased "
            "estimate.": _numpy_norm(x, gain, shift, 4, ddof=1),
            "add epsilon = 1e-3 to the variance before the square root: a nearly constant "
            "block (one of the test cases has one) would otherwise be blown up.":
                _numpy_norm(x, gain, shift, 4, epsilon=0.0),
            "epsilon goes inside the square root, sqrt(variance + 1e-3), not after it: the "
            "two differ most for a nearly constant block.":
                _numpy_norm(x, gain, shift, 4, epsilon_outside=True),
            "the blocks are consecutive: x.reshape(batch, 4, u) puts the u units of each gate "
            "together; x.reshape(batch, u, 4) mixes units of all four gates.":
                _numpy_norm(x, gain, shift, 4, interleaved=True),
            "normalise over the u units of a block (the last axis of (batch, 4, u)), not "
            "across the four blocks.": _across_blocks(x, gain, shift),
            "after normalising, scale by gain and add shift.": _numpy_norm(
                x, np.ones_like(gain), np.zeros_like(shift), 4),
            "the statistics are taken over the units of each sketch in the batch (the last "
            "axis), not over the batch.": ((x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3))
            * gain + shift,
        }

    return check_cases(
        function, cases, mistakes=mistakes, rtol=1e-3, atol=1e-3,
        raised="split the last axis into 4 blocks of u, normalise each, then gain * x + shift.",
        shape_hint="the result has the shape of x.",
        differs=lambda case, result: "the normalised gates differ from "
                                     "sketchlib.cells.layer_norm's.",
        otherwise="(x - mean) / sqrt(variance + 1e-3) per block of u, then gain, shift.",
        right="your layer norm matches sketchlib.cells.layer_norm, block by block.")


def check_hyper_scale(function) -> bool:
    """Check ``function(hyper_h, embedding_kernel, embedding_bias, scale_kernel, block) ->
    array``: one block of pre-activations after the hyper network's scaling,
    ``((hyper_h W_d + b_d) W_alpha) * block``; ``hyper_h`` ``(H,)``, ``embedding_kernel``
    ``(H, e)``, ``embedding_bias`` ``(e,)``, ``scale_kernel`` ``(e, u)``, ``block`` ``(u,)``
    (for example ``x W_xh``'s input-gate part)."""
    rng = np.random.default_rng(60)
    hyper, size, units = 7, 3, 4
    arguments = [(rng.uniform(-1, 1, hyper), rng.normal(0, 0.5, (hyper, size)),
                  rng.normal(1, 0.3, size), rng.normal(0, 0.5, (size, units)),
                  rng.normal(size=units)),
                 # at initialisation: W_d 0, b_d 1, W_alpha 0.1 / e: every scale is 0.1
                 (rng.uniform(-1, 1, hyper), np.zeros((hyper, size)), np.ones(size),
                  np.full((size, units), 0.1 / size), rng.normal(size=units))]
    cases = [Case(args, _hyper_scaled(*args)) for args in arguments]

    def mistakes(hyper_h, kernel, bias, scale_kernel, block):
        return {
            "the embedding has a bias: d = hyper_h W_d + b_d (b_d starts at 1, which is what "
            "makes every scale 0.1 at the start).": ((hyper_h @ kernel) @ scale_kernel) * block,
            "the scale multiplies the block (a per-unit gain); it is not added to it.":
                (hyper_h @ kernel + bias) @ scale_kernel + block,
            "the result is the scaled block, alpha * block, not the scale alpha alone.":
                (hyper_h @ kernel + bias) @ scale_kernel,
        }

    return check_cases(
        function, cases, mistakes=mistakes, rtol=1e-5, atol=1e-8,
        raised="hyper_h gives the block's embedding d (it has a bias), d gives one scale per "
               "unit, and the scales act on the block.",
        shape_hint="one number per unit of the block.",
        differs=lambda case, result: f"the scaled block is {np.round(case.expected, 4)}, "
                                     f"not {np.round(result, 4)}.",
        otherwise="follow the section's two equations for d and alpha, then apply the scales "
                  "to the block unit by unit.",
        right="your scaling is the hyper network's: a scale per unit, 0.1 at the start.")


def _hyper_scaled(hyper_h, kernel, bias, scale_kernel, block):
    """The block scaled by the hyper network, ``((hyper_h W_d + b_d) W_alpha) * block``."""
    return ((hyper_h @ kernel + bias) @ scale_kernel) * block
