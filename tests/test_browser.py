"""The browser format of @magenta/sketch: export, read back, the errors for what it cannot
hold, and (with Node.js and browser/node_modules, required in CI) the real library's mixture
parameters against sketchlib's on the shipped sheep decoder over a real test sketch; the
models that the book's build writes for the drawing page (chapters/_ext/browser_assets.py)."""

import json
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from keras import ops

from sketchlib import browser, datasets, magenta, pretrained, strokes
from sketchlib.model import build_model
from sketchlib.cli import main
from sketchlib.hparams import HParams

ROOT = Path(__file__).resolve().parents[1]
BROWSER = ROOT / "browser"
#: half of one int16 step of the format: the largest change quantisation makes to a weight
HALF_STEP = browser.WEIGHT_LIMIT / browser.SCALE / 2


def small_decoder(units=16, **overrides):
    model = build_model(HParams(conditional=False, dec_rnn_size=units, max_seq_len=40,
                                **overrides))
    model.data = {"scale_factor": 7.5, "names": ["tiny"]}
    return model


def weights(model):
    cell, output = model.decoder_cell, model.output_layer
    return [ops.convert_to_numpy(w) for w in (output.kernel, output.bias, cell.kernel,
                                              cell.recurrent_kernel, cell.bias)]


def test_export_then_read_back_keeps_every_weight_to_half_an_int16_step(tmp_path):
    model = small_decoder()
    count, clipped = browser.export_browser_model(model, tmp_path / "m.json")
    assert (count, clipped) == (sum(w.size for w in weights(model)), 0)
    info, shapes, _ = json.loads((tmp_path / "m.json").read_text())
    assert info == {"name": "tiny", "mode": 1, "version": 1, "max_seq_len": 40,
                    "scale_factor": 7.5}
    assert shapes == [[16, 123], [123], [5, 64], [16, 64], [64]]
    back = browser.load_browser_model(tmp_path / "m.json")
    assert back.hps.dec_rnn_size == 16 and not back.hps.conditional
    assert back.data["scale_factor"] == 7.5 and back.hps.max_seq_len == 40
    errors = [np.abs(original - read).max()
              for original, read in zip(weights(model), weights(back))]
    assert max(errors) <= HALF_STEP * 1.001
    assert errors[0] > 0  # quantised, not copied (the initial biases are zeros, exact)


def test_weights_beyond_the_range_are_counted_and_clipped(tmp_path):
    model = small_decoder()
    bias = ops.convert_to_numpy(model.output_layer.bias)
    bias[:3] = [12.0, -30.0, 9.9]
    model.output_layer.bias.assign(bias)
    assert browser.export_browser_model(model, tmp_path / "m.json")[1] == 2
    read = ops.convert_to_numpy(browser.load_browser_model(tmp_path / "m.json")
                                .output_layer.bias)[:3]
    np.testing.assert_allclose(read, [10.0, -10.0, 9.9], atol=HALF_STEP * 1.001)


def test_what_the_format_cannot_hold_is_a_clear_error(tmp_path):
    with pytest.raises(browser.BrowserFormatError, match="mixture components"):
        browser.to_browser_json(small_decoder(num_mixture=5))
    with pytest.raises(browser.BrowserFormatError, match="decoder cell is 'layer_norm'"):
        browser.to_browser_json(small_decoder(dec_model="layer_norm"))
    vae = build_model(HParams(conditional=True, enc_rnn_size=8, dec_rnn_size=16, z_size=4,
                              max_seq_len=40))
    with pytest.raises(browser.BrowserFormatError, match="conditional"):
        browser.to_browser_json(vae)
    array, _ = browser.to_browser_json(small_decoder())
    with pytest.raises(browser.BrowserFormatError, match="5 tensors"):
        browser.load_browser_model([array[0], array[1][:4], array[2][:4]])
    with pytest.raises(browser.BrowserFormatError, match="holds"):
        browser.load_browser_model([array[0], array[1], [array[2][1]] * 5])
    with pytest.raises(browser.BrowserFormatError, match="not a browser-format model"):
        browser.load_browser_model({"name": "not a list"})


def test_cli_exports_and_refuses_a_vae_with_exit_2(tmp_path, capsys):
    assert main(["export", "--model", "sheep_decoder", "--out", str(tmp_path / "s.json")]) == 0
    assert "0 beyond +-10 clipped" in capsys.readouterr().out
    assert browser.load_browser_model(tmp_path / "s.json").hps.dec_rnn_size == 256
    assert main(["export", "--model", "kl_study_w1", "--out", str(tmp_path / "v.json")]) == 2
    assert "cannot hold this model: it is conditional" in capsys.readouterr().err
    assert not (tmp_path / "v.json").exists()


def sketchlib_pdfs(model, rows, tau):
    """The distributions of the next step after S0 and after each stroke-5 row, in the
    browser library's conventions at its temperatures (tau ** 2, tau)."""
    x, state, steps = np.array([[0, 0, 1, 0, 0]], "float32"), model.initial_state(1), []
    for i in range(len(rows) + 1):
        raw, state = model.step(ops.convert_to_tensor(x), state)
        r = ops.convert_to_numpy(raw)[0].astype(np.float64)
        blocks = [r[3 + k * 20:3 + (k + 1) * 20] for k in range(6)]
        softmax = lambda v: np.exp(v - v.max()) / np.exp(v - v.max()).sum()  # noqa: E731
        steps.append({"pen": softmax(r[:3] / tau), "pi": softmax(blocks[0] / tau),
                      "mu_x": blocks[1], "mu_y": blocks[2],
                      "sigma_x": np.exp(blocks[3]) * tau, "sigma_y": np.exp(blocks[4]) * tau,
                      "rho": np.tanh(blocks[5])})
        if i < len(rows):
            x = rows[i:i + 1].astype("float32")
    return steps


