"""Chapter 5's small version of the paper's Table 1, exported to data/pretrained/kl_tradeoff_*:
the same small Sketch-RNN trained on aaron_sheep for the same number of steps, as a
decoder-only model; as a VAE with KL weights 0.25, 0.5 and 1.0 (annealed, free bits 0.2); with
weight 0.5 held constant (free bits, no annealing); with weight 1.0 and neither annealing nor
free bits (posterior collapse); and with the three weights annealed but without free bits;
the decoder-only model and weight 0.5 without free bits again from seeds 1 and 2.

Each run is one ``sketchlib train`` command (printed, and written into its model card), run
in turn and resumable: run this script again after an interruption and each run continues
from its latest checkpoint (finished runs are skipped). About 13 x 10 minutes on a 2-core CPU.
Run from the repository root: ``python data/kl_tradeoff.py [runs folder] [run name ...]``
(``SKETCHLIB_DATA_DIR`` must name the folder that holds aaron_sheep.npz); names choose some
of the runs, for example the ones whose exports are missing."""

import json
import sys
from pathlib import Path

import numpy as np

from recorded_runs import chosen, trained_and_exported
from sketchlib import checkpoints, datasets, draw, latent, sampling, similarity, training

STEPS = 3000
SIZE = (f"enc_rnn_size=64,dec_rnn_size=128,z_size=32,num_steps={STEPS},save_every=500,"
        "kl_decay_rate=0.999")
RUNS = {  # name: the hyper-parameters that differ (None: the decoder-only model)
    "kl_tradeoff_decoder_only": None,
    "kl_tradeoff_w0.25": "kl_weight=0.25",
    "kl_tradeoff_w0.5": "kl_weight=0.5",
    "kl_tradeoff_w1": "kl_weight=1.0",
    "kl_tradeoff_w0.5_constant": "kl_weight=0.5,kl_weight_start=0.5",
    "kl_tradeoff_w1_no_annealing": "kl_weight=1.0,kl_weight_start=1.0,kl_tolerance=0.0",
    # the three weights again without the floor, where the weight alone sets the KL
    "kl_tradeoff_w0.25_no_floor": "kl_weight=0.25,kl_tolerance=0.0",
    "kl_tradeoff_w0.5_no_floor": "kl_weight=0.5,kl_tolerance=0.0",
    "kl_tradeoff_w1_no_floor": "kl_weight=1.0,kl_tolerance=0.0",
    # two of them again from other seeds: how far runs of one setting differ
    "kl_tradeoff_decoder_only_seed1": None,
    "kl_tradeoff_decoder_only_seed2": None,
    "kl_tradeoff_w0.5_no_floor_seed1": "kl_weight=0.5,kl_tolerance=0.0",
    "kl_tradeoff_w0.5_no_floor_seed2": "kl_weight=0.5,kl_tolerance=0.0",
}
LINE_UP = 100  # the first test sheep, for the identification ranks


def command(name: str, runs: Path) -> list[str]:
    """The ``sketchlib train`` command of one run (add ``--resume`` to continue it); the seed
    is 0 unless the name ends in ``_seed<n>``."""
    vae = ["--conditional"] if RUNS[name] else []
    seed = name.rpartition("_seed")[2] if "_seed" in name else "0"
    return ["sketchlib", "train", "--data", "aaron_sheep", "--log-root", str(runs / name),
            *vae, "--group-by-length", "--seed", seed, "--verbose", "2",
            "--hparams", ",".join(filter(None, [SIZE, RUNS[name]]))]


def measure(model, test) -> dict:
    """Test-split losses of the final weights (a VAE's also with a neighbour's code: the worth
    of the code), and how well reconstructions at temperature 0.1 pick out their own original
    among the first ``LINE_UP`` test sheep."""
    conditional = model.hps.conditional
    losses = latent.code_worth(model, test) if conditional else training.evaluate(model, test)
    line_up = test[:LINE_UP]
    ranks = similarity.identification_ranks(
        latent.reconstruct(model, line_up, temperature=0.1, seed=0)
        if conditional else sampling.sample(model, LINE_UP, 0.1, seed=0), line_up)
    return {"reconstruction": losses["offset_loss"] + losses["pen_loss"],
            "offset": losses["offset_loss"], "pen": losses["pen_loss"],
            "kl": losses.get("kl"),
            "reconstruction_with_neighbour": losses.get("reconstruction_with_neighbour"),
            "worth": losses.get("worth"), "median_rank": float(np.median(ranks)),
            "rank_1": float((ranks == 1).mean()),
            "ended": sampling.end_counts(model, (0.2, 0.4, 0.5))}


