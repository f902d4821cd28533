"""Chapter 4's shipped VAE, exported to data/pretrained/sheep_vae: the reference's recipe
(KL annealed, free bits 0.2) with LayerNorm cells at half the reference's width, trained on
aaron_sheep. Its run took about 10 hours on a 2-core CPU over several sessions; how it went is
in ``data/sheep_vae.md``.

``python data/sheep_vae.py [runs folder]`` resumes the run until ``STEPS`` (nothing to do when
it is there), exports its best checkpoint, measures it (``results.json``: losses per split,
the line-up and the AUC of the code, what the reconstructions take from their originals, how
many drawings end), draws its pictures and writes its card. Run from the repository root with
``SKETCHLIB_DATA_DIR`` naming the folder that holds aaron_sheep.npz."""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from recorded_runs import run_recorded  # noqa: E402
from sketchlib import (checkpoints, datasets, draw, latent, sampling,  # noqa: E402
                       similarity, training)
from sketchlib.model import count_parameters  # noqa: E402

NAME = "sheep_vae"
STEPS = 24_000  # where the run stopped: see the card's "Why it stopped"
HPARAMS = ("enc_rnn_size=128,dec_rnn_size=256,z_size=128,num_steps=40000,save_every=500,"
           "enc_model=layer_norm,dec_model=layer_norm")
LINE_UP = 100  # the first test sheep: the line-up, the AUC, the properties
FITTED_FROM = 1000  # training sheep whose codes the Gaussian of new drawings is fitted to


def command(runs: Path) -> list[str]:
    """The run's ``sketchlib train`` command (add ``--resume`` to continue it)."""
    return ["sketchlib", "train", "--data", "aaron_sheep", "--log-root", str(runs / NAME),
            "--conditional", "--group-by-length", "--bfloat16", "--hparams", HPARAMS]


def measure(model, sheep) -> dict:
    """The card's numbers (see the module docstring); drawings with seed 0."""
    losses = {split: training.evaluate(model, sheep.split(split))
              for split in ("train", "valid", "test")}
    test = list(sheep.test)
    line_up = test[:LINE_UP]
    ranks = {tau: similarity.identification_ranks(
        latent.reconstruct(model, line_up, temperature=tau, seed=0), line_up)
        for tau in (0.1, 0.5)}
    fitted = latent.fitted_codes(model, list(sheep.train[:FITTED_FROM]), 100, seed=0)
    return {
        "parameters": count_parameters(model),
        "losses": {split: {"reconstruction": r["offset_loss"] + r["pen_loss"],
                           "offset": r["offset_loss"], "pen": r["pen_loss"], "kl": r["kl"]}
                   for split, r in losses.items()},
        "worth": latent.code_worth(model, test)["worth"],
        "auc": similarity.code_auc(model, line_up, temperature=0.1),
        "median_rank": {tau: float(np.median(r)) for tau, r in ranks.items()},
        "first": {tau: float(np.mean(r == 1)) for tau, r in ranks.items()},
        "carried": similarity.property_correlations(
            line_up, latent.reconstruct(model, line_up, temperature=0.3, seed=0)),
        "ended_prior": sampling.end_counts(model, (0.2, 0.4, 0.5)),
        "ended_fitted": sampling.end_counts(model, (0.2, 0.4, 0.5), z=fitted),
    }


def pictures(model, sheep, log_root: Path, destination: Path) -> None:
    """reconstructions.png, samples.png (from the fitted Gaussian) and curve.png."""
    shown = list(sheep.test[:10])
    rebuilt = latent.reconstruct(model, shown, seed=0)
    draw.plot_grid(shown + rebuilt, ncols=10, size=1.3, linewidth=1.2).savefig(
        destination / "reconstructions.png", dpi=100)
    fitted = latent.fitted_codes(model, list(sheep.train[:FITTED_FROM]), 20, seed=0)
    draw.plot_grid(latent.decode(model, fitted, seed=0), ncols=10, size=1.3,
                   linewidth=1.2).savefig(destination / "samples.png", dpi=100)
    log = checkpoints.read_log(log_root / "log.csv")
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.2))
    titles = {"reconstruction": "$L_R$", "kl": "KL (nats a dimension)"}
    for ax, (name, title) in zip(axes, titles.items()):
        train = log["offset_loss"] + log["pen_loss"] if name != "kl" else log["kl"]
        valid = (log["val_offset_loss"] + log["val_pen_loss"] if name != "kl"
                 else log["val_kl"])
        ax.plot(log["step"], train, label="training")
        ax.plot(log["step"], valid, label="validation")
        ax.set_title(title)
        ax.set_xlabel("training step")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(destination / "curve.png", dpi=100)


