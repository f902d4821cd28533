"""sketchlib.datasets: sources, fetching (local folder, cache, download), npz files, prepare."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import QUICKDRAW_CLASSES, RAW_COUNTS, load_shared_npz, require_shared

from sketchlib import datasets
from sketchlib.datasets import (
    REGISTRY,
    SketchDataset,
    Source,
    fetch,
    load_dataset,
    load_npz,
    ndjson_source,
    prepare,
    source,
)
from sketchlib.strokes import clamp

HARDMARU = "https://github.com/hardmaru/sketch-rnn-datasets/raw/master"
GCS = "https://storage.googleapis.com/quickdraw_dataset"

# SOURCES.md: name -> (file, source path, sha256)
OFFICIAL = {
    "aaron_sheep": ("aaron_sheep.npz", "aaron_sheep/aaron_sheep.npz",
                    "65f8e51e43587661798ac137a204c9e049e0d11dcd50cba372ae3ca32de8b54c"),
    "omniglot": ("omniglot.npz", "omniglot/omniglot.npz",
                 "bd5277621a8c577919491dfa729a59a8b5c216cff9e4fda9cef532db29f120c7"),
    "kanji": ("kanji.rdp200.npz", "kanji/kanji.rdp200.npz",
              "64d6775231d7868be190efba7886129d41d15e77d5a86751de0613a01623478c"),
    "short_kanji": ("short_kanji.npz", "kanji/short_kanji.npz",
                    "f6855ba03d58f44830499dd98e7cb99f46c970651f4f16f2d886398f34709914"),
}
SAMPLE25 = {
    "cat": "055e438f168f5c49c7bad2c6d5af9960e341a2e3e9d6cbec2e39ae5f141c25aa",
    "owl": "fa706621e4f2060128a999c1b11a15c2f8476b24d55c213fc8218b332ac2506b",
    "pig": "7865a65298f2d0eb491000ce75f3d67c1932481242acd1a13126e5763e5fd9f9",
    "flamingo": "8575a43dd8349010a679003c15d6a239727bec0644b726de1efdcfbe46e808f3",
    "sheep": "563ae50abf68c8d1193d93c0e786a555b391b6df042815ab9cca38183d3c7ec1",
}
NDJSON = {
    ("raw", "cat"): (95744, "de5cf0e4cff15a7ffe726c447cf41cf163199c46268abbefd7fd4f673659c579"),
    ("raw", "owl"): (92850, "d70b1fb637824f6df459e32b74f7f640293300126602fc2280a272793095917f"),
    ("raw", "pig"): (98554, "ead254a893ab78af0bb1ab7cfe4e5842166d662b09ee2767d06b4b44ae7d54d6"),
    ("raw", "flamingo"): (
        99716, "6628ff566bd17e7b8ffe9ecefc4a578750dad9251879505634eec5fc1adb3b44"),
    ("raw", "sheep"): (99455, "0a0b1eacaad213b7b81c613fe4b5538ed848d8f9dfaae008004f33ec066a2a20"),
    ("simplified", "cat"): (
        14169, "e45c0252b5dcf50e67a9c5ade3627cc1fd1d0645aea6c900ba852dfc0e556898"),
    ("simplified", "owl"): (
        15112, "621859178c2de80c50be3da5cabc0fd05a88b9680fc94ccf87486f33a516301d"),
    ("simplified", "pig"): (
        17621, "8678cbb239c2efc4855536c4feb48ba559aff4bc1f928ef5b732eaf19a5913ab"),
    ("simplified", "flamingo"): (
        11730, "e620ac5a1d23c8ee1bbf3c2512fea7ab583c50bd79ec2b4535dd5007d1116ceb"),
    ("simplified", "sheep"): (
        16067, "09ff441df6a1915b1912994af165ed5301d2d142b508d3d1cff0d279c7fc644a"),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def object_array(sketches):
    array = np.empty(len(sketches), dtype=object)
    for i, sketch in enumerate(sketches):
        array[i] = sketch
    return array


def save_npz(path: Path, splits: dict) -> Path:
    np.savez(path, **{name: object_array(s) for name, s in splits.items()})
    return path


def sketch(n, rng, scale=20):
    """A random valid stroke-3 int16 sketch of n rows, ending with a pen lift."""
    result = np.column_stack([rng.integers(-scale, scale + 1, size=(n, 2)),
                              rng.random(n) < 0.2]).astype(np.int16)
    result[-1, 2] = 1
    return result


@pytest.fixture
def closed_port_url(no_proxy):
    """An http URL on 127.0.0.1 where nothing listens (simulates no network)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def make_source(filename, url=None, data=None, sha=None, **kwargs):
    return Source("test-source", filename, url, sha if sha is not None else
                  (sha256(data) if data is not None else None), "test licence", "test citation",
                  **kwargs)


# --------------------------------------------------------------------------- sources


@pytest.mark.parametrize("name", list(OFFICIAL))
def test_source_registered(name):
    filename, remote, digest = OFFICIAL[name]
    item = source(name)
    assert item.name == name
    assert item.filename == filename
    assert item.url == f"{HARDMARU}/{remote}"
    assert item.sha256 == digest
    assert item.byte_range is None
    assert item.licence and item.citation
    assert REGISTRY[name] is item


