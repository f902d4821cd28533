#!/usr/bin/env bash
# The book's reference-size runs, for a GPU machine with JAX and no TensorFlow (the project's
# lent device): the conditional sheep model of chapter 4 at the reference size, then chapter
# 6's three decoder cells (data/cell_comparison.py's runs, padded otherwise: see below), each
# for its share of a time budget, stopped by SIGINT and resumable.
#
#   bash data/gpu_runs.sh SECONDS [RUNS_DIR]
#
# The budget is shared 55 : 15 : 15 : 15 among sheep_vae_ref, cells_lstm, cells_layer_norm
# and cells_hyper; GPU_RUNS_ONLY="sheep_vae_ref" (names, space-separated) runs only those,
# with the whole budget shared among them.
#
# The machine needs, beside the repository: wheels of keras 3.15.1, namex and optree in .whl/
# (Python 3.12, manylinux x86-64; training imports nothing else that the machine lacks) and
# aaron_sheep.npz in .data/; both folders are ignored here (.git/info/exclude) and carried.
# What comes back, in $OUT (or RUNS_DIR when $OUT is unset): gpu_runs.log and the runs as
# gpu_runs.tar.part-aa, -ab, ... (at most 15 MB each); put them back together with
# `cat gpu_runs.tar.part-* | tar -x -C runs`, then go on with the same `sketchlib train ...
# --resume` here (the run names are the folder names).
#
# Prepare once here, in the repository root:
#   printf '/.whl/\n/.data/\n' >> .git/info/exclude; mkdir -p .data
#   cp "$SKETCHLIB_DATA_DIR/aaron_sheep.npz" .data/
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
#     -d .whl keras==3.15.1 namex optree
# then call the device with command "bash data/gpu_runs.sh 480", carry [".whl", ".data"] and
# a timeout of 560 s (the budget, the installs, the first compiles and the packing).
#
# Tried on a CPU (tiny sizes through GPU_RUNS_SIZE): a run stopped by the clock keeps its last
# checkpoint and says so, a finished one is skipped, and a checkpoint written under JAX
# resumes under TensorFlow here. Resume the runs with the command the log shows, which pads
# to max_seq_len, not with cell_comparison.py's (--group-by-length --bfloat16).
#
# Padding is to max_seq_len (no --group-by-length): under JAX every new batch shape is
# compiled anew (about 10 s a shape on a CPU), and one shape is cheaper there than ten.
set -uo pipefail
budget=${1:?usage: bash data/gpu_runs.sh SECONDS [RUNS_DIR]}
runs=${2:-/tmp/gpu_runs}
out=${OUT:-$runs}
declare -A SHARE=([sheep_vae_ref]=55 [cells_lstm]=15 [cells_layer_norm]=15 [cells_hyper]=15)
chosen=(${GPU_RUNS_ONLY:-sheep_vae_ref cells_lstm cells_layer_norm cells_hyper})
total=0
for name in "${chosen[@]}"; do
  [ -n "${SHARE[$name]:-}" ] || { echo "gpu_runs.sh: no run named $name" >&2; exit 2; }
  total=$((total + SHARE[$name]))
done
mkdir -p "$runs" "$out"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} KERAS_BACKEND=jax PYTHONUNBUFFERED=1
export SKETCHLIB_DATA_DIR=${SKETCHLIB_DATA_DIR:-$PWD/.data}
log=$out/gpu_runs.log
SIZE=${GPU_RUNS_SIZE:-}  # extra hyper-parameters, for a trial of this script on a CPU
SAVE_EVERY=${GPU_RUNS_SAVE_EVERY:-500}

train() {  # name, seconds, then the arguments of sketchlib train after the data and log root
  local name=$1 seconds=$2
  shift 2
  local resume=()
  [ -f "$runs/$name/latest.json" ] && resume=(--resume)
  echo "== $name: $seconds s: sketchlib train --data aaron_sheep --log-root $name $*" | tee -a "$log"
  timeout -s INT -k 120 "$seconds" python3 -c \
    'import sys; from sketchlib.cli import main; sys.exit(main())' train --data aaron_sheep \
    --log-root "$runs/$name" --seed 0 --verbose 2 "${resume[@]}" "$@" >> "$log" 2>&1
  echo "== $name: exit $?" | tee -a "$log"
}

nvidia-smi --query-gpu=name,memory.total --format=csv,noheader >> "$log" 2>&1
python3 -c 'import jax; print("jax", jax.__version__, jax.devices())' >> "$log" 2>&1
for name in "${chosen[@]}"; do
  seconds=$((budget * SHARE[$name] / total))
  if [ "$name" = sheep_vae_ref ]; then
    train "$name" "$seconds" --conditional --hparams \
      "enc_model=layer_norm,dec_model=layer_norm,num_steps=100000,save_every=$SAVE_EVERY${SIZE:+,$SIZE}"
  else
    train "$name" "$seconds" --hparams \
      "dec_model=${name#cells_},dec_rnn_size=256,num_steps=30000,save_every=$SAVE_EVERY${SIZE:+,$SIZE}"
  fi
done
# Only the newest and the best checkpoint of each run travel back (training keeps no others).
tar -C "$runs" -cf - "${chosen[@]}" 2>> "$log" |
  split -b 15m - "$out/gpu_runs.tar.part-"
ls -l "$out" >> "$log"