def largest_difference(a, b, key):
    return max(np.abs(np.asarray(p[key]) - np.asarray(q[key])).max() for p, q in zip(a, b))


@pytest.mark.shared_files("aaron_sheep.npz")
def test_the_browser_library_agrees_with_sketchlib_on_the_shipped_decoder(shared_data,
                                                                          tmp_path):
    node = shutil.which("node")
    if node is None or not (BROWSER / "node_modules" / "@magenta" / "sketch").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser library: install Node.js and run "
                        "`npm ci` in browser/")
        pytest.skip("Node.js or browser/node_modules missing (npm ci in browser/)")
    from sketchlib.datasets import load_dataset

    model = pretrained.load("sheep_decoder")
    array, clipped = browser.to_browser_json(model)
    assert clipped == 0
    (tmp_path / "sheep.json").write_text(json.dumps(array))
    read_back = browser.load_browser_model(tmp_path / "sheep.json")
    sketch = load_dataset("aaron_sheep").test[3]
    rows = strokes.stroke3_to_stroke5(sketch, len(sketch))[:len(sketch)]
    pixels = rows.astype(np.float64)
    pixels[:, :2] *= array[0]["scale_factor"] / 2  # the library's pixelFactor 2
    for tau in (0.25, 0.65):
        (tmp_path / "in.json").write_text(json.dumps(
            {"strokes": pixels.tolist(), "temperature": tau ** 2, "softmax_temperature": tau}))
        run = subprocess.run([node, "pdf.js", str(tmp_path / "sheep.json"),
                              str(tmp_path / "in.json")], cwd=BROWSER, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        library = json.loads(run.stdout)["steps"]
        assert len(library) == len(rows) + 1
        ours, quantised = sketchlib_pdfs(model, rows, tau), sketchlib_pdfs(read_back, rows, tau)
        for key in ours[0]:
            # The library runs exactly the model the file holds (float32 rounding apart) ...
            assert largest_difference(library, quantised, key) < 1e-4, key
            # ... which differs from the trained one only by what int16 weights change.
            allowed = largest_difference(quantised, ours, key)
            assert 0 < allowed < 0.05, key
            assert largest_difference(library, ours, key) <= allowed + 1e-4, key


@pytest.mark.shared_files("magenta/bird.gen.json")
def test_the_build_writes_the_drawing_pages_models_that_it_finds_and_downloads_none(
        shared_data, tmp_path, monkeypatch):
    if not (BROWSER / "node_modules" / "@magenta" / "sketch").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must build the drawing page: run `npm ci` in browser/")
        pytest.skip("browser/node_modules missing (npm ci in browser/)")
    data = tmp_path / "data"
    (data / "magenta").mkdir(parents=True)  # this machine holds Magenta's bird alone
    bird = data / "magenta" / "bird.gen.json"
    shutil.copyfile(shared_data / "magenta" / "bird.gen.json", bird)
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(data))
    monkeypatch.setattr(datasets, "_download", lambda *args: pytest.fail("downloaded"))
    monkeypatch.syspath_prepend(str(ROOT / "chapters" / "_ext"))
    import browser_assets

    said = []
    monkeypatch.setattr(browser_assets.logger, "info", said.append)
    app = SimpleNamespace(srcdir=str(ROOT), outdir=str(tmp_path / "html"),
                          builder=SimpleNamespace(format="html"))
    browser_assets._write(app, None)

    sketch = tmp_path / "html" / "_static" / "sketch"
    listed = json.loads((sketch / "models.js").read_text()
                        .removeprefix("window.SKETCH_MODEL_LIST = ").rstrip(";\n"))
    assert [entry["key"] for entry in listed] == ["sheep_decoder", "magenta/bird"]
    assert listed[1] == {"key": "magenta/bird", "script": "magenta_bird.js",
                         "label": "bird (Magenta)", "prompt": "Draw the start of a bird.",
                         "credit": f"Magenta's bird model: {magenta.LICENCE}."}
    for entry in listed:
        first, second = (sketch / entry["script"]).read_text().splitlines()
        assert first == "window.SKETCH_MODELS = window.SKETCH_MODELS || {};"
        assert second.startswith(f'window.SKETCH_MODELS["{entry["key"]}"] = ')
    script = (sketch / "magenta_bird.js").read_text().splitlines()[1]
    info, shapes, weights = json.loads(script.split(" = ", 1)[1].rstrip(";"))
    published = json.loads(bird.read_text())
    assert [shapes, weights] == published[1:]  # the very int16 weights Magenta published
    assert (info["max_seq_len"], info["scale_factor"]) == (129, 71.3754)
    missing = [name for name in browser_assets.MAGENTA if name != "bird"]
    assert not [name for name in missing if (sketch / f"magenta_{name}.js").exists()]
    assert len(said) == len(missing) and "magenta/dog is not on this machine" in "".join(said)
