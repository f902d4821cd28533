"""sketchlib.widgets: readable mixtures, temperature as sampling applies it, the density grid,
the heat-map and the slider explorer (built without a display)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from keras import ops

from sketchlib import mdn
from sketchlib.sampling import draw_noise, sample_offset_and_pen
from sketchlib.widgets import (density_grid, mixture_explorer, mixture_params, plot_density,
                               temper)


def two_components():
    """A readable two-component mixture with unequal weights, sigmas and correlations."""
    return mixture_params(pi=[1.0, 3.0], mu_x=[-1.0, 1.5], mu_y=[0.5, -1.0],
                          sigma_x=[0.5, 0.2], sigma_y=[0.3, 0.4], rho=[0.6, -0.3],
                          pen=(2.0, 1.0, 1.0))


# ----------------------------------------------------------------------------- mixture_params


def test_mixture_params_round_trips_readable_values():
    """exp(log_pi) is the normalised pi, exp(log_sigma) the sigmas, exp(pen_logits) the
    normalised pen probabilities; means and rho are kept; all float64 of shape (M,) / (3,)."""
    p = two_components()
    np.testing.assert_allclose(np.exp(p.log_pi), [0.25, 0.75], rtol=1e-12)
    np.testing.assert_allclose(np.exp(p.log_sigma_x), [0.5, 0.2], rtol=1e-12)
    np.testing.assert_allclose(np.exp(p.log_sigma_y), [0.3, 0.4], rtol=1e-12)
    np.testing.assert_allclose(np.exp(p.pen_logits), [0.5, 0.25, 0.25], rtol=1e-12)
    np.testing.assert_array_equal(p.mu_x, [-1.0, 1.5])
    np.testing.assert_array_equal(p.mu_y, [0.5, -1.0])
    np.testing.assert_array_equal(p.rho, [0.6, -0.3])
    for field in p:
        assert field.dtype == np.float64
    assert p.pen_logits.shape == (3,)
    assert all(field.shape == (2,) for field in p[1:])


def test_mixture_params_broadcasts_scalars_and_defaults_to_equal_pen():
    """Scalars broadcast to one entry per component; the default pen is (1/3, 1/3, 1/3)."""
    p = mixture_params(pi=[2.0, 1.0, 1.0], mu_x=0.0, mu_y=[1.0, 2.0, 3.0], sigma_x=0.5,
                       sigma_y=1.0, rho=0.0)
    np.testing.assert_allclose(np.exp(p.log_pi), [0.5, 0.25, 0.25], rtol=1e-12)
    np.testing.assert_array_equal(p.mu_x, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(np.exp(p.log_sigma_x), [0.5] * 3, rtol=1e-12)
    np.testing.assert_array_equal(p.rho, [0.0] * 3)
    np.testing.assert_allclose(np.exp(p.pen_logits), [1 / 3] * 3, rtol=1e-12)


@pytest.mark.parametrize("bad", [
    dict(pi=[1.0, 0.0]), dict(pi=[1.0, -0.5]),
    dict(sigma_x=[0.5, 0.0]), dict(sigma_x=[-0.1, 0.5]),
    dict(sigma_y=[0.0, 0.5]), dict(sigma_y=[0.5, -2.0]),
    dict(rho=[1.0, 0.0]), dict(rho=[0.0, -1.0]), dict(rho=[0.2, 1.5]),
])
def test_mixture_params_rejects_bad_values(bad):
    """Non-positive weights or sigmas, and |rho| >= 1, raise ValueError."""
    values = dict(pi=[1.0, 1.0], mu_x=[0.0, 1.0], mu_y=[0.0, 1.0], sigma_x=[0.5, 0.5],
                  sigma_y=[0.5, 0.5], rho=[0.0, 0.0])
    with pytest.raises(ValueError):
        mixture_params(**{**values, **bad})


# ----------------------------------------------------------------------------- temper

PEN_LOGITS = [0.5, -0.3, 0.2]
PI_LOGITS = [0.4, -0.4]


def raw_row():
    """A raw decoder output (3 + 6M,) for M = 2 in the layout of sketchlib.mdn: components
    far apart in dx (means -3 and +3), so each offset tells which component drew it."""
    return np.concatenate([
        PEN_LOGITS, PI_LOGITS,
        [-3.0, 3.0],                          # mu_x
        [1.0, -2.0],                          # mu_y
        [math.log(0.5), math.log(0.3)],       # log sigma_x
        [math.log(0.4), math.log(0.6)],       # log sigma_y
        [math.atanh(0.6), math.atanh(-0.2)],  # rho before tanh
    ]).astype(np.float32)


def test_temper_matches_what_sampling_draws():
    """20000 steps of sample_offset_and_pen at tau = 0.5: component and pen frequencies equal
    exp(temper(...).log_pi) and exp(temper(...).pen_logits), and the first component's offsets
    have mean mu, spread exp(temper(...).log_sigma) and correlation rho."""
    n, tau = 20000, 0.5
    row = raw_row()
    output = np.tile(row, (n, 1))
    noise = draw_noise(n, 1, seed=0)[:, 0]
    drawn = ops.convert_to_numpy(sample_offset_and_pen(
        ops.convert_to_tensor(output), ops.convert_to_tensor(noise), tau, 2))
    tempered = temper(mdn.split_output(row[None], 2), tau)
    pen_probs = np.exp(tempered.pen_logits[0])
    weights = np.exp(tempered.log_pi[0])
    assert pen_probs.sum() == pytest.approx(1.0, abs=1e-12)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    # The check can tell tempered from untempered numbers: these differ by far more than the
    # tolerances below (weights 0.83 vs 0.69).
    untempered = np.exp(PI_LOGITS) / np.exp(PI_LOGITS).sum()
    assert abs(weights[0] - untempered[0]) > 0.1

    first = drawn[:, 0] < 0.0
    np.testing.assert_allclose([first.mean(), 1 - first.mean()], weights, atol=0.01)
    np.testing.assert_allclose(drawn[:, 2:].mean(axis=0), pen_probs, atol=0.01)
    assert np.all(drawn[:, 2:].sum(axis=1) == 1.0)

    dx, dy = drawn[first, 0], drawn[first, 1]
    assert dx.mean() == pytest.approx(-3.0, abs=0.01)
    assert dy.mean() == pytest.approx(1.0, abs=0.01)
    assert dx.std() == pytest.approx(math.exp(tempered.log_sigma_x[0, 0]), rel=0.03)
    assert dy.std() == pytest.approx(math.exp(tempered.log_sigma_y[0, 0]), rel=0.03)
    assert math.exp(tempered.log_sigma_x[0, 0]) == pytest.approx(0.25, rel=1e-6)
    assert np.corrcoef(dx, dy)[0, 1] == pytest.approx(tempered.rho[0, 0], abs=0.03)


def test_temper_at_one_is_the_identity():
    """temper(params, 1) returns the same (already normalised) mixture."""
    p = two_components()
    for got, expected in zip(temper(p, 1.0), p):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_temper_sharpens_weights_and_shrinks_sigmas():
    """tau = 0.5 squares the weights (renormalised) and halves every sigma; means and rho
    are unchanged."""
    p = temper(two_components(), 0.5)
    np.testing.assert_allclose(np.exp(p.log_pi), [0.1, 0.9], rtol=1e-12)
    np.testing.assert_allclose(np.exp(p.pen_logits), [4 / 6, 1 / 6, 1 / 6], rtol=1e-12)
    np.testing.assert_allclose(np.exp(p.log_sigma_x), [0.25, 0.1], rtol=1e-12)
    np.testing.assert_allclose(np.exp(p.log_sigma_y), [0.15, 0.2], rtol=1e-12)
    np.testing.assert_array_equal(p.mu_x, [-1.0, 1.5])
    np.testing.assert_array_equal(p.rho, [0.6, -0.3])


@pytest.mark.parametrize("tau", [0.0, -0.5, float("nan")])
def test_temper_rejects_non_positive_temperature(tau):
    """tau <= 0 (or NaN) raises ValueError."""
    with pytest.raises(ValueError):
        temper(two_components(), tau)


# ----------------------------------------------------------------------------- density


def test_density_grid_integrates_to_one():
    """Over a grid that covers the mixture, sum(density) * cell area is 1 within 1e-2."""
    xs, ys, density = density_grid(two_components(), xlim=(-5.0, 5.0), ylim=(-6.0, 6.0),
                                   resolution=201)
    assert density.shape == (201, 201)
    assert np.all(density >= 0.0)
    cell = (xs[1] - xs[0]) * (ys[1] - ys[0])
    assert density.sum() * cell == pytest.approx(1.0, abs=1e-2)


def test_density_grid_peaks_at_the_mean_of_one_component():
    """One component: density[i, j] is largest at (xs[j], ys[i]) = (mu_x, mu_y), where it is
    1 / (2 pi sx sy sqrt(1 - rho^2)); x and y are not swapped."""
    sx, sy, rho = 0.5, 0.3, 0.4
    p = mixture_params(pi=[1.0], mu_x=[0.8], mu_y=[-1.2], sigma_x=[sx], sigma_y=[sy],
                       rho=[rho])
    xs, ys, density = density_grid(p, xlim=(-3.0, 3.0), ylim=(-2.0, 4.0), resolution=121)
    i, j = np.unravel_index(np.argmax(density), density.shape)
    assert xs[j] == pytest.approx(0.8, abs=1e-9)
    assert ys[i] == pytest.approx(-1.2, abs=1e-9)
    peak = 1.0 / (2 * math.pi * sx * sy * math.sqrt(1 - rho ** 2))
    assert density[i, j] == pytest.approx(peak, rel=1e-9)


def test_plot_density_makes_an_image_with_dy_downwards():
    """Without axes: a new figure whose axes hold one image (the density grid), with the
    y axis inverted (dy grows downwards) and the grid's extent."""
    p = two_components()
    image = plot_density(p, resolution=41)
    ax = image.axes
    assert list(ax.images) == [image]
    _, _, density = density_grid(p, resolution=41)
    np.testing.assert_allclose(np.asarray(image.get_array()), density)
    assert image.get_extent() == pytest.approx([-3.0, 3.0, 3.0, -3.0])
    assert ax.get_ylim() == pytest.approx((3.0, -3.0))
    assert ax.get_xlabel() == "dx" and ax.get_ylabel() == "dy"


