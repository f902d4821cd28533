"""The command line (sketchlib.cli.main): train, resume and sample end to end on a synthetic
.npz, and the one-line errors (status 2) that leave an existing run untouched."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from sketchlib.cli import main
from sketchlib.hparams import HParams
from sketchlib.pretrained import load
from sketchlib.sampling import DEFAULT_TEMPERATURE, sample
from sketchlib.checkpoints import find_checkpoint
from sketchlib.strokes import stroke3_to_polylines
from sketchlib.synthetic import synthetic_splits
from sketchlib.checkpoints import precision_history

SVG = "{http://www.w3.org/2000/svg}"
HPARAMS = "dec_rnn_size=16,num_mixture=3,batch_size=10,max_seq_len=60,save_every=2"


@pytest.fixture(scope="module")
def npz(tmp_path_factory):
    """Raw synthetic splits (int16 stroke-3, 40/20/10 sketches) as a sketch-rnn .npz file."""
    splits = synthetic_splits(40, 20, 10, seed=1)
    path = tmp_path_factory.mktemp("data") / "shapes.npz"
    arrays = {}
    for split, sketches in splits.items():
        arrays[split] = np.empty(len(sketches), dtype=object)
        arrays[split][:] = sketches
    np.savez(path, **arrays)
    return path


@pytest.fixture(scope="module")
def run(npz, tmp_path_factory):
    """A log root trained for 4 steps by ``sketchlib train`` (read-only)."""
    log_root = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", "--data", str(npz), "--log-root", str(log_root),
                 "--hparams", HPARAMS + ",num_steps=4", "--verbose", "0"]) == 0
    return log_root


def log_steps(log_root):
    with (log_root / "log.csv").open(newline="") as file:
        return [int(row["step"]) for row in csv.DictReader(file)]


def snapshot(folder):
    """Every file under ``folder``: relative path -> (bytes, mtime)."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_error(capsys, command):
    """The single stderr line of a failed command, without its prefix."""
    err = capsys.readouterr().err
    assert err.endswith("\n") and err.count("\n") == 1, err
    prefix = f"sketchlib {command}: error: "
    assert err.startswith(prefix), err
    return err[len(prefix):]


