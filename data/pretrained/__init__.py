"""Pretrained models shipped with sketchlib (installed as ``sketchlib.pretrained_models``);
load them with :func:`sketchlib.pretrained.load`."""