def test_source_licences():
    assert "NC" in source("aaron_sheep").licence  # non-commercial
    assert "MIT" in source("omniglot").licence
    assert "CC BY-SA 3.0" in source("kanji").licence
    assert "CC BY 4.0" in source("cat").licence


@pytest.mark.parametrize("word, encoded", [("cat", "cat"),
                                           ("The Eiffel Tower", "The%20Eiffel%20Tower"),
                                           ("hot air balloon", "hot%20air%20balloon")])
def test_source_quickdraw_class(word, encoded):
    item = source(word)
    assert item.url == f"{GCS}/sketchrnn/{encoded}.npz"
    assert item.filename == f"quickdraw/{word}.npz"
    assert item.sha256 is None
    assert "CC BY 4.0" in item.licence
    assert "Google" in item.citation


@pytest.mark.parametrize("word", QUICKDRAW_CLASSES)
def test_source_sample25(word):
    item = source(f"{word}.sample25")
    assert item.filename == f"quickdraw/{word}.sample25.npz"
    assert item.url is None
    assert item.sha256 == SAMPLE25[word]


@pytest.mark.parametrize("name", ["unicorn", "dog.sample25", "cat.npz", "Cat", ""])
def test_source_unknown_lists_known_names(name):
    with pytest.raises(ValueError) as info:
        source(name)
    message = str(info.value)
    assert repr(name) in message
    for known in [*OFFICIAL, *(f"{w}.sample25" for w in QUICKDRAW_CLASSES)]:
        assert known in message
    assert "quickdraw_categories" in message


def test_quickdraw_categories():
    names = datasets.quickdraw_categories()
    assert len(names) == 345 == len(set(names))
    for word in (*QUICKDRAW_CLASSES, "The Eiffel Tower", "The Great Wall of China"):
        assert word in names
    assert all(name == name.strip() and name for name in names)


@pytest.mark.parametrize("kind, word", list(NDJSON))
def test_ndjson_source_samples(kind, word):
    size, digest = NDJSON[kind, word]
    item = ndjson_source(word, kind)
    assert item.url == f"{GCS}/full/{kind}/{word}.ndjson"
    assert item.filename == f"quickdraw/ndjson/{kind}/{word}.ndjson"
    assert item.byte_range == size
    assert item.sha256 == digest


def test_ndjson_source_default_kind_is_simplified():
    assert ndjson_source("owl") == ndjson_source("owl", "simplified")


@pytest.mark.parametrize("kind", ["raw", "simplified"])
def test_ndjson_source_full(kind):
    item = ndjson_source("The Eiffel Tower", kind, full=True)
    assert item.url == f"{GCS}/full/{kind}/The%20Eiffel%20Tower.ndjson"
    assert item.sha256 is None and item.byte_range is None
    assert item.filename.endswith(".full.ndjson")
    full_cat = ndjson_source("cat", kind, full=True)
    assert full_cat.url == f"{GCS}/full/{kind}/cat.ndjson"
    # Not the same cache file as the sample of the first lines.
    assert full_cat.filename != ndjson_source("cat", kind).filename


def test_ndjson_source_errors():
    with pytest.raises(ValueError, match="raw.*simplified"):
        ndjson_source("cat", "clean")
    with pytest.raises(ValueError, match="unicorn"):
        ndjson_source("unicorn")
    with pytest.raises(ValueError, match="full=True"):
        ndjson_source("dog")  # a class, but no sample registered


def test_cache_dir_and_data_dir_follow_environment(tmp_cache, tmp_path, monkeypatch):
    assert datasets.cache_dir() == tmp_cache
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(tmp_path))
    assert datasets.data_dir() == tmp_path
    monkeypatch.delenv("SKETCHLIB_DATA_DIR")
    assert datasets.data_dir() is None


def test_a_relative_data_dir_is_taken_from_here_or_is_a_clear_error(tmp_path, monkeypatch):
    """A notebook runs in its own folder, so the README's relative ``../shared/data`` may name
    nothing from there: that is an error that says to give an absolute path."""
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", "data")
    assert datasets.data_dir() == (tmp_path / "data").resolve()
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", "../shared/data")
    with pytest.raises(FileNotFoundError, match="names no folder.*absolute"):
        datasets.fetch("aaron_sheep")


# --------------------------------------------------------------------------- fetch: local


def test_fetch_from_data_dir_by_relative_path_and_by_bare_name(tmp_path, monkeypatch):
    data = b"some sketch bytes"
    item = make_source("deep/folder/file.bin", url=None, data=data)
    nested = tmp_path / "nested"
    (nested / "deep/folder").mkdir(parents=True)
    (nested / "deep/folder/file.bin").write_bytes(data)
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(nested))
    assert fetch(item) == nested / "deep/folder/file.bin"
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "file.bin").write_bytes(data)
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(flat))
    assert fetch(item) == flat / "file.bin"
    # Both present: the relative path comes first.
    (flat / "deep/folder").mkdir(parents=True)
    (flat / "deep/folder/file.bin").write_bytes(data)
    assert fetch(item) == flat / "deep/folder/file.bin"


