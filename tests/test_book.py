"""The book: notebooks are committed clean and execute; the README's commands are the ones CI
runs; every Colab install cell installs the version of sketchlib the book is built with, from
the repository named in _config.yml.

``python tests/test_book.py`` rewrites the install cells from those two (after a version bump).
"""

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def install_cell_source() -> str:
    """The first code cell of every chapter: in Colab, pip-install the tag ``v<version>`` of
    the repository of _config.yml (``<version>``: ``sketchlib.__version__``)."""
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    version = re.search(r'^__version__ = "(.+)"$', (ROOT / "sketchlib" / "__init__.py")
                        .read_text(), flags=re.MULTILINE).group(1)
    return ("# In Google Colab, install the sketchlib this book was built with (elsewhere: "
            "nothing to do).\n"
            "import subprocess, sys\n"
            f'PACKAGE = "sketchlib @ git+{url}@v{version}"\n'
            'if "google.colab" in sys.modules:\n'
            '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], '
            "check=True)")


def first_code_cell(notebook: dict) -> dict:
    return next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")


def test_there_are_chapter_notebooks():
    assert NOTEBOOKS, "no notebook found in chapters/"


def test_every_notebook_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text()
    for notebook in NOTEBOOKS:
        assert f"chapters/{notebook.stem}" in toc, f"{notebook.name} is missing from _toc.yml"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    dirty = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{notebook.name}: cells {dirty} have outputs; clear them before committing"


# A "[" right after \begin{aligned} (or after a line break \\) is read by TeX and MathJax as
# an optional argument, and the bracketed term vanishes from the page: write {[...]} instead.
SWALLOWED_BRACKET = re.compile(r"(\\begin\{(?:aligned|split|gathered)\}|\\\\)\s*\[")


def math_sources(path: Path) -> str:
    if path.suffix == ".md":
        return path.read_text()
    return "\n".join("".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]
                     if cell["cell_type"] == "markdown")


@pytest.mark.parametrize("page", NOTEBOOKS + sorted((ROOT / "chapters").glob("*.md")),
                         ids=lambda p: p.name)
def test_no_bracket_is_swallowed_as_an_optional_argument(page):
    swallowed = [m.group(0) for m in SWALLOWED_BRACKET.finditer(math_sources(page))]
    assert not swallowed, f"{page.name}: {swallowed}: put the bracketed term in braces, {{[...]}}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_install_cell_installs_this_version(notebook):
    cell = first_code_cell(json.loads(notebook.read_text()))
    assert "".join(cell["source"]) == install_cell_source(), (
        f"{notebook.name}: its first code cell is not the install cell of this version and "
        "repository; run `python tests/test_book.py` to rewrite it")
    assert "hide-input" in cell["metadata"].get("tags", [])


def test_install_cell_pins_the_package_version():
    import sketchlib

    assert f"@v{sketchlib.__version__}\"" in install_cell_source()


def test_readme_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"^(?:\(cd browser && npm ci[^)]*\) && )?python3 -m venv .*$", readme,
                          flags=re.MULTILINE)
    assert len(commands) == 2, "the README must give exactly two set-up commands"
    assert "jupyter-book build . -W --keep-going" in commands[0]
    assert "pytest" in commands[1]
    for command in commands:
        assert command in ci, f".ci/run does not run the README's command: {command}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(notebook, shared_data):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(notebook, as_version=4)
    nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}}).execute()
    errors = [output for cell in nb.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert not errors


def test_show_source_displays_a_dedented_method(monkeypatch):
    """The chapters' sketchlib.show_source shows the package's own code, a method without
    its class's indentation."""
    import IPython.display

    import sketchlib
    from sketchlib.model import SketchRNN

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    sketchlib.show_source(SketchRNN.initial_state)
    (code,) = shown
    assert code.data.startswith("def initial_state(self, batch_size: int, z=None):")
    assert "self.initial_state_layer(z)" in code.data


def test_show_table_displays_markdown_and_refuses_a_ragged_row(monkeypatch):
    import IPython.display

    import sketchlib

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    sketchlib.show_table(["cell", "loss"], [["LSTM", 0.5], ["HyperLSTM", "0.25"]])
    (table,) = shown
    assert table.data == ("| cell | loss |\n| --- | ---: |\n| LSTM | 0.5 |\n"
                          "| HyperLSTM | 0.25 |")
    with pytest.raises(ValueError, match="every row needs 2 cells"):
        sketchlib.show_table(["cell", "loss"], [["LSTM"]])


def test_exercise_stubs_print_nothing_on_the_page():
    """An exercise's code cell (a stub that raises, then its check) prints "Not yet" and a
    hint when the book is built: the page shows the stub alone (in Colab the reader runs it)."""
    stubs = [(path.name, cell) for path in NOTEBOOKS
             for cell in json.loads(path.read_text())["cells"]
             if cell["cell_type"] == "code" and "exercises.check_" in "".join(cell["source"])
             and "raise NotImplementedError" in "".join(cell["source"])]
    assert len(stubs) >= 19
    for name, cell in stubs:
        assert "remove-output" in cell["metadata"].get("tags", []), name


def test_figures_and_exercises_are_numbered_per_chapter():
    sys.path.insert(0, str(ROOT / "chapters" / "_ext"))
    import chapter_numbers
    from types import SimpleNamespace

    env = SimpleNamespace(toc_fignumbers={  # as Sphinx numbers them: one sequence a type
        "chapters/06_better_cells": {"figure": {"b": (36,), "a": (35,)},
                                     "exercise": {"x": (20,)}},
        "chapters/intro": {"figure": {"f": (1,)}},
        "chapters/performance": {"table": {"u": (9,), "t": (7,)}}})
    chapter_numbers.number_per_chapter(None, env)
    assert env.toc_fignumbers == {
        "chapters/06_better_cells": {"figure": {"a": (6, 1), "b": (6, 2)},
                                     "exercise": {"x": (6, 1)}},
        "chapters/intro": {"figure": {"f": (1,)}},
        "chapters/performance": {"table": {"t": (1,), "u": (2,)}}}
    # the sidebar and the text call a chapter by the number its title shows
    chapters = [path for path in NOTEBOOKS if chapter_numbers.chapter_number(path.stem)]
    assert len(chapters) >= 7
    for path in chapters:
        title = json.loads(path.read_text())["cells"][0]["source"][0]
        assert title.startswith(f"# {chapter_numbers.chapter_number(path.stem)}. "), path.name


if __name__ == "__main__":  # rewrite the install cells of every chapter
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text())
        first_code_cell(notebook)["source"] = install_cell_source().splitlines(keepends=True)
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
        print(f"{path.name}: install cell written")
    sys.exit(0)
