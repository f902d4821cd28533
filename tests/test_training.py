"""sketchlib.training and sketchlib.checkpoints: the reference's learning-rate schedule and
optimiser, checkpoints that resume exactly, the step stream, the CSV log, the best checkpoint
and the NaN guard."""

import csv
import json
import math
import shutil

import keras
import numpy as np
import pytest

from conftest import save_checkpoint, trainable_model
from sketchlib import set_seed
from sketchlib.batching import SketchBatches, as_inputs
from sketchlib.hparams import HParams
from sketchlib.likelihood import step_losses
from sketchlib.model import build_model
from sketchlib.synthetic import synthetic_dataset
from sketchlib.checkpoints import (
    export_model,
    find_checkpoint,
    load_model,
    read_log as read_columns,
    restore_checkpoint,
)
from sketchlib.training import (
    Checkpointer,
    DecayingLearningRate,
    StepBatches,
    evaluate,
    compile_model,
    make_optimizer,
    train,
)


def test_learning_rate_schedule_values():
    schedule = DecayingLearningRate(0.001, 0.9999, 0.00001)
    for step in (0, 1, 1000, 50_000, 10_000_000):
        expected = (0.001 - 0.00001) * 0.9999 ** step + 0.00001
        assert float(schedule(step)) == pytest.approx(expected, rel=1e-5)


def test_schedule_round_trips_through_its_config():
    schedule = DecayingLearningRate(0.002, 0.999, 0.0001)
    again = DecayingLearningRate(**schedule.get_config())
    assert float(again(123)) == pytest.approx(float(schedule(123)))


def test_optimizer_clips_by_value():
    optimizer = make_optimizer(HParams(learning_rate=0.001, min_learning_rate=0.001))
    assert optimizer.clipvalue == 1.0 and optimizer.clipnorm is None
    variable = keras.Variable(np.zeros(2, dtype="float32"))
    # Adam is blind to a constant gradient scale, but not to a changing one: gradients 50
    # then 1 give a second step of exactly lr when clipped to 1 (and 0.685 lr if not).
    # The second coordinate sees 1 then 1 as a reference.
    optimizer.apply_gradients([(np.array([50.0, 1.0], dtype="float32"), variable)])
    before = np.asarray(variable).copy()
    optimizer.apply_gradients([(np.array([1.0, 1.0], dtype="float32"), variable)])
    second_step = before - np.asarray(variable)
    assert second_step[0] == pytest.approx(second_step[1], rel=1e-3)
    assert second_step[0] == pytest.approx(0.001, rel=1e-2)


# ----------------------------------------------------------------------------- checkpoints, loop

#: A tiny decoder and the synthetic data it trains on in about a second (max_seq_len: the
#: longest sketch of that data, which train() takes from the dataset).
TINY = HParams(conditional=False, data_set="synthetic", dec_rnn_size=16, num_mixture=3,
               batch_size=10, max_seq_len=55, save_every=2, num_steps=4)
FIELDS = ["step", "seconds", "learning_rate", "loss", "offset_loss", "pen_loss",
          "val_loss", "val_offset_loss", "val_pen_loss"]


@pytest.fixture(scope="module")
def tiny_data():
    """40/20/10 synthetic sketches (4 training batches of 10), at most 60 rows."""
    data = synthetic_dataset(40, 20, 10, seed=1, max_seq_len=60)
    assert data.max_seq_len == TINY.max_seq_len
    return data


@pytest.fixture(scope="module")
def trained(tiny_data, tmp_path_factory):
    """A run of TINY trained straight for 4 steps: ``(log_root, model)``. Read-only: tests
    that change a run copy it first."""
    log_root = tmp_path_factory.mktemp("straight") / "run"
    model = train(TINY, tiny_data, log_root, verbose=0)
    return log_root, model


def fixed_batch(dataset):
    """The first 10 validation sketches as ``(inputs, target)``."""
    return as_inputs(SketchBatches(dataset.valid, 10, TINY.max_seq_len, shuffle=False).batch(0))


