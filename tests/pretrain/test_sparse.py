"""The sparse first layer for training on fingerprint counts (core/pretrain/sparse.py)."""

import numpy as np
import pytest
import torch

from core.nets import StackedMLP
from core.pretrain.sparse import SparseRows, SparseStackedMLP
from core.pretrain.stacked import export, train_stack


@pytest.fixture
def counts():
    rng = np.random.default_rng(3)
    X = (rng.random((120, 60)) < 0.08) * rng.integers(1, 4, size=(120, 60)).astype(np.float32)
    subsets = [np.sort(rng.choice(60, size=k, replace=False)) for k in (20, 35, 28)]
    std = X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    args = (subsets, [(12, 6)] * 3, ["relu", "relu", "tanh"], [0.0] * 3, [np.zeros(len(s)) for s in subsets],
            [std[s] for s in subsets])
    return X, args


def test_the_sparse_first_layer_computes_what_the_dense_one_does(counts):
    X, args = counts
    sparse = SparseStackedMLP(*args, seed=5, n_columns=60).eval()
    dense = StackedMLP(*args, seed=5).eval()
    rows = SparseRows(X)
    Xt = torch.from_numpy(X)
    assert torch.allclose(sparse.forward_sparse(rows.expand(sparse).batch(torch.arange(120)), 120), sparse(Xt),
                          atol=1e-5)
    assert torch.allclose(sparse(Xt), dense(Xt), atol=1e-5)
    assert torch.equal(sparse.layer_weight(0), dense.layer_weight(0))


def test_each_table_row_belongs_to_the_net_whose_column_it_weighs(counts):
    _, args = counts
    sparse = SparseStackedMLP(*args, seed=5, n_columns=60)
    owners = dict((id(p), who) for p, who in sparse.owners())
    assert owners[id(sparse.table)].tolist() == [0] * 20 + [1] * 35 + [2] * 28
    assert owners[id(sparse.out_weight)].tolist() == [0, 1, 2]


def test_a_sparse_stack_learns_and_exports_dense_nets(counts):
    X, args = counts
    y = torch.from_numpy(X[:, :10].sum(axis=1)).float()
    y = ((y - y.mean()) / y.std()).expand(3, -1).contiguous()
    Xt = torch.from_numpy(X)
    sparse = SparseStackedMLP(*args, seed=5, n_columns=60)
    with torch.no_grad():
        start = (sparse.eval()(Xt[90:]) - y[:, 90:]).abs().mean(dim=1)
    result = train_stack(sparse, SparseRows(X[:90]), y[:, :90], Xt[90:], y[:, 90:], [1e-2] * 3, max_epochs=30,
                         batch_size=16, patience=30)
    assert (torch.from_numpy(result.val_mae) < start).all()  # better on rows it never trained on
    exported = export(sparse, 1)
    assert exported.weights[0].shape == (35, 12)
    alone = StackedMLP.from_arrays([exported])
    assert torch.allclose(alone(Xt)[0], sparse.eval()(Xt)[1], atol=1e-5)


def test_centred_inputs_are_refused(counts):
    _, (subsets, hidden, acts, dropout, x_mean, x_scale) = counts
    with pytest.raises(ValueError, match="uncentred inputs"):
        SparseStackedMLP(subsets, hidden, acts, dropout, [m + 1 for m in x_mean], x_scale, n_columns=60)
