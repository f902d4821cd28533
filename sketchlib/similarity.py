"""How alike two drawings look: a distance between the *shapes* of two sketches, and the tests
it serves, whether a reconstruction is closer to its own original than to other sketches (the
line-up, :func:`identification_ranks`), and whether a VAE's code carries the drawing
(:func:`code_auc`).

The distance ignores where a drawing sits and how large it is, and how its strokes are cut
into points: each sketch is scaled into the unit square (its longer side 1, centred), its
strokes are resampled at an even spacing, and the distance is the symmetric Chamfer
distance of the two point sets, the mean distance from a point of one drawing to the nearest
point of the other, both ways, averaged. Pen-up moves are not ink and do not count.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .latent import decode, encode
from .strokes import bounds, stroke3_to_polylines


def ink_points(sketch, spacing: float = 0.02) -> np.ndarray:
    """The ink of a stroke-3 ``sketch`` as points ``(k, 2)``: scaled into the unit square
    (longer side 1, centred on the origin) and resampled every ``spacing`` along its strokes
    (each stroke's ends included; a dot is one point). An empty sketch has no points."""
    if len(sketch) == 0:
        return np.zeros((0, 2))
    lines = [np.asarray(line, dtype=np.float64) for line in stroke3_to_polylines(sketch)]
    points = np.vstack(lines)
    low, high = points.min(axis=0), points.max(axis=0)
    size = float((high - low).max()) or 1.0
    centre = (low + high) / 2
    resampled = []
    for line in lines:
        line = (line - centre) / size
        steps = np.linalg.norm(np.diff(line, axis=0), axis=1)
        along = np.concatenate([[0.0], np.cumsum(steps)])
        if along[-1] == 0:
            resampled.append(line[:1])
            continue
        at = np.append(np.arange(0.0, along[-1], spacing), along[-1])
        resampled.append(np.column_stack([np.interp(at, along, line[:, 0]),
                                          np.interp(at, along, line[:, 1])]))
    return np.vstack(resampled)


def chamfer_distance(a, b, spacing: float = 0.02) -> float:
    """Symmetric Chamfer distance between the shapes of stroke-3 sketches ``a`` and ``b`` (see
    the module docstring), in units of the drawings' longer side: 0 for the same drawing at
    any position and size; between two different aaron_sheep test sheep, 0.04 to 0.07 (10th
    to 90th percentile of 30 pairs); ``inf`` if either is empty."""
    return _chamfer(_Ink(a, spacing), _Ink(b, spacing))


def identification_ranks(reconstructions, originals, spacing: float = 0.02) -> np.ndarray:
    """For each reconstruction ``i``, the rank of its own original ``i`` among all
    ``originals`` ordered by :func:`chamfer_distance` to it: 1 when the closest original is
    its own, ``len(originals)`` when its own is the farthest (or the reconstruction is
    empty). ``(n,)`` integers."""
    if len(reconstructions) != len(originals):
        raise ValueError(f"{len(reconstructions)} reconstructions for {len(originals)} "
                         "originals")
    distances = distance_matrix(reconstructions, originals, spacing)
    ranks = [len(originals) if not np.isfinite(row[i]) else 1 + int(np.sum(row < row[i]))
             for i, row in enumerate(distances)]
    return np.array(ranks)


def distance_matrix(rows, columns, spacing: float = 0.02) -> np.ndarray:
    """:func:`chamfer_distance` of every sketch of ``rows`` to every sketch of ``columns``:
    ``(len(rows), len(columns))``, each sketch's ink resampled once."""
    inks = [_Ink(s, spacing) for s in columns]
    return np.array([[_chamfer(ink, other) for other in inks]
                     for ink in (_Ink(s, spacing) for s in rows)]).reshape(len(rows), len(inks))


def pairwise_auc(originals, drawings, spacing: float = 0.02) -> float:
    """How often an original is nearer (:func:`chamfer_distance`) to its own drawing than to
    another's: over all pairs ``i != j``, the share with ``d(original_i, drawing_i) <
    d(original_i, drawing_j)``, ties counted half. 1.0: every original is nearest its own
    drawing; 0.5: the drawings do not know whose they are (chance)."""
    if len(drawings) != len(originals) or len(originals) < 2:
        raise ValueError(f"{len(drawings)} drawings for {len(originals)} originals (at least "
                         "2 of each, as many drawings as originals)")
    wins = 0.0
    for i, row in enumerate(distance_matrix(originals, drawings, spacing)):
        others = np.delete(row, i)
        wins += np.sum(row[i] < others) + 0.5 * np.sum(row[i] == others)
    n = len(originals)
    return float(wins / (n * (n - 1)))


def code_auc(model, sketches, temperature: float = 0.1, seeds=(0, 1, 2),
             spacing: float = 0.02) -> float:
    """Whether a conditional model's codes carry the drawings: each of ``sketches`` (normalised
    stroke-3) is encoded (to its mean) and decoded at ``temperature`` with the *same* random
    numbers for every code, so that only ``z`` differs; :func:`pairwise_auc` of the sketches
    and these drawings, averaged over ``seeds``. 0.5 for a decoder that ignores its code."""
    codes = encode(model, sketches)
    return float(np.mean([pairwise_auc(sketches, decode(model, codes, temperature, seed=seed,
                                                        same_noise=True), spacing)
                          for seed in seeds]))


def properties(sketch) -> dict:
    """What a drawing's code might carry besides its shape, for stroke-3 ``sketch``: its
    number of ``rows`` and ``strokes``, its ``width``, the mean length of a ``step``, and its
    ``aspect`` ratio (log of width over height)."""
    sketch = np.asarray(sketch, np.float64)
    min_x, max_x, min_y, max_y = bounds(sketch)
    width, height = max_x - min_x + 1e-9, max_y - min_y + 1e-9
    return {"rows": len(sketch), "strokes": float(sketch[:, 2].sum()), "width": width,
            "step": float(np.linalg.norm(sketch[:, :2], axis=1).mean()),
            "aspect": float(np.log(width / height))}


def property_correlations(originals, drawings) -> dict:
    """For each of :func:`properties`, the correlation across the pairs between its value in
    ``originals[i]`` and in ``drawings[i]`` (their reconstructions, say): near 1 when the
    drawings take it from their originals, near 0 when they do not. Empty drawings are left
    out."""
    pairs = [(properties(a), properties(b)) for a, b in zip(originals, drawings) if len(b)]
    return {name: float(np.corrcoef([a[name] for a, _ in pairs],
                                    [b[name] for _, b in pairs])[0, 1])
            for name in pairs[0][0]}


class _Ink:
    """A sketch's ink points and their k-d tree (nearest-point queries in log time)."""

    def __init__(self, sketch, spacing: float):
        self.points = ink_points(sketch, spacing)
        self.tree = cKDTree(self.points) if len(self.points) else None


def _chamfer(p: _Ink, q: _Ink) -> float:
    if p.tree is None or q.tree is None:
        return float("inf")
    return float((q.tree.query(p.points)[0].mean() + p.tree.query(q.points)[0].mean()) / 2)
