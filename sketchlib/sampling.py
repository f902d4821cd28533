"""Drawing with a trained model: step by step from the start token, each sampled point fed
back as the next input, until the pen's end state or ``max_len`` steps.

**Temperature** ``tau`` (Magenta's Python convention): the pen and mixture logits are divided
by ``tau`` before the softmax, and each Gaussian's sigmas are multiplied by ``tau`` (its
variance by ``tau^2``). ``tau -> 0`` approaches greedy drawing; ``greedy=True`` takes the most
likely pen state and mixture component and the component's mean as the offset.

**Two paths, one result.** All random numbers are drawn up front with NumPy
(:func:`draw_noise`), so the step itself is a deterministic function of them.
``fast=True`` runs the whole loop as one compiled function (XLA on TensorFlow, ``jit`` on JAX);
``fast=False`` is a plain Python loop of ``keras.ops`` steps that works on every backend and
stops once every sketch has ended. For the same seed both draw the same sketches.
"""

from __future__ import annotations

import weakref

import keras
import numpy as np
from keras import ops

from . import mdn
from .batching import START_TOKEN
from .strokes import stroke5_to_stroke3

#: The temperature of :func:`sample` and ``sketchlib sample`` when none is given.
DEFAULT_TEMPERATURE = 0.5
#: Their temperature of the pen logits alone: 1, the model's own pen probabilities. Tempering
#: the pen like the offsets makes the rare "stop" rarer still, and cold sketches never end
#: (chapter 3 measures the trade-off); ``pen_temperature=None`` tempers it like the rest.
DEFAULT_PEN_TEMPERATURE = 1.0

_COMPILED = weakref.WeakKeyDictionary()  # model -> {greedy: compiled loop}; holds no model


def draw_noise(batch_size: int, steps: int, seed=None) -> np.ndarray:
    """The randomness of a sampling run, ``(B, T, 4)`` float32: per step a uniform for the pen
    state, a uniform for the mixture component, and two standard normals for the offset."""
    rng = np.random.default_rng(seed)
    noise = np.empty((batch_size, steps, 4), dtype=np.float32)
    noise[..., :2] = rng.random((batch_size, steps, 2))
    noise[..., 2:] = rng.standard_normal((batch_size, steps, 2))
    return noise


def _pick(log_probs, uniform):
    """Inverse-CDF sampling: ``(B, K)`` log-probabilities and ``(B,)`` uniforms -> ``(B,)``
    indices."""
    cdf = ops.cumsum(ops.exp(log_probs), axis=-1)
    index = ops.sum(ops.cast(cdf < uniform[:, None], "int32"), axis=-1)
    return ops.minimum(index, ops.shape(log_probs)[-1] - 1)


def _component(values, index):
    """``values[b, index[b]]`` for ``(B, M)`` values and ``(B,)`` indices."""
    return ops.take_along_axis(values, index[:, None], axis=-1)[:, 0]


def sample_offset_and_pen(output, noise, temperature, num_mixture: int, greedy: bool = False,
                          pen_temperature=None):
    """One drawn step: raw outputs ``(B, 3 + 6M)`` and noise ``(B, 4)`` -> a stroke-5 row
    ``(B, 5)`` (see the module docstring for ``temperature`` and ``greedy``). The pen logits
    are divided by ``pen_temperature`` (default: ``temperature``)."""
    pen_temperature = temperature if pen_temperature is None else pen_temperature
    params = mdn.split_output(output, num_mixture)
    if greedy:
        pen = ops.argmax(params.pen_logits, axis=-1)
        component = ops.argmax(params.log_pi, axis=-1)
    else:
        pen = _pick(ops.log_softmax(params.pen_logits / pen_temperature, axis=-1), noise[:, 0])
        component = _pick(ops.log_softmax(params.log_pi / temperature, axis=-1), noise[:, 1])
    mu_x, mu_y = _component(params.mu_x, component), _component(params.mu_y, component)
    if greedy:
        dx, dy = mu_x, mu_y
    else:
        sigma_x = ops.exp(_component(params.log_sigma_x, component)) * temperature
        sigma_y = ops.exp(_component(params.log_sigma_y, component)) * temperature
        rho = _component(params.rho, component)
        dx = mu_x + sigma_x * noise[:, 2]
        dy = mu_y + sigma_y * (rho * noise[:, 2] + ops.sqrt(1.0 - rho * rho) * noise[:, 3])
    return ops.concatenate([dx[:, None], dy[:, None], ops.one_hot(pen, 3)], axis=-1)


