"""Build a model library: plan stacks of nets per source, train them, store them.

A build is a list of independent :class:`Task` objects, one per stack of nets.  Each
task loads its source, featurizes it (through the shared feature store), draws its nets'
descriptor subsets and architectures from a seed derived from (seed, source, stack),
trains them together and returns finished models; the caller writes them to the library
in one transaction per task.  Because everything is derived from the seed, a killed
build resumes by skipping tasks whose models are all in the catalog, and the same tasks
can run in worker processes or on a Dask cluster.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import zlib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import torch

from core import LIBRARY_FORMAT_VERSION, __version__
from core.compute.device import device_label, resolve_device
from core.domains import Domain
from core.errors import CancelledError, InputError
from core.features import failed_rows, make_featurizer
from core.features.store import featurize_cached
from core.library import Library, now
from core.library.model import n_parameters, round_weights
from core.metrics import regression_metrics
from core.pretrain.architecture import sample_stack, sample_subset
from core.pretrain.presets import PRESETS, DescriptorPlan, Preset
from core.pretrain.sources import load_source, sample_and_split
from core.pretrain.stacked import NetArrays, SparseRows, StackedMLP, train_stack


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


@dataclass
class BuildConfig:
    """What to build; see ``python -m core library build --help``."""

    out: Path
    preset: str = "starter"
    domains: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    user_sources: tuple[str, ...] = ()  # paths saved by core.pretrain.sources.save_user_source
    seed: int = 0
    device: str = "auto"
    workers: int = 1
    max_rows: int | None = None
    max_epochs: int | None = None
    scheduler: str | None = None  # Dask: "local[:N]" or "tcp://host:port"
    representations: bool = False  # also register the pretrained representations (the CLI's default)


@dataclass
class BuildSummary:
    """What a build did."""

    library: str
    planned_models: int
    trained_models: int
    skipped_models: int
    tasks: int
    seconds: float
    failures: dict[str, str] = field(default_factory=dict)
    #: ``{source: [{"row", "line" (user sources), "structure", "reason"}]}`` of rows left out
    unreadable: dict[str, list[dict]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def model_id(source: str, descriptor: DescriptorPlan, seed: int, index: int) -> str:
    """Readable, deterministic model id, e.g. ``qm9_gap-morgan-s0-03``."""
    name, params = descriptor
    params = dict(params)
    suffix = "_full" if params.get("stats") == "full" else ""
    if name == "element_embedding":  # e.g. mp_gap-mat2vec-s0-07
        name, suffix = str(params.get("embedding")), ""
    return f"{source}-{name}{suffix}-s{seed}-{index:02d}"


def plan_tasks(config: BuildConfig) -> list[Task]:
    """Every task of a build, in a stable order."""
    from core import datasets
    from core.pretrain.sources import from_file

    preset: Preset = PRESETS[config.preset]
    refs: list[tuple[dict, str, Domain]] = []
    domains = [Domain.parse(d) for d in config.domains] if config.domains else list(Domain)
    if config.sources:
        names = list(config.sources)
    elif config.user_sources:
        names = []
    else:
        names = [s.name for d in domains for s in datasets.list_datasets(domain=d, role="source")
                 if preset.sources is None or s.name in preset.sources]
    for name in names:
        spec = datasets.get(name)
        refs.append(({"dataset": name}, name, spec.domain))
    for path in config.user_sources:
        src = from_file(path)
        refs.append(({"file": str(path)}, src.name, src.domain))
    tasks = []
    for ref, name, domain in refs:
        stacks = preset.stacks.get(domain)
        if not stacks:
            raise InputError(f"preset {preset.name!r} has no models for {domain.value} sources")
        index = 0
        for s, descriptors in enumerate(stacks):
            ids = []
            for d in descriptors:
                ids.append(model_id(name, d, config.seed, index))
                index += 1
            tasks.append(Task(source=ref, source_name=name, stack=s, descriptors=tuple(descriptors),
                              model_ids=tuple(ids), seed=config.seed,
                              max_rows=config.max_rows or preset.max_rows,
                              max_epochs=config.max_epochs or preset.max_epochs, patience=preset.patience,
                              batch_size=preset.batch_size, morgan_range=preset.morgan_range,
                              weight_decay=preset.weight_decay, device=config.device))
    return tasks


# ======================================================================= rows a build can read
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


def find_unreadable(tasks: list[Task], say: Callable[[str], None]) -> dict[str, list[dict]]:
    """``{source: [{"row", "structure", "reason", ("line")}]}`` of the sampled rows that a
    featurizer of the source's tasks cannot read (InputError when no row is left)."""
    out: dict[str, list[dict]] = {}
    seen: dict[tuple, dict[int, str]] = {}  # sources sharing their rows (the QM9 properties) are checked once
    for name, group in _by_source(tasks).items():
        first = group[0]
        source = load_source(first.source)
        rows = np.sort(np.concatenate(list(sample_and_split(len(source.table), first.max_rows, first.seed).values())))
        specs = tuple(dict.fromkeys(d for t in group for d in t.descriptors))
        structures = source.table["structure"].to_numpy()[rows].astype(str).tolist()
        key = (specs, tuple(structures))
        if key not in seen:
            seen[key] = failed_rows(structures, [{"name": d[0], "params": dict(d[1])} for d in specs])
        failed = seen[key]
        if not failed:
            continue
        if len(failed) == len(rows):
            raise InputError(f"{name}: no row can be featurized; e.g. {structures[0]!r}: {failed[0]}")
        lines = source.table["line"].to_numpy() if "line" in source.table.columns else None
        out[name] = [{"row": int(rows[i]), "structure": structures[i], "reason": reason,
                      **({"line": int(lines[rows[i]])} if lines is not None else {})} for i, reason in failed.items()]
        say(f"{name}: left out {len(failed)} of {len(rows)} rows that cannot be featurized: "
            + "; ".join(_where(r) for r in out[name][:5]) + (" ..." if len(failed) > 5 else ""))
    return out


