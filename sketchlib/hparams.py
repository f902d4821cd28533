"""Hyper-parameters of Sketch-RNN: one plain object with the reference defaults and the names
that users of Magenta's ``sketch_rnn`` know, saved with every model as JSON."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

CELL_TYPES = ("lstm", "layer_norm", "hyper")


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
        for name in ("dec_model", "enc_model"):
            if getattr(self, name) not in CELL_TYPES:
                raise ValueError(f"{name} must be one of {CELL_TYPES}, got {getattr(self, name)!r}")
        if not 0.0 < self.recurrent_dropout_prob <= 1.0:
            raise ValueError("recurrent_dropout_prob is a keep probability in (0, 1], got "
                             f"{self.recurrent_dropout_prob}")

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
        """Write as JSON (sorted keys, one per line)."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path) -> "HParams":
        return cls.from_dict(json.loads(Path(path).read_text()))

    def parse(self, text: str) -> "HParams":
        """Apply ``"name=value,name=value"`` (the command line's ``--hparams``): values are
        read as JSON where possible (``true``, ``0.5``), else as strings."""
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
        return self.replace(**changes)


_TYPES = {field.name: {"int": int, "float": float, "str": str, "bool": bool}[field.type]
          for field in dataclasses.fields(HParams)}


def _check_names(values: dict) -> None:
    unknown = sorted(set(values) - set(_TYPES))
    if unknown:
        raise ValueError(f"unknown hyper-parameter(s) {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(_TYPES))}")
