"""Checks for chapter 5, KL annealing: the schedule of the KL weight, the step at which it
reaches a given fraction of its target, and the free-bits floor."""

from __future__ import annotations

import math

import numpy as np

from ..hparams import HParams
from ..encoder import annealed_kl_weight
from .core import Case, as_array, check_cases

# (kl_weight, kl_weight_start, kl_decay_rate): the reference's, and two others
SCHEDULES = ((0.5, 0.01, 0.99995), (1.0, 0.2, 0.999), (0.25, 0.0, 0.9995))


def _weight(w, w0, rate, step) -> float:
    hps = HParams(kl_weight=w, kl_weight_start=w0, kl_decay_rate=rate)
    return float(as_array(annealed_kl_weight(hps, float(step))))


def check_kl_schedule(function) -> bool:
    """Check ``function(step, kl_weight, kl_weight_start, kl_decay_rate) -> float``, the KL
    weight of training step ``step`` (0 for the first), against
    :func:`sketchlib.encoder.annealed_kl_weight`."""
    # Step 1 first: there an exponent t + 1 differs from a missing one, which the mistakes
    # below name first (at step 0 the two give the same weight).
    cases = [Case((step, w, w0, rate), _weight(w, w0, rate, step),
                  f"at step {step} of the schedule w = {w}, w_start = {w0}, R = {rate}")
             for w, w0, rate in SCHEDULES for step in (1, 0, 700, 13_863, 100_000)]

    def mistakes(step, w, w0, rate):
        return {
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

    return check_cases(
        function, cases, mistakes=mistakes, rtol=1e-4, atol=1e-7,
        raised="the gap between the weight and its target shrinks by the factor R at every "
               "step.",
        shape_hint="the weight of one step is one number.",
        differs=lambda case, value: f"{case.where} the weight is {case.expected:.5f}, "
                                    f"not {value:.5f}.",
        otherwise="the weight starts at w_start, and its gap to w shrinks by the factor R "
                  "each step.",
        right="your schedule matches sketchlib.encoder.annealed_kl_weight.")


def _unclamped_step(fraction, w, w0, rate) -> float:
    """The real step at which the weight reaches ``fraction`` of ``w``, negative where it
    starts above it."""
    return math.log(w * (1 - fraction) / (w - w0)) / math.log(rate)


def check_fraction_step(function) -> bool:
    """Check ``function(fraction, kl_weight, kl_weight_start, kl_decay_rate) -> step``: the
    step at which the annealed weight first reaches ``fraction`` of ``kl_weight`` (an exact
    real-valued step, or the whole step at or just past it: within one step either way; 0
    when the weight starts at or above it)."""
    cases = [Case((fraction, w, w0, rate), max(0.0, _unclamped_step(fraction, w, w0, rate)),
                  f"for {fraction:.0%} of w = {w} (w_start = {w0}, R = {rate})")
             for w, w0, rate in SCHEDULES for fraction in (0.5, 0.9, 0.99, 0.01)]

    def mistakes(fraction, w, w0, rate):
        return {
            "the weight starts at w_start, already above that fraction of w, so it first "
            "reaches it at step 0 (the formula gives a negative step).":
                _unclamped_step(fraction, w, w0, rate),
            "that is the step at which the weight has covered that fraction of the way "
            "from w_start to w; the question asks for the fraction of w itself (w_start "
            "matters).": math.log(1 - fraction) / math.log(rate),
            "a logarithm of a number below 1 is negative, and so is log R: the step is "
            "the ratio of the two, a positive number.":
                -_unclamped_step(fraction, w, w0, rate),
            "R^t = w (1 - fraction) / (w - w_start): the fraction left is 1 - fraction, not "
            "fraction.": math.log(w * fraction / (w - w0)) / math.log(rate),
        }

    return check_cases(
        function, cases, mistakes=mistakes, rtol=0, atol=1,
        raised="solve w - (w - w_start) R^t = fraction * w for t.",
        shape_hint="the answer is one step number.",
        differs=lambda case, value: f"{case.where} the step is {case.expected:,.0f}, "
                                    f"not {value:,.0f}.",
        otherwise="R^t = w (1 - fraction) / (w - w_start); take logarithms.",
        right="your step is the one at which the weight reaches that fraction.")


def check_free_bits(function) -> bool:
    """Check ``function(kl, kl_tolerance) -> array``: the KL term the loss adds for each mean
    KL value in the array ``kl``, with the free-bits floor ``kl_tolerance``."""
    cases = []
    for tolerance in (0.2, 0.5):
        kl = np.array([0.0, 0.05, tolerance, tolerance + 0.01, 0.8, 2.5])
        cases.append(Case((kl, tolerance), np.maximum(kl, tolerance),
                          f"with kl_tolerance {tolerance}"))

    def mistakes(kl, tolerance):
        return {
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

    return check_cases(
        function, cases, mistakes=mistakes,
        raised="below the floor the term is the floor itself.",
        shape_hint="one term per KL value: work element by element (np.maximum).",
        differs=lambda case, result: f"{case.where}, KL values {case.args[0]} give "
                                     f"{case.expected}, not {np.round(result, 4)}.",
        otherwise="the floor is a lower bound on each value, nothing more.",
        right="your term is max(KL, kl_tolerance): flat, with no gradient, below the floor.")
