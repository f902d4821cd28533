"""Checks for the book's exercises: each runs a student's function on test cases, compares it
with sketchlib's own, and prints what is wrong with a hint (or that it is right).

Every check returns ``True`` when the function is right and ``False`` otherwise; it never
raises because of the student's code, so a notebook keeps running.
"""

from __future__ import annotations

import numpy as np

from . import strokes


def _report(ok: bool, what: str, hint: str = "") -> bool:
    if ok:
        print(f"Correct: {what}")
    else:
        print(f"Not yet: {what}" + (f"\nHint: {hint}" if hint else ""))
    return ok


def _call(function, *args):
    """Run the student's function; return (result, None) or (None, message)."""
    try:
        return function(*args), None
    except NotImplementedError:
        return None, "the function is not written yet (it raises NotImplementedError)."
    except Exception as error:  # the student's code may raise anything
        return None, f"the function raised {type(error).__name__}: {error}"


def _as_array(value) -> np.ndarray:
    """A student's result (NumPy array, number or backend tensor) as a float64 array."""
    from keras import ops

    try:
        return np.asarray(ops.convert_to_numpy(value), dtype=np.float64)
    except Exception:  # not a tensor: let NumPy try
        return np.asarray(value, dtype=np.float64)


def _call_array(function, *args):
    """Run the student's function and read its result as a float64 array: ``(array, None)`` or
    ``(None, message)``."""
    result, problem = _call(function, *args)
    if problem:
        return None, problem
    try:
        return _as_array(result), None
    except (TypeError, ValueError):
        return None, f"the function should return an array of numbers, got {type(result).__name__}."


def _test_sketches() -> list[np.ndarray]:
    """A few stroke-3 sketches with the awkward cases: one row, a dot, many strokes."""
    from .synthetic import synthetic_sketch

    rng = np.random.default_rng(7)
    return [np.array([[3, 4, 1]], dtype=np.int16),
            np.array([[5, 0, 0], [0, 5, 1], [2, 2, 1], [-4, 1, 0], [1, 1, 1]], dtype=np.int16),
            *[synthetic_sketch(kind, rng) for kind in ("square", "face", "star")]]


def check_stroke3_to_stroke5(function) -> bool:
    """Check ``function(sketch, max_len) -> (max_len, 5)`` against
    :func:`sketchlib.strokes.stroke3_to_stroke5`."""
    sketches = _test_sketches()
    cases = [(sketch, max_len) for sketch in sketches
             for max_len in (len(sketch), len(sketch) + 1, 250)]
    floats = sketches[-1].astype(np.float64)
    floats[:, :2] /= 7.3  # normalised offsets are floats
    cases.append((floats, 250))
    for sketch, max_len in cases:
        expected = strokes.stroke3_to_stroke5(sketch, max_len)
        result, problem = _call(function, sketch.copy(), max_len)
        if problem:
            return _report(False, problem, "start from an array of end rows (0, 0, 0, 0, 1).")
        result = np.asarray(result) if result is not None else None
        if result is None or result.shape != expected.shape:
            shape = None if result is None else result.shape
            return _report(False, f"for a sketch of {len(sketch)} rows and max_len={max_len}"
                           f" the result should have shape {expected.shape}, not {shape}.",
                           "one row per step up to max_len; 5 columns (dx, dy, p1, p2, p3).")
        n = len(sketch)
        if not np.allclose(result[:n, :2], expected[:n, :2]):
            return _report(False, "the offsets (dx, dy) of the real rows are not copied over.",
                           "columns 0 and 1 of stroke-5 are columns 0 and 1 of stroke-3.")
        if not np.allclose(result[:n, 2:], expected[:n, 2:]):
            return _report(False, "the pen state of the real rows is wrong.",
                           "p1 = 1 - p (pen stays down), p2 = p (pen lifts), p3 = 0.")
        if not np.allclose(result[n:], expected[n:]):
            return _report(False, "the padding rows after the sketch are wrong.",
                           "every row after the last point is the end row (0, 0, 0, 0, 1).")
    return _report(True, "your stroke-3 -> stroke-5 conversion matches sketchlib's.")


