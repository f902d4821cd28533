"""Pictures and live sliders for the mixture density output.

:func:`plot_density` draws the density of a mixture of bivariate normals (a
:class:`~sketchlib.mdn.MixtureParams` of one step) as a heat-map over ``(dx, dy)``, in the
drawing's orientation (``dy`` grows downwards, as in :func:`sketchlib.draw.plot_sketch`).
:func:`mixture_params` builds such a mixture from readable values, and :func:`temper` applies
a sampling temperature to it. They make the book's static figures.

:func:`mixture_explorer` puts the same picture under ipywidgets sliders. Sliders only work in a
running kernel (Jupyter, Colab); in the built HTML book they show nothing useful, so every
chapter that offers one also shows a static figure.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from . import mdn


def _numpy_params(params: mdn.MixtureParams) -> mdn.MixtureParams:
    """The same parameters as float64 NumPy arrays (tensors of any backend accepted)."""
    return mdn.MixtureParams(*(np.asarray(ops.convert_to_numpy(p), dtype=np.float64)
                               for p in params))


def mixture_params(pi, mu_x, mu_y, sigma_x, sigma_y, rho,
                   pen=(1.0, 1.0, 1.0)) -> mdn.MixtureParams:
    """A mixture from readable values, one entry per component: weights ``pi`` (normalised
    here), means, standard deviations and correlations; ``pen``: the three pen probabilities.
    Returns :class:`~sketchlib.mdn.MixtureParams` in the log form that :mod:`sketchlib.mdn`
    uses (float64 arrays of shape ``(M,)``, pen logits ``(3,)``)."""
    values = [np.atleast_1d(np.asarray(v, dtype=np.float64))
              for v in (pi, mu_x, mu_y, sigma_x, sigma_y, rho)]
    values = np.broadcast_arrays(*values)
    pi, mu_x, mu_y, sigma_x, sigma_y, rho = values
    if np.any(pi <= 0) or np.any(sigma_x <= 0) or np.any(sigma_y <= 0):
        raise ValueError("weights and standard deviations must be positive")
    if np.any(np.abs(rho) >= 1):
        raise ValueError("correlations must lie strictly between -1 and 1")
    pen = np.asarray(pen, dtype=np.float64)
    return mdn.MixtureParams(pen_logits=np.log(pen / pen.sum()),
                             log_pi=np.log(pi / pi.sum()), mu_x=mu_x, mu_y=mu_y,
                             log_sigma_x=np.log(sigma_x), log_sigma_y=np.log(sigma_y), rho=rho)


def temper(params: mdn.MixtureParams, temperature: float) -> mdn.MixtureParams:
    """The distribution that :func:`sketchlib.sampling.sample_offset_and_pen` draws from at
    ``temperature`` tau (Magenta's Python convention): pen and mixture logits divided by tau
    (then normalised again), every sigma multiplied by tau."""
    p = _numpy_params(params)
    tau = float(temperature)
    if not tau > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")

    def log_softmax(logits):
        return np.asarray(ops.convert_to_numpy(ops.log_softmax(logits)), dtype=np.float64)

    return p._replace(pen_logits=log_softmax(p.pen_logits / tau),
                      log_pi=log_softmax(p.log_pi / tau),
                      log_sigma_x=p.log_sigma_x + math.log(tau),
                      log_sigma_y=p.log_sigma_y + math.log(tau))


def density_grid(params: mdn.MixtureParams, xlim=(-3.0, 3.0), ylim=(-3.0, 3.0),
                 resolution: int = 121):
    """The mixture density ``p(dx, dy)`` of one step on a regular grid: ``(xs, ys, density)``
    with ``density[i, j]`` at ``(xs[j], ys[i])``, computed by
    :func:`sketchlib.mdn.offset_log_likelihood`."""
    p = _numpy_params(params)
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    dx, dy = np.meshgrid(xs, ys)
    log_density = mdn.offset_log_likelihood(dx, dy, p)
    return xs, ys, np.exp(np.asarray(ops.convert_to_numpy(log_density), dtype=np.float64))


def plot_density(params: mdn.MixtureParams, ax=None, xlim=(-3.0, 3.0), ylim=(-3.0, 3.0),
                 resolution: int = 121, cmap: str = "magma", gamma: float = 0.5,
                 show_means: bool = False, title: str | None = None):
    """Heat-map of one step's mixture density over ``(dx, dy)``; returns the image.

    ``dy`` grows downwards, as in the drawings. The colours use a power scale (``gamma``) so
    that weak components stay visible; ``show_means`` marks each component's mean with a
    dot whose area is proportional to its weight."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import PowerNorm

    if ax is None:
        _, ax = plt.subplots(figsize=(3, 3))
    xs, ys, density = density_grid(params, xlim, ylim, resolution)
    image = ax.imshow(density, origin="upper", cmap=cmap,
                      extent=(xs[0], xs[-1], ys[-1], ys[0]),
                      norm=PowerNorm(gamma, vmin=0.0, vmax=max(density.max(), 1e-12)),
                      interpolation="bilinear")
    if show_means:
        p = _numpy_params(params)
        ax.scatter(p.mu_x, p.mu_y, s=200 * np.exp(p.log_pi), facecolor="none",
                   edgecolor="cyan", linewidth=1.0)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[-1], ys[0])
    ax.set_aspect("equal")
    ax.set_xlabel("dx")
    ax.set_ylabel("dy")
    if title:
        ax.set_title(title, fontsize=10)
    return image


def mixture_explorer(limit: float = 3.0):
    """Sliders for a mixture of two bivariate normals: the weight, means, standard deviations
    and correlation of the first component (the second is fixed), and a temperature. Returns
    the ``ipywidgets`` object; display it (end a notebook cell with it) in Jupyter or Colab."""
    import ipywidgets
    import matplotlib.pyplot as plt

    def show(pi_1=0.5, mu_x=-1.0, mu_y=-0.5, sigma_x=0.6, sigma_y=0.3, rho=0.0,
             temperature=1.0):
        params = mixture_params(pi=[pi_1, 1.0 - pi_1], mu_x=[mu_x, 1.5], mu_y=[mu_y, 1.0],
                                sigma_x=[sigma_x, 0.4], sigma_y=[sigma_y, 0.4], rho=[rho, 0.0])
        tempered = temper(params, temperature)
        weights = np.exp(tempered.log_pi)
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        plot_density(tempered, ax=ax, xlim=(-limit, limit), ylim=(-limit, limit),
                     show_means=True,
                     title=f"weights after temperature: {weights[0]:.2f}, {weights[1]:.2f}")
        plt.show()

    slider = dict(continuous_update=False, readout_format=".2f")
    F = ipywidgets.FloatSlider
    return ipywidgets.interactive(
        show,
        pi_1=F(value=0.5, min=0.01, max=0.99, step=0.01, description="pi_1", **slider),
        mu_x=F(value=-1.0, min=-limit, max=limit, step=0.1, description="mu_x", **slider),
        mu_y=F(value=-0.5, min=-limit, max=limit, step=0.1, description="mu_y", **slider),
        sigma_x=F(value=0.6, min=0.05, max=2.0, step=0.05, description="sigma_x", **slider),
        sigma_y=F(value=0.3, min=0.05, max=2.0, step=0.05, description="sigma_y", **slider),
        rho=F(value=0.0, min=-0.99, max=0.99, step=0.01, description="rho", **slider),
        temperature=F(value=1.0, min=0.05, max=2.0, step=0.05, description="tau", **slider),
    )
