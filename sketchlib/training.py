"""Training: the learning-rate schedule and optimiser of the reference, evaluation, and the
training loop (Keras ``fit``) that checkpoints into a log root (see :mod:`sketchlib.checkpoints`)
with a CSV log and a NaN guard."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import keras
import numpy as np
from keras import ops

from . import set_seed
from .batching import SketchBatches, as_inputs
from .checkpoints import (append_log_row, find_checkpoint, log_fields, open_run, point_to,
                          restore_checkpoint, write_checkpoint)
from .datasets import SketchDataset
from .distribute import data_parallel, distribution_scope, local_rows
from .hparams import HParams
from .model import SketchRNN, build_model


@keras.saving.register_keras_serializable(package="sketchlib")
class DecayingLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """``lr_t = (lr - lr_min) * decay_rate^t + lr_min`` at optimiser step ``t``."""

    def __init__(self, learning_rate: float, decay_rate: float, min_learning_rate: float):
        self.learning_rate = float(learning_rate)
        self.decay_rate = float(decay_rate)
        self.min_learning_rate = float(min_learning_rate)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        span = self.learning_rate - self.min_learning_rate
        # exp(t log r) with log r in double precision: float32 r^t drifts by 1e-4 at 50k steps.
        return span * ops.exp(step * math.log(self.decay_rate)) + self.min_learning_rate

    def get_config(self):
        return {"learning_rate": self.learning_rate, "decay_rate": self.decay_rate,
                "min_learning_rate": self.min_learning_rate}


def make_optimizer(hps: HParams) -> keras.optimizers.Optimizer:
    """Adam with the decaying learning rate, gradients clipped element-wise to
    ``[-grad_clip, grad_clip]`` (by value, not by norm, as the reference does)."""
    schedule = DecayingLearningRate(hps.learning_rate, hps.decay_rate, hps.min_learning_rate)
    return keras.optimizers.Adam(learning_rate=schedule, clipvalue=hps.grad_clip)


def compile_model(model: SketchRNN, hps: HParams, jit_compile=False) -> SketchRNN:
    """Make a built model (:func:`sketchlib.model.build_model`) trainable: compiled with the
    reference's optimiser (:func:`make_optimizer`), whose state is created at once so that a
    checkpoint can be restored into it. Returns the model."""
    model.compile(optimizer=make_optimizer(hps), jit_compile=jit_compile)
    model.optimizer.build(model.trainable_variables)
    return model


def evaluate(model: SketchRNN, sketches, batch_size: int = 100, z=None) -> dict:
    """The evaluation losses (pen loss masked like the offset loss) of normalised stroke-3
    ``sketches``, in order, in batches of ``batch_size`` (a remainder smaller than a batch is
    left out, as the reference does): ``{"loss", "offset_loss", "pen_loss"}``, and ``"kl"``
    for a conditional model (whose ``loss`` weighs the KL term by ``kl_weight_start``).

    ``z`` ``(len(sketches), N_z)``: decode each sketch from these codes instead of its own
    mean (another sketch's code, say), to measure how much the decoder relies on its code;
    the KL term stays that of the sketches' own codes."""
    size = min(batch_size, len(sketches))
    batches = SketchBatches(sketches, size, model.hps.max_seq_len, shuffle=False)
    if z is None:
        return model.evaluate(batches, verbose=0, return_dict=True)
    z = np.asarray(z, dtype="float32").reshape(len(sketches), model.hps.z_size)
    results = []
    for i in range(len(batches)):
        inputs, target = batches[i]
        results.append(model.test_on_batch({**inputs, "z": z[i * size:(i + 1) * size]},
                                           target, return_dict=True))
    return {name: float(np.mean([r[name] for r in results])) for name in results[0]}


# ----------------------------------------------------------------------------- training loop


class StepBatches(keras.utils.PyDataset):
    """The training stream cut into Keras "epochs" of ``steps`` batches (one checkpoint
    interval): item ``i`` of interval ``e`` is training step ``s = e * steps + i``, batch
    ``s mod len(batches)`` of epoch ``s div len(batches)`` of ``batches``. Each step's batch
    depends only on ``s``, so a run resumed from a checkpoint sees the very batches it would
    have seen.

    ``interval`` is set from Keras's epoch number (:meth:`follow_epochs`), not counted with
    ``on_epoch_end``: ``fit`` calls ``on_epoch_end`` once more, before its first epoch.

    Before its first epoch, ``fit`` reads items 0 and 1 only to learn the batches' shapes
    (TensorFlow fixes every dimension on which the two agree). Batches grouped by length
    differ in their number of steps, so until the first epoch begins item 1 is item 0 with 25
    more padding rows: the steps dimension stays open, whatever the first two batches are."""

    def __init__(self, batches: SketchBatches, steps: int, interval: int = 0):
        super().__init__()
        self.batches, self.steps, self.interval = batches, int(steps), int(interval)
        self.started = False

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int):
        if not self.started:  # fit is learning the shapes: see the class docstring
            inputs, target = self._item(0)
            if index == 0:
                return inputs, target
            pad = np.zeros((target.shape[0], 25, 5), "float32")
            pad[..., 4] = 1.0
            longer = {name: np.concatenate([value, pad], axis=1) if value.ndim == 3 else value
                      for name, value in inputs.items()}
            return longer, np.concatenate([target, pad], axis=1)
        return self._item(index)

    def _item(self, index: int):
        step = self.interval * self.steps + index
        epoch, batch = divmod(step, len(self.batches))
        return as_inputs(self.batches.batch(batch, epoch))

    def follow_epochs(self) -> keras.callbacks.Callback:
        """A callback for ``fit`` that sets ``interval`` to each epoch's number as it
        begins (and ends the shape-learning reads)."""

        def begin(epoch, logs=None):
            self.interval, self.started = int(epoch), True

        return keras.callbacks.LambdaCallback(on_epoch_begin=begin)