def check_rdp(function) -> bool:
    """Check ``function(points, epsilon) -> simplified points`` against
    :func:`sketchlib.strokes.rdp` on curves and corner cases."""
    t = np.linspace(0, 2 * np.pi, 80)
    circle = np.column_stack([30 * np.cos(t), 30 * np.sin(t)])
    circle[-1] = circle[0]  # a closed stroke: both ends are the same point
    cases = [
        (np.column_stack([np.linspace(0, 10, 11), np.zeros(11)]), 0.5, "a straight line"),
        (np.column_stack([np.linspace(0, 100, 60), 20 * np.sin(t[:60] * 2)]), 2.0, "a wave"),
        (circle, 2.0, "a closed circle"),
        (circle[:60], 0.1, "an arc, small epsilon"),
        (np.array([[0.0, 0.0], [5.0, 5.0]]), 1.0, "two points"),
    ]
    for points, epsilon, name in cases:
        expected = strokes.rdp(points, epsilon)
        result, problem = _call(function, points.copy(), epsilon)
        if problem:
            return _report(False, f"on {name}: {problem}",
                           "keep the ends, find the farthest point, and recurse on both halves.")
        result = np.asarray(result, dtype=float) if result is not None else None
        if result is None or result.ndim != 2 or result.shape[1] != 2:
            return _report(False, f"on {name} the result should be a (k, 2) array of points.")
        if not (np.allclose(result[0], points[0]) and np.allclose(result[-1], points[-1])):
            return _report(False, f"on {name} the first and last points must be kept.")
        if result.shape != expected.shape or not np.allclose(result, expected):
            if np.allclose(points[0], points[-1]):
                hint = ("when both ends are the same point, the line has no direction: "
                        "use the distance to that point instead.")
            elif len(result) > len(expected):
                hint = "a point is kept only if its distance is *greater* than epsilon."
            elif len(result) < len(expected):
                hint = ("keep splitting both halves until no point is farther than epsilon "
                        "from the line through the ends of its part.")
            else:
                hint = ("measure the distance to the infinite line through the two end "
                        "points, not to the segment between them.")
            counts = (f"you keep {len(result)} points; sketchlib keeps {len(expected)}"
                      if len(result) != len(expected) else
                      f"you keep {len(result)} points, as many as sketchlib, but not the same")
            return _report(False, f"on {name} (epsilon={epsilon}) {counts}.", hint)
    return _report(True, "your Ramer-Douglas-Peucker matches sketchlib's on every case.")


def check_scale_factor(function, sketches) -> bool:
    """Check ``function(train_sketches) -> float`` against
    :func:`sketchlib.strokes.scale_factor` on ``sketches`` (a training split)."""
    expected = strokes.scale_factor(sketches)
    result, problem = _call(function, sketches)
    if problem:
        return _report(False, problem, "pool every dx and dy of every sketch, then np.std.")
    try:
        value = float(result)
    except (TypeError, ValueError):
        return _report(False, f"the function should return one number, got {type(result)}.")
    if np.isclose(value, expected, rtol=1e-5):
        return _report(True, f"the scale factor is {value:.4f}.")
    offsets = np.concatenate([np.asarray(s, dtype=float)[:, :2] for s in sketches])
    per_axis = offsets.std(axis=0)
    if np.isclose(value, per_axis.mean(), rtol=1e-5) or np.isclose(value, per_axis[0], rtol=1e-5):
        hint = "use one number for both axes: the std of dx and dy pooled together."
    elif np.isclose(value, np.sqrt(np.mean(offsets ** 2)), rtol=1e-5):
        hint = "np.std subtracts the mean of the pooled offsets; do the same."
    else:
        hint = "include only columns 0 and 1 (not the pen), and every row of every sketch."
    return _report(False, f"you get {value:.4f}, sketchlib gets {expected:.4f}.", hint)


