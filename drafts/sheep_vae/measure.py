"""Export the best checkpoint of the VAE run as data/pretrained/sheep_vae; print the card's
numbers; write samples.png, reconstructions.png, curve.png (MODEL_CARD.md kept)."""
import os, sys, json, shutil
os.environ.setdefault("SKETCHLIB_DATA_DIR", "/work/shared/data")
import numpy as np
import matplotlib; matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator
from sketchlib import checkpoints, datasets, pretrained, sampling, training, draw, similarity
from sketchlib.benchmark import _machine
from sketchlib.model import count_parameters

run, dest = sys.argv[1], sys.argv[2]
if "--export" in sys.argv:
    cardp = os.path.join(dest, "MODEL_CARD.md")
    card = open(cardp).read() if os.path.exists(cardp) else None
    shutil.rmtree(dest, ignore_errors=True)
    checkpoints.export_model(run, dest, "best")
    if card: open(cardp, "w").write(card)
model = pretrained.load(dest)
best = json.load(open(os.path.join(run, "best.json")))
log = checkpoints.read_log(os.path.join(run, "log.csv"))
print("machine:", _machine())
n_train = count_parameters(model)
print(f"best step {best['step']}, last step {int(log['step'][-1])}, training seconds at best "
      f"{best['seconds']:.0f}, at last {log['seconds'][-1]:.0f}; trainable params {n_train:,d}")
sheep = datasets.load_dataset("aaron_sheep")
print("| split | reconstruction $L_R$ | offset $L_s$ | pen $L_p$ | KL |\n| --- | ---: | ---: | ---: | ---: |")
for split in ("train", "valid", "test"):
    r = training.evaluate(model, sheep.split(split))
    print(f"| {split} | {r['offset_loss'] + r['pen_loss']:.4f} | {r['offset_loss']:.4f} | {r['pen_loss']:.4f} | {r['kl']:.4f} |")
test = list(sheep.test)
print("| temperature | own original first | in the top 5 | median rank | reconstructions that end | samples from N(0, I) that end |\n| ---: | ---: | ---: | ---: | ---: | ---: |")
for tau in (0.1, 0.3, 0.5, 0.8, 1.0):
    rec = sampling.reconstruct(model, test, temperature=tau, seed=0)
    ranks = similarity.identification_ranks(rec, test)
    ended = sampling.ended(rec, model.hps.max_seq_len).sum()
    prior_ended = sampling.end_counts(model, (tau,))[tau]
    default = " (default)" if tau == sampling.DEFAULT_TEMPERATURE else ""
    print(f"| {tau}{default} | {np.mean(ranks == 1):.0%} | {np.mean(ranks <= 5):.0%} | {np.median(ranks):.0f} | {ended} of {len(test)} | {prior_ended} of 100 |")
samples = sampling.sample(model, 20, seed=0)
print("samples ended", sampling.ended(samples, model.hps.max_seq_len).sum(), "of 20")
draw.plot_grid(samples, ncols=10, size=1.3, linewidth=1.2).savefig(os.path.join(dest, "samples.png"), dpi=100)
pick = test[:10]
rec = sampling.reconstruct(model, pick, seed=0)
draw.plot_grid(pick + rec, ncols=10, size=1.3, linewidth=1.2).savefig(os.path.join(dest, "reconstructions.png"), dpi=100)
steps_fmt = FuncFormatter(lambda x, _: f"{x / 1000:g}k" if abs(x) >= 1000 else f"{x:g}")
fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.2))
for ax, (tr, va, label) in zip(axes, [(log["offset_loss"] + log["pen_loss"], log["val_offset_loss"] + log["val_pen_loss"], "reconstruction loss $L_R$"), (log["kl"], log["val_kl"], "KL")]):
    ax.plot(log["step"], tr, label="training"); ax.plot(log["step"], va, label="validation")
    ax.axvline(best["step"], color="grey", linestyle=":", label=f"best, step {best['step']:,d}")
    ax.set_title(label); ax.set_xlabel("training step"); ax.legend(fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(5)); ax.xaxis.set_major_formatter(steps_fmt)
fig.tight_layout(); fig.savefig(os.path.join(dest, "curve.png"), dpi=100)
