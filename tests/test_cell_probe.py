"""trace_cell records what the decoder's cell computes: its pre-activations, pushed through
the cell's equations, give the hidden states the decoder really has; the hyper scales are
the hyper network's for each step."""

import numpy as np
import pytest

from sketchlib import set_seed
from sketchlib.batching import make_batch
from sketchlib.cell_probe import new_stroke_steps, scales_at_new_strokes, trace_cell
from sketchlib.model import build_model
from sketchlib.hparams import HParams
from sketchlib.synthetic import synthetic_dataset
from test_cells import numpy_layer_norm, sigmoid


def weights(cell):
    return {v.path.split("/")[-1]: np.asarray(v) for v in cell.weights
            if "hyper_cell" not in v.path}


@pytest.mark.parametrize("cell, conditional", [("lstm", False), ("layer_norm", True),
                                               ("hyper", True)])
def test_preactivations_give_the_decoders_hidden_states(cell, conditional):
    set_seed(3)
    model = build_model(HParams(conditional=conditional, dec_model=cell, dec_rnn_size=8,
                                enc_rnn_size=4, z_size=3, num_mixture=2, max_seq_len=40))
    rng = np.random.default_rng(0)
    for weight in model.decoder_cell.weights:  # away from the initial gains and scales
        weight.assign(np.asarray(weight) + rng.normal(0, 0.2, weight.shape).astype("float32"))
    sketch = synthetic_dataset(1, 0, 0, seed=2, max_seq_len=40).train[0]
    trace = trace_cell(model, sketch)
    n = len(sketch)
    assert trace["preactivations"].shape == (n, 4, 8)
    assert ("scales" in trace) == (cell == "hyper")
    w = weights(model.decoder_cell)
    c, hs = np.zeros(8), []
    for gates in trace["preactivations"]:
        gates = gates.reshape(1, -1)
        if cell != "lstm":
            gates = numpy_layer_norm(gates, w["gate_gain"], w["gate_shift"], 4)
        i, j, f, o = np.split(gates[0], 4)
        c = c * sigmoid(f + 1) + sigmoid(i) * np.tanh(j)
        normed = c if cell == "lstm" else numpy_layer_norm(c[None], w["cell_gain"],
                                                           w["cell_shift"])[0]
        hs.append(np.tanh(normed) * sigmoid(o))
    batch = make_batch([sketch], n)
    z = None
    if conditional:
        from sketchlib.latent import encode
        z = encode(model, [sketch])
    _, state = model.run_decoder(batch.decoder_input, z=z)
    np.testing.assert_allclose(hs[-1], np.asarray(state[0])[0], rtol=1e-3, atol=1e-4)
    if cell == "hyper":
        assert trace["scales"].shape == (n, 8, 8)
        assert trace["scales"].std(axis=0).max() > 1e-3  # they change along the drawing


def test_new_stroke_steps_are_the_steps_that_read_a_new_strokes_first_move():
    """Two pen lifts inside the sketch (rows 1 and 3) and the final one (row 5): the moves to
    the new strokes are rows 2 and 4, read at steps 3 and 5."""
    sketch = np.array([[1, 0, 0], [1, 0, 1], [5, 5, 0], [1, 0, 1], [5, 5, 0], [1, 0, 1]])
    assert new_stroke_steps(sketch).tolist() == [3, 5]
    scales = np.ones((6, 8, 4))
    scales[[3, 5], 2] = -3.0  # block 2 three times larger (in size) at those steps
    scales[[0, 1, 2, 4], 7] = 0.5  # block 7 half as large elsewhere
    assert scales_at_new_strokes(sketch, scales) == pytest.approx([1, 1, 3, 1, 1, 1, 1, 2])
    with pytest.raises(ValueError, match="single stroke"):
        scales_at_new_strokes(sketch[:2], scales[:2])
