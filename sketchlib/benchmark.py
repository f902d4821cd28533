"""Measure training and sampling speed on this machine (a benchmark, not a test):

    python -m sketchlib.benchmark [--data aaron_sheep] [--steps 10] [--model sheep_decoder]

Training: steps/s and sketches/s of one optimiser step (batch drawing and augmentation
included) for the reference's default decoder (LSTM 512) and the shipped one (LSTM 256), with
batches padded to ``max_seq_len`` and grouped by length. Sampling: the time to draw one sketch
of 250 steps and a batch of 100, on the compiled path and the portable Python loop. Prints a
Markdown table for the book's Performance page.
"""

from __future__ import annotations

import argparse
import os
import platform
import time


def _machine() -> str:
    import keras
    import tensorflow as tf

    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
            f"Python {platform.python_version()}, TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__} ({keras.backend.backend()} backend)")


def time_training(dataset, units: int, group_by_length: bool, steps: int,
                  warmup: int = 3) -> dict:
    """Seconds per step and sketches per second of ``model.train_on_batch`` on augmented
    batches of 100 drawn by :class:`~sketchlib.batching.SketchBatches`."""
    from .batching import SketchBatches, as_inputs
    from .cli import TRAIN_DEFAULTS
    from .training import build_model

    hps = TRAIN_DEFAULTS.replace(dec_rnn_size=units, max_seq_len=dataset.max_seq_len)
    model = build_model(hps)
    batches = SketchBatches(dataset.train, hps.batch_size, hps.max_seq_len, augment=True,
                            group_by_length=group_by_length)
    for index in range(warmup):  # traces the step for the first shapes
        model.train_on_batch(*as_inputs(batches.batch(index)))
    start = time.perf_counter()
    for index in range(warmup, warmup + steps):
        model.train_on_batch(*as_inputs(batches.batch(index % len(batches))))
    seconds = (time.perf_counter() - start) / steps
    return {"seconds_per_step": seconds, "sketches_per_second": hps.batch_size / seconds}


def time_sampling(model, n: int, fast: bool, repeats: int = 3) -> float:
    """Best of ``repeats`` wall times (seconds) to draw ``n`` sketches of up to 250 steps
    (after one untimed call that compiles the fast path)."""
    from .sampling import sample

    sample(model, n, 0.5, seed=0, max_len=250, fast=fast)
    times = []
    for repeat in range(repeats):
        start = time.perf_counter()
        sample(model, n, 0.5, seed=repeat + 1, max_len=250, fast=fast)
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="aaron_sheep")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per row")
    parser.add_argument("--model", default="sheep_decoder", help="model for sampling")
    args = parser.parse_args(argv)

    from .datasets import load_dataset
    from .pretrained import load

    print(f"Machine: {_machine()}\n")
    dataset = load_dataset(args.data)
    print(f"Training on {args.data}, batch 100, {args.steps} timed steps per row:\n")
    print("| decoder | batches | s/step | sketches/s |\n| --- | --- | ---: | ---: |")
    for units in (512, 256):
        rates = {}
        for grouped in (False, True):
            result = time_training(dataset, units, grouped, args.steps)
            rates[grouped] = result["sketches_per_second"]
            label = "grouped by length" if grouped else f"padded to {dataset.max_seq_len}"
            print(f"| LSTM {units} | {label} | {result['seconds_per_step']:.3f} | "
                  f"{result['sketches_per_second']:.0f} |", flush=True)
        print(f"| LSTM {units} | speed-up of grouping | | {rates[True] / rates[False]:.2f}x |")

    model = load(args.model)
    print(f"\nSampling with {args.model} (up to 250 steps, best of 3):\n")
    print("| sketches | compiled (ms) | portable loop (ms) |\n| ---: | ---: | ---: |")
    for n in (1, 100):
        fast, portable = (time_sampling(model, n, f) * 1000 for f in (True, False))
        print(f"| {n} | {fast:.1f} | {portable:.1f} |", flush=True)


if __name__ == "__main__":
    main()
