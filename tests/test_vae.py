"""The conditional (VAE) Sketch-RNN: the encoder never reads the padding, the KL term and its
free bits, the reparameterisation, the decoder conditioned on z, the parameter count, and
checkpoints that load into the right kind of model."""

import keras
import numpy as np
import pytest
from keras import ops

from conftest import backend_gradient
from sketchlib import latent, sampling, set_seed
from sketchlib.batching import make_batch
from sketchlib.checkpoints import load_model, read_log
from sketchlib.encoder import annealed_kl_weight, kl_cost, kl_divergence, reparameterize
from sketchlib.hparams import HParams
from sketchlib.model import SketchRNN, count_parameters
from sketchlib.synthetic import synthetic_dataset
from sketchlib.latent import code_worth
from sketchlib.training import evaluate, train
from test_cells import hyper_lstm_parameters

HPS = HParams(dec_rnn_size=32, enc_rnn_size=16, z_size=8, num_mixture=3, max_seq_len=60,
              batch_size=8)


def inputs_of(batch):
    return {"encoder_input": batch.encoder_input, "decoder_input": batch.decoder_input,
            "lengths": batch.lengths}


@pytest.mark.shared_files("aaron_sheep.npz")
def test_encoder_never_reads_the_padding(shared_data):
    """mu and sigma_hat of real sheep do not change when the batch is padded further, nor
    when the padding rows hold other values."""
    from sketchlib.datasets import load_dataset

    sheep = load_dataset("aaron_sheep").test[:6]
    set_seed(3)
    model = SketchRNN(HPS.replace(max_seq_len=250))
    longest = max(len(s) for s in sheep)
    short, long = make_batch(sheep, longest + 1), make_batch(sheep, 250)
    mu, sigma_hat = (np.asarray(v) for v in model.encode(short.encoder_input, short.lengths))
    for batch in (long, long._replace(encoder_input=np.where(
            long.encoder_input[..., 4:] == 1, 7.0, long.encoder_input))):
        mu2, sigma2 = (np.asarray(v) for v in model.encode(batch.encoder_input, batch.lengths))
        np.testing.assert_allclose(mu2, mu, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(sigma2, sigma_hat, rtol=1e-5, atol=1e-7)
    # ... but a real row does change them: the test can fail.
    changed = short.encoder_input.copy()
    changed[:, 0, :2] += 1.0
    assert not np.allclose(np.asarray(model.encode(changed, short.lengths)[0]), mu)


def test_the_two_passes_read_the_sketch_from_either_end():
    """hidden_states: the forward state at step t depends on steps 0 .. t only, the backward
    one on t .. length - 1 only; their ends are what the heads read."""
    sketches = synthetic_dataset(4, 1, 1, seed=2, max_seq_len=60).train
    set_seed(4)
    model = SketchRNN(HPS)
    batch = make_batch(sketches, 60)
    forward, backward = (np.asarray(v) for v in model.encoder.hidden_states(
        batch.encoder_input, batch.lengths))
    assert forward.shape == backward.shape == (4, 60, HPS.enc_rnn_size)
    t, length = 5, int(batch.lengths[0])
    changed = batch.encoder_input.copy()
    changed[0, t, :2] += 1.0  # change one real row
    forward2, backward2 = (np.asarray(v) for v in model.encoder.hidden_states(
        changed, batch.lengths))
    np.testing.assert_array_equal(forward2[0, :t], forward[0, :t])
    np.testing.assert_array_equal(backward2[0, t + 1:], backward[0, t + 1:])
    assert not np.allclose(forward2[0, t:length], forward[0, t:length])
    assert not np.allclose(backward2[0, :t + 1], backward[0, :t + 1])
    np.testing.assert_array_equal(forward[0, length:], np.repeat(forward[0, length - 1:length],
                                                                 60 - length, axis=0))
    assert np.all(backward[0, length:] == 0)
    hidden = np.concatenate([forward[:, -1], backward[:, 0]], axis=-1)
    mu, _ = model.encode(batch.encoder_input, batch.lengths)
    np.testing.assert_allclose(np.asarray(model.encoder.mu_head(hidden)), np.asarray(mu),
                               rtol=1e-6)


def test_kl_matches_the_closed_form():
    rng = np.random.default_rng(0)
    mu, sigma_hat = rng.normal(size=(7, 5)), rng.normal(size=(7, 5))
    variance = np.exp(sigma_hat)
    closed = 0.5 * (variance + mu ** 2 - 1.0 - np.log(variance))  # per dimension
    assert float(kl_divergence(mu, sigma_hat)) == pytest.approx(closed.mean(), rel=1e-6)
    assert float(kl_divergence(np.zeros((3, 4)), np.zeros((3, 4)))) == 0.0


def test_free_bits_give_no_gradient_below_the_tolerance():
    for scale, expect_zero in ((0.01, True), (3.0, False)):
        _, gradient = backend_gradient(
            lambda mu: kl_cost(kl_divergence(mu, ops.zeros((4, 6))), 0.2),
            np.full((4, 6), scale, "float32"))
        assert np.all(gradient == 0) == expect_zero
    assert float(kl_cost(kl_divergence(np.zeros((1, 2)), np.zeros((1, 2))), 0.2)) == (
        pytest.approx(0.2))


def test_reparameterisation_statistics():
    mu = np.tile(np.array([[1.0, -2.0, 0.5]], "float32"), (20000, 1))
    sigma_hat = np.tile(np.log(np.array([[0.25, 1.0, 4.0]], "float32")), (20000, 1))
    z = np.asarray(reparameterize(mu, sigma_hat, keras.random.SeedGenerator(1)))
    np.testing.assert_allclose(z.mean(axis=0), [1.0, -2.0, 0.5], atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), [0.5, 1.0, 2.0], rtol=0.03)


