"""Checks for chapter 8, your own model against Magenta's: nats per sketch from a loss per
step, and how many times likelier a drawing is under one model than under another."""

from __future__ import annotations

import numpy as np

from .core import Case, check_cases

# (L_R per step, max_seq_len, lengths of the sketches it was measured on)
LOSSES = ((0.5, 250, (100, 150)), (-0.4, 156, (40, 80, 90)), (0.12, 60, (60,)))


def check_nats_from_loss(function) -> bool:
    """Check ``function(loss, max_seq_len, lengths) -> nats``: the mean negative
    log-likelihood per sketch (the end left out, as the loss leaves it out) of sketches whose
    evaluation loss ``L_R`` was ``loss``, for a model of ``max_seq_len`` steps; ``lengths``
    holds the sketches' numbers of rows (not needed for the answer)."""
    cases = [Case((loss, max_seq_len, np.array(lengths)), loss * max_seq_len,
                  f"for L_R = {loss} with max_seq_len = {max_seq_len}")
             for loss, max_seq_len, lengths in LOSSES]

    def mistakes(loss, max_seq_len, lengths):
        return {
            "the loss divides each sketch's sum by max_seq_len, not by the sketch's own "
            "length, whatever the length: multiply by max_seq_len.": loss * lengths.mean(),
            "the loss is already divided by max_seq_len: undo that division.":
                loss / max_seq_len,
            "a loss per step is not a loss per sketch: the sum runs over max_seq_len steps.":
                loss,
            "the padded steps after the end count zero in L_R: only max_seq_len enters.":
                loss * lengths.sum(),
        }

    return check_cases(
        function, cases, mistakes=mistakes, rtol=1e-6,
        raised="L_R is a sum over a sketch's steps divided by max_seq_len.",
        shape_hint="the mean over the sketches is one number, not an array.",
        differs=lambda case, value: f"{case.where} the mean is {case.expected:g} nats per "
                                    f"sketch, not {value:g}.",
        otherwise="L_R is the mean over sketches of (each sketch's summed loss) / max_seq_len.",
        right="L_R times max_seq_len is the mean nats per sketch, whatever the sketches' "
              "lengths.")


def check_times_likelier(function) -> bool:
    """Check ``function(nats_a, nats_b) -> ratio``: how many times likelier a drawing is
    under model A than under model B, given its negative log-likelihood in nats under each
    (numbers or arrays of the same shape, one per drawing)."""
    nats = ((30.0, 32.0), (-18.3, -39.3), (np.array([10.0, 12.0, 5.0]),
                                           np.array([11.0, 9.0, 5.0])))
    cases = [Case((a, b), np.exp(np.subtract(b, a)), f"for nats_A = {a} and nats_B = {b}")
             for a, b in nats]

    def mistakes(nats_a, nats_b):
        return {
            "it is the other way round: fewer nats under A means likelier under A, so the "
            "ratio is exp(nats_B - nats_A).": np.exp(np.subtract(nats_a, nats_b)),
            "that is the difference of the logs: a ratio of probabilities is its exponential.":
                np.subtract(nats_b, nats_a),
            "nats are natural logarithms: exp, not 2 to the power.":
                np.power(2.0, np.subtract(nats_b, nats_a)),
            "a ratio of two logs is not a ratio of probabilities: p_A / p_B = "
            "exp(-nats_A) / exp(-nats_B).": np.divide(nats_b, nats_a),
        }

    return check_cases(
        function, cases, mistakes=mistakes, rtol=1e-6,
        raised="nats are minus the natural log of a probability.",
        shape_hint="one ratio per drawing: the shape of nats_a and nats_b.",
        differs=lambda case, result: f"{case.where} the drawing is "
                                     f"{np.round(case.expected, 4)} times likelier under A, "
                                     f"not {np.round(result, 4)}.",
        otherwise="p = exp(-nats) under each model; divide.",
        right="exp(nats_B - nats_A): each nat less is a factor e in likelihood.")