def main(runs: Path) -> None:
    log_root = runs / NAME
    run_recorded(command(runs), log_root, STEPS)
    destination = Path(__file__).parent / "pretrained" / NAME
    checkpoints.export_model(log_root, destination, "best")
    model = checkpoints.load_model(destination)
    sheep = datasets.load_dataset("aaron_sheep")
    numbers = json.loads(json.dumps(measure(model, sheep)))  # temperatures as JSON keys
    (destination / "results.json").write_text(json.dumps(numbers, indent=1) + "\n")
    pictures(model, sheep, log_root, destination)
    write_card(numbers, log_root, destination)
    print(json.dumps(numbers, indent=1))


def write_card(numbers: dict, log_root: Path, destination: Path) -> None:
    """MODEL_CARD.md from the numbers of :func:`measure` (as read back from JSON)."""
    best = json.loads((log_root / "best.json").read_text())
    log = checkpoints.read_log(log_root / "log.csv")
    losses = "\n".join(f"| {split} | {r['reconstruction']:.3f} | {r['offset']:.3f} | "
                       f"{r['pen']:.3f} | {r['kl']:.3f} |"
                       for split, r in numbers["losses"].items())
    (destination / "MODEL_CARD.md").write_text(CARD.format(
        command=" ".join(command(Path("runs"))).replace(" --hparams", " \\\n    --hparams"),
        step=best["step"],
        hours=best["seconds"] / 3600, kl_weight=log["kl_weight"][-1],
        learning_rate=log["learning_rate"][-1], losses=losses, **_card_numbers(numbers)))


def _card_numbers(numbers: dict) -> dict:
    carried = ", ".join(f"{name} {r:+.2f}" for name, r in numbers["carried"].items())
    ends = lambda counts: ", ".join(f"{n} at {tau}" for tau, n in counts.items())  # noqa: E731
    return {"parameters": f"{numbers['parameters']:,d}", "auc": numbers["auc"],
            "line_up": LINE_UP,
            "worth": numbers["worth"], "carried": carried,
            "rank_low": numbers["median_rank"]["0.1"], "rank_high": numbers["median_rank"]["0.5"],
            "first_low": numbers["first"]["0.1"], "ended_prior": ends(numbers["ended_prior"]),
            "ended_fitted": ends(numbers["ended_fitted"])}