# ----------------------------------------------------------------------------- chapter 3
# Drawing from nothing: teacher forcing, greedy drawing, the decoder's size.

def check_decoder_input(function) -> bool:
    """Check ``function(target) -> decoder_input``: the teacher-forcing input built from a
    stroke-5 target batch ``(B, N, 5)`` (shifted right by one step, ``S0`` in front), against
    :func:`sketchlib.batching.make_batch`."""
    from .batching import START_TOKEN, make_batch

    sketches = _test_sketches()
    floats = sketches[-1].astype(np.float64)
    floats[:, :2] /= 7.3
    batches = [make_batch(sketches, max(len(s) for s in sketches)),
               make_batch([*sketches, floats], 250), make_batch(sketches[:1], 1)]
    for batch in batches:
        target = batch.target.copy()
        expected = batch.decoder_input
        shape = f"a target of shape {target.shape}"
        result, problem = _call_array(function, target)
        if problem:
            return _report(False, problem, "start from np.zeros_like(target): put S0 in row 0 of "
                           "every sketch, then the target's rows 0 .. N-2 in rows 1 .. N-1.")
        if not np.array_equal(target, batch.target):
            return _report(False, "the function changed the target it was given.",
                           "build a new array (np.zeros_like or np.concatenate) instead of "
                           "writing into the target.")
        if result.shape != expected.shape:
            hint = "the input has as many steps as the target, one sketch per row of the batch."
            if result.ndim == 3 and result.shape[1] == expected.shape[1] + 1:
                hint = ("S0 followed by the whole target has one step too many: leave out the "
                        "target's last row, which is never an input.")
            elif result.ndim == 2:
                hint = "keep the batch axis: shift along axis 1 (the steps) of every sketch."
            return _report(False, f"for {shape} the result should have shape "
                           f"{expected.shape}, not {result.shape}.", hint)
        if np.allclose(result, expected):
            continue
        if np.allclose(result, target):
            return _report(False, "this is the target itself, not shifted.",
                           "at step i the decoder sees S_(i-1) and must predict S_i; with no "
                           "shift it would be asked to copy its input, a known bug of some "
                           "ports.")
        if np.allclose(result[:, 1:], expected[:, 1:]):
            return _report(False, f"row 0 should be the start token S0 = {START_TOKEN.tolist()}"
                           f", not {result[0, 0].tolist()}.",
                           "S0 is a pen-down move of length zero: (0, 0, 1, 0, 0).")
        if result.shape[1] > 1 and np.allclose(result[:, :-1], target[:, 1:]):
            return _report(False, "the target is shifted the wrong way (to the left).",
                           "the input lags one step behind the target: input row i is "
                           "target row i - 1.")
        return _report(False, f"for {shape} some rows differ from sketchlib's decoder input.",
                       "row 0 of every sketch is S0, row i (i >= 1) is the target's row i - 1, "
                       "all five columns.")
    return _report(True, "your decoder input matches batching.make_batch's, S0 and all.")


_SHIPPED = {}


def _shipped_model(name: str = "sheep_decoder"):
    """The shipped model ``name``, loaded once."""
    if name not in _SHIPPED:
        from .pretrained import load

        _SHIPPED[name] = load(name)
    return _SHIPPED[name]


def _greedy_row(model, x, state):
    """One greedy step of ``model`` from input row ``x`` ``(5,)``: ``(row (5,), state)``."""
    from keras import ops

    from .sampling import sample_offset_and_pen

    output, state = model.step(ops.convert_to_tensor(np.asarray(x, "float32")[None]), state)
    row = sample_offset_and_pen(output, ops.zeros((1, 4)), 1.0, model.hps.num_mixture,
                                greedy=True)
    return ops.convert_to_numpy(row)[0], state


