"""Models shipped with sketchlib, each with a model card: load one by name, or any trained
model by path.

The files live in the repository's ``data/pretrained/<name>/`` and install with the package
as ``sketchlib.pretrained_models`` (see ``pyproject.toml``), so ``load("sheep_decoder")`` works
after a plain ``pip install``, with no clone and no download.
"""

from __future__ import annotations

import base64
import json
import re
from importlib import resources
from pathlib import Path

from .checkpoints import load_model

PACKAGE = "sketchlib.pretrained_models"


def available() -> list[str]:
    """Names of the shipped models."""
    root = resources.files(PACKAGE)
    return sorted(item.name for item in root.iterdir()
                  if item.is_dir() and (item / "hparams.json").is_file())


def path(name: str) -> Path:
    """The folder of a shipped model (weights, hparams.json, data.json, MODEL_CARD.md)."""
    if name not in available():
        raise FileNotFoundError(f"no pretrained model named {name!r}; shipped: "
                                f"{', '.join(available()) or 'none'}")
    return Path(str(resources.files(PACKAGE) / name))


def model_card(name: str, inline_images: bool = False) -> str:
    """The model card of a shipped model, as Markdown. ``inline_images=True`` embeds the
    card's images (``![...](file.png)``, files of the model's folder) as data URIs, so that
    the text shows them wherever it is displayed, a built book included."""
    folder = path(name)
    text = (folder / "MODEL_CARD.md").read_text()
    if not inline_images:
        return text

    def embed(match):
        data = base64.b64encode((folder / match.group(2)).read_bytes()).decode("ascii")
        return f"![{match.group(1)}](data:image/png;base64,{data})"
    return re.sub(r"!\[([^\]]*)\]\(([\w.-]+\.png)\)", embed, text)


def results(name: str) -> dict:
    """The numbers that the script which made a shipped model measured on it after training
    (its ``results.json``: test losses, stop rates, ...; which ones, its model card says),
    kept so that a chapter need not spend minutes measuring them again."""
    file = path(name) / "results.json"
    if not file.is_file():
        raise FileNotFoundError(f"the shipped model {name!r} has no results.json")
    return json.loads(file.read_text())


def show_model_card(name: str):
    """The model card of a shipped model, rendered in a notebook (images included) as one
    quoted inset with its headings as bold lines, so that it does not read as sections of
    the page that shows it."""
    from IPython.display import Markdown

    lines, in_code = [], False
    for line in model_card(name, inline_images=True).strip().splitlines():
        in_code ^= line.startswith("```")
        lines.append(line if in_code else re.sub(r"^#+ +(.+)$", r"**\1**", line))
    return Markdown("\n".join(f"> {line}".rstrip() for line in lines))


def load(name_or_path, which: str = "best"):
    """A shipped model by name, one of Magenta's published models as ``magenta/<name>``
    (:mod:`sketchlib.magenta`), or a trained one by path (a log root or a checkpoint folder;
    ``which`` picks the ``best`` or ``latest`` checkpoint of a log root). ``model.data``
    holds the ``scale_factor``, the dataset names and the checkpoint it was read from."""
    if str(name_or_path).startswith("magenta/") and not Path(name_or_path).exists():
        from .magenta import load as load_published

        return load_published(str(name_or_path).removeprefix("magenta/"))
    candidate = Path(name_or_path)
    if not candidate.exists() and str(name_or_path) in available():
        candidate = path(str(name_or_path))
    elif not candidate.exists():
        raise FileNotFoundError(f"{name_or_path} is neither a folder nor a pretrained model "
                                f"({', '.join(available()) or 'none shipped'})")
    return load_model(candidate, which)
