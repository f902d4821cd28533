"""Pictures of sketches: matplotlib figures, SVG files and animations of a drawing being drawn;
and the book's figures, each one call from the numbers a chapter computed.

Sketches are stroke-3 ``(n, 3)`` in image coordinates (y grows downwards, as in QuickDraw), so
the plots flip the y axis. A function that makes a figure returns it outside pyplot (a
:class:`SketchFigure`): a notebook cell that ends with the call shows it once.
"""

from __future__ import annotations

import io
import math
import re

import numpy as np
from matplotlib.figure import Figure

from .strokes import stroke3_to_polylines


#: Stroke order is coloured along matplotlib's "plasma" map, from its dark blue to this point
#: (an orange still dark enough on white; plasma's last fifth is a pale yellow).
ORDER_COLORMAP, ORDER_LAST = "plasma", 0.78


def order_colors(count: int) -> list:
    """The colours of ``count`` strokes in drawing order, as ``color_by_order`` draws them:
    RGBA tuples from dark blue (first) to orange (last)."""
    from matplotlib import colormaps

    cmap = colormaps[ORDER_COLORMAP]
    return [cmap(i / max(count - 1, 1) * ORDER_LAST) for i in range(count)]


def _stroke_colors(count: int, color_by_order: bool, color: str):
    return order_colors(count) if color_by_order else [color] * count


def plot_sketch(sketch, ax=None, color_by_order: bool = False, color: str = "black",
                linewidth: float = 2.0, title: str | None = None, show_points: bool = False):
    """Draw one sketch on ``ax`` (a new figure when ``None``); returns the axes.

    ``color_by_order`` colours the strokes from dark blue (first) to orange (last);
    ``show_points`` marks every point of the stroke-3 rows. A sketch of 0 rows (a model's
    drawing that ended at once) is shown as the word "(empty)".
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(3, 3))
    if len(sketch) == 0:
        ax.text(0.5, 0.5, "(empty)", ha="center", va="center", fontsize=8, color="gray")
        ax.set_axis_off()
        return ax
    lines = stroke3_to_polylines(sketch)
    for line, stroke_color in zip(lines, _stroke_colors(len(lines), color_by_order, color)):
        ax.plot(line[:, 0], line[:, 1], color=stroke_color, linewidth=linewidth,
                solid_capstyle="round", solid_joinstyle="round",
                marker="o" if show_points or len(line) == 1 else None,
                markersize=3 if show_points else linewidth * 1.5)
    ax.set_aspect("equal")
    if not ax.yaxis_inverted():
        ax.invert_yaxis()
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    return ax


class SketchFigure(Figure):
    """A matplotlib figure outside pyplot that a notebook displays as a PNG (``_repr_png_``):
    returned by a drawing function, it is shown once, however the cell ends."""

    def _repr_png_(self):
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def plot_grid(sketches, ncols: int = 5, titles=None, size: float = 2.0, title=None,
              row_titles=None, **kwargs):
    """Draw sketches in a grid of ``ncols`` columns, under an optional figure ``title``;
    returns the figure. ``titles`` (one per sketch) are centred above each sketch,
    ``row_titles`` (one per row) start at each row's left edge and may run across the row.
    ``kwargs`` go to :func:`plot_sketch` (e.g. ``color_by_order=True``). An empty sketch is
    shown as "(empty)", as in :func:`grid_svg`.

    The figure is not registered with pyplot: a notebook shows it once, as the value of the
    cell it ends (a pyplot figure would also be shown when the cell finishes: twice); in a
    script, save it with ``fig.savefig``."""
    count = len(sketches)
    if count == 0:
        raise ValueError("plot_grid needs at least one sketch")
    ncols = min(ncols, count)
    nrows = math.ceil(count / ncols)
    if row_titles is not None and len(row_titles) != nrows:
        raise ValueError(f"plot_grid has {nrows} rows but {len(row_titles)} row titles")
    fig = SketchFigure(figsize=(size * ncols, size * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < count:
            plot_sketch(sketches[i], ax=ax, title=titles[i] if titles is not None else None,
                        **kwargs)
        else:
            ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=11)
    if not row_titles:
        fig.tight_layout()
        return fig
    # The rows are spaced for a line of text (h_pad, and the top of rect); each label then
    # sits above its row's cells, where no sketch reaches (laid out with the sketches, it
    # would widen the first column instead).
    fig.tight_layout(h_pad=3.0, rect=(0, 0, 1, 1 - 0.25 / fig.get_figheight()))
    for ax, row_title in zip(axes[:, 0], row_titles):
        cell = ax.get_position(original=True)  # a sketch is drawn within its cell
        fig.text(cell.x0, cell.y1 + 0.04 / fig.get_figheight(), row_title, fontsize=10,
                 va="bottom")
    return fig


def plot_map(sketches, points, size: float, ax=None, linewidth: float = 0.8,
             color: str = "black"):
    """Draw each sketch at its point of a 2-D map (a projection of latent codes, say): fitted
    into a ``size`` square (in the map's units) centred on ``points[i]`` ``(n, 2)``, upright
    on axes whose y grows upwards; returns the axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 8))
    for sketch, centre in zip(sketches, np.asarray(points, dtype=np.float64)):
        if len(sketch) == 0:
            continue
        lines = stroke3_to_polylines(sketch)
        stacked = np.vstack(lines)
        low, high = stacked.min(axis=0), stacked.max(axis=0)
        scale = size / (float((high - low).max()) or 1.0)
        for line in lines:
            xy = (line - (low + high) / 2) * scale * np.array([1.0, -1.0]) + centre
            ax.plot(xy[:, 0], xy[:, 1], color=color, linewidth=linewidth,
                    solid_capstyle="round", solid_joinstyle="round")
    ax.set_aspect("equal")
    return ax


def _add_to_svg(drawing, sketch, corner, size: float, margin: float, stroke_width: float,
                color: str) -> None:
    """Add the sketch's strokes to an svgwrite drawing, fitted into the ``size`` square
    whose top-left corner is ``corner``; one ``<path>`` per stroke."""
    if len(sketch) == 0:  # a drawing that ended at once, as plot_sketch shows it
        drawing.add(drawing.text("(empty)", insert=(corner[0] + size / 2, corner[1] + size / 2),
                                 text_anchor="middle", font_size=size / 12, fill="gray",
                                 font_family="sans-serif"))
        return
    lines = stroke3_to_polylines(sketch)
    points = np.vstack(lines)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = float((high - low).max()) or 1.0
    scale = (size - 2 * margin) / extent
    centring = (size - (high - low) * scale) / 2  # the drawing in the middle of its square
    for line in lines:
        xy = (line - low) * scale + centring + np.asarray(corner)
        if len(xy) == 1:  # a dot: a zero-length segment with round caps is visible
            xy = np.vstack([xy, xy])
        commands = "M" + " L".join(f"{x:.2f},{y:.2f}" for x, y in xy)
        drawing.add(drawing.path(d=commands, fill="none", stroke=color,
                                 stroke_width=stroke_width, stroke_linecap="round",
                                 stroke_linejoin="round"))


