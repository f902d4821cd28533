"""Checks for chapter 3, drawing from nothing: the teacher-forcing input, a greedy drawing,
the decoder's size."""

from __future__ import annotations

import numpy as np
from keras import ops

from ..batching import START_TOKEN, make_batch
from ..hparams import HParams
from ..model import SketchRNN
from ..sampling import sample_offset_and_pen, sample_stroke5
from .core import Case, awkward_sketches, call_array, check_cases, report, shipped_model


def check_decoder_input(function) -> bool:
    """Check ``function(target) -> decoder_input``: the teacher-forcing input built from a
    stroke-5 target batch ``(B, N, 5)`` (shifted right by one step, ``S0`` in front), against
    :func:`sketchlib.batching.make_batch`."""
    sketches = awkward_sketches()
    floats = sketches[-1].astype(np.float64)
    floats[:, :2] /= 7.3
    batches = [make_batch(sketches, max(len(s) for s in sketches)),
               make_batch([*sketches, floats], 250), make_batch(sketches[:1], 1)]
    for batch in batches:
        target = batch.target.copy()
        expected = batch.decoder_input
        shape = f"a target of shape {target.shape}"
        result, problem = call_array(function, target)
        if problem:
            return report(False, problem, "start from np.zeros_like(target): put S0 in row 0 of "
                          "every sketch, then the target's rows 0 .. N-2 in rows 1 .. N-1.")
        if not np.array_equal(target, batch.target):
            return report(False, "the function changed the target it was given.",
                          "build a new array (np.zeros_like or np.concatenate) instead of "
                          "writing into the target.")
        if result.shape != expected.shape:
            hint = "the input has as many steps as the target, one sketch per row of the batch."
            if result.ndim == 3 and result.shape[1] == expected.shape[1] + 1:
                hint = ("S0 followed by the whole target has one step too many: leave out the "
                        "target's last row, which is never an input.")
            elif result.ndim == 2:
                hint = "keep the batch axis: shift along axis 1 (the steps) of every sketch."
            return report(False, f"for {shape} the result should have shape "
                          f"{expected.shape}, not {result.shape}.", hint)
        if np.allclose(result, expected):
            continue
        if np.allclose(result, target):
            return report(False, "this is the target itself, not shifted.",
                          "at step i the decoder sees S_(i-1) and must predict S_i; with no "
                          "shift it would be asked to copy its input.")
        if np.allclose(result[:, 1:], expected[:, 1:]):
            return report(False, f"row 0 should be the start token S0 = {START_TOKEN.tolist()}"
                          f", not {result[0, 0].tolist()}.",
                          "S0 is a pen-down move of length zero: (0, 0, 1, 0, 0).")
        if result.shape[1] > 1 and np.allclose(result[:, :-1], target[:, 1:]):
            return report(False, "the target is shifted the wrong way (to the left).",
                          "the input lags one step behind the target: input row i is "
                          "target row i - 1.")
        return report(False, f"for {shape} some rows differ from sketchlib's decoder input.",
                      "row 0 of every sketch is S0, row i (i >= 1) is the target's row i - 1, "
                      "all five columns.")
    return report(True, "your decoder input matches batching.make_batch's, S0 and all.")



def _greedy_row(model, x, state):
    """One greedy step of ``model`` from input row ``x`` ``(5,)``: ``(row (5,), state)``."""
    output, state = model.step(ops.convert_to_tensor(np.asarray(x, "float32")[None]), state)
    row = sample_offset_and_pen(output, ops.zeros((1, 4)), 1.0, model.hps.num_mixture,
                                greedy=True)
    return ops.convert_to_numpy(row)[0], state


