import numpy as np
import pytest
import torch

from core.pretrain.architecture import sample_architecture, sample_subset
from core.pretrain.stacked import NetArrays, SparseRows, StackedMLP, train_stack


def _stack(n_models=3, seed=0, depth=3, act=None):
    rng = np.random.default_rng(seed)
    subsets = [sample_subset(rng, "rdkit2d", np.arange(40)) for _ in range(n_models)]
    archs = [sample_architecture(rng, len(s), depth=depth) for s in subsets]
    acts = [act or a.activation for a in archs]
    return StackedMLP(subsets, [a.hidden for a in archs], acts, [0.0] * n_models,
                      [rng.normal(size=len(s)) for s in subsets], [rng.uniform(0.5, 2, size=len(s)) for s in subsets],
                      seed=seed)


def _arrays(stack, m, y_mean=0.0, y_scale=1.0):
    a = stack.export(m)
    depth = stack.depth
    return NetArrays(a["input_index"], a["x_mean"], a["x_scale"], [a[f"w{i}"] for i in range(depth)],
                     [a[f"b{i}"] for i in range(depth)], a["out_w"], float(a["out_b"]), y_mean, y_scale,
                     ["relu", "leaky_relu", "silu", "tanh"][int(stack.act_code[m])])


def test_each_net_in_a_padded_stack_equals_the_net_alone():
    stack = _stack(4).eval()
    X = torch.randn(17, 40)
    together = stack(X)
    for m in range(4):
        alone = StackedMLP.from_arrays([_arrays(stack, m)])
        assert torch.allclose(alone(X)[0], together[m], atol=1e-5)


def test_padding_stays_zero_and_nets_do_not_interact():
    stack = _stack(3, act="relu")
    X, y = torch.randn(64, 40), torch.randn(3, 64)
    before = [p.detach().clone() for p in stack.parameters()]
    loss = ((stack(X)[0] - y[0]) ** 2).mean()  # only net 0 in the loss
    loss.backward()
    for p in stack.parameters():
        assert p.grad[1:].abs().sum() == 0
    train_stack(stack, X, y, X, y, [1e-2] * 3, max_epochs=5, batch_size=16, patience=5)
    for layer in range(stack.depth):
        w = stack.layer_weight(layer)
        for m in range(3):
            out_size = stack.widths[layer + 1][m]
            in_size = stack.widths[layer][m]
            assert w[m, out_size:, :].abs().sum() == 0
            assert w[m, :, in_size:].abs().sum() == 0
    assert any(not torch.equal(a, b) for a, b in zip(before, stack.parameters()))


def test_training_reduces_error_and_keeps_best_epoch():
    torch.manual_seed(0)
    X = torch.randn(400, 40)
    y = (X.sum(dim=1, keepdim=True).T / 40**0.5).expand(2, -1).contiguous()
    stack = _stack(2, seed=1, act="tanh")
    with torch.no_grad():
        start = (stack(X[300:]) - y[:, 300:]).abs().mean(dim=1)
    result = train_stack(stack, X[:300], y[:, :300], X[300:], y[:, 300:], [3e-3, 3e-3], max_epochs=40,
                         batch_size=32, patience=40)
    with torch.no_grad():
        end = (stack(X[300:]) - y[:, 300:]).abs().mean(dim=1)
    assert (end < start * 0.8).all()
    assert np.allclose(end.numpy(), result.val_mae, atol=1e-5)


def test_mixed_depth_is_refused():
    with pytest.raises(ValueError, match="same depth"):
        StackedMLP([np.arange(3), np.arange(3)], [(4, 2), (4, 3, 2)], ["relu", "relu"], [0, 0],
                   [np.zeros(3)] * 2, [np.ones(3)] * 2)


def test_sparse_first_layer_equals_dense_and_trains():
    rng = np.random.default_rng(3)
    X = (rng.random((80, 60)) < 0.08) * rng.integers(1, 4, size=(80, 60)).astype(np.float32)
    subsets = [np.sort(rng.choice(60, size=k, replace=False)) for k in (20, 35, 28)]
    std = X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    args = (subsets, [(12, 6)] * 3, ["relu", "relu", "tanh"], [0.0] * 3, [np.zeros(len(s)) for s in subsets],
            [std[s] for s in subsets])
    sparse = StackedMLP(*args, seed=5, sparse_columns=60).eval()
    dense = StackedMLP(*args, seed=5).eval()
    rows = SparseRows(X)
    idx = torch.arange(80)
    assert torch.allclose(sparse.forward_sparse(rows.expand(sparse).batch(idx), 80), sparse(torch.from_numpy(X)),
                          atol=1e-5)
    assert torch.allclose(sparse(torch.from_numpy(X)), dense(torch.from_numpy(X)), atol=1e-5)
    y = torch.from_numpy(X[:, :10].sum(axis=1)).float()
    y = ((y - y.mean()) / y.std()).expand(3, -1).contiguous()
    train_stack(sparse, rows, y, torch.from_numpy(X), y, [1e-2] * 3, max_epochs=30, batch_size=16, patience=30)
    exported = sparse.export(1)
    assert exported["w0"].shape == (35, 12)
    alone = StackedMLP.from_arrays([_arrays_from(exported, "relu")])
    assert torch.allclose(alone(torch.from_numpy(X))[0], sparse.eval()(torch.from_numpy(X))[1], atol=1e-5)


def _arrays_from(a, act):
    return NetArrays(a["input_index"], a["x_mean"], a["x_scale"], [a["w0"], a["w1"]], [a["b0"], a["b1"]],
                     a["out_w"], float(a["out_b"]), 0.0, 1.0, act)