def to_svg(sketch, path=None, size: int = 200, margin: int = 10, stroke_width: float = 2.0,
           color: str = "black") -> str:
    """The sketch as an SVG document (a string), fitted into a ``size`` x ``size`` square;
    also written to ``path`` when given. One ``<path>`` per stroke."""
    return grid_svg([sketch], path, ncols=1, size=size, margin=margin,
                    stroke_width=stroke_width, color=color)


def grid_svg(sketches, path=None, ncols: int = 4, size: int = 200, margin: int = 10,
             stroke_width: float = 2.0, color: str = "black") -> str:
    """Several sketches as one SVG document, in a grid of ``ncols`` columns of ``size``
    squares; also written to ``path`` when given. An empty sketch is shown as "(empty)", as
    in :func:`plot_grid`."""
    import svgwrite

    if len(sketches) == 0:
        raise ValueError("grid_svg needs at least one sketch")
    ncols = max(1, min(ncols, len(sketches)))
    nrows = -(-len(sketches) // ncols)
    width, height = ncols * size, nrows * size
    drawing = svgwrite.Drawing(filename=str(path) if path else "sketch.svg",
                               size=(width, height))
    drawing.add(drawing.rect(insert=(0, 0), size=(width, height), fill="white"))
    for i, sketch in enumerate(sketches):
        corner = ((i % ncols) * size, (i // ncols) * size)
        _add_to_svg(drawing, sketch, corner, size, margin, stroke_width, color)
    text = drawing.tostring()
    if path is not None:
        drawing.save()
    return text


def show_svg(sketch, **kwargs):
    """The sketch as an inline SVG for a notebook (``IPython.display.SVG``)."""
    from IPython.display import SVG

    return SVG(to_svg(sketch, **kwargs))


def animate(sketch, interval: int = 40, size: float = 3.0, color_by_order: bool = True,
            linewidth: float = 2.0, dpi: int = 72):
    """A ``matplotlib.animation.FuncAnimation`` that draws the sketch point by point.

    Frame 0 shows the whole drawing (what a reader sees before pressing play); frame ``k >= 1``
    shows its first ``k`` points. Show it with :func:`animation_html`."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    lines = stroke3_to_polylines(sketch)
    colors = _stroke_colors(len(lines), color_by_order, "black")
    points = np.vstack(lines)
    fig, ax = plt.subplots(figsize=(size, size), dpi=dpi)
    pad = 0.05 * max(float(np.ptp(points[:, 0])), float(np.ptp(points[:, 1])), 1e-6)
    ax.set_xlim(points[:, 0].min() - pad, points[:, 0].max() + pad)
    ax.set_ylim(points[:, 1].max() + pad, points[:, 1].min() - pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    artists = [ax.plot([], [], color=c, linewidth=linewidth, solid_capstyle="round")[0]
               for c in colors]
    starts = np.cumsum([0] + [len(line) for line in lines])  # index of each stroke's first point

    def update(frame):
        points_shown = int(starts[-1]) if frame == 0 else frame
        for i, (line, artist) in enumerate(zip(lines, artists)):
            shown = np.clip(points_shown - starts[i], 0, len(line))
            artist.set_data(line[:shown, 0], line[:shown, 1])
        return artists

    animation = FuncAnimation(fig, update, frames=int(starts[-1]) + 1, interval=interval, blit=True)
    plt.close(fig)
    return animation


#: The play controls' icons as characters: matplotlib's HTML asks a CDN for Font Awesome,
#: which a book read offline (or a page that makes no outside request) cannot load.
CONTROL_ICONS = "".join(
    f'.anim-buttons .{name}:before {{content: "{text}"}} ' for name, text in (
        ("fa-minus", "\\2212"), ("fa-plus", "+"), ("fa-pause", "\\275A\\275A"),
        ("fa-play", "\\25B6\\FE0E"), ("fa-play.fa-flip-horizontal", "\\25C0\\FE0E"),
        ("fa-step-forward", "\\25B6\\FE0E|"), ("fa-step-backward", "|\\25C0\\FE0E"),
        ("fa-fast-forward", "\\25B6\\FE0E\\25B6\\FE0E|"),
        ("fa-fast-backward", "|\\25C0\\FE0E\\25C0\\FE0E")))


def animation_html(sketch, **kwargs):
    """An animation of the sketch being drawn, as HTML with play controls that works in a
    notebook and in the built book (JavaScript, no video encoder needed), offline too: it
    loads nothing from another site."""
    from IPython.display import HTML

    style = f"<style>.anim-buttons i {{font-style: normal}} {CONTROL_ICONS}</style>"
    html = re.sub(r'<link rel="stylesheet"\s*href="[^"]*font-awesome[^"]*">',
                  lambda link: style, animate(sketch, **kwargs).to_jshtml())
    return HTML(html)


# The book's figures. Each draws one figure of a chapter from numbers the chapter computed
# (sketches, model outputs, training logs), so that the chapter's cell is one call in the book
# and in Colab alike; each returns a SketchFigure, shown once as the value of the cell it ends.

#: The pen states of a stroke-5 row, as the figures name them.
PEN_STATES = ("p1 draw", "p2 lift", "p3 end")


def _figure(width: float, height: float, nrows: int = 1, ncols: int = 1, **kwargs):
    """A :class:`SketchFigure` of ``width`` x ``height`` inches and its axes
    (``Figure.subplots`` arguments)."""
    fig = SketchFigure(figsize=(width, height))
    return fig, fig.subplots(nrows, ncols, **kwargs)


def plot_raw_drawing(raw_strokes, word: str = "drawing"):
    """A raw QuickDraw drawing, point by point: every point coloured by the time it was drawn
    (left), and one row of ticks per stroke, one tick per point, against time (right).
    ``raw_strokes``: its strokes, each ``(n, 3)``: x, y in screen pixels and t in milliseconds
    since the first point; ``word``: what it is, for the title."""
    points = np.vstack(raw_strokes)
    fig, (left, right) = _figure(10, 4.2, 1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    scatter = left.scatter(points[:, 0], points[:, 1], c=points[:, 2] / 1000, s=10,
                           cmap="viridis")
    left.set(aspect="equal", xlabel="x (screen pixels)", ylabel="y (screen pixels)",
             title=f"raw points of one {word} ({len(points)} points)")
    left.invert_yaxis()
    fig.colorbar(scatter, ax=left, label="time since the first point (s)")
    for i, stroke in enumerate(raw_strokes):
        right.plot(stroke[:, 2] / 1000, np.full(len(stroke), i), "|", markersize=10,
                   markeredgewidth=1.5)
    right.set(yticks=range(len(raw_strokes)), xlabel="time (s)", ylabel="stroke",
              title="when each stroke was drawn")
    right.invert_yaxis()
    fig.tight_layout()
    return fig


def plot_offsets(offsets, scale_factor: float):
    """Histograms (log counts) of the offsets ``(n, 2)`` (dx, dy in pixels) divided by the
    ``scale_factor`` that normalises them, in bins of 3 pixels."""
    offsets = np.asarray(offsets, dtype=np.float64)
    bins = np.arange(-250.5, 251, 3.0) / scale_factor
    fig, ax = _figure(9, 3.6)
    for axis, name in enumerate(["dx", "dy"]):
        label = f"{name} / {scale_factor:.2f} (raw std {offsets[:, axis].std():.1f} px)"
        ax.hist(offsets[:, axis] / scale_factor, bins=bins, histtype="step", linewidth=1.8,
                label=label)
    ax.set(yscale="log", xlabel="offset after normalisation (units of the scale factor)",
           ylabel="rows of the training split")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_lengths(sketches):
    """Histograms of the rows (points) and of the strokes per sketch of stroke-3
    ``sketches``, the mean number of rows marked."""
    lengths = [len(s) for s in sketches]
    stroke_counts = [int(s[:, 2].sum()) for s in sketches]
    fig, (left, right) = _figure(10, 3.6, 1, 2)
    left.hist(lengths, bins=50, color="tab:green")
    left.axvline(np.mean(lengths), color="black", linestyle="--",
                 label=f"mean {np.mean(lengths):.0f}")
    left.set_xlabel("rows (points) per sketch")
    left.legend()
    right.hist(stroke_counts, bins=np.arange(0.5, max(stroke_counts) + 1.5), color="tab:orange")
    right.set_xlabel("strokes per sketch")
    for ax in (left, right):
        ax.set_ylabel("sketches")
    fig.tight_layout()
    return fig


def plot_augmentations(original, scaled, thinned, factors):
    """Two augmentations of the stroke-3 sketch ``original``, each in black over it in grey,
    on the same axes: ``scaled`` by the ``factors`` (x, y), and ``thinned`` by point dropping,
    with the points it lost as red crosses."""
    from matplotlib.lines import Line2D

    before = np.vstack(stroke3_to_polylines(original))
    after = np.vstack(stroke3_to_polylines(thinned))
    removed = before[[not np.isclose(after, p, atol=1e-3).all(axis=1).any() for p in before]]
    fig, axes = _figure(11, 3.9, 1, 2, sharex=True, sharey=True)
    for ax, version in zip(axes, (scaled, thinned)):
        plot_sketch(original, ax=ax, color="#b4b4b4", linewidth=5)
        plot_sketch(version, ax=ax, color="black", linewidth=1.4)
    axes[0].set_title(f"random_scale: x \u00d7 {factors[0]:.2f}, y \u00d7 {factors[1]:.2f}")
    cross = dict(color="tab:red", marker="x", linestyle="", markersize=9, markeredgewidth=2.2)
    axes[1].plot(removed[:, 0], removed[:, 1], **cross)
    axes[1].set_title(f"drop_points: {len(removed)} of {len(before)} points removed (\u00d7)")
    handles = [Line2D([], [], color="#b4b4b4", linewidth=5, label="original"),
               Line2D([], [], color="black", linewidth=1.4, label="augmented"),
               Line2D([], [], label="removed point", **cross)]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    return fig


def plot_batch(target):
    """A batch of stroke-5 targets ``(B, N, 5)``, one row of pixels per sketch and one column
    per step: dx (top; the padding after each sketch's end in black) and the pen state
    (bottom)."""
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm, ListedColormap

    target = np.asarray(target)
    fig, (top, bottom) = _figure(10, 5.4, 2, 1, sharex=True)
    padded_dx = np.ma.masked_where(target[:, :, 4] == 1, target[:, :, 0])
    image = top.imshow(padded_dx, aspect="auto", cmap=colormaps["coolwarm"].with_extremes(
        bad="black"), vmin=-3, vmax=3, interpolation="nearest")
    fig.colorbar(image, ax=top, label="dx (normalised)")
    top.set_title("target dx (black: padding)")
    pen_colours = ListedColormap(["#dddddd", "tab:red", "black"])
    image = bottom.imshow(np.argmax(target[:, :, 2:], axis=2), aspect="auto",
                          cmap=pen_colours, norm=BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3),
                          interpolation="nearest")
    bar = fig.colorbar(image, ax=bottom, ticks=[0, 1, 2], label="pen state")
    bar.ax.set_yticklabels(PEN_STATES)
    bottom.set(title="target pen state", xlabel="step")
    for ax in (top, bottom):
        ax.set(ylabel="sketch", yticks=range(len(target)))
    fig.tight_layout()
    return fig


def _plot_pen(ax, q, true_state=None, title: str = "pen state"):
    """The three pen probabilities ``q`` as bars, the ``true_state`` (0, 1, 2) outlined."""
    bars = ax.bar(range(3), q, color=["tab:blue", "tab:orange", "tab:green"])
    if true_state is not None:
        bars[true_state].set_edgecolor("black")
        bars[true_state].set_linewidth(2.5)
    for k, value in enumerate(q):
        ax.text(k, value + 0.03, f"{value:.2f}", ha="center", fontsize=9)
    ax.set_xticks(range(3), PEN_STATES, fontsize=9)
    ax.set_ylim(0, 1.15)
    ax.set_title(title, fontsize=10)


def plot_predictions(sketch, params, steps):
    """What a model reading the stroke-3 ``sketch`` ``(n, 3)`` predicts at some of its steps,
    one row a step: the drawing so far (black) over the whole sketch (grey), the pen's
    position (red dot), the next true point (red cross) and the window of the heat-map
    (dashed box); the density of the next offset with the true offset (cyan cross); the pen
    probabilities, the true state outlined. ``params``: the model's
    :class:`~sketchlib.mdn.MixtureParams` for the sketch (each field ``(steps, M)``,
    ``pen_logits`` ``(steps, 3)``); ``steps``: ``{title: step i}``, 1-based, at most ``n``:
    step ``i`` predicts row ``i - 1``."""
    from matplotlib.patches import Rectangle

    from .widgets import plot_density, temper

    sketch = np.asarray(sketch)
    fig, axes = _figure(11, 3.4 * len(steps), len(steps), 3, squeeze=False,
                        gridspec_kw={"width_ratios": [1.3, 1.1, 0.9]})
    for row, (name, i) in zip(axes, steps.items()):
        true_offset, position = sketch[i - 1, :2], sketch[:i - 1, :2].sum(axis=0)
        step = params._make(field[i - 1] for field in params)
        p = temper(step, 1.0)  # the same mixture, as NumPy arrays
        heavy = np.exp(p.log_pi) > 0.1  # the window holds the heavy components, the truth
        reach = np.maximum(np.abs(p.mu_x) + 2 * np.exp(p.log_sigma_x),
                           np.abs(p.mu_y) + 2 * np.exp(p.log_sigma_y))[heavy]
        half = max(1.5, 1.3 * np.abs(true_offset).max(), reach.max())
        plot_sketch(sketch, ax=row[0], color="#cccccc", linewidth=1.5)
        if i > 1:
            plot_sketch(sketch[:i - 1], ax=row[0], linewidth=1.5)
        row[0].plot(*position, "o", color="tab:red", markersize=5)
        row[0].plot(*(position + true_offset), "x", color="tab:red", markersize=9, mew=2.5)
        row[0].add_patch(Rectangle(position - half, 2 * half, 2 * half, fill=False,
                                   edgecolor="tab:red", linestyle="--", linewidth=1))
        row[0].relim()
        row[0].autoscale_view()
        row[0].set_title(f"step {i}: {name}", fontsize=10)
        image = plot_density(step, ax=row[1], xlim=(-half, half), ylim=(-half, half),
                             title="density of the next offset")
        bar = fig.colorbar(image, ax=row[1], fraction=0.046, pad=0.04)
        bar.set_label("density (square-root scale)", fontsize=9)
        row[1].plot(*true_offset, "x", color="cyan", markersize=10, mew=2.5)
        _plot_pen(row[2], np.exp(p.pen_logits), int(sketch[i - 1, 2]))
    fig.tight_layout()
    return fig


def plot_mixture_parameters(base, rows):
    """What each parameter of a mixture's first component does to its density: one row of
    heat-maps per parameter, one per value, the means marked. ``base``: the mixture's values
    as :func:`sketchlib.widgets.mixture_params` takes them (one per component); ``rows``:
    ``(name, values, title)`` with ``name`` one of ``"pi"`` (the first weight; the second is
    one minus it), ``"mu"``, ``"sigma"`` (values ``(x, y)`` pairs) and ``"rho"``, and
    ``title`` a format string for the value."""
    from .widgets import mixture_params, plot_density

    def changed(name, value):
        values = {key: list(v) for key, v in base.items()}
        if name == "pi":
            values["pi"] = [value, 1 - value]
        elif name in ("mu", "sigma"):
            values[name + "_x"][0], values[name + "_y"][0] = value
        else:
            values[name][0] = value
        return mixture_params(**values)

    ncols = max(len(values) for _, values, _ in rows)
    fig, axes = _figure(2.8 * ncols, 2.75 * len(rows), len(rows), ncols, squeeze=False)
    for ax_row, (name, values, title) in zip(axes, rows):
        for ax, value in zip(ax_row, values):
            plot_density(changed(name, value), ax=ax, show_means=True,
                         title=title.format(value))
    fig.tight_layout()
    return fig


def plot_step_losses(offset_nll, pen_nll, lengths):
    """The offset and the pen loss of every step of a padded batch, one panel per sketch:
    ``offset_nll`` and ``pen_nll`` ``(B, N)``, the offset loss shown up to each sketch's
    ``lengths`` ``(B,)`` (it is masked after the end), the padding grey. The step axis is
    compressed in the padding, so the real steps get the room."""
    offset_nll, pen_nll = np.asarray(offset_nll), np.asarray(pen_nll)
    steps = offset_nll.shape[1]
    split = 10 * int(np.ceil((max(lengths) + 10) / 10))

    def compress(x):
        return np.where(x <= split, x, split + (x - split) * 0.15)

    def expand(x):
        return np.where(x <= split, x, split + (x - split) / 0.15)

    fig, axes = _figure(10, 2.0 * len(lengths), len(lengths), 1, sharex=True, squeeze=False)
    axes = axes[:, 0]
    for ax, offset, pen, n in zip(axes, offset_nll, pen_nll, lengths):
        ax.set_xscale("function", functions=(compress, expand))
        ax.axvspan(n + 0.5, steps + 0.5, color="#dddddd")
        ax.plot(np.arange(1, n + 1), offset[:n], color="tab:blue", linewidth=1,
                label="offset: $-\\log p(\\Delta x, \\Delta y)$ (masked after the end)")
        ax.plot(np.arange(1, steps + 1), pen, color="tab:orange", linewidth=1,
                label="pen: cross-entropy (all steps in training)")
        ax.axhline(0, color="black", linewidth=0.5)
        ax.text(0.99, 0.9, f"sheep of {n} rows; grey: padding", transform=ax.transAxes,
                ha="right", va="top", fontsize=11)
        ax.set_ylabel("loss per step")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", ncol=2, fontsize=11,
               frameon=False)
    middle = (split + steps) // 100 * 50  # a round step in the compressed part
    axes[-1].set_xticks([*range(0, split + 1, 10), *[middle] * (split < middle < steps), steps])
    axes[-1].set_xlim(0, steps + 0.5)
    axes[-1].set_xlabel(f"step $i$ (the axis is compressed after step {split})")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def plot_tempered_step(tempered, samples, true_offset):
    """One step's distribution at several temperatures, one column each: the pen
    probabilities, the mixture weights, and the offset density with samples drawn from it
    (white dots) and the true offset (cyan cross). ``tempered``: ``{tau: MixtureParams}`` of
    one step as :func:`sketchlib.widgets.temper` gives them; ``samples``: ``{tau: (n, 5)}``
    rows drawn at each tau; ``true_offset``: ``(dx, dy)``."""
    from .widgets import plot_density

    half = max(1.5, 1.3 * np.abs(np.asarray(true_offset)).max())
    fig, axes = _figure(10, 7.8, 3, len(tempered), squeeze=False,
                        gridspec_kw={"height_ratios": [1, 1, 1.8]})
    for column, (tau, params) in zip(axes.T, tempered.items()):
        _plot_pen(column[0], np.exp(params.pen_logits), title=f"$\\tau$ = {tau}: pen state")
        weights = np.exp(params.log_pi)
        column[1].bar(np.arange(len(weights)), weights, color="tab:purple")
        column[1].set_ylim(0, 1.05)
        column[1].set_xticks([*range(0, len(weights) - 1, 5), len(weights) - 1])
        column[1].set_xlabel("component $j$", fontsize=9)
        column[1].set_title("mixture weights $\\Pi_j$", fontsize=10)
        plot_density(params, ax=column[2], xlim=(-half, half), ylim=(-half, half),
                     resolution=241, title=f"density and {len(samples[tau])} samples")
        column[2].scatter(samples[tau][:, 0], samples[tau][:, 1], s=2, color="white",
                          alpha=0.5)
        column[2].plot(*true_offset, "x", color="cyan", markersize=10, mew=2.5)
    fig.tight_layout()
    return fig


def plot_decoder_steps(rows, input_label: str, target_label: str, arrow_label: str,
                       title: str, steps: int = 8):
    """The first ``steps`` steps of the decoder on a sketch given as stroke-5 ``rows``
    ``(n, 5)`` (``S_1, S_2, ...``): above, a table of each step's input row (``S_0``, the
    start token, then ``S_1, ...``) over the row it predicts, coloured by pen state, with
    arrows from each target to the next input; below, the drawing as the decoder sees it:
    the points read so far (black) and the move to predict (red, dashed when the pen is up)
    on the whole sketch in grey. The labels name the table's rows and its arrows."""
    from matplotlib.patches import Rectangle

    from .batching import START_TOKEN
    from .strokes import stroke5_to_stroke3

    names, colours = ("p1", "p2", "p3"), ("#e6e6e6", "#f5a3a3", "#4d4d4d")
    whole = stroke5_to_stroke3(rows)  # the whole sketch, cut at its end
    rows = np.asarray(rows)[:steps]
    inputs = np.vstack([START_TOKEN, rows[:-1]])
    fig = SketchFigure(figsize=(10, 5.4))
    grid = fig.add_gridspec(2, steps, height_ratios=[1.35, 1], hspace=0.05, wspace=0.08)
    table = fig.add_subplot(grid[0, :])
    for i in range(steps):
        for row, y in ((inputs[i], 1.6), (rows[i], 0.0)):
            pen = int(np.argmax(row[2:]))
            table.add_patch(Rectangle((i + 0.06, y), 0.88, 0.95, facecolor=colours[pen],
                                      edgecolor="black", linewidth=0.8))
            table.text(i + 0.5, y + 0.475, f"{row[0]:+.2f}\n{row[1]:+.2f}\n{names[pen]}",
                       ha="center", va="center", fontsize=11, family="monospace",
                       color="white" if pen == 2 else "black")
        table.text(i + 0.5, 2.65, f"step {i + 1}", ha="center", fontsize=11)
        if i + 1 < steps:
            table.annotate("", xy=(i + 1.3, 1.58), xytext=(i + 0.7, 0.97),
                           arrowprops=dict(arrowstyle="-|>", color="tab:blue", linewidth=1.3))
    table.text(-0.12, 2.075, input_label, ha="right", va="center", fontsize=12)
    table.text(-0.12, 0.475, target_label, ha="right", va="center", fontsize=12)
    table.text(-0.12, 1.27, arrow_label, ha="right", va="center", fontsize=11, color="tab:blue")
    table.set(xlim=(-2.6, steps), ylim=(-0.05, 2.9))
    table.set_axis_off()
    table.set_title(title, fontsize=13)
    points = np.vstack([[0.0, 0.0], np.cumsum(rows[:, :2], axis=0)])  # P_0 (the origin) ..
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    half = 0.6 * max(float(np.ptp(points, axis=0).max()), 0.5)  # a square window
    for i in range(steps):
        ax = fig.add_subplot(grid[1, i])
        plot_sketch(whole, ax=ax, color="#cccccc", linewidth=1)
        if i > 0:
            plot_sketch(rows[:i, [0, 1, 3]], ax=ax, linewidth=1.8)  # stroke-3: p = p2
        ax.plot(*points[i], "o", color="black", markersize=3)
        ax.annotate("", xy=points[i + 1], xytext=points[i],
                    arrowprops=dict(arrowstyle="-|>", color="tab:red", linewidth=1.6,
                                    linestyle="--" if inputs[i, 3] == 1 else "-"))
        ax.set(xlim=(centre[0] - half, centre[0] + half),
               ylim=(centre[1] + half, centre[1] - half))
        ax.set_axis_off()
    return fig



def plot_sketch_losses(offset_nll, pen_nll, pen_up):
    """The offset loss (black) and the pen loss (orange) of every step of one sketch,
    ``(N,)`` each, the steps that move with the pen up (``pen_up``, bool ``(N,)``) in red
    bands."""
    offset_nll, pen_nll = np.asarray(offset_nll), np.asarray(pen_nll)
    steps = np.arange(1, len(offset_nll) + 1)
    fig, ax = _figure(10, 3.2)
    for step in steps[np.asarray(pen_up, dtype=bool)]:
        ax.axvspan(step - 0.5, step + 0.5, color="tab:red", alpha=0.15, linewidth=0)
    ax.plot(steps, offset_nll, color="black", linewidth=1.2,
            label=r"offset: $-\log p(\Delta x, \Delta y)$")
    ax.plot(steps, pen_nll, color="tab:orange", linewidth=1.2, label=r"pen: $-\log q_k$")
    ax.set(xlabel="step $i$", ylabel="loss of the step")
    ax.set_ylim(top=1.3 * max(offset_nll.max(), pen_nll.max()))
    ax.legend(loc="upper left", ncols=2)
    fig.tight_layout()
    return fig


def plot_exposure(sketch, guesses, drawn):
    """One step from the truth, or every step from itself. Left: the stroke-3 ``sketch``
    (grey) and, from each of its points (the origin first), a model's next point
    ``guesses`` ``(n, 2)`` (red). Right: ``drawn``, the sketch the model draws when its moves
    are fed back, strokes in order."""
    sketch = np.asarray(sketch)
    points = np.vstack([[0.0, 0.0], np.cumsum(sketch[:, :2], axis=0)])[:-1]
    fig, (left, right) = _figure(10, 4.2, 1, 2)
    plot_sketch(sketch, ax=left, color="#b0b0b0", linewidth=2.5)
    for start, guess in zip(points, guesses):
        left.plot([start[0], guess[0]], [start[1], guess[1]], color="tab:red", linewidth=1)
    left.set_title("teacher forcing: one greedy move\nfrom every true point", fontsize=10)
    if len(drawn):
        plot_sketch(drawn, ax=right, color_by_order=True)
    right.set_title(f"sampling: greedy moves fed back\n({len(drawn)} rows)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_temperature_sweep(temperatures, stats, real, max_seq_len: int):
    """What sketches drawn at each temperature look like: the mean points (rows) and strokes
    per sketch and the share that never ended within ``max_seq_len`` steps, ``stats``
    ``(T, 3)``, against the ``temperatures`` ``(T,)``; ``real``: the real sketches' mean
    points and strokes (dashed lines)."""
    fig, axes = _figure(12, 3.2, 1, 3)
    titles = ("points per sketch", "strokes per sketch",
              f"share that never ended ({max_seq_len} steps)")
    for ax, values, mean, title in zip(axes, np.asarray(stats).T, (*real, None), titles):
        ax.plot(temperatures, values, "o-", label="model")
        if mean is not None:
            ax.axhline(mean, color="black", linestyle="--", label="real test sheep")
            ax.legend()
        ax.set_xlabel(r"temperature $\tau$")
        ax.set_title(title, fontsize=10)
    axes[2].set_ylim(-0.05, 1.05)
    fig.tight_layout()
    return fig

#: What the figures call the quantities of a training log (:func:`plot_training_curves`): a
#: name and a symbol.
CURVES = {"loss": ("loss", "$L$"), "offset_loss": ("offset loss", "$L_s$"),
          "pen_loss": ("pen loss", "$L_p$"), "reconstruction": ("reconstruction loss", "$L_R$"),
          "kl": ("KL divergence", "$L_{KL}$"), "kl_weight": ("KL weight", "$w_t$"),
          "learning_rate": ("learning rate", "$\\lambda_t$")}


#: The horizontal axes of :func:`plot_training_curves`: log columns, or one the caller adds.
X_LABELS = {"step": "training step", "seconds": "seconds of training",
            "hours": "hours of training"}


def _log_values(log, name: str):
    """A log's column, or ``[val_]reconstruction``: its offset plus its pen loss."""
    if name.endswith("reconstruction"):
        prefix = name[:-len("reconstruction")]
        return log[prefix + "offset_loss"] + log[prefix + "pen_loss"]
    return log[name]


def plot_training_curves(logs, quantities=("offset_loss", "pen_loss"),
                         splits=("training", "validation"), x="step", styles=None,
                         hollow=None, best=None, floor=None, titles=None, axes=None):
    """Training curves from logs (:func:`sketchlib.checkpoints.read_log`: columns ``(rows,)``),
    one panel per quantity (and per ``x`` when several); returns the figure.

    ``logs``: one log, or ``{label: log}`` to compare runs. ``quantities``: keys of
    :data:`CURVES`. ``learning_rate`` and ``kl_weight`` are one curve per run; the others
    one per run and split of ``splits`` (``"training"``: the mean over each interval,
    ``"validation"``: at its end), and a run whose log lacks one (the KL of a decoder-only
    model) is left out of its panel. ``x``: the log column (or columns) along the horizontal
    axis: ``"step"``, or one the caller added (hours, say). ``styles``: ``{label: plot
    keywords}`` (colour, linestyle, marker). ``hollow``: ``{label: bool (rows,)}``, points to
    draw hollow (measured otherwise, say). ``best``: a step marked with a dotted line;
    ``floor``: the free-bits floor, a grey line in the KL panels. ``titles``: the panels' (the
    quantity's symbol then labels the y axis); by default the quantity is the title. ``axes``:
    draw on these, one per panel, rather than on a new figure."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    single = not isinstance(next(iter(logs.values())), dict)
    runs = {None: logs} if single else logs
    columns = [x] if isinstance(x, str) else list(x)
    panels = [(quantity, column) for quantity in quantities for column in columns]
    fig = None
    if axes is None:
        width = 4.2 if single else 5.5  # room for the runs' legend
        fig, axes = _figure(width * len(panels), 3.6, 1, len(panels), squeeze=False,
                            sharey=len(quantities) == 1 and len(columns) > 1)
        axes = axes[0]
    for ax, (quantity, column), title in zip(axes, panels, titles or [None] * len(panels)):
        per_run = quantity in ("learning_rate", "kl_weight")
        for k, (label, log) in enumerate(runs.items()):
            for s, split in enumerate([None] if per_run else splits):
                key = quantity if split in (None, "training") else "val_" + quantity
                if key not in log and not key.endswith("reconstruction"):
                    continue
                style = {"marker": "o", "markersize": 3, "color": f"C{s if single else k}"}
                if per_run and single:  # a line of its own, no points to compare
                    style |= {"color": "tab:green", "marker": None}
                if not single and split == "training" and len(splits) > 1:
                    style["alpha"] = 0.5  # the validation curve is the one to read
                style |= (styles or {}).get(label, {})
                curve = label if split is None else split if single else (
                    label if len(splits) == 1 else f"{label}, {split}")
                steps, values = log[column], _log_values(log, key)
                ax.plot(steps, values, label=curve, **style)
                if hollow and label in hollow:
                    points = np.asarray(hollow[label], dtype=bool)
                    ax.plot(steps[points], values[points], linestyle="", marker=style["marker"],
                            markersize=style["markersize"] + 1, color=style["color"],
                            markerfacecolor="white")
        if floor is not None and quantity == "kl":
            ax.axhline(floor, color="0.7", linewidth=0.8, label="the floor")
        if best is not None and column == "step":
            ax.axvline(best, color="grey", linestyle=":", linewidth=1)
        validation_only = not per_run and tuple(splits) == ("validation",)
        prefix = "validation " if validation_only else ""
        name, symbol = CURVES[quantity]
        if title:  # large type: the figure is shrunk to the page's width
            ax.set_ylabel(prefix + symbol, fontsize=13)
        ax.set_title(title or f"{prefix}{name} {symbol}", fontsize=14)
        ax.set_xlabel(X_LABELS.get(column, column), fontsize=13)
        ax.tick_params(labelsize=12)
        if quantity == "learning_rate":
            ax.set_yscale("log")
        if column == "step":
            ax.xaxis.set_major_locator(MaxNLocator(6, steps=[1, 2, 2.5, 5, 10]))
            ax.xaxis.set_major_formatter(FuncFormatter(
                lambda value, _: f"{value / 1000:g}k" if abs(value) >= 1000 else f"{value:g}"))
        entries = len(ax.get_legend_handles_labels()[1])
        if entries:
            ax.legend(fontsize=12 if entries <= 3 else 10 if entries <= 5 else 9,
                      ncol=1 if entries <= 5 else 2)
    if fig is None:
        return axes[0].figure
    fig.tight_layout()
    return fig


def plot_encoder_states(sketch, forward, backward, units: int = 24, title=None):
    """A bidirectional encoder reading the stroke-3 ``sketch`` ``(n, 3)``: the sketch, strokes
    in order, then the hidden states of its forward and backward passes ``(n, u)`` as images,
    one row per unit (the ``units`` that vary most) and one column per step, over a strip in
    the colour of each step's stroke. The state each pass hands on is boxed: the forward
    pass's last step, the backward pass's first."""
    from matplotlib.patches import Rectangle

    sketch = np.asarray(sketch)
    shown = np.argsort(-(forward.std(axis=0) + backward.std(axis=0)))[:units]
    stroke_of_step = np.concatenate([[0], np.cumsum(sketch[:-1, 2])]).astype(int)
    strip = np.array(order_colors(stroke_of_step[-1] + 1))[stroke_of_step]
    fig = SketchFigure(figsize=(12, 3.8))
    grid = fig.add_gridspec(2, 3, width_ratios=[1.4, 2, 2], height_ratios=[12, 1],
                            wspace=0.12, hspace=0.05)
    plot_sketch(sketch, ax=fig.add_subplot(grid[:, 0]), color_by_order=True, title=title)
    passes = [("forward pass $h_{\\rightarrow}$", forward, len(sketch) - 1),
              ("backward pass $h_{\\leftarrow}$", backward, 0)]
    for column, (name, states, kept) in enumerate(passes, start=1):
        ax = fig.add_subplot(grid[0, column])
        ax.imshow(states[:, shown].T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1,
                  interpolation="nearest")
        ax.add_patch(Rectangle((kept - 0.5, -0.5), 1, len(shown), fill=False,
                               edgecolor="black", linewidth=2))
        ax.set_title(f"{name}: kept at step {kept}", fontsize=10)
        ax.set(xticks=[], yticks=[], ylabel=f"{len(shown)} units" if column == 1 else None)
        bar = fig.add_subplot(grid[1, column])
        bar.imshow(strip[None], aspect="auto")
        bar.set(yticks=[], xlabel="step (coloured by the stroke it belongs to)")
    return fig


def plot_interpolation(drawings, paths):
    """Drawings decoded along paths between two latent codes, one row per path, and the norm
    of the codes along each path (right). ``drawings``: ``{name: [stroke-3 sketches]}``;
    ``paths``: ``{name: codes (k, N_z)}``, the codes they were decoded from."""
    count = max(len(sketches) for sketches in drawings.values())
    fig = SketchFigure(figsize=(13, 4.4))
    grid = fig.add_gridspec(len(drawings), count + 2, width_ratios=[1] * count + [0.25, 2.2],
                            wspace=0.05, hspace=0.25)
    for row, (name, sketches) in enumerate(drawings.items()):
        for column, sketch in enumerate(sketches):
            title = (f"{name}, $t$ = 0" if column == 0 else
                     "$t$ = 1" if column == len(sketches) - 1 else None)
            plot_sketch(sketch, ax=fig.add_subplot(grid[row, column]), linewidth=1.1,
                        title=title)
    norms = fig.add_subplot(grid[:, count + 1])
    for name, path in paths.items():
        norms.plot(np.linspace(0, 1, len(path)), np.linalg.norm(path, axis=1), marker="o",
                   label=name)
    norms.set(xlabel="$t$", ylabel="$\\|z(t)\\|$")
    norms.set_ylim(bottom=0)
    norms.legend(fontsize=9)
    norms.set_title("norm along the path", fontsize=10)
    return fig


def plot_completions(originals, prefixes, completions, titles, color: str = "#cc4778",
                     linewidth: float = 1.3, size: float = 1.75):
    """Completions of partial drawings, one row per drawing: the drawing, its prefix, then
    each completion (in ``color``) with the prefix over it (black). ``originals``,
    ``prefixes``: stroke-3 sketches; ``completions``: per row, stroke-3 sketches that start
    with the prefix (as :func:`sketchlib.sampling.complete` gives them). ``titles``: the first
    two columns', then one over each group of completion columns (the completions split into
    as many equal groups: one per temperature, say)."""
    from matplotlib.lines import Line2D

    columns = 2 + max(len(row) for row in completions)
    fig, axes = _figure(size * columns, size * len(originals), len(originals), columns,
                        squeeze=False, gridspec_kw={"wspace": 0.08, "hspace": 0.05})
    for row, original, prefix, completed in zip(axes, originals, prefixes, completions):
        plot_sketch(original, ax=row[0], linewidth=linewidth)
        plot_sketch(prefix, ax=row[1], linewidth=linewidth)
        for ax in row[2:]:
            ax.set_axis_off()
        for ax, sketch in zip(row[2:], completed):
            plot_sketch(sketch, ax=ax, linewidth=linewidth, color=color)
            plot_sketch(prefix, ax=ax, linewidth=linewidth)
    group = (columns - 2) // max(len(titles) - 2, 1)
    for k, title in enumerate(titles):
        column = k if k < 2 else 2 + (k - 2) * group
        axes[0, column].set_title(title, fontsize=10, loc="center" if k < 2 else "left")
    left, right = axes[0, 1].get_position(), axes[0, 2].get_position()
    x = (left.x1 + right.x0) / 2  # a line between the prefixes and the completions
    fig.add_artist(Line2D([x, x], [axes[-1, 0].get_position().y0, left.y1], color="0.75",
                          linewidth=1))
    return fig


def plot_kl_schedules(reference, recorded, runs, constant, colors):
    """The KL weight against the training step. Left: the schedule of the hyper-parameters
    ``reference`` over 100,000 steps, the step where it is halfway marked, and the weights
    that logs recorded (``recorded``: ``{label: log}``, dots). Right: each of ``runs``
    (``{w: (hps, log)}``, ``w`` its final weight), its schedule (faint line) and the weights
    its log recorded (dots), and the log of a run at a constant weight (``constant``: ``(w,
    log)``, squares). ``colors``: ``{w: colour}``."""
    from .encoder import annealed_kl_weight

    fig, (left, right) = _figure(11, 3.6, 1, 2)
    rate = reference.kl_decay_rate
    steps = np.arange(0, 100_001, 500)
    left.plot(steps / 1000, [float(annealed_kl_weight(reference, t)) for t in steps],
              color="black", linewidth=2, label=f"the schedule ($R$ = {rate:g})")
    half_life = math.log(2) / -math.log(rate)
    halfway = float(annealed_kl_weight(reference, half_life))
    left.plot([half_life / 1000] * 2, [0, halfway], ":", color="0.5")
    left.annotate(f"halfway: step {half_life:,.0f}", (half_life / 1000, halfway),
                  xytext=(8, -14), textcoords="offset points", fontsize=9)
    for label, log in recorded.items():
        left.plot(log["step"] / 1000, log["kl_weight"], "o", color="#e16462", markersize=3,
                  label=label)
    left.set(xlabel="training step (thousands)", ylabel="KL weight $w_t$",
             ylim=(0, 1.04 * reference.kl_weight), title="the reference schedule")
    left.legend(loc="lower right")
    for w, (hps, log) in runs.items():
        steps = np.arange(0, log["step"][-1] + 1, 50)
        right.plot(steps, [float(annealed_kl_weight(hps, t)) for t in steps], color=colors[w],
                   linewidth=3, alpha=0.35)
        right.plot(log["step"], log["kl_weight"], "o", color=colors[w], markersize=4,
                   label=f"$w_{{KL}}$ = {w}: recorded")
    w, log = constant
    right.plot(log["step"], log["kl_weight"], "s", color=colors[w], markerfacecolor="none",
               label=f"{w} constant: recorded")
    rates = sorted({hps.kl_decay_rate for hps, _ in runs.values()})
    right.set(xlabel="training step", ylabel="KL weight $w_t$", ylim=(0, 1.3 * max(runs)),
              title=f"this chapter's runs ($R$ = {', '.join(f'{r:g}' for r in rates)})")
    right.legend(loc="upper left", fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def plot_free_bits(floor: float, with_floor, without_floor, styles=None):
    """The free-bits floor: the KL term of the loss with the ``floor`` and its slope, against
    the KL (left); the validation KL of runs trained with it (``with_floor``: ``{label:
    log}``, middle) and without it (``without_floor``, right, on a log scale), in the
    ``styles`` of :func:`plot_training_curves`, the floor a grey line."""
    from keras import ops
    from matplotlib.transforms import offset_copy

    from .encoder import kl_cost

    kl = np.linspace(0, 3 * floor, 601)
    term = ops.convert_to_numpy(kl_cost(kl, floor))
    fig, (left, middle, right) = _figure(12, 4.2, 1, 3)
    left.plot(kl, term, color="black", label=f"$\\max(L_{{KL}}, {floor:g})$")
    left.plot(kl, np.gradient(term, kl), color=order_colors(2)[-1], linestyle="--",
              label="its slope")
    left.axvline(floor, color="0.7", linewidth=0.8)
    left.set_xlabel("$L_{KL}$ (nats per dimension)", fontsize=13)  # as plot_training_curves
    left.set_ylabel("term in the loss", fontsize=13)
    left.set_title(f"the free-bits floor $KL_{{\\min}}$ = {floor:g}", fontsize=14)
    left.tick_params(labelsize=12)
    left.legend(fontsize=12)
    for ax, logs, title in ((middle, with_floor, "with the floor"),
                            (right, without_floor, "without the floor")):
        plot_training_curves(logs, ["kl"], ["validation"], styles=styles, floor=floor,
                             titles=[title], axes=[ax])
        below = offset_copy(ax.transAxes, fig, y=-0.62, units="inches")  # the axis labels
        ax.legend(fontsize=9, ncol=2, loc="upper center", bbox_to_anchor=(0.5, 0),
                  bbox_transform=below)  # under the axes: the curves fill them
    right.set_yscale("log")
    fig.tight_layout()
    return fig


def plot_kl_tradeoff(paper, paper_decoder_only, ours, decoder_only, colors):
    """Reconstruction loss against KL, as the paper reports it (left) and as runs measured it
    (right, log scale of the KL). ``paper``: ``{w: (L_R, L_KL)}`` and ``paper_decoder_only``:
    its decoder-only model's L_R; ``ours``: ``{(w, floor): [results]}`` (dicts with
    ``reconstruction`` and ``kl``; circles with a free-bits floor, squares without, hollow
    for the results after the first: other seeds); ``decoder_only``: the results of the
    decoder-only model from several seeds (a band, a dashed line for the first).
    ``colors``: ``{w: colour}``."""
    fig, (left, right) = _figure(11, 3.9, 1, 2)
    for w, (reconstruction, kl) in paper.items():
        left.plot(kl, reconstruction, "o", markersize=8, color=colors[w],
                  label=f"$w_{{KL}}$ = {w}")
    left.axhline(paper_decoder_only, color="black", linestyle="--", label="decoder only")
    left.set(xlabel="test $L_{KL}$", ylabel="test $L_R$", xlim=(0, 1.2),
             title="the paper: QuickDraw cat, LayerNorm LSTM")
    left.legend(fontsize=8, loc="center right")
    spread = [results["reconstruction"] for results in decoder_only]
    right.axhspan(min(spread), max(spread), color="0.85",
                  label=f"decoder only, seeds 0-{len(spread) - 1}")
    right.axhline(spread[0], color="black", linestyle="--", label="decoder only, seed 0")
    for (w, floor), results in ours.items():
        marker, label = ("o", f"floor {floor:g}") if floor else ("s", "no floor")
        for k, numbers in enumerate(results):
            right.plot(numbers["kl"], numbers["reconstruction"], marker, markersize=8,
                       color=colors[w], markerfacecolor=None if k == 0 else "none",
                       label=f"$w_{{KL}}$ = {w}, {label}" if k == 0 else None)
    right.set(xscale="log", xlabel="test $L_{KL}$ (log scale)", ylabel="test $L_R$",
              title="this chapter's runs: aaron_sheep, LSTM")
    right.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    fig.tight_layout()
    return fig


def plot_gate_blocks(gates, gate_names):
    """The gate blocks of LSTM cells before their nonlinearities, along a sketch: one row per
    cell, one column per block, the mean over the block's units at each step (line) and one
    standard deviation either side (band). ``gates``: ``{row label: (steps, blocks, units)}``;
    ``gate_names``: a title per block."""
    fig, axes = _figure(11, 2.1 * len(gates) + 0.1, len(gates), len(gate_names),
                        squeeze=False, sharex=True, sharey="row")
    for row, (name, blocks) in zip(axes, gates.items()):
        steps = np.arange(len(blocks))
        for ax, gate, colour, block in zip(row, gate_names, order_colors(len(gate_names)),
                                           np.moveaxis(blocks, 1, 0)):
            mean, spread = block.mean(axis=1), block.std(axis=1)
            ax.fill_between(steps, mean - spread, mean + spread, color=colour, alpha=0.3,
                            linewidth=0)
            ax.plot(steps, mean, color=colour)
            ax.set_title(gate, fontsize=9)
        row[0].set_ylabel(name.replace(", ", ",\n"), fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("step")
    fig.tight_layout()
    return fig


def plot_hyper_scales(sketch, scales, blocks, shown, new_strokes, units: int = 48):
    """A HyperLSTM's scales along the stroke-3 ``sketch`` ``(n, 3)`` it reads: the sketch,
    strokes in order, and for each block named in ``shown`` the scale of its ``units`` units
    that change most (rows) at each step (columns), red above 0 and blue below, each panel on
    its own colour scale. ``scales``: ``(n, len(blocks), u)`` (as
    :func:`sketchlib.cell_probe.trace_cell` gives them), ``blocks`` their names (``"o from
    x"``: the output gate's block of x W_xh); ``new_strokes``: the steps that read a move to a
    new stroke (triangles along the top). A bar under each panel marks the steps that read
    each stroke's points (step i reads row i - 1)."""
    import matplotlib

    gates = {"i": "input gate", "j": "candidate", "f": "forget gate", "o": "output gate"}
    sketch = np.asarray(sketch)
    stroke_rows = np.split(np.arange(len(sketch)), np.flatnonzero(sketch[:, 2]) + 1)
    stroke_steps = [rows[rows < len(sketch) - 1] + 1 for rows in stroke_rows
                    if len(rows[rows < len(sketch) - 1])]
    with matplotlib.rc_context({"font.size": 13}):  # read at page width: larger type
        fig = SketchFigure(figsize=(11, 3 * len(shown)))
        grid = fig.add_gridspec(len(shown), 2, width_ratios=(1, 2.4), hspace=0.45)
        plot_sketch(sketch, ax=fig.add_subplot(grid[:, 0]), color_by_order=True,
                    title="the test sheep, strokes in order")
        for row, block in enumerate(shown):
            ax = fig.add_subplot(grid[row, 1])
            values = scales[:, blocks.index(block)]  # (steps, units)
            changing = np.argsort(values.std(axis=0))[::-1][:units]
            limit = np.percentile(np.abs(values[:, changing]), 99)
            image = ax.imshow(values[:, changing].T, aspect="auto", cmap="coolwarm",
                              vmin=-limit, vmax=limit, interpolation="nearest")
            for steps, colour in zip(stroke_steps, order_colors(len(stroke_steps))):
                ax.axvspan(steps[0] - 0.5, steps[-1] + 0.5, ymin=-0.09, ymax=-0.02,
                           color=colour, clip_on=False, linewidth=0)
            ax.plot(new_strokes, np.full(len(new_strokes), -1.5), "v", color="black",
                    markersize=4, clip_on=False)
            weights = "$x W_{xh}$" if block.endswith("x") else "$h W_{hh}$"
            ax.set(title=f"scales of the {gates[block[0]]}'s block of {weights}, "
                         f"{len(changing)} of {values.shape[1]} units",
                   ylabel="unit", yticks=[], xlabel="step" if row == len(shown) - 1 else None)
            bar = fig.colorbar(image, ax=ax, label="scale", pad=0.01)
            for axis in (ax, bar.ax):
                axis.tick_params(labelsize=13)  # ticks are made when drawn, after the context
    return fig
