"""Checks for chapter 8, your own model against Magenta's: nats per sketch from a loss per
step, and how many times likelier a drawing is under one model than under another."""

from __future__ import annotations

import numpy as np

from .core import call_array, hint_for, report

# (L_R per step, max_seq_len, lengths of the sketches it was measured on)
LOSSES = ((0.5, 250, (100, 150)), (-0.4, 156, (40, 80, 90)), (0.12, 60, (60,)))


def check_nats_from_loss(function) -> bool:
    """Check ``function(loss, max_seq_len, lengths) -> nats``: the mean negative
    log-likelihood per sketch (the end left out, as the loss leaves it out) of sketches whose
    evaluation loss ``L_R`` was ``loss``, for a model of ``max_seq_len`` steps; ``lengths``
    holds the sketches' numbers of rows (not needed for the answer)."""
    for loss, max_seq_len, lengths in LOSSES:
        lengths = np.array(lengths)
        expected = loss * max_seq_len
        result, problem = call_array(function, loss, max_seq_len, lengths)
        if problem:
            return report(False, problem, "L_R is a sum over a sketch's steps divided by "
                          "max_seq_len.")
        if result.size != 1:
            return report(False, "the mean over the sketches is one number, not an array of "
                          f"shape {result.shape}.")
        value = float(result.reshape(()))
        if np.isclose(value, expected, rtol=1e-6):
            continue
        guesses = {
            "the loss divides each sketch's sum by max_seq_len, not by the sketch's own "
            "length, whatever the length: multiply by max_seq_len.": loss * lengths.mean(),
            "the loss is already divided by max_seq_len: undo that division.":
                loss / max_seq_len,
            "a loss per step is not a loss per sketch: the sum runs over max_seq_len steps.":
                loss,
            "the padded steps after the end count zero in L_R: only max_seq_len enters.":
                loss * lengths.sum(),
        }
        case = f"L_R = {loss} with max_seq_len = {max_seq_len}"
        return report(False, f"{case} is {expected:g} nats per sketch, not {value:g}.",
                      hint_for(value, guesses, "L_R is the mean over sketches of "
                               "(each sketch's summed loss) / max_seq_len.", rtol=1e-6))
    return report(True, "L_R times max_seq_len is the mean nats per sketch, whatever the "
                  "sketches' lengths.")


def check_times_likelier(function) -> bool:
    """Check ``function(nats_a, nats_b) -> ratio``: how many times likelier a drawing is
    under model A than under model B, given its negative log-likelihood in nats under each
    (numbers or arrays of the same shape, one per drawing)."""
    cases = ((30.0, 32.0), (-18.3, -39.3), (np.array([10.0, 12.0, 5.0]),
                                             np.array([11.0, 9.0, 5.0])))
    for nats_a, nats_b in cases:
        expected = np.exp(np.subtract(nats_b, nats_a))
        result, problem = call_array(function, nats_a, nats_b)
        if problem:
            return report(False, problem, "nats are minus the natural log of a probability.")
        if result.shape != np.shape(expected):
            return report(False, f"one ratio per drawing: expected shape "
                          f"{np.shape(expected)}, got {result.shape}.")
        if np.allclose(result, expected, rtol=1e-6):
            continue
        guesses = {
            "it is the other way round: fewer nats under A means likelier under A, so the "
            "ratio is exp(nats_B - nats_A).": np.exp(np.subtract(nats_a, nats_b)),
            "that is the difference of the logs: a ratio of probabilities is its exponential.":
                np.subtract(nats_b, nats_a),
            "nats are natural logarithms: exp, not 2 to the power.":
                np.power(2.0, np.subtract(nats_b, nats_a)),
            "a ratio of two logs is not a ratio of probabilities: p_A / p_B = "
            "exp(-nats_A) / exp(-nats_B).": np.divide(nats_b, nats_a),
        }
        case = f"nats_A = {nats_a} and nats_B = {nats_b}"
        return report(False, f"for {case} the drawing is {np.round(expected, 4)} times "
                      f"likelier under A, not {np.round(result, 4)}.",
                      hint_for(result, guesses, "p = exp(-nats) under each model; divide.",
                               rtol=1e-6))
    return report(True, "exp(nats_B - nats_A): each nat less is a factor e in likelihood.")