def _start(model, batch_size: int):
    start = ops.tile(ops.convert_to_tensor(START_TOKEN[None]), (batch_size, 1))
    return start, model.initial_state(batch_size)


def _loop(model, noise, temperature, pen_temperature, greedy: bool):
    """The whole run as one ``fori_loop``: noise ``(B, T, 4)`` -> stroke-5 ``(B, T, 5)``."""
    batch_size, steps = noise.shape[0], noise.shape[1]
    x, state = _start(model, batch_size)

    def body(t, carry):
        x, state, rows = carry
        output, state = model.step(x, state)
        x = sample_offset_and_pen(output, ops.take(noise, t, axis=1), temperature,
                                  model.hps.num_mixture, greedy, pen_temperature)
        rows = rows + ops.one_hot(t, steps)[None, :, None] * x[:, None, :]
        return x, state, rows

    return ops.fori_loop(0, steps, body, (x, state, ops.zeros((batch_size, steps, 5))))[2]


def _compiled(model, greedy: bool):
    """The model's sampling loop compiled as one function (cached per model; the function
    reaches the model through a weak reference, so the cache keeps no model alive)."""
    functions = _COMPILED.setdefault(model, {})
    if greedy not in functions:
        model_ref = weakref.ref(model)

        def run(noise, tau, pen_tau):
            return _loop(model_ref(), noise, tau, pen_tau, greedy)

        backend = keras.backend.backend()
        if backend == "tensorflow":
            import tensorflow as tf
            functions[greedy] = tf.function(run, jit_compile=True)
        elif backend == "jax":
            import jax
            functions[greedy] = jax.jit(run)
        else:
            return None
    return functions[greedy]


def _python_loop(model, noise, temperature, pen_temperature, greedy: bool) -> np.ndarray:
    """The portable path: one eager step at a time, stopping once every sketch has ended."""
    batch_size, steps = noise.shape[:2]
    x, state = _start(model, batch_size)
    rows = np.zeros((batch_size, steps, 5), dtype=np.float32)
    ended = np.zeros(batch_size, dtype=bool)
    for t in range(steps):
        output, state = model.step(x, state)
        x = sample_offset_and_pen(output, ops.convert_to_tensor(noise[:, t]), temperature,
                                  model.hps.num_mixture, greedy, pen_temperature)
        rows[:, t] = ops.convert_to_numpy(x)
        ended |= rows[:, t, 4] == 1
        if ended.all():
            break
    return rows


def sample_stroke5(model, n: int = 1, temperature: float = DEFAULT_TEMPERATURE,
                   greedy: bool = False, seed=None, max_len: int | None = None,
                   fast: bool = True,
                   pen_temperature: float | None = DEFAULT_PEN_TEMPERATURE) -> np.ndarray:
    """``n`` sketches as stroke-5 ``(n, max_len, 5)``. Rows after a sketch's first end state
    are whatever the loop left there: the model's further draws, or zeros once the portable
    loop has stopped; :func:`sample` cuts them off."""
    pen_temperature = temperature if pen_temperature is None else pen_temperature
    for name, value in (("temperature", temperature), ("pen_temperature", pen_temperature)):
        if not greedy and not value > 0:
            raise ValueError(f"{name} must be > 0 (or use greedy=True), got {value}")
    max_len = int(max_len or model.hps.max_seq_len)
    noise = draw_noise(n, max_len, seed)
    tau, pen_tau = (np.float32(t if t > 0 else 1.0) for t in (temperature, pen_temperature))
    compiled = _compiled(model, greedy) if fast else None
    if compiled is None:
        return _python_loop(model, noise, tau, pen_tau, greedy)
    return np.asarray(ops.convert_to_numpy(compiled(noise, tau, pen_tau)))


def sample(model, n: int = 1, temperature: float = DEFAULT_TEMPERATURE, greedy: bool = False,
           seed=None, max_len: int | None = None, fast: bool = True,
           pen_temperature: float | None = DEFAULT_PEN_TEMPERATURE) -> list[np.ndarray]:
    """Draw ``n`` sketches (a batch, all at once) from a decoder-only model: a list of
    stroke-3 arrays in the model's normalised units, each cut at its end state. ``fast``:
    compiled loop or portable Python loop (the same sketches for the same ``seed``).
    ``pen_temperature`` divides the pen logits instead of ``temperature``
    (:data:`DEFAULT_PEN_TEMPERATURE`; ``None``: ``temperature``, as the reference does)."""
    strokes5 = sample_stroke5(model, n, temperature, greedy, seed, max_len, fast,
                              pen_temperature)
    return [stroke5_to_stroke3(rows) for rows in strokes5]
