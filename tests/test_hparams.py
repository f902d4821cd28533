"""Hyper-parameters: reference defaults, JSON round trip, clear errors."""

import json

import pytest

from sketchlib.hparams import HParams, parse_overrides


def test_reference_defaults():
    hp = HParams()
    assert (hp.max_seq_len, hp.dec_rnn_size, hp.enc_rnn_size, hp.z_size, hp.num_mixture) == (
        250, 512, 256, 128, 20)
    assert (hp.learning_rate, hp.decay_rate, hp.min_learning_rate, hp.grad_clip) == (
        0.001, 0.9999, 0.00001, 1.0)
    assert (hp.kl_weight, hp.kl_weight_start, hp.kl_decay_rate, hp.kl_tolerance) == (
        0.5, 0.01, 0.99995, 0.2)
    assert (hp.recurrent_dropout_prob, hp.random_scale_factor, hp.augment_stroke_prob) == (
        0.9, 0.15, 0.1)


def test_json_round_trip(tmp_path):
    hp = HParams(dec_rnn_size=256, conditional=False, dec_model="layer_norm")
    hp.save(tmp_path / "hparams.json")
    assert HParams.load(tmp_path / "hparams.json") == hp
    assert json.loads((tmp_path / "hparams.json").read_text())["dec_rnn_size"] == 256


def test_parse_command_line_values():
    hp = HParams().replace(**parse_overrides(
        "dec_rnn_size=256, conditional=false,learning_rate=1e-4,data_set=cat"))
    assert hp.dec_rnn_size == 256 and hp.conditional is False
    assert hp.learning_rate == 1e-4 and hp.data_set == "cat"
    # an int where a float is expected
    assert HParams().replace(**parse_overrides("kl_weight=1")).kl_weight == 1.0


@pytest.mark.parametrize("text, message", [
    ("dec_rnn_sise=256", "unknown hyper-parameter(s) dec_rnn_sise"),
    ("dec_rnn_size=big", "dec_rnn_size must be int"),
    ("conditional=2", "conditional must be bool"),
    ("dec_model=gru", "dec_model must be one of"),
    ("recurrent_dropout_prob=0", "keep probability"),
    ("max_seq_len", "name=value"),
])
def test_bad_values_are_clear_errors(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        HParams().replace(**parse_overrides(text))


def test_unknown_key_in_a_saved_file(tmp_path):
    (tmp_path / "hparams.json").write_text('{"dec_rnn_size": 256, "colour": "red"}')
    with pytest.raises(ValueError, match="colour"):
        HParams.load(tmp_path / "hparams.json")


@pytest.mark.parametrize("name", ["kl_weight", "kl_tolerance", "learning_rate",
                                  "shape_loss_weight"])
def test_infinity_and_nan_are_refused(name):
    for value in ("Infinity", "NaN"):
        with pytest.raises(ValueError, match=name):
            HParams().replace(**parse_overrides(f"{name}={value}"))
