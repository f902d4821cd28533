"""sketchlib.draw: matplotlib figures, SVG, animations (on synthetic sketches)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D

from sketchlib import draw
from sketchlib.draw import (animate, animation_html, grid_svg, order_colors, plot_grid, plot_map,
                            plot_sketch, to_svg)
from sketchlib.strokes import stroke3_to_polylines, stroke3_to_stroke5
from sketchlib.synthetic import synthetic_sketch

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def face():
    """A synthetic face: 4 strokes."""
    sketch = synthetic_sketch("face", np.random.default_rng(0))
    assert int(sketch[:, 2].sum()) == 4
    return sketch


@pytest.fixture(scope="module")
def square():
    return synthetic_sketch("square", np.random.default_rng(0))


def test_plot_sketch_one_line_per_stroke(face):
    ax = plot_sketch(face, title="a face")
    lines = [a for a in ax.get_children() if isinstance(a, Line2D)]
    assert len(ax.lines) == len(lines) == 4
    for artist, polyline in zip(ax.lines, stroke3_to_polylines(face)):
        np.testing.assert_array_equal(artist.get_xydata(), polyline)
        assert artist.get_color() == "black"
    assert ax.yaxis_inverted()  # image coordinates: y grows downwards
    assert ax.get_title() == "a face"
    assert not ax.axison


def test_plot_sketch_on_given_axes_and_colours(face):
    fig, ax = plt.subplots()
    assert plot_sketch(face, ax=ax, color_by_order=True) is ax
    colours = [tuple(line.get_color()) for line in ax.lines]
    assert len(set(colours)) == 4
    assert colours == [tuple(c) for c in order_colors(4)]  # what a figure can match
    plot_sketch(face, ax=ax)  # drawing twice on the same axes keeps y inverted
    assert ax.yaxis_inverted()
    assert len(ax.lines) == 8


def test_plot_sketch_single_point_stroke_gets_a_marker():
    line_then_dot = np.array([[1, 1, 1], [2, 2, 1]], dtype=np.int16)  # strokes of 2 and 1 points
    ax = plot_sketch(line_then_dot)
    assert len(ax.lines) == 2
    assert ax.lines[0].get_marker() in (None, "None", "")
    assert ax.lines[1].get_marker() == "o"
    np.testing.assert_array_equal(ax.lines[1].get_xydata(), [[3, 3]])


def test_plot_grid_7_sketches_3_columns(face, square):
    sketches = [face, square] * 3 + [face]
    fig = plot_grid(sketches, ncols=3, titles=[f"s{i}" for i in range(7)])
    assert len(fig.axes) == 9
    assert {ax.get_subplotspec().get_geometry()[:2] for ax in fig.axes} == {(3, 3)}
    counts = [len(ax.lines) for ax in fig.axes]
    assert counts == [4, 1, 4, 1, 4, 1, 4, 0, 0]
    assert [ax.get_title() for ax in fig.axes[:7]] == [f"s{i}" for i in range(7)]
    assert not fig.axes[8].axison


def test_empty_sketch_is_shown_as_a_word_and_grid_takes_a_title(square):
    """A sketch of 0 rows (a drawing that ended at once) is a cell saying "(empty)"; the grid's
    title is the figure's."""
    fig = plot_grid([square, np.zeros((0, 3), np.float32)], ncols=2, title="two")
    assert fig.get_suptitle() == "two"
    assert len(fig.axes[0].lines) == 1 and not fig.axes[1].lines
    assert [t.get_text() for t in fig.axes[1].texts] == ["(empty)"]


def test_plot_grid_row_titles_sit_above_each_row_from_its_left_edge(face, square):
    """A row's label starts at its first cell's left edge, above the row's cells (where no
    sketch reaches) and below the row above, and may run across the row; the grid keeps the
    columns it has without labels."""
    long = "the second row, under a label longer than a column"
    fig = plot_grid([face, square] * 3, ncols=3, row_titles=["first row", long])
    assert [text.get_text() for text in fig.texts] == ["first row", long]
    assert all(not ax.texts and ax.get_title() == "" for ax in fig.axes)
    plain = plot_grid([face, square] * 3, ncols=3)

    def widths(figure):
        return [ax.get_position(original=True).width for ax in figure.axes]

    assert widths(fig) == pytest.approx(widths(plain), rel=0.01)
    renderer = FigureCanvasAgg(fig).get_renderer()
    cells = [[ax.get_position(original=True).transformed(fig.transFigure) for ax in row]
             for row in (fig.axes[:3], fig.axes[3:])]
    labels = [text.get_window_extent(renderer) for text in fig.texts]
    for label, row in zip(labels, cells):
        assert label.x0 == pytest.approx(row[0].x0) and label.y0 >= max(c.y1 for c in row)
    assert labels[1].y1 <= min(c.y0 for c in cells[0])  # below the first row's cells
    assert labels[1].width > cells[1][0].width  # it runs on across the row
    assert labels[0].y1 <= fig.bbox.y1  # within the figure
    with pytest.raises(ValueError, match="2 rows but 3 row titles"):
        plot_grid([face, square] * 3, ncols=3, row_titles=["a", "b", "c"])