def _greedy_hint(model, expected, i: int, mine) -> str:
    """The likeliest mistake behind a wrong row ``i`` of a greedy drawing (rows before it right)."""
    from .batching import START_TOKEN

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


def check_greedy_sketch(function, model=None) -> bool:
    """Check ``function(model, max_len) -> (n, 5)``, one greedy drawing as stroke-5 rows up to
    and including its first end row (or ``max_len`` rows), against
    :func:`sketchlib.sampling.sample_stroke5` with ``greedy=True``. ``model``: the shipped
    sheep model when ``None``."""
    from .sampling import sample_stroke5

    model = _shipped_model() if model is None else model
    for max_len in (1, 3, 60, 250):
        rows = sample_stroke5(model, 1, greedy=True, max_len=max_len, fast=False)[0]
        ends = np.flatnonzero(rows[:, 4] == 1)
        expected = rows[:ends[0] + 1] if len(ends) else rows
        result, problem = _call_array(function, model, max_len)
        if problem:
            return _report(False, f"with max_len={max_len}: {problem}",
                           "start from x = S0 and state = model.initial_state(1); call "
                           "model.step(x, state) max_len times at most.")
        if result.ndim == 3 and result.shape[0] == 1:
            result = result[0]
        if result.ndim != 2 or result.shape[1] != 5:
            return _report(False, f"the result should be stroke-5 rows of shape (n, 5), not "
                           f"{result.shape}.", "one row (dx, dy, p1, p2, p3) per step.")
        common = min(len(result), len(expected))
        differs = np.flatnonzero(~np.all(np.isclose(result[:common], expected[:common],
                                                    atol=1e-4), axis=1))
        if len(differs):
            i = int(differs[0])
            mine, theirs = result[i], expected[i]
            hint = _greedy_hint(model, expected, i, mine)
            return _report(False, f"with max_len={max_len} row {i} is {np.round(mine, 3)}; "
                           f"sketchlib draws {np.round(theirs, 3)}.", hint)
        if len(result) == len(expected) - 1 and len(ends):
            return _report(False, f"with max_len={max_len} the drawing should end with its end "
                           "row (p3 = 1); yours stops just before it.",
                           "append the row with p3 = 1, then stop.")
        if len(result) > len(expected):
            return _report(False, f"with max_len={max_len} you return {len(result)} rows; the "
                           f"drawing ends after {len(expected)}.",
                           "stop at the first row whose pen state is p3 (and never go past "
                           "max_len rows).")
        if len(result) < len(expected):
            return _report(False, f"with max_len={max_len} you return {len(result)} rows; "
                           f"sketchlib draws {len(expected)}.",
                           "keep going until the pen's end state or max_len rows.")
    return _report(True, "your greedy drawing is sketchlib's, row for row.")


def check_param_count(function) -> bool:
    """Check ``function(units, num_mixture) -> int``, the number of parameters of the
    decoder-only model, against ``SketchRNN.count_params()``."""
    from .hparams import HParams
    from .model import SketchRNN

    for units, mixtures in ((256, 20), (512, 20), (128, 5), (3, 1)):
        model = SketchRNN(HParams(conditional=False, dec_rnn_size=units, num_mixture=mixtures))
        model({"decoder_input": np.zeros((1, 1, 5), "float32")})
        expected = int(model.count_params())
        result, problem = _call(function, units, mixtures)
        if problem:
            return _report(False, problem, "add up the LSTM (W, b) and the output layer "
                           "(W_y, b_y).")
        try:
            value = int(result)
        except (TypeError, ValueError):
            return _report(False, f"the function should return a number, got {type(result)}.")
        if value == expected:
            continue
        lstm, head = 4 * units * (5 + units) + 4 * units, (units + 1) * (3 + 6 * mixtures)
        guesses = {
            lstm + head - 4 * units: "the LSTM has a bias too: 4 * units numbers.",
            lstm + head - (3 + 6 * mixtures): "the output layer has a bias too: 3 + 6M numbers.",
            lstm + head - 4 * units - (3 + 6 * mixtures): "both layers have biases.",
            lstm // 4 + head: "an LSTM has four blocks (i, j, f, o), each units wide.",
            lstm + units * 6 * mixtures + 6 * mixtures: "the output has 3 pen logits as well "
                                                        "as 6M mixture numbers.",
            lstm + head + 4 * units * units: "the input is a stroke-5 row (5 numbers); the "
                                             "dropout mask is not a weight.",
        }
        hint = guesses.get(value, "LSTM: [x, h] (5 + units numbers) times W (4 units columns), "
                                  "plus 4 units biases; output: (units + 1)(3 + 6M).")
        return _report(False, f"for units={units}, M={mixtures} you count {value:,d}; the model "
                       f"has {expected:,d}.", hint)
    return _report(True, "your count matches SketchRNN.count_params() for every size.")


