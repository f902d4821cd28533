"""Training batches: augmentation, stroke-5 conversion, padding and the start token.

A batch of ``B`` sketches padded to ``N`` steps is four arrays:

* ``encoder_input``  ``(B, N, 5)``: the sketches in stroke-5, padded with end rows;
* ``decoder_input``  ``(B, N, 5)``: the same shifted right by one, starting with ``S0``;
* ``target``         ``(B, N, 5)``: what the decoder must predict (= ``encoder_input``);
* ``lengths``        ``(B,)``: the number of real rows of each sketch.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
import numpy as np

from .strokes import stroke3_to_stroke5

#: The start token S0: a stroke-5 row with the pen down at the origin.
START_TOKEN = np.array([0.0, 0.0, 1.0, 0.0, 0.0], dtype=np.float32)


class Batch(NamedTuple):
    encoder_input: np.ndarray
    decoder_input: np.ndarray
    target: np.ndarray
    lengths: np.ndarray


def random_scale(sketch, factor: float, rng: np.random.Generator) -> np.ndarray:
    """Scale ``dx`` and ``dy`` by independent factors from ``U[1 - factor, 1 + factor]``."""
    result = np.array(sketch, dtype=np.float32)
    result[:, :2] *= rng.uniform(1.0 - factor, 1.0 + factor, size=2).astype(np.float32)
    return result


def drop_points(sketch, probability: float, rng: np.random.Generator) -> np.ndarray:
    """Remove points at random without changing the drawing's shape (Magenta's rule).

    A row ``c`` is a candidate if its pen and the previous row's pen are 0 and it is at least
    the fourth point of its stroke (the reference's ``count > 2``). With ``probability`` it is
    merged into the row before it: that row's point disappears and the pen goes straight to
    point ``c``. So the points that can go are the third of a stroke up to its third-to-last;
    every other point stays exactly where it was. ``(n, 3) -> (n', 3)``.
    """
    sketch = np.asarray(sketch, dtype=np.float32)
    pens = sketch[:, 2]
    previous_pen = np.concatenate([[1.0], pens[:-1]])
    # Index of each row within its stroke: the row after a pen lift starts again at 0.
    starts = np.flatnonzero(previous_pen == 1)
    rows = np.arange(len(sketch))
    position = rows - starts[np.searchsorted(starts, rows, side="right") - 1]
    candidate = (pens == 0) & (previous_pen == 0) & (position > 2)
    merged = candidate & (rng.random(len(sketch)) < probability)
    keep = ~np.append(merged[1:], False)  # merging row c into c - 1 removes point c - 1
    points = np.cumsum(sketch[:, :2], axis=0, dtype=np.float64)[keep]
    result = np.empty((len(points), 3), dtype=np.float32)
    result[:, :2] = np.diff(points, axis=0, prepend=np.zeros((1, 2)))
    result[:, 2] = pens[keep]
    return result


def augment(sketch, rng: np.random.Generator, scale: float = 0.15,
            drop: float = 0.10) -> np.ndarray:
    """Training-time augmentation of one normalised stroke-3 sketch: :func:`random_scale`,
    then :func:`drop_points` (REFERENCE order)."""
    return drop_points(random_scale(sketch, scale, rng), drop, rng)


def make_batch(sketches, max_len: int) -> Batch:
    """Pad stroke-3 sketches (each at most ``max_len`` rows) into a :class:`Batch` with
    ``N = max_len`` steps."""
    lengths = np.array([len(s) for s in sketches], dtype=np.int32)
    if lengths.max(initial=0) > max_len:
        raise ValueError(f"a sketch has {lengths.max()} rows, more than max_len={max_len}")
    full = np.empty((len(sketches), max_len + 1, 5), dtype=np.float32)
    full[:, 0] = START_TOKEN
    for i, sketch in enumerate(sketches):
        full[i, 1:] = stroke3_to_stroke5(sketch, max_len)
    return Batch(encoder_input=full[:, 1:], decoder_input=full[:, :-1], target=full[:, 1:],
                 lengths=lengths)


class SketchBatches(keras.utils.PyDataset):
    """Batches for ``keras.Model.fit``: item ``i`` is ``(inputs, target)`` with
    ``inputs = {"encoder_input", "decoder_input", "lengths"}`` (see :class:`Batch`).

    Every batch draws ``batch_size`` sketches at random, as the reference does (no epochs in
    the data's sense; ``len()`` is ``len(sketches) // batch_size`` batches). Batch ``i`` of
    epoch ``e`` depends only on ``(seed, e, i)``, so runs are reproducible.

    ``augment=True`` applies :func:`augment` (training only). ``group_by_length=True`` draws
    each batch from sketches of similar length and pads it only to the first multiple of
    ``pad_multiple`` above its longest sketch (fewer shapes to compile; every sketch keeps at
    least one end row to learn to stop from), at most ``max_len``, instead of to ``max_len``.
    Each epoch then cuts the sketches, sorted by length (ties broken at random), into
    ``len()`` runs of ``batch_size`` from a random start, and serves the runs in random order:
    every sketch but fewer than ``batch_size`` of them is used once per epoch.

    ``shuffle=False`` (evaluation) serves the sketches in order instead: batch ``i`` holds
    sketches ``i B`` to ``(i + 1) B - 1``, the same in every epoch.
    """

    def __init__(self, sketches, batch_size: int = 100, max_len: int = 250,
                 augment: bool = False, seed: int = 0, group_by_length: bool = False,
                 pad_multiple: int = 25, scale: float = 0.15, drop: float = 0.10,
                 shuffle: bool = True, **kwargs):
        super().__init__(**kwargs)
        if len(sketches) < batch_size:
            raise ValueError(f"{len(sketches)} sketches is fewer than batch_size={batch_size}")
        self.sketches = list(sketches)
        self.batch_size, self.max_len = int(batch_size), int(max_len)
        self.augment, self.seed, self.epoch = augment, int(seed), 0
        self.group_by_length, self.pad_multiple = group_by_length, int(pad_multiple)
        self.scale, self.drop, self.shuffle = scale, drop, shuffle
        self.lengths = np.array([len(s) for s in self.sketches])
        self._groups = (None, None)  # (epoch, length_groups() of that epoch)

    def __len__(self) -> int:
        return len(self.sketches) // self.batch_size

    def on_epoch_end(self):
        self.epoch += 1

    def batch(self, index: int, epoch: int | None = None) -> Batch:
        """Batch ``index`` of ``epoch`` (default: the current one) as a :class:`Batch` of numpy
        arrays."""
        epoch = self.epoch if epoch is None else int(epoch)
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        rng = np.random.default_rng([self.seed, epoch, index])
        if not self.shuffle:
            chosen = np.arange(index * self.batch_size, (index + 1) * self.batch_size)
        elif self.group_by_length:
            chosen = self.length_groups(epoch)[index]
        else:
            chosen = rng.choice(len(self.sketches), size=self.batch_size, replace=False)
        sketches = [self.sketches[i] for i in chosen]
        if self.augment:
            sketches = [augment(s, rng, self.scale, self.drop) for s in sketches]
        length = self.max_len
        if self.group_by_length:
            # The next multiple *above* the longest, so that every sketch keeps an end row.
            longest = max(len(s) for s in sketches)
            length = min(self.max_len, (longest // self.pad_multiple + 1) * self.pad_multiple)
        return make_batch(sketches, length)

    def length_groups(self, epoch: int | None = None) -> np.ndarray:
        """``(len(self), batch_size)`` sketch indices of an epoch's length-sorted runs
        (default: the current epoch; computed once per epoch)."""
        epoch = self.epoch if epoch is None else int(epoch)
        if self._groups[0] == epoch:
            return self._groups[1]
        rng = np.random.default_rng([self.seed, epoch])
        order = np.lexsort((rng.random(len(self.lengths)), self.lengths))
        count = len(self)
        start = rng.integers(0, len(order) - count * self.batch_size + 1)
        groups = order[start:start + count * self.batch_size].reshape(count, self.batch_size)
        self._groups = (epoch, groups[rng.permutation(count)])
        return self._groups[1]

    def __getitem__(self, index: int):
        return as_inputs(self.batch(index))


def as_inputs(batch: Batch):
    """A :class:`Batch` as Keras wants it: ``(inputs dict, target)``."""
    inputs = {"encoder_input": batch.encoder_input, "decoder_input": batch.decoder_input,
              "lengths": batch.lengths}
    return inputs, batch.target
