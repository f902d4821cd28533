"""Named sketch datasets: where each file comes from, how it is found, and how it is prepared.

A file is looked for, in order:

1. in the folder named by the environment variable ``SKETCHLIB_DATA_DIR`` (at the file's
   relative path, e.g. ``quickdraw/ndjson/raw/cat.ndjson``, or by its bare file name);
2. in the download cache (``SKETCHLIB_CACHE_DIR``, else the user cache folder of ``pooch``);
3. downloaded from its official address into the cache, with a progress bar on standard error,
   checked against its SHA-256 when the registry knows it. The download is written to a
   temporary file and moved into place only when complete and checked, so a failure never
   leaves a partial file.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import numpy as np

from . import strokes
from .hparams import written_atomically

DATA_DIR_VARIABLE = "SKETCHLIB_DATA_DIR"
CACHE_DIR_VARIABLE = "SKETCHLIB_CACHE_DIR"
SPLITS = ("train", "valid", "test")

QUICKDRAW = "https://storage.googleapis.com/quickdraw_dataset"
SKETCH_RNN_DATASETS = "https://github.com/hardmaru/sketch-rnn-datasets/raw/master"
QUICKDRAW_LICENCE = "CC BY 4.0 (Quick, Draw! dataset, Google LLC)"
QUICKDRAW_CITATION = ("Quick, Draw! dataset, Google LLC, CC BY 4.0, "
                      "https://github.com/googlecreativelab/quickdraw-dataset")
KANJIVG = "KanjiVG, Copyright 2009-2015 Ulrich Apel, CC BY-SA 3.0"


@dataclass(frozen=True)
class Source:
    """One data file: where it lives, how to check it, and under which terms it may be used.

    ``byte_range``: download only the first ``byte_range`` bytes (samples of huge files).
    ``url=None``: the file is not published on its own and must be in ``SKETCHLIB_DATA_DIR``.
    """

    name: str
    filename: str
    url: str | None
    sha256: str | None
    licence: str
    citation: str
    byte_range: int | None = None


REGISTRY = {source.name: source for source in [
    Source("aaron_sheep", "aaron_sheep.npz", f"{SKETCH_RNN_DATASETS}/aaron_sheep/aaron_sheep.npz",
           "65f8e51e43587661798ac137a204c9e049e0d11dcd50cba372ae3ca32de8b54c",
           "CC BY-NC 4.0 (non-commercial), Copyright 2006 Aaron Koblin",
           "Aaron Koblin, The Sheep Market (2006); sketch-rnn-datasets by David Ha"),
    Source("omniglot", "omniglot.npz", f"{SKETCH_RNN_DATASETS}/omniglot/omniglot.npz",
           "bd5277621a8c577919491dfa729a59a8b5c216cff9e4fda9cef532db29f120c7",
           "MIT, Copyright 2015 Brenden Lake",
           "Lake, Salakhutdinov & Tenenbaum (2015), Science; sketch-rnn-datasets by David Ha"),
    Source("kanji", "kanji.rdp200.npz", f"{SKETCH_RNN_DATASETS}/kanji/kanji.rdp200.npz",
           "64d6775231d7868be190efba7886129d41d15e77d5a86751de0613a01623478c", KANJIVG,
           "KanjiVG by Ulrich Apel; sketch-rnn-datasets by David Ha"),
    Source("short_kanji", "short_kanji.npz", f"{SKETCH_RNN_DATASETS}/kanji/short_kanji.npz",
           "f6855ba03d58f44830499dd98e7cb99f46c970651f4f16f2d886398f34709914", KANJIVG,
           "KanjiVG by Ulrich Apel; sketch-rnn-datasets by David Ha"),
]}

# The first 25 drawings of five QuickDraw classes, in sketch-rnn npz form (15/5/5). They exist
# only in the book's shared data folder (see its SOURCES.md); they are not published online.
SAMPLE25_SHA256 = {
    "cat": "055e438f168f5c49c7bad2c6d5af9960e341a2e3e9d6cbec2e39ae5f141c25aa",
    "owl": "fa706621e4f2060128a999c1b11a15c2f8476b24d55c213fc8218b332ac2506b",
    "pig": "7865a65298f2d0eb491000ce75f3d67c1932481242acd1a13126e5763e5fd9f9",
    "flamingo": "8575a43dd8349010a679003c15d6a239727bec0644b726de1efdcfbe46e808f3",
    "sheep": "563ae50abf68c8d1193d93c0e786a555b391b6df042815ab9cca38183d3c7ec1",
}

# The first lines of Google's ndjson files: (bytes, sha256) of the first `bytes` bytes.
NDJSON_SAMPLES = {
    ("raw", "cat"): (95744, "de5cf0e4cff15a7ffe726c447cf41cf163199c46268abbefd7fd4f673659c579"),
    ("raw", "owl"): (92850, "d70b1fb637824f6df459e32b74f7f640293300126602fc2280a272793095917f"),
    ("raw", "pig"): (98554, "ead254a893ab78af0bb1ab7cfe4e5842166d662b09ee2767d06b4b44ae7d54d6"),
    ("raw", "flamingo"): (99716,
                          "6628ff566bd17e7b8ffe9ecefc4a578750dad9251879505634eec5fc1adb3b44"),
    ("raw", "sheep"): (99455, "0a0b1eacaad213b7b81c613fe4b5538ed848d8f9dfaae008004f33ec066a2a20"),
    ("simplified", "cat"): (14169,
                            "e45c0252b5dcf50e67a9c5ade3627cc1fd1d0645aea6c900ba852dfc0e556898"),
    ("simplified", "owl"): (15112,
                            "621859178c2de80c50be3da5cabc0fd05a88b9680fc94ccf87486f33a516301d"),
    ("simplified", "pig"): (17621,
                            "8678cbb239c2efc4855536c4feb48ba559aff4bc1f928ef5b732eaf19a5913ab"),
    ("simplified", "flamingo"): (
        11730, "e620ac5a1d23c8ee1bbf3c2512fea7ab583c50bd79ec2b4535dd5007d1116ceb"),
    ("simplified", "sheep"): (
        16067, "09ff441df6a1915b1912994af165ed5301d2d142b508d3d1cff0d279c7fc644a"),
}


def quickdraw_categories() -> list[str]:
    """The 345 QuickDraw class names, as Google spells them (``"The Eiffel Tower"``...)."""
    text = resources.files(__package__).joinpath("quickdraw_categories.txt").read_text("utf-8")
    return [line for line in text.splitlines() if line]


def source(name: str) -> Source:
    """The :class:`Source` of a dataset name.

    Names: ``aaron_sheep``, ``omniglot``, ``kanji``, ``short_kanji``, any QuickDraw class
    (``cat``, ``The Eiffel Tower``: Google's sketch-rnn file of 70000/2500/2500 drawings) and
    ``<class>.sample25`` for the 25-drawing samples of the shared data folder.
    """
    if name in REGISTRY:
        return REGISTRY[name]
    word, _, suffix = name.partition(".")
    if suffix == "sample25" and word in SAMPLE25_SHA256:
        return Source(name, f"quickdraw/{word}.sample25.npz", None, SAMPLE25_SHA256[word],
                      QUICKDRAW_LICENCE, QUICKDRAW_CITATION)
    if name in quickdraw_categories():
        return Source(name, f"quickdraw/{name}.npz",
                      f"{QUICKDRAW}/sketchrnn/{quote(name)}.npz", None,
                      QUICKDRAW_LICENCE, QUICKDRAW_CITATION)
    known = sorted(REGISTRY) + [f"{word}.sample25" for word in SAMPLE25_SHA256]
    raise ValueError(f"unknown dataset {name!r}: not one of {', '.join(known)}, nor one of the "
                     "345 QuickDraw classes (sketchlib.datasets.quickdraw_categories()), "
                     "nor a path to an existing .npz file")


def ndjson_source(word: str, kind: str = "simplified", full: bool = False) -> Source:
    """The :class:`Source` of a QuickDraw ndjson file: ``kind`` is ``"raw"`` or
    ``"simplified"``. By default the first lines only (cat, owl, pig, flamingo, sheep); with
    ``full=True`` Google's whole file (hundreds of MB for raw files; no checksum known)."""
    if kind not in ("raw", "simplified"):
        raise ValueError(f"kind must be 'raw' or 'simplified', got {kind!r}")
    if word not in quickdraw_categories():
        raise ValueError(f"{word!r} is not a QuickDraw class "
                         "(see sketchlib.datasets.quickdraw_categories())")
    url = f"{QUICKDRAW}/full/{kind}/{quote(word)}.ndjson"
    if full:
        return Source(f"{word} ({kind}, full)", f"quickdraw/ndjson/{kind}/{word}.full.ndjson",
                      url, None, QUICKDRAW_LICENCE, QUICKDRAW_CITATION)
    if (kind, word) not in NDJSON_SAMPLES:
        samples = sorted({w for _, w in NDJSON_SAMPLES})
        raise ValueError(f"no sample of the {kind} {word!r} file is registered (samples: "
                         f"{', '.join(samples)}); pass full=True for Google's whole file")
    size, sha256 = NDJSON_SAMPLES[kind, word]
    return Source(f"{word} ({kind}, first lines)", f"quickdraw/ndjson/{kind}/{word}.ndjson",
                  url, sha256, QUICKDRAW_LICENCE, QUICKDRAW_CITATION, byte_range=size)


def data_dir() -> Path | None:
    """The folder named by ``SKETCHLIB_DATA_DIR``, or ``None`` when it is not set. A relative
    path is taken from the current folder (a notebook's is its own folder, not the one where
    the variable was exported): a relative path that names no folder from here is a clear
    error."""
    value = os.environ.get(DATA_DIR_VARIABLE)
    if not value:
        return None
    folder = Path(value).expanduser()
    if not folder.is_absolute() and not folder.is_dir():
        raise FileNotFoundError(
            f"{DATA_DIR_VARIABLE}={value} names no folder from {Path.cwd()}; give it as an "
            f'absolute path, for example export {DATA_DIR_VARIABLE}="$(cd {value} && pwd)"')
    return folder.resolve()


def cache_dir() -> Path:
    """Where downloads are kept: ``SKETCHLIB_CACHE_DIR`` or the user cache folder."""
    value = os.environ.get(CACHE_DIR_VARIABLE)
    if value:
        return Path(value).expanduser()
    import pooch
    return Path(pooch.os_cache("sketchlib"))


def sha256_of(path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(item: str | Source) -> Path:
    """Path of a dataset file on this machine (by name or :class:`Source`), downloading it
    into the cache when it is found nowhere else. Raises ``ValueError`` on a checksum mismatch
    (naming the file) and ``FileNotFoundError`` saying where to get a file that is missing."""
    item = source(item) if isinstance(item, str) else item
    local = data_dir()
    if local is not None:
        for candidate in (local / item.filename, local / Path(item.filename).name):
            if candidate.is_file():
                _check_sha256(candidate, item.sha256)
                return candidate
    cached = cache_dir() / item.filename
    if item.url is None:
        if cached.is_file():
            _check_sha256(cached, item.sha256)
            return cached
        raise FileNotFoundError(
            f"{item.name}: the file {item.filename} is not published online; it is in the "
            f"book's shared data folder. Point {DATA_DIR_VARIABLE} at that folder "
            f"(now {local if local else 'not set'}).")
    return _download(item, cached)


def _check_sha256(path: Path, expected: str | None) -> None:
    if expected is not None and (actual := sha256_of(path)) != expected:
        raise ValueError(f"checksum mismatch for {path}: SHA-256 is {actual}, expected "
                         f"{expected}. The file is damaged or not the official one; "
                         "delete it and fetch it again.")


def _download(item: Source, target: Path) -> Path:
    import pooch

    headers = {"Range": f"bytes=0-{item.byte_range - 1}"} if item.byte_range else None
    downloader = pooch.HTTPDownloader(progressbar=True, headers=headers)
    # Our one line instead of pooch's log, which ends by advising a hash to pin.
    print(f"downloading {item.name} from {item.url} into {target.parent}", file=sys.stderr)
    pooch.get_logger().setLevel("WARNING")
    try:
        path = pooch.retrieve(item.url, known_hash=f"sha256:{item.sha256}" if item.sha256 else None,
                              fname=target.name, path=target.parent, downloader=downloader)
    except ValueError as error:  # pooch: hash mismatch (the download was deleted)
        raise ValueError(f"checksum mismatch for {target.name} downloaded from {item.url}: "
                         f"{error}") from None
    except Exception as error:  # no network, HTTP error, ...
        local = data_dir()
        raise FileNotFoundError(
            f"{item.name}: {item.filename} was not found in {DATA_DIR_VARIABLE} "
            f"({local if local else 'not set'}) nor in the cache ({target.parent}), and the "
            f"download from {item.url} failed ({type(error).__name__}: {error}). Download it "
            f"from that address and put it in the folder named by {DATA_DIR_VARIABLE}.") from None
    return Path(path)


def load_npz(path) -> dict[str, list[np.ndarray]]:
    """Read a sketch-rnn ``.npz`` file: ``{"train": [...], "valid": [...], "test": [...]}``,
    each a list of stroke-3 arrays (any numeric dtype, as stored).

    These files hold pickled object arrays, and unpickling can run code: sketchlib unpickles
    them with :class:`ArraysOnlyUnpickler`, which builds numpy arrays and nothing else, so no
    file, from anywhere, can run code here; each sketch must be an array of numbers.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a readable .npz file (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            found = sorted(name.removesuffix(".npy") for name in archive.namelist())
            missing = [split for split in SPLITS if split not in found]
            if missing:
                raise ValueError(f"{path}: missing split(s) {missing}; a sketch-rnn .npz file "
                                 f"has keys train, valid, test (found {found})")
            splits = {}
            for split in SPLITS:
                with archive.open(f"{split}.npy") as member:
                    splits[split] = _read_sketches(member, f"{path} ({split})")
            return splits
    except (OSError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError) as error:
        raise ValueError(f"{path}: not a readable .npz file ({error})") from None


class ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and their dtypes, nothing else: every other class or function
    that a pickle names (``os.system``, say) is refused before it can be called."""

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"),
               ("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct"),
               ("_codecs", "encode")}  # how protocol 2 writes an array's bytes (kanji.rdp200)

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"it asks for {module}.{name}; only numpy arrays may "
                                         "be loaded from a sketch file")
        return super().find_class(module, name)


