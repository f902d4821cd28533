"""sketchlib.sampling (one drawn step, temperature, the fast and portable loops), the decoder's
single step, and loading shipped or trained models with sketchlib.pretrained."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from keras import ops

from conftest import save_checkpoint, trainable_model
from sketchlib import mdn, pretrained, set_seed
from sketchlib.batching import START_TOKEN
from sketchlib.checkpoints import load_model
from sketchlib.hparams import HParams
from sketchlib.sampling import (draw_noise, end_counts, ended, ends_and_strokes, sample,
                                sample_offset_and_pen, sample_stroke5)
from sketchlib.strokes import mean_strokes

HPS = HParams(conditional=False, dec_rnn_size=16, num_mixture=3, batch_size=10, max_seq_len=40)


@pytest.fixture(scope="module")
def model():
    """An untrained tiny decoder whose pen prefers to go on drawing (bias of the pen logits
    1, 0, -0.5), so sketches end after a few to a few dozen steps."""
    set_seed(0)
    model = trainable_model(HPS)
    bias = np.asarray(model.output_layer.bias).copy()
    bias[:3] = [1.0, 0.0, -0.5]
    model.output_layer.bias.assign(bias)
    return model


def raw_output(pen, pi, mu_x, mu_y, log_sigma_x, log_sigma_y, rho_raw, batch=1):
    """A raw decoder output ``(batch, 3 + 6M)`` in the layout of :mod:`sketchlib.mdn`."""
    row = np.concatenate([pen, pi, mu_x, mu_y, log_sigma_x, log_sigma_y, rho_raw])
    return np.tile(row.astype(np.float32), (batch, 1))


def draw(output, temperature, num_mixture, greedy=False, seed=0):
    """sample_offset_and_pen on numpy inputs, with fresh noise; a numpy ``(B, 5)`` result."""
    noise = draw_noise(len(output), 1, seed)[:, 0]
    return ops.convert_to_numpy(sample_offset_and_pen(
        ops.convert_to_tensor(output), ops.convert_to_tensor(noise), temperature, num_mixture,
        greedy))


def first_end(rows):
    """Index of the first end state (p3) of stroke-5 rows, or their length if none."""
    ended = np.flatnonzero(np.argmax(rows[:, 2:], axis=1) == 2)
    return int(ended[0]) if len(ended) else len(rows)


# ----------------------------------------------------------------------------- one step


def test_draw_noise_shapes_ranges_and_seed():
    """draw_noise: (B, T, 4) float32, two uniforms in [0, 1) then two standard normals,
    the same for the same seed."""
    noise = draw_noise(500, 40, seed=7)
    assert noise.shape == (500, 40, 4) and noise.dtype == np.float32
    assert noise[..., :2].min() >= 0.0 and noise[..., :2].max() < 1.0
    assert noise[..., :2].mean() == pytest.approx(0.5, abs=0.01)
    assert noise[..., 2:].mean() == pytest.approx(0.0, abs=0.01)
    assert noise[..., 2:].std() == pytest.approx(1.0, abs=0.01)
    np.testing.assert_array_equal(noise, draw_noise(500, 40, seed=7))
    assert not np.array_equal(noise, draw_noise(500, 40, seed=8))


def test_greedy_takes_the_likeliest_pen_and_component_mean():
    """greedy: pen = argmax of the pen logits, offset = the mean of the component with the
    largest weight, whatever the noise and the sigmas."""
    output = np.concatenate([
        raw_output([0.1, 2.0, -1.0], [0.0, 3.0, 1.0], [1.0, 2.0, 3.0], [4.0, 5.0, 6.0],
                   [0.5] * 3, [0.5] * 3, [0.3] * 3),
        raw_output([0.0, 0.0, 4.0], [5.0, 0.0, 0.0], [1.0, 2.0, 3.0], [4.0, 5.0, 6.0],
                   [2.0] * 3, [2.0] * 3, [-0.3] * 3)])
    expected = np.array([[2.0, 5.0, 0.0, 1.0, 0.0], [1.0, 4.0, 0.0, 0.0, 1.0]])
    for seed in (0, 1):
        np.testing.assert_array_equal(draw(output, 0.7, 3, greedy=True, seed=seed), expected)


def test_low_temperature_concentrates_on_the_likeliest_choices():
    """tau = 0.01: always the likeliest pen and component, offsets spread 0.01 sigma."""
    n = 20_000
    output = raw_output([1.0, 0.5, 0.0], [0.0, 1.0, 0.5], [1.0, 2.0, 3.0], [-1.0, -2.0, -3.0],
                        [math.log(0.5)] * 3, [math.log(2.0)] * 3, [0.0] * 3, batch=n)
    rows = draw(output, 0.01, 3, seed=1)
    np.testing.assert_array_equal(rows[:, 2:], np.tile([1.0, 0.0, 0.0], (n, 1)))
    assert rows[:, 0].mean() == pytest.approx(2.0, abs=1e-3)
    assert rows[:, 1].mean() == pytest.approx(-2.0, abs=1e-3)
    assert rows[:, 0].std() == pytest.approx(0.01 * 0.5, rel=0.03)
    assert rows[:, 1].std() == pytest.approx(0.01 * 2.0, rel=0.03)


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_samples_follow_the_tempered_gaussian(temperature):
    """One component: offsets have mean mu, sigmas tau * sigma and correlation rho; the pen
    follows softmax(logits / tau) (statistical tolerances of about 4 standard errors)."""
    n = 20_000
    mu, sigma, rho, pen_logits = (0.5, -1.0), (0.3, 0.8), 0.6, np.array([1.0, 0.0, -1.0])
    output = raw_output(pen_logits, [0.0], [mu[0]], [mu[1]], [math.log(sigma[0])],
                        [math.log(sigma[1])], [math.atanh(rho)], batch=n)
    rows = draw(output, temperature, 1, seed=2)
    for axis in (0, 1):
        spread = temperature * sigma[axis]
        assert rows[:, axis].mean() == pytest.approx(mu[axis], abs=4 * spread / math.sqrt(n))
        assert rows[:, axis].std() == pytest.approx(spread, rel=0.025)
    assert np.corrcoef(rows[:, 0], rows[:, 1])[0, 1] == pytest.approx(rho, abs=0.02)
    expected = np.exp(pen_logits / temperature) / np.exp(pen_logits / temperature).sum()
    np.testing.assert_allclose(rows[:, 2:].mean(axis=0), expected, atol=0.015)
    assert set(rows[:, 2:].sum(axis=1)) == {1.0}  # one-hot pens


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_components_follow_the_tempered_mixture_weights(temperature):
    """The component is drawn from softmax(pi logits / tau): with tiny sigmas, the offsets
    land on the chosen means with those frequencies."""
    n = 20_000
    pi_logits = np.array([0.0, 1.0, 0.5])
    output = raw_output([0.0, 0.0, 0.0], pi_logits, [1.0, 2.0, 3.0], [0.0, 0.0, 0.0],
                        [-9.0] * 3, [-9.0] * 3, [0.0] * 3, batch=n)
    rows = draw(output, temperature, 3, seed=3)
    chosen = np.rint(rows[:, 0]).astype(int) - 1
    np.testing.assert_allclose(rows[:, 0], chosen + 1, atol=1e-3)
    expected = np.exp(pi_logits / temperature) / np.exp(pi_logits / temperature).sum()
    np.testing.assert_allclose(np.bincount(chosen, minlength=3) / n, expected, atol=0.015)


# ----------------------------------------------------------------------------- the decoder step


def test_step_by_step_matches_the_whole_sequence(model):
    """initial_state is zeros; feeding the rows one at a time through step() gives the
    outputs and final state of the decoder run on the whole sequence (no dropout)."""
    rng = np.random.default_rng(0)
    decoder_input = rng.normal(size=(3, 12, 5)).astype(np.float32)
    decoder_input[:, 0] = START_TOKEN
    state = model.initial_state(3)
    assert len(state) == 2
    for part in state:
        np.testing.assert_array_equal(ops.convert_to_numpy(part), np.zeros((3, 16)))
    outputs = []
    for t in range(12):
        output, state = model.step(ops.convert_to_tensor(decoder_input[:, t]), state)
        outputs.append(ops.convert_to_numpy(output))
    whole, final = model.run_decoder(decoder_input)
    np.testing.assert_allclose(np.stack(outputs, axis=1), ops.convert_to_numpy(whole),
                               rtol=1e-5, atol=1e-5)
    assert np.stack(outputs, axis=1).shape == (3, 12, mdn.output_size(3))
    for mine, theirs in zip(state, final):
        np.testing.assert_allclose(ops.convert_to_numpy(mine), ops.convert_to_numpy(theirs),
                                   rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------- whole sketches


@pytest.mark.parametrize("greedy", [False, True])
def test_fast_and_portable_paths_draw_the_same_sketches(model, greedy):
    """For one seed, the compiled loop and the Python loop give the same sketches."""
    fast = sample(model, 8, temperature=0.6, greedy=greedy, seed=3, fast=True)
    portable = sample(model, 8, temperature=0.6, greedy=greedy, seed=3, fast=False)
    assert [len(s) for s in fast] == [len(s) for s in portable]
    for a, b in zip(fast, portable):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    if not greedy:
        assert len({len(s) for s in fast}) > 1  # sketches of several lengths were compared


def test_same_seed_same_sketches_other_seed_others(model):
    """Sketches depend on the seed only."""
    first = sample(model, 6, temperature=0.8, seed=11)
    again = sample(model, 6, temperature=0.8, seed=11)
    other = sample(model, 6, temperature=0.8, seed=12)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(len(a) != len(b) or not np.array_equal(a, b) for a, b in zip(first, other))
    for sketch in first:
        assert sketch.dtype == np.float32 and sketch.shape[1:] == (3,)
        assert set(np.unique(sketch[:, 2])) <= {0.0, 1.0}


def test_sketches_are_cut_at_their_first_end_state(model):
    """sample() keeps the stroke-5 rows before the first p3 (pen = p2); the fast path's
    stroke-5 goes on after it, the portable one stops once every sketch has ended."""
    rows = sample_stroke5(model, 8, temperature=0.6, seed=5, max_len=40)
    assert rows.shape == (8, 40, 5)
    sketches = sample(model, 8, temperature=0.6, seed=5, max_len=40)
    ends = [first_end(r) for r in rows]
    assert [len(s) for s in sketches] == ends
    assert min(ends) < 40  # some sketch did end
    assert any(np.abs(r[end + 1:]).sum() > 0 for r, end in zip(rows, ends) if end < 39)
    for r, sketch, end in zip(rows, sketches, ends):
        np.testing.assert_array_equal(sketch[:, :2], r[:end, :2])
        np.testing.assert_array_equal(sketch[:, 2], r[:end, 3])
    # A pen that always ends: every sketch is empty and the Python loop stops at once.
    ending = trainable_model(HPS)
    bias = np.asarray(ending.output_layer.bias).copy()
    bias[:3] = [0.0, 0.0, 20.0]
    ending.output_layer.bias.assign(bias)
    portable = sample_stroke5(ending, 4, temperature=0.5, seed=0, max_len=10, fast=False)
    np.testing.assert_array_equal(portable[:, 0, 2:], np.tile([0.0, 0.0, 1.0], (4, 1)))
    np.testing.assert_array_equal(portable[:, 1:], 0.0)
    assert [len(s) for s in sample(ending, 4, temperature=0.5, seed=0, max_len=10)] == [0] * 4


def test_ended_counts_drawings_that_stopped_by_themselves(model):
    """ended(): a drawing ended if its stroke-5 rows hold an end state after the first row;
    a drawing cut at max_len rows never ended, an empty one ended at its first step (counted
    as not ending by itself). end_counts() counts them per temperature, same seed;
    ends_and_strokes() also gives the same drawings' mean number of strokes."""
    drawings = [np.zeros((0, 3)), np.zeros((5, 3)), np.zeros((39, 3)), np.zeros((40, 3))]
    np.testing.assert_array_equal(ended(drawings, 40), [False, True, True, False])
    rows = sample_stroke5(model, 50, temperature=0.3, seed=1)
    expected = sum(0 < first_end(r) < HPS.max_seq_len for r in rows)
    assert 0 < expected < 50  # the tiny model ends some drawings, not all
    assert end_counts(model, (0.3, 0.3), n=50, seed=1) == {0.3: expected}
    counts = end_counts(model, (0.2, 1.0), n=50, seed=1)
    assert list(counts) == [0.2, 1.0]
    assert all(0 <= c <= 50 for c in counts.values())
    numbers = ends_and_strokes(model, (0.3,), n=50, seed=1)  # the same 50 drawings
    assert numbers["ended"] == {0.3: expected}
    assert numbers["strokes"] == {0.3: mean_strokes(sample(model, 50, 0.3, seed=1))}


