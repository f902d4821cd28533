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

**Conditional models** draw from a latent code ``z`` (given, or drawn from ``N(0, I)``);
:mod:`sketchlib.latent` turns sketches into codes and back. :func:`complete` finishes a
drawing that has begun.
"""

from __future__ import annotations

import weakref

import keras
import numpy as np
from keras import ops

from . import mdn
from .batching import START_TOKEN, make_batch
from .hparams import DEFAULT_PEN_TEMPERATURE, DEFAULT_TEMPERATURE
from .strokes import mean_strokes, stroke5_to_stroke3


_COMPILED = weakref.WeakKeyDictionary()  # model -> {greedy: compiled loop}; holds no model


def draw_noise(batch_size: int, steps: int, seed=None, same: bool = False) -> np.ndarray:
    """The randomness of a sampling run, ``(B, T, 4)`` float32: per step a uniform for the pen
    state, a uniform for the mixture component, and two standard normals for the offset.
    ``seed``: an integer, ``None`` or a ``numpy.random.Generator`` (then drawn from it).
    ``same``: one sketch's noise for all ``B``, so that drawings differ only by their codes."""
    rng = np.random.default_rng(seed)
    if same:
        return np.repeat(draw_noise(1, steps, rng), batch_size, axis=0)
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


def _start(model, batch_size: int, z=None):
    """The first input (``S0``) and the state of the decoder before it: zeros, or from ``z``
    ``(B, N_z)`` for a conditional model."""
    start = ops.tile(ops.convert_to_tensor(START_TOKEN[None]), (batch_size, 1))
    if z is None:
        return start, model.initial_state(batch_size)
    return start, model.initial_state(batch_size, ops.convert_to_tensor(z, "float32"))


def _loop(model, x, state, noise, temperature, pen_temperature, greedy: bool):
    """The whole run as one ``fori_loop``: from input ``x`` ``(B, 5)`` and ``state``, noise
    ``(B, T, 4)`` -> stroke-5 ``(B, T, 5)``."""
    batch_size, steps = ops.shape(noise)[0], noise.shape[1]  # batch: dynamic under TF

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

        def run(x, state, noise, tau, pen_tau):
            return _loop(model_ref(), x, state, noise, tau, pen_tau, greedy)

        backend = keras.backend.backend()
        if backend == "tensorflow":
            import tensorflow as tf
            functions[greedy] = tf.function(run, jit_compile=True, reduce_retracing=True)
        elif backend == "jax":
            import jax
            functions[greedy] = jax.jit(run)
        else:
            return None
    return functions[greedy]


def _python_loop(model, x, state, noise, temperature, pen_temperature,
                 greedy: bool) -> np.ndarray:
    """The portable path: one eager step at a time, stopping once every sketch has ended."""
    batch_size, steps = noise.shape[:2]
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


def _temperatures(temperature, pen_temperature, greedy: bool):
    """The two temperatures as float32 (checked; 1 where greedy makes them unused)."""
    pen_temperature = temperature if pen_temperature is None else pen_temperature
    for name, value in (("temperature", temperature), ("pen_temperature", pen_temperature)):
        if not greedy and not value > 0:
            raise ValueError(f"{name} must be > 0 (or use greedy=True), got {value}")
    return tuple(np.float32(t if t > 0 else 1.0) for t in (temperature, pen_temperature))


def _run(model, x, state, noise, temperature, pen_temperature, greedy, fast) -> np.ndarray:
    """Sample from ``x`` and ``state`` with ``noise`` on the compiled path (``fast``, where the
    backend compiles) or the portable one: stroke-5 ``(B, T, 5)``."""
    tau, pen_tau = _temperatures(temperature, pen_temperature, greedy)
    compiled = _compiled(model, greedy) if fast else None
    if compiled is None:
        return _python_loop(model, x, state, noise, tau, pen_tau, greedy)
    # One compiled shape per batch size: shorter runs (completions) get zero noise after
    # their last step, so step t still uses noise[:, t], and are cut back.
    batch_size, steps = noise.shape[:2]
    padding = max(model.hps.max_seq_len - steps, 0)
    padded = np.concatenate([noise, np.zeros((batch_size, padding, 4), noise.dtype)], axis=1)
    rows = compiled(x, state, padded, tau, pen_tau)
    return np.asarray(ops.convert_to_numpy(rows))[:, :steps]


