"""Chapter 4's study: which change makes a VAE's code carry the drawing? The same VAE (encoder
LSTM 128 units each way, decoder LSTM 256, z 128) trained on aaron_sheep with the same seed,
batches and steps, once with the reference's recipe and once with each change (hyper-parameters
of `sketchlib train` beside the reference's, off by default):

- ``drop_offsets_*``: the previous point's offsets in the decoder's input replaced by 0 with
  probability 0.5, 0.75, or always (1.0, in training, evaluation and sampling alike);
- ``shape_loss``: a head predicts a blurred 16 x 16 raster of the sketch from z (weight 1);
- ``kl_cyclical``: the KL weight annealed in four cycles of 2,500 steps (Fu et al. 2019).

Each run is one ``sketchlib train`` command, run in turn and resumable: run this script again
after an interruption and each run continues from its latest checkpoint (a finished run is
measured and skipped). About 80 minutes a run alone on a 2-core CPU with bfloat16 units.
Run from the repository root: ``python data/vae_study.py [runs folder] [run name ...]``
(``SKETCHLIB_DATA_DIR`` must name the folder that holds aaron_sheep.npz). Each run's numbers,
and its drawings of the figure's test sheep, go to ``data/vae_study/<name>.json``."""

import json
import sys
from pathlib import Path

import numpy as np

from recorded_runs import chosen, run_recorded
from sketchlib import checkpoints, datasets, latent, sampling, similarity

STEPS = 10_000
SIZE = f"enc_rnn_size=128,dec_rnn_size=256,z_size=128,num_steps={STEPS},save_every=500"
RUNS = {  # name: the hyper-parameters that differ from the reference's recipe
    "baseline": None,
    "drop_offsets_1": "dec_input_dropout=1.0",
    "shape_loss": "shape_loss_weight=1.0",
    "drop_offsets_0.5": "dec_input_dropout=0.5",
    "drop_offsets_0.75": "dec_input_dropout=0.75",
    "kl_cyclical": "kl_cycle_steps=2500",
}
LINE_UP = 100  # the first test sheep: the line-up, the AUC and the prior's drawings
FIGURE = 8  # the first test sheep, reconstructed by every run for chapter 4's figure
RESULTS = Path(__file__).parent / "vae_study"


def command(name: str, runs: Path) -> list[str]:
    """The ``sketchlib train`` command of one run (add ``--resume`` to continue it)."""
    return ["sketchlib", "train", "--data", "aaron_sheep", "--log-root", str(runs / name),
            "--conditional", "--group-by-length", "--bfloat16", "--seed", "0", "--verbose",
            "2", "--hparams", ",".join(filter(None, [SIZE, RUNS[name]]))]


def measure(model, test) -> dict:
    """A run's numbers: the test split's losses and the code's worth, the AUC of the first
    ``LINE_UP`` test sheep (temperature 0.1, seeds 0-2), their line-up at 0.1 and 0.5, how many
    of 100 drawings from N(0, I) end at 0.4, and the drawings to look at."""
    worth = latent.code_worth(model, test)
    line_up = test[:LINE_UP]
    results = {"reconstruction": worth["reconstruction"], "offset": worth["offset_loss"],
               "pen": worth["pen_loss"], "kl": worth["kl"], "worth": worth["worth"],
               "auc": similarity.code_auc(model, line_up, 0.1)}
    for tau in (0.1, 0.5):
        ranks = similarity.identification_ranks(
            latent.reconstruct(model, line_up, temperature=tau, seed=0), line_up)
        results[f"median_rank_{tau}"] = float(np.median(ranks))
    prior = sampling.sample(model, 100, 0.4, seed=0)
    results["prior_ended_0.4"] = int(sampling.ended(prior, model.hps.max_seq_len).sum())
    results["prior_drawings"] = [d.tolist() for d in prior[:16]]
    results["reconstructions"] = [d.tolist() for d in latent.reconstruct(
        model, test[:FIGURE], temperature=0.1, seed=0)]
    return results


def main(runs: Path, names: list[str]) -> None:
    names = chosen(names, RUNS)
    test = list(datasets.load_dataset("aaron_sheep").test)
    RESULTS.mkdir(exist_ok=True)
    for name in names:
        log_root = runs / name
        run_recorded(command(name, runs), log_root, STEPS)
        model = checkpoints.load_model(log_root, "latest")
        log = checkpoints.read_log(log_root / "log.csv")
        recorded = " ".join(command(name, Path("runs/vae_study")))
        numbers = {"command": recorded, "steps": STEPS,
                   "seconds": float(log["seconds"][-1]), **measure(model, test)}
        (RESULTS / f"{name}.json").write_text(json.dumps(numbers) + "\n")
        shown = {k: v for k, v in numbers.items() if not isinstance(v, list)}
        print(f"{name}: {shown}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs"), sys.argv[2:])