def _read_sketches(member, where: str) -> list[np.ndarray]:
    """The sketches of one ``.npy`` member of a sketch ``.npz``: an object array of arrays
    of numbers, unpickled with :class:`ArraysOnlyUnpickler` (encoding latin1, for files
    pickled by Python 2, as the published ones are)."""
    version = np.lib.format.read_magic(member)
    read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}.get(version)
    if read_header is None:
        raise ValueError(f"{where}: unsupported .npy version {version}")
    _, _, dtype = read_header(member)
    if not dtype.hasobject:
        raise ValueError(f"{where}: expected an object array of sketches, found {dtype}")
    sketches = ArraysOnlyUnpickler(member, encoding="latin1").load()
    for sketch in sketches:
        if not isinstance(sketch, np.ndarray) or sketch.dtype.kind not in "iuf":
            raise ValueError(f"{where}: a sketch must be an array of numbers, found "
                             f"{type(sketch).__name__}")
    return list(sketches)


@dataclass
class SketchDataset:
    """Sketches ready for the model: stroke-3 float32, offsets divided by ``scale_factor``.

    ``train``, ``valid``, ``test``: lists of ``(n_i, 3)`` arrays with ``n_i <= max_seq_len``.
    ``max_seq_len``: the longest sketch of the three splits (as the reference sets it): the
    number of steps the model is trained and sampled for, and the loss's denominator.
    ``dropped``: how many sketches of each split were longer than a cap the caller set.
    ``clamped``: how many had an offset beyond +-1000 (before scaling), clipped to it as the
    reference does.
    """

    train: list[np.ndarray]
    valid: list[np.ndarray]
    test: list[np.ndarray]
    scale_factor: float
    max_seq_len: int
    names: tuple[str, ...] = ()
    dropped: dict[str, int] = field(default_factory=dict)
    clamped: dict[str, int] = field(default_factory=dict)

    def split(self, name: str) -> list[np.ndarray]:
        if name not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {name!r}")
        return getattr(self, name)

    def stats(self) -> dict[str, dict[str, float]]:
        """Per split: sketch count, dropped count, min/mean/median/max length, mean strokes."""
        table = {}
        for name in SPLITS:
            sketches = self.split(name)
            lengths = np.array([len(s) for s in sketches]) if sketches else np.zeros(1)
            table[name] = {
                "sketches": len(sketches),
                "dropped": self.dropped.get(name, 0),
                "min_length": int(lengths.min()),
                "mean_length": float(lengths.mean()),
                "median_length": float(np.median(lengths)),
                "max_length": int(lengths.max()),
                "mean_strokes": float(np.mean([s[:, 2].sum() for s in sketches])) if sketches
                else 0.0,
            }
        return table


