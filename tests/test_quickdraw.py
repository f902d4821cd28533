"""sketchlib.quickdraw: ndjson reading and Google's simplification pipeline."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from conftest import QUICKDRAW_CLASSES, RAW_COUNTS
from hypothesis import given
from hypothesis import strategies as st

from sketchlib.quickdraw import (
    Drawing,
    align_and_scale,
    parse_drawing,
    read_ndjson,
    resample,
    simplify_drawing,
)
from sketchlib.strokes import polylines_to_stroke3

# Per SOURCES.md: recognized count, max strokes and max points per drawing of each sample.
RAW_TABLE = {"cat": (23, 19, 605), "owl": (17, 12, 530), "pig": (17, 20, 577),
             "flamingo": (22, 13, 651), "sheep": (23, 11, 685)}
SIMPLIFIED_TABLE = {"cat": (23, 19, 79), "owl": (22, 16, 97), "pig": (23, 20, 107),
                    "flamingo": (23, 13, 87), "sheep": (25, 11, 102)}


def ndjson_path(folder, kind, word):
    return folder / "quickdraw" / "ndjson" / kind / f"{word}.ndjson"


def ndjson_params(kinds=("raw", "simplified")):
    return [pytest.param(kind, word, id=f"{kind}-{word}", marks=pytest.mark.shared_files(
        f"quickdraw/ndjson/{kind}/{word}.ndjson")) for kind in kinds for word in QUICKDRAW_CLASSES]


def pair_params():
    return [pytest.param(word, id=word, marks=pytest.mark.shared_files(
        f"quickdraw/ndjson/raw/{word}.ndjson", f"quickdraw/ndjson/simplified/{word}.ndjson"))
        for word in QUICKDRAW_CLASSES]


def assert_same_drawings(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        assert (a.word, a.key_id, a.countrycode, a.timestamp, a.recognized) == (
            b.word, b.key_id, b.countrycode, b.timestamp, b.recognized)
        assert len(a.strokes) == len(b.strokes)
        for sa, sb in zip(a.strokes, b.strokes):
            np.testing.assert_array_equal(sa, sb)


def hausdorff(a, b):
    distances = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))
    return max(distances.min(axis=1).max(), distances.min(axis=0).max())


# --------------------------------------------------------------------------- reading files


@pytest.mark.parametrize("kind, word", ndjson_params())
def test_read_shared_ndjson(shared_data, kind, word):
    records = read_ndjson(ndjson_path(shared_data, kind, word))
    drawings = records.drawings
    assert records.skipped == []
    expected_count = RAW_COUNTS[word] if kind == "raw" else 25
    assert len(drawings) == expected_count
    recognized, max_strokes, max_points = (RAW_TABLE if kind == "raw" else SIMPLIFIED_TABLE)[word]
    assert sum(d.recognized for d in drawings) == recognized
    assert max(len(d.strokes) for d in drawings) == max_strokes
    assert max(sum(len(s) for s in d.strokes) for d in drawings) == max_points
    for drawing in drawings:
        assert drawing.word == word
        assert drawing.key_id.isdigit()
        assert drawing.timestamp.endswith("UTC")
        assert len(drawing.countrycode) == 2
        assert drawing.has_time == (kind == "raw")
        columns = 3 if kind == "raw" else 2
        assert all(s.ndim == 2 and s.shape[1] == columns and len(s) for s in drawing.strokes)
        assert all(line.shape[1] == 2 for line in drawing.polylines())
        if kind == "simplified":
            points = np.vstack(drawing.strokes)
            assert (points == np.round(points)).all()
            assert points.min() >= 0 and points.max() <= 255


@pytest.mark.parametrize("word", pair_params())
def test_raw_drawings_are_the_first_simplified_drawings(shared_data, word):
    raw = read_ndjson(ndjson_path(shared_data, "raw", word)).drawings
    simplified = read_ndjson(ndjson_path(shared_data, "simplified", word)).drawings
    assert [d.key_id for d in raw] == [d.key_id for d in simplified[:len(raw)]]


@pytest.mark.parametrize("word", [pytest.param("cat", marks=pytest.mark.shared_files(
    "quickdraw/ndjson/raw/cat.ndjson", "quickdraw/ndjson/simplified/cat.ndjson"))])
def test_raw_file_without_final_newline(shared_data, word):
    path = ndjson_path(shared_data, "raw", word)
    data = path.read_bytes()
    assert not data.endswith(b"\n")  # as SOURCES.md says
    drawings = read_ndjson(path).drawings
    assert len(drawings) == RAW_COUNTS[word]
    last_line = json.loads(data.decode("utf-8").splitlines()[-1])
    assert drawings[-1].key_id == last_line["key_id"]
    for stroke, (xs, ys, ts) in zip(drawings[-1].strokes, last_line["drawing"]):
        np.testing.assert_array_equal(stroke, np.column_stack([xs, ys, ts]))


@pytest.mark.parametrize("kind, word", [p for p in ndjson_params() if p.values[1] == "cat"])
def test_read_ndjson_from_path_stream_bytes_and_lines(shared_data, kind, word):
    path = ndjson_path(shared_data, kind, word)
    reference = read_ndjson(path).drawings
    assert_same_drawings(read_ndjson(str(path)).drawings, reference)
    with open(path, encoding="utf-8") as stream:
        assert_same_drawings(read_ndjson(stream).drawings, reference)
    data = path.read_bytes()
    assert_same_drawings(read_ndjson(io.BytesIO(data)).drawings, reference)
    with open(path, "rb") as stream:
        assert_same_drawings(read_ndjson(stream).drawings, reference)
    text = data.decode("utf-8")
    assert_same_drawings(read_ndjson(io.StringIO(text)).drawings, reference)
    assert_same_drawings(read_ndjson(text.splitlines()).drawings, reference)
    assert_same_drawings(read_ndjson(text.splitlines(keepends=True)).drawings, reference)
    assert_same_drawings(read_ndjson(tuple(text.splitlines())).drawings, reference)


# --------------------------------------------------------------------------- synthetic lines

GOOD = json.dumps({"word": "cat", "key_id": "1", "countrycode": "FR", "timestamp": "t",
                   "recognized": False,
                   "drawing": [[[0, 10, 20], [5, 5, 0]], [[3.5, 4.5], [1, 2]]]})
GOOD_RAW = json.dumps({"word": "owl", "drawing": [[[0, 1.5], [2, 3], [0, 17]]]})

MALFORMED = {
    "bad-json": ('{"word": "cat", "drawing": [[[1, 2], [3, 4]]', ""),
    "missing-drawing": ('{"word": "cat"}', "drawing"),
    "not-an-object": ("[1, 2, 3]", "drawing"),
    "empty-drawing": ('{"drawing": []}', "non-empty"),
    "ragged": ('{"drawing": [[[1, 2, 3], [4, 5]]]}', "differ in length"),
    "empty-stroke": ('{"drawing": [[[], []]]}', "empty"),
    "one-column": ('{"drawing": [[[1, 2, 3]]]}', "stroke 0"),
    "non-numeric": ('{"drawing": [[[1, 2], [3, 4]], [["a", "b"], [3, 4]]]}', "numbers"),
    "null": ('{"drawing": [[[1, null], [3, 4]]]}', "numbers"),  # null is not a number
    "nan": ('{"drawing": [[[1, NaN], [3, 4]]]}', "NaN"),
    "mixed-formats": ('{"drawing": [[[1, 2], [3, 4]], [[1, 2], [3, 4], [5, 6]]]}', "mix"),
}


def test_parse_drawing_fields():
    drawing = parse_drawing(json.loads(GOOD))
    assert isinstance(drawing, Drawing)
    assert (drawing.word, drawing.key_id, drawing.countrycode, drawing.timestamp) == (
        "cat", "1", "FR", "t")
    assert drawing.recognized is False
    assert not drawing.has_time
    np.testing.assert_array_equal(drawing.strokes[0], [[0, 5], [10, 5], [20, 0]])
    np.testing.assert_array_equal(drawing.strokes[1], [[3.5, 1], [4.5, 2]])
    np.testing.assert_array_equal(drawing.to_stroke3(), [[10, 0, 0], [10, -5, 1],
                                                         [-16.5, 1, 0], [1, 1, 1]])
    raw = parse_drawing(json.loads(GOOD_RAW))
    assert raw.has_time
    np.testing.assert_array_equal(raw.strokes[0], [[0, 2, 0], [1.5, 3, 17]])
    np.testing.assert_array_equal(raw.polylines()[0], [[0, 2], [1.5, 3]])
    np.testing.assert_array_equal(raw.to_stroke3(), [[1.5, 1, 1]])


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_line_raises_with_line_number(name):
    bad, reason = MALFORMED[name]
    lines = [GOOD, "", bad, GOOD_RAW.replace("owl", "cat")]  # the bad line is line 3
    with pytest.raises(ValueError) as info:
        read_ndjson(lines)
    message = str(info.value)
    assert "line 3" in message
    assert reason in message


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_line_skipped_and_recorded(name):
    bad, reason = MALFORMED[name]
    lines = [GOOD, "", bad, GOOD, bad, "   "]
    records = read_ndjson(lines, errors="skip")
    assert len(records.drawings) == 2
    assert [number for number, _ in records.skipped] == [3, 5]
    assert all(reason in text and text for _, text in records.skipped)


def test_malformed_line_in_a_file_names_the_file(tmp_path):
    path = tmp_path / "broken.ndjson"
    path.write_text(GOOD + "\n" + GOOD + "\n" + "{oops\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.ndjson, line 3"):
        read_ndjson(path)
    records = read_ndjson(path, errors="skip")
    assert len(records.drawings) == 2
    assert [number for number, _ in records.skipped] == [3]


def test_read_ndjson_limit_and_errors_argument():
    lines = [GOOD] * 5
    assert len(read_ndjson(lines, limit=3).drawings) == 3
    assert len(read_ndjson(lines).drawings) == 5
    # The limit stops reading: a bad line after it is never seen.
    assert len(read_ndjson([GOOD, GOOD, "{bad"], limit=2).drawings) == 2
    with pytest.raises(ValueError, match="errors"):
        read_ndjson(lines, errors="ignore")
    with pytest.raises(TypeError):
        read_ndjson(42)


@pytest.mark.parametrize("how", ["bytes-stream", "path"])
def test_invalid_utf8_line_is_a_malformed_line(tmp_path, how):
    """A line that is not UTF-8 is a malformed line like any other: the error names its line
    number, and errors="skip" skips it."""
    data = (GOOD + "\n").encode() + b'{"word": "\xff\xfe"}\n' + (GOOD + "\n").encode()

    def source():
        if how == "path":
            path = tmp_path / "latin.ndjson"
            path.write_bytes(data)
            return path
        return io.BytesIO(data)

    with pytest.raises(ValueError, match="line 2"):
        read_ndjson(source())
    records = read_ndjson(source(), errors="skip")
    assert len(records.drawings) == 2
    assert [number for number, _ in records.skipped] == [2]


# --------------------------------------------------------------------------- simplification


@pytest.mark.shared_files(*(f"quickdraw/ndjson/{kind}/{word}.ndjson"
                            for kind in ("raw", "simplified") for word in QUICKDRAW_CLASSES))
def test_simplify_drawing_matches_google(shared_data):
    """Raw -> simplify_drawing vs Google's simplified drawing of the same key_id: measured,
    104 of 111 identical and the others within 8.5 px (Hausdorff)."""
    identical, total, worst = 0, 0, 0.0
    for word in QUICKDRAW_CLASSES:
        raw = read_ndjson(ndjson_path(shared_data, "raw", word)).drawings
        google = {d.key_id: d for d in read_ndjson(ndjson_path(shared_data, "simplified",
                                                               word)).drawings}
        for drawing in raw:
            theirs = google[drawing.key_id].polylines()
            mine = simplify_drawing(drawing.strokes)
            total += 1
            assert len(mine) == len(theirs), drawing.key_id
            points = np.vstack(mine)
            assert (points == np.round(points)).all()
            assert points.min() >= 0 and points.max() <= 255
            same = all(a.shape == b.shape and (a == b).all() for a, b in zip(mine, theirs))
            identical += same
            distance = hausdorff(points, np.vstack(theirs))
            assert distance <= 10.0, (word, drawing.key_id, distance)
            worst = max(worst, distance)
    assert total == sum(RAW_COUNTS.values()) == 111
    assert identical >= 0.9 * total, f"only {identical} of {total} identical"


def test_simplify_drawing_steps_on_synthetic_lines():
    rng = np.random.default_rng(5)
    t = np.linspace(0, 2 * np.pi, 400)
    circle = np.column_stack([300 + 120 * np.cos(t), 80 + 60 * np.sin(t), t * 1000])
    scribble = np.cumsum(rng.normal(size=(50, 2)), axis=0) * 5 + 200
    scribble = np.column_stack([scribble, np.arange(50.0)])
    result = simplify_drawing([circle, scribble])
    assert len(result) == 2
    points = np.vstack(result)
    assert (points == np.round(points)).all()
    assert points.min(axis=0).tolist() == [0, 0]
    assert points.max() == 255
    assert all(line.shape[1] == 2 for line in result)
    # The same as doing the steps by hand.
    from sketchlib.strokes import rdp

    scaled = align_and_scale([circle[:, :2], scribble[:, :2]])
    by_hand = [np.round(rdp(resample(line), 2.0)) for line in scaled]
    for a, b in zip(result, by_hand):
        np.testing.assert_array_equal(a, b)
    # RDP made the dense circle much shorter.
    assert len(result[0]) < 60


def test_align_and_scale_example():
    lines = [np.array([[10.0, 10.0], [20.0, 15.0]]), np.array([[12.0, 12.0]])]
    result = align_and_scale(lines)
    np.testing.assert_allclose(result[0], [[0, 0], [255, 127.5]])
    np.testing.assert_allclose(result[1], [[51, 51]])
    np.testing.assert_allclose(align_and_scale(lines, size=1.0)[0], [[0, 0], [1, 0.5]])
    # A single point: moved to the origin, not scaled.
    np.testing.assert_array_equal(align_and_scale([np.array([[7.0, 9.0]])])[0], [[0, 0]])


@pytest.mark.parametrize("word", [p for p in pair_params()])
def test_align_and_scale_real_raw_drawings(shared_data, word):
    for drawing in read_ndjson(ndjson_path(shared_data, "raw", word)).drawings:
        lines = drawing.polylines()
        before = np.vstack(lines)
        extent_before = before.max(axis=0) - before.min(axis=0)
        points = np.vstack(align_and_scale(lines))
        assert points.min(axis=0) == pytest.approx([0, 0], abs=1e-9)
        extent = points.max(axis=0)
        longer = int(np.argmax(extent_before))
        assert extent[longer] == pytest.approx(255, abs=1e-9)
        assert extent[1 - longer] <= 255 + 1e-9
        # Uniform scaling: the aspect ratio is kept.
        assert extent[1 - longer] / 255 == pytest.approx(
            extent_before[1 - longer] / extent_before[longer], rel=1e-9)


def test_resample_examples():
    np.testing.assert_allclose(resample([[0, 0], [3, 4]]),
                               [[0, 0], [0.6, 0.8], [1.2, 1.6], [1.8, 2.4], [2.4, 3.2], [3, 4]])
    # An L of arc length 5.5: points every 1 px along the path, then the end.
    np.testing.assert_allclose(resample([[0, 0], [3, 0], [3, 2.5]]),
                               [[0, 0], [1, 0], [2, 0], [3, 0], [3, 1], [3, 2], [3, 2.5]])
    np.testing.assert_allclose(resample([[0, 0], [10, 0]], spacing=2.5),
                               [[0, 0], [2.5, 0], [5, 0], [7.5, 0], [10, 0]])
    # Repeated points inside a stroke are harmless.
    np.testing.assert_allclose(resample([[0, 0], [2, 0], [2, 0], [4, 0]]),
                               [[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]])


@pytest.mark.parametrize("line", [[[5.0, 5.0]], [[5.0, 5.0], [5.0, 5.0]],
                                  [[5.0, 5.0], [5.0, 5.0], [5.0, 5.0], [5.0, 5.0]]],
                         ids=["one-point", "two-points", "four-points"])
def test_resample_zero_length_stroke_gives_two_identical_points(line):
    result = resample(line)
    np.testing.assert_array_equal(result, [[5.0, 5.0], [5.0, 5.0]])


@given(st.floats(-100, 100), st.floats(-100, 100), st.floats(0, 2 * np.pi),
       st.floats(0.01, 300))
def test_resample_straight_line_spacing_is_one_pixel(x, y, angle, length):
    start = np.array([x, y])
    end = start + length * np.array([np.cos(angle), np.sin(angle)])
    length = float(np.hypot(*(end - start)))
    result = resample(np.vstack([start, end]))
    np.testing.assert_allclose(result[0], start)
    np.testing.assert_allclose(result[-1], end, atol=1e-9)
    steps = np.hypot(*np.diff(result, axis=0).T)
    assert len(steps) == int(np.ceil(length - 1e-9))
    np.testing.assert_allclose(steps[:-1], 1.0, atol=1e-9)
    assert 0 < steps[-1] <= 1 + 1e-9


@given(st.lists(st.tuples(st.floats(-50, 50), st.floats(-50, 50)), min_size=2, max_size=20))
def test_resample_polyline_keeps_ends_and_spacing_at_most_one(points):
    line = np.array(points)
    length = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(line, axis=0).T))])[-1]
    result = resample(line)
    np.testing.assert_allclose(result[0], line[0])
    if length == 0:
        np.testing.assert_array_equal(result, line[[0, -1]])
        return
    np.testing.assert_allclose(result[-1], line[-1], atol=1e-6)
    steps = np.hypot(*np.diff(result, axis=0).T)
    # Points are 1 px apart along the path, so at most 1 px apart in a straight line.
    assert (steps <= 1 + 1e-9).all()
    assert len(result) == int(np.floor(length)) + 1 + (length - np.floor(length) > 1e-9)


def test_drawing_to_stroke3_matches_polylines():
    drawing = parse_drawing(json.loads(GOOD))
    np.testing.assert_array_equal(drawing.to_stroke3(),
                                  polylines_to_stroke3(drawing.polylines()))
