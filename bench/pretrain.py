"""Benchmark: pretraining many small nets batched (stacked) versus one at a time.

Both train the same architectures (random widths and descriptor subsets, one depth) on
the same source rows for the same number of epochs (no early stopping), with Adam and
the same batch size.  "One at a time" is the plain PyTorch loop a user would write:
an ``nn.Sequential`` per model and ``torch.optim.Adam``.  Prints one JSON document.

    python bench/pretrain.py [--models 32] [--rows 4000] [--epochs 4] [--device auto]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.compute.device import device_label, resolve_device  # noqa: E402
from core.datasets import load  # noqa: E402
from core.features import make_featurizer  # noqa: E402
from core.features.store import featurize_cached  # noqa: E402
from core.pretrain.architecture import sample_stack, sample_subset  # noqa: E402
from core.nets import ACT_FUNCS, StackedMLP  # noqa: E402
from core.pretrain.sparse import SparseRows, SparseStackedMLP  # noqa: E402
from core.pretrain.stacked import train_stack  # noqa: E402


class _Act(torch.nn.Module):
    def __init__(self, name):
        super().__init__()
        self.fn = ACT_FUNCS[name]

    def forward(self, x):
        return self.fn(x)


def sequential(k, arch) -> torch.nn.Sequential:
    layers, prev = [], k
    for width in arch.hidden:
        layers += [torch.nn.Linear(prev, width), _Act(arch.activation), torch.nn.Dropout(arch.dropout)]
        prev = width
    layers.append(torch.nn.Linear(prev, 1))
    return torch.nn.Sequential(*layers)


def one_at_a_time(X, y, subsets, archs, epochs, batch, device, seed) -> float:
    start = time.perf_counter()
    for subset, arch in zip(subsets, archs):
        torch.manual_seed(seed)
        net = sequential(len(subset), arch).to(device)
        opt = torch.optim.Adam(net.parameters(), lr=arch.lr, weight_decay=1e-5)
        Xs = X[:, torch.as_tensor(subset, device=device)]
        gen = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            net.train()
            order = torch.randperm(len(Xs), generator=gen).to(device)
            for i in range(0, len(Xs), batch):
                idx = order[i : i + batch]
                loss = ((net(Xs[idx])[:, 0] - y[idx]) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def batched(X, y, subsets, archs, epochs, batch, device, seed, sparse) -> float:
    start = time.perf_counter()
    shape = (subsets, [a.hidden for a in archs], [a.activation for a in archs], [a.dropout for a in archs],
             [np.zeros(len(s)) for s in subsets], [np.ones(len(s)) for s in subsets])
    stack = (SparseStackedMLP(*shape, seed=seed, n_columns=X.shape[1]) if sparse else
             StackedMLP(*shape, seed=seed)).to(device)
    yy = y[None, :].expand(len(subsets), -1)
    train_X = SparseRows(X.cpu().numpy(), device) if sparse else X
    train_stack(stack, train_X, yy, X[:256], yy[:, :256], [a.lr for a in archs], max_epochs=epochs,
                batch_size=batch, patience=epochs + 1, seed=seed)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="qm9_cv_per_mass")
    parser.add_argument("--descriptor", default="morgan")
    parser.add_argument("--models", type=int, default=32)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    device = resolve_device(args.device)
    table = load(args.source).sample(args.rows, random_state=args.seed)
    X_np = featurize_cached(make_featurizer(args.descriptor), table["structure"].tolist())
    usable = np.flatnonzero(X_np.std(axis=0) > 0)
    sparse = args.descriptor == "morgan"  # counts are scaled, not centred, and stay sparse (as the builder does)
    centre = 0.0 if sparse else X_np.mean(axis=0)
    X_np = (X_np - centre) / np.where(X_np.std(axis=0) > 0, X_np.std(axis=0), 1.0)
    y_np = table["target"].to_numpy()
    y_np = (y_np - y_np.mean()) / y_np.std()
    X = torch.from_numpy(X_np.astype(np.float32)).to(device)
    y = torch.from_numpy(y_np.astype(np.float32)).to(device)
    rng = np.random.default_rng(args.seed)
    subsets = [sample_subset(rng, args.descriptor, usable) for _ in range(args.models)]
    archs = sample_stack(rng, [len(s) for s in subsets], depth=args.depth)
    order = sorted(range(args.models), key=lambda i: (archs[i].dropout > 0, archs[i].activation))  # as the builder
    subsets, archs = [subsets[i] for i in order], [archs[i] for i in order]

    batched(X[:512], y[:512], subsets[:2], archs[:2], 1, args.batch, device, args.seed, sparse)  # warm-up
    t_batched = batched(X, y, subsets, archs, args.epochs, args.batch, device, args.seed, sparse)
    t_loop = one_at_a_time(X, y, subsets, archs, args.epochs, args.batch, device, args.seed)
    per_min = lambda t: args.models / t * 60  # noqa: E731
    result = {
        "benchmark": "pretrain",
        "machine": {"device": device_label(device), "cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "torch": torch.__version__},
        "setup": {"source": args.source, "descriptor": args.descriptor, "models": args.models, "rows": args.rows,
                  "sparse_first_layer": sparse,
                  "epochs": args.epochs, "batch_size": args.batch, "depth": args.depth,
                  "mean_inputs": float(np.mean([len(s) for s in subsets])),
                  "mean_first_width": float(np.mean([a.hidden[0] for a in archs]))},
        "batched": {"seconds": round(t_batched, 2), "models_per_minute": round(per_min(t_batched), 1)},
        "one_at_a_time": {"seconds": round(t_loop, 2), "models_per_minute": round(per_min(t_loop), 1)},
        "speedup": round(t_loop / t_batched, 2),
        "goal": ">= 5x",
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
