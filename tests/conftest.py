"""Shared fixtures of the sketchlib test suite.

* ``shared_data``: the book's shared data folder (``SKETCHLIB_DATA_DIR``). Tests that use it
  skip, with a clear reason, when the variable is unset or the folder lacks a file they need
  (name the files with ``@pytest.mark.shared_files("aaron_sheep.npz", ...)``).
* ``tmp_cache`` (autouse): ``SKETCHLIB_CACHE_DIR`` points at a fresh temporary folder, so no
  test ever writes to the user's download cache.
* synthetic data (``synthetic_raw``, ``synthetic_data``): the core tests need no real data.
* ``http_server``: a local HTTP server standing in for an official address.
"""

from __future__ import annotations

import http.server
import os
import re
import sys
import threading
import types
from pathlib import Path
from urllib.parse import unquote

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Test the package of this checkout, also when pytest is not started with `python -m`.
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

settings.register_profile(
    "sketchlib", max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile("sketchlib")

DATA_VARIABLE = "SKETCHLIB_DATA_DIR"
SKIP_REASON = "real data not available: set SKETCHLIB_DATA_DIR to the shared data folder"

QUICKDRAW_CLASSES = ("cat", "owl", "pig", "flamingo", "sheep")
#: Number of whole drawings in each raw ndjson sample (SOURCES.md); simplified ones hold 25.
RAW_COUNTS = {"cat": 25, "owl": 20, "pig": 19, "flamingo": 24, "sheep": 23}
NPZ_FILES = ("aaron_sheep.npz", "omniglot.npz", "kanji.rdp200.npz", "short_kanji.npz",
             *(f"quickdraw/{word}.sample25.npz" for word in QUICKDRAW_CLASSES))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "shared_files(*paths): files of the shared data folder a test needs "
        "(relative to SKETCHLIB_DATA_DIR); the test skips when one is missing")


def shared_data_dir() -> Path | None:
    """The folder named by SKETCHLIB_DATA_DIR (relative to the working directory), or None."""
    value = os.environ.get(DATA_VARIABLE)
    if not value:
        return None
    return Path(value).expanduser().resolve()


def require_shared(*paths) -> Path:
    """The shared data folder, or skip (with the reason) when it or one of ``paths`` is missing.
    For module-scoped fixtures, which cannot use :func:`shared_data`."""
    return _require(shared_data_dir(), ["SOURCES.md", *paths])


def _require(folder: Path | None, paths) -> Path:
    if folder is None:
        pytest.skip(f"{SKIP_REASON} (it is not set)")
    if not folder.is_dir():
        pytest.skip(f"{SKIP_REASON} ({folder} is not a folder)")
    missing = [path for path in paths if not (folder / path).is_file()]
    if missing:
        pytest.skip(f"{SKIP_REASON} ({folder} lacks {', '.join(missing)})")
    return folder


@pytest.fixture
def shared_data(request) -> Path:
    """Path of the shared data folder; skips when it (or a file the test needs) is missing.

    The needed files come from the test's ``shared_files`` marks (default: ``SOURCES.md``).
    """
    needed = [path for mark in request.node.iter_markers("shared_files") for path in mark.args]
    return _require(shared_data_dir(), needed or ["SOURCES.md"])


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch) -> Path:
    """SKETCHLIB_CACHE_DIR -> an empty temporary folder (every test): nothing is written to the
    user's cache."""
    cache = tmp_path / "sketchlib-cache"
    cache.mkdir()
    monkeypatch.setenv("SKETCHLIB_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def no_data_dir(monkeypatch):
    """SKETCHLIB_DATA_DIR unset, so lookups cannot find the shared folder."""
    monkeypatch.delenv(DATA_VARIABLE, raising=False)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test left open."""
    yield
    plt.close("all")


def backend_gradient(function, value) -> tuple[np.ndarray, np.ndarray]:
    """``function(value)`` (a scalar) and its gradient with respect to ``value`` (a NumPy
    array), on the active Keras backend: ``(result, gradient)`` as NumPy arrays."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        result, gradient = jax.value_and_grad(lambda v: function(v))(jax.numpy.asarray(value))
        return np.asarray(result), np.asarray(gradient)
    import tensorflow as tf

    variable = tf.Variable(value)
    with tf.GradientTape() as tape:
        result = function(variable)
    return np.asarray(result), tape.gradient(result, variable).numpy()


@pytest.fixture(scope="session")
def synthetic_raw():
    """Raw synthetic splits (int16 stroke-3), 60/10/10 sketches, seed 0."""
    from sketchlib.synthetic import synthetic_splits

    return synthetic_splits(60, 10, 10, seed=0)


@pytest.fixture(scope="session")
def synthetic_data():
    """A prepared synthetic SketchDataset (float32, normalised), 200/20/20 sketches, seed 1."""
    from sketchlib.synthetic import synthetic_dataset

    return synthetic_dataset(200, 20, 20, seed=1)


def load_shared_npz(folder: Path, relative: str) -> dict:
    """The raw splits of an npz of the shared folder (as stored: int16 or float64)."""
    with np.load(folder / relative, encoding="latin1", allow_pickle=True) as archive:
        return {split: list(archive[split]) for split in ("train", "valid", "test")}


# ----------------------------------------------------------------------------- models

def trainable_model(hps):
    """A model ready to train: built (sketchlib.model.build_model), then compiled with the
    reference's optimiser (sketchlib.training.compile_model)."""
    from sketchlib.model import build_model
    from sketchlib.training import compile_model

    return compile_model(build_model(hps), hps)


def save_checkpoint(model, log_root, data: dict, state: dict, pointers=("latest",)):
    """Write a checkpoint and point ``pointers`` at it, as training does."""
    from sketchlib.checkpoints import point_to, write_checkpoint

    checkpoint = write_checkpoint(model, log_root, data, state)
    point_to(log_root, checkpoint, state, pointers)
    return checkpoint


# ----------------------------------------------------------------------------- a local server

@pytest.fixture
def no_proxy(monkeypatch):
    """Requests to 127.0.0.1 must not go through a proxy of the environment."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves the files of ``server.root``; honours ``Range: bytes=a-b`` (206), which python's
    SimpleHTTPRequestHandler does not. Records every request's path and headers."""

    def do_GET(self):  # noqa: N802 - the http.server API
        self.server.requests.append((self.path, dict(self.headers)))
        path = self.server.root / unquote(self.path.lstrip("/"))
        if not path.is_file():
            self.send_error(404, "not found")
            return
        data = path.read_bytes()
        wanted = self.headers.get("Range")
        if wanted:
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted.strip())
            start = int(match[1])
            end = min(int(match[2]) if match[2] else len(data) - 1, len(data) - 1)
            body = data[start:end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def http_server(tmp_path, no_proxy):
    """A local HTTP server on 127.0.0.1 serving ``root`` (a tmp folder), in a thread."""
    root = tmp_path / "served"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    server.root, server.requests = root, []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield types.SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", root=root,
                                requests=server.requests, server=server)
    server.shutdown()
    server.server_close()
    thread.join(5)
