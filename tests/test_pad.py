"""The drawing pad's model work (canvas strokes in, continuations out) without a browser, and
the notebook widget's round trip through its traits."""

import os
import shutil
import subprocess

import numpy as np
import pytest

from sketchlib import pad, pretrained, sampling, strokes
from sketchlib.model import build_model
from sketchlib.hparams import HParams


@pytest.fixture(scope="module")
def sheep():
    return pretrained.load("sheep_decoder")


def test_canvas_strokes_become_the_models_normalised_stroke3():
    square = [[10, 10], [10.4, 30], [10, 50], [50, 50], [50, 10]]  # the middle point is noise
    dot = [[70, 70]]
    line = [[60, 20], [80, 20]]
    sketch = pad.canvas_to_stroke3([square, dot, line], scale_factor=4.0, pixel_size=0.5)
    expected = np.array([[0, 40, 0], [40, 0, 0], [0, -40, 1], [10, 10, 0], [20, 0, 1]], float)
    expected[:, :2] = expected[:, :2] * 0.5 / 4.0
    np.testing.assert_allclose(sketch, expected)
    with pytest.raises(ValueError, match="no stroke of two points"):
        pad.canvas_to_stroke3([dot], scale_factor=4.0)


def test_finish_drawing_gives_n_continuations_in_pixels_from_where_the_drawing_ends(sheep):
    back = [[[100 + 3 * t, 160 - 60 * np.sin(np.pi * t / 100)] for t in range(0, 101, 5)]]
    one = pad.finish_drawing(sheep, back, n=3, temperature=0.3, seed=4)
    assert len(one) == 3 and all(c.ndim == 2 and c.shape[1] == 3 for c in one)
    again = pad.finish_drawing(sheep, back, n=3, temperature=0.3, seed=4)
    for a, b in zip(one, again):
        np.testing.assert_array_equal(a, b)  # the same seed draws the same
    # The same as sampling.complete on the normalised drawing, converted back to pixels.
    prefix = pad.canvas_to_stroke3(back, sheep.data["scale_factor"])
    completed = sampling.complete(sheep, prefix, 3, 0.3, seed=4)
    for added, full in zip(one, completed):
        np.testing.assert_array_equal(full[:len(prefix)], prefix)
        pixels = strokes.denormalize(full[len(prefix):], sheep.data["scale_factor"])
        np.testing.assert_allclose(added[:, :2], pixels[:, :2] / pad.PIXEL_SIZE, rtol=1e-5)
        # a sheep continuation is drawn at a sheep's size: tens to hundreds of pixels
        extent = np.ptp(np.cumsum(added[:, :2], axis=0), axis=0).max()
        assert 20 < extent < 2000


def test_a_drawing_longer_than_the_model_draws_is_refused(sheep):
    zigzag = [[[i * 10, 10 + 40 * (i % 2)] for i in range(400)]]
    with pytest.raises(ValueError, match="draw less"):
        pad.finish_drawing(sheep, zigzag)


def test_the_widget_finishes_what_the_page_sends(sheep):
    widget = pad.DrawingPad(sheep, seed=0)
    widget.n, widget.temperature = 2, 0.4
    widget.lines = [[[100, 150], [160, 120], [220, 150]]]
    widget.request += 1
    assert len(widget.continuations) == 2
    assert all(len(rows) > 0 and len(rows[0]) == 3 for rows in widget.continuations)
    assert widget.status.startswith("2 continuations of your 2 rows at temperature 0.4")
    widget.lines = [[[5, 5]]]
    widget.request += 1
    assert widget.continuations == [] and widget.status.startswith("Nothing to finish")
    assert "var SketchCanvas" in widget._esm and "export default" in widget._esm


def test_the_widgets_menu_chooses_which_model_finishes_the_drawing(sheep):
    bird = build_model(HParams(conditional=False, dec_rnn_size=16, max_seq_len=60))
    bird.data = {"scale_factor": 50.0}  # a small random decoder stands in for Magenta's bird
    widget = pad.DrawingPad({"sheep": sheep, "magenta/bird": bird}, seed=0)
    assert widget.model_names == ["sheep", "magenta/bird"] and widget.model is sheep
    assert widget.status == widget.prompt == "Draw the start of a sheep."
    lines = [[[100, 150], [160, 120], [220, 150]]]
    widget.lines = lines
    widget.model_name = "magenta/bird"  # the menu: the drawing is finished again, by the bird
    assert widget.model is bird and widget.prompt == "Draw the start of a bird."
    expected = pad.finish_drawing(bird, lines, 3, 0.3, seed=np.random.default_rng(0))
    assert widget.continuations == [rows.round(2).tolist() for rows in expected]
    by_sheep = pad.finish_drawing(sheep, lines, 3, 0.3, seed=np.random.default_rng(0))
    assert widget.continuations != [rows.round(2).tolist() for rows in by_sheep]
    widget.lines = []
    widget.model_name = "sheep"
    assert widget.continuations == [] and widget.status == "Draw the start of a sheep."
    single = pad.DrawingPad(sheep)  # one model: no menu
    assert single.model_names == [] and single.model is sheep
    assert single.status == "Draw the start of a sheep."


def test_the_widgets_javascript_parses(tmp_path):
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("CI must check the pad's JavaScript: Node.js is missing")
        pytest.skip("Node.js is not installed")
    (tmp_path / "pad.mjs").write_text(pad.DrawingPad(None)._esm)
    (tmp_path / "canvas.js").write_text(pad.CANVAS_JS.read_text())
    for name in ("pad.mjs", "canvas.js"):
        run = subprocess.run([node, "--check", str(tmp_path / name)], capture_output=True,
                             text=True)
        assert run.returncode == 0, run.stderr
