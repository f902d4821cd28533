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


def test_modules_import_only_modules_above_them_in_the_readme_map():
    """The README's map lists every module, and a module imports only modules listed above it
    (no cycle, one direction), lazy imports inside functions included."""
    import re

    folder = Path(sketchlib.__file__).parent
    readme = (folder.parent / "README.md").read_text()
    section = readme.split("## The package, module by module")[1].split("\n## ")[0]
    order = re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE)
    assert set(order) == {p.stem for p in folder.glob("*.py")} - {"__init__"}
    for position, name in enumerate(order):
        source = (folder / f"{name}.py").read_text()
        imported = set(re.findall(r"from \.(\w+) import", source))
        for group in re.findall(r"from \. import ([\w, ]+)", source):
            imported |= {word.strip() for word in group.split(",")}
        imported &= set(order)
        above = set(order[:position])
        assert imported <= above, f"{name} imports {sorted(imported - above)}, listed below it"
