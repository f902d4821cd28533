"""Sphinx extension of the book: the browser libraries its pages need, copied from the npm
packages installed in ``browser/`` (``cd browser && npm ci``) into the built book's
``_static/``, so that every page works from any static host and from disk (offline, in a
classroom) with no request to another site.

``_static/mathjax/``: MathJax 3, which typesets the equations (``mathjax_path`` in
``_config.yml`` points there): its combined TeX component, the CommonHTML fonts, the TeX
extensions it loads on demand, and the menu's accessibility tools.

``_static/sketch/``, what the drawing page (chapters/draw_in_your_browser.md) needs:

* ``magentasketch.js``: Magenta's browser library, from the npm package ``@magenta/sketch``
  installed in ``browser/`` (``cd browser && npm ci``);
* the models its menus offer, each a script that sets ``window.SKETCH_MODELS[<key>]`` to the
  model in the library's format, written with ``sketchlib.browser`` (a script, not a JSON
  file, because browsers refuse ``fetch`` of files opened from disk), which the page inserts
  when a reader picks the model: ``sheep_decoder.js``, the book's shipped sheep decoder, and
  ``magenta_<name>.js`` for each of Magenta's published models in ``MAGENTA`` that this
  machine holds (in ``SKETCHLIB_DATA_DIR/magenta/`` or the download cache; the build never
  downloads one, and one it does not find is left out of the menus with an info line);
* ``models.js``: the list of those models (``window.SKETCH_MODEL_LIST``: each one's key,
  script, label, prompt and credit), which the page loads at once;
* ``pad_canvas.js``: sketchlib's canvas code, which the notebook pad uses too.

The page's own code, ``pad.js``, is a static file of the book (chapters/_static).
"""

import dataclasses
import json
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

LIBRARY = Path("browser/node_modules/@magenta/sketch/dist/magentasketch.js")
MATHJAX = Path("browser/node_modules/mathjax/es5")
# What the pages use of MathJax's 24 MB: the component that mathjax_path names and the
# folders it loads from (fonts, TeX extensions on demand, the menu and its accessibility).
MATHJAX_PARTS = ("tex-mml-chtml.js", "output/chtml", "input/tex/extensions", "ui", "a11y",
                 "sre")
#: Magenta's published models that the page offers when this machine holds them (about 3 MB
#: each, loaded only when picked).
MAGENTA = ("sheep", "bird", "dog", "rabbit", "hedgehog", "monkey", "bicycle", "palm_tree")


def _installed(app, path: Path, what: str) -> Path:
    full = Path(app.srcdir) / path
    if not full.exists():
        raise ExtensionError(f"{path} is missing: {what}; run `(cd browser && npm ci)` first "
                             "(Node.js 18+)")
    return full


def _library(app) -> Path:
    return _installed(app, LIBRARY, "the drawing page needs Magenta's browser library")


def _mathjax(app) -> Path:
    return _installed(app, MATHJAX, "the equations need MathJax")


def _check(app) -> None:
    _library(app)  # fail before the notebooks run, not after
    _mathjax(app)


def _write(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from sketchlib import pad

    mathjax = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        source, destination = _mathjax(app) / part, mathjax / part
        if source.is_dir():
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
    target = Path(app.outdir) / "_static" / "sketch"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_library(app), target / LIBRARY.name)
    shutil.copyfile(pad.CANVAS_JS, target / pad.CANVAS_JS.name)
    listed = []
    for key, label, what, credit, array in _models():
        script = key.replace("/", "_") + ".js"
        (target / script).write_text(
            "window.SKETCH_MODELS = window.SKETCH_MODELS || {};\n"
            f"window.SKETCH_MODELS[{json.dumps(key)}] = {json.dumps(array)};\n")
        listed.append({"key": key, "script": script, "label": label,
                       "prompt": pad.prompt_for(what), "credit": credit})
    (target / "models.js").write_text(
        f"window.SKETCH_MODEL_LIST = {json.dumps(listed, indent=1)};\n")


def _models():
    """The page's models, the sheep decoder first: (key, label, what it draws, credit, the
    model in the browser format). Magenta's files are in that format already: they are
    checked and passed on as published."""
    from sketchlib import browser, datasets, magenta, pretrained

    sheep = datasets.source("aaron_sheep")
    credit = (f"The book's sheep_decoder (chapter 3), trained on {sheep.citation}. "
              f"{sheep.licence}.")
    array, clipped = browser.to_browser_json(pretrained.load("sheep_decoder"),
                                             name="sheep_decoder")
    if clipped:
        raise ExtensionError(f"sheep_decoder: {clipped} weights beyond the browser format's "
                             "range")
    yield "sheep_decoder", "sheep (this book)", "sheep", credit, array
    for name in MAGENTA:
        offline = dataclasses.replace(magenta.source(name), url=None)  # found, never downloaded
        try:
            path = datasets.fetch(offline)
        except FileNotFoundError:
            logger.info(f"browser_assets: magenta/{name} is not on this machine "
                        f"(SKETCHLIB_DATA_DIR/{offline.filename} nor the download cache); the "
                        "drawing page leaves it out")
            continue
        what = name.replace("_", " ")
        yield (f"magenta/{name}", f"{what} (Magenta)", what,
               f"Magenta's {what} model: {magenta.LICENCE}.", browser.read_browser_json(path))


def setup(app):
    app.connect("builder-inited", _check)
    app.connect("build-finished", _write)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
