"""Hyper-parameters of Sketch-RNN: one plain object with the reference defaults and the names
that users of Magenta's ``sketch_rnn`` know, saved with every model as JSON."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: The names of the recurrent cells, which ``dec_model`` and ``enc_model`` take; the cells
#: themselves are :data:`sketchlib.cells.CELLS` (here only the names, so that the settings
#: are checked without Keras).
CELL_TYPES = ("lstm", "layer_norm", "hyper")

#: The temperature of :func:`sketchlib.sampling.sample` and ``sketchlib sample`` when none is
#: given (here, with the other settings, so that the command line reads it without Keras).
DEFAULT_TEMPERATURE = 0.5
#: Their temperature of the pen logits alone: 1, the model's own pen probabilities. Tempering
#: the pen like the offsets makes the rare "stop" rarer still, and cold sketches never end
#: (chapter 3 measures the trade-off); ``pen_temperature=None`` tempers it like the rest.
DEFAULT_PEN_TEMPERATURE = 1.0


@dataclass
class HParams:
    """Every setting of a model and its training (reference defaults)."""

    data_set: str = "aaron_sheep"
    num_steps: int = 10_000_000
    save_every: int = 500
    max_seq_len: int = 250
    dec_rnn_size: int = 512
    dec_model: str = "lstm"
    enc_rnn_size: int = 256
    enc_model: str = "lstm"
    z_size: int = 128
    batch_size: int = 100
    conditional: bool = True
    num_mixture: int = 20
    learning_rate: float = 0.001
    decay_rate: float = 0.9999
    min_learning_rate: float = 0.00001
    grad_clip: float = 1.0
    kl_weight: float = 0.5
    kl_weight_start: float = 0.01
    kl_decay_rate: float = 0.99995
    kl_tolerance: float = 0.2
    use_recurrent_dropout: bool = True
    recurrent_dropout_prob: float = 0.90
    random_scale_factor: float = 0.15
    augment_stroke_prob: float = 0.10
    # Beyond the reference (off by default): changes that make a VAE's code carry the drawing,
    # studied in chapter 4 (data/vae_study.py).
    #: Probability that the previous point's offsets in the decoder's input are replaced by 0
    #: in training (pen bits kept); 1: the decoder never sees offsets, in training, evaluation
    #: and sampling alike (Bowman et al. 2016's word dropout, for strokes).
    dec_input_dropout: float = 0.0
    #: Weight of the auxiliary shape loss: a head predicts, from z, a blurred raster of the
    #: sketch (``shape_raster_size`` squared pixels, :mod:`sketchlib.raster`); 0: no head.
    shape_loss_weight: float = 0.0
    shape_raster_size: int = 16
    #: Cyclical KL annealing (Fu et al. 2019) with cycles of this many steps, the weight rising
    #: from 0 to ``kl_weight`` over the first half of each; 0: the reference's schedule.
    kl_cycle_steps: int = 0

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            expected = _TYPES[field.name]
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
                setattr(self, field.name, value)
            if type(value) is not expected:
                raise ValueError(f"hyper-parameter {field.name} must be {expected.__name__}, "
                                 f"got {value!r} ({type(value).__name__})")
            if expected is float and not math.isfinite(value):
                raise ValueError(f"hyper-parameter {field.name} must be a finite number, "
                                 f"got {value!r}")
        for name in ("dec_model", "enc_model"):
            if getattr(self, name) not in CELL_TYPES:
                raise ValueError(f"{name} must be one of {CELL_TYPES}, got "
                                 f"{getattr(self, name)!r}")
        for name, (allowed, text) in _RANGES.items():
            value = getattr(self, name)
            if not allowed(value):
                raise ValueError(f"hyper-parameter {name} must be {text}, got {value!r}")
        if self.shape_loss_weight > 0 and not self.conditional:
            raise ValueError("hyper-parameter shape_loss_weight needs a conditional model (its "
                             "head reads z); set conditional=true or shape_loss_weight=0")
        if self.min_learning_rate > self.learning_rate:
            raise ValueError(f"hyper-parameter min_learning_rate ({self.min_learning_rate}) "
                             f"must not exceed learning_rate ({self.learning_rate})")

    def replace(self, **changes) -> "HParams":
        """A copy with some values changed (unknown names are errors)."""
        _check_names(changes)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "HParams":
        _check_names(values)
        return cls(**values)

    def save(self, path) -> None:
        """Write as JSON (sorted keys, one per line), atomically (:func:`write_json`)."""
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path) -> "HParams":
        return cls.from_dict(json.loads(Path(path).read_text()))



@contextmanager
def written_atomically(path):
    """Write a file atomically: the block writes to the temporary path this yields (beside
    ``path``, with the same suffix), which then replaces ``path`` in one rename. A block that
    fails or is interrupted (a full disk, Ctrl-C) leaves ``path`` as it was, and no temporary
    file behind."""
    path = Path(path)
    temporary = path.with_name(f"{path.stem}.tmp{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_json(path, value) -> None:
    """Write ``value`` as JSON (sorted keys, one per line), atomically
    (:func:`written_atomically`), so that an interrupted write never leaves a cut file."""
    with written_atomically(path) as temporary:
        temporary.write_text(json.dumps(value, indent=1, sort_keys=True) + "\n")


def parse_overrides(text: str) -> dict:
    """``"name=value,name=value"`` -> ``{name: value}``: values are read as JSON where
    possible (``true``, ``0.5``), else as strings; unknown names are errors."""
    changes = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"hyper-parameter {item!r} must be written name=value")
        try:
            value = json.loads(raw.strip())
        except json.JSONDecodeError:
            value = raw.strip()
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        changes[name.strip()] = value
    _check_names(changes)
    return changes


_TYPES = {field.name: {"int": int, "float": float, "str": str, "bool": bool}[field.type]
          for field in dataclasses.fields(HParams)}


#: Allowed values per hyper-parameter: (test, description). Each test is written so that
#: NaN fails it.
_RANGES = {
    **{name: (lambda v: v > 0, "a positive integer")
       for name in ("num_steps", "save_every", "max_seq_len", "dec_rnn_size", "enc_rnn_size",
                    "z_size", "batch_size", "num_mixture", "shape_raster_size")},
    "learning_rate": (lambda v: v > 0, "positive"),
    "min_learning_rate": (lambda v: v >= 0, "zero or more"),
    "decay_rate": (lambda v: 0 < v <= 1, "in (0, 1] (the learning rate's factor per step)"),
    "grad_clip": (lambda v: v > 0, "positive (gradients are clipped to [-grad_clip, grad_clip])"),
    "kl_weight": (lambda v: v >= 0, "zero or more"),
    "kl_weight_start": (lambda v: v >= 0, "zero or more (the KL weight at step 0)"),
    "kl_decay_rate": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "kl_tolerance": (lambda v: v >= 0, "zero or more"),
    "recurrent_dropout_prob": (lambda v: 0 < v <= 1, "a keep probability in (0, 1]"),
    "random_scale_factor": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "augment_stroke_prob": (lambda v: 0 <= v < 1, "a probability in [0, 1)"),
    "dec_input_dropout": (lambda v: 0 <= v <= 1, "a probability in [0, 1]"),
    "shape_loss_weight": (lambda v: v >= 0, "zero or more"),
    "kl_cycle_steps": (lambda v: v >= 0, "zero (off) or a number of steps"),
}


def _check_names(values: dict) -> None:
    unknown = sorted(set(values) - set(_TYPES))
    if unknown:
        raise ValueError(f"unknown hyper-parameter(s) {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(_TYPES))}")