def test_plot_grid_fewer_sketches_than_columns(square):
    fig = plot_grid([square, square], ncols=5)
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="at least one"):
        plot_grid([])


def test_to_svg_file_and_text(face, tmp_path):
    path = tmp_path / "face.svg"
    text = to_svg(face, path, size=300)
    content = path.read_text(encoding="utf-8")
    root = ET.fromstring(content.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("300", "300")
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == 4
    # The file holds the returned document (after an optional XML declaration).
    assert re.sub(r"^<\?xml[^>]*\?>\s*", "", content) == text
    assert len(ET.fromstring(text).findall(f".//{SVG}path")) == 4
    # Points fit in the square inside the margin; the longer side spans it.
    numbers = np.array([[float(v) for v in pair.split(",")]
                        for p in paths for pair in re.findall(r"[-\d.]+,[-\d.]+", p.get("d"))])
    assert numbers.min() >= 10 - 1e-6 and numbers.max() <= 290 + 1e-6
    assert np.ptp(numbers, axis=0).max() == pytest.approx(280, abs=0.02)


def test_to_svg_centres_the_drawing_in_its_square():
    """A wide, flat drawing sits in the middle of its square, not at its top."""
    wide = np.array([[100, 0, 0], [0, 10, 0], [-100, 0, 1]])
    paths = ET.fromstring(to_svg(wide, size=200, margin=10)).findall(f".//{SVG}path")
    numbers = np.array([[float(v) for v in pair.split(",")]
                        for p in paths for pair in re.findall(r"[-\d.]+,[-\d.]+", p.get("d"))])
    assert (numbers.min(axis=0) + numbers.max(axis=0)) / 2 == pytest.approx([100, 100], abs=0.01)
    assert np.ptp(numbers[:, 0]) == pytest.approx(180, abs=0.01)


def test_to_svg_without_path_and_dot(square):
    text = to_svg(square)
    assert len(ET.fromstring(text).findall(f".//{SVG}path")) == 1
    dot = ET.fromstring(to_svg(np.array([[1, 1, 1], [2, 2, 1]])))  # strokes of 2 and 1 points
    paths = dot.findall(f".//{SVG}path")
    assert len(paths) == 2
    # A one-point stroke is drawn as a zero-length segment (visible with round caps).
    start, end = re.fullmatch(r"M([-\d.,]+) L([-\d.,]+)", paths[1].get("d")).groups()
    assert start == end


def test_animate_frames_are_points(face):
    animation = animate(face)
    frames = list(animation.new_frame_seq())
    points = sum(len(p) for p in stroke3_to_polylines(face))
    assert len(frames) == points + 1 == len(face) + 2
    # Frame 0 is the whole drawing (the poster); frame k >= 1 shows the first k points.
    assert sum(len(a.get_xdata()) for a in animation._func(0)) == points
    for frame in (1, 10, points):
        artists = animation._func(frame)
        assert sum(len(a.get_xdata()) for a in artists) == frame
    animation._draw_was_started = True  # silence matplotlib's "deleted without rendering"


def test_animation_html(square):
    html = animation_html(square, interval=10)
    assert "<script" in html.data
    # One embedded image per point of the sketch, plus the poster frame.
    assert len(re.findall(r"frames\[\d+\] = ", html.data)) == len(square) + 2
    # Nothing from another site (matplotlib's page links Font Awesome on a CDN): the
    # controls' icons are characters.
    assert "http" not in html.data and "font-awesome" not in html.data
    assert '.anim-buttons .fa-play:before {content: "\\25B6\\FE0E"}' in html.data
    assert len(re.findall(r'class="fa fa-[a-z-]+', html.data)) == 9


def svg_points(path_element):
    return np.array([[float(v) for v in pair.split(",")]
                     for pair in re.findall(r"[-\d.]+,[-\d.]+", path_element.get("d"))])


def test_grid_svg_places_each_sketch_in_its_cell(face, square, tmp_path):
    """grid_svg: ncols x nrows squares of ``size``; each sketch's paths (one per stroke) lie
    inside its own cell's margin, in reading order; the file holds the returned document."""
    sketches = [face, square, square, face, square]
    path = tmp_path / "grid.svg"
    text = grid_svg(sketches, path, ncols=2, size=100, margin=5)
    root = ET.fromstring(text)
    assert (root.get("width"), root.get("height")) == ("200", "300")
    assert re.sub(r"^<\?xml[^>]*\?>\s*", "", path.read_text(encoding="utf-8")) == text
    paths = root.findall(f".//{SVG}path")
    strokes = [int(s[:, 2].sum()) for s in sketches]
    assert len(paths) == sum(strokes) == 11
    start = 0
    for i, count in enumerate(strokes):
        column, row = i % 2, i // 2
        points = np.vstack([svg_points(p) for p in paths[start:start + count]])
        start += count
        low = np.array([column * 100 + 5, row * 100 + 5])
        assert (points >= low - 1e-6).all() and (points <= low + 90 + 1e-6).all()
        assert np.ptp(points, axis=0).max() == pytest.approx(90, abs=0.02)


def test_grid_svg_fewer_sketches_than_columns(square):
    """With fewer sketches than columns the grid is one row, as wide as the sketches; one
    sketch in a grid is the same document as to_svg."""
    root = ET.fromstring(grid_svg([square, square], ncols=4, size=50))
    assert (root.get("width"), root.get("height")) == ("100", "50")
    assert grid_svg([square], ncols=3) == to_svg(square)


def test_grid_svg_and_plot_grid_agree_on_empty_sketches(square):
    """A drawing that ended at once is an "(empty)" cell in both grids (grid_svg once failed
    on it); an empty list is an error in both."""
    empty = np.zeros((0, 3), np.float32)
    root = ET.fromstring(grid_svg([square, empty], ncols=2, size=100))
    assert (root.get("width"), root.get("height")) == ("200", "100")
    texts = root.findall(f".//{SVG}text")
    assert [t.text for t in texts] == ["(empty)"]
    assert float(texts[0].get("x")) == 150  # in the second cell
    assert len(root.findall(f".//{SVG}path")) == 1
    fig = plot_grid([square, empty], ncols=2)
    assert [t.get_text() for t in fig.axes[1].texts] == ["(empty)"]
    for function in (grid_svg, plot_grid):
        with pytest.raises(ValueError, match="at least one sketch"):
            function([])


def test_plot_grid_is_shown_once_when_it_ends_a_notebook_cell(square):
    """The figure is not registered with pyplot, so a notebook shows it once, as the cell's
    value, and not a second time when the cell finishes."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = plot_grid([square, square])
    assert plt.get_fignums() == before
    buffer = __import__("io").BytesIO()
    fig.savefig(buffer, format="png")  # and it still renders and saves
    assert buffer.getvalue()[:4] == b"\x89PNG"


def test_plot_map_fits_each_sketch_upright_in_a_square_at_its_point(face, square):
    points = np.array([[0.0, 0.0], [10.0, -5.0]])
    ax = plot_map([face, np.zeros((0, 3)), square], np.vstack([points[:1], [[3, 3]],
                                                               points[1:]]), size=2.0)
    assert len(ax.lines) == 4 + 1  # the empty sketch draws nothing
    assert not ax.yaxis_inverted()
    for sketch, centre, lines in ((face, points[0], ax.lines[:4]),
                                  (square, points[1], ax.lines[4:])):
        xy = np.vstack([line.get_xydata() for line in lines])
        low, high = xy.min(axis=0), xy.max(axis=0)
        np.testing.assert_allclose((low + high) / 2, centre)
        assert max(high - low) == pytest.approx(2.0)
        original = np.vstack(stroke3_to_polylines(sketch))
        top = original[:, 1].argmin()  # image coordinates: the top point has the smallest y
        assert xy[top, 1] == pytest.approx(high[1])  # ... and is drawn at the top


# The book's figures: each test draws one from small made-up numbers and checks what it shows.

def curve_data(ax):
    """The (x, y) data of each line drawn with a label on ``ax``, by label."""
    return {line.get_label(): line.get_xydata() for line in ax.lines
            if not line.get_label().startswith("_")}


def test_plot_raw_drawing_colours_points_by_time_and_ticks_each_stroke():
    strokes = [np.array([[0, 0, 0], [10, 5, 20], [20, 5, 40]], float),
               np.array([[5, 30, 900], [6, 40, 920]], float)]
    fig = draw.plot_raw_drawing(strokes, "cat")
    left, right = fig.axes[:2]
    points = left.collections[0]
    np.testing.assert_array_equal(points.get_offsets(), np.vstack(strokes)[:, :2])
    np.testing.assert_allclose(points.get_array(), [0, 0.02, 0.04, 0.9, 0.92])
    assert left.get_title() == "raw points of one cat (5 points)" and left.yaxis_inverted()
    assert len(fig.axes) == 3  # and the colour bar
    assert [len(line.get_xdata()) for line in right.lines] == [3, 2]  # a row of ticks a stroke
    np.testing.assert_allclose(right.lines[1].get_xydata(), [[0.9, 1], [0.92, 1]])


def test_plot_offsets_and_lengths_histograms(face, square):
    offsets = np.array([[3.0, 0.0], [-6.0, 3.0], [0.0, 0.0]])
    ax = draw.plot_offsets(offsets, 2.0).axes[0]
    assert ax.get_yscale() == "log" and len(ax.patches) == 2  # a step outline per axis
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        f"dx / 2.00 (raw std {offsets[:, 0].std():.1f} px)",
        f"dy / 2.00 (raw std {offsets[:, 1].std():.1f} px)"]
    left, right = draw.plot_lengths([face, square, face]).axes
    assert len(left.patches) == 50 and sum(bar.get_height() for bar in left.patches) == 3
    mean = (2 * len(face) + len(square)) / 3
    assert left.lines[0].get_xdata()[0] == pytest.approx(mean)
    assert [bar.get_height() for bar in right.patches] == [1, 0, 0, 2]  # 1 and 4 strokes


def test_plot_augmentations_marks_the_dropped_points(face):
    thinned = np.vstack([face[:2], face[2:4].sum(axis=0, keepdims=True), face[4:]])
    thinned[1, 2] = face[1, 2]
    fig = draw.plot_augmentations(face, face * [2, 1, 1], thinned, (2.0, 1.0))
    left, right = fig.axes
    strokes = len(stroke3_to_polylines(face))
    assert len(left.lines) == 2 * strokes and len(right.lines) == 2 * strokes + 1
    crosses = right.lines[-1]
    assert crosses.get_marker() == "x" and len(crosses.get_xdata()) == 1
    np.testing.assert_allclose(crosses.get_xydata()[0], face[:3, :2].sum(axis=0))
    assert left.get_title() == "random_scale: x \u00d7 2.00, y \u00d7 1.00"
    assert right.get_title().startswith(f"drop_points: 1 of {len(face) + 1} points removed")
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "original", "augmented", "removed point"]


def test_plot_batch_shows_dx_with_padding_and_the_pen_state(face, square):
    from sketchlib.batching import make_batch

    batch = make_batch([square, face], max_len=len(face) + 3)
    fig = draw.plot_batch(batch.target)
    top, bottom = fig.axes[:2]
    dx = top.images[0].get_array()
    assert dx.shape == batch.target.shape[:2]
    assert dx.mask[0, len(square) + 1:].all() and not dx.mask[0, :len(square)].any()
    np.testing.assert_array_equal(bottom.images[0].get_array(),
                                  np.argmax(batch.target[:, :, 2:], axis=2))
    assert [t.get_text() for t in fig.axes[3].get_yticklabels()] == list(draw.PEN_STATES)


def mixture(steps, M=3, seed=0):
    """Made-up mixture outputs of ``steps`` steps: MixtureParams, fields (steps, M)."""
    from sketchlib.mdn import MixtureParams

    rng = np.random.default_rng(seed)
    return MixtureParams(rng.normal(size=(steps, 3)), rng.normal(size=(steps, M)),
                         *rng.normal(0, 0.5, size=(4, steps, M)),
                         rng.uniform(-0.5, 0.5, (steps, M)))


def test_plot_predictions_one_row_per_step(face):
    params = mixture(len(face))
    fig = draw.plot_predictions(face, params, {"the first move": 1, "a later one": 5})
    assert len(fig.axes) == 3 * 2 + 2  # three panels a row, a colour bar a density
    drawing, density, pen = fig.axes[3:6]
    position = face[:4, :2].sum(axis=0)
    dot, cross = drawing.lines[-2:]
    np.testing.assert_allclose(dot.get_xydata()[0], position)
    np.testing.assert_allclose(cross.get_xydata()[0], position + face[4, :2])
    assert drawing.get_title() == "step 5: a later one"
    np.testing.assert_allclose(density.lines[-1].get_xydata()[0], face[4, :2])
    q = np.exp(params.pen_logits[4]) / np.exp(params.pen_logits[4]).sum()
    np.testing.assert_allclose([bar.get_height() for bar in pen.patches], q)
    outlined = [bar.get_linewidth() == 2.5 for bar in pen.patches]
    assert outlined == [k == int(face[4, 2]) for k in range(3)]  # the true pen state


def test_plot_mixture_parameters_changes_the_first_component():
    base = dict(pi=[0.5, 0.5], mu_x=[-1.0, 1.5], mu_y=[-0.5, 1.0], sigma_x=[0.6, 0.4],
                sigma_y=[0.3, 0.4], rho=[0.0, 0.0])
    rows = [("pi", [0.1, 0.9], "pi {}"), ("mu", [(-1.5, -1.5), (0.5, 0.0)], "mu {}")]
    fig = draw.plot_mixture_parameters(base, rows)
    assert [ax.get_title() for ax in fig.axes] == [
        "pi 0.1", "pi 0.9", "mu (-1.5, -1.5)", "mu (0.5, 0.0)"]
    means = fig.axes[2].collections[0]  # show_means: a circle per component
    np.testing.assert_allclose(means.get_offsets(), [[-1.5, -1.5], [1.5, 1.0]])
    np.testing.assert_allclose(fig.axes[0].collections[0].get_sizes(), [20, 180])


def test_plot_step_losses_one_panel_per_sketch():
    rng = np.random.default_rng(0)
    offset, pen = rng.normal(size=(2, 3, 120))
    fig = draw.plot_step_losses(offset, pen, [20, 35, 41])
    assert len(fig.axes) == 3
    for ax, n in zip(fig.axes, [20, 35, 41]):
        offset_line, pen_line = ax.lines[:2]
        assert len(offset_line.get_xdata()) == n and len(pen_line.get_xdata()) == 120
        assert ax.patches[0].get_x() == n + 0.5  # the padding, grey
        assert ax.texts[0].get_text() == f"sheep of {n} rows; grey: padding"
    assert fig.axes[-1].get_xlabel() == "step $i$ (the axis is compressed after step 60)"
    assert [t for t in fig.axes[-1].get_xticks() if t > 60] == [120]  # no room for a middle
    assert len(fig.legends[0].get_texts()) == 2


def test_plot_tempered_step_one_column_per_temperature():
    from sketchlib.widgets import temper

    step = mixture(1, M=4)
    step = step._make(field[0] for field in step)
    tempered = {tau: temper(step, tau) for tau in (0.5, 1.0)}
    samples = {tau: np.random.default_rng(0).normal(size=(50, 5)) for tau in tempered}
    fig = draw.plot_tempered_step(tempered, samples, (0.5, -0.25))
    pen, weights, density = fig.axes[1], fig.axes[3], fig.axes[5]  # the column of tau = 1
    assert pen.get_title() == "$\\tau$ = 1.0: pen state"
    np.testing.assert_allclose([b.get_height() for b in weights.patches],
                               np.exp(tempered[1.0].log_pi))
    assert [int(t) for t in weights.get_xticks()] == [0, 3]
    assert len(density.collections[0].get_offsets()) == 50
    assert density.get_title() == "density and 50 samples"


def test_plot_decoder_steps_tabulates_inputs_over_targets(face):
    rows = stroke3_to_stroke5(face, len(face) + 1)
    fig = draw.plot_decoder_steps(rows, "input", "target", "copied", "a title", steps=4)
    table, *steps = fig.axes
    assert len(steps) == 4 and table.get_title() == "a title"
    assert len(table.patches) == 8  # a cell for each input and target
    cells = [t.get_text() for t in table.texts if "\n" in t.get_text()]
    assert cells[0] == "+0.00\n+0.00\np1"  # the start token S_0
    assert cells[1] == f"{rows[0, 0]:+.2f}\n{rows[0, 1]:+.2f}\np{np.argmax(rows[0, 2:]) + 1}"
    assert cells[2] == cells[1]  # the first target is the second input
    assert {"input", "target", "copied", "step 4"} <= {t.get_text() for t in table.texts}
    for i, ax in enumerate(steps):  # the move to predict starts at the point reached
        np.testing.assert_allclose(ax.lines[-1].get_xydata()[0], face[:i, :2].sum(axis=0))


def test_plot_sketch_losses_marks_the_pen_up_moves():
    offset, pen = np.array([1.0, 3.0, 2.0, 0.5]), np.array([0.1, 0.2, 2.5, 0.1])
    ax = draw.plot_sketch_losses(offset, pen, [False, True, False, True]).axes[0]
    assert [band.get_x() for band in ax.patches] == [1.5, 3.5]  # steps 2 and 4
    curves = curve_data(ax)
    assert list(curves) == ["offset: $-\\log p(\\Delta x, \\Delta y)$", "pen: $-\\log q_k$"]
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), [[1, 1], [2, 3], [3, 2], [4, 0.5]])
    assert ax.get_ylim()[1] == pytest.approx(3.9)


def test_plot_exposure_draws_a_move_from_every_true_point(square, face):
    guesses = np.vstack([[0.0, 0.0], np.cumsum(square[:, :2], axis=0)])[:-1] + 1.0
    fig = draw.plot_exposure(square, guesses, face)
    left, right = fig.axes
    moves = left.lines[1:]  # after the sketch's one stroke
    assert len(moves) == len(square)
    np.testing.assert_allclose(moves[2].get_xydata(), [square[:2, :2].sum(axis=0),
                                                       square[:2, :2].sum(axis=0) + 1])
    assert len(right.lines) == 4 and right.get_title().endswith(f"({len(face)} rows)")
    empty = draw.plot_exposure(square, guesses, np.zeros((0, 3))).axes[1]
    assert not empty.lines and empty.get_title().endswith("(0 rows)")


def test_plot_temperature_sweep_against_the_real_sketches():
    stats = np.array([[50, 3, 0.9], [100, 8, 0.1], [120, 12, 0.0]])
    fig = draw.plot_temperature_sweep([0.1, 0.5, 1.0], stats, (110, 10), 250)
    for ax, column in zip(fig.axes, stats.T):
        np.testing.assert_array_equal(ax.lines[0].get_ydata(), column)
    assert [len(ax.lines) for ax in fig.axes] == [2, 2, 1]  # the real sheep: dashed
    assert fig.axes[1].lines[1].get_ydata()[0] == 10
    assert fig.axes[2].get_title() == "share that never ended (250 steps)"


def fake_log(steps=(500, 1000, 1500), conditional=True, shift=0.0):
    """A made-up training log as checkpoints.read_log returns it."""
    steps = np.array(steps, float)
    log = {"step": steps, "learning_rate": 1e-3 * 0.9 ** np.arange(len(steps))}
    for prefix, value in (("", 1.0), ("val_", 1.2)):
        log[prefix + "offset_loss"] = value + shift - steps / 1e4
        log[prefix + "pen_loss"] = value / 10 + 0 * steps
        if conditional:
            log[prefix + "kl"] = 0.2 + steps / 1e5
    return log


def test_plot_training_curves_of_one_run():
    log = fake_log()
    fig = draw.plot_training_curves(log, ("offset_loss", "pen_loss", "learning_rate"), best=1000)
    assert [ax.get_title() for ax in fig.axes] == [
        "offset loss $L_s$", "pen loss $L_p$", "learning rate $\\lambda_t$"]
    offset = curve_data(fig.axes[0])
    assert list(offset) == ["training", "validation"]
    np.testing.assert_array_equal(offset["validation"][:, 1], log["val_offset_loss"])
    assert fig.axes[2].get_yscale() == "log" and fig.axes[2].get_legend() is None
    learning_rate = fig.axes[2].lines[0]  # a plain line
    np.testing.assert_array_equal(learning_rate.get_ydata(), log["learning_rate"])
    assert learning_rate.get_marker() in (None, "None", "")
    for ax in fig.axes:  # the best step, dotted
        assert ax.get_xlabel() == "training step" and ax.lines[-1].get_xdata()[0] == 1000
    assert fig.axes[0].xaxis.get_major_formatter()(1500, 0) == "1.5k"


def test_plot_training_curves_compares_runs():
    logs = {"a": fake_log(), "b": fake_log(shift=0.5), "no code": fake_log(conditional=False)}
    fig = draw.plot_training_curves(logs, ["reconstruction", "kl"], ["validation"], floor=0.2,
                                    styles={"b": {"linestyle": ":", "color": "red"}})
    reconstruction, kl = fig.axes
    assert reconstruction.get_title() == "validation reconstruction loss $L_R$"
    curves = curve_data(reconstruction)
    assert list(curves) == ["a", "b", "no code"]
    np.testing.assert_allclose(curves["b"][:, 1],
                               logs["b"]["val_offset_loss"] + logs["b"]["val_pen_loss"])
    assert reconstruction.lines[1].get_linestyle() == ":"
    assert list(curve_data(kl)) == ["a", "b", "the floor"]  # a decoder-only run has no KL
    assert kl.lines[-1].get_ydata()[0] == 0.2
    both = draw.plot_training_curves({"a": logs["a"], "b": logs["b"]}, ["pen_loss"]).axes[0]
    assert list(curve_data(both)) == ["a, training", "a, validation", "b, training",
                                      "b, validation"]
    assert [line.get_alpha() for line in both.lines] == [0.5, None, 0.5, None]
    assert both.lines[0].get_color() == both.lines[1].get_color()  # a colour per run


def test_plot_training_curves_against_another_x_with_hollow_points():
    logs = {"a": fake_log() | {"hours": np.array([1.0, 2.0, 3.0])}}
    fig = draw.plot_training_curves(logs, ["reconstruction"], ["validation"],
                                    x=("step", "hours"), hollow={"a": [False, True, False]},
                                    titles=["per step", "per hour"])
    by_step, by_hour = fig.axes
    assert (by_hour.get_title(), by_hour.get_ylabel()) == ("per hour", "validation $L_R$")
    assert by_hour.get_xlabel() == "hours of training" and by_step.get_shared_y_axes().joined(
        by_step, by_hour)
    np.testing.assert_array_equal(by_hour.lines[0].get_xdata(), [1, 2, 3])
    hollow = by_hour.lines[1]
    assert hollow.get_markerfacecolor() == "white" and list(hollow.get_xdata()) == [2.0]
    fig, axes = plt.subplots(1, 2)  # on the caller's axes
    assert draw.plot_training_curves(fake_log(), ["offset_loss"], axes=axes[1:]) is fig
    assert not axes[0].lines and len(axes[1].lines) == 2
    plt.close(fig)


def test_plot_encoder_states_boxes_the_states_each_pass_hands_on(face):
    rng = np.random.default_rng(0)
    forward, backward = rng.uniform(-1, 1, (2, len(face), 30))
    fig = draw.plot_encoder_states(face, forward, backward, units=10, title="a face")
    sketch, forward_ax, forward_strip, backward_ax, _ = fig.axes
    assert sketch.get_title() == "a face"
    assert forward_ax.images[0].get_array().shape == (10, len(face))
    assert forward_ax.patches[0].get_x() == len(face) - 1.5
    assert backward_ax.patches[0].get_x() == -0.5
    strip = forward_strip.images[0].get_array()[0]  # the colour of each step's stroke
    colours = order_colors(4)
    np.testing.assert_allclose(strip[0], colours[0])
    np.testing.assert_allclose(strip[-1], colours[int(face[:-1, 2].sum())])


def test_plot_interpolation_rows_of_drawings_and_the_norms(face, square):
    paths = {"slerp": np.ones((3, 4)), "lerp": np.array([[1.0] * 4, [0.5] * 4, [1.0] * 4])}
    fig = draw.plot_interpolation({"slerp": [face, square, face], "lerp": [face] * 3}, paths)
    assert len(fig.axes) == 7
    assert [ax.get_title() for ax in fig.axes[:3]] == ["slerp, $t$ = 0", "", "$t$ = 1"]
    np.testing.assert_allclose(curve_data(fig.axes[-1])["lerp"], [[0, 2], [0.5, 1], [1, 2]])


def test_plot_completions_groups_the_completions(face, square):
    completions = [[face, square, face, square]] * 2
    fig = draw.plot_completions([face, square], [face[:2], square[:1]], completions,
                                ["drawing", "prefix", "cold", "warm"], color="red")
    assert len(fig.axes) == 12
    titles = [(ax.get_title(loc="center"), ax.get_title(loc="left")) for ax in fig.axes[:6]]
    assert titles == [("drawing", ""), ("prefix", ""), ("", "cold"), ("", ""), ("", "warm"),
                      ("", "")]
    third = fig.axes[2].lines  # the completion in red, then the prefix in black over it
    assert {line.get_color() for line in third[:4]} == {"red"}
    assert {line.get_color() for line in third[4:]} == {"black"}
    separator, = fig.artists  # the line between the prefixes and the completions
    x = separator.get_xdata()[0]
    assert fig.axes[1].get_position().x1 < x < fig.axes[2].get_position().x0


def test_plot_kl_schedules_and_what_the_logs_recorded():
    from sketchlib.encoder import annealed_kl_weight
    from sketchlib.hparams import HParams

    reference = HParams()
    hps = HParams(kl_decay_rate=0.999, kl_weight=1.0)
    recorded = fake_log() | {"kl_weight": np.array([0.4, 0.6, 0.8])}
    fig = draw.plot_kl_schedules(reference, {"sheep_vae": recorded}, {1.0: (hps, recorded)},
                                 (0.5, recorded), {0.5: "blue", 1.0: "red"})
    left, right = fig.axes
    schedule = left.lines[0].get_xydata()
    assert schedule[-1, 0] == 100 and schedule[-1, 1] == pytest.approx(
        float(annealed_kl_weight(reference, 100_000)))
    assert left.texts[0].get_text() == "halfway: step 13,863"
    assert list(curve_data(right)) == ["$w_{KL}$ = 1.0: recorded", "0.5 constant: recorded"]
    assert right.get_title() == "this chapter's runs ($R$ = 0.999)"


def test_plot_free_bits_the_term_and_the_runs_either_side_of_the_floor():
    fig = draw.plot_free_bits(0.2, {"a": fake_log(), "b": fake_log(shift=0.1)},
                              {"c": fake_log()}, styles={"b": {"linestyle": ":"}})
    term, with_floor, without = fig.axes
    kl, values = term.lines[0].get_xdata(), term.lines[0].get_ydata()
    np.testing.assert_allclose(values, np.maximum(kl, 0.2))
    np.testing.assert_allclose(term.lines[1].get_ydata()[[50, 400]], [0, 1])  # the slope
    assert list(curve_data(with_floor)) == ["a", "b", "the floor"]
    assert with_floor.lines[1].get_linestyle() == ":"
    assert with_floor.get_title() == "with the floor"
    assert with_floor.get_ylabel() == "validation $L_{KL}$"
    assert list(curve_data(without)) == ["c", "the floor"] and without.get_yscale() == "log"


def test_plot_kl_tradeoff_the_paper_and_the_runs():
    run = {"kl": 0.3, "reconstruction": -1.0}
    seed = {"kl": 0.1, "reconstruction": -0.9}
    fig = draw.plot_kl_tradeoff({1.0: (-0.98, 0.29)}, -0.57, {(1.0, 0.2): [run],
                                                             (1.0, 0): [run, seed]},
                                [{"reconstruction": -0.5}, {"reconstruction": -0.4}],
                                {1.0: "red"})
    paper, ours = fig.axes
    assert paper.lines[0].get_xydata().tolist() == [[0.29, -0.98]]
    assert [t.get_text() for t in ours.get_legend().get_texts()] == [
        "decoder only, seeds 0-1", "decoder only, seed 0", "$w_{KL}$ = 1.0, floor 0.2",
        "$w_{KL}$ = 1.0, no floor"]  # the other seed, hollow, has no entry of its own
    assert ours.get_xscale() == "log" and ours.lines[-1].get_markerfacecolor() == "none"
    assert ours.lines[-1].get_xydata().tolist() == [[0.1, -0.9]]


def test_plot_gate_blocks_mean_and_spread(face):
    blocks = np.random.default_rng(0).normal(size=(len(face), 4, 16))
    fig = draw.plot_gate_blocks({"LSTM": blocks, "LayerNorm, after": -blocks}, list("ijfo"))
    assert len(fig.axes) == 8 and fig.axes[4].get_ylabel() == "LayerNorm,\nafter"
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), blocks[:, 1].mean(axis=1))
    assert [ax.get_title() for ax in fig.axes[:4]] == list("ijfo")


def test_plot_hyper_scales_one_panel_per_block(face):
    scales = np.random.default_rng(0).normal(size=(len(face), 8, 20))
    blocks = [f"{gate} from {source}" for source in "xh" for gate in "ijfo"]
    fig = draw.plot_hyper_scales(face, scales, blocks, ("o from x", "f from h"), [3, 5],
                                 units=6)
    sketch, top, _, bottom, _ = fig.axes
    assert top.images[0].get_array().shape == (6, len(face))
    assert bottom.get_title() == "scales of the forget gate's block of $h W_{hh}$, 6 of 20 units"
    assert top.lines[0].get_xdata().tolist() == [3, 5]  # the steps of new strokes
    assert len(top.patches) == int(face[:-1, 2].sum()) + 1  # a bar per stroke
    assert top.title.get_fontsize() == pytest.approx(13 * 1.2)  # larger type
