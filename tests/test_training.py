"""The reference's learning-rate schedule and optimiser."""

import numpy as np
import pytest

from sketchlib.hparams import HParams
from sketchlib.training import DecayingLearningRate, make_optimizer


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
    import keras

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
