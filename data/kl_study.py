"""The three short runs of chapter 4's "Too much or too little KL", exported to
data/pretrained/kl_study_*: the same small conditional model trained on sketchlib's synthetic
shapes (circles, squares, triangles, stars, faces) with a constant KL weight w (no annealing:
kl_weight_start = w) and with or without the free-bits floor. Resumable; about 3 x 2 minutes on
a 2-core CPU. Run from the repository root: ``python data/kl_study.py [runs folder]``."""

import sys
from pathlib import Path

from sketchlib import checkpoints, draw, sampling, training
from sketchlib.hparams import HParams
from sketchlib.synthetic import synthetic_dataset

RUNS = {"kl_study_w0.01": (0.01, 0.0), "kl_study_w1": (1.0, 0.0),
        "kl_study_w1_floor0.2": (1.0, 0.2)}
SIZE = dict(conditional=True, enc_rnn_size=32, dec_rnn_size=64, z_size=8, num_mixture=5,
            batch_size=50, num_steps=2000, save_every=500)


def main(runs: Path) -> None:
    data = synthetic_dataset(500, 50, 50, seed=0)
    for name, (weight, floor) in RUNS.items():
        hps = HParams(**SIZE, max_seq_len=data.max_seq_len, kl_weight=weight,
                      kl_weight_start=weight, kl_tolerance=floor)
        log_root = runs / name
        training.train(hps, data, log_root, resume=(log_root / "hparams.json").exists(),
                       seed=0, group_by_length=True, verbose=0)
        destination = Path(__file__).parent / "pretrained" / name
        checkpoints.export_model(log_root, destination, "latest")
        model = checkpoints.load_model(destination)
        ended = sampling.end_counts(model, (0.2, 0.4, 0.5))
        draw.plot_grid(sampling.sample(model, 10, seed=0), ncols=10, size=1.0,
                       linewidth=1.0).savefig(destination / "samples.png", dpi=80)
        (destination / "MODEL_CARD.md").write_text(CARD.format(
            name=name, weight=weight, floor=floor, steps=SIZE["num_steps"],
            seconds=checkpoints.read_log(log_root / "log.csv")["seconds"][-1],
            ended=", ".join(f"{n} at {tau}" for tau, n in ended.items())))
        print(f"{name}: exported to {destination}")


CARD = """# {name}

A tiny conditional Sketch-RNN for chapter 4's comparison of KL weights, not for drawing:
encoder LSTM 32 units each way, decoder LSTM 64, 5 mixture components, $N_z$ = 8, trained for
{steps:,d} steps ({seconds:.0f} s on a 2-core CPU) of 50 sketches on sketchlib's synthetic
shapes (`synthetic_dataset(500, 50, 50, seed=0)`) with a **constant KL weight of {weight}** (no
annealing) and a free-bits floor (`kl_tolerance`) of {floor}; all else as the reference. The
weights are those of the last step. Made by `python data/kl_study.py`.

![10 samples from the prior](samples.png)

Ten drawings from codes drawn from $\mathcal{{N}}(0, I)$ at the default temperatures (seed 0).
Of 100 such drawings (seed 0), these many end by themselves within the 55 steps of
`max_seq_len`, at temperatures 0.2, 0.4 and 0.5: {ended}.

The synthetic shapes are drawn by sketchlib itself (no third-party data); these weights are
shared under the licence of sketchlib's code, Apache 2.0.
"""

if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs"))
