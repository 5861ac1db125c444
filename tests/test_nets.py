"""Stored nets and their batched forward pass (core/nets.py)."""

import numpy as np
import pytest
import torch

from core.nets import NetArrays, StackedMLP


def _net(rng, k, hidden, activation, y_mean=0.0, y_scale=1.0, n_columns=40) -> NetArrays:
    widths = [k, *hidden]
    return NetArrays(
        input_index=np.sort(rng.choice(n_columns, size=k, replace=False)), x_mean=rng.normal(size=k).astype(np.float32),
        x_scale=rng.uniform(0.5, 2, size=k).astype(np.float32),
        weights=[rng.normal(size=(a, b)).astype(np.float32) / np.sqrt(a) for a, b in zip(widths, widths[1:])],
        biases=[rng.normal(size=b).astype(np.float32) for b in hidden],
        out_weight=rng.normal(size=hidden[-1]).astype(np.float32), out_bias=0.3, y_mean=y_mean, y_scale=y_scale,
        activation=activation)


ACTS = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
        "silu": lambda z: z / (1 + np.exp(-z)), "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z)}


def _by_hand(net: NetArrays, X: np.ndarray) -> np.ndarray:
    """The net written out in numpy, in target units."""
    h = (X[:, net.input_index] - net.x_mean) / net.x_scale
    for w, b in zip(net.weights, net.biases):
        h = ACTS[net.activation](h @ w + b)
    return (h @ net.out_weight + net.out_bias) * net.y_scale + net.y_mean


@pytest.fixture
def nets():
    rng = np.random.default_rng(0)
    return [_net(rng, 12, (9, 5), "relu", 1.0, 2.0), _net(rng, 30, (20, 3), "tanh", -4.0, 0.5),
            _net(rng, 7, (7, 7), "silu"), _net(rng, 21, (4, 2), "leaky_relu", 10.0, 3.0)]


def test_a_stack_predicts_what_each_net_written_out_by_hand_predicts(nets):
    X = np.random.default_rng(1).normal(size=(17, 40)).astype(np.float32)
    pred = StackedMLP.from_arrays(nets).predict(torch.from_numpy(X)).numpy()
    for m, net in enumerate(nets):
        np.testing.assert_allclose(pred[m], _by_hand(net, X), rtol=1e-4, atol=1e-4)


def test_hidden_units_beyond_a_nets_width_are_zero(nets):
    X = torch.randn(9, 40)
    hidden = StackedMLP.from_arrays(nets).hidden_layers(X)
    assert [h.shape for h in hidden] == [(4, 9, 20), (4, 9, 7)]
    for m, net in enumerate(nets):
        for layer, h in enumerate(hidden):
            width = net.weights[layer].shape[1]
            assert h[m, :, width:].abs().sum() == 0 and h[m, :, :width].abs().sum() > 0


def test_an_untrained_stack_is_seeded_and_zero_in_its_padding():
    args = ([np.arange(5), np.arange(3, 12)], [(6, 2), (4, 3)], ["relu", "tanh"], [0.0, 0.0],
            [np.zeros(5), np.zeros(9)], [np.ones(5), np.ones(9)])
    a, b, c = StackedMLP(*args, seed=1), StackedMLP(*args, seed=1), StackedMLP(*args, seed=2)
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.layer_weight(0), c.layer_weight(0))
    w0 = a.layer_weight(0)
    assert w0[0, :, 5:].abs().sum() == 0 and w0[1, 4:, :].abs().sum() == 0 and w0[1, :4, :9].abs().min() > 0


def test_mixed_depth_is_refused():
    with pytest.raises(ValueError, match="same depth"):
        StackedMLP([np.arange(3), np.arange(3)], [(4, 2), (4, 3, 2)], ["relu", "relu"], [0, 0],
                   [np.zeros(3)] * 2, [np.ones(3)] * 2)