def prepare(splits: dict, max_seq_len: int | None = None, scale_factor: float | None = None,
            names: tuple[str, ...] = ()) -> SketchDataset:
    """The reference pipeline on raw splits ``{"train": [...], "valid": [...], "test": [...]}``:
    validate every sketch, clamp offsets to +-1000, cast to float32, and divide the offsets by
    the scale factor of the *training* split (or by ``scale_factor`` when given, e.g. the one
    saved with a model).

    ``max_seq_len=None`` keeps every sketch and sets the dataset's ``max_seq_len`` to the
    longest of all three splits, as the reference does; a number is a cap: longer sketches
    are dropped, and ``max_seq_len`` is the longest sketch kept."""
    if max_seq_len is not None and (isinstance(max_seq_len, bool) or max_seq_len < 1):
        raise ValueError(f"max_seq_len must be a positive number of rows, got {max_seq_len}")
    cap = np.inf if max_seq_len is None else max_seq_len
    prepared, dropped, clamped = {}, {}, {}
    label = "+".join(names) or "dataset"
    for split in SPLITS:
        kept, clamped[split] = [], 0
        for i, sketch in enumerate(splits.get(split, [])):
            sketch = strokes.validate_stroke3(sketch, name=f"{label} {split}[{i}]")
            if len(sketch) <= cap:
                kept.append(strokes.clamp(sketch.astype(np.float32), 1000.0))
                clamped[split] += bool(np.abs(sketch[:, :2]).max(initial=0) > 1000)
        prepared[split] = kept
        dropped[split] = len(splits.get(split, [])) - len(kept)
    if not prepared["train"]:
        raise ValueError(f"{label}: no training sketch of at most {max_seq_len} rows")
    longest = max(len(s) for split in SPLITS for s in prepared[split])
    factor = strokes.scale_factor(prepared["train"]) if scale_factor is None else scale_factor
    if not (np.isfinite(factor) and factor > 0):
        raise ValueError(f"scale_factor must be a positive number, got {factor}")
    return SketchDataset(
        *[[strokes.normalize(s, factor) for s in prepared[split]] for split in SPLITS],
        scale_factor=float(factor), max_seq_len=int(longest), names=tuple(names),
        dropped=dropped, clamped=clamped)