# ----------------------------------------------------------------------------- chapter 2:
# the mixture density output (the bivariate normal, the masked offset loss, one sampled step)


def _as_log_sigma(x, y, mu_x, mu_y, log_sigma_x, log_sigma_y, rho):
    """The log-density computed as if the sigmas were log-sigmas (a typical mistake)."""
    zx, zy = (x - mu_x) * np.exp(-log_sigma_x), (y - mu_y) * np.exp(-log_sigma_y)
    omr = 1.0 - rho ** 2
    z = zx ** 2 + zy ** 2 - 2.0 * rho * zx * zy
    return (-np.log(2 * np.pi) - log_sigma_x - log_sigma_y - 0.5 * np.log(omr)
            - z / (2 * omr))


def _log_density_mistakes(x, y, mu_x, mu_y, sigma_x, sigma_y, rho) -> dict:
    """Typical wrong versions of the bivariate normal log-density, each with its hint."""
    zx, zy = (x - mu_x) / sigma_x, (y - mu_y) / sigma_y
    omr = 1.0 - rho ** 2
    z = zx ** 2 + zy ** 2 - 2.0 * rho * zx * zy
    right = -np.log(2 * np.pi) - np.log(sigma_x) - np.log(sigma_y) - 0.5 * np.log(omr)
    with np.errstate(all="ignore"):
        return {
            "you return the density itself; return its logarithm (and compute the log "
            "directly, never log(exp(...))).": np.exp(right - z / (2 * omr)),
            "the normaliser is 2 pi sigma_x sigma_y sqrt(1 - rho^2): the sqrt(1 - rho^2) "
            "is missing (it adds -0.5 log(1 - rho^2)).":
                right + 0.5 * np.log(omr) - z / (2 * omr),
            "the normaliser has sqrt(1 - rho^2), not (1 - rho^2): its log is "
            "0.5 log(1 - rho^2).": right - 0.5 * np.log(omr) - z / (2 * omr),
            "the factor 2 pi of the normaliser is missing: subtract log(2 pi).":
                right + np.log(2 * np.pi) - z / (2 * omr),
            "the normaliser has 2 pi, not pi: subtract log(2 pi).":
                right + np.log(2.0) - z / (2 * omr),
            "subtract log(sigma_x) + log(sigma_y), not sigma_x + sigma_y: this function gets "
            "the standard deviations themselves, not their logs.":
                right + np.log(sigma_x) + np.log(sigma_y) - sigma_x - sigma_y - z / (2 * omr),
            "the arguments are standard deviations sigma, not log sigma: divide by sigma and "
            "subtract log(sigma).": _as_log_sigma(x, y, mu_x, mu_y, sigma_x, sigma_y, rho),
            "divide Z by 2 (1 - rho^2), not by 2: the correlation also widens the exponent.":
                right - z / 2,
            "the exponent is -Z / (2 (1 - rho^2)): the factor 1/2 is missing.": right - z / omr,
            "the cross term of Z is -2 rho zx zy (a minus sign).":
                right - (zx ** 2 + zy ** 2 + 2.0 * rho * zx * zy) / (2 * omr),
            "standardise with the standard deviation: zx = (x - mu_x) / sigma_x, not divided "
            "by the variance.":
                right - (((x - mu_x) / sigma_x ** 2) ** 2 + ((y - mu_y) / sigma_y ** 2) ** 2
                         - 2.0 * rho * (x - mu_x) * (y - mu_y) / (sigma_x * sigma_y) ** 2)
                / (2 * omr),
        }


