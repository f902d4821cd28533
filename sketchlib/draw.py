"""Pictures of sketches: matplotlib figures, SVG files and animations of a drawing being drawn.

Every function takes a stroke-3 sketch ``(n, 3)``. Sketches use image coordinates (y grows
downwards, as in QuickDraw), so the plots flip the y axis.
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
