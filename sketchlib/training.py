"""Training machinery: the learning-rate schedule and the optimiser of the reference."""

from __future__ import annotations

import math

import keras
from keras import ops

from .hparams import HParams


@keras.saving.register_keras_serializable(package="sketchlib")
class DecayingLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """``lr_t = (lr - lr_min) * decay_rate^t + lr_min`` at optimiser step ``t``."""

    def __init__(self, learning_rate: float, decay_rate: float, min_learning_rate: float):
        self.learning_rate = float(learning_rate)
        self.decay_rate = float(decay_rate)
        self.min_learning_rate = float(min_learning_rate)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        span = self.learning_rate - self.min_learning_rate
        # exp(t log r) with log r in double precision: float32 r^t drifts by 1e-4 at 50k steps.
        return span * ops.exp(step * math.log(self.decay_rate)) + self.min_learning_rate

    def get_config(self):
        return {"learning_rate": self.learning_rate, "decay_rate": self.decay_rate,
                "min_learning_rate": self.min_learning_rate}


def make_optimizer(hps: HParams) -> keras.optimizers.Optimizer:
    """Adam with the decaying learning rate, gradients clipped element-wise to
    ``[-grad_clip, grad_clip]`` (by value, not by norm, as the reference does)."""
    schedule = DecayingLearningRate(hps.learning_rate, hps.decay_rate, hps.min_learning_rate)
    return keras.optimizers.Adam(learning_rate=schedule, clipvalue=hps.grad_clip)