@pytest.mark.parametrize("cell, sizes", [("lstm", [32, 32]), ("hyper", [32, 32, 256, 256])])
def test_decoder_is_conditioned_on_z(cell, sizes):
    """The whole state of the cell (the HyperLSTM's includes its hyper cell's) comes from z,
    and z is carried along after it."""
    set_seed(0)
    model = SketchRNN(HPS.replace(dec_model=cell))
    decoder_input = np.zeros((2, 4, 5), "float32")
    z = np.random.default_rng(1).normal(size=(2, 8)).astype("float32")
    out = np.asarray(model.run_decoder(decoder_input, z=z)[0])
    assert out.shape == (2, 4, 3 + 6 * 3)
    assert not np.allclose(out[0], out[1])  # same input, different z
    state = model.initial_state(2, z)
    assert model.state_parts == len(sizes) and len(state) == len(sizes) + 1
    assert [int(part.shape[1]) for part in state[:-1]] == sizes
    everything = np.tanh(z @ np.asarray(model.initial_state_layer.kernel)
                         + np.asarray(model.initial_state_layer.bias))
    np.testing.assert_allclose(np.concatenate([np.asarray(p) for p in state[:-1]], 1),
                               everything, rtol=1e-5, atol=1e-6)
    # step carries z along and agrees with decode
    output, state = model.step(ops.convert_to_tensor(decoder_input[:, 0]), state)
    np.testing.assert_allclose(np.asarray(output), out[:, 0], rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(state[-1]), z)


@pytest.mark.parametrize("cell, expected", [("lstm", 2_186_107), ("layer_norm", 2_189_179),
                                             ("hyper", 3_477_627)])