def test_fetch_local_checksum_mismatch_names_the_file(tmp_path, monkeypatch, tmp_cache):
    (tmp_path / "aaron_sheep.npz").write_bytes(b"not the sheep")
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError) as info:
        fetch("aaron_sheep")
    message = str(info.value)
    assert "aaron_sheep.npz" in message
    assert "checksum" in message.lower()
    assert OFFICIAL["aaron_sheep"][2] in message
    assert files_under(tmp_cache) == []


def test_fetch_without_checksum_accepts_any_local_file(tmp_path, monkeypatch):
    (tmp_path / "quickdraw").mkdir()
    (tmp_path / "quickdraw/cat.npz").write_bytes(b"whatever")
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(tmp_path))
    assert fetch("cat") == tmp_path / "quickdraw/cat.npz"  # no sha256 known, no download


def test_fetch_unpublished_file_from_cache(tmp_cache, no_data_dir):
    data = b"cached"
    item = make_source("quickdraw/x.sample25.npz", url=None, data=data)
    (tmp_cache / "quickdraw").mkdir()
    (tmp_cache / "quickdraw/x.sample25.npz").write_bytes(data)
    assert fetch(item) == tmp_cache / "quickdraw/x.sample25.npz"
    wrong = make_source("quickdraw/x.sample25.npz", url=None, sha="0" * 64)
    with pytest.raises(ValueError, match=r"x\.sample25\.npz"):
        fetch(wrong)


def test_fetch_unpublished_missing_file_says_where(no_data_dir):
    with pytest.raises(FileNotFoundError) as info:
        fetch("cat.sample25")
    message = str(info.value)
    assert "quickdraw/cat.sample25.npz" in message
    assert "SKETCHLIB_DATA_DIR" in message
    assert "not set" in message


def test_fetch_unpublished_missing_file_names_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        fetch("owl.sample25")
    assert str(tmp_path) in str(info.value)
    assert "owl.sample25.npz" in str(info.value)


def test_fetch_no_network_raises_file_not_found(closed_port_url, tmp_path, monkeypatch,
                                                tmp_cache):
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(tmp_path))
    item = make_source("remote/missing.npz", url=f"{closed_port_url}/missing.npz", sha="1" * 64)
    with pytest.raises(FileNotFoundError) as info:
        fetch(item)
    message = str(info.value)
    assert "remote/missing.npz" in message
    assert item.url in message
    assert "SKETCHLIB_DATA_DIR" in message
    assert str(tmp_path) in message
    assert files_under(tmp_cache) == []


@pytest.mark.shared_files(*(p for p, _, _ in OFFICIAL.values()),
                          *(f"quickdraw/{w}.sample25.npz" for w in QUICKDRAW_CLASSES),
                          *(f"quickdraw/ndjson/{k}/{w}.ndjson" for k, w in NDJSON))
def test_fetch_every_registered_file_from_shared_data(shared_data, monkeypatch, tmp_cache):
    """Every registered checksum matches the shared files; nothing is downloaded."""
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(shared_data))
    for name, (filename, _, _) in OFFICIAL.items():
        assert fetch(name) == shared_data / filename
    for word in QUICKDRAW_CLASSES:
        assert fetch(f"{word}.sample25") == shared_data / f"quickdraw/{word}.sample25.npz"
    for kind, word in NDJSON:
        path = fetch(ndjson_source(word, kind))
        assert path == shared_data / f"quickdraw/ndjson/{kind}/{word}.ndjson"
        assert path.stat().st_size == NDJSON[kind, word][0]
    assert files_under(tmp_cache) == []


@pytest.mark.shared_files("quickdraw/cat.sample25.npz")
def test_fetch_sample_placed_flat(shared_data, tmp_path, monkeypatch):
    shutil.copy(shared_data / "quickdraw/cat.sample25.npz", tmp_path)
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(tmp_path))
    assert fetch("cat.sample25") == tmp_path / "cat.sample25.npz"
    assert len(load_dataset("cat.sample25").train) == 15


# --------------------------------------------------------------------------- fetch: download