CARD = """# sheep_vae: the reference's VAE, trained on sheep

A conditional Sketch-RNN, the paper's variational autoencoder, trained on `aaron_sheep` with
the reference's recipe: a bidirectional LayerNorm LSTM encoder (128 units each way) reads a
sketch into the mean and log-variance of a code $z$ of 128 numbers; a LayerNorm LSTM decoder of
256 units starts from a state computed from $z$, reads $z$ at every step, and outputs a mixture
of 20 bivariate normals for the next offset and the pen state's probabilities. {parameters}
parameters. It is the model of chapter 4, where what its code carries is measured.

```python
from sketchlib import datasets, latent, pretrained
model = pretrained.load("sheep_vae")
sheep = datasets.load_dataset("aaron_sheep")             # normalised stroke-3 sketches
codes = latent.encode(model, sheep.test[:10])            # (10, 128): each sketch's mean code
rebuilt = latent.reconstruct(model, sheep.test[:10], seed=0)
new = latent.fitted_codes(model, sheep.train[:1000], 20, seed=0)
drawn = latent.decode(model, new, seed=0)                 # new sheep (see below)
```

![ten test sheep and their reconstructions](reconstructions.png)

Top: the first ten sheep of the test split, which the model never saw. Bottom: each encoded to
its mean code and drawn back at the default temperatures (0.5, pen 1; seed 0). The
reconstructions are sheep of about the right size and length, but generic ones: **the code
carries the size and the length of a drawing, not its outline.** Measured on the first
{line_up} test sheep:

- Line-up (each reconstruction against the {line_up} originals by Chamfer distance, seed 0):
  median rank of its own original {rank_low:.1f} at temperature 0.1 and {rank_high:.1f} at 0.5,
  first for {first_low:.0%} at 0.1 (chance: 50.5 and 1%).
- AUC with the same random numbers for every code (`similarity.code_auc`, temperature 0.1,
  seeds 0-2): {auc:.3f} (chance 0.5, a code that carries the drawing 1.0).
- What the reconstructions at temperature 0.3 take from their originals (correlation across
  the {line_up}): {carried}.
- What the code is worth to the teacher-forced decoder (test split, $L_R$ with a neighbour's
  code minus with its own): {worth:.3f}.

The reference's own pretrained `aaron_sheep` model does the same: Magenta's notebook
(https://github.com/magenta/magenta-demos/blob/master/jupyter-notebooks/Sketch_RNN.ipynb)
encodes and decodes test sheep with it and gets generic sheep back. The teacher-forced decoder
predicts the shape from the strokes it has already read, so the objective pays the code only
for what those cannot tell (Bowman et al. 2016 describe it for sentences).

![20 new sheep](samples.png)

Twenty new drawings at the default temperatures, from codes drawn from a Gaussian fitted to the
codes of the first 1,000 training sheep (`latent.fitted_codes`, seed 0). Of 100 such drawings
these many end by themselves at temperatures 0.2, 0.4 and 0.5: {ended_fitted}. From codes drawn
from $\\mathcal{{N}}(0, I)$ instead: {ended_prior}, and a third to a half of them are tangles,
not sheep: the KL weight had reached only {kl_weight:.2f} of its 0.5 when training stopped, and
the codes of the training sheep do not fill the prior (chapter 4 of the book).

## How it was trained

```bash
{command}
```

- {step:,d} steps of 100 sketches ({hours:.1f} hours of training over several sessions, on
  2-core x86_64 CPUs with AVX512-BF16; Python 3.11, TensorFlow 2.21, Keras 3.15; recurrence in
  mixed bfloat16, weights, heads and loss in float32). The weights are the best checkpoint by
  validation cost, which was the last.
- Why it stopped at {step:,d} of the command's 40,000: the line-up had stayed near chance for
  20,000 steps while the validation loss crept down, and the reference's learning rate had
  decayed to {learning_rate:.1e}; the remaining steps would learn ever more slowly.
  `data/sheep_vae.md` has the run's history, checkpoint by checkpoint.
- Everything else is the reference's (`hparams.json`): batch 100, Adam with learning rate 1e-3
  decaying by 0.9999 a step to 1e-5, gradients clipped to [-1, 1], recurrent dropout keep 0.9,
  scale augmentation 0.15, point dropping 0.1, `max_seq_len` 250; KL weight annealed per step
  as $0.5 - 0.49 \\cdot 0.99995^t$ ({kl_weight:.3f} at the last step), free-bits floor 0.2 per
  dimension; the best checkpoint chosen by the validation cost at the fixed KL weight 0.01.
- Normalisation: offsets divided by the training split's scale factor (`data.json`).
- `data/sheep_vae.py` exported it and wrote this card and `results.json`.

![training curves](curve.png)

## Losses of the shipped weights

In float32 with $z = \\mu$, the pen loss masked like the offset loss, divided by
`max_seq_len` = 250; the KL term in nats a dimension (for the whole code, times 128).

| split | $L_R$ | offset $L_s$ | pen $L_p$ | KL |
| --- | ---: | ---: | ---: | ---: |
{losses}

## Licence

The training data, `aaron_sheep`, is Copyright 2006 Aaron Koblin (*The Sheep Market*),
licensed CC BY-NC 4.0 (non-commercial). These weights are derived from it and are shared under
the same licence, CC BY-NC 4.0: non-commercial use, with attribution to Aaron Koblin.
"""

if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs"))