def test_plot_density_on_given_axes_with_means_and_title():
    """On given axes: the image is drawn there, show_means adds one dot per component with
    area 200 * weight, and the title is set."""
    fig, ax = plt.subplots()
    image = plot_density(two_components(), ax=ax, resolution=41, show_means=True,
                         title="two")
    assert image.axes is ax and len(ax.images) == 1
    assert len(fig.axes) == 1
    (dots,) = ax.collections
    np.testing.assert_allclose(dots.get_offsets(), [[-1.0, 0.5], [1.5, -1.0]])
    np.testing.assert_allclose(dots.get_sizes(), [50.0, 150.0])
    assert ax.get_title() == "two"


# ----------------------------------------------------------------------------- explorer


def test_mixture_explorer_builds_without_a_display():
    """An ipywidgets.interactive of 7 sliders (pi_1, means, sigmas, rho, tau) and one output;
    building it draws the default figure, and moving sliders redraws with tempered weights."""
    import ipywidgets

    widget = mixture_explorer()
    assert isinstance(widget, ipywidgets.interactive)
    sliders = [c for c in widget.children if isinstance(c, ipywidgets.FloatSlider)]
    assert len(widget.children) == 8 and len(sliders) == 7
    assert isinstance(widget.children[-1], ipywidgets.Output)
    assert [s.description for s in sliders] == [
        "pi_1", "mu_x", "mu_y", "sigma_x", "sigma_y", "rho", "tau"]
    assert (sliders[1].min, sliders[1].max) == (-3.0, 3.0)
    assert widget.kwargs["temperature"] == 1.0
    (number,) = plt.get_fignums()
    assert plt.figure(number).axes[0].get_title() == "weights after temperature: 0.50, 0.50"

    plt.close("all")
    sliders[0].value = 0.9
    sliders[6].value = 0.5  # weights 0.9^2 : 0.1^2 -> 0.99, 0.01
    ax = plt.figure(plt.get_fignums()[-1]).axes[0]
    assert ax.get_title() == "weights after temperature: 0.99, 0.01"
    assert len(ax.images) == 1
