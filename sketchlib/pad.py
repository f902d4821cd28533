"""Finish a drawing the reader starts: the model work, and a drawing pad for notebooks.

:func:`canvas_to_stroke3` turns strokes drawn on a canvas (lists of pixel points) into the
model's normalised stroke-3, and :func:`finish_drawing` returns ``n`` continuations of them in
canvas pixels; both run without a browser. :class:`DrawingPad` puts them under a canvas in
a notebook (Jupyter, and Colab, which ships anywidget): the reader draws with the mouse, and
each time the pen lifts the model finishes the drawing ``n`` times, drawn as they come; given
several models by name, it has a menu to choose among them. The canvas code
(``pad_canvas.js``) is the same as on the book's static drawing page.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import numpy as np
import traitlets

from . import sampling, strokes

CANVAS_JS = Path(__file__).with_name("pad_canvas.js")
#: Data units of aaron_sheep per canvas pixel: a typical sheep (240 units wide) is drawn
#: about 300 pixels wide on the pad.
PIXEL_SIZE = 0.8
#: RDP tolerance for the reader's strokes, in canvas pixels.
EPSILON = 1.5


def canvas_to_stroke3(lines, scale_factor: float, pixel_size: float = PIXEL_SIZE,
                      epsilon: float = EPSILON) -> np.ndarray:
    """Strokes drawn on a canvas -> normalised stroke-3 ``(P, 3)`` for a model.

    ``lines``: strokes in drawing order, each a list of ``[x, y]`` pixel points (``y`` down, as
    in the data); strokes of one point are dropped. Each is simplified with RDP (``epsilon``
    pixels), the offsets are converted to data units (``pixel_size`` per pixel) and divided by
    the model's ``scale_factor``. The first point is the origin (dropped, as in the data);
    the last row lifts the pen."""
    kept = [np.asarray(line, dtype=np.float64).reshape(-1, 2) for line in lines]
    kept = [line for line in kept if len(line) >= 2]
    if not kept:
        raise ValueError("the drawing has no stroke of two points or more")
    sketch = strokes.polylines_to_stroke3(strokes.simplify(kept, epsilon))
    sketch[:, :2] *= pixel_size
    return strokes.normalize(sketch, scale_factor)


def finish_drawing(model, lines, n: int = 3, temperature: float = 0.3, seed=None,
                   pixel_size: float = PIXEL_SIZE) -> list[np.ndarray]:
    """``n`` continuations of a drawing on a canvas (``lines`` as in
    :func:`canvas_to_stroke3`) by a trained model: each a stroke-3 array ``(k, 3)`` in canvas
    pixels of the rows the model added, starting where the last stroke ends, with the pen
    lifted. The model reads the drawing, then samples (:func:`sketchlib.sampling.complete`;
    a conditional model conditions on the drawing's own code)."""
    factor = model.data["scale_factor"]
    prefix = canvas_to_stroke3(lines, factor, pixel_size)
    if len(prefix) >= model.hps.max_seq_len:
        raise ValueError(f"the drawing has {len(prefix)} rows after simplification; the "
                         f"model draws at most {model.hps.max_seq_len}: draw less")
    finished = sampling.complete(model, prefix, n, temperature, seed=seed)
    added = [strokes.denormalize(sketch[len(prefix):], factor) for sketch in finished]
    for sketch in added:
        sketch[:, :2] /= pixel_size
    return added


def prompt_for(what: str) -> str:
    """What the pads ask the reader to draw for a model of class ``what`` ("sheep")."""
    return f"Draw the start of {'an' if what[:1] in 'aeiou' else 'a'} {what}."


class DrawingPad(anywidget.AnyWidget):
    """A canvas to draw on in a notebook; each time the pen lifts, the model finishes the
    drawing ``n`` times at the slider's temperature (see :func:`finish_drawing`), and the
    continuations are drawn as they come. Buttons: clear, try again.

    ``models``: one model, or several by name (``{"sheep": sheep, "magenta/bird": bird}``),
    which a menu chooses among (the first at the start); choosing one finishes the drawing
    again with it, and the prompt names its class (the name after any ``magenta/``)."""

    _esm = CANVAS_JS.read_text() + Path(__file__).with_name("pad_widget.js").read_text()
    lines = traitlets.List([]).tag(sync=True)  # the reader's strokes, lists of pixel points
    request = traitlets.Int(0).tag(sync=True)  # raised by the page: finish the drawing
    temperature = traitlets.Float(0.3).tag(sync=True)
    n = traitlets.Int(3).tag(sync=True)
    continuations = traitlets.List([]).tag(sync=True)  # each stroke-3 rows, in pixels
    model_names = traitlets.List([]).tag(sync=True)  # the menu; empty for a single model
    model_name = traitlets.Unicode("").tag(sync=True)  # the chosen one
    prompt = traitlets.Unicode(prompt_for("sheep")).tag(sync=True)
    status = traitlets.Unicode(prompt_for("sheep")).tag(sync=True)

    def __init__(self, models, seed=None, pixel_size: float = PIXEL_SIZE, **kwargs):
        super().__init__(**kwargs)
        self.models = dict(models) if isinstance(models, dict) else {"": models}
        self.pixel_size = pixel_size
        self.rng = np.random.default_rng(seed)
        if isinstance(models, dict):
            self.model_names, self.model_name = list(models), next(iter(models))

    @property
    def model(self):
        """The chosen model."""
        return self.models[self.model_name]

    @traitlets.observe("model_name")
    def _choose(self, change):
        self.prompt = prompt_for(self.model_name.split("/")[-1].replace("_", " "))
        if self.lines:
            self._finish(change)
        else:
            self.continuations, self.status = [], self.prompt

    @traitlets.observe("request")
    def _finish(self, change):
        try:
            rows = len(canvas_to_stroke3(self.lines, self.model.data["scale_factor"],
                                         self.pixel_size))
            drawn = finish_drawing(self.model, self.lines, self.n, self.temperature,
                                   seed=self.rng, pixel_size=self.pixel_size)
        except ValueError as error:
            self.continuations, self.status = [], f"Nothing to finish: {error}."
            return
        ended = sum(rows + len(d) < self.model.hps.max_seq_len for d in drawn)
        self.continuations = [d.round(2).tolist() for d in drawn]
        self.status = (f"{len(drawn)} continuations of your {rows} rows at temperature "
                       f"{self.temperature:g}; {ended} ended by the model")
