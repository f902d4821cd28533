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
MATHJAX = Path("browser/node_modules/mathjax/es5")
# What the pages use of MathJax's 24 MB: the component that mathjax_path names and the
# folders it loads from (fonts, TeX extensions on demand, the menu and its accessibility).
MATHJAX_PARTS = ("tex-mml-chtml.js", "output/chtml", "input/tex/extensions", "ui", "a11y",
                 "sre")
MODELS = ("sheep_decoder",)


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
    from sketchlib import browser, pad, pretrained

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