def test_train_then_resume(npz, tmp_path, capsys):
    """train writes a run (a log row per interval); --resume with num_steps raised carries
    it on from its latest checkpoint."""
    log_root = tmp_path / "run"
    arguments = ["train", "--data", str(npz), "--log-root", str(log_root), "--verbose", "0"]
    assert main(arguments + ["--hparams", HPARAMS + ",num_steps=4"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"training on .*shapes\.npz: 40 sketches \(longest 55 steps\), scale "
                     r"factor \d+\.\d{3}; one progress-bar epoch = 2 steps", out)
    assert f"draw with: sketchlib sample --model {log_root} --out samples.svg" in out
    assert log_steps(log_root) == [2, 4]
    hps = HParams.load(log_root / "hparams.json")
    assert (hps.dec_rnn_size, hps.num_mixture, hps.num_steps, hps.conditional) == (
        16, 3, 4, False)
    assert hps.data_set == str(npz)
    assert json.loads((log_root / "data.json").read_text())["names"] == [str(npz)]
    assert main(arguments + ["--resume", "--hparams", HPARAMS + ",num_steps=6"]) == 0
    assert log_steps(log_root) == [2, 4, 6]
    assert HParams.load(log_root / "hparams.json").max_seq_len == 55  # the data's longest
    assert json.loads((log_root / "latest.json").read_text())["step"] == 6
    assert HParams.load(log_root / "hparams.json").num_steps == 6


def test_a_resumed_run_keeps_its_precision_unless_told_and_records_a_change(npz, tmp_path,
                                                                              capsys):
    """Precision is the machine's choice: --resume keeps the run's (bfloat16 here) without a
    flag; --float32 switches it, and data.json records from which step. Both flags at once
    are a one-line error (status 2)."""
    log_root = tmp_path / "run"
    arguments = ["train", "--data", str(npz), "--log-root", str(log_root), "--verbose", "2"]

    def data():
        return json.loads((log_root / "data.json").read_text())

    assert main(arguments + ["--bfloat16", "--hparams", HPARAMS + ",num_steps=2"]) == 0
    assert main(arguments + ["--resume", "--hparams", "num_steps=4"]) == 0
    assert data()["bfloat16"] is True and "precision_changes" not in data()
    assert precision_history(data()) == [(0, True)]
    assert "runs in" not in capsys.readouterr().out
    assert main(arguments + ["--resume", "--float32", "--hparams", "num_steps=6"]) == 0
    assert "from step 4 on, the recurrence runs in float32" in capsys.readouterr().out
    assert data()["bfloat16"] is False
    assert data()["precision_changes"] == [{"step": 4, "bfloat16": False}]
    assert precision_history(data()) == [(0, True), (4, False)]
    assert log_steps(log_root) == [2, 4, 6]
    with pytest.raises(SystemExit) as stop:
        main(arguments + ["--resume", "--float32", "--bfloat16"])
    assert stop.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_sample_svg_holds_the_models_sketches(run, tmp_path, capsys):
    """sample --out x.svg: a grid of the sketches sampling.sample draws for the same model,
    seed and temperature, one <path> per stroke."""
    out = tmp_path / "nested" / "x.svg"
    assert main(["sample", "--model", str(run), "--n", "4", "--seed", "3", "--columns", "2",
                 "--out", str(out)]) == 0
    model = load(run)
    expected = sample(model, 4, DEFAULT_TEMPERATURE, seed=3)
    empty = sum(1 for s in expected if not len(s))  # kept in their places, marked
    assert empty  # this seed draws one that ends at once: the case is tested
    assert capsys.readouterr().out.splitlines() == [
        f"sampling from {find_checkpoint(run, 'best')}",
        f"wrote 4 sketches to {out} ({empty} ended at their first step, shown as '(empty)' "
        "in their place)"]
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert (root.get("width"), root.get("height")) == ("400", "400")
    strokes = sum(len(stroke3_to_polylines(s)) for s in expected if len(s))
    assert len(root.findall(f".//{SVG}path")) == strokes > 0


def test_sample_png(run, tmp_path):
    """sample --out x.png: a PNG image, 200 pixels per grid cell."""
    out = tmp_path / "x.png"
    assert main(["sample", "--model", str(run), "--n", "4", "--checkpoint", "latest",
                 "--greedy", "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    model = load(run, which="latest")
    drawn = sum(1 for s in sample(model, 4, greedy=True) if len(s))
    assert (width, height) == (200 * min(4, drawn), 200 * -(-drawn // 4))


@pytest.mark.parametrize("extra, message", [
    (["--data", "no_such_set"], r"unknown dataset 'no_such_set'"),
    (["--data", "missing.npz"], r"no such file: missing\.npz"),
    (["--hparams", "no_such_key=1"], r"unknown hyper-parameter\(s\) no_such_key; known: "),
    (["--hparams", "dec_rnn_size=abc"], r"dec_rnn_size must be int, got 'abc' \(str\)"),
    (["--hparams", "dec_rnn_size"], r"'dec_rnn_size' must be written name=value"),
    ([], r"already holds a model; pass --resume to continue it, or choose another "
         r"--log-root"),
    (["--resume", "--hparams", HPARAMS + ",num_steps=8,dec_rnn_size=32"],
     r"holds a model with other hyper-parameters \(dec_rnn_size: 16 -> 32\)$"),
])
def test_train_errors_are_one_line_and_touch_nothing(run, npz, capsys, extra, message):
    """Errors a user can fix exit with status 2 and one line on stderr; the run already in
    the log root is left exactly as it was."""
    before = snapshot(run)
    arguments = ["train", "--data", str(npz), "--log-root", str(run), "--verbose", "0",
                 "--hparams", HPARAMS + ",num_steps=4"]
    # Later options win: the case's --data or --hparams replaces the default one.
    assert main(arguments + extra) == 2
    assert re.search(message, one_line_error(capsys, "train"))
    assert snapshot(run) == before


@pytest.mark.parametrize("hparams, message", [
    ("num_mixture=0", "num_mixture must be a positive integer, got 0"),
    ("save_every=0", "save_every must be a positive integer, got 0"),
    ("batch_size=0", "batch_size must be a positive integer, got 0"),
    ("batch_size=-3", "batch_size must be a positive integer, got -3"),
    ("dec_rnn_size=0", "dec_rnn_size must be a positive integer, got 0"),
    ("num_steps=0", "num_steps must be a positive integer, got 0"),
    ("learning_rate=-0.001", "learning_rate must be positive, got -0.001"),
    ("min_learning_rate=0.01", r"min_learning_rate \(0.01\) must not exceed learning_rate"),
    ("grad_clip=0", r"grad_clip must be positive"),
    ("recurrent_dropout_prob=0", r"recurrent_dropout_prob must be a keep probability"),
    ("max_seq_len=0", "max_seq_len must be a positive integer, got 0"),
    ("max_seq_len=2", "no training sketch of at most 2 rows"),
    ("max_seq_len=5", r"9 training sketches \(of at most 5 rows\) is fewer than batch_size=10"),
    ("batch_size=1000", r"40 training sketches \(of at most 55 rows\) is fewer than "
                        "batch_size=1000"),
])
def test_bad_values_are_one_line_errors_before_anything_is_written(npz, tmp_path, capsys,
                                                                   hparams, message):
    """Every bad hyper-parameter value: status 2, one line, and no log root created."""
    log_root = tmp_path / "new"
    assert main(["train", "--data", str(npz), "--log-root", str(log_root), "--verbose", "0",
                 "--hparams", HPARAMS + "," + hparams]) == 2
    assert re.search(message, one_line_error(capsys, "train"))
    assert not log_root.exists()


def test_resume_says_where_it_starts_and_a_finished_run_says_so(run, npz, tmp_path, capsys):
    log_root = tmp_path / "copy"
    shutil.copytree(run, log_root)
    arguments = ["train", "--data", str(npz), "--log-root", str(log_root), "--resume",
                 "--verbose", "2"]
    assert main(arguments) == 0
    assert (f"{log_root} has already reached step 4 of 4: nothing to do (raise num_steps with "
            "--hparams to go on)") in capsys.readouterr().out
    assert main(arguments + ["--hparams", "num_steps=6"]) == 0
    out = capsys.readouterr().out
    assert f"resuming {log_root} from step 4 of 6" in out
    assert re.search(r"finished step 6: best validation loss -?\d+\.\d{4} at step \d+ \(.*"
                     r"ckpt-0000000\d\); latest: .*ckpt-00000006", out)


#: Runs `sketchlib train` and dies like kill -9 (os._exit) just before or just after the n-th
#: rename onto a given name: a checkpoint folder (``ckpt-``) or the ``latest.json`` pointer.
DIE_AT = """
import os, sys
from sketchlib import cli
when, target = sys.argv[1].split(":")
count, original, calls = int(sys.argv[2]), os.replace, []
def dying(source, destination):
    last = os.path.basename(destination).startswith(target) and len(calls) + 1 == count
    calls.extend([1] if os.path.basename(destination).startswith(target) else [])
    if last and when == "before":
        os._exit(9)
    original(source, destination)
    if last:
        os._exit(9)
os.replace = dying
cli.main(sys.argv[3:])
"""


@pytest.mark.parametrize("moment, count", [
    ("before:ckpt-", 1), ("before:latest.json", 1), ("after:latest.json", 1),
    ("before:ckpt-", 2), ("after:latest.json", 2)])
def test_a_kill_at_any_point_of_a_checkpoint_loses_no_log_row(run, npz, tmp_path, moment,
                                                               count):
    """Killed before a checkpoint folder is in place, or before or after latest.json moves
    to it (a kill just after once lost that interval's log row for good), in a brand-new run
    or later: --resume goes on, log.csv ends with every interval once, and the weights equal
    an uninterrupted run's."""
    import subprocess
    import sys

    log_root = tmp_path / "run"
    arguments = ["train", "--data", str(npz), "--log-root", str(log_root), "--verbose", "0",
                 "--hparams", HPARAMS + ",num_steps=4"]
    died = subprocess.run([sys.executable, "-c", DIE_AT, moment, str(count), *arguments],
                          capture_output=True, text=True)
    assert died.returncode == 9, died.stderr
    assert (log_root / "latest.json").exists() == (count == 2 or moment.startswith("after"))
    assert main(arguments + ["--resume"]) == 0
    assert log_steps(log_root) == [2, 4]
    straight, resumed = load(run, which="latest"), load(log_root, which="latest")
    for a, b in zip(straight.weights, resumed.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    pointed = {json.loads((log_root / f"{p}.json").read_text())["checkpoint"]
               for p in ("latest", "best")}
    assert {p.name for p in log_root.iterdir()} == {
        "best.json", "data.json", "hparams.json", "latest.json", "log.csv", *pointed}


def test_resume_of_a_run_killed_before_its_hparams_starts_from_step_0(npz, tmp_path):
    """A brand-new run killed after data.json and before hparams.json (or before any
    checkpoint) must not make --resume refuse: it starts from step 0."""
    log_root = tmp_path / "run"
    log_root.mkdir()
    (log_root / "data.json").write_text("{}")  # as cut short; rewritten by the new start
    (log_root / "ckpt-00000002.tmp").mkdir()  # a checkpoint write that never finished
    assert main(["train", "--data", str(npz), "--log-root", str(log_root), "--resume",
                 "--verbose", "0", "--hparams", HPARAMS + ",num_steps=2"]) == 0
    assert log_steps(log_root) == [2]
    assert not (log_root / "ckpt-00000002.tmp").exists()


def test_ctrl_c_says_where_the_last_checkpoint_is(run, npz, tmp_path, monkeypatch, capsys):
    """Ctrl-C: status 130 and one line naming the checkpoint to resume from."""
    from sketchlib import training

    log_root = tmp_path / "copy"
    shutil.copytree(run, log_root)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "train", interrupted)
    assert main(["train", "--data", str(npz), "--log-root", str(log_root), "--resume",
                 "--verbose", "0", "--hparams", "num_steps=8"]) == 130
    assert capsys.readouterr().err == (
        f"sketchlib train: interrupted; the last checkpoint is {log_root / 'ckpt-00000004'}: "
        "continue with the same command and --resume\n")
    # Stopped before the run wrote anything: --resume would find nothing, so it is not advised.
    fresh = tmp_path / "fresh"
    assert main(["train", "--data", str(npz), "--log-root", str(fresh), "--verbose", "0"]) == 130
    assert capsys.readouterr().err == ("sketchlib train: interrupted before anything was "
                                       "written: run the same command again (without "
                                       "--resume)\n")


def test_resume_without_a_run_is_an_error(npz, tmp_path, capsys):
    """--resume into an empty log root: status 2, and nothing is created."""
    log_root = tmp_path / "nothing"
    assert main(["train", "--data", str(npz), "--log-root", str(log_root), "--resume",
                 "--verbose", "0"]) == 2
    assert "nothing to resume" in one_line_error(capsys, "train")
    assert not log_root.exists()


def test_conditional_flag_and_a_contrary_hparam_disagree(npz, tmp_path, capsys):
    """--conditional with --hparams conditional=false (or a bad value): status 2, nothing
    created; it does not quietly win."""
    log_root = tmp_path / "run"
    for value in ("false", "maybe"):
        assert main(["train", "--data", str(npz), "--log-root", str(log_root), "--conditional",
                     "--hparams", f"conditional={value}", "--verbose", "0"]) == 2
        assert one_line_error(capsys, "train") == (
            f"--conditional and --hparams conditional={value} disagree\n")
    assert not log_root.exists()


def test_from_best_needs_resume(npz, tmp_path, capsys):
    """--from without --resume: status 2, and nothing is created."""
    log_root = tmp_path / "run"
    assert main(["train", "--data", str(npz), "--log-root", str(log_root), "--from", "best",
                 "--verbose", "0"]) == 2
    assert one_line_error(capsys, "train") == "--from needs --resume\n"
    assert not log_root.exists()


@pytest.mark.parametrize("extra, message", [
    (["--out", "x.gif"], r"--out must end in \.svg or \.png, got 'x\.gif'"),
    (["--out", "x.svg", "--n", "0"], r"--n must be at least 1, got 0"),
    (["--out", "x.svg", "--model", "no_such_model"],
     r"no_such_model is neither a folder nor a pretrained model"),
    (["--out", "x.svg", "--temperature", "0"], r"temperature must be > 0"),
])
def test_sample_errors_are_one_line_and_write_nothing(run, tmp_path, monkeypatch, capsys,
                                                      extra, message):
    """sample's errors: status 2, one line, no output file."""
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["sample", "--model", str(run)] + extra) == 2
    assert re.search(message, one_line_error(capsys, "sample"))
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_usage_errors_exit_2():
    """Missing or unknown arguments are argparse's usage errors (status 2)."""
    for arguments in ([], ["train", "--log-root", "x"], ["sample", "--model", "m"],
                      ["draw"]):
        with pytest.raises(SystemExit) as exit_info:
            main(arguments)
        assert exit_info.value.code == 2


@pytest.fixture(scope="module")
def vae_run(npz, tmp_path_factory):
    """A conditional log root trained for 4 steps by ``sketchlib train --conditional``."""
    log_root = tmp_path_factory.mktemp("cli") / "vae"
    assert main(["train", "--data", str(npz), "--log-root", str(log_root), "--conditional",
                 "--hparams", HPARAMS + ",enc_rnn_size=8,z_size=4,num_steps=4",
                 "--verbose", "0"]) == 0
    return log_root


def test_train_conditional_and_reconstruct_or_draw_from_z(vae_run, npz, tmp_path, capsys):
    assert HParams.load(vae_run / "hparams.json").conditional
    out = tmp_path / "recon.svg"
    assert main(["sample", "--model", str(vae_run), "--reconstruct", str(npz), "--split",
                 "valid", "--n", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "reconstructing the first 5 sketches of valid" in printed
    assert "wrote 5 sketches" in printed  # in their places, an empty one marked
    assert ET.parse(out).getroot().findall(f".//{SVG}path")
    codes = tmp_path / "z.npy"
    np.save(codes, np.zeros((3, 4), "float32"))
    assert main(["sample", "--model", str(vae_run), "--z", str(codes), "--out",
                 str(tmp_path / "z.svg")]) == 0
    assert "wrote 3 sketches" in capsys.readouterr().out


def test_latent_options_give_one_line_errors(vae_run, run, npz, tmp_path, capsys):
    assert main(["sample", "--model", str(run), "--reconstruct", str(npz),
                 "--out", str(tmp_path / "a.svg")]) == 2
    assert "is decoder-only" in one_line_error(capsys, "sample")
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((2, 7)))
    assert main(["sample", "--model", str(vae_run), "--z", str(wrong),
                 "--out", str(tmp_path / "b.svg")]) == 2
    assert "expected codes of shape (n, 4)" in one_line_error(capsys, "sample")
    broken = tmp_path / "broken.npy"
    broken.write_text("not numpy")
    assert main(["sample", "--model", str(vae_run), "--z", str(broken),
                 "--out", str(tmp_path / "c.svg")]) == 2
    assert "not a readable .npy file" in one_line_error(capsys, "sample")
    assert not any(tmp_path.glob("*.svg"))


def keep_process_hooks(monkeypatch):
    """After a full disk, main silences the process's exception hooks and asks command_line to
    end the process at once: restore all three after the test."""
    import sys

    from sketchlib import cli

    for name in ("excepthook", "unraisablehook"):
        monkeypatch.setattr(sys, name, getattr(sys, name))
    monkeypatch.setattr(cli, "_END_AT_ONCE", False)


def test_outputs_are_written_atomically_and_refusals_leave_nothing(run, vae_run, tmp_path,
                                                                   capsys, monkeypatch):
    """A sample that fails while writing keeps the previous file whole; an export that is
    refused creates no folder; --columns 0 and an empty --z file are one-line errors."""
    from sketchlib import draw

    out = tmp_path / "keep.svg"
    assert main(["sample", "--model", str(run), "--n", "2", "--out", str(out)]) == 0
    before = out.read_bytes()

    def full_disk(sketches, path, **options):
        path.write_text("<svg cut sho")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(draw, "grid_svg", full_disk)
    keep_process_hooks(monkeypatch)
    capsys.readouterr()
    assert main(["sample", "--model", str(run), "--n", "2", "--out", str(out)]) == 2
    assert one_line_error(capsys, "sample") == (
        "the disk is full; no file was changed (every write is atomic): free some space and "
        "run it again\n")
    assert out.read_bytes() == before and not list(tmp_path.glob("*.tmp*"))
    target = tmp_path / "new" / "folder" / "v.json"
    assert main(["export", "--model", str(vae_run), "--out", str(target)]) == 2
    assert "conditional" in one_line_error(capsys, "export")
    assert not (tmp_path / "new").exists()
    assert main(["sample", "--model", str(run), "--columns", "0", "--out", str(out)]) == 2
    assert "--columns must be at least 1" in one_line_error(capsys, "sample")
    empty = tmp_path / "none.npy"
    np.save(empty, np.zeros((0, 4), "float32"))
    assert main(["sample", "--model", str(vae_run), "--z", str(empty), "--out", str(out)]) == 2
    assert "holds no codes" in one_line_error(capsys, "sample")


def test_a_damaged_pointer_is_named(run, tmp_path, capsys):
    log_root = tmp_path / "copy"
    shutil.copytree(run, log_root)
    (log_root / "latest.json").write_text('{"checkpoint": "ckpt-0\x01')
    assert main(["sample", "--model", str(log_root), "--checkpoint", "latest",
                 "--out", str(tmp_path / "x.svg")]) == 2
    assert f"{log_root / 'latest.json'} is damaged" in one_line_error(capsys, "sample")


def test_a_full_disk_during_training_is_one_line_naming_where_to_go_on(npz, tmp_path, capsys,
                                                                      monkeypatch):
    """The disk fills up while the second checkpoint is written: status 2, one line that says
    so and names the last checkpoint to resume from, which is intact, with no half-written
    checkpoint beside it."""
    import errno

    from sketchlib import checkpoints, training

    log_root = tmp_path / "run"
    written = []

    def filling(model, root, data, state):
        if written:
            (root / "ckpt-00000004.tmp").mkdir()
            raise OSError(errno.ENOSPC, "No space left on device",
                          str(root / "ckpt-00000004.tmp" / "model.weights.h5"))
        written.append(state["step"])
        return checkpoints.write_checkpoint(model, root, data, state)

    monkeypatch.setattr(training, "write_checkpoint", filling)
    keep_process_hooks(monkeypatch)
    assert main(["train", "--data", str(npz), "--log-root", str(log_root), "--hparams",
                 HPARAMS + ",num_steps=4", "--verbose", "0"]) == 2
    last = find_checkpoint(log_root, "latest")
    assert one_line_error(capsys, "train") == (
        f"the disk is full (writing {log_root / 'ckpt-00000004.tmp' / 'model.weights.h5'}); "
        f"the last checkpoint is {last}: continue with the same command and --resume once "
        "there is space\n")
    assert last.name == "ckpt-00000002" and log_steps(log_root) == [2]


def test_write_checkpoint_leaves_nothing_half_written(run, tmp_path, monkeypatch):
    """A checkpoint whose writing fails (a full disk) leaves no temporary folder behind."""
    import errno

    from sketchlib import checkpoints

    model = load(run, which="latest")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(type(model), "save_weights", full)
    with pytest.raises(OSError, match="No space left"):
        checkpoints.write_checkpoint(model, tmp_path / "run", {}, {"step": 6})
    assert list((tmp_path / "run").iterdir()) == []


@pytest.mark.parametrize("command", ["sample", "export", "train"])
def test_an_output_that_cannot_be_written_is_refused_before_any_work(command, run, npz,
                                                                     tmp_path, capsys):
    """A folder where a file is wanted (and the other way round), or a folder this user may
    not write to: status 2, one line, before loading or sampling anything."""
    folder = tmp_path / ("out.svg" if command == "sample" else "out.json")
    folder.mkdir()
    arguments = {"sample": ["sample", "--model", str(run), "--out"],
                 "export": ["export", "--model", str(run), "--out"],
                 "train": ["train", "--data", str(npz), "--verbose", "0", "--log-root"]}[command]
    target = folder if command != "train" else tmp_path / "a_file"
    if command == "train":
        target.write_text("not a folder")
    assert main(arguments + [str(target)]) == 2
    option = "--log-root" if command == "train" else "--out"
    kinds = ("file", "folder") if command == "train" else ("folder", "file")
    assert one_line_error(capsys, command) == (
        f"{option} {target} is a {kinds[0]}, not a {kinds[1]}\n")
    if os.geteuid() == 0:  # root may write anywhere: the rest cannot be tried
        return
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    place = locked / ("run" if command == "train" else folder.name)
    assert main(arguments + [str(place)]) == 2
    assert one_line_error(capsys, command) == f"{option} {place}: {locked} is not writable\n"


def test_the_command_shows_no_native_log_lines(tmp_path):
    """`sketchlib` (the console script, command_line) hides TensorFlow's C++ log lines:
    --help writes nothing to stderr, and an error is its one line."""
    import subprocess
    import sys

    def run_command(*arguments, **environment):
        return subprocess.run([sys.executable, "-m", "sketchlib.cli", *arguments],
                              capture_output=True, text=True, cwd=tmp_path,
                              env={**os.environ, **environment})

    helped = run_command("--help")
    assert helped.returncode == 0 and "usage: sketchlib" in helped.stdout
    assert helped.stderr == ""
    failed = run_command("sample", "--model", "nope", "--out", "x.svg")
    assert failed.returncode == 2
    assert failed.stderr.startswith("sketchlib sample: error: nope is neither a folder")
    assert failed.stderr.count("\n") == 1


@pytest.mark.shared_files("quickdraw/ndjson/raw/sheep.ndjson")
def test_train_reads_an_ndjson_file_of_drawings(shared_data, tmp_path, capsys):
    """A reader's own drawings in QuickDraw's ndjson format train as they are."""
    data = shared_data / "quickdraw/ndjson/raw/sheep.ndjson"
    assert main(["train", "--data", str(data), "--log-root", str(tmp_path / "run"),
                 "--hparams", HPARAMS + ",max_seq_len=120,num_steps=2", "--verbose", "0"]) == 0
    assert f"training on {data}: 21 sketches" in capsys.readouterr().out
    assert log_steps(tmp_path / "run") == [2]
