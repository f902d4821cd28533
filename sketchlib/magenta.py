"""Magenta's published models: about a hundred decoder-only Sketch-RNN models that Google's
Magenta team trained, each on one QuickDraw class of 70,000 drawings (a few on a mix of
classes, such as ``catpig``), with the reference code (an LSTM of 512 units, 20 mixture
components), and published for their browser library ``@magenta/sketch``.

``load("sheep")`` (or ``pretrained.load("magenta/sheep")``, ``sketchlib sample --model
magenta/sheep``) reads one into a ``sketchlib`` model, found as a dataset file is
(:func:`sketchlib.datasets.fetch`): in ``SKETCHLIB_DATA_DIR/magenta/``, in the download cache,
or downloaded once from the official address into the cache. A published file has no known
checksum here, so it is checked by reading it: the five tensors of a decoder-only LSTM.

Temperature: ``sketchlib``'s ``tau`` multiplies the sigmas by ``tau`` and divides the mixture
logits by ``tau``, which is the browser library's ``getPDF(state, tau * tau, tau)``.
"""

from __future__ import annotations

from .datasets import Source, fetch

#: Where Magenta publishes the models: ``<MODELS_URL>/<name>.gen.json``.
MODELS_URL = "https://storage.googleapis.com/quickdraw-models/sketchRNN/large_models"
LICENCE = ("Apache-2.0 (models published by Google's Magenta project); trained on the "
           "Quick, Draw! dataset, CC BY 4.0")
CITATION = ("Magenta, @magenta/sketch pre-trained models, "
            "https://github.com/magenta/magenta-js/tree/master/sketch")

#: The published models, as the README of ``@magenta/sketch`` lists them.
NAMES = (
    "alarm_clock", "ambulance", "angel", "ant", "antyoga", "backpack", "barn", "basket", "bear",
    "bee", "beeflower", "bicycle", "bird", "book", "brain", "bridge", "bulldozer", "bus",
    "butterfly", "cactus", "calendar", "castle", "cat", "catbus", "catpig", "chair", "couch",
    "crab", "crabchair", "crabrabbitfacepig", "cruise_ship", "diving_board", "dog", "dogbunny",
    "dolphin", "duck", "elephant", "elephantpig", "eye", "face", "fan", "fire_hydrant",
    "firetruck", "flamingo", "flower", "floweryoga", "frog", "frogsofa", "garden", "hand",
    "hedgeberry", "hedgehog", "helicopter", "kangaroo", "key", "lantern", "lighthouse", "lion",
    "lionsheep", "lobster", "map", "mermaid", "monapassport", "monkey", "mosquito", "octopus",
    "owl", "paintbrush", "palm_tree", "parrot", "passport", "peas", "penguin", "pig",
    "pigsheep", "pineapple", "pool", "postcard", "power_outlet", "rabbit", "rabbitturtle",
    "radio", "radioface", "rain", "rhinoceros", "rifle", "roller_coaster", "sandwich",
    "scorpion", "sea_turtle", "sheep", "skull", "snail", "snowflake", "speedboat", "spider",
    "squirrel", "steak", "stove", "strawberry", "swan", "swing_set", "the_mona_lisa", "tiger",
    "toothbrush", "toothpaste", "tractor", "trombone", "truck", "whale", "windmill", "yoga",
    "yogabicycle", "everything")


def source(name: str) -> Source:
    """Where the published model ``name`` comes from (a :class:`~sketchlib.datasets.Source`);
    a name Magenta did not publish is a ``ValueError`` that lists the published ones."""
    if name not in NAMES:
        raise ValueError(f"Magenta published no model named {name!r}; the models are "
                         f"magenta/<name> for these names: {', '.join(NAMES)}")
    return Source(f"magenta/{name}", f"magenta/{name}.gen.json", f"{MODELS_URL}/{name}.gen.json",
                  None, LICENCE, CITATION)


def load(name: str):
    """Magenta's published model ``name`` as a decoder-only ``sketchlib`` model; its
    ``model.data`` says where it was read from (``checkpoint``), where it is published
    (``source``) and under which licence."""
    from .browser import load_browser_model

    origin = source(name)
    path = fetch(origin)
    model = load_browser_model(path)
    model.data = {**model.data, "checkpoint": str(path), "source": origin.url,
                  "licence": origin.licence}
    return model
