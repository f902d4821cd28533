"""Data-parallel training on every device, with Keras's distribution API (JAX backend only: the
TensorFlow backend accepts a ``keras.distribution`` setting but ignores it and trains on one
device).

Each training batch ``(B, N, 5)`` is split along its first axis into ``B / D`` sketches for each
of the ``D`` devices. Every device holds a copy of the weights and computes the loss of its
sketches; the gradient of the batch's mean loss is assembled from the devices' parts (an
all-reduce) before the one optimiser step, the same on every device. So a step is the step that
one device takes on the whole batch, up to the order of the float32 additions.

Several hosts run the same command, each with ``KERAS_DISTRIBUTION_JOB_ADDRESSES`` (the
``host:port`` of process 0), ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and
``KERAS_DISTRIBUTION_PROCESS_ID`` set: :func:`data_parallel` joins them
(``keras.distribution.initialize``), ``D`` counts the devices of all of them, and each process
makes every batch whole from the run's seed and feeds its own rows (:func:`local_rows`). Each
process writes the whole run to its own log root (the same files): on a disk that the hosts
share, give each its own folder.
"""

from __future__ import annotations

import contextlib
import os

import keras


def data_parallel(batch_size: int, valid_batch_size: int) -> keras.distribution.DataParallel:
    """A ``DataParallel`` distribution over every device (of every process). ``ValueError``
    on another backend than JAX, or when a training or validation batch does not divide by
    the number of devices."""
    if keras.backend.backend() != "jax":
        raise ValueError(f"distributed training needs the JAX backend (KERAS_BACKEND=jax); the "
                         f"{keras.backend.backend()} backend ignores Keras's distribution API "
                         "and would train on one device")
    import jax

    if "KERAS_DISTRIBUTION_JOB_ADDRESSES" in os.environ and not jax.distributed.is_initialized():
        keras.distribution.initialize()
    devices = keras.distribution.list_devices()
    found = f"the {len(devices)} devices found ({', '.join(devices)})"
    if batch_size % len(devices):
        raise ValueError(f"batch_size={batch_size} does not divide over {found}: choose a "
                         f"multiple of {len(devices)}")
    if valid_batch_size % len(devices):
        raise ValueError(f"the validation split's {valid_batch_size} sketches (fewer than "
                         f"batch_size, so one batch) do not divide over {found}")
    return keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False)


def distribution_scope(distribution: keras.distribution.DataParallel | None):
    """``distribution.scope()``, or a scope that changes nothing for ``None``."""
    return distribution.scope() if distribution else contextlib.nullcontext()


class ProcessRows(keras.utils.PyDataset):
    """This process's share of each batch of ``batches`` (items ``(inputs dict, target)`` of
    arrays ``(B, ...)``): rows ``[p B / P, (p + 1) B / P)`` of each, ``(B / P, ...)``, for
    process ``p`` of ``P``."""

    def __init__(self, batches: keras.utils.PyDataset, process: int, processes: int):
        super().__init__()
        self.batches, self.process, self.processes = batches, process, processes

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int):
        def share(array):
            size = len(array) // self.processes
            return array[self.process * size:(self.process + 1) * size]

        return keras.tree.map_structure(share, self.batches[index])


def local_rows(batches, distribution: keras.distribution.DataParallel | None):
    """What this process feeds ``fit`` of ``batches``: all of them, unless several processes
    share the ``distribution`` (:class:`ProcessRows`)."""
    if distribution is None or distribution.num_processes == 1:
        return batches
    import jax

    return ProcessRows(batches, jax.process_index(), distribution.num_processes)