def check_log_density(function) -> bool:
    """Check ``function(x, y, mu_x, mu_y, sigma_x, sigma_y, rho) -> log N(x, y)`` (element-wise
    on NumPy arrays; sigmas are standard deviations, not logs) against
    :func:`sketchlib.mdn.bivariate_normal_log_density`, on random and extreme parameters."""
    from keras import ops

    from . import mdn

    rng = np.random.default_rng(11)
    n = 200
    sign = rng.choice([-1.0, 1.0], n)
    cases = {
        "random parameters": dict(
            x=rng.normal(0, 2, n), y=rng.normal(0, 2, n),
            mu_x=rng.normal(0, 1, n), mu_y=rng.normal(0, 1, n),
            sigma_x=np.exp(rng.uniform(-2, 1, n)), sigma_y=np.exp(rng.uniform(-2, 1, n)),
            rho=rng.uniform(-0.9, 0.9, n)),
        "extreme parameters (tiny sigmas, rho close to +-1, far points)": dict(
            x=rng.normal(0, 10, n), y=rng.normal(0, 10, n),
            mu_x=rng.normal(0, 1, n), mu_y=rng.normal(0, 1, n),
            sigma_x=np.exp(rng.uniform(-9, -3, n)), sigma_y=np.exp(rng.uniform(-9, 3, n)),
            rho=sign * (1.0 - 10.0 ** rng.uniform(-5, -2, n))),
    }
    for name, case in cases.items():
        args = [case[k] for k in ("x", "y", "mu_x", "mu_y", "sigma_x", "sigma_y", "rho")]
        expected = np.asarray(ops.convert_to_numpy(mdn.bivariate_normal_log_density(
            case["x"], case["y"], case["mu_x"], case["mu_y"], np.log(case["sigma_x"]),
            np.log(case["sigma_y"]), case["rho"])), dtype=np.float64)
        result, problem = _call_array(function, *[a.copy() for a in args])
        if problem:
            return _report(False, problem, "start from zx = (x - mu_x) / sigma_x and "
                           "zy = (y - mu_y) / sigma_y, then follow the formula in log form.")
        if result.shape != expected.shape:
            return _report(False, f"for {n} points the result should have shape "
                           f"{expected.shape}, not {result.shape}.",
                           "compute element-wise with NumPy; do not sum or average.")
        if np.allclose(result, expected, rtol=1e-6, atol=1e-6):
            continue
        mistakes = _log_density_mistakes(*args)
        with np.errstate(all="ignore"):
            for hint, wrong in mistakes.items():
                if wrong is not None and np.allclose(result, wrong, rtol=1e-6, atol=1e-6,
                                                     equal_nan=True):
                    return _report(False, f"on {name} your values differ from sketchlib's.",
                                   hint)
        if not np.all(np.isfinite(result)):
            return _report(False, f"on {name} you get inf or NaN where sketchlib's value is "
                           "finite.", "stay in log space: never compute exp(-Z / ...) and "
                           "then its log; with tiny sigmas the exponential underflows to 0.")
        worst = int(np.argmax(np.abs(result - expected)))
        return _report(False, f"on {name} your values differ from sketchlib's (for example "
                       f"{result[worst]:.4g} instead of {expected[worst]:.4g}).",
                       "log N = -log(2 pi) - log sigma_x - log sigma_y - 0.5 log(1 - rho^2) "
                       "- Z / (2 (1 - rho^2)), Z = zx^2 + zy^2 - 2 rho zx zy.")
    return _report(True, "your bivariate normal log-density matches sketchlib's, extreme "
                   "parameters included.")


