"""The exercise checks accept sketchlib's own functions and reject typical mistakes with the
right hint."""

import numpy as np

from sketchlib import exercises, strokes
from sketchlib.synthetic import synthetic_splits


def test_checks_accept_correct_functions(capsys):
    train = synthetic_splits(20, 0, 0, seed=3)["train"]
    assert exercises.check_stroke3_to_stroke5(strokes.stroke3_to_stroke5)
    assert exercises.check_rdp(strokes.rdp)
    assert exercises.check_scale_factor(strokes.scale_factor, train)
    assert capsys.readouterr().out.count("Correct:") == 3


def test_unwritten_function_is_reported_not_raised(capsys):
    def unwritten(*args):
        raise NotImplementedError

    assert not exercises.check_stroke3_to_stroke5(unwritten)
    assert not exercises.check_rdp(unwritten)
    assert not exercises.check_scale_factor(unwritten, [np.array([[1, 2, 1]])])
    out = capsys.readouterr().out
    assert out.count("not written yet") == 3 and out.count("Hint:") == 3


def test_stroke5_check_names_the_mistake(capsys):
    def swapped_pens(sketch, max_len):
        result = strokes.stroke3_to_stroke5(sketch, max_len)
        result[:len(sketch), [2, 3]] = result[:len(sketch), [3, 2]]
        return result

    def no_padding(sketch, max_len):
        return strokes.stroke3_to_stroke5(sketch, max_len)[:len(sketch)]

    def zero_padding(sketch, max_len):
        result = strokes.stroke3_to_stroke5(sketch, max_len)
        result[len(sketch):] = 0
        return result

    assert not exercises.check_stroke3_to_stroke5(swapped_pens)
    assert "pen state" in capsys.readouterr().out
    assert not exercises.check_stroke3_to_stroke5(no_padding)
    assert "shape" in capsys.readouterr().out
    assert not exercises.check_stroke3_to_stroke5(zero_padding)
    assert "(0, 0, 0, 0, 1)" in capsys.readouterr().out


def split_point_twice(points, epsilon):
    """RDP whose halves both keep the split point (a typical mistake)."""
    points = np.asarray(points, dtype=float)
    if len(points) < 3:
        return points
    start, end = points[0], points[-1]
    direction = end - start
    if np.allclose(direction, 0):
        distances = np.linalg.norm(points - start, axis=1)
    else:
        rel = points - start
        distances = (np.abs(direction[0] * rel[:, 1] - direction[1] * rel[:, 0])
                     / np.linalg.norm(direction))
    i = int(np.argmax(distances))
    if distances[i] <= epsilon:
        return points[[0, -1]]
    return np.concatenate([split_point_twice(points[:i + 1], epsilon),
                           split_point_twice(points[i:], epsilon)])


def test_rdp_check_names_the_mistake(capsys):
    def keeps_everything(points, epsilon):
        return np.asarray(points)

    def ignores_closed_strokes(points, epsilon):
        points = np.asarray(points, dtype=float)
        if np.allclose(points[0], points[-1]):
            return points[[0, -1]]
        return strokes.rdp(points, epsilon)

    assert not exercises.check_rdp(keeps_everything)
    assert "sketchlib keeps 2" in capsys.readouterr().out
    assert not exercises.check_rdp(ignores_closed_strokes)
    assert "both ends are the same point" in capsys.readouterr().out
    assert not exercises.check_rdp(split_point_twice)
    out = capsys.readouterr().out
    assert "keep it once" in out and "greater" not in out


def test_scale_factor_check_names_the_mistake(capsys):
    train = synthetic_splits(20, 0, 0, seed=3)["train"]

    def per_axis(sketches):
        return np.concatenate([s[:, :2] for s in sketches]).astype(float).std(axis=0).mean()

    def with_pen(sketches):
        return np.concatenate([s.ravel() for s in sketches]).astype(float).std()

    assert not exercises.check_scale_factor(per_axis, train)
    assert "one number for both axes" in capsys.readouterr().out
    assert not exercises.check_scale_factor(with_pen, train)
    assert "not the pen" in capsys.readouterr().out


