"""A run's log root on disk: checkpoints that resume exactly, written so that a kill at any
moment leaves the last good one in use, the ``log.csv`` of metrics, and loading and exporting
trained models.

A log root holds one model's run::

  hparams.json, data.json      what is trained on what (the scale factor among it)
  ckpt-00001000/               one checkpoint: model.weights.h5 (weights and optimiser
                               state), state.json (step, the states of the random
                               streams, which the weights file omits), hparams.json, data.json
  latest.json, best.json       pointers {"checkpoint": "ckpt-00001000", "step": 1000, ...}
  log.csv                      one row of metrics per checkpoint interval

A checkpoint directory is written under a temporary name and renamed, then the pointer is
replaced with ``os.replace``: an interrupted write never leaves a half checkpoint in use.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .hparams import HParams, write_json, written_atomically
from .model import SketchRNN, build_model

WEIGHTS = "model.weights.h5"
STATE = "state.json"
HPARAMS = "hparams.json"
DATA = "data.json"
LOG = "log.csv"
#: The columns of ``log.csv``; a conditional model's log adds :data:`VAE_LOG_FIELDS`.
LOG_FIELDS = ("step", "seconds", "learning_rate", "loss", "offset_loss", "pen_loss",
              "val_loss", "val_offset_loss", "val_pen_loss")
#: The KL weight used in training at the row's step, the KL term (before free bits) in
#: training and on the validation split.
VAE_LOG_FIELDS = ("kl_weight", "kl", "val_kl")
#: Hyper-parameters that may change when a run is resumed (the rest define the model and the
#: order of its batches).
RESUMABLE_CHANGES = ("num_steps", "learning_rate", "min_learning_rate", "decay_rate",
                     "grad_clip")


def log_fields(hps: HParams) -> tuple:
    """The columns of the ``log.csv`` of a model with these hyper-parameters (the shape loss
    too, in training and validation, when it is on)."""
    if not hps.conditional:
        return LOG_FIELDS
    return LOG_FIELDS + VAE_LOG_FIELDS + (("shape", "val_shape") if hps.shape_loss_weight else ())


def write_checkpoint(model: SketchRNN, log_root, data: dict, state: dict) -> Path:
    """Write ``ckpt-<step>`` under ``log_root`` (no pointer moves yet). ``state`` must hold
    ``step``."""
    log_root = Path(log_root)
    name = f"ckpt-{int(state['step']):08d}"
    final, temporary = log_root / name, log_root / (name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    try:
        model.save_weights(temporary / WEIGHTS)
        model.hps.save(temporary / HPARAMS)
        write_json(temporary / DATA, data)
        seed_states = {name: [int(v) for v in np.asarray(seed.state)]
                       for name, seed in model.seed_generators().items()}
        write_json(temporary / STATE, {**state, **seed_states})
    except BaseException:  # a full disk, Ctrl-C: leave no half-written checkpoint behind
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    shutil.rmtree(final, ignore_errors=True)
    os.replace(temporary, final)
    return final


def point_to(log_root, checkpoint: Path, state: dict, pointers=("latest",)) -> None:
    """Point ``latest.json`` (and ``best.json`` if asked) at ``checkpoint``; then delete the
    checkpoints (and leftovers of interrupted writes) that no pointer names."""
    log_root = Path(log_root)
    for pointer in pointers:
        write_json(log_root / f"{pointer}.json", {**state, "checkpoint": checkpoint.name})
    in_use = {json.loads((log_root / f"{p}.json").read_text())["checkpoint"]
              for p in ("latest", "best") if (log_root / f"{p}.json").exists()}
    for old in log_root.glob("ckpt-*"):
        if old.name not in in_use:
            shutil.rmtree(old)


def find_checkpoint(path, which: str = "best") -> Path:
    """The checkpoint directory meant by ``path``: a checkpoint (or pretrained model)
    directory itself, or a log root, where ``which`` picks ``best`` or ``latest`` (the other
    one if that pointer is missing)."""
    if which not in ("best", "latest"):
        raise ValueError(f"which must be 'best' or 'latest', got {which!r}")
    path = Path(path)
    if (path / WEIGHTS).exists():
        return path
    for pointer in (which, "latest" if which == "best" else "best"):
        if (path / f"{pointer}.json").exists():
            file = path / f"{pointer}.json"
            try:
                return path / json.loads(file.read_text())["checkpoint"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise ValueError(f"{file} is damaged ({type(error).__name__}: {error}); "
                                 "point it at a checkpoint folder of the run, e.g. "
                                 '{"checkpoint": "ckpt-00001000"}') from None
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    raise FileNotFoundError(f"{path} holds no model: no {WEIGHTS}, latest.json or best.json "
                            "(train one with `sketchlib train`)")


def load_model(path, which: str = "best") -> SketchRNN:
    """Load a trained model for sampling. ``model.data`` holds what it was trained on: the
    ``scale_factor`` (sampling multiplies it back), the dataset ``names``, ``max_seq_len``,
    and the ``checkpoint`` folder it was read from. ``path``: see :func:`find_checkpoint`."""
    checkpoint = find_checkpoint(path, which)
    hps = HParams.load(checkpoint / HPARAMS)
    model = build_model(hps)  # no optimiser state: export_model saves the weights alone
    model.load_weights(checkpoint / WEIGHTS)
    model.compile(optimizer="adam")  # for evaluate(); the optimiser is unused
    model.data = {**json.loads((checkpoint / DATA).read_text()), "checkpoint": str(checkpoint)}
    return model


def export_model(path, destination, which: str = "best") -> Path:
    """Copy a trained model's weights (without optimiser state), hyper-parameters, data
    description and, from a log root, its ``log.csv`` to ``destination``, a folder
    :func:`load_model` reads (as the shipped models in ``data/pretrained`` are made)."""
    model = load_model(path, which)
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    model.save_weights(destination / WEIGHTS)
    model.hps.save(destination / HPARAMS)
    write_json(destination / DATA,
                {key: value for key, value in model.data.items() if key != "checkpoint"})
    if (Path(path) / LOG).exists():
        shutil.copyfile(Path(path) / LOG, destination / LOG)
    return destination


def restore_checkpoint(model: SketchRNN, checkpoint) -> dict:
    """Load weights and optimiser state into a model from :func:`build_model`; returns the
    checkpoint's ``state``."""
    checkpoint = Path(checkpoint)
    model.load_weights(checkpoint / WEIGHTS)  # restores the optimiser's variables too
    state = json.loads((checkpoint / STATE).read_text())
    for name, seed in model.seed_generators().items():
        seed.state.assign(np.asarray(state.pop(name), dtype=seed.state.dtype))
    return state


