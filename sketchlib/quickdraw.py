"""QuickDraw ndjson files and Google's simplification pipeline.

A line of an ndjson file is one drawing: ``{"word", "countrycode", "timestamp", "recognized",
"key_id", "drawing"}``. In *raw* files each stroke is ``[[x...], [y...], [t...]]`` (float pixels
of the player's canvas, milliseconds); in *simplified* files ``[[x...], [y...]]``, integers in
0..255 after the pipeline of :func:`simplify_drawing`.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .strokes import polylines_to_stroke3, rdp


@dataclass
class Drawing:
    """One QuickDraw drawing. ``strokes``: list of ``(k, 2)`` (x, y) or ``(k, 3)`` (x, y, t)."""

    strokes: list[np.ndarray]
    word: str = ""
    key_id: str = ""
    countrycode: str = ""
    timestamp: str = ""
    recognized: bool = True

    @property
    def has_time(self) -> bool:
        return self.strokes[0].shape[1] == 3

    def polylines(self) -> list[np.ndarray]:
        """The strokes as ``(k, 2)`` absolute points, without timing."""
        return [stroke[:, :2] for stroke in self.strokes]

    def to_stroke3(self) -> np.ndarray:
        """The drawing as stroke-3 ``(P - 1, 3)``, P the number of points."""
        return polylines_to_stroke3(self.polylines())


@dataclass
class NdjsonRecords:
    """What :func:`read_ndjson` read: the drawings, and ``(line_number, reason)`` of each
    line it skipped (only when asked to skip)."""

    drawings: list[Drawing]
    skipped: list[tuple[int, str]] = field(default_factory=list)


def parse_drawing(record: dict) -> Drawing:
    """Turn one decoded ndjson object into a :class:`Drawing`; ``ValueError`` if malformed."""
    if not isinstance(record, dict) or "drawing" not in record:
        raise ValueError("no 'drawing' field")
    raw_strokes = record["drawing"]
    if not isinstance(raw_strokes, list) or not raw_strokes:
        raise ValueError("'drawing' must be a non-empty list of strokes")
    strokes = []
    for i, stroke in enumerate(raw_strokes):
        if not isinstance(stroke, list) or len(stroke) not in (2, 3):
            raise ValueError(f"stroke {i} must be [xs, ys] or [xs, ys, ts]")
        lengths = {len(column) if isinstance(column, list) else -1 for column in stroke}
        if len(lengths) != 1 or lengths == {0} or lengths == {-1}:
            raise ValueError(f"stroke {i}: coordinate lists are empty or differ in length")
        if any(isinstance(v, bool) or not isinstance(v, (int, float))
               for column in stroke for v in column):
            raise ValueError(f"stroke {i}: coordinates must be numbers")
        array = np.array(stroke, dtype=np.float64).T
        if not np.isfinite(array).all():
            raise ValueError(f"stroke {i}: NaN or infinite coordinate")
        strokes.append(array)
    if len({stroke.shape[1] for stroke in strokes}) != 1:
        raise ValueError("strokes mix raw (with time) and simplified (without) formats")
    return Drawing(strokes=strokes, word=str(record.get("word", "")),
                   key_id=str(record.get("key_id", "")),
                   countrycode=str(record.get("countrycode", "")),
                   timestamp=str(record.get("timestamp", "")),
                   recognized=bool(record.get("recognized", True)))


def read_ndjson(source, errors: str = "raise", limit: int | None = None) -> NdjsonRecords:
    """Read a QuickDraw ndjson file (raw or simplified).

    ``source``: a path, an open text or binary stream, or an iterable of lines.
    ``errors="raise"`` stops at the first malformed line with a ``ValueError`` naming its line
    number; ``errors="skip"`` skips it and records it in ``NdjsonRecords.skipped``.
    ``limit`` stops after that many drawings. Blank lines are ignored.
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', got {errors!r}")
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "ndjson input"
    records = NdjsonRecords(drawings=[])
    with _open_lines(source) as lines:
        for number, line in enumerate(lines, start=1):
            try:
                if isinstance(line, bytes):
                    line = line.decode("utf-8")
                if not line.strip():
                    continue
                records.drawings.append(parse_drawing(json.loads(line)))
            except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
                if errors == "raise":
                    raise ValueError(f"{name}, line {number}: {error}") from None
                records.skipped.append((number, str(error)))
            if limit is not None and len(records.drawings) >= limit:
                break
    return records


@contextmanager
def _open_lines(source):
    """Lines of a path (opened in binary, decoded line by line), a stream or an iterable."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as file:
            yield file
    elif hasattr(source, "__iter__"):
        yield iter(source)
    else:
        raise TypeError(f"cannot read lines from {type(source).__name__}")


def align_and_scale(lines, size: float = 255.0) -> list[np.ndarray]:
    """Move the drawing to the top-left corner (min x = min y = 0) and scale it uniformly so
    that its longer side is ``size``. ``lines``: list of ``(k, 2)`` arrays."""
    points = np.vstack(lines)
    low = points.min(axis=0)
    extent = float((points.max(axis=0) - low).max())
    factor = size / extent if extent > 0 else 1.0
    return [(line - low) * factor for line in lines]


def resample(line, spacing: float = 1.0) -> np.ndarray:
    """Points spaced ``spacing`` apart along a polyline ``(k, 2)`` (arc length), plus its end.

    A stroke of zero length (a dot) keeps its first and last point, as Google's files do."""
    line = np.asarray(line, dtype=np.float64)
    steps = np.hypot(*np.diff(line, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    if arc[-1] == 0:
        return line[[0, -1]].copy()
    targets = np.arange(0.0, arc[-1], spacing)
    if arc[-1] - targets[-1] > 1e-9:
        targets = np.append(targets, arc[-1])
    return np.column_stack([np.interp(targets, arc, line[:, 0]), np.interp(targets, arc, line[:, 1])])


def simplify_drawing(lines, epsilon: float = 2.0, size: float = 255.0) -> list[np.ndarray]:
    """Google's simplification of a raw drawing, step by step:

    1. align to the top-left and scale so the longer side is ``size`` (255),
    2. resample every stroke at 1-pixel spacing,
    3. Ramer-Douglas-Peucker with ``epsilon`` (2.0),
    4. round to whole pixels.

    ``lines``: list of ``(k, 2)`` (or ``(k, 3)`` with time, which is dropped). Returns the
    simplified strokes as ``(k', 2)`` integer-valued float arrays.
    """
    scaled = align_and_scale([np.asarray(line)[:, :2] for line in lines], size)
    return [np.round(rdp(resample(line), epsilon)) for line in scaled]
