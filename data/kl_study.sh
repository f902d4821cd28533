#!/bin/bash
# The short runs of chapter 4's "too much or too little KL": three small conditional sheep
# models that differ only in their KL weight w, constant (no annealing: kl_weight_start = w),
# and the free-bits floor kl_tolerance; exported to data/pretrained/kl_study_*. Run from the
# repository root with SKETCHLIB_DATA_DIR set; resumable; about 3 x 10 minutes on 2 cores.
# Usage: bash data/kl_study.sh [runs folder, default runs/]
set -euo pipefail
runs=${1:-runs}
small="enc_rnn_size=64,dec_rnn_size=128,z_size=32,num_steps=2000,save_every=250"
for setting in "w0.01_free0:0.01:0" "w1_free0:1:0" "w1_free0.2:1:0.2"; do
  IFS=: read -r name weight tolerance <<< "$setting"
  log_root="$runs/kl_study_$name"
  resume=""; [ -f "$log_root/hparams.json" ] && resume="--resume"
  sketchlib train --data aaron_sheep --log-root "$log_root" --conditional --group-by-length \
    --bfloat16 $resume --verbose 0 --hparams "$small,kl_weight=$weight,kl_weight_start=$weight,kl_tolerance=$tolerance"
  python - "$log_root" "data/pretrained/kl_study_$name" "$weight" "$tolerance" "$small" <<'PY'
import sys
from pathlib import Path
from sketchlib import checkpoints
log_root, destination, weight, tolerance, small = sys.argv[1:]
checkpoints.export_model(log_root, destination, "latest")
(Path(destination) / "MODEL_CARD.md").write_text(f"""# {Path(destination).name}

A small conditional Sketch-RNN for chapter 4's comparison of KL weights, not for drawing:
encoder 64 units each way, decoder LSTM 128, z 32, trained for 2,000 steps on aaron_sheep
with a constant KL weight of {weight} (no annealing) and a free-bits floor (`kl_tolerance`) of
{tolerance};
all else as the reference. The weights are those of the last step (2,000). Made by
`bash data/kl_study.sh`:

```bash
sketchlib train --data aaron_sheep --log-root {log_root} --conditional --group-by-length \\
    --bfloat16 --hparams {small},kl_weight={weight},kl_weight_start={weight},kl_tolerance={tolerance}
```

Licence: trained on aaron_sheep, Copyright 2006 Aaron Koblin (*The Sheep Market*), CC BY-NC
4.0; these weights are shared under the same licence, CC BY-NC 4.0.
""")
PY
done