# ----------------------------------------------------------------------------- a run's folder


def precision_history(data: dict) -> list[tuple[int, bool]]:
    """How a run computed its recurrence, from its ``data.json`` contents: ``(step,
    bfloat16)`` pairs, the first from step 0, then one from each step where a resumed run
    switched (its log's row of that step was measured before the switch)."""
    changes = data.get("precision_changes", [])
    first = not changes[0]["bfloat16"] if changes else bool(data.get("bfloat16", False))
    return [(0, first)] + [(change["step"], change["bfloat16"]) for change in changes]


def device_history(data: dict) -> list[tuple[int, int]]:
    """On how many devices a run trained (:mod:`sketchlib.distribute`), from its ``data.json``
    contents: ``(step, devices)`` pairs, the first from step 0, then one from each step where a
    resumed run changed the count (a run recorded before sketchlib kept this trained on one)."""
    return [(entry["step"], entry["devices"])
            for entry in data.get("device_history", [{"step": 0, "devices": 1}])]


@dataclass
class Run:
    """A log root opened by :func:`open_run` for one start (or resume) of training.

    ``data``: the run's ``data.json`` contents (what it trains on, its seed and batching);
    ``checkpoint``: the checkpoint to continue from, ``None`` for a new run; ``bfloat16``: the
    precision of this start; ``from_best``: whether it goes back to the best checkpoint."""

    log_root: Path
    data: dict
    checkpoint: Path | None
    bfloat16: bool
    from_best: bool = False

    def begin(self, hps: HParams, step: int, devices: int) -> list[str]:
        """Write the run's files for a start at ``step`` on ``devices`` devices: a change of
        precision or device count is recorded with its step (``data.json``), then
        ``hparams.json``; ``latest`` goes back to ``best`` when asked (later checkpoints are
        deleted) and ``log.csv`` is cut to ``step``. Returns what changed, to tell the user."""
        data, said = self.data, []
        if self.checkpoint is not None and self.bfloat16 != bool(data.get("bfloat16", False)):
            data["precision_changes"] = data.get("precision_changes", []) + [
                {"step": step, "bfloat16": self.bfloat16}]
            said.append(f"from step {step} on, the recurrence runs in "
                        f"{'mixed bfloat16' if self.bfloat16 else 'float32'}")
        data["bfloat16"] = self.bfloat16
        # Entries from the checkpoint's step on belong to a later start (or to checkpoints
        # that going back to the best leaves behind).
        history = [entry for entry in device_history(data) if entry[0] < step]
        if not history or history[-1][1] != devices:
            if history:
                said.append(f"from step {step} on, training runs on {devices} "
                            f"device{'s' * (devices > 1)} (before: {history[-1][1]})")
            history.append((step, devices))
        data["device_history"] = [{"step": s, "devices": count} for s, count in history]
        self.log_root.mkdir(parents=True, exist_ok=True)
        write_json(self.log_root / DATA, data)  # first: a log root with hparams.json has data.json
        hps.save(self.log_root / HPARAMS)
        if self.from_best:
            best = json.loads((self.log_root / "best.json").read_text())
            point_to(self.log_root, self.log_root / best.pop("checkpoint"), best)
        trim_log(self.log_root, step)
        return said