def train_batches(dataset, hps=TINY, seed=0):
    """The training stream exactly as :func:`train` builds it."""
    return SketchBatches(dataset.train, hps.batch_size, hps.max_seq_len, augment=True,
                         seed=seed, scale=hps.random_scale_factor, drop=hps.augment_stroke_prob)


def weights_of(model):
    return [np.asarray(v) for v in model.weights]


def optimizer_state_of(model):
    return [np.asarray(v) for v in model.optimizer.variables]


def assert_same_arrays(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def read_log(log_root):
    with (log_root / "log.csv").open(newline="") as file:
        reader = csv.DictReader(file)
        return reader.fieldnames, [{k: float(v) for k, v in row.items()} for row in reader]


def read_json(path):
    return json.loads(path.read_text())


def snapshot(folder):
    """Every file under ``folder``: relative path -> (bytes, mtime)."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_run(log_root, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(log_root, target)
    return target


def test_step_batches_map_steps_to_batches_across_epochs(tiny_data):
    """Item ``i`` of interval ``e`` is step ``e * steps + i``: batch ``s mod len`` of epoch
    ``s div len`` of the underlying batches, whatever that object's own epoch counter says."""
    batches = train_batches(tiny_data)
    assert len(batches) == 4
    stream = StepBatches(batches, steps=3, interval=2)
    assert isinstance(stream, keras.utils.PyDataset)
    assert len(stream) == 3
    callback = stream.follow_epochs()
    callback.on_epoch_begin(2)
    batches.on_epoch_end()  # the stream does not use the counter
    for index, (epoch, batch) in enumerate([(1, 2), (1, 3), (2, 0)]):  # steps 6, 7, 8
        inputs, target = stream[index]
        expected_inputs, expected_target = as_inputs(batches.batch(batch, epoch))
        np.testing.assert_array_equal(target, expected_target)
        np.testing.assert_array_equal(inputs["lengths"], expected_inputs["lengths"])
    assert not np.array_equal(stream[0][1], stream[1][1])
    # The interval follows Keras's epoch number, not a count of epoch ends.
    stream.on_epoch_end()
    assert stream.interval == 2
    callback.on_epoch_begin(5)
    assert stream.interval == 5
    np.testing.assert_array_equal(stream[0][1], as_inputs(batches.batch(15 % 4, 15 // 4))[1])


def test_step_batches_keep_the_steps_dimension_open_for_fit(tiny_data):
    """Before the first epoch, fit reads items 0 and 1 to fix the batch shapes: they differ in
    steps even when the first two grouped batches have the same length, so a later batch of
    another length is accepted (TensorFlow raised "yielded an element of shape ...")."""
    batches = SketchBatches(tiny_data.train, 4, tiny_data.max_seq_len, group_by_length=True)
    stream = StepBatches(batches, steps=3)
    (first, target0), (second, target1) = stream[0], stream[1]
    assert target1.shape[1] == target0.shape[1] + 25
    assert second["decoder_input"].shape[1] == first["decoder_input"].shape[1] + 25
    np.testing.assert_array_equal(second["lengths"], first["lengths"])
    stream.follow_epochs().on_epoch_begin(0)
    np.testing.assert_array_equal(stream[1][1], as_inputs(batches.batch(1, 0))[1])


def test_compile_model_creates_the_optimiser_state():
    """build_model then compile_model: weights and optimiser variables exist before any
    training step; the optimiser is the reference's (decaying learning rate, clipped by
    value)."""
    built = build_model(TINY)
    assert built.built and not built.compiled
    model = compile_model(built, TINY)
    assert model is built and model.compiled
    shapes = [tuple(v.shape) for v in model.trainable_variables]
    assert shapes == [(5, 64), (16, 64), (64,), (16, 3 + 6 * 3), (3 + 6 * 3,)]
    # Adam: the step counter, then a first and a second moment per trainable variable.
    assert [tuple(v.shape) for v in model.optimizer.variables] == [
        ()] + [shape for shape in shapes for _ in range(2)]
    assert int(model.optimizer.iterations) == 0
    assert model.optimizer.clipvalue == TINY.grad_clip
    assert float(model.optimizer.learning_rate) == pytest.approx(TINY.learning_rate)


def test_checkpoint_round_trip_restores_weights_optimizer_and_dropout_seed(tiny_data, tmp_path):
    """save_checkpoint then restore_checkpoint into a fresh model gives the same weights,
    optimiser slots and dropout seed, so the next training step is identical too."""
    set_seed(0)
    model = trainable_model(TINY)
    batches = train_batches(tiny_data)
    for step in range(3):
        model.train_on_batch(*as_inputs(batches.batch(step)))
    data = {"names": ["synthetic"], "scale_factor": 2.0}
    log_root = tmp_path / "run"
    path = save_checkpoint(model, log_root, data, {"step": 3, "note": "x"})
    assert path == log_root / "ckpt-00000003"
    assert sorted(p.name for p in path.iterdir()) == [
        "data.json", "hparams.json", "model.weights.h5", "state.json"]
    assert HParams.load(path / "hparams.json") == TINY
    assert read_json(path / "data.json") == data
    assert read_json(path / "state.json") == {
        "step": 3, "note": "x",
        "dropout_seed": [int(v) for v in np.asarray(model.dropout_seed.state)]}
    assert read_json(log_root / "latest.json") == {"step": 3, "note": "x",
                                                   "checkpoint": "ckpt-00000003"}
    assert not (log_root / "best.json").exists()

    set_seed(1)
    other = trainable_model(TINY)
    assert not np.array_equal(weights_of(other)[0], weights_of(model)[0])
    assert restore_checkpoint(other, path) == {"step": 3, "note": "x"}
    assert_same_arrays(weights_of(other), weights_of(model))
    assert_same_arrays(optimizer_state_of(other), optimizer_state_of(model))
    assert int(other.optimizer.iterations) == 3
    np.testing.assert_array_equal(np.asarray(other.dropout_seed.state),
                                  np.asarray(model.dropout_seed.state))
    # The next step (with dropout, Adam's moments, the decayed learning rate) is the same.
    inputs, target = as_inputs(batches.batch(3))
    assert other.train_on_batch(inputs, target) == model.train_on_batch(inputs, target)
    assert_same_arrays(weights_of(other), weights_of(model))
    inputs, target = fixed_batch(tiny_data)
    assert other.evaluate(inputs, target, verbose=0) == model.evaluate(inputs, target, verbose=0)


def test_save_checkpoint_keeps_only_pointed_checkpoints(tmp_path):
    """Only the checkpoints named by latest.json and best.json survive a save, and no
    temporary file or folder is left behind."""
    model = trainable_model(TINY)
    tmp_path = tmp_path / "run"

    def save(step, *pointers):
        save_checkpoint(model, tmp_path, {}, {"step": step}, pointers=pointers)
        return sorted(p.name for p in tmp_path.iterdir())

    assert save(2, "latest", "best") == ["best.json", "ckpt-00000002", "latest.json"]
    assert save(4, "latest") == ["best.json", "ckpt-00000002", "ckpt-00000004", "latest.json"]
    assert save(6, "latest") == ["best.json", "ckpt-00000002", "ckpt-00000006", "latest.json"]
    assert read_json(tmp_path / "best.json")["checkpoint"] == "ckpt-00000002"
    assert save(8, "latest", "best") == ["best.json", "ckpt-00000008", "latest.json"]
    assert not list(tmp_path.rglob("*.tmp*"))


def test_find_checkpoint_pointers_and_errors(tmp_path):
    """A log root gives its best (or latest) checkpoint, falling back to the other pointer;
    a checkpoint folder is itself; anything else is a FileNotFoundError saying why."""
    model = trainable_model(TINY)
    tmp_path = tmp_path / "run"
    save_checkpoint(model, tmp_path, {}, {"step": 2}, pointers=("latest", "best"))
    save_checkpoint(model, tmp_path, {}, {"step": 4})
    assert find_checkpoint(tmp_path) == tmp_path / "ckpt-00000002"
    assert find_checkpoint(tmp_path, "latest") == tmp_path / "ckpt-00000004"
    assert find_checkpoint(tmp_path / "ckpt-00000004", "best") == tmp_path / "ckpt-00000004"
    (tmp_path / "best.json").unlink()
    assert find_checkpoint(tmp_path, "best") == tmp_path / "ckpt-00000004"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        find_checkpoint(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no model.*sketchlib train"):
        find_checkpoint(tmp_path / "empty")


def test_checkpointer_logs_every_interval_and_tracks_the_best(tmp_path):
    """Checkpointer: one CSV row per interval (learning rate of the schedule at that step),
    a checkpoint per interval, best.json at the lowest val_loss."""
    model = trainable_model(TINY)
    tmp_path = tmp_path / "run"
    checkpointer = Checkpointer(tmp_path, {"names": ["synthetic"]}, {"step": 0})
    checkpointer.set_model(model)
    val_losses = {2: 3.0, 4: 1.0, 6: 2.0}
    for epoch, (step, val_loss) in enumerate(val_losses.items()):
        checkpointer.on_epoch_begin(epoch)
        model.optimizer.iterations.assign(step)
        checkpointer.on_epoch_end(epoch, {"loss": 5.0 - epoch, "offset_loss": 4.0 - epoch,
                                          "pen_loss": 1.0, "val_loss": val_loss,
                                          "val_offset_loss": val_loss - 0.5,
                                          "val_pen_loss": 0.5})
    fields, rows = read_log(tmp_path)
    assert fields == FIELDS
    assert [row["step"] for row in rows] == [2, 4, 6]
    assert [row["val_loss"] for row in rows] == [3.0, 1.0, 2.0]
    assert [row["loss"] for row in rows] == [5.0, 4.0, 3.0]
    for row in rows:
        expected = (TINY.learning_rate - TINY.min_learning_rate) * TINY.decay_rate ** row[
            "step"] + TINY.min_learning_rate
        assert row["learning_rate"] == pytest.approx(expected, rel=1e-6)
    best, latest = read_json(tmp_path / "best.json"), read_json(tmp_path / "latest.json")
    assert (best["checkpoint"], best["step"], best["val_loss"]) == ("ckpt-00000004", 4, 1.0)
    assert (latest["checkpoint"], latest["step"], latest["best_val_loss"]) == (
        "ckpt-00000006", 6, 1.0)
    assert sorted(p.name for p in tmp_path.glob("ckpt-*")) == ["ckpt-00000004", "ckpt-00000006"]
    columns = read_columns(tmp_path / "log.csv")
    assert list(columns) == list(FIELDS)
    np.testing.assert_array_equal(columns["step"], [2, 4, 6])
    np.testing.assert_array_equal(columns["val_loss"], [3.0, 1.0, 2.0])


def test_checkpointer_stops_on_a_non_finite_loss_without_saving(tmp_path):
    """A NaN loss after a batch stops training and the epoch's end writes nothing."""
    model = trainable_model(TINY)
    tmp_path = tmp_path / "run"
    tmp_path.mkdir()
    checkpointer = Checkpointer(tmp_path, {}, {"step": 0})
    checkpointer.set_model(model)
    checkpointer.on_epoch_begin(0)
    checkpointer.on_train_batch_end(0, {"loss": 1.5})
    assert checkpointer.failed_step is None and not model.stop_training
    model.optimizer.iterations.assign(7)
    checkpointer.on_train_batch_end(1, {"loss": float("nan")})
    assert checkpointer.failed_step == 7 and model.stop_training
    checkpointer.on_epoch_end(0, {"loss": float("nan"), "val_loss": 1.0})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("logs, poison, failure", [
    ({"loss": 1.2, "val_loss": float("inf")}, False, "the validation loss of the interval was inf"),
    ({"loss": 1.7e6, "val_loss": 2.0e6}, False, "the training loss of the interval was 1.7e+06"),
    ({"loss": 1.2, "val_loss": 1.1}, True, "a weight became NaN or infinite"),
])
def test_checkpointer_writes_no_checkpoint_of_a_run_that_blew_up(logs, poison, failure,
                                                                 tmp_path):
    """At the end of an interval, a non-finite or diverged (finite, above DIVERGED) loss, or
    a weight that is not finite, stops training and writes nothing: no checkpoint of those
    weights becomes latest."""
    model = trainable_model(TINY)
    if poison:
        kernel = model.output_layer.kernel
        kernel.assign(np.where(np.eye(*kernel.shape, dtype=bool), np.inf, kernel.numpy()))
    log_root = tmp_path / "run"
    log_root.mkdir()
    checkpointer = Checkpointer(log_root, {}, {"step": 0})
    checkpointer.set_model(model)
    model.optimizer.iterations.assign(4)
    checkpointer.on_epoch_begin(1)
    checkpointer.on_epoch_end(1, logs)
    assert (checkpointer.failed_step, checkpointer.failure) == (4, failure)
    assert model.stop_training and list(log_root.iterdir()) == []


def test_resume_from_best_goes_back_and_deletes_what_came_after(tiny_data, tmp_path):
    """resume_from="best": latest and the log go back to the best checkpoint at once (the
    later checkpoint is deleted), and training goes on from its step."""
    log_root = tmp_path / "run"
    train(TINY.replace(num_steps=2), tiny_data, log_root, verbose=0)
    shutil.copytree(log_root / "ckpt-00000002", tmp_path / "kept")
    best = read_json(log_root / "latest.json")
    train(TINY, tiny_data, log_root, resume=True, verbose=0)
    shutil.rmtree(log_root / "ckpt-00000002", ignore_errors=True)
    shutil.copytree(tmp_path / "kept", log_root / "ckpt-00000002")  # best: step 2, say
    (log_root / "best.json").write_text(json.dumps(best))
    with pytest.raises(ValueError, match="resume_from must be 'latest' or 'best'"):
        train(TINY, tiny_data, log_root, resume=True, verbose=0, resume_from="first")
    checkpoints_at_start = []
    begin = Checkpointer.on_epoch_begin

    def watch(self, epoch, logs=None):  # the checkpoints there when training begins
        checkpoints_at_start.append(sorted(p.name for p in log_root.glob("ckpt-*")))
        return begin(self, epoch, logs)

    Checkpointer.on_epoch_begin = watch
    try:
        train(TINY, tiny_data, log_root, resume=True, verbose=0, resume_from="best")
    finally:
        Checkpointer.on_epoch_begin = begin
    assert checkpoints_at_start[0] == ["ckpt-00000002"]  # the later checkpoint is gone
    np.testing.assert_array_equal(read_columns(log_root / "log.csv")["step"], [2, 4])
    assert read_json(log_root / "latest.json")["step"] == 4
    (log_root / "best.json").unlink()
    with pytest.raises(FileNotFoundError, match="no best checkpoint to go back to"):
        train(TINY, tiny_data, log_root, resume=True, verbose=0, resume_from="best")


def test_train_writes_the_log_root(trained, tiny_data):
    """train: hparams.json, data.json, a CSV row per interval, latest and best pointers
    (best = lowest val_loss), and no other checkpoint or temporary file."""
    log_root, model = trained
    assert HParams.load(log_root / "hparams.json") == TINY
    assert read_json(log_root / "data.json") == {
        "names": ["synthetic"], "scale_factor": tiny_data.scale_factor, "max_seq_len": 55,
        "seed": 0, "group_by_length": False, "bfloat16": False,
        "device_history": [{"step": 0, "devices": 1}]}
    fields, rows = read_log(log_root)
    assert fields == FIELDS
    assert [row["step"] for row in rows] == [2, 4]
    for row in rows:
        expected = (TINY.learning_rate - TINY.min_learning_rate) * TINY.decay_rate ** row[
            "step"] + TINY.min_learning_rate
        assert row["learning_rate"] == pytest.approx(expected, rel=1e-6)
        assert row["loss"] == pytest.approx(row["offset_loss"] + row["pen_loss"], rel=1e-5)
        assert row["val_loss"] == pytest.approx(row["val_offset_loss"] + row["val_pen_loss"],
                                                rel=1e-5)
        assert all(math.isfinite(value) for value in row.values())
    latest = read_json(log_root / "latest.json")
    assert (latest["checkpoint"], latest["step"]) == ("ckpt-00000004", 4)
    best_row = min(rows, key=lambda row: row["val_loss"])
    best = read_json(log_root / "best.json")
    assert best["step"] == best_row["step"]
    assert best["val_loss"] == pytest.approx(best_row["val_loss"], rel=1e-6)
    assert best["checkpoint"] == f"ckpt-{int(best_row['step']):08d}"
    assert sorted(p.name for p in log_root.glob("ckpt-*")) == sorted(
        {latest["checkpoint"], best["checkpoint"]})
    assert not list(log_root.rglob("*.tmp*"))
    assert int(model.optimizer.iterations) == 4
    # The returned model is the latest checkpoint.
    assert_same_arrays(weights_of(load_model(log_root, "latest")), weights_of(model))


def test_train_steps_through_the_documented_batches(trained, tiny_data):
    """The run trains on steps 0, 1, 2, 3 of the stream (batch s mod 4 of epoch s div 4),
    in order: a hand-written loop over those batches gives the same weights."""
    _, model = trained
    set_seed(0)
    manual = trainable_model(TINY)
    batches = train_batches(tiny_data)
    for step in range(TINY.num_steps):
        manual.train_on_batch(*as_inputs(batches.batch(step % len(batches),
                                                        step // len(batches))))
    for a, b in zip(weights_of(manual), weights_of(model)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_resume_continues_exactly(trained, tiny_data, tmp_path):
    """Two intervals straight, or one then a resumed run with num_steps raised: the same
    weights, optimiser state, losses and (but for the clock) log."""
    straight_root, straight = trained
    log_root = tmp_path / "run"
    train(TINY.replace(num_steps=2), tiny_data, log_root, verbose=0)
    assert read_json(log_root / "latest.json")["step"] == 2
    resumed = train(TINY, tiny_data, log_root, resume=True, verbose=0)
    assert_same_arrays(weights_of(resumed), weights_of(straight))
    assert_same_arrays(optimizer_state_of(resumed), optimizer_state_of(straight))
    inputs, target = fixed_batch(tiny_data)
    assert resumed.evaluate(inputs, target, verbose=0) == straight.evaluate(inputs, target,
                                                                            verbose=0)
    _, rows = read_log(log_root)
    _, straight_rows = read_log(straight_root)
    for row in rows + straight_rows:
        del row["seconds"]
    assert rows == straight_rows
    assert HParams.load(log_root / "hparams.json").num_steps == 4
    # Resuming a finished run trains no further.
    again = train(TINY, tiny_data, log_root, resume=True, verbose=0)
    assert int(again.optimizer.iterations) == 4
    assert_same_arrays(weights_of(again), weights_of(straight))


def test_load_model_gives_the_trained_model(trained, tiny_data):
    """load_model: the checkpoint's weights in a fresh model, and the data description
    (scale factor, names) needed to draw in the original units."""
    log_root, model = trained
    loaded = load_model(log_root, "latest")
    assert loaded is not model
    assert loaded.hps == TINY
    data = loaded.data
    assert data["scale_factor"] == tiny_data.scale_factor and data["names"] == ["synthetic"]
    assert data["checkpoint"] == str(find_checkpoint(log_root, "latest"))
    inputs, _ = fixed_batch(tiny_data)
    np.testing.assert_array_equal(np.asarray(loaded(inputs)), np.asarray(model(inputs)))
    best = read_json(log_root / "best.json")["checkpoint"]
    from_best = load_model(log_root / best)
    assert_same_arrays(weights_of(from_best), weights_of(load_model(log_root)))


def test_train_refuses_to_mix_runs(trained, tiny_data, tmp_path):
    """A new run into a log root with a model, a resume with nothing to resume, other
    hyper-parameters or other data: refused, and nothing in the log root changes."""
    log_root = copy_run(trained[0], tmp_path)
    before = snapshot(log_root)
    with pytest.raises(FileExistsError, match="already holds a model; pass --resume"):
        train(TINY, tiny_data, log_root, verbose=0)
    with pytest.raises(ValueError, match=r"other hyper-parameters \(dec_rnn_size: 16 -> 32\)"):
        train(TINY.replace(dec_rnn_size=32, num_steps=8), tiny_data, log_root, resume=True,
              verbose=0)
    with pytest.raises(ValueError, match=r"\(dec_model: 'lstm' -> 'hyper', num_mixture: 3 -> 4\)"):
        train(TINY.replace(learning_rate=0.01, dec_model="hyper", num_mixture=4), tiny_data,
              log_root, resume=True, verbose=0)
    # max_seq_len follows the data: a cap that keeps other sketches is other data.
    capped = synthetic_dataset(40, 20, 10, seed=1, max_seq_len=50)
    with pytest.raises(ValueError, match=r"\(max_seq_len: 55 -> 50\)"):
        train(TINY, capped, log_root, resume=True, verbose=0)
    other = synthetic_dataset(40, 20, 10, seed=1, max_seq_len=60)
    other.names = ("circles",)
    with pytest.raises(ValueError, match=r"trained on \['synthetic'\], not \['circles'\]"):
        train(TINY, other, log_root, resume=True, verbose=0)
    assert snapshot(log_root) == before
    empty = tmp_path / "empty"
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        train(TINY, tiny_data, empty, resume=True, verbose=0)
    assert not empty.exists()


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(trained, tiny_data, tmp_path,
                                                           monkeypatch):
    """A NaN loss raises FloatingPointError naming the step and the last good checkpoint;
    that checkpoint, the pointers and the log are left exactly as they were."""
    log_root = copy_run(trained[0], tmp_path)
    before = snapshot(log_root)
    original = SketchBatches.batch
    poisoned_steps = []

    def poisoned(self, index, epoch=None):
        batch = original(self, index, epoch)
        if self.augment and epoch * len(self) + index >= 5:  # training steps 5, 6, ...
            poisoned_steps.append(epoch * len(self) + index)
            target = batch.target.copy()
            target[:, 0, 0] = np.nan
            batch = batch._replace(target=target)
        return batch

    monkeypatch.setattr(SketchBatches, "batch", poisoned)
    with pytest.raises(FloatingPointError, match=r"the training loss became nan at step 6; "
                       r"training stopped without saving.*lower learning_rate \(for example "
                       r"--hparams learning_rate=0.0005\).*last good checkpoint, "
                       r".*ckpt-00000004, which is kept"):
        train(TINY.replace(num_steps=8), tiny_data, log_root, resume=True, verbose=0)
    assert 5 in poisoned_steps
    after = snapshot(log_root)
    # A resumed run records its new num_steps (and rewrites data.json unchanged) ...
    assert HParams.load(log_root / "hparams.json") == TINY.replace(num_steps=8)
    assert after.pop("data.json")[0] == before.pop("data.json")[0]
    del after["hparams.json"], before["hparams.json"]
    # ... but the checkpoints, the pointers and the log are untouched.
    assert after == before


def test_export_model_keeps_weights_drops_optimizer_state(trained, tmp_path):
    """export_model: a folder load_model reads, with the same weights, hyper-parameters,
    data description and log, but without the optimiser's moments (a third of the size)."""
    log_root, _ = trained
    destination = export_model(log_root, tmp_path / "exported", "latest")
    assert sorted(p.name for p in destination.iterdir()) == [
        "data.json", "hparams.json", "log.csv", "model.weights.h5"]
    assert (destination / "log.csv").read_bytes() == (log_root / "log.csv").read_bytes()
    exported, original = load_model(destination), load_model(log_root, "latest")
    assert exported.data == {**original.data, "checkpoint": str(destination)}
    assert exported.hps == original.hps
    assert_same_arrays(weights_of(exported), weights_of(original))
    checkpoint = find_checkpoint(log_root, "latest") / "model.weights.h5"
    assert (destination / "model.weights.h5").stat().st_size < 0.6 * checkpoint.stat().st_size


def test_evaluate_averages_batches_in_order_without_the_remainder(trained, tiny_data):
    """evaluate: the masked losses of consecutive batches, averaged; the last, partial batch
    is left out."""
    from sketchlib import mdn
    from sketchlib.batching import make_batch

    model = load_model(trained[0], "latest")
    sketches = tiny_data.valid[:15]
    result = evaluate(model, sketches, batch_size=5)
    assert evaluate(model, sketches[:15] + tiny_data.valid[15:19], batch_size=5) == result
    expected = []
    for start in (0, 5, 10):
        batch = make_batch(sketches[start:start + 5], TINY.max_seq_len)
        output = model({"decoder_input": batch.decoder_input})
        expected.append([float(v) for v in mdn.reconstruction_loss(
            batch.target, output, TINY.num_mixture, TINY.max_seq_len, mask_pen=True)])
    offset, pen = np.mean(expected, axis=0)
    assert result["offset_loss"] == pytest.approx(offset, rel=1e-5)
    assert result["pen_loss"] == pytest.approx(pen, rel=1e-5)
    assert result["loss"] == pytest.approx(offset + pen, rel=1e-5)
    assert result != evaluate(model, tiny_data.valid[5:20], batch_size=5)


@pytest.mark.parametrize("conditional", [False, True])
def test_step_losses_are_each_steps_share_of_the_reconstruction_loss(
        conditional, trained, tiny_data):
    """step_losses: one row per sketch, zero after its end, whose sums over steps (divided by
    max_seq_len) average to evaluate's L_R, whatever the order and the batch size."""
    if conditional:
        set_seed(3)
        model = trainable_model(TINY.replace(conditional=True, enc_rnn_size=8, z_size=4))
    else:
        model = load_model(trained[0], "latest")
    sketches = tiny_data.valid[:15]
    losses = step_losses(model, sketches, batch_size=5)
    assert losses.shape == (15, TINY.max_seq_len)
    for row, sketch in zip(losses, sketches):
        assert np.all(row[:len(sketch)] != 0) and np.all(row[len(sketch):] == 0)
    result = evaluate(model, sketches, batch_size=5)
    assert losses.sum(axis=1).mean() / TINY.max_seq_len == pytest.approx(
        result["offset_loss"] + result["pen_loss"], rel=1e-4)
    assert np.allclose(step_losses(model, sketches[::-1], batch_size=7), losses[::-1],
                       atol=1e-4)
    # With the end: one more step per sketch, the pen's loss of stopping there (> 0).
    whole = step_losses(model, sketches, batch_size=5, include_end=True)
    for row, full, sketch in zip(losses, whole, sketches):
        n = len(sketch)
        assert np.array_equal(full[:n], row[:n]) and np.all(full[n + 1:] == 0)
        assert n == TINY.max_seq_len or full[n] > 0


def test_nan_advice_fits_its_cause(tmp_path):
    """The advice after a NaN names the setting above the reference's when there is one, and
    says whether a checkpoint is there to resume from."""
    from sketchlib.training import _nan_advice

    (tmp_path / "run").mkdir()
    hot = _nan_advice(TINY.replace(learning_rate=0.01, grad_clip=5.0), tmp_path / "run")
    assert hot.startswith("learning_rate=0.01 is above the reference's 0.001 and grad_clip=5.0 "
                          "is above the reference's 1.0: lower them")
    assert hot.endswith("start again (no checkpoint was written yet)")
    calm = _nan_advice(TINY, tmp_path / "run")
    assert "settings are the reference's" in calm and "replays the same batches" in calm
    assert "learning_rate=0.0005" in calm
    for step in (2, 4):
        (tmp_path / "run" / f"ckpt-{step:08d}").mkdir()
        (tmp_path / "run" / f"ckpt-{step:08d}" / "model.weights.h5").touch()
    (tmp_path / "run" / "latest.json").write_text('{"checkpoint": "ckpt-00000004"}')
    assert calm not in _nan_advice(TINY, tmp_path / "run")
    assert _nan_advice(TINY, tmp_path / "run").endswith("ckpt-00000004, which is kept")
    (tmp_path / "run" / "best.json").write_text('{"checkpoint": "ckpt-00000002"}')
    assert _nan_advice(TINY, tmp_path / "run").endswith(
        f"or from the one of the best validation loss, {tmp_path / 'run' / 'ckpt-00000002'}, "
        "with --resume --from best")
