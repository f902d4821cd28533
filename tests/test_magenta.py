"""Magenta's published models (sketchlib.magenta): loaded by name from the shared data folder
(offline), downloaded once into the cache from their address (a local server stands in for
the official one), and a clear error for a name Magenta did not publish."""

import numpy as np
import pytest
from keras import ops

from sketchlib import browser, magenta, pretrained, sampling
from sketchlib.model import build_model
from sketchlib.cli import main
from sketchlib.hparams import HParams

#: max_seq_len and scale_factor of the shared copies (SOURCES.md)
SHARED = {"bicycle": (139, 86.8476), "bird": (129, 71.3754), "dog": (164, 60.1839),
          "hedgehog": (204, 86.9908), "monkey": (182, 66.1884), "palm_tree": (151, 75.4614),
          "rabbit": (155, 61.0124), "sheep": (156, 63.0983)}


def test_a_name_magenta_did_not_publish_is_a_clear_error(capsys, no_data_dir):
    with pytest.raises(ValueError, match=r"Magenta published no model named 'unicorn'; the "
                                         r"models are magenta/<name> for these names: "
                                         r"alarm_clock, ambulance, .*, everything$"):
        pretrained.load("magenta/unicorn")
    assert main(["sample", "--model", "magenta/unicorn", "--out", "x.svg"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no model named 'unicorn'" in err
    assert len(magenta.NAMES) == len(set(magenta.NAMES)) == 114


@pytest.mark.shared_files(*(f"magenta/{name}.gen.json" for name in SHARED))
def test_the_shared_copies_load_offline(shared_data, monkeypatch):
    """Each of the eight shared models loads with no network (downloads fail), as an LSTM of
    512 units with its file's max_seq_len and scale factor; the sheep draws sheep-length
    sketches that end."""
    def no_network(*args, **kwargs):
        raise AssertionError("no download may happen: the file is in SKETCHLIB_DATA_DIR")

    monkeypatch.setattr("sketchlib.datasets._download", no_network)
    for name, (max_seq_len, scale_factor) in SHARED.items():
        model = pretrained.load(f"magenta/{name}")
        assert (model.hps.dec_rnn_size, model.hps.num_mixture) == (512, 20)
        assert model.hps.max_seq_len == max_seq_len
        assert model.data["scale_factor"] == pytest.approx(scale_factor)
        assert model.data["checkpoint"] == str(shared_data / "magenta" / f"{name}.gen.json")
        assert model.data["source"] == f"{magenta.MODELS_URL}/{name}.gen.json"
        assert "Apache-2.0" in model.data["licence"] and "CC BY 4.0" in model.data["licence"]
    drawings = sampling.sample(pretrained.load("magenta/sheep"), 10, 0.4, seed=0)
    assert sum(len(d) < SHARED["sheep"][0] for d in drawings) >= 8


def test_a_published_model_is_downloaded_once_into_the_cache(http_server, tmp_cache,
                                                             no_data_dir, monkeypatch, capsys):
    """With no data folder, the model comes from its address (here a local server) into the
    cache, once, with a progress bar: a second load reads the cache even with the server
    gone."""
    small = build_model(HParams(conditional=False, dec_rnn_size=8, max_seq_len=30))
    small.data = {"scale_factor": 12.5, "names": ["dog"]}
    browser.export_browser_model(small, http_server.root / "dog.gen.json")
    monkeypatch.setattr(magenta, "MODELS_URL", http_server.url)
    first = pretrained.load("magenta/dog")
    assert [path for path, _ in http_server.requests] == ["/dog.gen.json"]
    size = (http_server.root / "dog.gen.json").stat().st_size
    said = capsys.readouterr().err
    assert said.startswith(f"downloading magenta/dog from {http_server.url}/dog.gen.json into "
                           f"{tmp_cache / 'magenta'}\n")
    assert "100%|" in said and f"{size / 1000:.2f}k/{size / 1000:.2f}k" in said, said
    assert "hash" not in said
    assert first.data["checkpoint"] == str(tmp_cache / "magenta" / "dog.gen.json")
    assert first.hps.dec_rnn_size == 8 and first.data["scale_factor"] == 12.5
    np.testing.assert_allclose(ops.convert_to_numpy(first.output_layer.kernel),
                               ops.convert_to_numpy(small.output_layer.kernel), atol=2e-4)
    http_server.server.shutdown()
    again = pretrained.load("magenta/dog")
    assert len(http_server.requests) == 1 and again.data["checkpoint"] == first.data["checkpoint"]


def test_a_download_that_fails_says_where_to_put_the_file(http_server, no_data_dir,
                                                          monkeypatch):
    monkeypatch.setattr(magenta, "MODELS_URL", http_server.url)  # serves no dog
    with pytest.raises(FileNotFoundError, match=r"magenta/dog: magenta/dog.gen.json was not "
                                                r"found .* the download from .*/dog.gen.json "
                                                r"failed"):
        pretrained.load("magenta/dog")
