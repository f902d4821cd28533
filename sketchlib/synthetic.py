"""Synthetic sketches that sketchlib draws itself: simple shapes with human-like wobble.

They come in the same form as the real datasets, need no download, and are deterministic by
seed, so the tests and quick classroom runs can use them anywhere.
"""

from __future__ import annotations

import numpy as np

from .datasets import SPLITS, SketchDataset, prepare
from .quickdraw import simplify_drawing
from .strokes import polylines_to_stroke3

CLASSES = ("circle", "square", "triangle", "star", "face")


def _wobble(points: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Add smooth, low-frequency noise along a dense path ``(k, 2)``, like a hand's tremor."""
    t = np.linspace(0.0, 1.0, len(points))[:, None]
    noise = sum(rng.normal(0, amount / (f + 1), size=(1, 2)) *
                np.sin(2 * np.pi * (f + 1) * t + rng.uniform(0, 2 * np.pi, size=(1, 2)))
                for f in range(3))
    return points + noise


def _closed_polygon(corners: np.ndarray, per_side: int = 20) -> np.ndarray:
    """A dense closed path through ``corners`` ``(c, 2)``, back to the first corner."""
    ends = np.vstack([corners, corners[:1]])
    t = np.linspace(0.0, 1.0, per_side, endpoint=False)[:, None]
    path = [a + (b - a) * t for a, b in zip(ends[:-1], ends[1:])]
    return np.vstack(path + [ends[-1:]])


def _ellipse(rng, center, radii, start, sweep, n=60) -> np.ndarray:
    angles = start + np.linspace(0.0, sweep, n)
    return np.column_stack([center[0] + radii[0] * np.cos(angles),
                            center[1] + radii[1] * np.sin(angles)])


def draw_shape(kind: str, rng: np.random.Generator) -> list[np.ndarray]:
    """One drawing of ``kind`` (one of :data:`CLASSES`) as dense polylines, before
    simplification. Image coordinates: y grows downwards, as in QuickDraw."""
    overshoot = rng.uniform(0.0, 0.4)
    if kind == "circle":
        radii = rng.uniform(0.8, 1.2, size=2)
        lines = [_ellipse(rng, (0, 0), radii, rng.uniform(0, 2 * np.pi), 2 * np.pi + overshoot)]
    elif kind == "square":
        w, h = rng.uniform(0.8, 1.2, size=2)
        lines = [_closed_polygon(np.array([[-w, -h], [w, -h], [w, h], [-w, h]]))]
    elif kind == "triangle":
        lines = [_closed_polygon(np.array([[0, -1.1], [1.0, 0.8], [-1.0, 0.8]])
                                 + rng.normal(0, 0.08, size=(3, 2)))]
    elif kind == "star":
        angles = -np.pi / 2 + np.arange(5) * 4 * np.pi / 5
        tips = np.column_stack([np.cos(angles), np.sin(angles)]) + rng.normal(0, 0.05, (5, 2))
        lines = [_closed_polygon(tips, per_side=25)]
    elif kind == "face":
        head = _ellipse(rng, (0, 0), rng.uniform(0.9, 1.1, size=2), rng.uniform(0, 2 * np.pi),
                        2 * np.pi + overshoot)
        eyes = [_ellipse(rng, (side * 0.35, -0.3), (0.08, 0.1), 0, 2 * np.pi, n=12)
                for side in (-1, 1)]
        smile = _ellipse(rng, (0, 0.1), (0.45, rng.uniform(0.2, 0.4)), 0.2, np.pi - 0.4, n=30)
        lines = [head, *eyes, smile]
    else:
        raise ValueError(f"unknown synthetic class {kind!r}; choose from {CLASSES}")
    angle = rng.normal(0.0, 0.15)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return [_wobble(line @ rotation.T, rng, 0.04) for line in lines]


def synthetic_sketch(kind: str, rng: np.random.Generator) -> np.ndarray:
    """One stroke-3 sketch ``(n, 3)`` (int16 offsets, like the official files): the shape on
    a 255-pixel canvas, simplified by Google's pipeline (RDP epsilon 2.0)."""
    lines = simplify_drawing(draw_shape(kind, rng))
    return polylines_to_stroke3(lines).astype(np.int16)


def synthetic_splits(n_train: int = 300, n_valid: int = 30, n_test: int = 30,
                     classes=CLASSES, seed: int = 0) -> dict[str, list[np.ndarray]]:
    """Raw splits ``{"train", "valid", "test"}`` cycling through ``classes``."""
    rng = np.random.default_rng(seed)
    counts = dict(zip(SPLITS, (n_train, n_valid, n_test)))
    return {split: [synthetic_sketch(classes[i % len(classes)], rng) for i in range(count)]
            for split, count in counts.items()}


def synthetic_dataset(n_train: int = 300, n_valid: int = 30, n_test: int = 30,
                      classes=CLASSES, seed: int = 0,
                      max_seq_len: int | None = None) -> SketchDataset:
    """A :class:`~sketchlib.datasets.SketchDataset` of synthetic shapes, deterministic by seed
    (``max_seq_len``: an optional cap, as in :func:`~sketchlib.datasets.prepare`)."""
    splits = synthetic_splits(n_train, n_valid, n_test, tuple(classes), seed)
    return prepare(splits, max_seq_len, names=("synthetic",))
