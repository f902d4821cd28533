"""Checks for chapter 5, KL annealing: the schedule of the KL weight, the step at which it
reaches a given fraction of its target, and the free-bits floor."""

from __future__ import annotations

import math

import numpy as np

from ..hparams import HParams
from ..encoder import annealed_kl_weight
from .core import as_array, call, call_array, hint_for, report

# (kl_weight, kl_weight_start, kl_decay_rate): the reference's, and two others
SCHEDULES = ((0.5, 0.01, 0.99995), (1.0, 0.2, 0.999), (0.25, 0.0, 0.9995))


def _weight(w, w0, rate, step) -> float:
    hps = HParams(kl_weight=w, kl_weight_start=w0, kl_decay_rate=rate)
    return float(as_array(annealed_kl_weight(hps, float(step))))


def check_kl_schedule(function) -> bool:
    """Check ``function(step, kl_weight, kl_weight_start, kl_decay_rate) -> float``, the KL
    weight of training step ``step`` (0 for the first), against
    :func:`sketchlib.encoder.annealed_kl_weight`."""
    for w, w0, rate in SCHEDULES:
        # Step 1 first: there an exponent t + 1 differs from a missing one, which the
        # guesses below name first (at step 0 the two give the same weight).
        for step in (1, 0, 700, 13_863, 100_000):
            expected = _weight(w, w0, rate, step)
            result, problem = call_array(function, step, w, w0, rate)
            if problem:
                return report(False, problem, "the gap between the weight and its target "
                              "shrinks by the factor R at every step.")
            if result.size != 1:
                return report(False, f"the weight of one step is one number, not an array of "
                              f"shape {result.shape}.")
            value = float(result.reshape(()))
            if math.isclose(value, expected, rel_tol=1e-4, abs_tol=1e-7):
                continue
            guesses = {
                "R is raised to the power t: the weight of step t depends on t (the exponent "
                "is missing).": w - (w - w0) * rate,
                "the first step is step 0, whose weight is w_start itself: the exponent is t, "
                "not t + 1.": w - (w - w0) * rate ** (step + 1),
                "the weight grows from w_start towards w, so R^t multiplies the gap that is left: "
                "w - (w - w_start) R^t.": w0 + (w - w0) * rate ** step,
                "this is the paper's form w (1 - (1 - eta) R^t) with eta = w_start; sketchlib and "
                "the reference code start at w_start itself: w - (w - w_start) R^t.":
                    w * (1 - (1 - w0) * rate ** step),
                "at step 0 the weight is kl_weight_start: w - (w - w_start) R^t, not "
                "w (1 - R^t).": w * (1 - rate ** step),
            }
            case = f"step {step} of the schedule w = {w}, w_start = {w0}, R = {rate}"
            return report(False, f"at {case} the weight is {expected:.5f}, not {value:.5f}.",
                          hint_for(value, guesses, "the weight starts at w_start, and its "
                                   "gap to w shrinks by the factor R each step.", rtol=1e-4,
                                   atol=1e-7))
    return report(True, "your schedule matches sketchlib.encoder.annealed_kl_weight.")


def check_fraction_step(function) -> bool:
    """Check ``function(fraction, kl_weight, kl_weight_start, kl_decay_rate) -> step``: the
    step at which the annealed weight first reaches ``fraction`` of ``kl_weight`` (an exact
    real-valued step, or the whole step at or just past it: within one step either way; 0
    when the weight starts at or above it)."""
    for w, w0, rate in SCHEDULES:
        for fraction in (0.5, 0.9, 0.99, 0.01):
            unclamped = math.log(w * (1 - fraction) / (w - w0)) / math.log(rate)
            expected = max(0.0, unclamped)
            result, problem = call(function, fraction, w, w0, rate)
            if problem:
                return report(False, problem, "solve w - (w - w_start) R^t = fraction * w for t.")
            try:
                value = float(as_array(result).reshape(()))
            except (TypeError, ValueError):
                return report(False, f"the answer is one step number, not {result!r}.")
            if abs(value - expected) <= 1:
                continue
            case = (f"{fraction:.0%} of w = {w} (w_start = {w0}, R = {rate}) is reached at "
                    f"step {expected:,.0f}, not {value:,.0f}.")
            guesses = {
                "the weight starts at w_start, already above that fraction of w, so it first "
                "reaches it at step 0 (the formula gives a negative step).": unclamped,
                "that is the step at which the weight has covered that fraction of the way "
                "from w_start to w; the question asks for the fraction of w itself (w_start "
                "matters).":
                    math.log(1 - fraction) / math.log(rate),
                "a logarithm of a number below 1 is negative, and so is log R: the step is "
                "the ratio of the two, a positive number.":
                    -math.log(w * (1 - fraction) / (w - w0)) / math.log(rate),
                "R^t = w (1 - fraction) / (w - w_start): the fraction left is 1 - fraction, not "
                "fraction.": math.log(w * fraction / (w - w0)) / math.log(rate),
            }
            return report(False, case, hint_for(value, guesses, "R^t = w (1 - fraction) / "
                                                "(w - w_start); take logarithms.", rtol=0, atol=1))
    return report(True, "your step is the one at which the weight reaches that fraction.")


def check_free_bits(function) -> bool:
    """Check ``function(kl, kl_tolerance) -> array``: the KL term the loss adds for each mean
    KL value in the array ``kl``, with the free-bits floor ``kl_tolerance``."""
    for tolerance in (0.2, 0.5):
        kl = np.array([0.0, 0.05, tolerance, tolerance + 0.01, 0.8, 2.5])
        expected = np.maximum(kl, tolerance)
        result, problem = call_array(function, kl, tolerance)
        if problem:
            return report(False, problem, "below the floor the term is the floor itself.")
        if result.shape != kl.shape:
            return report(False, f"one term per KL value: shape {kl.shape}, not "
                          f"{result.shape}.", "work element by element (np.maximum).")
        if np.allclose(result, expected):
            continue
        guesses = {
            "the floor is a lower bound: max(KL, tolerance), not min.":
                np.minimum(kl, tolerance),
            "max(KL - tolerance, 0) has the same gradient, but the reference adds "
            "max(KL, tolerance): the term never drops below the floor itself.":
                np.maximum(kl - tolerance, 0),
            "below the floor the term is the floor (a constant, so no gradient), not "
            "zero.": np.where(kl > tolerance, kl, 0.0),
            "above the floor the term is KL itself, not KL minus the floor.":
                np.where(kl > tolerance, kl - tolerance, tolerance),
        }
        return report(False, f"with kl_tolerance {tolerance}, KL values {kl} give "
                      f"{expected}, not {np.round(result, 4)}.",
                      hint_for(result, guesses, "the floor is a lower bound on each value, "
                               "nothing more."))
    return report(True, "your term is max(KL, kl_tolerance): flat, with no gradient, below "
                        "the floor.")
