"""The model format of Magenta's browser library, ``@magenta/sketch`` (npm), both ways: write
a decoder-only LSTM model as the JSON file the library loads, and read such a file (one of
ours, or one published for the library) back into a sketchlib model.

The file is a JSON array ``[info, shapes, weights]``: ``info`` holds ``name``, ``mode`` (1:
decoder only), ``version``, ``max_seq_len`` and ``scale_factor``; ``shapes`` the shape of each
tensor; ``weights`` each tensor as base64 of little-endian int16, ``round(clip(w / 10, -1, 1)
* 32767)`` (so the library reads ``10 q / 32767``: weights beyond +-10 do not fit). The tensors,
in order: the output layer's kernel ``(units, 3 + 6M)`` and bias, the LSTM's input kernel
``(5, 4 units)``, its recurrent kernel ``(units, 4 units)`` and its bias ``(4 units)``, gates
in the order i, j, f, o with forget bias 1, and M = 20 mixture components. The output columns
are in sketchlib's order (3 pen logits, then M each of mixture logits, mu_x, mu_y, log
sigma_x, log sigma_y, rho before tanh), which is the library's.

The library's conventions differ from sketchlib's: it works in pixels, dividing its inputs by
``scale_factor / pixelFactor`` (``pixelFactor`` 2 by default), and its ``getPDF(state, t,
s)`` scales sigma by ``sqrt(t)`` and divides the mixture and pen logits by ``s`` (by ``0.5 +
0.5 t`` when ``s`` is not given). sketchlib's temperature ``tau`` (sigma times ``tau``, both
sets of logits divided by ``tau``) is ``getPDF(state, tau ** 2, tau)``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from keras import ops

from .hparams import HParams, written_atomically

#: The largest weight the format holds; larger ones are clipped to it.
WEIGHT_LIMIT = 10.0
NUM_MIXTURE = 20
SCALE = 32767


class BrowserFormatError(ValueError):
    """A model the browser format cannot hold, or a file that is not in it."""


def _encode(tensor: np.ndarray) -> tuple[str, int]:
    """A float tensor -> (base64 of int16 little-endian, how many values were clipped)."""
    values = np.asarray(tensor, dtype=np.float64)
    clipped = int(np.sum(np.abs(values) > WEIGHT_LIMIT))
    quantised = np.round(np.clip(values / WEIGHT_LIMIT, -1, 1) * SCALE).astype("<i2")
    return base64.b64encode(quantised.tobytes()).decode("ascii"), clipped


def _decode(text: str, shape) -> np.ndarray:
    """base64 of int16 little-endian -> float32 tensor of ``shape``."""
    quantised = np.frombuffer(base64.b64decode(text), dtype="<i2")
    if quantised.size != int(np.prod(shape)):
        raise BrowserFormatError(f"a tensor of shape {list(shape)} holds {quantised.size} "
                                 "values")
    return (quantised.astype(np.float32) * (WEIGHT_LIMIT / SCALE)).reshape(shape)


def _check_exportable(model) -> None:
    hps = model.hps
    problems = []
    if hps.conditional:
        problems.append("it is conditional (a VAE); the library runs decoder-only models")
    if hps.dec_model != "lstm":
        problems.append(f"its decoder cell is {hps.dec_model!r}; the library has only 'lstm'")
    if hps.num_mixture != NUM_MIXTURE:
        problems.append(f"it has {hps.num_mixture} mixture components; the library reads "
                        f"{NUM_MIXTURE}")
    if hps.dec_input_dropout == 1:
        problems.append("its decoder never sees the previous offsets (dec_input_dropout=1); "
                        "the library feeds them")
    if getattr(model.decoder_cell, "forget_bias", 1.0) != 1.0:
        problems.append("its LSTM's forget bias is not 1")
    if problems:
        raise BrowserFormatError("the browser format cannot hold this model: "
                                 + "; ".join(problems))


def to_browser_json(model, name: str | None = None, version: int = 1) -> tuple[list, int]:
    """The browser-format array ``[info, shapes, weights]`` of a trained decoder-only LSTM
    model, and how many weights were clipped to +-10 (0 for a healthy model).
    Raises :class:`BrowserFormatError` for a model the format cannot hold."""
    _check_exportable(model)
    cell, output = model.decoder_cell, model.output_layer
    tensors = [output.kernel, output.bias, cell.kernel, cell.recurrent_kernel, cell.bias]
    arrays = [np.asarray(ops.convert_to_numpy(t), dtype=np.float32) for t in tensors]
    encoded = [_encode(array) for array in arrays]
    data = getattr(model, "data", {}) or {}
    info = {"name": name or ",".join(data.get("names", [])) or model.hps.data_set,
            "mode": 1, "version": version, "max_seq_len": int(model.hps.max_seq_len),
            "scale_factor": float(data.get("scale_factor", 1.0))}
    shapes = [list(array.shape) for array in arrays]
    return [info, shapes, [text for text, _ in encoded]], sum(n for _, n in encoded)


def export_browser_model(model, path, name: str | None = None) -> tuple[int, int]:
    """Write the model as a browser-format JSON file; returns how many weights it holds and
    how many of them were clipped to +-10."""
    array, clipped = to_browser_json(model, name)  # checks the model first
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with written_atomically(path) as temporary:
        temporary.write_text(json.dumps(array, separators=(",", ":")))
    return sum(int(np.prod(shape)) for shape in array[1]), clipped


def read_browser_json(source) -> list:
    """The ``[info, shapes, weights]`` of a browser-format file (a path, or the parsed array),
    checked to be a decoder-only LSTM with :data:`NUM_MIXTURE` components, as the library
    reads it; raises :class:`BrowserFormatError` otherwise."""
    array = json.loads(Path(source).read_text()) if isinstance(source, (str, Path)) else source
    try:
        info, shapes, weights = array
        shapes = [list(map(int, shape)) for shape in shapes]
        units = shapes[0][0]
        float(info["scale_factor"]), int(info["max_seq_len"])  # present, and numbers
    except (TypeError, ValueError, KeyError, IndexError) as error:
        raise BrowserFormatError(f"not a browser-format model ([info, shapes, weights]): "
                                 f"{error}") from None
    expected = [[units, 3 + 6 * NUM_MIXTURE], [3 + 6 * NUM_MIXTURE], [5, 4 * units],
                [units, 4 * units], [4 * units]]
    if shapes != expected or len(weights) != 5:
        raise BrowserFormatError(
            f"expected the 5 tensors of a decoder-only LSTM with {NUM_MIXTURE} mixture "
            f"components, shaped {expected}; the file has {shapes}")
    return [info, shapes, weights]


def load_browser_model(source):
    """A sketchlib model from a browser-format file (a path, or the parsed array): a
    decoder-only LSTM whose ``model.data`` holds the file's ``scale_factor`` and name.
    Raises :class:`BrowserFormatError` if the file is not in the format."""
    info, shapes, weights = read_browser_json(source)
    units = shapes[0][0]
    scale_factor, max_seq_len = float(info["scale_factor"]), int(info["max_seq_len"])
    from .model import build_model

    hps = HParams(conditional=False, dec_model="lstm", dec_rnn_size=units,
                  num_mixture=NUM_MIXTURE, max_seq_len=max_seq_len,
                  data_set=str(info.get("name", "")))
    model = build_model(hps)
    kernel, bias, input_kernel, recurrent_kernel, lstm_bias = (
        _decode(text, shape) for text, shape in zip(weights, shapes))
    model.output_layer.kernel.assign(kernel)
    model.output_layer.bias.assign(bias)
    model.decoder_cell.kernel.assign(input_kernel)
    model.decoder_cell.recurrent_kernel.assign(recurrent_kernel)
    model.decoder_cell.bias.assign(lstm_bias)
    model.data = {"scale_factor": scale_factor, "names": [str(info.get("name", ""))],
                  "max_seq_len": max_seq_len}
    model.compile(optimizer="adam")  # for training.evaluate(); the optimiser is unused
    return model
