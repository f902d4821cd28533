"""What the experiment scripts of data/ share: run each training as one recorded
``sketchlib train`` command, in turn, resumable (a finished run is skipped, a begun one
resumed from its latest checkpoint)."""

import json
import subprocess
import sys
from pathlib import Path

from sketchlib import checkpoints


def chosen(names: list[str], runs) -> list[str]:
    """The runs a script's command line names (all of ``runs`` when it names none); an
    unknown name is a one-line error and exit status 2."""
    unknown = sorted(set(names) - set(runs))
    if unknown:
        print(f"unknown runs {', '.join(unknown)}; the runs are {', '.join(runs)}",
              file=sys.stderr)
        sys.exit(2)
    return list(names or runs)


def finished(log_root: Path, steps: int) -> bool:
    """Whether the run in ``log_root`` has saved its checkpoint of step ``steps``."""
    latest = log_root / "latest.json"
    return latest.exists() and json.loads(latest.read_text())["step"] >= steps


def bfloat16_arithmetic(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this machine's CPU computes in bfloat16 (AVX512-BF16 or AMX, among the flags of
    ``cpuinfo``): without it, ``--bfloat16`` is emulated and slower than float32 (5.4 s
    against 3.1 s a HyperLSTM step on an AVX2-only 2-core CPU)."""
    flags = set(cpuinfo.read_text().split()) if cpuinfo.exists() else set()
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def run_recorded(command: list[str], log_root: Path, steps: int) -> None:
    """Print ``command`` (``["sketchlib", "train", ...]``) and run it with this Python until
    the run in ``log_root`` reaches ``steps``, adding ``--resume`` to a run already begun.
    A resumed run of a ``--bfloat16`` command goes on in the precision this machine computes
    faster (the switch is recorded in the run's ``data.json``)."""
    print("$", " ".join(command), flush=True)
    if finished(log_root, steps):
        return
    arguments = command[1:]
    if (log_root / "hparams.json").exists():
        faster = "--bfloat16" if bfloat16_arithmetic() else "--float32"
        arguments = [faster if a == "--bfloat16" else a for a in arguments] + ["--resume"]
    subprocess.run([sys.executable, "-m", "sketchlib.cli", *arguments], check=True)


def trained_and_exported(command: list[str], log_root: Path, steps: int, destination: Path):
    """:func:`run_recorded`, then export the run's last checkpoint to ``destination`` (a
    shipped model's folder) and load it from there."""
    run_recorded(command, log_root, steps)
    checkpoints.export_model(log_root, destination, "latest")
    return checkpoints.load_model(destination)