def open_run(log_root, hps: HParams, data: dict, resume: bool, resume_from: str = "latest",
             bfloat16: bool | None = None) -> Run:
    """Check a log root for a start (``resume=False``: it must hold no model) or a resume
    (the same model: hyper-parameters equal but for :data:`RESUMABLE_CHANGES`, the same data)
    and return its :class:`Run`, writing nothing. ``data``: a new run's ``data.json``
    contents; a resumed run keeps its own (its seed and batching), and its precision unless
    ``bfloat16`` is given. ``resume_from``: ``"latest"``, or ``"best"`` to go back to the
    checkpoint of the best validation loss. A run stopped before its first checkpoint resumes
    from step 0."""
    log_root = Path(log_root)
    has_model = (log_root / "latest.json").exists()
    if not resume and has_model:
        raise FileExistsError(f"{log_root} already holds a model; pass --resume to continue "
                              "it, or choose another --log-root")
    if resume and not log_root.is_dir():
        raise FileNotFoundError(f"nothing to resume in {log_root}: it does not exist")
    if resume and (log_root / HPARAMS).exists() and (log_root / DATA).exists():
        saved = HParams.load(log_root / HPARAMS).to_dict()
        changed = {key: (saved[key], value) for key, value in hps.to_dict().items()
                   if saved[key] != value and key not in RESUMABLE_CHANGES}
        if changed:
            lines = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in sorted(changed.items()))
            raise ValueError(f"{log_root} holds a model with other hyper-parameters ({lines})")
        saved_data = json.loads((log_root / DATA).read_text())
        if saved_data["names"] != data["names"]:
            raise ValueError(f"{log_root} was trained on {saved_data['names']}, not "
                             f"{data['names']}")
    if resume_from not in ("latest", "best"):
        raise ValueError(f"resume_from must be 'latest' or 'best', got {resume_from!r}")
    resumed = resume and has_model
    if resume_from == "best" and not (resumed and (log_root / "best.json").exists()):
        raise FileNotFoundError(f"no best checkpoint to go back to in {log_root}")
    if not resumed:
        return Run(log_root, data, None, bool(bfloat16))
    saved_data = json.loads((log_root / DATA).read_text())
    precision = saved_data.get("bfloat16", False) if bfloat16 is None else bool(bfloat16)
    return Run(log_root, saved_data, find_checkpoint(log_root, resume_from), precision,
               from_best=resume_from == "best")


def append_log_row(log_root, row: dict, fields=LOG_FIELDS) -> None:
    """Append one row (the metrics of an interval) to ``log.csv``, writing the header of
    ``fields`` first if the file is new."""
    log = Path(log_root) / LOG
    new = not log.exists()
    with log.open("a", newline="") as file:
        writer = csv.DictWriter(file, fields, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerow(row)


def _log_rows(path: Path) -> tuple[list[str], list[dict]]:
    """The header and the complete rows of a ``log.csv`` (a row cut short by a kill is left
    out)."""
    if not path.exists():
        return [], []
    with path.open(newline="") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
    return list(reader.fieldnames or []), [
        row for row in rows if None not in row.values() and None not in row
        and "" not in row.values() and row["step"].isdigit()]


def trim_log(log_root, step: int) -> None:
    """Keep the rows of ``log.csv`` up to ``step`` (the checkpoint a run starts from): rows of
    an interval whose checkpoint never became ``latest`` are written again when it is rerun."""
    path = Path(log_root) / LOG
    if not path.exists():
        return
    fields, rows = _log_rows(path)
    kept = [row for row in rows if int(row["step"]) <= step]
    if len(kept) == len(rows) and path.read_text().endswith("\n"):
        return
    with written_atomically(path) as temporary, temporary.open("w", newline="") as file:
        writer = csv.DictWriter(file, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(kept)


def read_log(path) -> dict[str, np.ndarray]:
    """A run's ``log.csv`` as a dict of columns, each ``(rows,)``: ``step``, ``seconds``,
    ``learning_rate``, ``loss``, ``offset_loss``, ``pen_loss`` and their ``val_`` versions,
    and for a conditional model ``kl_weight``, ``kl`` and ``val_kl``."""
    fields, rows = _log_rows(Path(path))
    return {name: np.array([float(row[name]) for row in rows]) for name in fields}
