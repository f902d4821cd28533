"""Chapter 6's comparison of the three recurrent cells, exported to data/pretrained/cells_*:
the same decoder-only Sketch-RNN (decoder of 256 units, the size of ``sheep_decoder``) trained
on aaron_sheep with an LSTM, a LayerNorm LSTM and a HyperLSTM decoder, for the same number of
steps from the same seed, all else as the reference.

Each run is one ``sketchlib train`` command (printed, and written into its model card), run in
turn and resumable: run this script again after an interruption and each run continues from its
latest checkpoint (finished runs are skipped, but measured again). Once all three are trained,
each model's numbers (``results.json``), samples and card are written, with the three cells'
speeds measured side by side (once: see :func:`side_by_side_speeds`). Slow on a CPU: one step
of the HyperLSTM costs about 5 of the LSTM's (1.3 s against 0.27 s in the runs' logs). Run
from the repository root: ``python data/cell_comparison.py [runs folder]``
(``SKETCHLIB_DATA_DIR`` must name the folder that holds aaron_sheep.npz)."""

import json
import sys
from pathlib import Path

from recorded_runs import bfloat16_arithmetic, trained_and_exported
from sketchlib import benchmark, checkpoints, datasets, draw, sampling, strokes, training
from sketchlib.model import count_parameters

STEPS = 30_000
CELLS = {"cells_lstm": "lstm", "cells_layer_norm": "layer_norm", "cells_hyper": "hyper"}
TEMPERATURES = (0.2, 0.4, 0.5)  # stop rates at each; 0.5 is sampling's default
SPEED_STEPS = 30  # timed training steps per cell, after 3 untimed ones


def command(name: str, runs: Path) -> list[str]:
    """The ``sketchlib train`` command of one run (add ``--resume`` to continue it)."""
    return ["sketchlib", "train", "--data", "aaron_sheep", "--log-root", str(runs / name),
            "--group-by-length", "--bfloat16", "--seed", "0", "--verbose", "2", "--hparams",
            f"dec_model={CELLS[name]},dec_rnn_size=256,num_steps={STEPS},save_every=500"]


def measure(model, sheep) -> dict:
    """Losses per split of the final weights, and of 100 drawings from nothing at each of
    ``TEMPERATURES`` (seed 0): how many end by themselves (within ``max_seq_len``), and their
    mean number of strokes."""
    losses = {split: training.evaluate(model, sheep.split(split))
              for split in ("train", "valid", "test")}
    return {"losses": {split: {"reconstruction": r["offset_loss"] + r["pen_loss"],
                               "offset": r["offset_loss"], "pen": r["pen_loss"]}
                       for split, r in losses.items()},
            **sampling.ends_and_strokes(model, TEMPERATURES, n=100, seed=0),
            "parameters": count_parameters(model)}


def side_by_side_speeds(runs: Path) -> dict:
    """Seconds per training step of each cell at the runs' settings, in mixed bfloat16
    (``"bfloat16"``) and in float32 (``"float32"``), measured one after another in fresh
    processes on the same batches (so that their ratios are fair), with
    :mod:`sketchlib.benchmark`. Measured once, with nothing else running, and kept in
    ``runs/speeds.json`` with whether the CPU has bfloat16 units (``"cpu_bfloat16"``): the
    runs span sessions and machines, and later ones reuse it."""
    path = runs / "speeds.json"
    if path.exists():
        return json.loads(path.read_text())
    root = Path(__file__).resolve().parents[1]
    speeds = {precision: {name: benchmark.time_training_in_process(
                  root, "aaron_sheep", 256, True, precision == "bfloat16", SPEED_STEPS,
                  cell=cell) for name, cell in CELLS.items()}
              for precision in ("bfloat16", "float32")}
    speeds["cpu_bfloat16"] = bfloat16_arithmetic()
    path.write_text(json.dumps(speeds, indent=1) + "\n")
    return speeds


def precision(log_root: Path) -> str:
    """How the run in ``log_root`` computed its recurrence, from its ``data.json``."""
    history = checkpoints.precision_history(json.loads((log_root / "data.json").read_text()))
    name = {True: "mixed bfloat16", False: "float32"}
    return ", ".join([f"in {name[history[0][1]]}"] + [
        f"from step {step:,d} in {name[bfloat16]} (resumed on a CPU that computes it faster)"
        for step, bfloat16 in history[1:]])