def test_chapter_solutions_pass_their_checks(capsys):
    """Every python block inside a {solution} directive of a chapter passes its check."""
    import json
    import re
    from pathlib import Path

    namespace = {"np": np, "exercises": exercises, "strokes": strokes,
                 "raw_sheep": synthetic_splits(30, 0, 0, seed=5)}
    root = Path(__file__).resolve().parents[1]
    chapters = sorted((root / "chapters").glob("*.ipynb"))
    solutions = 0
    for chapter in chapters:
        for cell in json.loads(chapter.read_text())["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] != "markdown" or "{solution}" not in text:
                continue
            for code in re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL):
                exec(code, namespace)
                out = capsys.readouterr().out
                assert "Not yet" not in out, f"{chapter.name}: a solution fails its check:\n{out}"
                solutions += "Correct:" in out
    assert solutions == len(exercises.__all__)  # every check has a solution that passes it


# ----------------------------------------------------------------------------- chapter 2

def log_density(x, y, mu_x, mu_y, sigma_x, sigma_y, rho, half=True):
    """The chapter's solution; ``half=False`` forgets the 1/2 of the exponent."""
    ux, uy = (x - mu_x) / sigma_x, (y - mu_y) / sigma_y
    omr = 1 - rho ** 2
    q = ux ** 2 + uy ** 2 - 2 * rho * ux * uy
    return (-np.log(2 * np.pi) - np.log(sigma_x) - np.log(sigma_y) - 0.5 * np.log(omr)
            - q / ((2 if half else 1) * omr))


def test_log_density_check_names_the_mistake(capsys):
    assert exercises.check_log_density(log_density)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_log_density(lambda *a: np.exp(log_density(*a)))
    assert "return its logarithm" in capsys.readouterr().out
    assert not exercises.check_log_density(lambda *a: log_density(*a, half=False))
    assert "factor 1/2 is missing" in capsys.readouterr().out


def offset_loss(target, output, num_mixture, max_seq_len, masked=True, per_length=False):
    """The chapter's solution, and two typical mistakes."""
    from sketchlib import mdn

    params = mdn.split_output(output, num_mixture)
    nll = -np.asarray(mdn.offset_log_likelihood(target[..., 0], target[..., 1], params))
    mask = 1.0 - target[..., 4] if masked else np.ones(target.shape[:2])
    total = (nll * mask).sum(axis=1)
    return float(np.mean(total / (mask.sum(axis=1) if per_length else max_seq_len)))


def test_offset_loss_check_names_the_mistake(capsys):
    assert exercises.check_offset_loss(offset_loss)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_offset_loss(
        lambda *a: offset_loss(*a, masked=False))
    assert "mask the steps after the end" in capsys.readouterr().out
    assert not exercises.check_offset_loss(lambda *a: offset_loss(*a, per_length=True))
    assert "not by each sketch's length" in capsys.readouterr().out


def sample_step(output, noise, temperature, num_mixture, sigma_scale=None, pen_tau=True):
    """The chapter's solution; ``sigma_scale`` replaces tau on the sigmas, ``pen_tau=False``
    leaves the pen logits untempered."""
    from sketchlib import mdn

    params = mdn.split_output(output, num_mixture)
    pen_logits, log_pi, mu_x, mu_y, log_sx, log_sy, rho = (
        np.asarray(v, dtype=np.float64) for v in params)

    def pick(logits, uniform, tau):
        logits = logits / tau
        probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        return np.minimum((np.cumsum(probs, axis=-1) < uniform[:, None]).sum(axis=-1),
                          probs.shape[-1] - 1)

    pen = pick(pen_logits, noise[:, 0], temperature if pen_tau else 1.0)
    k = pick(log_pi, noise[:, 1], temperature)
    rows = np.arange(len(k))
    scale = temperature if sigma_scale is None else sigma_scale(temperature)
    sx, sy, r = np.exp(log_sx[rows, k]) * scale, np.exp(log_sy[rows, k]) * scale, rho[rows, k]
    dx = mu_x[rows, k] + sx * noise[:, 2]
    dy = mu_y[rows, k] + sy * (r * noise[:, 2] + np.sqrt(1 - r ** 2) * noise[:, 3])
    return np.column_stack([dx, dy, np.eye(3)[pen]])


def test_sample_step_check_names_the_mistake(capsys):
    assert exercises.check_sample_step(sample_step)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_sample_step(lambda *a: sample_step(*a, sigma_scale=np.sqrt))
    out = capsys.readouterr().out
    assert "offsets differ" in out and "not by sqrt(tau)" in out
    assert not exercises.check_sample_step(lambda *a: sample_step(*a, pen_tau=False))
    out = capsys.readouterr().out
    assert "pen states differ" in out and "divide the pen logits" in out