def test_max_len_defaults_to_the_models(model):
    """max_len: the model's max_seq_len unless given."""
    assert sample_stroke5(model, 2, seed=0).shape == (2, HPS.max_seq_len, 5)
    assert sample_stroke5(model, 2, seed=0, max_len=7, fast=False).shape == (2, 7, 5)


@pytest.mark.parametrize("temperature", [0.0, -0.5])
def test_temperature_must_be_positive_unless_greedy(model, temperature):
    """A temperature <= 0 is refused, unless drawing greedily (which ignores it)."""
    with pytest.raises(ValueError, match="temperature must be > 0"):
        sample(model, 2, temperature=temperature, seed=0)
    greedy = sample(model, 2, temperature=temperature, greedy=True, seed=0, max_len=10)
    expected = sample(model, 2, temperature=0.5, greedy=True, seed=1, max_len=10)
    for a, b in zip(greedy, expected):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- pretrained


def test_the_compiled_loop_cache_keeps_no_model_alive():
    """Compiling a model's sampling loop must not keep the model (the cache's key) alive."""
    import gc
    import weakref

    from sketchlib import sampling

    throwaway = trainable_model(HPS)
    sample(throwaway, 2, seed=0, max_len=5)
    assert throwaway in sampling._COMPILED
    gone = weakref.ref(throwaway)
    del throwaway
    gc.collect()
    assert gone() is None