def main(runs: Path, names: list[str]) -> None:
    names = chosen(names, RUNS)
    test = list(datasets.load_dataset("aaron_sheep").test)
    for name in names:
        destination = Path(__file__).parent / "pretrained" / name
        model = trained_and_exported(command(name, runs), runs / name, STEPS, destination)
        numbers = measure(model, test)
        (destination / "results.json").write_text(json.dumps(numbers, indent=1) + "\n")
        shown = test[:10] if model.hps.conditional else []
        drawings = (latent.reconstruct(model, shown, temperature=0.1, seed=0) if shown
                    else sampling.sample(model, 10, 0.1, seed=0))
        draw.plot_grid(shown + list(drawings), ncols=10, size=1.0, linewidth=1.0).savefig(
            destination / "drawings.png", dpi=80)
        seconds = checkpoints.read_log(runs / name / "log.csv")["seconds"][-1]
        (destination / "MODEL_CARD.md").write_text(CARD.format(
            name=name, command=" ".join(command(name, Path("runs"))), steps=STEPS,
            kl=_kl_setting(model.hps), seconds=seconds, what=WHAT[model.hps.conditional],
            **_card_numbers(numbers)))
        print(f"{name}: {numbers}", flush=True)


def _kl_setting(hps) -> str:
    if not hps.conditional:
        return "decoder only (no encoder, no KL term)"
    floor = f"free bits {hps.kl_tolerance}" if hps.kl_tolerance else "no free bits"
    if hps.kl_weight_start == hps.kl_weight:
        return f"KL weight {hps.kl_weight} from the first step (no annealing), {floor}"
    return (f"KL weight annealed from {hps.kl_weight_start} towards {hps.kl_weight} with "
            f"`kl_decay_rate` {hps.kl_decay_rate} (the reference's 0.99995 would bring it to "
            f"only 15 % of its target in 3,000 steps), {floor}")


def _card_numbers(numbers: dict) -> dict:
    kl = "" if numbers["kl"] is None else f", KL {numbers['kl']:.3f}"
    return {"losses": f"L_R {numbers['reconstruction']:.3f} (offset {numbers['offset']:.3f}, "
                      f"pen {numbers['pen']:.3f}){kl}",
            "ranks": ("Reconstructions at temperature 0.1 of the first 100 test sheep" if kl
                      else "100 drawings at temperature 0.1, a baseline without codes,")
                     + f" lined up against those 100 test sheep by Chamfer distance: median "
                       f"rank {numbers['median_rank']:.0f}, first for {numbers['rank_1']:.0%}",
            "ended": ", ".join(f"{n} at {tau}" for tau, n in numbers["ended"].items())}


WHAT = {True: "Top row: the first ten test sheep; bottom row: their reconstructions at "
              "temperature 0.1 (seed 0).",
        False: "Ten drawings at temperature 0.1 (seed 0): a decoder-only model has no code, "
               "so it cannot reconstruct."}
CARD = """# {name}

A small Sketch-RNN for chapter 5's comparison of KL weights, not for drawing: encoder LSTM 64
units each way, decoder LSTM 128, $N_z$ = 32, batch 100, {steps:,d} steps on aaron_sheep
({seconds:.0f} s on a 2-core CPU); {kl}; all else as the reference. The weights are those of
the last step. Made by `python data/kl_tradeoff.py`, which ran

    {command}

![drawings](drawings.png)

{what}

Test split: {losses}. {ranks} (chance: 50, 1 %). Of 100 drawings from nothing
(a VAE's from codes drawn from N(0, I); seed 0), these many end within `max_seq_len` at
temperatures 0.2, 0.4 and 0.5: {ended}.

The training data, `aaron_sheep`, is Copyright 2006 Aaron Koblin (*The Sheep Market*),
licensed CC BY-NC 4.0 (non-commercial); these weights are derived from it and are shared under
the same licence, with attribution to Aaron Koblin.
"""

if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs"), sys.argv[2:])
