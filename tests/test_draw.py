"""sketchlib.draw: matplotlib figures, SVG, animations (on synthetic sketches)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D

from sketchlib.draw import (animate, animation_html, grid_svg, order_colors, plot_grid, plot_map,
                            plot_sketch, to_svg)
from sketchlib.strokes import stroke3_to_polylines
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