def test_the_compiled_loop_is_traced_once_for_any_batch_size():
    """Under TensorFlow, drawing batches of many sizes (a notebook does) traces the compiled
    loop once more at most, not once per size (which also printed a retracing warning)."""
    import keras

    from sketchlib import sampling

    if keras.backend.backend() != "tensorflow":
        pytest.skip("tracing counts are TensorFlow's (jax.jit compiles per shape silently)")
    throwaway = trainable_model(HPS)
    for n in (1, 2, 3, 5, 8, 13):
        sample(throwaway, n, seed=0, max_len=5)
    assert sampling._COMPILED[throwaway][False].experimental_get_tracing_count() <= 2


def test_pen_temperature_tempers_the_pen_alone(model):
    """pen_temperature divides the pen logits only: the offsets' temperature is unchanged,
    and a high pen temperature makes the rare end state likelier."""
    output = raw_output([2.0, 0.0, -1.0], [0.0, 1.0, -1.0], [0.0, 1.0, 2.0], [0.0, -1.0, 1.0],
                        [-1.0, -2.0, 0.0], [0.0, -1.0, -2.0], [0.0, 0.5, -0.5], batch=4000)
    noise = ops.convert_to_tensor(draw_noise(4000, 1, 3)[:, 0])
    cold, warm_pen = (ops.convert_to_numpy(sample_offset_and_pen(
        ops.convert_to_tensor(output), noise, 0.3, 3, pen_temperature=pen)) for pen in (None, 2.0))
    np.testing.assert_array_equal(cold[:, :2], warm_pen[:, :2])
    assert warm_pen[:, 4].mean() > 5 * cold[:, 4].mean()
    fast = sample_stroke5(model, 4, 0.5, seed=2, pen_temperature=1.5)
    portable = sample_stroke5(model, 4, 0.5, seed=2, pen_temperature=1.5, fast=False)
    assert first_end(fast[0]) == first_end(portable[0])
    with pytest.raises(ValueError, match="pen_temperature must be > 0"):
        sample(model, 1, 0.5, pen_temperature=0.0)
    # The default: the pen at DEFAULT_PEN_TEMPERATURE; None tempers it like the offsets.
    from sketchlib.sampling import DEFAULT_PEN_TEMPERATURE

    default = sample_stroke5(model, 6, 0.3, seed=4)
    np.testing.assert_array_equal(
        default, sample_stroke5(model, 6, 0.3, seed=4, pen_temperature=DEFAULT_PEN_TEMPERATURE))
    assert not np.array_equal(default, sample_stroke5(model, 6, 0.3, seed=4,
                                                      pen_temperature=None))