def split_sketches(sketches, valid: float = 0.05, test: float = 0.05) -> dict[str, list]:
    """Splits ``{"train", "valid", "test"}`` of a list of sketches, in their order: the last
    ``test`` fraction is the test split and the ``valid`` fraction before it the validation
    split (each at least one sketch, when a fraction is above 0), the rest is for training."""
    sketches = list(sketches)
    if not (0 <= valid < 1 and 0 <= test < 1 and valid + test < 1):
        raise ValueError(f"valid and test are fractions that leave some sketches for training, "
                         f"got valid={valid}, test={test}")
    n_valid, n_test = (max(1, round(f * len(sketches))) if f > 0 else 0 for f in (valid, test))
    n_train = len(sketches) - n_valid - n_test
    if n_train < 1:
        raise ValueError(f"{len(sketches)} sketches are too few to split into train, valid "
                         "and test")
    return {"train": sketches[:n_train], "valid": sketches[n_train:n_train + n_valid],
            "test": sketches[n_train + n_valid:]}


def save_npz(path, splits: dict) -> Path:
    """Write splits ``{"train": [...], "valid": [...], "test": [...]}`` of stroke-3 sketches
    as a sketch-rnn ``.npz`` file (each sketch an ``(n, 3)`` array, kept in its dtype), which
    :func:`load_npz`, ``--data path.npz`` and the reference read. Written atomically."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"{path}: a sketch file's name ends in .npz")
    arrays = {}
    for split in SPLITS:
        checked = [strokes.validate_stroke3(s, name=f"{split}[{i}]")
                   for i, s in enumerate(splits.get(split, []))]
        arrays[split] = np.empty(len(checked), dtype=object)
        arrays[split][:] = checked
    with written_atomically(path) as temporary:
        np.savez_compressed(temporary, **arrays)
    return path


def drawings_to_stroke3(drawings) -> list[np.ndarray]:
    """QuickDraw drawings (:class:`sketchlib.quickdraw.Drawing`) as stroke-3 sketches in the
    form of Google's sketch-rnn files: a raw drawing (with timing) is simplified first as
    Google simplifies (:func:`sketchlib.quickdraw.simplify_drawing`), a simplified one is
    taken as it is."""
    from .quickdraw import simplify_drawing

    return [strokes.polylines_to_stroke3(simplify_drawing(d.strokes)) if d.has_time
            else d.to_stroke3() for d in drawings]


def load_raw(name_or_path: str | os.PathLike) -> dict[str, list[np.ndarray]]:
    """Raw splits of one dataset, by registered name or by a path to a ``.npz`` file or to an
    ndjson file of drawings (QuickDraw's format, raw or simplified: see
    :func:`drawings_to_stroke3`), split in file order by :func:`split_sketches`."""
    path = Path(name_or_path)
    if path.suffix == ".ndjson":
        from .quickdraw import read_ndjson

        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        return split_sketches(drawings_to_stroke3(read_ndjson(path).drawings))
    if str(name_or_path).endswith(".npz") or path.is_file():
        return load_npz(path)
    return load_npz(fetch(str(name_or_path)))


def load_dataset(names, max_seq_len: int | None = None,
                 scale_factor: float | None = None) -> SketchDataset:
    """Load one dataset or several (names or paths), concatenated split by split, and
    :func:`prepare` them (``max_seq_len``: an optional cap; see there).
    ``load_dataset(["cat", "pig"])`` is a two-class dataset with one scale factor and no
    labels, as in the reference."""
    names = [names] if isinstance(names, (str, os.PathLike)) else list(names)
    if not names:
        raise ValueError("load_dataset needs at least one dataset name")
    merged = {split: [] for split in SPLITS}
    for name in names:
        for split, sketches in load_raw(name).items():
            merged[split].extend(sketches)
    return prepare(merged, max_seq_len, scale_factor, tuple(str(n) for n in names))


def load_drawings(word: str, kind: str = "simplified", full: bool = False,
                  limit: int | None = None) -> list:
    """QuickDraw drawings of one class from its ndjson file (see :func:`ndjson_source`), as
    :class:`sketchlib.quickdraw.Drawing` objects, in file order."""
    from .quickdraw import read_ndjson

    return read_ndjson(fetch(ndjson_source(word, kind, full)), limit=limit).drawings
