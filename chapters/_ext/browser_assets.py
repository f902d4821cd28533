"""Sphinx extension of the book: what the drawing page (chapters/draw_in_your_browser.md)
needs, put into the built book's ``_static/sketch/`` so that it works from any static host and
from disk with no request to another site:

* ``magentasketch.js``: Magenta's browser library, from the npm package ``@magenta/sketch``
  installed in ``browser/`` (``cd browser && npm ci``);
* ``sheep_decoder.js``: the shipped sheep decoder, exported with ``sketchlib.browser`` as a
  script that sets ``window.SKETCH_MODELS.sheep_decoder`` (a script, not a JSON file, because
  browsers refuse ``fetch`` of files opened from disk);
* ``pad_canvas.js``: sketchlib's canvas code, which the notebook pad uses too.

The page's own code, ``pad.js``, is a static file of the book (chapters/_static).
"""

import json
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

LIBRARY = Path("browser/node_modules/@magenta/sketch/dist/magentasketch.js")
MODELS = ("sheep_decoder",)


def _library(app) -> Path:
    path = Path(app.srcdir) / LIBRARY
    if not path.is_file():
        raise ExtensionError(f"{LIBRARY} is missing: the drawing page needs Magenta's browser "
                             "library; run `(cd browser && npm ci)` first (Node.js 18+)")
    return path


def _check(app) -> None:
    _library(app)  # fail before the notebooks run, not after


def _write(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from sketchlib import browser, pad, pretrained

    target = Path(app.outdir) / "_static" / "sketch"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_library(app), target / LIBRARY.name)
    shutil.copyfile(pad.CANVAS_JS, target / pad.CANVAS_JS.name)
    for name in MODELS:
        array, clipped = browser.to_browser_json(pretrained.load(name), name=name)
        if clipped:
            raise ExtensionError(f"{name}: {clipped} weights beyond the browser format's range")
        (target / f"{name}.js").write_text(
            "window.SKETCH_MODELS = window.SKETCH_MODELS || {};\n"
            f"window.SKETCH_MODELS[{json.dumps(name)}] = {json.dumps(array)};\n")


def setup(app):
    app.connect("builder-inited", _check)
    app.connect("build-finished", _write)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