def checked_codes(model, z) -> np.ndarray:
    """``z`` as float32 ``(n, N_z)``: codes of this model's size, one a row (a single code
    ``(N_z,)`` is one row); any other shape is an error, never reshaped."""
    z = np.asarray(z, dtype="float32")
    if z.ndim == 1:
        z = z[None]
    if z.ndim != 2 or z.shape[1] != model.hps.z_size:
        raise ValueError(f"z must be codes of shape (n, {model.hps.z_size}) (this model's z_size), "
                         f"got {z.shape}")
    return z


def _codes(model, n: int, z, rng):
    """``z`` ``(n, N_z)`` for a conditional model (drawn from ``N(0, I)`` with ``rng`` when
    ``None``); ``None`` for a decoder-only model, which takes no ``z``."""
    if not model.hps.conditional:
        if z is not None:
            raise ValueError("a decoder-only model takes no z (hps.conditional is false)")
        return None
    if z is None:
        return rng.standard_normal((n, model.hps.z_size)).astype("float32")
    z = checked_codes(model, z)
    if len(z) != n:
        raise ValueError(f"z holds {len(z)} codes for n={n} sketches")
    return z


def sample_stroke5(model, n: int = 1, temperature: float = DEFAULT_TEMPERATURE,
                   greedy: bool = False, seed=None, max_len: int | None = None,
                   fast: bool = True,
                   pen_temperature: float | None = DEFAULT_PEN_TEMPERATURE,
                   z=None, same_noise: bool = False) -> np.ndarray:
    """``n`` sketches as stroke-5 ``(n, max_len, 5)``. Rows after a sketch's first end state
    are whatever the loop left there: the model's further draws, or zeros once the portable
    loop has stopped; :func:`sample` cuts them off. A conditional model draws from ``z``
    ``(n, N_z)``, or from codes drawn from ``N(0, I)`` when ``z`` is ``None``.
    ``same_noise``: every sketch drawn with the same random numbers (:func:`draw_noise`)."""
    max_len = int(max_len or model.hps.max_seq_len)
    rng = np.random.default_rng(seed)
    noise = draw_noise(n, max_len, rng, same_noise)
    x, state = _start(model, n, _codes(model, n, z, rng))
    return _run(model, x, state, noise, temperature, pen_temperature, greedy, fast)


def sample(model, n: int = 1, temperature: float = DEFAULT_TEMPERATURE, greedy: bool = False,
           seed=None, max_len: int | None = None, fast: bool = True,
           pen_temperature: float | None = DEFAULT_PEN_TEMPERATURE,
           z=None, same_noise: bool = False) -> list[np.ndarray]:
    """Draw ``n`` sketches (a batch, all at once): a list of stroke-3 arrays in the model's
    normalised units, each cut at its end state. ``fast``: compiled loop or portable Python
    loop (the same sketches for the same ``seed``). ``pen_temperature`` divides the pen
    logits instead of ``temperature`` (:data:`DEFAULT_PEN_TEMPERATURE`; ``None``:
    ``temperature``, as the reference does). ``z``, ``same_noise``: see
    :func:`sample_stroke5`."""
    strokes5 = sample_stroke5(model, n, temperature, greedy, seed, max_len, fast,
                              pen_temperature, z, same_noise)
    return [stroke5_to_stroke3(rows) for rows in strokes5]


def ended(drawings, max_len: int) -> np.ndarray:
    """Which drawings of :func:`sample` (or :func:`reconstruct`, :func:`complete`) stopped by
    themselves: bool ``(n,)``, true for a non-empty stroke-3 shorter than ``max_len``. One of
    ``max_len`` rows never reached its end state; an empty one ended at its first step."""
    return np.array([0 < len(d) < max_len for d in drawings], dtype=bool)