def _loss_test_cases():
    """Batches for the loss check: ``(name, target, output, num_mixture, max_seq_len)``,
    padded sketches of different lengths and random raw outputs."""
    from .batching import make_batch
    from .synthetic import CLASSES, synthetic_sketch

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
        cases.append((name, batch.target, output, m, max_seq_len, batch.lengths))
    return cases


def check_offset_loss(function) -> bool:
    """Check ``function(target, output, num_mixture, max_seq_len) -> L_s`` against the first
    element of :func:`sketchlib.mdn.reconstruction_loss`."""
    from keras import ops

    from . import mdn

    for name, target, output, m, max_seq_len, lengths in _loss_test_cases():
        expected = float(ops.convert_to_numpy(
            mdn.reconstruction_loss(target, output, m, max_seq_len)[0]))
        result, problem = _call(function, target.copy(), output.copy(), m, max_seq_len)
        if problem:
            return _report(False, problem, "split the output with mdn.split_output, get the "
                           "log-likelihood of every step with mdn.offset_log_likelihood, then "
                           "mask, sum and divide.")
        try:
            value = float(_as_array(result))
        except (TypeError, ValueError):
            return _report(False, "the function should return one number (a scalar).",
                           "sum over the steps, divide by max_seq_len, average over the batch.")
        if np.isclose(value, expected, rtol=1e-4, atol=1e-6):
            continue
        params = mdn.split_output(output, m)
        nll = -np.asarray(ops.convert_to_numpy(
            mdn.offset_log_likelihood(target[..., 0], target[..., 1], params)), np.float64)
        mask = 1.0 - target[..., 4]
        steps = target.shape[1]
        mistakes = [
            (-expected, "the loss is the *negative* log-likelihood: a good fit gives a low "
                        "loss."),
            (np.mean(nll.sum(axis=1)) / max_seq_len,
             "mask the steps after the end of each sketch: multiply by 1 - p3 (the target's "
             "last column) before summing."),
            (np.mean((nll * (1.0 - target[..., 3])).sum(axis=1)) / max_seq_len,
             "the mask is 1 - p3, the 'drawing has ended' column (index 4); p2 (index 3) is a "
             "pen lift inside the drawing."),
            (np.mean((nll * target[..., 2]).sum(axis=1)) / max_seq_len,
             "the mask is 1 - p3: every step before the end counts, the pen-up steps (p2) too."),
            (np.mean((nll * mask).sum(axis=1) / lengths),
             "divide by max_seq_len, the same number for every sketch, not by each sketch's "
             "length."),
            (np.mean((nll * mask).sum(axis=1)) / steps,
             "divide by max_seq_len, not by the number of steps of this batch (a batch "
             "grouped by length is padded to fewer steps)."),
            ((nll * mask).sum() / mask.sum(),
             "divide by max_seq_len, not by the number of real steps."),
            ((nll * mask).sum() / max_seq_len,
             "average over the sketches of the batch (a mean, not a sum)."),
        ]
        for wrong, hint in mistakes:
            if np.isclose(value, wrong, rtol=1e-4, atol=1e-6):
                return _report(False, f"on {name} you get {value:.5f}, sketchlib gets "
                               f"{expected:.5f}.", hint)
        return _report(False, f"on {name} you get {value:.5f}, sketchlib gets {expected:.5f}.",
                       "L_s = mean over sketches of sum over steps of -log p(dx, dy) * (1 - p3),"
                       " divided by max_seq_len.")
    return _report(True, "your offset loss matches sketchlib's reconstruction_loss.")


