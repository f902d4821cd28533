"""What the experiment scripts of data/ share: run each training as one recorded
``sketchlib train`` command, in turn, resumable (a finished run is skipped, a begun one
resumed from its latest checkpoint)."""

import json
import subprocess
import sys
from pathlib import Path

from sketchlib import checkpoints


def finished(log_root: Path, steps: int) -> bool:
    """Whether the run in ``log_root`` has saved its checkpoint of step ``steps``."""
    latest = log_root / "latest.json"
    return latest.exists() and json.loads(latest.read_text())["step"] >= steps


def run_recorded(command: list[str], log_root: Path, steps: int) -> None:
    """Print ``command`` (``["sketchlib", "train", ...]``) and run it with this Python until
    the run in ``log_root`` reaches ``steps``, adding ``--resume`` to a run already begun."""
    print("$", " ".join(command), flush=True)
    if finished(log_root, steps):
        return
    resume = ["--resume"] if (log_root / "hparams.json").exists() else []
    subprocess.run([sys.executable, "-m", "sketchlib.cli", *command[1:], *resume], check=True)


def trained_and_exported(command: list[str], log_root: Path, steps: int, destination: Path):
    """:func:`run_recorded`, then export the run's last checkpoint to ``destination`` (a
    shipped model's folder) and load it from there."""
    run_recorded(command, log_root, steps)
    checkpoints.export_model(log_root, destination, "latest")
    return checkpoints.load_model(destination)
