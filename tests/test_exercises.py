"""The exercise checks accept sketchlib's own functions and reject typical mistakes with the
right hint."""

import numpy as np

from sketchlib import exercises, strokes
from sketchlib.synthetic import synthetic_splits


def test_checks_accept_correct_functions(capsys):
    train = synthetic_splits(20, 0, 0, seed=3)["train"]
    assert exercises.check_stroke3_to_stroke5(strokes.stroke3_to_stroke5)
    assert exercises.check_rdp(strokes.rdp)
    assert exercises.check_scale_factor(strokes.scale_factor, train)
    assert capsys.readouterr().out.count("Correct:") == 3


def test_unwritten_function_is_reported_not_raised(capsys):
    def unwritten(*args):
        raise NotImplementedError

    assert not exercises.check_stroke3_to_stroke5(unwritten)
    assert not exercises.check_rdp(unwritten)
    assert not exercises.check_scale_factor(unwritten, [np.array([[1, 2, 1]])])
    out = capsys.readouterr().out
    assert out.count("not written yet") == 3 and out.count("Hint:") == 3


def test_stroke5_check_names_the_mistake(capsys):
    def swapped_pens(sketch, max_len):
        result = strokes.stroke3_to_stroke5(sketch, max_len)
        result[:len(sketch), [2, 3]] = result[:len(sketch), [3, 2]]
        return result

    def no_padding(sketch, max_len):
        return strokes.stroke3_to_stroke5(sketch, max_len)[:len(sketch)]

    def zero_padding(sketch, max_len):
        result = strokes.stroke3_to_stroke5(sketch, max_len)
        result[len(sketch):] = 0
        return result

    assert not exercises.check_stroke3_to_stroke5(swapped_pens)
    assert "pen state" in capsys.readouterr().out
    assert not exercises.check_stroke3_to_stroke5(no_padding)
    assert "shape" in capsys.readouterr().out
    assert not exercises.check_stroke3_to_stroke5(zero_padding)
    assert "(0, 0, 0, 0, 1)" in capsys.readouterr().out


def test_rdp_check_names_the_mistake(capsys):
    def keeps_everything(points, epsilon):
        return np.asarray(points)

    def ignores_closed_strokes(points, epsilon):
        points = np.asarray(points, dtype=float)
        if np.allclose(points[0], points[-1]):
            return points[[0, -1]]
        return strokes.rdp(points, epsilon)

    assert not exercises.check_rdp(keeps_everything)
    assert "sketchlib keeps 2" in capsys.readouterr().out
    assert not exercises.check_rdp(ignores_closed_strokes)
    assert "both ends are the same point" in capsys.readouterr().out


def test_scale_factor_check_names_the_mistake(capsys):
    train = synthetic_splits(20, 0, 0, seed=3)["train"]

    def per_axis(sketches):
        return np.concatenate([s[:, :2] for s in sketches]).astype(float).std(axis=0).mean()

    def with_pen(sketches):
        return np.concatenate([s.ravel() for s in sketches]).astype(float).std()

    assert not exercises.check_scale_factor(per_axis, train)
    assert "one number for both axes" in capsys.readouterr().out
    assert not exercises.check_scale_factor(with_pen, train)
    assert "not the pen" in capsys.readouterr().out


def test_chapter_solutions_pass_their_checks(capsys):
    """Every python block inside a {solution} directive of a chapter passes its check."""
    import json
    import re
    from pathlib import Path

    namespace = {"np": np, "exercises": exercises, "strokes": strokes,
                 "raw_sheep": synthetic_splits(30, 0, 0, seed=5)}
    chapters = sorted((Path(__file__).resolve().parents[1] / "chapters").glob("*.ipynb"))
    solutions = 0
    for chapter in chapters:
        for cell in json.loads(chapter.read_text())["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] != "markdown" or "{solution}" not in text:
                continue
            for code in re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL):
                exec(code, namespace)
                out = capsys.readouterr().out
                assert "Not yet" not in out, f"{chapter.name}: a solution fails its check:\n{out}"
                solutions += "Correct:" in out
    assert solutions >= 3