def _where(row: dict) -> str:
    place = f"line {row['line']}" if "line" in row else f"source row {row['row'] + 1}"
    return f"{place} {row['structure']!r}: {row['reason']}"


def _by_source(tasks: Iterable[Task]) -> dict[str, list[Task]]:
    groups: dict[str, list[Task]] = {}
    for task in tasks:
        groups.setdefault(task.source_name, []).append(task)
    return groups


# ======================================================================= one task
def run_task(task: Task, cancel: Callable[[], bool] | None = None) -> list[tuple[NetArrays, dict]]:
    """Train one stack and return its finished models with their cards."""
    if task.threads:
        torch.set_num_threads(task.threads)
    device = resolve_device(task.device)
    source = load_source(task.source)
    split = task_rows(task, len(source.table))
    used = np.concatenate(list(split.values()))
    structures = source.table["structure"].to_numpy()[used].tolist()
    y_all = source.table["target"].to_numpy(dtype=np.float64)[used]
    blocks, offsets, featurizers = [], {}, {}
    for desc in dict.fromkeys(task.descriptors):
        featurizers[desc] = make_featurizer(desc[0], dict(desc[1]))
        offsets[desc] = sum(b.shape[1] for b in blocks)
        blocks.append(featurize_cached(featurizers[desc], structures))
    X = np.hstack(blocks).astype(np.float32)
    n_tr, n_va = len(split["train"]), len(split["val"])
    parts = {"train": slice(0, n_tr), "val": slice(n_tr, n_tr + n_va), "test": slice(n_tr + n_va, len(used))}
    mean = X[parts["train"]].mean(axis=0)
    std = X[parts["train"]].std(axis=0)
    for desc in featurizers:  # counts are scaled, not centred: they stay sparse
        if desc[0] == "morgan":
            width = blocks[list(featurizers).index(desc)].shape[1]
            mean[offsets[desc]: offsets[desc] + width] = 0.0
    rng = np.random.default_rng([task.seed, zlib.crc32(task.source_name.encode()), task.stack])
    subsets = []
    for desc in task.descriptors:
        width = blocks[list(featurizers).index(desc)].shape[1]
        cols = np.arange(offsets[desc], offsets[desc] + width)
        usable = cols[std[cols] > 0]
        if len(usable) == 0:
            raise InputError(f"{task.source_name}: every {desc[0]} column is constant in the training rows")
        subsets.append(sample_subset(rng, desc[0], usable, task.morgan_range))
    archs = sample_stack(rng, [len(s) for s in subsets])
    # nets without dropout first, then by activation: the stack activates each run in one pass
    order = sorted(range(len(subsets)), key=lambda i: (archs[i].dropout > 0, archs[i].activation))
    scale = np.where(std > 0, std, 1.0)
    sparse = all(d[0] == "morgan" for d in task.descriptors) and float((X != 0).mean()) < 0.2
    stack = StackedMLP([subsets[i] for i in order], [archs[i].hidden for i in order],
                       [archs[i].activation for i in order], [archs[i].dropout for i in order],
                       [mean[subsets[i]] for i in order], [scale[subsets[i]] for i in order],
                       seed=int(rng.integers(1 << 31)), sparse_columns=X.shape[1] if sparse else None).to(device)
    y_tr = y_all[parts["train"]]
    y_mean, y_scale = float(y_tr.mean()), float(y_tr.std() or 1.0)
    y_std = torch.tensor(((y_all - y_mean) / y_scale).astype(np.float32), device=device)
    Xt = torch.from_numpy(X).to(device)
    M = len(subsets)
    train_X = SparseRows(X[parts["train"]], device) if sparse else Xt[parts["train"]]
    result = train_stack(
        stack, train_X, y_std[parts["train"]].expand(M, -1), Xt[parts["val"]],
        y_std[parts["val"]].expand(M, -1), [archs[i].lr for i in order], max_epochs=task.max_epochs,
        batch_size=task.batch_size, patience=task.patience, weight_decay=task.weight_decay,
        seed=int(rng.integers(1 << 31)), cancel=cancel)
    position = {model: slot for slot, model in enumerate(order)}
    nets = []
    for m, desc in enumerate(task.descriptors):
        arrays = stack.export(position[m])
        depth_m = len(archs[m].hidden)
        net = NetArrays(arrays["input_index"] - offsets[desc], arrays["x_mean"], arrays["x_scale"],
                        [arrays[f"w{i}"] for i in range(depth_m)], [arrays[f"b{i}"] for i in range(depth_m)],
                        arrays["out_w"], float(arrays["out_b"]), y_mean, y_scale, archs[m].activation)
        nets.append(round_weights(net))
    metrics = _evaluate(nets, task.descriptors, blocks, featurizers, y_all, parts)
    label = device_label(device)
    out = []
    for m, desc in enumerate(task.descriptors):
        card = {
            "id": task.model_ids[m], "format_version": LIBRARY_FORMAT_VERSION, "project_version": __version__,
            "created": now(), "domain": source.domain.value,
            "source": source.card_entry(len(used)),
            "descriptor": {"name": desc[0], "params": featurizers[desc].get_params(),
                           "label": featurizers[desc].label(),
                           "n_columns": int(blocks[list(featurizers).index(desc)].shape[1]),
                           "n_inputs": int(len(nets[m].input_index)),
                           "subset": "in the weights file (input_index) and the catalog (column_subset)"},
            "architecture": {**archs[m].to_dict(), "n_parameters": n_parameters(nets[m]),
                             "layers": "Linear -> activation -> dropout per hidden layer, Linear output"},
            "training": {"n_train": n_tr, "n_val": n_va, "n_test": len(used) - n_tr - n_va,
                         "split": "random 80/10/10 of the sampled rows", "max_rows": task.max_rows,
                         "rows_unreadable": len(task.exclude),
                         "seed": task.seed, "stack": task.stack, "stack_size": M,
                         "epochs_run": int(result.epochs_run), "best_epoch": int(result.best_epoch[position[m]]),
                         "max_epochs": task.max_epochs, "patience": task.patience, "batch_size": task.batch_size,
                         "optimizer": "Adam (per-net learning rate)", "weight_decay": task.weight_decay,
                         "loss": "MSE on standardised target", "early_stopping": "validation MAE",
                         "seconds": round(result.seconds / M, 3), "stack_seconds": round(result.seconds, 3),
                         "input_scaling": ("divided by the training standard deviation, not centred (sparse counts)"
                                           if desc[0] == "morgan" else "standardised on the training rows"),
                         "device": label, "weights": "float16"},
            "metrics": metrics[m],
        }
        out.append((nets[m], card))
    return out


