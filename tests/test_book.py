"""The book: notebooks are committed clean and execute; the README's commands are the ones CI
runs; the Colab install cells point at the repository named in _config.yml."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


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


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_install_cell_uses_the_configured_repository(notebook):
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    first_code = next(cell for cell in json.loads(notebook.read_text())["cells"]
                      if cell["cell_type"] == "code")
    source = "".join(first_code["source"])
    assert "google.colab" in source, f"{notebook.name}: the first code cell must be the Colab install"
    assert f"git+{url}" in source, f"{notebook.name}: install from {url}, as _config.yml says"


def test_readme_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"^python3 -m venv .*$", readme, flags=re.MULTILINE)
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
