"""A run's progress in drawings, for deciding whether to train on (two minutes):
    python drafts/sheep_vae/check.py RUN [latest|best]
The line-up of the first 100 test sheep (chance: median rank 50); how many
reconstructions end; what the codes are worth to the teacher-forced decoder (L_R with
its own code and with a neighbour's); what they carry (correlations across the 100
between a property of each original and of its reconstruction at temperature 0.3);
and how many drawings end from codes of the prior, of a Gaussian fitted to training
codes, and of training codes."""
import os, sys
os.environ.setdefault("SKETCHLIB_DATA_DIR", "/work/shared/data")
import numpy as np
from sketchlib import checkpoints, datasets, sampling, similarity, strokes, training

which = sys.argv[2] if len(sys.argv) > 2 else "latest"
model = checkpoints.load_model(sys.argv[1], which)
sheep = datasets.load_dataset("aaron_sheep")
test = list(sheep.test[:100])


def ended(drawings) -> int:
    return int(sampling.ended(drawings, model.hps.max_seq_len).sum())


for tau in (0.1, 0.5):
    rec = sampling.reconstruct(model, test, temperature=tau, seed=0)
    ranks = similarity.identification_ranks(rec, test)
    print(f"temperature {tau}: median rank {np.median(ranks):.0f}, "
          f"first {np.mean(ranks == 1):.0%}, "
          f"top 5 {np.mean(ranks <= 5):.0%}; {ended(rec)} of 100 end")


def properties(sketch):
    sketch = np.asarray(sketch, np.float64)
    min_x, max_x, min_y, max_y = strokes.bounds(sketch)
    width, height = max_x - min_x + 1e-9, max_y - min_y + 1e-9
    return {"rows": len(sketch), "strokes": sketch[:, 2].sum(), "width": width,
            "step length": np.linalg.norm(sketch[:, :2], axis=1).mean(),
            "aspect": np.log(width / height)}


rec = sampling.reconstruct(model, test, temperature=0.3, seed=0)
originals, copies = [properties(s) for s in test], [properties(s) for s in rec]
print("what the codes carry (correlation, original vs reconstruction at 0.3):",
      ", ".join(
    f"{k} {np.corrcoef([p[k] for p in originals], [c[k] for c in copies])[0, 1]:+.2f}"
    for k in originals[0]))
worth = training.code_worth(model, test)
print(f"L_R {worth['reconstruction']:.3f} with their own codes, "
      f"{worth['reconstruction_with_neighbour']:.3f} with a neighbour's "
      f"(worth {worth['worth']:.3f})")

# Where "new" sheep should come from: codes from the prior N(0, I), from a Gaussian
# fitted to the codes of 1,000 training sheep (z = mu + sigma eps), or those codes
# themselves.
train = list(sheep.train[:1000])
codes = sampling.encode(model, train, sample_z=True, seed=0)
rng = np.random.default_rng(1)
sources = {"N(0, I)": rng.standard_normal((100, codes.shape[1])),
           "a Gaussian fitted to training codes": rng.multivariate_normal(
               codes.mean(0), np.cov(codes.T), size=100),
           "training codes": codes[:100]}
ends = {name: ended(sampling.decode(model, z.astype("float32"), 0.4, seed=0))
        for name, z in sources.items()}
print("of 100 drawn at 0.4, ending:",
      ", ".join(f"{n} from {name}" for name, n in ends.items()))