class Checkpointer(keras.callbacks.Callback):
    """At the end of every interval: append the metrics to ``log.csv`` and write a checkpoint
    (also the best one, by ``val_loss``). A run that blows up stops without saving, so the
    last checkpoint stays the last good one: after a batch whose loss is not finite or above
    :data:`DIVERGED`, and at the end of an interval whose training or validation loss is, or
    whose weights are not all finite. ``failed_step`` and ``failure`` then say where and what."""

    def __init__(self, log_root, data: dict, state: dict):
        super().__init__()
        self.log_root, self.data = Path(log_root), data
        self.best = state.get("best_val_loss", math.inf)
        self.seconds = state.get("seconds", 0.0)
        self.failed_step = self.failure = None

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def _stop(self, failure: str) -> None:
        self.failed_step, self.failure = int(self.model.optimizer.iterations), failure
        self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if logs and not _usable(float(logs["loss"])):
            self._stop(f"the training loss became {float(logs['loss']):.4g}")

    def on_epoch_end(self, epoch, logs=None):
        if self.failed_step is not None:
            return
        logs = {key: float(value) for key, value in (logs or {}).items()}
        for key, what in (("loss", "training"), ("val_loss", "validation")):
            if key in logs and not _usable(logs[key]):
                return self._stop(f"the {what} loss of the interval was {logs[key]:.4g}")
        if not all(np.isfinite(w.numpy()).all() for w in self.model.weights):
            return self._stop("a weight became NaN or infinite")
        step = int(self.model.optimizer.iterations)
        self.seconds += time.perf_counter() - self.started
        pointers = ["latest"]
        if logs.get("val_loss", math.inf) < self.best:
            self.best = logs["val_loss"]
            pointers.append("best")
        state = {"step": step, "seconds": round(self.seconds, 1), "best_val_loss": self.best,
                 "val_loss": logs.get("val_loss")}
        # Checkpoint, log row, pointers, in this order: a kill at any point leaves `latest`
        # at the previous checkpoint, and the rerun interval trims and rewrites its row.
        checkpoint = write_checkpoint(self.model, self.log_root, self.data, state)
        row = {"step": step, "seconds": round(self.seconds, 1),
               "learning_rate": float(self.model.optimizer.learning_rate), **logs}
        if self.model.hps.conditional:
            row["kl_weight"] = float(self.model.kl_weight)  # the weight of the last step
        append_log_row(self.log_root, row, log_fields(self.model.hps))
        point_to(self.log_root, checkpoint, state, pointers)


