"""Measure training and sampling speed on this machine (a benchmark, not a test):

    python -m sketchlib.benchmark [--data aaron_sheep] [--steps 10] [--model sheep_decoder]
                                  [--baseline PATH]

Training: seconds per optimiser step (batch drawing and augmentation included) and sketches per
second of the reference's default decoder-only model (LSTM 512), the shipped size (LSTM 256)
and the reference's default VAE (encoder 256 each way, decoder LSTM 512, z 128), with batches
padded to ``max_seq_len`` or grouped by length, in float32 and in mixed bfloat16
(``--bfloat16``). Each row runs in a fresh process, one after another, so the rows are
measured side by side under the same conditions; ``--baseline PATH`` adds the same float32
rows for the sketchlib of another checkout (an older version), and their ratio to this one.
Sampling: the time to draw one sketch of 250 steps and a batch of 100, compiled and portable.
Prints Markdown tables for the book's Performance page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path


def _machine() -> str:
    import keras
    import tensorflow as tf

    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
            f"Python {platform.python_version()}, TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__} ({keras.backend.backend()} backend)")


def time_training(dataset, units: int, group_by_length: bool, steps: int,
                  warmup: int = 3, bfloat16: bool = False, conditional: bool = False,
                  cell: str = "lstm") -> dict:
    """Seconds per step and sketches per second of ``model.train_on_batch`` on augmented
    batches of 100 drawn by :class:`~sketchlib.batching.SketchBatches` (decoder ``cell`` of
    ``units``; ``conditional``: with the reference's encoder and z)."""
    from .batching import SketchBatches, as_inputs
    from .cli import TRAIN_DEFAULTS
    from .model import build_model
    from .training import compile_model

    hps = TRAIN_DEFAULTS.replace(dec_rnn_size=units, max_seq_len=dataset.max_seq_len,
                                 conditional=conditional, dec_model=cell)
    model = compile_model(build_model(hps, bfloat16), hps)
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


#: Run by each row's process: time_training of the sketchlib found under argv[1].
_ROW = """
import json, sys
sys.path.insert(0, sys.argv[1])
from sketchlib.benchmark import time_training
from sketchlib.datasets import load_dataset
options = {"bfloat16": True} if sys.argv[5] == "1" else {}
if sys.argv[7] == "1":
    options["conditional"] = True
result = time_training(load_dataset(sys.argv[6]), int(sys.argv[2]), sys.argv[3] == "1",
                       int(sys.argv[4]), cell=sys.argv[8], **options)
print(json.dumps(result))
"""


def time_training_in_process(root, data: str, units: int, grouped: bool, bfloat16: bool,
                             steps: int, conditional: bool = False,
                             cell: str = "lstm") -> float:
    """Seconds per step of :func:`time_training`, run in a fresh Python process with the
    ``sketchlib`` package found in ``root`` (this one's or another checkout's)."""
    result = subprocess.run(
        [sys.executable, "-c", _ROW, str(root), str(units), str(int(grouped)), str(steps),
         str(int(bfloat16)), data, str(int(conditional)), cell], capture_output=True, text=True,
        check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["seconds_per_step"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="aaron_sheep")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per row")
    parser.add_argument("--model", default="sheep_decoder", help="model for sampling")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout of another sketchlib version to compare with")
    args = parser.parse_args(argv)

    from .datasets import load_dataset
    from .pretrained import load

    print(f"Machine: {_machine()}\n")
    here = Path(__file__).resolve().parents[1]
    length = load_dataset(args.data).max_seq_len
    print(f"Training on {args.data}, batch 100, {args.steps} timed steps per row, each row "
          "in a fresh process, one after another:\n")
    print("| model | batches | precision | code | s/step | sketches/s | speed-up |\n"
          "| --- | --- | --- | --- | ---: | ---: | ---: |")
    for units, conditional in ((512, False), (256, False), (512, True)):
        rows = [(False, False, None), (True, False, None), (True, True, None)]
        if args.baseline and not conditional:
            rows[:0] = [(False, False, args.baseline), (True, False, args.baseline)]
        name = "VAE, encoder 256 x 2, LSTM 512, z 128" if conditional else f"LSTM {units}"
        first = None
        for grouped, bfloat16, baseline in rows:
            seconds = time_training_in_process(baseline or here, args.data, units, grouped,
                                               bfloat16, args.steps, conditional)
            first = first or seconds
            print(f"| {name} | {'grouped by length' if grouped else f'padded to {length}'}"
                  f" | {'mixed bfloat16' if bfloat16 else 'float32'} | "
                  f"{'baseline' if baseline else 'this'} | {seconds:.3f} | {100 / seconds:.0f} "
                  f"| {first / seconds:.2f}x |", flush=True)

    print("\nDecoder cells (decoder-only, 256 units, grouped by length, mixed bfloat16):\n")
    print("| cell | s/step | sketches/s | time per step vs the LSTM |\n| --- | ---: | ---: | ---: |")
    lstm = None
    for cell in ("lstm", "layer_norm", "hyper"):
        seconds = time_training_in_process(here, args.data, 256, True, True, args.steps,
                                           cell=cell)
        lstm = lstm or seconds
        print(f"| {cell} | {seconds:.3f} | {100 / seconds:.0f} | {seconds / lstm:.2f}x |",
              flush=True)

    model = load(args.model)
    print(f"\nSampling with {args.model} (up to 250 steps, best of 3):\n")
    print("| sketches | compiled (ms) | portable loop (ms) |\n| ---: | ---: | ---: |")
    for n in (1, 100):
        fast, portable = (time_sampling(model, n, f) * 1000 for f in (True, False))
        print(f"| {n} | {fast:.1f} | {portable:.1f} |", flush=True)


if __name__ == "__main__":
    main()