def _evaluate(nets, descriptors, blocks, featurizers, y_all, parts) -> list[dict]:
    """Validation and test metrics of the stored (float16-rounded) nets, in target units."""
    out = []
    keys = list(featurizers)
    for net, desc in zip(nets, descriptors):
        X = torch.from_numpy(blocks[keys.index(desc)])
        with torch.no_grad():
            pred = StackedMLP.from_arrays([net]).predict(X)[0].numpy().astype(np.float64)
        out.append({name: regression_metrics(y_all[parts[name]], pred[parts[name]]) for name in ("val", "test")})
    return out


# ======================================================================= whole build
def _worker_init(threads: int) -> None:
    torch.set_num_threads(threads)


def build_library(config: BuildConfig, *, progress: Callable[[str], None] | None = None,
                  cancel: Callable[[], bool] | None = None,
                  executor_factory: Callable[[int], object] | None = None) -> BuildSummary:
    """Build (or resume) a library.

    Rows of a source that a featurizer of the build cannot read are left out and listed
    in the summary (``unreadable``) and the log; a source with no readable row stops the
    build.  A build that ends without a single model in a library it created (it failed,
    was cancelled, or every stack failed) removes that library's folder, so no empty
    library is left behind; one that stops with models kept marks its build record
    ``"status": "incomplete"`` in library.json, and rerunning it resumes.

    Parameters
    ----------
    config : BuildConfig
    progress : callable, optional
        Receives one line of text per finished task (default: stderr).
    cancel : callable, optional
        Returns True to stop after the task in flight; finished models are kept.
    executor_factory : callable, optional
        ``factory(workers)`` returning a ``concurrent.futures``-like executor (e.g. a Dask
        client wrapper); default a process pool when ``workers > 1``.
    """
    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    start = time.perf_counter()
    created = not (Path(config.out) / "library.json").exists()
    library = None
    status = "failed"
    try:
        tasks = plan_tasks(config)
        library = Library(config.out, create=True, name=Path(config.out).name)
        summary = _build(library, config, tasks, say, cancel, executor_factory, start)
        if config.representations and len(library):
            _register_representations(library, say)
        status = "complete" if not summary.failures else "incomplete"
    except CancelledError:
        status = "cancelled"
        raise
    finally:
        _finish_build(library, config, created, status, say)
    if summary.trained_models == 0 and summary.skipped_models == 0 and summary.failures:
        first = next(iter(summary.failures.items()))
        raise InputError(f"no model could be trained ({len(summary.failures)} stacks failed; {first[0]}: {first[1]})")
    return summary


