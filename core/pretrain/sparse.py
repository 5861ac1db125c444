"""A sparse first layer for training stacks on mostly-zero inputs (fingerprint counts).

:class:`SparseStackedMLP` is a :class:`~core.nets.StackedMLP` whose first layer is stored
as one table of rows, one row per (net, input column); a batch of :class:`SparseRows`
then only touches the rows of its non-zero entries, so the cost of the first layer
follows the number of non-zeros instead of the subset size.  Inputs are scaled but not
centred, so zeros stay zeros.  The trained nets are exported as ordinary dense nets.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from core.nets import StackedMLP


class SparseRows:
    """Rows of a mostly-zero matrix (e.g. fingerprint counts) in CSR form, for batching.

    Parameters
    ----------
    X : array (n, D)
        Dense matrix; only its non-zero entries are kept.
    device : torch device
    """

    def __init__(self, X: np.ndarray, device: torch.device | str = "cpu"):
        X = np.asarray(X, dtype=np.float32)
        rows, cols = np.nonzero(X)
        counts = np.bincount(rows, minlength=X.shape[0])
        self.indptr = torch.as_tensor(np.concatenate([[0], np.cumsum(counts)]), dtype=torch.long, device=device)
        self.indices = torch.as_tensor(cols, dtype=torch.long, device=device)
        self.data = torch.as_tensor(X[rows, cols], device=device)
        self.shape = X.shape

    def batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(row in batch, column, value) of every non-zero entry of rows ``idx``."""
        local, pos = _positions(self.indptr, idx)
        return local, self.indices[pos], self.data[pos]

    def expand(self, stack: "SparseStackedMLP") -> "StackRows":
        """Pair every non-zero with the first-layer table rows of the nets that read its column."""
        return StackRows(self, stack)


def _positions(indptr: torch.Tensor, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch-local row and position in the data arrays of each entry of CSR rows ``idx``."""
    starts = indptr[idx]
    lengths = indptr[idx + 1] - starts
    local = torch.repeat_interleave(torch.arange(len(idx), device=idx.device), lengths)
    first = torch.cumsum(lengths, 0) - lengths
    return local, torch.arange(int(lengths.sum()), device=idx.device) - first[local] + starts[local]


class StackRows:
    """Sparse rows pre-joined with a stack's first-layer table: for each row, every
    (table row, net, scaled value) it contributes to.  Batches then need a few gathers."""

    def __init__(self, rows: SparseRows, stack: "SparseStackedMLP"):
        hit = stack.colmap[rows.indices]  # (nnz, M)
        nz, net = (hit >= 0).nonzero(as_tuple=True)
        counts = torch.bincount(torch.repeat_interleave(torch.arange(rows.shape[0], device=nz.device),
                                                        rows.indptr[1:] - rows.indptr[:-1])[nz],
                                minlength=rows.shape[0])
        self.indptr = torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)])
        self.table_row = hit[nz, net]
        self.net = net
        self.weight = rows.data[nz] * stack.col_gain[rows.indices[nz]]
        self.shape = rows.shape

    def batch(self, idx: torch.Tensor):
        """(row in batch, table row, net, scaled value) of every entry of rows ``idx``."""
        local, pos = _positions(self.indptr, idx)
        return local, self.table_row[pos], self.net[pos], self.weight[pos]


class SparseStackedMLP(StackedMLP):
    """A stack whose first layer is a table of rows, one per (net, input column).

    Parameters
    ----------
    subsets, hidden, activations, dropout, x_mean, x_scale, seed
        As for :class:`~core.nets.StackedMLP`; every ``x_mean`` must be zero.
    n_columns : int
        Width of the full descriptor the subsets index.
    """

    def __init__(self, subsets, hidden, activations, dropout, x_mean, x_scale, seed: int | None = 0, *,
                 n_columns: int):
        if any(np.any(np.asarray(m) != 0) for m in x_mean):
            raise ValueError("the sparse first layer needs uncentred inputs (x_mean = 0)")
        super().__init__(subsets, hidden, activations, dropout, x_mean, x_scale, seed=seed)
        self._make_table(self.weights[0].detach(), subsets, n_columns, x_scale)
        self.weights = torch.nn.ParameterList(list(self.weights)[1:])  # layer 0 now lives in the table

    def _make_table(self, w0: torch.Tensor, subsets, n_columns: int, x_scale) -> None:
        sizes = [len(s) for s in subsets]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        rows = np.concatenate([w0[m, :, :k].T.numpy() for m, k in enumerate(sizes)])
        self.table = torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(rows)))
        colmap = np.full((n_columns, self.n_models), -1, dtype=np.int64)
        gain = np.zeros(n_columns, dtype=np.float32)
        pad = np.full((self.n_models, w0.shape[2]), len(rows), dtype=np.int64)
        for m, (subset, scale) in enumerate(zip(subsets, x_scale)):
            subset = np.asarray(subset)
            colmap[subset, m] = starts[m] + np.arange(len(subset))
            gain[subset] = 1.0 / np.asarray(scale, dtype=np.float32)
            pad[m, : len(subset)] = starts[m] + np.arange(len(subset))
        self.register_buffer("table_model", torch.repeat_interleave(torch.arange(self.n_models),
                                                                    torch.tensor(sizes)))
        self.register_buffer("colmap", torch.from_numpy(colmap))
        self.register_buffer("col_gain", torch.from_numpy(gain))
        self.register_buffer("pad_rows", torch.from_numpy(pad))

    def owners(self) -> list[tuple[torch.nn.Parameter, torch.Tensor]]:
        """Each parameter with the net owning each of its leading rows (the table's rows
        belong to the net whose column they weigh)."""
        every = torch.arange(self.n_models, device=self.out_bias.device)
        return [(p, self.table_model if p is self.table else every) for p in self.parameters()]

    def layer_weight(self, layer: int) -> torch.Tensor:
        """Weights of a hidden layer as (M, out, in), padded (layer 0 gathered from the table)."""
        if layer > 0:
            return self.weights[layer - 1]
        table = torch.cat([self.table, self.table.new_zeros(1, self.table.shape[1])])
        return table[self.pad_rows].transpose(1, 2)

    def _first_sparse(self, batch, n_rows: int) -> torch.Tensor:
        """First-layer pre-activations (M, H1, B) from a :meth:`StackRows.batch`."""
        local, table_row, net, weight = batch
        contrib = F.embedding(table_row, self.table) * weight[:, None]
        z = self.table.new_zeros(self.n_models * n_rows, self.table.shape[1])
        z.index_add_(0, net * n_rows + local, contrib)  # in place: z is fresh
        return z.view(self.n_models, n_rows, -1).transpose(1, 2) + self.biases[0]

    def forward_sparse(self, batch, n_rows: int) -> torch.Tensor:
        """Like :meth:`forward` for a batch given by :meth:`StackRows.batch`."""
        return self._output(self._hidden_t(self._first_sparse(batch, n_rows))[-1])