def test_local_server_honours_range(http_server):
    (http_server.root / "x.bin").write_bytes(bytes(range(100)))
    request = urllib.request.Request(f"{http_server.url}/x.bin", headers={"Range": "bytes=0-9"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 206
        assert response.read() == bytes(range(10))
    with urllib.request.urlopen(f"{http_server.url}/x.bin", timeout=10) as response:
        assert response.status == 200
        assert response.read() == bytes(range(100))


def test_download_lands_in_cache(http_server, tmp_path, monkeypatch, tmp_cache,
                                 closed_port_url):
    monkeypatch.setenv("SKETCHLIB_DATA_DIR", str(tmp_path / "empty"))
    data = np.random.default_rng(0).bytes(50_000)
    (http_server.root / "data.npz").write_bytes(data)
    item = make_source("remote/data.npz", url=f"{http_server.url}/data.npz", data=data)
    path = fetch(item)
    assert path == tmp_cache / "remote/data.npz"
    assert path.read_bytes() == data
    assert files_under(tmp_cache) == [path]
    assert len(http_server.requests) == 1
    assert "Range" not in http_server.requests[0][1]
    # A second fetch uses the cache: no request, even with the server gone.
    again = Source(item.name, item.filename, f"{closed_port_url}/data.npz", item.sha256,
                   item.licence, item.citation)
    assert fetch(again) == path
    assert len(http_server.requests) == 1


def test_download_without_checksum(http_server, no_data_dir, tmp_cache):
    (http_server.root / "The Eiffel Tower.ndjson").write_bytes(b'{"drawing": []}\n')
    item = make_source("quickdraw/ndjson/raw/The Eiffel Tower.full.ndjson",
                       url=f"{http_server.url}/The%20Eiffel%20Tower.ndjson")
    path = fetch(item)
    assert path == tmp_cache / "quickdraw/ndjson/raw/The Eiffel Tower.full.ndjson"
    assert path.read_bytes() == b'{"drawing": []}\n'


def test_download_wrong_checksum_leaves_nothing(http_server, no_data_dir, tmp_cache):
    (http_server.root / "data.npz").write_bytes(b"x" * 200_000)
    item = make_source("remote/data.npz", url=f"{http_server.url}/data.npz", sha="ab" * 32)
    with pytest.raises(ValueError) as info:
        fetch(item)
    assert "data.npz" in str(info.value)
    assert files_under(tmp_cache) == []  # neither a partial nor a whole file


def test_download_byte_range(http_server, no_data_dir, tmp_cache):
    data = b"".join(b'{"line": %d}\n' % i for i in range(5000))
    (http_server.root / "big.ndjson").write_bytes(data)
    size = 1234
    item = make_source("quickdraw/ndjson/raw/big.ndjson", url=f"{http_server.url}/big.ndjson",
                       data=data[:size], byte_range=size)
    path = fetch(item)
    assert path.read_bytes() == data[:size]
    assert http_server.requests[-1][1].get("Range") == f"bytes=0-{size - 1}"


def test_download_http_error_is_file_not_found(http_server, no_data_dir, tmp_cache):
    item = make_source("remote/absent.npz", url=f"{http_server.url}/absent.npz", sha="2" * 64)
    with pytest.raises(FileNotFoundError, match="absent.npz"):
        fetch(item)
    assert files_under(tmp_cache) == []


def test_registered_sample_downloads_through_range(http_server, no_data_dir, tmp_cache,
                                                   monkeypatch):
    """ndjson_source's byte_range and sha256 work together: the server holds a longer file
    whose first bytes are the registered sample."""
    sample = (b'{"word": "cat", "drawing": [[[0, 1], [2, 3]]]}\n' * 40)
    size = len(sample)
    served = http_server.root / "full/raw/cat.ndjson"
    served.parent.mkdir(parents=True)
    served.write_bytes(sample + b'{"word": "cat", "drawing": [[')
    monkeypatch.setitem(datasets.NDJSON_SAMPLES, ("raw", "cat"), (size, sha256(sample)))
    monkeypatch.setattr(datasets, "QUICKDRAW", http_server.url)
    item = ndjson_source("cat", "raw")
    assert item.url == f"{http_server.url}/full/raw/cat.ndjson"
    assert item.byte_range == size
    drawings = datasets.load_drawings("cat", "raw")
    assert len(drawings) == 40
    assert (tmp_cache / "quickdraw/ndjson/raw/cat.ndjson").read_bytes() == sample


# --------------------------------------------------------------------------- npz files


def test_load_npz_reads_splits_as_stored(tmp_path):
    rng = np.random.default_rng(0)
    splits = {"train": [sketch(5, rng), sketch(7, rng)], "valid": [sketch(3, rng)],
              "test": [sketch(4, rng).astype(np.float64)]}
    loaded = load_npz(save_npz(tmp_path / "x.npz", splits))
    assert list(loaded) == ["train", "valid", "test"]
    for name in splits:
        assert isinstance(loaded[name], list)
        assert len(loaded[name]) == len(splits[name])
        for a, b in zip(loaded[name], splits[name]):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_load_npz_missing_split(tmp_path):
    rng = np.random.default_rng(0)
    path = save_npz(tmp_path / "two.npz", {"train": [sketch(5, rng)], "test": [sketch(5, rng)]})
    with pytest.raises(ValueError) as info:
        load_npz(path)
    message = str(info.value)
    assert "two.npz" in message
    assert "valid" in message
    assert "missing" in message


def test_load_npz_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_npz(tmp_path / "nope.npz")


@pytest.mark.parametrize("kind", ["empty", "text", "truncated-zip", "npy"])
def test_load_npz_unreadable_file_is_a_clear_value_error(tmp_path, kind):
    """A file that is not a sketch-rnn npz (e.g. an error page saved under the name, or a
    truncated download) gives the documented ValueError, not a low-level exception."""
    path = tmp_path / f"{kind}.npz"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("<html>404 Not Found</html>\n")
    elif kind == "truncated-zip":
        rng = np.random.default_rng(0)
        good = save_npz(tmp_path / "good.npz", {s: [sketch(9, rng)] for s in datasets.SPLITS})
        path.write_bytes(good.read_bytes()[:150])
    else:
        with open(path, "wb") as file:
            np.save(file, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_npz(path)


# --------------------------------------------------------------------------- prepare


def test_prepare_pipeline_on_synthetic(synthetic_raw):
    data = prepare(synthetic_raw, names=("synthetic",))
    assert isinstance(data, SketchDataset)
    assert (len(data.train), len(data.valid), len(data.test)) == (60, 10, 10)
    assert data.dropped == {"train": 0, "valid": 0, "test": 0}
    # max_seq_len follows the data: the longest sketch of all three splits (the reference).
    assert data.max_seq_len == max(len(s) for split in synthetic_raw.values() for s in split)
    assert data.names == ("synthetic",)
    pooled = np.concatenate([s[:, :2].astype(np.float64).ravel() for s in synthetic_raw["train"]])
    assert data.scale_factor == pytest.approx(np.std(pooled), rel=1e-9)
    for split in datasets.SPLITS:
        for prepared, raw in zip(data.split(split), synthetic_raw[split]):
            assert prepared.dtype == np.float32
            np.testing.assert_allclose(prepared[:, :2], raw[:, :2] / data.scale_factor,
                                       rtol=1e-6)
            np.testing.assert_array_equal(prepared[:, 2], raw[:, 2])
    offsets = np.concatenate([s[:, :2].ravel() for s in data.train]).astype(np.float64)
    assert np.std(offsets) == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(ValueError, match="split"):
        data.split("training")


def test_prepare_valid_and_test_use_the_training_factor():
    rng = np.random.default_rng(1)
    splits = {"train": [sketch(10, rng, scale=5) for _ in range(5)],
              "valid": [sketch(10, rng, scale=50) for _ in range(5)],
              "test": [sketch(10, rng, scale=200) for _ in range(5)]}
    data = prepare(splits)
    train_factor = np.std(np.concatenate([s[:, :2].ravel() for s in splits["train"]]))
    assert data.scale_factor == pytest.approx(train_factor)
    for split in ("valid", "test"):
        own = np.std(np.concatenate([s[:, :2].ravel() for s in splits[split]]))
        assert own > 5 * train_factor  # so the two normalisations are told apart
        for prepared, raw in zip(data.split(split), splits[split]):
            np.testing.assert_allclose(prepared[:, :2], raw[:, :2] / train_factor, rtol=1e-6)


def test_prepare_drops_long_sketches_and_clamps():
    rng = np.random.default_rng(2)
    long_one, short = sketch(30, rng), sketch(10, rng)
    wild = sketch(8, rng)
    wild[2, 0], wild[3, 1] = 4000, -3000
    splits = {"train": [long_one, short, wild], "valid": [long_one, long_one], "test": [short]}
    data = prepare(splits, max_seq_len=20)
    assert data.dropped == {"train": 1, "valid": 2, "test": 0}
    assert data.clamped == {"train": 1, "valid": 0, "test": 0}  # said, not silent
    assert (len(data.train), len(data.valid), len(data.test)) == (2, 0, 1)
    assert data.max_seq_len == 10  # a cap: the longest sketch kept
    clamped = clamp(wild.astype(np.float32), 1000.0)
    assert clamped[2, 0] == 1000 and clamped[3, 1] == -1000
    factor = np.std(np.concatenate([s[:, :2].astype(np.float64).ravel()
                                    for s in (short, clamped)]))
    assert data.scale_factor == pytest.approx(factor)
    np.testing.assert_allclose(data.train[1][:, :2] * data.scale_factor, clamped[:, :2],
                               rtol=1e-5)
    # A sketch of exactly max_seq_len rows is kept.
    assert len(prepare({"train": [short]}, max_seq_len=10).train) == 1


def test_prepare_uses_given_scale_factor(synthetic_raw):
    data = prepare(synthetic_raw, scale_factor=7.5)
    assert data.scale_factor == 7.5
    np.testing.assert_allclose(data.train[0][:, :2], synthetic_raw["train"][0][:, :2] / 7.5,
                               rtol=1e-6)


@pytest.mark.parametrize("split, index", [("train", 3), ("valid", 0), ("test", 1)])
def test_prepare_names_split_and_index_of_a_bad_sketch(synthetic_raw, split, index):
    splits = {name: list(sketches) for name, sketches in synthetic_raw.items()}
    bad = splits[split][index].astype(np.float64)
    bad[1, 0] = np.nan
    splits[split][index] = bad
    with pytest.raises(ValueError) as info:
        prepare(splits, names=("shapes",))
    message = str(info.value)
    assert f"{split}[{index}]" in message
    assert "shapes" in message
    assert "NaN" in message


@pytest.mark.shared_files("omniglot.npz", "short_kanji.npz")
@pytest.mark.parametrize("name, longest", [("omniglot", 157), ("short_kanji", 88)])
def test_max_seq_len_follows_the_data(shared_data, name, longest):
    """As in the reference, max_seq_len is the longest sketch of all splits (REFERENCE.md),
    not the default 250: it sets the loss's denominator and the sampling length."""
    data = load_dataset(shared_data / f"{name}.npz")
    assert data.max_seq_len == longest
    assert data.dropped == {"train": 0, "valid": 0, "test": 0}


@pytest.mark.parametrize("cap", [0, -5, True])
def test_prepare_rejects_a_bad_cap(synthetic_raw, cap):
    with pytest.raises(ValueError, match="max_seq_len must be a positive"):
        prepare(synthetic_raw, max_seq_len=cap)


def test_prepare_without_training_sketches():
    rng = np.random.default_rng(3)
    with pytest.raises(ValueError, match="no training sketch"):
        prepare({"train": [sketch(30, rng)], "valid": [], "test": []}, max_seq_len=20)


def test_stats_numbers():
    def sk(n, strokes_count):
        result = np.zeros((n, 3), dtype=np.int16)
        result[:, 0] = 1
        result[n - strokes_count:, 2] = 1
        return result

    splits = {"train": [sk(3, 1), sk(5, 2), sk(10, 3), sk(40, 1)], "valid": [sk(4, 4)],
              "test": []}
    stats = prepare(splits, max_seq_len=20).stats()
    assert stats["train"] == {"sketches": 3, "dropped": 1, "min_length": 3,
                              "mean_length": 6.0, "median_length": 5.0, "max_length": 10,
                              "mean_strokes": 2.0}
    assert stats["valid"] == {"sketches": 1, "dropped": 0, "min_length": 4,
                              "mean_length": 4.0, "median_length": 4.0, "max_length": 4,
                              "mean_strokes": 4.0}
    assert stats["test"]["sketches"] == 0 and stats["test"]["mean_strokes"] == 0.0


# --------------------------------------------------------------------------- load_dataset


def test_load_dataset_by_path_on_synthetic(tmp_path, synthetic_raw, no_data_dir):
    path = save_npz(tmp_path / "shapes.npz", synthetic_raw)
    by_path = load_dataset(path)
    by_str = load_dataset(str(path))
    direct = prepare(synthetic_raw)
    assert by_path.scale_factor == pytest.approx(direct.scale_factor, rel=1e-12)
    for split in datasets.SPLITS:
        assert len(by_path.split(split)) == len(direct.split(split))
        for a, b, c in zip(by_path.split(split), by_str.split(split), direct.split(split)):
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, c)
    assert by_path.names == (str(path),)


def test_load_dataset_two_paths_concatenates(tmp_path, synthetic_raw):
    first = save_npz(tmp_path / "a.npz", synthetic_raw)
    second = save_npz(tmp_path / "b.npz", {k: v[:3] for k, v in synthetic_raw.items()})
    data = load_dataset([first, second])
    assert (len(data.train), len(data.valid), len(data.test)) == (63, 13, 13)
    pooled = np.concatenate([s[:, :2].astype(np.float64).ravel()
                             for s in synthetic_raw["train"] + synthetic_raw["train"][:3]])
    assert data.scale_factor == pytest.approx(np.std(pooled), rel=1e-9)


def test_load_dataset_errors(no_data_dir):
    with pytest.raises(ValueError, match="at least one"):
        load_dataset([])
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("unicorn")
    with pytest.raises(FileNotFoundError):
        load_dataset("/nonexistent/folder/file.npz")


@pytest.fixture(scope="module")
def aaron(tmp_path_factory):
    """aaron_sheep loaded by name (from SKETCHLIB_DATA_DIR) and raw, once per module."""
    folder = require_shared("aaron_sheep.npz")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SKETCHLIB_DATA_DIR", str(folder))
        patch.setenv("SKETCHLIB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        data = load_dataset("aaron_sheep")
    return data, load_shared_npz(folder, "aaron_sheep.npz")


def test_load_dataset_aaron_sheep(aaron):
    data, raw = aaron
    assert (len(data.train), len(data.valid), len(data.test)) == (7400, 300, 300)
    assert data.dropped == {"train": 0, "valid": 0, "test": 0}
    assert data.names == ("aaron_sheep",)
    assert data.max_seq_len == 250
    assert all(s.dtype == np.float32 for split in datasets.SPLITS for s in data.split(split))
    assert max(len(s) for split in datasets.SPLITS for s in data.split(split)) <= 250
    assert data.scale_factor == pytest.approx(18.52, abs=0.01)
    offsets = np.concatenate([s[:, :2].ravel() for s in data.train]).astype(np.float64)
    assert np.std(offsets) == pytest.approx(1.0, abs=1e-4)
    # valid and test are divided by the TRAIN factor, not by their own.
    for split in ("valid", "test"):
        for prepared, original in zip(data.split(split), raw[split]):
            np.testing.assert_allclose(prepared[:, :2] * data.scale_factor, original[:, :2],
                                       rtol=1e-5, atol=1e-4)
            np.testing.assert_array_equal(prepared[:, 2], original[:, 2])


def test_load_dataset_aaron_sheep_stats(aaron):
    data, raw = aaron
    stats = data.stats()
    for split in datasets.SPLITS:
        lengths = np.array([len(s) for s in raw[split]])
        assert stats[split]["sketches"] == len(raw[split])
        assert stats[split]["dropped"] == 0
        assert stats[split]["min_length"] == lengths.min()
        assert stats[split]["max_length"] == lengths.max()
        assert stats[split]["mean_length"] == pytest.approx(lengths.mean())
        assert stats[split]["median_length"] == pytest.approx(np.median(lengths))
        assert stats[split]["mean_strokes"] == pytest.approx(
            np.mean([s[:, 2].sum() for s in raw[split]]))
    everything = np.array([len(s) for split in raw.values() for s in split])
    assert (everything.min(), everything.max()) == (20, 250)  # SOURCES.md
    assert stats["train"]["mean_length"] == pytest.approx(125, abs=5)
    assert stats["train"]["mean_strokes"] == pytest.approx(11.6, abs=0.3)


@pytest.mark.shared_files("aaron_sheep.npz")
def test_load_dataset_max_seq_len_drops_and_counts(shared_data, aaron):
    data, raw = aaron
    short = load_dataset(shared_data / "aaron_sheep.npz", max_seq_len=100)
    for split in datasets.SPLITS:
        expected = [s for s in raw[split] if len(s) <= 100]
        assert len(short.split(split)) == len(expected)
        assert short.dropped[split] == len(raw[split]) - len(expected) > 0
        assert all(len(s) <= 100 for s in short.split(split))
    assert short.max_seq_len == max(len(s) for split in raw.values() for s in split
                                    if len(s) <= 100)
    assert short.scale_factor == pytest.approx(
        np.std(np.concatenate([s[:, :2].ravel() for s in raw["train"] if len(s) <= 100])))


@pytest.mark.shared_files("aaron_sheep.npz")
def test_load_dataset_by_path_equals_by_name(shared_data, aaron):
    data, _ = aaron
    by_path = load_dataset(str(shared_data / "aaron_sheep.npz"))
    assert by_path.scale_factor == data.scale_factor
    for split in datasets.SPLITS:
        for a, b in zip(by_path.split(split)[::50], data.split(split)[::50]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.shared_files("quickdraw/cat.sample25.npz", "quickdraw/pig.sample25.npz")
def test_load_dataset_two_classes(shared_data):
    data = load_dataset(["cat.sample25", "pig.sample25"])
    assert (len(data.train), len(data.valid), len(data.test)) == (30, 10, 10)
    assert data.names == ("cat.sample25", "pig.sample25")
    cat = load_shared_npz(shared_data, "quickdraw/cat.sample25.npz")
    pig = load_shared_npz(shared_data, "quickdraw/pig.sample25.npz")
    factor = np.std(np.concatenate([s[:, :2].ravel() for s in cat["train"] + pig["train"]]))
    assert data.scale_factor == pytest.approx(factor, rel=1e-9)
    # Plain concatenation, cat first, one normaliser.
    for split in datasets.SPLITS:
        for prepared, original in zip(data.split(split), cat[split] + pig[split]):
            np.testing.assert_allclose(prepared[:, :2] * data.scale_factor, original[:, :2],
                                       rtol=1e-5, atol=1e-4)


@pytest.mark.shared_files("quickdraw/cat.sample25.npz")
def test_load_dataset_given_scale_factor(shared_data):
    data = load_dataset("cat.sample25", scale_factor=10.0)
    assert data.scale_factor == 10.0
    raw = load_shared_npz(shared_data, "quickdraw/cat.sample25.npz")
    np.testing.assert_allclose(data.test[0][:, :2], raw["test"][0][:, :2] / 10.0, rtol=1e-6)


@pytest.mark.shared_files("kanji.rdp200.npz")
def test_load_dataset_kanji_float64(shared_data):
    raw = load_shared_npz(shared_data, "kanji.rdp200.npz")
    assert raw["train"][0].dtype == np.float64  # stored as float64 (SOURCES.md)
    data = load_dataset(["kanji"])
    assert (len(data.train), len(data.valid), len(data.test)) == (10358, 600, 500)
    assert all(s.dtype == np.float32 for s in data.train[::100])
    assert max(len(s) for s in data.train) == 70
    offsets = np.concatenate([s[:, :2].ravel() for s in data.train]).astype(np.float64)
    assert np.std(offsets) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.shared_files(*(f"quickdraw/ndjson/{k}/cat.ndjson" for k in ("raw", "simplified")))
def test_load_drawings_from_shared_data(shared_data):
    raw = datasets.load_drawings("cat", "raw")
    assert len(raw) == RAW_COUNTS["cat"]
    assert raw[0].has_time
    simplified = datasets.load_drawings("cat", limit=7)
    assert len(simplified) == 7
    assert not simplified[0].has_time
    assert [d.key_id for d in simplified] == [d.key_id for d in raw[:7]]


class _RunsCode:
    """Pickled, it asks the loader to call ``os.mkdir(path)``: what a malicious file does."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return os.mkdir, (self.path,)


def test_a_sketch_file_cannot_run_code(tmp_path):
    """A crafted .npz whose object array would call os.mkdir when unpickled (np.load with
    allow_pickle=True would call it) is refused with a clear error, and nothing runs."""
    marker = tmp_path / "ran"
    evil = np.empty(2, dtype=object)
    evil[0], evil[1] = np.zeros((3, 3), np.int16), _RunsCode(marker)
    ok = np.empty(1, dtype=object)
    ok[0] = np.zeros((2, 3), np.int16)
    path = tmp_path / "evil.npz"
    np.savez(path, train=evil, valid=ok, test=ok)
    with pytest.raises(ValueError, match="posix.mkdir|os.mkdir|only numpy arrays"):
        datasets.load_npz(path)
    assert not marker.exists()
    strings = np.empty(1, dtype=object)
    strings[0] = "not a sketch"
    np.savez(path, train=strings, valid=ok, test=ok)
    with pytest.raises(ValueError, match="array of numbers"):
        datasets.load_npz(path)
    np.savez(path, train=np.zeros((2, 3)), valid=ok, test=ok)
    with pytest.raises(ValueError, match="object array of sketches"):
        datasets.load_npz(path)


def test_split_sketches_keeps_order_and_fractions():
    sketches = list(range(100))
    splits = datasets.split_sketches(sketches)
    assert (splits["train"], splits["valid"], splits["test"]) == (
        sketches[:90], sketches[90:95], sketches[95:])
    assert {k: len(v) for k, v in datasets.split_sketches(range(3)).items()} == {
        "train": 1, "valid": 1, "test": 1}
    assert datasets.split_sketches(range(5), valid=0, test=0.2)["valid"] == []
    with pytest.raises(ValueError, match="2 sketches are too few"):
        datasets.split_sketches(range(2))
    with pytest.raises(ValueError, match="valid=0.6, test=0.5"):
        datasets.split_sketches(range(10), valid=0.6, test=0.5)


def test_save_npz_round_trips_and_never_leaves_a_half_file(tmp_path):
    splits = {"train": [np.array([[1, 2, 0], [3, -4, 1]], np.int16)],
              "valid": [np.array([[0.5, 1.5, 1]], np.float32)], "test": []}
    (tmp_path / "out").mkdir()
    path = datasets.save_npz(tmp_path / "out" / "mine.npz", splits)
    back = load_npz(path)
    for split in ("train", "valid"):
        np.testing.assert_array_equal(back[split][0], splits[split][0])
        assert back[split][0].dtype == splits[split][0].dtype
    assert back["test"] == []
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"train\[0\]: pen values must be 0 or 1, row 0 has 3"):
        datasets.save_npz(path, {"train": [np.array([[1, 2, 3]])]})
    assert path.read_bytes() == before and sorted(path.parent.iterdir()) == [path]
    with pytest.raises(ValueError, match="ends in .npz"):
        datasets.save_npz(tmp_path / "mine.npy", splits)


@pytest.mark.shared_files("quickdraw/ndjson/simplified/sheep.ndjson",
                          "quickdraw/sheep.sample25.npz")
def test_an_ndjson_file_of_drawings_is_a_dataset(shared_data):
    """Google's simplified lines become the same stroke-3 rows as the shared sample25 file,
    which was built from them (SOURCES.md), split 23/1/1 in file order."""
    path = shared_data / "quickdraw/ndjson/simplified/sheep.ndjson"
    splits = datasets.load_raw(path)
    assert {k: len(v) for k, v in splits.items()} == {"train": 23, "valid": 1, "test": 1}
    sample = load_npz(shared_data / "quickdraw/sheep.sample25.npz")
    ours = [s for split in ("train", "valid", "test") for s in splits[split]]
    theirs = [s for split in ("train", "valid", "test") for s in sample[split]]
    assert len(ours) == len(theirs) == 25
    for mine, official in zip(ours, theirs):
        np.testing.assert_array_equal(mine, official)


@pytest.mark.shared_files("quickdraw/ndjson/raw/sheep.ndjson")
def test_a_raw_ndjson_file_is_simplified_as_google_does(shared_data):
    """Raw drawings (pixels of the player's canvas, with time) are simplified first: their
    points are whole pixels of a 255-pixel box (RDP may move the extremes by up to its epsilon,
    2), far fewer than the raw points."""
    path = shared_data / "quickdraw/ndjson/raw/sheep.ndjson"
    raw = datasets.load_raw(path)
    sketches = [s for split in raw.values() for s in split]
    assert len(sketches) == RAW_COUNTS["sheep"]
    from sketchlib.quickdraw import read_ndjson
    drawings = read_ndjson(path).drawings
    for sketch, drawing in zip(sketches, drawings):
        points = np.cumsum(sketch[:, :2], axis=0)
        assert np.all(sketch == np.round(sketch))  # whole pixels
        assert 250 <= np.ptp(np.vstack([[0, 0], points]), axis=0).max() <= 255
        assert len(sketch) < sum(len(stroke) for stroke in drawing.strokes) - 1
    with pytest.raises(FileNotFoundError, match="no such file"):
        datasets.load_raw(shared_data / "missing.ndjson")
