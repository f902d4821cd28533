"""Data-parallel training (sketchlib.distribute, ``sketchlib train --distribute``) on two
virtual CPU devices, against the same runs on one device.

JAX fixes its backend and its number of CPU devices when it starts, so the runs are made in
other processes (KERAS_BACKEND=jax, XLA_FLAGS=--xla_force_host_platform_device_count=2), once,
in the JAX pass of the tests; the TensorFlow pass tests the error that ``--distribute`` gives
there.

Tolerance: on two devices, each computes the gradients of its half of the batch and the halves
are then added, float32 additions in another order than one device's, so the weights may differ
in their last bits (measured: at most 3e-8 after 4 steps). ``ATOL = 1e-6`` allows for that and is
a thousandth of what one Adam step moves a weight (about the learning rate, 1e-3): another
batch, dropout mask or step would exceed it by far.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest

from sketchlib.checkpoints import read_log
from sketchlib.cli import main
from sketchlib.datasets import save_npz
from sketchlib.pretrained import load
from sketchlib.synthetic import synthetic_splits
from sketchlib.checkpoints import device_history

ATOL = 1e-6
HPARAMS = "dec_rnn_size=16,num_mixture=3,batch_size=10,save_every=2"

JAX_MISSING = importlib.util.find_spec("jax") is None
needs_jax = pytest.mark.skipif(
    JAX_MISSING or keras.backend.backend() != "jax",
    reason="jax is not installed (pip install -e '.[jax]')" if JAX_MISSING else
    "the runs on two devices are made once, in the JAX pass: KERAS_BACKEND=jax python -m "
    "pytest tests/test_distribute.py")

#: Runs ``sketchlib.cli.main`` on each argument list of ``argv[1]`` (JSON) in one process
#: (JAX starts once), then prints their exit statuses as the last line.
MAIN_EACH = ("import json, sys\nfrom sketchlib.cli import main\n"
             "codes = [main(arguments) for arguments in json.loads(sys.argv[1])]\n"
             "print(json.dumps(codes))")


def jax_environment(devices: int, **variables) -> dict:
    """The environment of a process of Keras on JAX with ``devices`` CPU devices."""
    return {**os.environ, "KERAS_BACKEND": "jax",
            "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}", **variables}


def train_command(npz, log_root, steps: int, *options, hparams=HPARAMS) -> list[str]:
    return ["train", "--data", str(npz), "--log-root", str(log_root), "--verbose", "0",
            "--hparams", f"{hparams},num_steps={steps}", *options]


@pytest.fixture(scope="module")
def npz(tmp_path_factory):
    """Raw synthetic splits (40/20/10 sketches) as a sketch-rnn .npz file."""
    return save_npz(tmp_path_factory.mktemp("data") / "shapes.npz",
                    synthetic_splits(40, 20, 10, seed=1))


@pytest.fixture(scope="module")
def runs(npz, tmp_path_factory):
    """Runs of 4 steps from seed 0 in one process with two CPU devices: ``one`` (without
    --distribute: one device), ``two`` (--distribute), ``one_then_two`` and ``two_then_one``
    (2 steps, then resumed with the other setting), and ``odd`` (batch_size=5 over two
    devices: refused). ``(root, {name: exit status}, stderr)``."""
    root = tmp_path_factory.mktemp("runs")
    commands = {
        "one": [train_command(npz, root / "one", 4)],
        "two": [train_command(npz, root / "two", 4, "--distribute")],
        "one_then_two": [train_command(npz, root / "one_then_two", 2),
                         train_command(npz, root / "one_then_two", 4, "--resume",
                                       "--distribute")],
        "two_then_one": [train_command(npz, root / "two_then_one", 2, "--distribute"),
                         train_command(npz, root / "two_then_one", 4, "--resume")],
        "odd": [train_command(npz, root / "odd", 4, "--distribute",
                              hparams=HPARAMS + ",batch_size=5")],
    }
    every = [arguments for run in commands.values() for arguments in run]
    done = subprocess.run([sys.executable, "-c", MAIN_EACH, json.dumps(every)],
                          capture_output=True, text=True, env=jax_environment(2), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    codes = iter(json.loads(done.stdout.splitlines()[-1]))
    statuses = {name: [next(codes) for _ in arguments] for name, arguments in commands.items()}
    return root, statuses, done.stderr


def weights(log_root) -> list[np.ndarray]:
    return [np.asarray(weight) for weight in load(log_root, which="latest").weights]


def max_difference(first, second) -> float:
    """The largest difference between the weights of the latest checkpoints of two runs."""
    return max(float(np.abs(a - b).max()) for a, b in zip(weights(first), weights(second)))


def recorded_devices(log_root) -> list[tuple[int, int]]:
    return device_history(json.loads((log_root / "data.json").read_text()))


@needs_jax
def test_two_devices_train_as_one(runs):
    """4 steps with --distribute on two devices end with the weights (and log) of 4 steps on
    one; data.json says on how many devices each trained."""
    root, statuses, _ = runs
    assert statuses["one"] == statuses["two"] == [0]
    assert max_difference(root / "one", root / "two") < ATOL
    one, two = read_log(root / "one" / "log.csv"), read_log(root / "two" / "log.csv")
    for column in ("step", "loss", "offset_loss", "pen_loss", "val_loss"):
        np.testing.assert_allclose(two[column], one[column], rtol=1e-5)
    assert recorded_devices(root / "one") == [(0, 1)]
    assert recorded_devices(root / "two") == [(0, 2)]


@needs_jax
@pytest.mark.parametrize("name, devices", [("one_then_two", [(0, 1), (2, 2)]),
                                           ("two_then_one", [(0, 2), (2, 1)])])
def test_a_run_resumes_on_another_number_of_devices(runs, name, devices):
    """A run started on one device goes on with --distribute on two (and the other way): its
    weights are those of an uninterrupted run, and data.json records the change with its
    step."""
    root, statuses, _ = runs
    assert statuses[name] == [0, 0]
    assert max_difference(root / "one", root / name) < ATOL
    assert recorded_devices(root / name) == devices
    assert list(read_log(root / name / "log.csv")["step"]) == [2, 4]


@needs_jax
def test_a_batch_must_divide_over_the_devices(runs):
    root, statuses, stderr = runs
    assert statuses["odd"] == [2]
    assert ("sketchlib train: error: batch_size=5 does not divide over the 2 devices found "
            "(cpu:0, cpu:1): choose a multiple of 2\n") in stderr
    assert not (root / "odd").exists()


@needs_jax
def test_two_processes_train_as_one_device(runs, npz, tmp_path):
    """Two processes of one device each (two hosts, as keras.distribution.initialize joins
    them), each with its own log root, each feeding its half of every batch: both end with the
    weights of the run on one device."""
    root = runs[0]
    with socket.socket() as probe:  # a free port for process 0, the coordinator
        probe.bind(("localhost", 0))
        port = probe.getsockname()[1]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "sketchlib.cli",
             *train_command(npz, tmp_path / f"host{index}", 4, "--distribute")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=jax_environment(1, KERAS_DISTRIBUTION_JOB_ADDRESSES=f"localhost:{port}",
                                KERAS_DISTRIBUTION_NUM_PROCESSES="2",
                                KERAS_DISTRIBUTION_PROCESS_ID=str(index)))
        for index in range(2)]
    try:
        outputs = [process.communicate(timeout=600) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for process, (_, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
    for index in range(2):
        assert max_difference(root / "one", tmp_path / f"host{index}") < ATOL
        assert recorded_devices(tmp_path / f"host{index}") == [(0, 2)]


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="the error of the TensorFlow backend")
def test_distribute_needs_jax_under_tensorflow(npz, tmp_path, capsys):
    """Keras's distribution API is ignored by the TensorFlow backend (it would train on one
    device): --distribute is a one-line error there, and nothing is written."""
    log_root = tmp_path / "run"
    assert main(train_command(npz, log_root, 4, "--distribute")) == 2
    err = capsys.readouterr().err
    assert err == ("sketchlib train: error: distributed training needs the JAX backend "
                   "(KERAS_BACKEND=jax); the tensorflow backend ignores Keras's distribution "
                   "API and would train on one device\n")
    assert not log_root.exists()
