"""data/recorded_runs.py, which the experiment scripts of data/ share: a recorded command is
run as given, resumed with --resume, and a --bfloat16 run resumes in the precision the
machine computes faster."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
import recorded_runs  # noqa: E402

COMMAND = ["sketchlib", "train", "--log-root", "runs/x", "--bfloat16", "--seed", "0"]


@pytest.fixture
def calls(monkeypatch):
    """The arguments of each ``sketchlib train`` that recorded_runs would have run."""
    ran = []

    def run(arguments, check):
        assert arguments[:4] == [sys.executable, "-m", "sketchlib.cli", "train"] and check
        ran.append(arguments[4:])
    monkeypatch.setattr(recorded_runs.subprocess, "run", run)
    return ran


@pytest.mark.parametrize("fast_bfloat16, flag", [(True, "--bfloat16"), (False, "--float32")])
def test_a_begun_run_resumes_in_the_faster_precision(tmp_path, calls, monkeypatch,
                                                     fast_bfloat16, flag):
    monkeypatch.setattr(recorded_runs, "bfloat16_arithmetic", lambda: fast_bfloat16)
    recorded_runs.run_recorded(COMMAND, tmp_path, 10)  # nothing begun: the command as given
    (tmp_path / "hparams.json").write_text("{}")
    recorded_runs.run_recorded(COMMAND, tmp_path, 10)
    assert calls == [COMMAND[2:], ["--log-root", "runs/x", flag, "--seed", "0", "--resume"]]
    (tmp_path / "latest.json").write_text(json.dumps({"step": 10}))
    recorded_runs.run_recorded(COMMAND, tmp_path, 10)  # finished: nothing more runs
    assert len(calls) == 2


def test_bfloat16_arithmetic_reads_the_cpu_flags(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    assert not recorded_runs.bfloat16_arithmetic(cpuinfo)  # no /proc/cpuinfo (not Linux)
    cpuinfo.write_text("flags\t\t: fpu sse2 avx avx2 fma avx512f\n")
    assert not recorded_runs.bfloat16_arithmetic(cpuinfo)
    cpuinfo.write_text("flags\t\t: fpu avx2 avx512f avx512_bf16\n")
    assert recorded_runs.bfloat16_arithmetic(cpuinfo)


def test_a_script_runs_the_runs_it_names_and_refuses_unknown_ones(capsys):
    runs = {"a": None, "b": "x=1"}
    assert recorded_runs.chosen([], runs) == ["a", "b"]
    assert recorded_runs.chosen(["b"], runs) == ["b"]
    with pytest.raises(SystemExit) as stop:
        recorded_runs.chosen(["b", "c"], runs)
    assert stop.value.code == 2 and "unknown runs c; the runs are a, b" in capsys.readouterr().err
