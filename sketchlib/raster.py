"""A blurred raster of a sketch's shape: the target of the auxiliary shape loss
(``hps.shape_loss_weight``), which asks the VAE's code ``z`` to tell what the drawing looks like.

The ink is placed as :mod:`sketchlib.similarity` places it, so that only the shape counts: the
sketch is scaled into the unit square (its longer side 1, centred), and every pen-down segment
puts its length of ink at four points spread evenly along it (the centres of its quarters),
each spread over a ``size`` x ``size`` grid by a Gaussian one pixel wide. The raster is
divided by its sum, a distribution over pixels: the share of the ink near each pixel. Written
in ``keras.ops``, it runs inside the training step on every backend, on a whole stroke-5 batch
at once.
"""

from __future__ import annotations

from keras import ops

#: Where along a segment its ink is placed: the centres of its four quarters.
SEGMENT_FRACTIONS = (0.125, 0.375, 0.625, 0.875)


def soft_raster(strokes5, size: int = 16):
    """Stroke-5 sketches ``(B, N, 5)`` (padding rows have ``p3 = 1``) -> rasters
    ``(B, size, size)`` (rows are y, columns x), each summing to 1. Ink: the segments between
    two points joined by the pen (down after the first), each weighted by its length. A sketch
    without ink (no rows, or dots only) gives a uniform raster."""
    strokes5 = ops.convert_to_tensor(strokes5, "float32")
    valid = 1.0 - strokes5[..., 4]  # (B, N)
    position = ops.cumsum(strokes5[..., :2] * valid[..., None], axis=1)  # (B, N, 2)
    previous = ops.pad(position[:, :-1], [[0, 0], [1, 0], [0, 0]])
    drawn = ops.pad(strokes5[:, :-1, 2], [[0, 0], [1, 0]]) * valid  # segment k drawn
    length = ops.sqrt(ops.sum(ops.square(position - previous), axis=-1) + 1e-12)  # (B, N)
    points = ops.concatenate([previous + t * (position - previous)
                              for t in SEGMENT_FRACTIONS], axis=1)  # (B, 4N, 2)
    weights = ops.concatenate([drawn * length] * len(SEGMENT_FRACTIONS), axis=1)  # (B, 4N)

    # The bounding box of the sketch's points (its segments lie inside it), longer side 1.
    inside = valid[..., None] > 0
    low = ops.min(ops.where(inside, position, 1e9), axis=1, keepdims=True)  # (B, 1, 2)
    high = ops.max(ops.where(inside, position, -1e9), axis=1, keepdims=True)
    side = ops.maximum(ops.max(high - low, axis=-1, keepdims=True), 1e-6)
    unit = ops.clip((points - (low + high) / 2) / side, -1.0, 1.0)  # (B, 4N, 2), in [-.5, .5]

    centres = (ops.arange(size, dtype="float32") + 0.5) / size - 0.5  # (size,)
    spread = ops.exp(-0.5 * ops.square((unit[..., None] - centres) * size))  # (B, 4N, 2, size)
    raster = ops.einsum("bpy,bpx->byx", spread[:, :, 1] * weights[..., None], spread[:, :, 0])
    raster = raster + 1e-6  # so that an empty sketch is uniform, not 0 / 0
    return raster / ops.sum(raster, axis=(1, 2), keepdims=True)


def shape_divergence(raster, logits):
    """``KL(raster || softmax(logits))`` averaged over the batch: how far a predicted raster
    (``logits`` ``(B, size * size)``) is from the sketches' ``raster`` ``(B, size, size)``;
    0 when they agree."""
    target = ops.reshape(raster, (ops.shape(raster)[0], -1))
    log_predicted = ops.log_softmax(logits, axis=-1)
    return ops.mean(ops.sum(target * (ops.log(target) - log_predicted), axis=-1))
