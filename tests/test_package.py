"""The package as a student meets it: every module that a chapter or the README names is
reachable after a plain ``import sketchlib``."""

import subprocess
import sys
from pathlib import Path

import pytest

import sketchlib


def test_every_module_is_listed():
    folder = Path(sketchlib.__file__).parent
    files = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    assert set(sketchlib.MODULES) == files | {"exercises"}


def test_modules_are_reachable_after_import_sketchlib():
    code = ("import sketchlib; model = sketchlib.pretrained.load('sheep_decoder'); "
            "print(type(model).__name__, sketchlib.sampling.DEFAULT_TEMPERATURE)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["SketchRNN", "0.5"]
    with pytest.raises(AttributeError, match="no_such_module"):
        sketchlib.no_such_module