def test_default_size_matches_the_reference_count(cell, expected):
    """At the reference's default size (encoder LSTM 256 each way, decoder 512, N_z 128,
    M 20), about 2.19 M trainable parameters with an LSTM decoder, by formula: the LayerNorm
    decoder trades its bias for 10 d of norms, the HyperLSTM adds its hyper network and a
    larger initial state (its hyper cell's too)."""
    model = SketchRNN(HParams(dec_model=cell))
    step = np.zeros((1, 1, 5), "float32")
    model({"encoder_input": step, "decoder_input": step, "lengths": np.ones(1, "int32")})
    e, d, z, m, x = 256, 512, 128, 20, 5 + 128
    encoder = 2 * (4 * e * (5 + e) + 4 * e) + 2 * (2 * e * z + z)
    output = (d + 1) * (3 + 6 * m)
    state, cell_count = 2 * d, 4 * d * (x + d) + 4 * d  # the LSTM
    if cell == "layer_norm":
        cell_count = 4 * d * (x + d) + 10 * d
    if cell == "hyper":
        state, cell_count = 2 * d + 2 * 256, hyper_lstm_parameters(x, d)
    decoder = (z * state + state) + cell_count + output
    assert count_parameters(model) == encoder + decoder == expected


def test_evaluation_uses_mu_and_the_fixed_kl_weight():
    dataset = synthetic_dataset(8, 2, 2, seed=1, max_seq_len=60)
    batch = make_batch(dataset.train, 60)
    set_seed(0)
    model = SketchRNN(HPS)
    first = model(inputs_of(batch))
    second = model(inputs_of(batch))
    np.testing.assert_array_equal(np.asarray(first["mixture"]), np.asarray(second["mixture"]))
    loss = float(model.compute_loss(y=batch.target, y_pred=first, training=False))
    model.kl_weight.assign(5.0)  # the training weight does not enter evaluation
    assert float(model.compute_loss(y=batch.target, y_pred=first, training=False)) == loss
    assert float(model.compute_loss(y=batch.target, y_pred=first, training=True)) != loss


def test_conditional_training_logs_kl_and_checkpoints_load_as_conditional(tmp_path):
    dataset = synthetic_dataset(40, 10, 10, seed=1, max_seq_len=60)
    hps = HPS.replace(num_steps=20, save_every=10)
    train(hps, dataset, tmp_path / "vae", verbose=0, group_by_length=True)
    log = read_log(tmp_path / "vae" / "log.csv")
    assert list(log["step"]) == [10, 20]
    np.testing.assert_allclose(log["kl_weight"], [float(annealed_kl_weight(hps, t)) for t in (9, 19)],
                               rtol=1e-6)
    assert np.all(log["val_kl"] >= 0)
    loaded = load_model(tmp_path / "vae")
    assert loaded.hps.conditional and hasattr(loaded, "encoder")
    result = evaluate(loaded, dataset.valid, batch_size=8)
    assert set(result) == {"loss", "offset_loss", "pen_loss", "kl"}
    expected = (result["offset_loss"] + result["pen_loss"]
                + hps.kl_weight_start * max(result["kl"], hps.kl_tolerance))
    assert result["loss"] == pytest.approx(expected, rel=1e-5)
    # a decoder-only run of the same data loads as decoder-only
    train(hps.replace(conditional=False), dataset, tmp_path / "dec", verbose=0)
    assert not load_model(tmp_path / "dec").hps.conditional
    assert "kl" not in read_log(tmp_path / "dec" / "log.csv")


def test_the_kl_weight_follows_the_reference_schedule():
    hps = HPS  # the reference's 0.5, 0.01, 0.99995
    def weight(step):  # float32, so to 1e-7
        return pytest.approx(float(annealed_kl_weight(hps, step)), abs=1e-7)

    assert weight(0) == 0.01
    assert weight(1) == 0.5 - 0.49 * 0.99995
    assert weight(40_000) == 0.5 - 0.49 * 0.99995 ** 40_000
    assert weight(10**7) == 0.5
    assert float(annealed_kl_weight(hps, 13_863)) == pytest.approx(0.255, abs=1e-4)  # half