# ----------------------------------------------------------------------------- chapter 3

def test_decoder_input_check_names_the_mistake(capsys):
    from sketchlib.batching import START_TOKEN

    def shifted(target, start=START_TOKEN):
        front = np.tile(start, (len(target), 1, 1))
        return np.concatenate([front, np.asarray(target)[:, :-1]], axis=1)

    assert exercises.check_decoder_input(shifted)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_decoder_input(lambda target: np.array(target))
    assert "not shifted" in capsys.readouterr().out
    assert not exercises.check_decoder_input(lambda t: shifted(t, start=np.zeros(5)))
    assert "start token S0" in capsys.readouterr().out
    assert not exercises.check_decoder_input(
        lambda t: np.concatenate([np.tile(START_TOKEN, (len(t), 1, 1)), t], axis=1))
    assert "one step too many" in capsys.readouterr().out


def greedy_sketch(model, max_len, stop_at=4, feed_back=True):
    """The chapter's solution; ``stop_at=None`` never stops, ``stop_at=3`` stops at a pen
    lift, ``feed_back=False`` feeds S0 at every step."""
    from keras import ops

    from sketchlib import mdn
    from sketchlib.batching import START_TOKEN

    x, state, rows = START_TOKEN[None], model.initial_state(1), []
    for _ in range(max_len):
        output, state = model.step(x, state)
        pen_logits, log_pi, mu_x, mu_y = [ops.convert_to_numpy(v)[0] for v in
                                          mdn.split_output(output, model.hps.num_mixture)][:4]
        best = np.argmax(log_pi)
        row = np.zeros(5, dtype="float32")
        row[:2] = mu_x[best], mu_y[best]
        row[2 + np.argmax(pen_logits)] = 1
        rows.append(row)
        if stop_at is not None and row[stop_at] == 1:
            break
        x = row[None] if feed_back else START_TOKEN[None]
    return np.array(rows)


def test_model_that_stops_ends_its_greedy_drawing_at_row_5():
    from sketchlib.exercises.chapter3 import model_that_stops
    from sketchlib.sampling import sample_stroke5

    rows = sample_stroke5(model_that_stops(), 1, greedy=True, max_len=60, fast=False)[0]
    assert np.flatnonzero(rows[:, 4] == 1)[0] == 5
    assert np.all(rows[:5, 2] == 1)  # pen down until then


def test_greedy_check_tests_the_stop_rule(capsys):
    assert exercises.check_greedy_sketch(greedy_sketch)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_greedy_sketch(lambda m, n: greedy_sketch(m, n, stop_at=None))
    out = capsys.readouterr().out
    assert "tiny model whose drawing ends" in out and "you return 60 rows" in out
    assert not exercises.check_greedy_sketch(lambda m, n: greedy_sketch(m, n, feed_back=False))
    assert "feed each row you produce back" in capsys.readouterr().out


def test_param_count_check_names_the_mistake(capsys):
    def count(units, m, lstm_bias=True):
        return 4 * units * (5 + units) + 4 * units * lstm_bias + (units + 1) * (3 + 6 * m)

    assert exercises.check_param_count(count)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_param_count(lambda u, m: count(u, m, lstm_bias=False))
    assert "the LSTM has a bias too" in capsys.readouterr().out


# ----------------------------------------------------------------------------- chapter 4

def test_reparameterize_check_names_the_mistake(capsys):
    assert exercises.check_reparameterize(lambda mu, s, e: mu + np.exp(s / 2) * e)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_reparameterize(lambda mu, s, e: mu + np.exp(s) * e)
    assert "not exp(sigma_hat)" in capsys.readouterr().out
    assert not exercises.check_reparameterize(lambda mu, s, e: mu + s * e)
    assert "its log-variance" in capsys.readouterr().out


def kl(mu, sigma_hat, reduce=np.mean):
    """The chapter's solution; ``reduce`` over the z dimensions (the mean, or a sum)."""
    terms = -0.5 * (1 + sigma_hat - mu ** 2 - np.exp(sigma_hat))
    return float(np.mean(reduce(terms, axis=1)))