def _sample_step_variant(output, noise, temperature, m, pen_tau=True, mix_tau=True,
                         sigma="tau", correlated=True, swap=False, greedy_pen=False):
    """sample_offset_and_pen written out in NumPy, with switches for typical mistakes."""
    from keras import ops

    from . import mdn

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


def check_sample_step(function) -> bool:
    """Check ``function(output, noise, temperature, num_mixture) -> (B, 5)`` stroke-5 rows
    against :func:`sketchlib.sampling.sample_offset_and_pen` (not greedy)."""
    from keras import ops

    from . import sampling

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
        result, problem = _call_array(function, output.copy(), noise.copy(), temperature, m)
        if problem:
            return _report(False, problem, "get the parameters with mdn.split_output; pick "
                           "the pen state with noise[:, 0] and the component with noise[:, 1] "
                           "(inverse CDF); build the offset from noise[:, 2:].")
        if result.shape != expected.shape:
            return _report(False, f"the result should have shape {expected.shape}, not "
                           f"{result.shape}.", "one stroke-5 row (dx, dy, p1, p2, p3) per "
                           "sketch of the batch, the pen state one-hot.")
        pen_ok = np.array_equal(result[:, 2:], expected[:, 2:])
        offsets_ok = np.allclose(result[:, :2], expected[:, :2], rtol=1e-4, atol=1e-4)
        if pen_ok and offsets_ok:
            continue
        at = f"at temperature {temperature}"
        if not pen_ok:
            pen_mistakes = [
                (dict(pen_tau=False), "divide the pen logits by the temperature before the "
                                      "softmax."),
                (dict(greedy_pen=True), "draw the pen state at random with the uniform "
                                        "noise[:, 0] (inverse CDF), do not take the argmax."),
                (dict(swap=True), "noise[:, 0] picks the pen state and noise[:, 1] the "
                                  "mixture component."),
            ]
            for flags, hint in pen_mistakes:
                wrong = _sample_step_variant(output, noise, temperature, m, **flags)
                if np.array_equal(result[:, 2:], wrong[:, 2:]):
                    return _report(False, f"{at} the pen states differ from sketchlib's.", hint)
            return _report(False, f"{at} the pen states differ from sketchlib's.",
                           "q = softmax(pen_logits / tau); the state is the number of "
                           "entries of cumsum(q) below noise[:, 0]; return it one-hot.")
        offset_mistakes = [
            (dict(mix_tau=False), "divide the mixture logits (log_pi) by the temperature "
                                  "before the softmax, as for the pen."),
            (dict(swap=True), "noise[:, 0] picks the pen state and noise[:, 1] the mixture "
                              "component."),
            (dict(sigma="sqrt"), "sketchlib follows Magenta's Python code: multiply sigma by "
                                 "tau, not by sqrt(tau) (the browser library's convention)."),
            (dict(sigma="none"), "multiply the chosen component's sigmas by the temperature."),
            (dict(correlated=False), "dy must be correlated with dx: "
                                     "dy = mu_y + sigma_y (rho n1 + sqrt(1 - rho^2) n2)."),
        ]
        for flags, hint in offset_mistakes:
            wrong = _sample_step_variant(output, noise, temperature, m, **flags)
            if np.allclose(result[:, :2], wrong[:, :2], rtol=1e-4, atol=1e-4):
                return _report(False, f"{at} the offsets differ from sketchlib's.", hint)
        return _report(False, f"{at} the offsets differ from sketchlib's.",
                       "pick component k with noise[:, 1], then dx = mu_x + tau sigma_x n1 and "
                       "dy = mu_y + tau sigma_y (rho n1 + sqrt(1 - rho^2) n2), "
                       "with n1, n2 = noise[:, 2], noise[:, 3].")
    return _report(True, "your sampling step draws exactly what sketchlib's draws, at every "
                   "temperature.")