def test_pretrained_unknown_name_is_a_helpful_error():
    """An unknown name is a FileNotFoundError that names it and lists the shipped models."""
    shipped = ", ".join(pretrained.available()) or "none shipped"
    with pytest.raises(FileNotFoundError, match="no_such_model.*neither a folder nor a "
                                                f"pretrained model \\({shipped}\\)"):
        pretrained.load("no_such_model")
    with pytest.raises(FileNotFoundError, match="no pretrained model named 'no_such_model'"):
        pretrained.path("no_such_model")


def test_pretrained_load_reads_a_log_root_or_checkpoint(model, tmp_path):
    """load(path): a log root (best or latest) or a checkpoint folder, as load_model."""
    log_root = tmp_path / "run"
    save_checkpoint(model, log_root, {"names": ["synthetic"], "scale_factor": 3.0},
                    {"step": 2}, pointers=("latest", "best"))
    for where in (log_root, str(log_root), log_root / "ckpt-00000002"):
        loaded = pretrained.load(where, which="latest")
        assert loaded.data == {"names": ["synthetic"], "scale_factor": 3.0,
                               "checkpoint": str(Path(log_root) / "ckpt-00000002")}
        assert loaded.hps == HPS
        for a, b in zip(loaded.weights, model.weights):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("name", pretrained.available() or ["(none)"])