def main(runs: Path) -> None:
    sheep = datasets.load_dataset("aaron_sheep")
    folders = {name: Path(__file__).parent / "pretrained" / name for name in CELLS}
    models = {name: trained_and_exported(command(name, runs), runs / name, STEPS, folder)
              for name, folder in folders.items()}
    measured = side_by_side_speeds(runs)
    speeds, speeds_float32 = measured["bfloat16"], measured["float32"]
    for name, model in models.items():
        destination = folders[name]
        numbers = measure(model, sheep)
        log = checkpoints.read_log(runs / name / "log.csv")
        numbers["seconds"] = float(log["seconds"][-1])
        numbers["seconds_per_step"] = speeds[name]
        numbers["seconds_per_step_float32"] = speeds_float32[name]
        (destination / "results.json").write_text(json.dumps(numbers, indent=1) + "\n")
        rows = [sampling.sample(model, 10, tau, seed=0) for tau in TEMPERATURES]
        draw.plot_grid([s for row in rows for s in row], ncols=10, size=1.4,
                       linewidth=1.0).savefig(destination / "samples.png", dpi=100)
        (destination / "MODEL_CARD.md").write_text(CARD.format(
            name=name, cell=CELLS[name], command=" ".join(command(name, Path("runs"))),
            steps=STEPS, seconds=numbers["seconds"], parameters=numbers["parameters"],
            speed=speeds[name], ratio=("" if name == "cells_lstm" else
                   f", {speeds[name] / speeds['cells_lstm']:.1f} times the LSTM's"),
            speed_float32=speeds_float32[name], precision=precision(runs / name),
            units=("with bfloat16 units" if measured["cpu_bfloat16"]
                   else "without bfloat16 units"),
            temperatures=", ".join(map(str, TEMPERATURES)),
            losses="\n".join(f"| {split} | {r['reconstruction']:.3f} | {r['offset']:.3f} | "
                              f"{r['pen']:.3f} |" for split, r in numbers["losses"].items()),
            ended=", ".join(f"{n} at {tau}" for tau, n in numbers["ended"].items()),
            strokes=", ".join(f"{n:.1f} at {tau}" for tau, n in numbers["strokes"].items()),
            data_strokes=strokes.mean_strokes(sheep.test)))
        print(f"{name}: {numbers}", flush=True)


CARD = """# {name}

A decoder-only Sketch-RNN with `dec_model={cell}`, a decoder of 256 units
({parameters:,d} parameters), one of chapter 6's three cells compared on the same data: {steps:,d} steps of 100 sheep on
aaron_sheep ({seconds:,.0f} s of training on a 2-core CPU, over several sessions), seed 0, all
else as the reference; the recurrence ran {precision}. The weights are those of the last
step. Measured side by side with the other two cells on a 2-core CPU {units}, one training
step takes {speed:.2f} s in mixed bfloat16{ratio} ({speed_float32:.2f} s in float32). A model
for the comparison, not the book's sheep drawer: that is `sheep_decoder`,
another run of the LSTM's command (stopped at 32,500 steps; chapter 6 compares the two
runs). Made by `python data/cell_comparison.py`,
which ran

    {command}

```python
from sketchlib import pretrained, sampling
model = pretrained.load("{name}")
sketches = sampling.sample(model, n=10, temperature=0.4, seed=0)
```

![samples](samples.png)

Ten drawings from nothing at each of the temperatures {temperatures} (a row each, seed 0).

| split | L_R | offsets L_s | pen L_p |
| --- | ---: | ---: | ---: |
{losses}

Evaluation in float32, pen loss masked like the offset loss, full batches of 100 in order. Of
100 drawings from nothing (seed 0), these many end by themselves within `max_seq_len`:
{ended}; their mean number of strokes is {strokes} (the test sheep: {data_strokes:.1f}).

The training data, `aaron_sheep`, is Copyright 2006 Aaron Koblin (*The Sheep Market*),
licensed CC BY-NC 4.0 (non-commercial); these weights are derived from it and are shared under
the same licence, with attribution to Aaron Koblin.
"""

if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs"))