def _greedy_hint(model, expected, i: int, mine) -> str:
    """The likeliest mistake behind a wrong row ``i`` of a greedy drawing (rows before it right)."""
    def same(row):
        return bool(np.allclose(row, mine, atol=1e-4))

    if not np.array_equal(np.sort(mine[2:]), [0.0, 0.0, 1.0]):
        return "the pen state of a row is one-hot: 1 for the argmax of the 3 pen logits."
    if i == 0 and same(_greedy_row(model, np.zeros(5), model.initial_state(1))[0]):
        return "the first input is the start token S0 = (0, 0, 1, 0, 0), not zeros."
    if i > 0:
        state = model.initial_state(1)
        for _ in range(i + 1):  # every input S0: nothing fed back
            row, state = _greedy_row(model, START_TOKEN, state)
        if same(row):
            return "feed each row you produce back as the next input (not S0 again)."
        if same(_greedy_row(model, expected[i - 1], model.initial_state(1))[0]):
            return "carry the state returned by model.step on to the next step."
    if not np.allclose(mine[2:], expected[i, 2:]):
        return "the pen state is the argmax of the 3 pen logits (greedy: no sampling)."
    if not np.allclose(mine[:2], expected[i, :2], atol=1e-4):
        return ("the offset is the mean (mu_x, mu_y) of the component with the largest "
                "mixture weight (argmax of log_pi), not a sample.")
    return ("feed each row back as the next input, carry the state, and take the mean of the "
            "most likely component.")


def model_that_stops(rows: int = 6) -> SketchRNN:
    """A tiny decoder (LSTM 2, M = 1) set by hand so that its greedy drawing is a straight line
    that ends at row ``rows - 1``: one cell grows by the same amount at every step and the end
    logit crosses the pen-down logit between rows ``rows - 2`` and ``rows - 1``. The shipped
    sheep's greedy drawing never ends, so this is what tests the stop rule."""
    units = 2
    model = SketchRNN(HParams(conditional=False, dec_rnn_size=units, num_mixture=1))
    model({"decoder_input": np.zeros((1, 1, 5), "float32")})
    cell = model.decoder_cell
    bias = np.zeros(4 * units, "float32")
    bias[:units], bias[2 * units:] = 10.0, 10.0  # i, f, o gates open; f also gets +1
    bias[units] = 0.2  # candidate of cell 0: tanh(0.2) added at every step
    cell.kernel.assign(np.zeros(cell.kernel.shape, "float32"))
    cell.recurrent_kernel.assign(np.zeros(cell.recurrent_kernel.shape, "float32"))
    cell.bias.assign(bias)
    state, h = [np.zeros((1, units), "float32")] * 2, []
    for _ in range(rows):
        output, state = model.step(np.zeros((1, 5), "float32"), state)
        h.append(float(ops.convert_to_numpy(state[0])[0, 0]))
    threshold = (h[rows - 2] + h[rows - 1]) / 2  # row i is drawn from h after i + 1 steps
    kernel = np.zeros((units, 9), "float32")
    kernel[0, 2] = 100.0  # the end logit rises with h
    head_bias = np.array([0.0, -5.0, -100.0 * threshold,  # pen: down, lift, end
                          0.0, 0.4, 0.1, -3.0, -3.0, 0.0], "float32")  # pi, mu, log sigma, rho
    model.output_layer.kernel.assign(kernel)
    model.output_layer.bias.assign(head_bias)
    return model


