"""The batched trainer (core/pretrain/stacked.py)."""

import numpy as np
import pytest
import torch

from core.errors import CancelledError
from core.nets import StackedMLP
from core.pretrain.architecture import sample_architecture, sample_subset
from core.pretrain.stacked import export, train_stack


def _stack(n_models=3, seed=0, depth=3, act=None, dropout=0.0):
    rng = np.random.default_rng(seed)
    subsets = [sample_subset(rng, "rdkit2d", np.arange(40)) for _ in range(n_models)]
    archs = [sample_architecture(rng, len(s), depth=depth) for s in subsets]
    acts = [act or a.activation for a in archs]
    return StackedMLP(subsets, [a.hidden for a in archs], acts, [dropout] * n_models,
                      [rng.normal(size=len(s)) for s in subsets], [rng.uniform(0.5, 2, size=len(s)) for s in subsets],
                      seed=seed)


def _data(n=200, seed=0, noise=0.0, n_models=3):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 40, generator=gen)
    y = X[:, :8].sum(dim=1) / 8**0.5 + noise * torch.randn(n, generator=gen)
    return X, y.expand(n_models, -1).contiguous()


def _val_mae(stack, X, y):
    with torch.no_grad():
        return (stack.eval()(X) - y).abs().mean(dim=1)


def test_each_exported_net_equals_its_slot_of_the_stack():
    stack = _stack(4).eval()
    X = torch.randn(17, 40)
    together = stack(X)
    for m in range(4):
        alone = StackedMLP.from_arrays([export(stack, m, y_mean=2.0, y_scale=3.0)])
        assert torch.allclose(alone(X)[0], together[m], atol=1e-5)
        assert torch.allclose(alone.predict(X)[0], together[m] * 3.0 + 2.0, atol=1e-4)
        assert alone.activation(0) == stack.activation(m)


def test_padding_stays_zero_and_nets_do_not_interact():
    stack = _stack(3, act="relu")
    X, y = torch.randn(64, 40), torch.randn(3, 64)
    loss = ((stack(X)[0] - y[0]) ** 2).mean()  # only net 0 in the loss
    loss.backward()
    for p in stack.parameters():
        assert p.grad[1:].abs().sum() == 0
    train_stack(stack, X, y, X, y, [1e-2] * 3, max_epochs=5, batch_size=16, patience=5)
    for layer in range(stack.depth):
        w = stack.layer_weight(layer)
        for m in range(3):
            assert w[m, stack.widths[layer + 1][m]:, :].abs().sum() == 0
            assert w[m, :, stack.widths[layer][m]:].abs().sum() == 0


def test_each_net_trains_as_if_it_were_alone():
    X, y = _data(120)
    stack = _stack(3, seed=4)
    alone = [StackedMLP.from_arrays([export(stack, m)]) for m in range(3)]
    lrs = [3e-3, 1e-2, 5e-3]
    train_stack(stack, X[:90], y[:, :90], X[90:], y[:, 90:], lrs, max_epochs=6, batch_size=16, patience=6, seed=3)
    for m, net in enumerate(alone):
        train_stack(net, X[:90], y[m:m + 1, :90], X[90:], y[m:m + 1, 90:], [lrs[m]], max_epochs=6, batch_size=16,
                    patience=6, seed=3)
        assert torch.allclose(net.eval()(X)[0], stack.eval()(X)[m], atol=1e-4)


def test_a_net_with_learning_rate_zero_does_not_move():
    X, y = _data(64)
    stack = _stack(3, seed=2)
    before = [export(stack, m) for m in range(3)]
    train_stack(stack, X, y, X[:16], y[:, :16], [0.0, 1e-2, 1e-2], max_epochs=3, batch_size=16, patience=3)
    after = [export(stack, m) for m in range(3)]
    assert all(np.array_equal(a, b) for a, b in zip(before[0].weights, after[0].weights))
    assert not np.array_equal(before[1].weights[0], after[1].weights[0])


def test_training_learns_a_signal_it_can_only_see_on_the_training_rows():
    X, _ = _data(400, seed=1, n_models=2)
    y = (X.sum(dim=1, keepdim=True).T / 40**0.5).expand(2, -1).contiguous()  # each net sees part of it
    stack = _stack(2, seed=1, act="tanh")
    start = _val_mae(stack, X[300:], y[:, 300:])
    result = train_stack(stack.train(), X[:300], y[:, :300], X[300:], y[:, 300:], [3e-3, 3e-3], max_epochs=40,
                         batch_size=32, patience=40)
    end = _val_mae(stack, X[300:], y[:, 300:])
    assert (end < start * 0.8).all()
    assert np.allclose(end.numpy(), result.val_mae, atol=1e-5)


def test_each_net_keeps_its_best_epoch_and_early_stopping_ends_training():
    X, y = _data(60, noise=1.0, n_models=2)  # few noisy rows and a big learning rate: it overfits soon
    stack = _stack(2, seed=5, act="relu")
    maes = []
    result = train_stack(stack, X[:40], y[:, :40], X[40:], y[:, 40:], [3e-2, 3e-2], max_epochs=200, batch_size=8,
                         patience=6, progress=lambda epoch, total: maes.append(_val_mae(stack, X[40:], y[:, 40:])))
    maes = torch.stack(maes)  # (epochs, nets): validation MAE after each epoch
    assert result.epochs_run < 200 and result.epochs_run == len(maes)
    assert result.epochs_run == result.best_epoch.max() + 6  # stopped once every net went 6 epochs without gain
    assert (maes[-1] > maes.min(dim=0).values).all()  # the last epoch is not the best ...
    np.testing.assert_array_equal(result.best_epoch, maes.argmin(dim=0).numpy() + 1)
    np.testing.assert_allclose(_val_mae(stack, X[40:], y[:, 40:]).numpy(), maes.min(dim=0).values.numpy(),
                               atol=1e-6)  # ... and the best one is what the stack keeps


def test_same_seed_same_nets_other_seed_other_dropout_masks():
    X, y = _data(64)
    runs = []
    for seed in (0, 0, 1):
        torch.rand(5)  # the global generator moves on between runs: the masks must not follow it
        stack = _stack(3, seed=7, dropout=0.3)
        train_stack(stack, X, y, X[:16], y[:, :16], [1e-2] * 3, max_epochs=2, batch_size=16, patience=2, seed=seed)
        runs.append(export(stack, 0).weights[0])
    assert np.array_equal(runs[0], runs[1]) and not np.array_equal(runs[0], runs[2])


def test_a_cancel_stops_training():
    X, y = _data(32)
    with pytest.raises(CancelledError, match="training cancelled"):
        train_stack(_stack(3), X, y, X, y, [1e-2] * 3, max_epochs=5, cancel=lambda: True)