def test_fit_applies_the_annealed_weight_of_each_step(tmp_path):
    """With one step per log row, each row's training loss is L_s + L_p + w_t max(KL, tol)
    with the w_t of that step (0, 1, 2, ...): the weight fit really used, not only the
    function; the model has counted its steps."""
    dataset = synthetic_dataset(40, 10, 10, seed=1, max_seq_len=60)
    hps = HPS.replace(num_steps=4, save_every=1, kl_weight=2.0, kl_weight_start=0.1,
                      kl_decay_rate=0.5, kl_tolerance=0.0)
    model = train(hps, dataset, tmp_path / "run", verbose=0)
    log = read_log(tmp_path / "run" / "log.csv")
    weights = [float(annealed_kl_weight(hps, t)) for t in range(4)]
    assert weights == pytest.approx([0.1, 1.05, 1.525, 1.7625])
    np.testing.assert_allclose(log["kl_weight"], weights, rtol=1e-6)
    np.testing.assert_allclose(log["loss"], log["offset_loss"] + log["pen_loss"]
                               + np.array(weights) * log["kl"], rtol=1e-5)
    assert int(model.kl_steps) == 4


@pytest.mark.parametrize("cell", ["lstm", "layer_norm", "hyper"])
def test_a_resumed_conditional_run_continues_exactly(tmp_path, cell):
    """Its three random streams (decoder and encoder dropout, the sampled z) are in the
    checkpoint: four steps straight or two and a resume give the same weights and log, with
    each cell as encoder and decoder; the trained model loads and samples the same on the
    compiled and the portable path."""
    dataset = synthetic_dataset(40, 10, 10, seed=1, max_seq_len=60)
    hps = HPS.replace(num_steps=4, save_every=2, enc_model=cell, dec_model=cell)
    straight = train(hps, dataset, tmp_path / "straight", verbose=0)
    train(hps.replace(num_steps=2), dataset, tmp_path / "resumed", verbose=0)
    resumed = train(hps, dataset, tmp_path / "resumed", resume=True, verbose=0)
    assert len(straight.seed_generators()) == 3
    for a, b in zip(straight.weights + straight.optimizer.variables,
                    resumed.weights + resumed.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    logs = [read_log(tmp_path / name / "log.csv") for name in ("straight", "resumed")]
    for field in ("loss", "kl", "kl_weight", "val_loss", "val_kl"):
        np.testing.assert_array_equal(logs[0][field], logs[1][field])
    assert np.isfinite(logs[0]["loss"]).all() and np.isfinite(logs[0]["val_loss"]).all()
    loaded = load_model(tmp_path / "straight", "latest")
    assert (loaded.hps.enc_model, loaded.hps.dec_model) == (cell, cell)
    fast, portable = (sampling.sample(loaded, 3, 0.5, seed=2, fast=f) for f in (True, False))
    for a, b in zip(fast, portable):
        np.testing.assert_allclose(a, b, atol=1e-4)


# ----------------------------------------------------------------------------- latent tools

@pytest.fixture(scope="module")
def vae_and_sketches():
    dataset = synthetic_dataset(8, 2, 2, seed=4, max_seq_len=60)
    set_seed(1)
    model = SketchRNN(HPS)
    model(inputs_of(make_batch(dataset.train[:1], 60)))
    return model, dataset.train


def test_encode_decode_shapes_and_seeds(vae_and_sketches):
    model, sketches = vae_and_sketches
    codes = latent.encode(model, sketches[:5])
    assert codes.shape == (5, 8)
    np.testing.assert_allclose(codes, latent.encode(model, sketches[:5], batch_size=2),
                               rtol=1e-5, atol=1e-7)
    drawn = latent.encode(model, sketches[:5], sample_z=True, seed=3)
    assert not np.allclose(drawn, codes)
    np.testing.assert_array_equal(drawn, latent.encode(model, sketches[:5], sample_z=True,
                                                         seed=3))
    first = latent.decode(model, codes, seed=7, max_len=30)
    again = latent.decode(model, codes, seed=7, max_len=30, fast=False)
    assert len(first) == 5
    for a, b in zip(first, again):  # the compiled and the portable path agree
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    assert any(not np.array_equal(a, b) for a, b in
               zip(first, latent.decode(model, codes, seed=8, max_len=30)))
    with pytest.raises(ValueError, match="decoder-only"):
        latent.encode(SketchRNN(HPS.replace(conditional=False)), sketches[:1])


def test_interpolation_ends_at_the_codes_and_slerp_keeps_the_norm(vae_and_sketches):
    model, sketches = vae_and_sketches
    za, zb = latent.encode(model, sketches[:2])
    for method in ("slerp", "lerp"):
        path = latent.interpolate(model, sketches[0], sketches[1], steps=5, method=method)
        assert path.shape == (5, 8)
        np.testing.assert_allclose(path[0], za, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(path[-1], zb, rtol=1e-5, atol=1e-6)
    # slerp between two codes of equal norm stays on their sphere; lerp cuts inside it
    same = sketches[1] * np.array([1.0, 1.0, 1.0], "float32")
    path = latent.interpolate(model, sketches[0], same, steps=5)
    norms = np.linalg.norm(path, axis=1)
    line = latent.interpolate(model, sketches[0], sketches[1], steps=5, method="lerp")
    assert np.linalg.norm(line[2]) <= max(np.linalg.norm(za), np.linalg.norm(zb)) + 1e-6
    assert norms.min() >= min(np.linalg.norm(za), np.linalg.norm(zb)) - 1e-4
    with pytest.raises(ValueError, match="slerp"):
        latent.interpolate(model, sketches[0], sketches[1], method="cubic")


def test_completion_keeps_the_prefix_and_both_paths_agree(vae_and_sketches):
    model, sketches = vae_and_sketches
    prefix = sketches[0][:10]
    fast = sampling.complete(model, prefix, n=3, seed=2, max_len=40)
    slow = sampling.complete(model, prefix, n=3, seed=2, max_len=40, fast=False)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a[:10], prefix)
        assert 10 <= len(a) <= 40
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    # The continuation follows from the state the prefix leaves: with the end state made
    # impossible, the same random numbers after another prefix draw other rows.
    bias = np.asarray(model.output_layer.bias)
    model.output_layer.bias.assign(np.concatenate([bias[:2], [-30.0], bias[3:]]))
    try:
        one, two = (sampling.complete(model, p, n=1, seed=2, max_len=40)[0]
                    for p in (prefix, sketches[1][:10]))
    finally:
        model.output_layer.bias.assign(bias)
    assert len(one) == len(two) == 40 and not np.allclose(one[10:], two[10:])
    decoder_only = SketchRNN(HPS.replace(conditional=False))
    drawn = sampling.complete(decoder_only, prefix, n=2, seed=1, max_len=30)
    assert all(np.array_equal(d[:10], prefix) for d in drawn)


def test_a_conditional_model_learns_to_reconstruct_a_few_sketches():
    """Trained on four sketches, its reconstruction loss falls well below the start, the
    four codes move apart, and decoding from another sketch's code costs more."""
    dataset = synthetic_dataset(4, 0, 0, seed=2, max_seq_len=60)
    batch = make_batch(dataset.train, 60)
    set_seed(0)
    hps = HPS.replace(batch_size=4, use_recurrent_dropout=False, kl_weight=0.01)
    model = SketchRNN(hps)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = model.evaluate(inputs_of(batch), batch.target, verbose=0, return_dict=True)
    model.fit(inputs_of(batch), batch.target, batch_size=4, epochs=150, verbose=0)
    after = model.evaluate(inputs_of(batch), batch.target, verbose=0, return_dict=True)
    recon = lambda r: r["offset_loss"] + r["pen_loss"]  # noqa: E731
    assert recon(after) < recon(before) - 0.5
    mu = np.asarray(model.encode(batch.encoder_input, batch.lengths)[0])
    spread = np.linalg.norm(mu[:, None] - mu[None], axis=-1)[np.triu_indices(4, 1)]
    assert spread.min() > 1e-2
    # evaluate(z=...): with their own codes, the same losses; with each other's, worse ones
    own = evaluate(model, dataset.train, batch_size=2)  # two batches
    assert evaluate(model, dataset.train, batch_size=2, z=mu) == pytest.approx(own, rel=1e-5)
    swapped = evaluate(model, dataset.train, batch_size=2, z=np.roll(mu, 1, axis=0))
    assert recon(swapped) > recon(own) + 0.2 and swapped["kl"] == pytest.approx(own["kl"])
    worth = code_worth(model, dataset.train, batch_size=2)
    assert worth["reconstruction"] == pytest.approx(recon(own), rel=1e-5)
    assert worth["reconstruction_with_neighbour"] == pytest.approx(recon(swapped), rel=1e-5)
    assert worth["worth"] == pytest.approx(recon(swapped) - recon(own), rel=1e-4)



def test_fitted_codes_follow_the_codes_of_the_sketches(vae_and_sketches):
    """Drawn from a Gaussian with the mean and covariance of the sketches' sampled codes:
    the same for the same seed, and many of them have that mean and spread."""
    model, sketches = vae_and_sketches
    codes = latent.fitted_codes(model, sketches, 4000, seed=0)
    assert codes.shape == (4000, 8) and codes.dtype == np.float32
    np.testing.assert_array_equal(codes[:5], latent.fitted_codes(model, sketches, 5, seed=0)[:5])
    own = latent.encode(model, sketches, sample_z=True, seed=np.random.default_rng(0))
    np.testing.assert_allclose(codes.mean(axis=0), own.mean(axis=0), atol=0.1)
    np.testing.assert_allclose(codes.std(axis=0), own.std(axis=0, ddof=1), rtol=0.1, atol=0.02)


@pytest.mark.shared_files("aaron_sheep.npz")
def test_the_shipped_vae_does_what_chapter_4_says(shared_data):
    """sheep_vae: its reconstructions take their length and size from their originals (the
    code carries them), and most new sheep drawn from codes of the fitted Gaussian end; its
    card gives the numbers of its results.json."""
    from sketchlib import pretrained, similarity
    from sketchlib.datasets import load_dataset

    model = pretrained.load("sheep_vae")
    sheep = load_dataset("aaron_sheep")
    test = list(sheep.test[:100])
    carried = similarity.property_correlations(
        test, latent.reconstruct(model, test, temperature=0.3, seed=0))
    assert carried["rows"] > 0.7 and carried["width"] > 0.5
    fitted = latent.fitted_codes(model, list(sheep.train[:1000]), 100, seed=0)
    assert sampling.end_counts(model, (0.4,), z=fitted)[0.4] >= 85
    results = pretrained.results("sheep_vae")
    card = pretrained.model_card("sheep_vae")
    assert f"{results['auc']:.3f}" in card and f"rows {results['carried']['rows']:+.2f}" in card


def test_codes_and_prefixes_of_the_wrong_shape_are_errors_not_reshaped(vae_and_sketches,
                                                                        tmp_path):
    from sketchlib.checkpoints import find_checkpoint

    model, sketches = vae_and_sketches  # z_size 8
    with pytest.raises(ValueError, match=r"shape \(n, 8\)"):
        sampling.sample(model, n=2, z=np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"shape \(n, 8\)"):
        latent.decode(model, np.zeros((3, 16)))
    assert len(latent.decode(model, np.zeros(8), max_len=10)) == 1  # one code, one sketch
    with pytest.raises(ValueError, match="stroke-3"):
        sampling.complete(model, np.zeros((6, 5)), max_len=20)
    with pytest.raises(ValueError, match="'best' or 'latest'"):
        find_checkpoint(tmp_path, "bogus")
    zero, b = np.zeros(8), np.arange(8.0)
    np.testing.assert_array_equal(latent.slerp(zero, zero, 0.5), zero)
    np.testing.assert_allclose(latent.slerp(zero, b, [0.0, 0.25, 1.0]), [0 * b, b / 4, b])