def check_greedy_sketch(function, model=None) -> bool:
    """Check ``function(model, max_len) -> (n, 5)``, one greedy drawing as stroke-5 rows up to
    and including its first end row (or ``max_len`` rows), against
    :func:`sketchlib.sampling.sample_stroke5` with ``greedy=True``: on ``model`` (the shipped
    sheep when ``None``), then on :func:`model_that_stops`, whose drawing ends."""
    sheep = shipped_model() if model is None else model
    stopper = model_that_stops()
    for model, max_len in ((sheep, 1), (sheep, 3), (sheep, 60), (sheep, 250),
                           (stopper, 60), (stopper, 6), (stopper, 5)):
        where = (f"with max_len={max_len}" if model is sheep else
                 f"on a tiny model whose drawing ends at row 5, with max_len={max_len}")
        rows = sample_stroke5(model, 1, greedy=True, max_len=max_len, fast=False)[0]
        ends = np.flatnonzero(rows[:, 4] == 1)
        expected = rows[:ends[0] + 1] if len(ends) else rows
        result, problem = call_array(function, model, max_len)
        if problem:
            return report(False, f"{where}: {problem}",
                          "start from x = S0 and state = model.initial_state(1); call "
                          "model.step(x, state) max_len times at most.")
        if result.ndim == 3 and result.shape[0] == 1:
            result = result[0]
        if result.ndim != 2 or result.shape[1] != 5:
            return report(False, f"the result should be stroke-5 rows of shape (n, 5), not "
                          f"{result.shape}.", "one row (dx, dy, p1, p2, p3) per step.")
        common = min(len(result), len(expected))
        differs = np.flatnonzero(~np.all(np.isclose(result[:common], expected[:common],
                                                    atol=1e-4), axis=1))
        if len(differs):
            i = int(differs[0])
            mine, theirs = result[i], expected[i]
            hint = _greedy_hint(model, expected, i, mine)
            return report(False, f"{where} row {i} is {np.round(mine, 3)}; "
                          f"sketchlib draws {np.round(theirs, 3)}.", hint)
        if len(result) == len(expected) - 1 and len(ends):
            return report(False, f"{where} the drawing should end with its end "
                          "row (p3 = 1); yours stops just before it.",
                          "append the row with p3 = 1, then stop.")
        if len(result) > len(expected):
            return report(False, f"{where} you return {len(result)} rows; the "
                          f"drawing ends after {len(expected)}.",
                          "stop at the first row whose pen state is p3 (and never go past "
                          "max_len rows).")
        if len(result) < len(expected):
            return report(False, f"{where} you return {len(result)} rows; "
                          f"sketchlib draws {len(expected)}.",
                          "keep going until the pen's end state or max_len rows.")
    return report(True, "your greedy drawing is sketchlib's, row for row.")


def check_param_count(function) -> bool:
    """Check ``function(units, num_mixture) -> int``, the number of parameters of the
    decoder-only model, against ``SketchRNN.count_params()``."""
    cases = []
    for units, mixtures in ((256, 20), (512, 20), (128, 5), (3, 1)):
        model = SketchRNN(HParams(conditional=False, dec_rnn_size=units, num_mixture=mixtures))
        model({"decoder_input": np.zeros((1, 1, 5), "float32")})
        cases.append(Case((units, mixtures), int(model.count_params()),
                          f"for units={units}, M={mixtures}"))

    def mistakes(units, mixtures):
        lstm, head = 4 * units * (5 + units) + 4 * units, (units + 1) * (3 + 6 * mixtures)
        return {
            "the LSTM has a bias too: 4 * units numbers.": lstm + head - 4 * units,
            "the output layer has a bias too: 3 + 6M numbers.": lstm + head - (3 + 6 * mixtures),
            "both layers have biases.": lstm + head - 4 * units - (3 + 6 * mixtures),
            "an LSTM has four blocks (i, j, f, o), each units wide.": lstm // 4 + head,
            "the output has 3 pen logits as well as 6M mixture numbers.":
                lstm + units * 6 * mixtures + 6 * mixtures,
            "the input is a stroke-5 row (5 numbers); the dropout mask is not a weight.":
                lstm + head + 4 * units * units,
        }

    return check_cases(
        function, cases, mistakes=mistakes, rtol=0, atol=0,
        raised="add up the LSTM (W, b) and the output layer (W_y, b_y).",
        shape_hint="the count is one number.",
        differs=lambda case, value: f"{case.where} you count {value:,.0f}; the model has "
                                    f"{case.expected:,d}.",
        otherwise="LSTM: [x, h] (5 + units numbers) times W (4 units columns), plus 4 units "
                  "biases; output: (units + 1)(3 + 6M).",
        right="your count matches SketchRNN.count_params() for every size.")