#: A loss above this (in absolute value) is a run that has blown up even if it is finite: an
#: untrained Sketch-RNN's loss is about 5, a trained one's below 1.
DIVERGED = 1e4


def _usable(loss: float) -> bool:
    """Whether a loss is one a run that has not blown up can have."""
    return math.isfinite(loss) and abs(loss) < DIVERGED


def _nan_advice(hps: HParams, log_root: Path) -> str:
    """What to do after a run blew up, from what most likely caused it: a setting above the
    reference's, else an unstable stretch of batches, which a resumed run would replay in the
    same order (so the learning rate must change either way)."""
    reference = HParams()
    causes = [f"{name}={getattr(hps, name)} is above the reference's {getattr(reference, name)}"
              for name in ("learning_rate", "grad_clip")
              if getattr(hps, name) > getattr(reference, name)]
    if causes:
        fix = f"{' and '.join(causes)}: lower {'it' if len(causes) == 1 else 'them'}"
    else:
        fix = ("the settings are the reference's, so an unstable stretch of batches is the "
               "likely cause, and a resumed run replays the same batches: lower learning_rate "
               f"(for example --hparams learning_rate={hps.learning_rate / 2:g})")
    if not (log_root / "latest.json").exists():
        return f"{fix} and start again (no checkpoint was written yet)"
    latest = find_checkpoint(log_root, "latest")
    where = f"and resume (--resume) from the last good checkpoint, {latest}, which is kept"
    best = find_checkpoint(log_root, "best")
    if best != latest:
        where += (f", or from the one of the best validation loss, {best}, with --resume "
                  "--from best")
    return f"{fix} {where}"


def _describe(hps: HParams, distribution) -> list[str]:
    """What a run does beyond the plain decoder, to tell the user when it starts."""
    lines = []
    if distribution:
        devices = distribution.device_mesh.devices
        lines.append(f"data parallel: each batch of {hps.batch_size} split over {devices.size} "
                     f"device{'s' * (devices.size > 1)} ({', '.join(devices.flat)}), "
                     f"{hps.batch_size // devices.size} sketches each")
    if hps.conditional:
        lines.append(
            f"conditional model: KL weight annealed from {hps.kl_weight_start} towards "
            f"{hps.kl_weight} (w - (w - w0) {hps.kl_decay_rate}^step); the best checkpoint is "
            f"chosen by the validation cost L_R + {hps.kl_weight_start} max(KL, "
            f"{hps.kl_tolerance}), the KL weight fixed at kl_weight_start as the reference "
            "evaluates")
    return lines