def ends_and_strokes(model, temperatures=(0.2, 0.4, DEFAULT_TEMPERATURE), n: int = 100,
                     seed=0, z=None) -> dict:
    """``{"ended": {temperature: how many of n drawings end by themselves}, "strokes":
    {temperature: their mean number of strokes}}`` (:func:`ended`,
    :func:`~sketchlib.strokes.mean_strokes`), each temperature drawing ``n`` sketches with the
    same ``seed``. A conditional model draws from ``z`` ``(n, N_z)``, or from ``N(0, I)``."""
    drawings = {tau: sample(model, n, tau, seed=seed, z=z) for tau in temperatures}
    return {"ended": {tau: int(ended(d, model.hps.max_seq_len).sum())
                      for tau, d in drawings.items()},
            "strokes": {tau: mean_strokes(d) for tau, d in drawings.items()}}


def end_counts(model, temperatures=(0.2, 0.4, DEFAULT_TEMPERATURE), n: int = 100,
               seed=0, z=None) -> dict:
    """``{temperature: how many of n drawings end by themselves}``: the count every model card
    gives (the ``"ended"`` of :func:`ends_and_strokes`)."""
    return ends_and_strokes(model, temperatures, n, seed, z)["ended"]


def complete(model, prefix, n: int = 1, temperature: float = DEFAULT_TEMPERATURE, z=None,
             seed=None, max_len: int | None = None, fast: bool = True,
             pen_temperature: float | None = DEFAULT_PEN_TEMPERATURE) -> list[np.ndarray]:
    """``n`` completions of a partial drawing ``prefix`` (normalised stroke-3 ``(P, 3)``):
    the decoder reads the prefix (teacher forced, from the start token), then samples on from
    where it ends, up to ``max_len`` rows in all. A conditional model conditions on ``z``
    ``(N_z,)``, or on the prefix's own code when ``z`` is ``None``. Returns stroke-3 arrays
    that start with the prefix, unchanged."""
    prefix = np.asarray(prefix, dtype="float32")
    if prefix.size == 0:
        prefix = prefix.reshape(0, 3)
    if prefix.ndim != 2 or prefix.shape[1] != 3:
        raise ValueError(f"the prefix must be stroke-3 rows (P, 3), got shape {prefix.shape}")
    max_len = int(max_len or model.hps.max_seq_len)
    if len(prefix) == 0:
        return sample(model, n, temperature, seed=seed, max_len=max_len, fast=fast,
                      pen_temperature=pen_temperature,
                      z=None if z is None else np.tile(np.reshape(z, (1, -1)), (n, 1)))
    if len(prefix) >= max_len:
        raise ValueError(f"the prefix has {len(prefix)} rows, max_len={max_len} leaves no room")
    rng = np.random.default_rng(seed)
    noise = draw_noise(n, max_len - len(prefix), rng)
    rows = make_batch([prefix] * n, len(prefix))  # S0 + prefix, stroke-5
    if model.hps.conditional and z is None:  # the prefix's own code, its mean
        z = ops.convert_to_numpy(model.encode(rows.encoder_input[:1], rows.lengths[:1])[0])[0]
    codes = _codes(model, n, None if z is None else np.tile(np.reshape(z, (1, -1)), (n, 1)),
                   rng)
    _, state = _start(model, n, codes)
    parts = model.state_parts
    _, read = model.run_decoder(ops.convert_to_tensor(rows.decoder_input),
                           initial_state=state[:parts], z=codes)
    state = [*read, *state[parts:]]
    drawn = _run(model, ops.convert_to_tensor(rows.target[:, -1]), state, noise, temperature,
                 pen_temperature, False, fast)
    return [np.concatenate([prefix, stroke5_to_stroke3(r)]) for r in drawn]
