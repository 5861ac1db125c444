"""Benchmark: fine-tuning pretrained nets on a small target, on the CPU or a GPU.

Fine-tunes ``--models`` nets of the shipped starter library (Morgan inputs) on ``--rows``
rows of FreeSolv, last layer and whole net, and reports seconds per net.  Prints one JSON
document.

    python bench/finetune.py [--models 8] [--rows 100] [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.compute.device import device_label, resolve_device  # noqa: E402
from core.datasets import load  # noqa: E402
from core.features import from_spec  # noqa: E402
from core.library import Library  # noqa: E402
from core.transfer.nets import FineTunedNet  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=8)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    table = load("freesolv").sample(args.rows, random_state=0)
    y = table["target"].to_numpy(dtype=float)
    out = {"benchmark": "fine-tuning", "device": device_label(device), "rows": len(y), "epochs": args.epochs}
    with Library() as lib:
        ids = lib.models(descriptor="morgan", domain="molecule", columns=["id"])["id"].head(args.models).tolist()
        spec = lib.card(ids[0])["descriptor"]
        X = from_spec(spec).transform(table["structure"].tolist()).astype(np.float32)
        nets = [lib.load(i) for i in ids]
    for mode in ("last", "all"):
        start = time.perf_counter()
        maes = []
        for net in nets:
            model = FineTunedNet(net, mode=mode, max_epochs=args.epochs, patience=args.epochs,
                                 device=str(device)).fit(X, y)
            maes.append(float(np.abs(model.predict(X) - y).mean()))
        out[f"finetune_{mode}"] = {"models": len(nets), "seconds_per_model": round((time.perf_counter() - start) /
                                                                                  len(nets), 3),
                                   "train_mae_mean": round(float(np.mean(maes)), 4)}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
