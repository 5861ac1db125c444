"""One task of a build: one stack of nets trained on one source.

:func:`run_task` goes through named steps: read the task's rows of the source and
featurize them (:func:`featurize_rows`), standardise the columns on the training rows
(:func:`input_scalers`), draw each net's column subset and architecture (:func:`draw_nets`),
train the stack (:func:`train_nets`), strip the trained nets of their padding
(:func:`export_nets`), score the stored nets (:func:`evaluate`) and write their cards
(:func:`model_card`).  Every random draw comes from a generator seeded by
(seed, source, stack), so a task gives the same models wherever and whenever it runs.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch

from core import LIBRARY_FORMAT_VERSION, __version__
from core.columns import constant_columns
from core.compute.device import device_label, resolve_device
from core.errors import InputError
from core.features import make_featurizer
from core.features.store import featurize_cached
from core.library import now
from core.library.model import n_parameters, round_weights
from core.metrics import regression_metrics
from core.nets import NetArrays, StackedMLP
from core.pretrain.architecture import Architecture, sample_stack, sample_subset
from core.pretrain.presets import DescriptorPlan
from core.pretrain.sources import SourceData, load_source, sample_and_split
from core.pretrain.sparse import SparseRows, SparseStackedMLP
from core.pretrain.stacked import TrainResult, export, train_stack


@dataclass(frozen=True)
class Task:
    """One stack of nets to train on one source."""

    source: dict  # {"dataset": name} or {"file": path}
    source_name: str
    stack: int
    descriptors: tuple[DescriptorPlan, ...]
    model_ids: tuple[str, ...]
    seed: int
    max_rows: int
    max_epochs: int
    patience: int
    batch_size: int
    morgan_range: tuple[int, int]
    weight_decay: float
    device: str = "auto"
    threads: int = 0  # torch threads in a worker; 0 keeps the default
    exclude: tuple[int, ...] = ()  # rows of the source table a featurizer of the source cannot read


def task_rows(task: Task, n_rows: int) -> dict[str, np.ndarray]:
    """Train/val/test row indices of ``task``'s source, without the rows in ``task.exclude``."""
    split = sample_and_split(n_rows, task.max_rows, task.seed)
    if task.exclude:
        drop = np.asarray(task.exclude)
        split = {part: rows[~np.isin(rows, drop)] for part, rows in split.items()}
    empty = [part for part, rows in split.items() if len(rows) == 0]
    if empty:
        raise InputError(f"{task.source_name}: no {empty[0]} rows left after leaving out the unreadable ones")
    return split


@dataclass
class TaskRows:
    """A task's rows of its source, featurized: one block of columns per distinct
    descriptor, side by side in ``X`` (train rows first, then val, then test)."""

    source: SourceData
    X: np.ndarray  # (n, D) float32
    y: np.ndarray  # (n,) float64, in the source's unit
    parts: dict[str, slice]  # "train", "val", "test" rows of X and y
    featurizers: dict  # descriptor -> featurizer
    blocks: dict  # descriptor -> its columns (n, width)
    offsets: dict  # descriptor -> first column in X

    def columns(self, desc: DescriptorPlan) -> np.ndarray:
        """The columns of ``X`` that descriptor ``desc`` fills."""
        return np.arange(self.offsets[desc], self.offsets[desc] + self.blocks[desc].shape[1])

    def count(self, part: str) -> int:
        """Number of rows in ``part``."""
        return len(range(len(self.y))[self.parts[part]])


@dataclass(frozen=True)
class NetDraw:
    """The nets of a stack as drawn: column subsets and architectures in the task's
    descriptor order, and their slots in the stack (nets without dropout first, then by
    activation, so that the stack activates each run in one pass)."""

    subsets: list[np.ndarray]
    archs: list[Architecture]
    order: list[int]  # descriptor position of the net in each slot

    def slot(self, m: int) -> int:
        """Slot in the stack of the net at descriptor position ``m``."""
        return self.order.index(m)

    def in_slots(self, values: list) -> list:
        """``values`` (one per net in descriptor order) in slot order."""
        return [values[i] for i in self.order]