def test_kl_check_names_the_mistake(capsys):
    assert exercises.check_kl(kl)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_kl(lambda mu, s: kl(mu, s, reduce=np.sum))
    assert "you summed over them" in capsys.readouterr().out
    assert not exercises.check_kl(lambda mu, s: -kl(mu, s))
    assert "the sign is wrong" in capsys.readouterr().out
    assert not exercises.check_kl(lambda mu, s: 2 * kl(mu, s))
    assert "the factor -1/2 is missing" in capsys.readouterr().out
    assert not exercises.check_kl(lambda mu, s: np.mean(kl(mu, s)) * np.ones(3))
    assert "one number" in capsys.readouterr().out


def slerp(a, b, t):
    """The chapter's solution."""
    omega = np.arccos(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def test_slerp_check_names_the_mistake(capsys):
    assert exercises.check_slerp(slerp)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_slerp(lambda a, b, t: (1 - t) * a + t * b)
    assert "straight line (lerp)" in capsys.readouterr().out
    assert not exercises.check_slerp(lambda a, b, t: slerp(b, a, t))
    assert "ends are swapped" in capsys.readouterr().out
    unnormalised = lambda a, b, t: (np.sin((1 - t) * np.arccos(a @ b / np.linalg.norm(a)
                                   / np.linalg.norm(b))) * a + np.sin(t * np.arccos(
                                   a @ b / np.linalg.norm(a) / np.linalg.norm(b))) * b)
    assert not exercises.check_slerp(unnormalised)
    assert "normalises both weights" in capsys.readouterr().out


# ----------------------------------------------------------------------------- chapter 5

def kl_schedule(step, w, w0, rate):
    """The chapter's solution."""
    return w - (w - w0) * rate ** step


def test_kl_schedule_check_names_the_mistake(capsys):
    assert exercises.check_kl_schedule(kl_schedule)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_kl_schedule(lambda t, w, w0, r: w - (w - w0) * r)
    assert "the exponent is missing" in capsys.readouterr().out
    assert not exercises.check_kl_schedule(lambda t, w, w0, r: w - (w - w0) * r ** (t + 1))
    assert "not t + 1" in capsys.readouterr().out
    assert not exercises.check_kl_schedule(lambda t, w, w0, r: w * (1 - (1 - w0) * r ** t))
    assert "the paper's form" in capsys.readouterr().out
    assert not exercises.check_kl_schedule(lambda t, w, w0, r: w * (1 - r ** t))
    assert "at step 0 the weight is kl_weight_start" in capsys.readouterr().out
    assert not exercises.check_kl_schedule(lambda t, w, w0, r: np.full(2, w))
    assert "one number" in capsys.readouterr().out


def fraction_step(fraction, w, w0, rate, clamp=True):
    """The chapter's solution; ``clamp=False`` forgets that a weight already there is there
    at step 0."""
    step = np.log(w * (1 - fraction) / (w - w0)) / np.log(rate)
    return max(0.0, step) if clamp else step


def test_fraction_step_check_names_the_mistake(capsys):
    assert exercises.check_fraction_step(fraction_step)
    assert exercises.check_fraction_step(lambda *a: int(np.ceil(fraction_step(*a))))
    assert capsys.readouterr().out.count("Correct:") == 2
    assert not exercises.check_fraction_step(lambda f, w, w0, r: np.log(1 - f) / np.log(r))
    assert "the way from w_start to w" in capsys.readouterr().out
    assert not exercises.check_fraction_step(lambda *a: -fraction_step(*a))
    assert "a positive number" in capsys.readouterr().out
    assert not exercises.check_fraction_step(lambda f, w, w0, r: fraction_step(1 - f, w, w0, r))
    assert "the fraction left is 1 - fraction" in capsys.readouterr().out
    assert not exercises.check_fraction_step(lambda *a: fraction_step(*a, clamp=False))
    assert "at step 0" in capsys.readouterr().out


def test_chapter_5_states_the_step_its_solution_prints():
    """The fraction-step solution's prose gives the number its code prints."""
    import json
    from pathlib import Path

    chapter = Path(__file__).resolve().parents[1] / "chapters" / "05_kl_annealing.ipynb"
    text = "".join("".join(c["source"]) for c in json.loads(chapter.read_text())["cells"])
    assert f"at step {fraction_step(0.9, 0.5, 0.01, 0.99995):,.0f}, more than" in text


def test_free_bits_check_names_the_mistake(capsys):
    assert exercises.check_free_bits(np.maximum)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_free_bits(np.minimum)
    assert "a lower bound" in capsys.readouterr().out
    assert not exercises.check_free_bits(lambda kl, tol: np.maximum(kl - tol, 0))
    assert "the same gradient" in capsys.readouterr().out
    assert not exercises.check_free_bits(lambda kl, tol: np.where(kl > tol, kl, 0.0))
    assert "not zero" in capsys.readouterr().out
    assert not exercises.check_free_bits(lambda kl, tol: max(kl.mean(), tol))
    assert "one term per KL value" in capsys.readouterr().out


# ----------------------------------------------------------------------------- chapter 6

def gate_layer_norm(x, gain, shift, blocks=4, epsilon=1e-3, ddof=0):
    parts = x.reshape(len(x), blocks, -1)
    normal = (parts - parts.mean(-1, keepdims=True)) / np.sqrt(
        parts.var(-1, ddof=ddof, keepdims=True) + epsilon)
    return normal.reshape(x.shape) * gain + shift


def test_layer_norm_check_names_the_mistake(capsys):
    assert exercises.check_layer_norm(gate_layer_norm)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_layer_norm(lambda x, g, b: gate_layer_norm(x, g, b, blocks=1))
    assert "normalise the four blocks" in capsys.readouterr().out
    assert not exercises.check_layer_norm(lambda x, g, b: gate_layer_norm(x, g, b, ddof=1))
    assert "ddof 0" in capsys.readouterr().out
    assert not exercises.check_layer_norm(lambda x, g, b: gate_layer_norm(x, g, b, epsilon=0))
    assert "add epsilon" in capsys.readouterr().out
    assert not exercises.check_layer_norm(lambda x, g, b: gate_layer_norm(x, 1.0, 0.0))
    assert "scale by gain" in capsys.readouterr().out
    assert not exercises.check_layer_norm(lambda x, g, b: (x - x.mean(0)) / np.sqrt(
        x.var(0) + 1e-3) * g + b)
    assert "not over the batch" in capsys.readouterr().out
    assert not exercises.check_layer_norm(lambda x, g, b: gate_layer_norm(x, g, b)[:, :4])
    assert "the shape of x" in capsys.readouterr().out

    def epsilon_outside(x, g, b):
        parts = x.reshape(len(x), 4, -1)
        normal = (parts - parts.mean(-1, keepdims=True)) / (parts.std(-1, keepdims=True) + 1e-3)
        return normal.reshape(x.shape) * g + b

    assert not exercises.check_layer_norm(epsilon_outside)
    assert "inside the square root" in capsys.readouterr().out

    def units_by_four(x, g, b):  # x.reshape(batch, u, 4): each "block" one unit of each gate
        parts = x.reshape(len(x), -1, 4)
        normal = (parts - parts.mean(-1, keepdims=True)) / np.sqrt(
            parts.var(-1, keepdims=True) + 1e-3)
        return normal.reshape(x.shape) * g + b

    assert not exercises.check_layer_norm(units_by_four)
    assert "the blocks are consecutive" in capsys.readouterr().out

    def across_blocks(x, g, b):
        parts = x.reshape(len(x), 4, -1)
        normal = (parts - parts.mean(1, keepdims=True)) / np.sqrt(
            parts.var(1, keepdims=True) + 1e-3)
        return normal.reshape(x.shape) * g + b

    assert not exercises.check_layer_norm(across_blocks)
    assert "not across the four blocks" in capsys.readouterr().out


def test_hyper_scale_check_names_the_mistake(capsys):
    def scaled(h, kernel, bias, scale_kernel, block):
        return ((h @ kernel + bias) @ scale_kernel) * block

    assert exercises.check_hyper_scale(scaled)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_hyper_scale(lambda h, k, b, a, x: ((h @ k) @ a) * x)
    assert "has a bias" in capsys.readouterr().out
    assert not exercises.check_hyper_scale(lambda h, k, b, a, x: (h @ k + b) @ a + x)
    assert "not added" in capsys.readouterr().out
    assert not exercises.check_hyper_scale(lambda h, k, b, a, x: (h @ k + b) @ a)
    assert "not the scale alpha alone" in capsys.readouterr().out
    assert not exercises.check_hyper_scale(lambda h, k, b, a, x: 0.1 * x)
    assert "Not yet" in capsys.readouterr().out


# ----------------------------------------------------------------------------- chapter 7

def canvas_to_stroke3(lines, scale_factor, pixel_size, first_row=False, pen_first=False,
                      absolute=False):
    """The chapter's solution; the flags make typical mistakes."""
    points = np.vstack(lines)
    pens = np.concatenate([[0] * (len(line) - 1) + [1] for line in lines])
    if pen_first:
        pens = np.concatenate([[1] + [0] * (len(line) - 1) for line in lines])
    rows = points if absolute else np.diff(points, axis=0, prepend=points[:1])
    rows = np.column_stack([rows * pixel_size / scale_factor, pens])
    return rows if first_row else rows[1:]


def test_canvas_to_stroke3_check_names_the_mistake(capsys):
    assert exercises.check_canvas_to_stroke3(canvas_to_stroke3)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_canvas_to_stroke3(
        lambda lines, f, p: canvas_to_stroke3(lines, f, p, first_row=True))
    assert "not a row" in capsys.readouterr().out
    assert not exercises.check_canvas_to_stroke3(
        lambda lines, f, p: canvas_to_stroke3(lines, f, p, absolute=True))
    assert "not absolute positions" in capsys.readouterr().out
    assert not exercises.check_canvas_to_stroke3(
        lambda lines, f, p: canvas_to_stroke3(lines, f, 1.0))
    assert "times pixel_size" in capsys.readouterr().out
    assert not exercises.check_canvas_to_stroke3(
        lambda lines, f, p: canvas_to_stroke3(lines, 1 / f, p))
    assert "it does not multiply" in capsys.readouterr().out

    def stroke_by_stroke(lines, f, p):  # offsets within each stroke: no move between them
        return np.vstack([canvas_to_stroke3([line], f, p) for line in lines])

    assert not exercises.check_canvas_to_stroke3(stroke_by_stroke)
    assert "the moves between strokes are missing" in capsys.readouterr().out


def first_strokes(sketch, count):
    """The chapter's solution."""
    ends = np.flatnonzero(sketch[:, 2] == 1)
    if count == 0:
        return sketch[:0]
    if count > len(ends):
        return sketch
    return sketch[:ends[count - 1] + 1]


def first_strokes_without_edges(sketch, count):
    """Right for 1 <= count <= strokes: the whole sketch for 0, IndexError above."""
    return sketch[:np.flatnonzero(sketch[:, 2] == 1)[count - 1] + 1]


def test_first_strokes_check_names_the_mistake(capsys):
    assert exercises.check_first_strokes(first_strokes)
    assert "Correct:" in capsys.readouterr().out
    assert not exercises.check_first_strokes(
        lambda s, k: s[:np.flatnonzero(s[:, 2] == 1)[k - 1]])
    assert "include it" in capsys.readouterr().out
    assert not exercises.check_first_strokes(
        lambda s, k: s[:np.flatnonzero(s[:, 2] == 1)[k] + 1])
    assert "count the strokes from one" in capsys.readouterr().out
    assert not exercises.check_first_strokes(lambda s, k: s[:k])
    assert "count strokes, not rows" in capsys.readouterr().out
    assert not exercises.check_first_strokes(first_strokes_without_edges)
    assert "for count 0 the prefix has no rows" in capsys.readouterr().out
    assert not exercises.check_first_strokes(
        lambda s, k: first_strokes(s, k) if k <= np.sum(s[:, 2] == 1) else s[:0][k])
    out = capsys.readouterr().out
    assert "the function raised IndexError" in out and "all of it, not an error" in out
    assert not exercises.check_first_strokes(
        lambda s, k: first_strokes(s, k) if k <= np.sum(s[:, 2] == 1) else s[:-1])
    assert "is all its" in capsys.readouterr().out


# ----------------------------------------------------------------------------- chapter 8

def test_nats_from_loss_check_names_the_mistake(capsys):
    assert exercises.check_nats_from_loss(lambda loss, max_seq_len, lengths: loss * max_seq_len)
    assert "Correct:" in capsys.readouterr().out
    mistakes = {
        "not by the sketch's own length": lambda loss, n, lengths: loss * np.mean(lengths),
        "undo that division": lambda loss, n, lengths: loss / n,
        "a loss per step is not a loss per sketch": lambda loss, n, lengths: loss,
        "only max_seq_len enters": lambda loss, n, lengths: loss * np.sum(lengths),
        "one number, not an array": lambda loss, n, lengths: loss * n * np.ones(len(lengths)),
    }
    for hint, wrong in mistakes.items():
        assert not exercises.check_nats_from_loss(wrong)
        out = capsys.readouterr().out
        assert "Not yet" in out and hint in out, (hint, out)


def test_times_likelier_check_names_the_mistake(capsys):
    assert exercises.check_times_likelier(lambda a, b: np.exp(np.subtract(b, a)))
    assert "Correct:" in capsys.readouterr().out
    mistakes = {
        "the other way round": lambda a, b: np.exp(np.subtract(a, b)),
        "the difference of the logs": lambda a, b: np.subtract(b, a),
        "exp, not 2 to the power": lambda a, b: 2.0 ** np.subtract(b, a),
        "a ratio of two logs": lambda a, b: np.divide(b, a),
        "one ratio per drawing": lambda a, b: float(np.mean(np.exp(np.subtract(b, a)))),
    }
    for hint, wrong in mistakes.items():
        assert not exercises.check_times_likelier(wrong)
        out = capsys.readouterr().out
        assert "Not yet" in out and hint in out, (hint, out)


# ----------------------------------------------------------------------------- the harness

def check_double(function, x, shape_hint="one number per element of x."):
    """A tiny check built with the harness: ``function(x) -> 2 x``, on ``x`` and on 5."""
    from sketchlib.exercises.core import Case, check_cases

    def mistakes(x):
        return {"multiply by 2, do not add 2.": x + 2,
                "keep one number per element: do not sum.": np.sum(2 * x)}

    return check_cases(
        function, [Case((x,), 2 * x, f"for x = {x}"), Case((5.0,), 10.0, "for x = 5")],
        mistakes=mistakes, raised="return 2 * x.", shape_hint=shape_hint,
        differs=lambda case, result: f"{case.where} you get {result}, not {case.expected}.",
        otherwise="double every element.", right="you double x.")


def test_harness_accepts_right_answers_on_copies(capsys):
    x = np.array([1.0, 2.0, 3.0])

    def in_place(x):
        x *= 2
        return x

    assert check_double(lambda x: 2 * x, x)
    assert capsys.readouterr().out == "Correct: you double x.\n"
    assert check_double(in_place, x)  # it doubles a copy: the case's x stays as it is
    assert np.array_equal(x, [1.0, 2.0, 3.0])
    assert check_double(lambda x: np.array([2 * x]) if np.ndim(x) == 0 else 2 * x, x)
    assert capsys.readouterr().out.count("Correct:") == 2  # one number may come in an array


def test_harness_names_the_mistake(capsys):
    x = np.array([1.0, 2.0, 3.0])
    assert not check_double(lambda x: x + 2, x)
    assert capsys.readouterr().out == ("Not yet: for x = [1. 2. 3.] you get [3. 4. 5.], "
                                       "not [2. 4. 6.].\nHint: multiply by 2, do not add 2.\n")
    assert not check_double(lambda x: x ** 2, x)
    assert "Hint: double every element." in capsys.readouterr().out  # no typical mistake
    assert not check_double(lambda x: 2 * x if np.ndim(x) else 11.0, x)
    assert "Not yet: for x = 5 you get 11.0, not 10.0." in capsys.readouterr().out


def test_harness_reports_errors_and_wrong_shapes(capsys):
    x = np.array([1.0, 2.0, 3.0])
    assert not check_double(lambda x: 1 / 0, x)
    assert capsys.readouterr().out == ("Not yet: for x = [1. 2. 3.] the function raised "
                                       "ZeroDivisionError: division by zero\n"
                                       "Hint: return 2 * x.\n")
    assert not check_double(lambda x: "twice", x)
    assert "should return a number or an array of numbers, got str" in capsys.readouterr().out

    assert not check_double(lambda x: (2 * x)[:2], x)
    assert capsys.readouterr().out == ("Not yet: for x = [1. 2. 3.] the result should have "
                                       "shape (3,), not (2,).\n"
                                       "Hint: one number per element of x.\n")
    assert not check_double(np.sum, x)  # the shape of a typical mistake gets its hint
    assert "not ().\nHint: keep one number per element" in capsys.readouterr().out
    assert not check_double(lambda x: 2 * x if np.ndim(x) else np.array([10.0, 10.0]), x)
    assert ("for x = 5 the result should be one number, not an array of shape (2,)."
            in capsys.readouterr().out)
    assert not check_double(lambda x: (2 * x)[:2], x, shape_hint=None)  # a wrong answer then
    assert ("you get [2. 4.], not [2. 4. 6.].\nHint: double every element."
            in capsys.readouterr().out)