def _build(library: Library, config: BuildConfig, tasks: list[Task], say, cancel, executor_factory,
           start: float) -> BuildSummary:
    builds = list(library.manifest.get("builds", []))
    builds.append({"preset": config.preset, "seed": config.seed, "started": now(), "project_version": __version__,
                   "sources": sorted({t.source_name for t in tasks}), "status": "running"})
    library.update_manifest({"builds": builds})
    existing = library.ids()
    todo = [t for t in tasks if not set(t.model_ids) <= existing]
    planned = sum(len(t.model_ids) for t in tasks)
    skipped = planned - sum(len(t.model_ids) for t in todo)
    if skipped:
        say(f"resuming: {skipped} of {planned} models already in {config.out}")
    unreadable = find_unreadable(todo, say)
    todo = [replace(t, exclude=tuple(sorted(r["row"] for r in unreadable.get(t.source_name, [])))) for t in todo]
    _prefeaturize(todo, say)
    summary = BuildSummary(str(config.out), planned, 0, skipped, len(tasks), 0.0, unreadable=unreadable)
    total_models = sum(len(t.model_ids) for t in todo)

    def record(task: Task, items) -> None:
        library.add(items)
        summary.trained_models += len(items)
        done = summary.trained_models
        elapsed = time.perf_counter() - start
        rate = done / elapsed * 60
        left = (total_models - done) / max(rate, 1e-9)
        r2 = ", ".join(f"{c['metrics']['test']['r2']:.2f}" for _, c in items)
        say(f"[{done}/{total_models} models] {task.source_name} stack {task.stack}: "
            f"test R2 {r2}; {rate:.1f} models/min, ~{left:.1f} min left")

    try:
        _run(todo, config, record, summary, cancel, executor_factory, say)
    finally:
        summary.seconds = round(time.perf_counter() - start, 1)
    return summary