def featurize_rows(task: Task) -> TaskRows:
    """Load ``task``'s source and featurize its rows (through the shared feature store)."""
    source = load_source(task.source)
    split = task_rows(task, len(source.table))
    used = np.concatenate(list(split.values()))
    structures = source.table["structure"].to_numpy()[used].tolist()
    y = source.table["target"].to_numpy(dtype=np.float64)[used]
    featurizers, blocks, offsets, width = {}, {}, {}, 0
    for desc in dict.fromkeys(task.descriptors):
        featurizers[desc] = make_featurizer(desc[0], dict(desc[1]))
        offsets[desc] = width
        blocks[desc] = featurize_cached(featurizers[desc], structures)
        width += blocks[desc].shape[1]
    X = np.hstack(list(blocks.values())).astype(np.float32)
    n_tr, n_va = len(split["train"]), len(split["val"])
    parts = {"train": slice(0, n_tr), "val": slice(n_tr, n_tr + n_va), "test": slice(n_tr + n_va, len(used))}
    return TaskRows(source, X, y, parts, featurizers, blocks, offsets)


def input_scalers(rows: TaskRows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, scale and constant-column mask of every column over the training rows.

    Morgan counts are scaled, not centred, so they stay sparse; constant columns (see
    :func:`core.columns.constant_columns`) keep scale 1 and are never drawn.
    """
    train = rows.X[rows.parts["train"]]
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    for desc in rows.featurizers:
        if desc[0] == "morgan":
            mean[rows.columns(desc)] = 0.0
    constant = constant_columns(train, std)
    return mean, np.where(constant, 1.0, std), constant


def draw_nets(task: Task, rows: TaskRows, constant: np.ndarray, rng: np.random.Generator) -> NetDraw:
    """Draw each net's column subset (of the non-constant columns) and architecture."""
    subsets = []
    for desc in task.descriptors:
        cols = rows.columns(desc)
        usable = cols[~constant[cols]]
        if len(usable) == 0:
            raise InputError(f"{task.source_name}: every {desc[0]} column is constant in the training rows")
        subsets.append(sample_subset(rng, desc[0], usable, task.morgan_range))
    archs = sample_stack(rng, [len(s) for s in subsets])
    order = sorted(range(len(subsets)), key=lambda i: (archs[i].dropout > 0, archs[i].activation))
    return NetDraw(subsets, archs, order)


def train_nets(task: Task, rows: TaskRows, draw: NetDraw, mean: np.ndarray, scale: np.ndarray,
               rng: np.random.Generator, device: torch.device,
               cancel: Callable[[], bool] | None) -> tuple[StackedMLP, TrainResult, float, float]:
    """Build the stack and train it on the standardised target.

    The stack has a sparse first layer when every net reads Morgan counts and fewer than
    a fifth of the inputs are non-zero.  Returns the trained stack, the training result
    and the target's mean and scale.
    """
    X, parts = rows.X, rows.parts
    sparse = all(d[0] == "morgan" for d in task.descriptors) and float((X != 0).mean()) < 0.2
    subsets, archs = draw.in_slots(draw.subsets), draw.in_slots(draw.archs)
    shape = (subsets, [a.hidden for a in archs], [a.activation for a in archs], [a.dropout for a in archs],
             [mean[s] for s in subsets], [scale[s] for s in subsets])
    seed = int(rng.integers(1 << 31))
    stack = (SparseStackedMLP(*shape, seed=seed, n_columns=X.shape[1]) if sparse else
             StackedMLP(*shape, seed=seed)).to(device)
    y_tr = rows.y[parts["train"]]
    y_mean, y_scale = float(y_tr.mean()), float(y_tr.std() or 1.0)
    y_std = torch.tensor(((rows.y - y_mean) / y_scale).astype(np.float32), device=device)
    Xt = torch.from_numpy(X).to(device)
    M = len(draw.subsets)
    train_X = SparseRows(X[parts["train"]], device) if sparse else Xt[parts["train"]]
    result = train_stack(
        stack, train_X, y_std[parts["train"]].expand(M, -1), Xt[parts["val"]],
        y_std[parts["val"]].expand(M, -1), [a.lr for a in archs], max_epochs=task.max_epochs,
        batch_size=task.batch_size, patience=task.patience, weight_decay=task.weight_decay,
        seed=int(rng.integers(1 << 31)), cancel=cancel)
    return stack, result, y_mean, y_scale


def export_nets(task: Task, rows: TaskRows, draw: NetDraw, stack: StackedMLP, y_mean: float,
                y_scale: float) -> list[NetArrays]:
    """The trained nets in descriptor order, indexing their own descriptor's columns,
    weights rounded as stored."""
    nets = []
    for m, desc in enumerate(task.descriptors):
        net = export(stack, draw.slot(m), y_mean, y_scale)
        nets.append(round_weights(replace(net, input_index=net.input_index - rows.offsets[desc])))
    return nets


def evaluate(nets: list[NetArrays], task: Task, rows: TaskRows) -> list[dict]:
    """Validation and test metrics of the stored (float16-rounded) nets, in target units."""
    out = []
    for net, desc in zip(nets, task.descriptors):
        X = torch.from_numpy(rows.blocks[desc])
        with torch.no_grad():
            pred = StackedMLP.from_arrays([net]).predict(X)[0].numpy().astype(np.float64)
        out.append({name: regression_metrics(rows.y[rows.parts[name]], pred[rows.parts[name]])
                    for name in ("val", "test")})
    return out


def model_card(task: Task, rows: TaskRows, draw: NetDraw, m: int, net: NetArrays, result: TrainResult,
               metrics: dict, device: str) -> dict:
    """The card of the net at descriptor position ``m``: source, descriptor, architecture,
    training and metrics."""
    desc, arch, slot = task.descriptors[m], draw.archs[m], draw.slot(m)
    n_tr, n_va, M = rows.count("train"), rows.count("val"), len(draw.subsets)
    return {
        "id": task.model_ids[m], "format_version": LIBRARY_FORMAT_VERSION, "project_version": __version__,
        "created": now(), "domain": rows.source.domain.value,
        "source": rows.source.card_entry(len(rows.y)),
        "descriptor": {"name": desc[0], "params": rows.featurizers[desc].get_params(),
                       "label": rows.featurizers[desc].label(), "n_columns": int(rows.blocks[desc].shape[1]),
                       "n_inputs": int(len(net.input_index)),
                       "subset": "in the weights file (input_index) and the catalog (column_subset)"},
        "architecture": {**arch.to_dict(), "n_parameters": n_parameters(net),
                         "layers": "Linear -> activation -> dropout per hidden layer, Linear output"},
        "training": {"n_train": n_tr, "n_val": n_va, "n_test": len(rows.y) - n_tr - n_va,
                     "split": "random 80/10/10 of the sampled rows", "max_rows": task.max_rows,
                     "rows_unreadable": len(task.exclude),
                     "seed": task.seed, "stack": task.stack, "stack_size": M,
                     "epochs_run": int(result.epochs_run), "best_epoch": int(result.best_epoch[slot]),
                     "max_epochs": task.max_epochs, "patience": task.patience, "batch_size": task.batch_size,
                     "optimizer": "Adam (per-net learning rate)", "weight_decay": task.weight_decay,
                     "loss": "MSE on standardised target", "early_stopping": "validation MAE",
                     "seconds": round(result.seconds / M, 3), "stack_seconds": round(result.seconds, 3),
                     "input_scaling": ("divided by the training standard deviation, not centred (sparse counts)"
                                       if desc[0] == "morgan" else "standardised on the training rows"),
                     "device": device, "weights": "float16"},
        "metrics": metrics,
    }


def run_task(task: Task, cancel: Callable[[], bool] | None = None) -> list[tuple[NetArrays, dict]]:
    """Train one stack and return its finished models with their cards."""
    if task.threads:
        torch.set_num_threads(task.threads)
    device = resolve_device(task.device)
    rows = featurize_rows(task)
    mean, scale, constant = input_scalers(rows)
    rng = np.random.default_rng([task.seed, zlib.crc32(task.source_name.encode()), task.stack])
    draw = draw_nets(task, rows, constant, rng)
    stack, result, y_mean, y_scale = train_nets(task, rows, draw, mean, scale, rng, device, cancel)
    nets = export_nets(task, rows, draw, stack, y_mean, y_scale)
    metrics = evaluate(nets, task, rows)
    label = device_label(device)
    return [(net, model_card(task, rows, draw, m, net, result, metrics[m], label))
            for m, net in enumerate(nets)]