def test_shipped_models_load_and_draw(name):
    """Every shipped model loads by name, with its hyper-parameters and data description,
    and draws finite sketches."""
    if name == "(none)":
        pytest.skip("no pretrained model is shipped yet (data/pretrained is empty)")
    folder = pretrained.path(name)
    model = pretrained.load(name)
    assert model.hps == HParams.load(folder / "hparams.json")
    assert model.data["scale_factor"] > 0 and model.data["names"]
    assert model.data["checkpoint"] == str(folder)
    reference = load_model(folder)
    for a, b in zip(model.weights, reference.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    sketches = sample(model, 3, temperature=0.4, seed=0, max_len=30, fast=False)
    assert len(sketches) == 3
    for sketch in sketches:
        assert np.isfinite(sketch).all() and len(sketch) <= 30
    if not (folder / "MODEL_CARD.md").is_file():
        pytest.skip(f"{name} has no MODEL_CARD.md yet")
    card = pretrained.model_card(name)
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", card)
    assert images and all((folder / image).is_file() for image in images)
    inlined = pretrained.model_card(name, inline_images=True)
    assert inlined.count("](data:image/png;base64,") == len(images)
    shown = pretrained.show_model_card(name).data
    assert not re.search(r"^[> ]*#", shown, flags=re.MULTILINE)  # headings as bold lines
    assert all(line.startswith(">") for line in shown.splitlines())  # one quoted inset
    assert f"**{card.splitlines()[0].lstrip('# ')}**" in shown


def test_pretrained_results_reads_a_shipped_models_numbers(monkeypatch, tmp_path):
    """results(name): the shipped model's results.json as a dict; a model without one is a
    FileNotFoundError that names it."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "hparams.json").write_text("{}")
    monkeypatch.setattr(pretrained.resources, "files", lambda package: tmp_path)
    with pytest.raises(FileNotFoundError, match="'tiny' has no results.json"):
        pretrained.results("tiny")
    (folder / "results.json").write_text('{"reconstruction": 0.5, "ended": {"0.2": 9}}')
    assert pretrained.results("tiny") == {"reconstruction": 0.5, "ended": {"0.2": 9}}


@pytest.mark.shared_files("aaron_sheep.npz")
def test_chapter_5s_shipped_numbers_are_those_of_its_shipped_weights(shared_data):
    """The losses chapter 5 reads from results.json (own and a neighbour's code, test split)
    are measured again on the shipped weights of one of its VAEs, and agree."""
    from sketchlib.datasets import load_dataset
    from sketchlib.latent import code_worth

    stored = pretrained.results("kl_tradeoff_w0.5")
    worth = code_worth(pretrained.load("kl_tradeoff_w0.5"),
                       list(load_dataset("aaron_sheep").test))
    for key in ("reconstruction", "kl", "reconstruction_with_neighbour", "worth"):
        assert worth[key] == pytest.approx(stored[key], abs=1e-6), key


def test_tensorflows_retracing_false_alarm_is_dropped_and_other_warnings_pass(caplog):
    """Several models in one notebook make TensorFlow warn about retraced functions; sketchlib
    filters that one message from the "tensorflow" logger and nothing else."""
    import logging

    import sketchlib  # noqa: F401 (installs the filter)

    logger = logging.getLogger("tensorflow")
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        logger.warning("5 out of the last 6 calls to <function run> triggered tf.function "
                       "retracing. Tracing is expensive")
        logger.warning("something else went wrong")
    assert [r.getMessage() for r in caplog.records] == ["something else went wrong"]