def _run(todo, config, record, summary, cancel, executor_factory, say) -> None:
    if config.scheduler:
        from core.compute.dask_backend import dask_client, executor, n_workers

        with dask_client(config.scheduler) as client:
            workers = n_workers(client)
            say(f"training on {workers} Dask workers ({config.scheduler})")
            _run_parallel(todo, replace(config, workers=workers), record, summary, cancel,
                          lambda _: executor(client), say, threads=1)
        return
    if config.workers > 1 or executor_factory is not None:
        _run_parallel(todo, config, record, summary, cancel, executor_factory, say)
        return
    for task in todo:
        if cancel is not None and cancel():
            raise CancelledError(f"build cancelled; {summary.trained_models} new models kept")
        try:
            record(task, run_task(task, cancel))
        except CancelledError:
            raise
        except (InputError, ValueError, RuntimeError) as exc:
            summary.failures[f"{task.source_name}/{task.stack}"] = str(exc)
            say(f"failed {task.source_name} stack {task.stack}: {exc}")


#: What a build writes into a library folder; a folder holding only these and no model is empty.
_BUILD_FILES = {"library.json", "catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm", "catalog.sqlite-journal",
                "models", "sources", ".library.json.tmp"}


def _register_representations(library: Library, say) -> None:
    """Add the pretrained representations whose packages are installed (no weights)."""
    added, skipped = library.add_representations()
    say(f"registered {added} pretrained representations"
        + (f"; {len(skipped)} skipped because their packages are missing" if skipped else ""))


def _finish_build(library: Library | None, config: BuildConfig, created: bool, status: str, say) -> None:
    """Record how the build ended; remove the folder of a library it created and left empty."""
    empty = True
    if library is not None:
        empty = len(library) == 0
        if not (empty and created):
            builds = list(library.manifest.get("builds", []))
            if builds:
                builds[-1] = {**builds[-1], "status": status, "finished": now()}
                library.update_manifest({"builds": builds})
        library.close()
    out = Path(config.out)
    if created and empty and out.is_dir() and _only_build_files(out):
        shutil.rmtree(out, ignore_errors=True)
        say(f"removed {out}: the build ended ({status}) before any model was stored")


def _only_build_files(folder: Path) -> bool:
    names = {p.name for p in folder.iterdir()}
    if not names <= _BUILD_FILES:
        return False
    models = folder / "models"
    return not models.exists() or not any(p.is_file() for p in models.rglob("*"))


def _prefeaturize(tasks: Iterable[Task], say) -> None:
    """Featurize each (source, descriptor) once, in the parent, so workers only read.

    A featurization that fails is logged; the tasks that need it then fail one by one."""
    seen = set()
    for task in tasks:
        for desc in dict.fromkeys(task.descriptors):
            key = (task.source_name, desc, task.max_rows, task.seed)
            if key in seen:
                continue
            seen.add(key)
            source = load_source(task.source)
            rows = np.concatenate(list(task_rows(task, len(source.table)).values()))
            structures = source.table["structure"].to_numpy()[rows].tolist()
            t0 = time.perf_counter()
            try:
                featurize_cached(make_featurizer(desc[0], dict(desc[1])), structures)
            except InputError as exc:
                say(f"cannot featurize {task.source_name} with {desc[0]}: {exc}")
                continue
            if time.perf_counter() - t0 > 2:
                say(f"featurized {task.source_name} with {desc[0]} in {time.perf_counter() - t0:.0f} s")


def _run_parallel(todo, config, record, summary, cancel, executor_factory, say, threads: int | None = None) -> None:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    workers = max(1, config.workers)
    threads = threads or max(1, (os.cpu_count() or 1) // workers)
    if executor_factory is not None:
        executor = executor_factory(workers)
    else:
        import multiprocessing

        executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_worker_init, initargs=(threads,))
    pending = {}
    queue = list(todo)
    try:
        while queue or pending:
            while queue and len(pending) < workers * 2:
                task = queue.pop(0)
                task = Task(**{**asdict(task), "threads": threads})
                pending[executor.submit(run_task, task)] = task
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in finished:
                task = pending.pop(fut)
                try:
                    items = fut.result()
                except Exception as exc:  # a failed task (or a lost worker) spares the others
                    message = f"{type(exc).__name__}: {exc}"
                    summary.failures[f"{task.source_name}/{task.stack}"] = message
                    say(f"failed {task.source_name} stack {task.stack}: {message}")
                    continue
                record(task, items)
            if cancel is not None and cancel():
                for fut in pending:
                    fut.cancel()
                raise CancelledError("build cancelled; finished models kept")
    finally:
        for fut in pending:
            fut.cancel()
        executor.shutdown(wait=False)