def train(hps: HParams, dataset: SketchDataset, log_root, resume: bool = False,
          seed: int = 0, group_by_length: bool = False, bfloat16: bool | None = None,
          verbose="auto", jit_compile=False, resume_from: str = "latest",
          distribute: bool = False) -> SketchRNN:
    """Train (or resume, with ``resume=True``) a model on ``dataset`` for ``hps.num_steps``
    steps (rounded up to a multiple of ``hps.save_every``), checkpointing every
    ``hps.save_every`` steps into ``log_root`` (see :mod:`sketchlib.checkpoints`). The model's
    ``max_seq_len`` is the dataset's. Prints where it starts and ends unless ``verbose=0``.
    Returns the trained model; raises ``FloatingPointError`` if the run blows up (see
    :class:`Checkpointer`), writing no checkpoint of the bad weights.

    ``resume_from="best"`` goes back to the checkpoint of the best validation loss: ``latest``
    moves there at once (the later checkpoints and log rows are deleted), and training goes on
    from it, for example with a lower learning rate after a run blew up.

    Everything is checked before anything is written: a bad setting leaves ``log_root`` as
    it was. Interrupted at any moment (even by kill -9), a run loses at most the steps since
    its last checkpoint, and ``resume=True`` continues it exactly.

    ``bfloat16`` (mixed precision of the recurrence) is the machine's choice, not the run's:
    a resumed run keeps its precision unless ``bfloat16`` is given, and a change is recorded
    with its step in ``data.json`` (``precision_changes``).

    ``distribute=True`` (JAX backend) splits every batch over all devices
    (:mod:`sketchlib.distribute`); ``batch_size`` must divide by their number. Like the
    precision, the device count is the machine's: each start or resume chooses it, and
    ``data.json`` records it with the step it began at (``device_history``)."""
    log_root = Path(log_root)
    say = print if verbose != 0 else (lambda *args: None)
    if not len(dataset.valid):
        raise ValueError("training needs a validation split to choose the best checkpoint; "
                         f"{', '.join(dataset.names)} has none")
    hps = hps.replace(max_seq_len=int(dataset.max_seq_len))
    valid_size = min(hps.batch_size, len(dataset.valid))
    distribution = data_parallel(hps.batch_size, valid_size) if distribute else None
    devices = distribution.device_mesh.devices.size if distribution else 1
    run = open_run(log_root, hps, {
        "names": list(dataset.names), "scale_factor": float(dataset.scale_factor),
        "max_seq_len": int(dataset.max_seq_len), "seed": int(seed),
        "group_by_length": bool(group_by_length)}, resume, resume_from, bfloat16)
    if len(dataset.train) < hps.batch_size:
        raise ValueError(f"{len(dataset.train)} training sketches (of at most "
                         f"{dataset.max_seq_len} rows) is fewer than batch_size={hps.batch_size}")
    seed = run.data["seed"]
    train_batches = SketchBatches(
        dataset.train, hps.batch_size, hps.max_seq_len, augment=True, seed=seed,
        group_by_length=run.data["group_by_length"], scale=hps.random_scale_factor,
        drop=hps.augment_stroke_prob)
    valid_batches = SketchBatches(dataset.valid, valid_size, hps.max_seq_len, shuffle=False)

    set_seed(seed)
    with distribution_scope(distribution):  # the weights, copied to every device
        model = compile_model(build_model(hps, run.bfloat16), hps, jit_compile)
    state = restore_checkpoint(model, run.checkpoint) if run.checkpoint else {"step": 0}
    if state["step"] % hps.save_every:
        raise ValueError(f"checkpoint step {state['step']} is not a multiple of save_every "
                         f"({hps.save_every})")
    total = math.ceil(hps.num_steps / hps.save_every) * hps.save_every
    if state["step"] >= total:
        say(f"{log_root} has already reached step {state['step']} of {total}: nothing to do "
            "(raise num_steps with --hparams to go on)")
        return model
    for change in run.begin(hps, state["step"], devices):
        say(change)
    say(f"resuming {log_root} from step {state['step']} of {total}" if resume else
        f"training {log_root}: {total} steps, a checkpoint every {hps.save_every}")
    for line in _describe(hps, distribution):
        say(line)

    first = state["step"] // hps.save_every
    checkpointer = Checkpointer(log_root, run.data, state)
    stream = StepBatches(train_batches, hps.save_every, first)
    with distribution_scope(distribution):  # each batch split over the devices
        model.fit(local_rows(stream, distribution),
                  validation_data=local_rows(valid_batches, distribution),
                  initial_epoch=first, epochs=total // hps.save_every, shuffle=False,
                  callbacks=[stream.follow_epochs(), checkpointer], verbose=verbose)
    if checkpointer.failed_step is not None:
        raise FloatingPointError(
            f"{checkpointer.failure} at step {checkpointer.failed_step}; training stopped "
            f"without saving those weights: {_nan_advice(hps, log_root)}.")
    best = json.loads((log_root / "best.json").read_text())
    say(f"finished step {total}: best validation loss {best['val_loss']:.4f} at step "
        f"{best['step']} ({log_root / best['checkpoint']}); latest: "
        f"{find_checkpoint(log_root, 'latest')}")
    return model
