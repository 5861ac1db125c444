"""Build a model library: plan stacks of nets per source, train them, store them.

A build is a list of independent :class:`~core.pretrain.task.Task` objects, one per stack
of nets (:func:`plan_tasks`).  Each task loads its source, featurizes it (through the
shared feature store), draws its nets' descriptor subsets and architectures from a seed
derived from (seed, source, stack), trains them together and returns finished models
(:mod:`core.pretrain.task`); this process writes them to the library in one transaction
per task.  Because everything is derived from the seed, a killed build resumes by skipping
tasks whose models are all in the catalog, and the same tasks can run in worker processes
or on a Dask cluster (:mod:`core.pretrain.runners`).
"""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from core import __version__
from core.domains import Domain
from core.errors import CancelledError, InputError
from core.features import failed_rows, make_featurizer
from core.features.store import featurize_cached
from core.library import Library, now
from core.pretrain.presets import PRESETS, DescriptorPlan, Preset
from core.pretrain.runners import run_tasks
from core.pretrain.sources import from_file, load_source, sample_and_split
from core.pretrain.task import Task, task_rows


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
    preset: Preset = PRESETS[config.preset]
    tasks = []
    for ref, name, domain in _source_refs(config, preset):
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


def _source_refs(config: BuildConfig, preset: Preset) -> list[tuple[dict, str, Domain]]:
    """``(reference, name, domain)`` of every source of the build: the named or preset's
    registered sources of the chosen domains, then the user's."""
    from core import datasets

    domains = [Domain.parse(d) for d in config.domains] if config.domains else list(Domain)
    if config.sources:
        names = list(config.sources)
    elif config.user_sources:
        names = []
    else:
        names = [s.name for d in domains for s in datasets.list_datasets(domain=d, role="source")
                 if preset.sources is None or s.name in preset.sources]
    refs = [({"dataset": name}, name, datasets.get(name).domain) for name in names]
    for path in config.user_sources:
        src = from_file(path)
        refs.append(({"file": str(path)}, src.name, src.domain))
    return refs


# ======================================================================= rows a build can read
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


# ======================================================================= whole build
def build_library(config: BuildConfig, *, progress: Callable[[str], None] | None = None,
                  cancel: Callable[[], bool] | None = None,
                  executor_factory: Callable[[int], object] | None = None,
                  advance: Callable[[int, int], None] | None = None) -> BuildSummary:
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
    advance : callable, optional
        ``advance(done, total)`` with the models trained so far in this build and the
        models it has to train, once before the first stack and after every finished one
        (the typed progress a progress bar reads; ``progress`` gets the words).
    """
    say = progress or _to_stderr
    start = time.perf_counter()
    created = not (Path(config.out) / "library.json").exists()
    library = None
    status = "failed"
    try:
        tasks = plan_tasks(config)
        library = Library(config.out, create=True, name=Path(config.out).name)
        summary = _build(library, config, tasks, say, cancel, executor_factory, start, advance)
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


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _build(library: Library, config: BuildConfig, tasks: list[Task], say, cancel, executor_factory,
           start: float, advance: Callable[[int, int], None] | None = None) -> BuildSummary:
    """Record the build, skip the tasks already built, leave out the rows no featurizer
    can read, featurize once, then run the rest."""
    _start_record(library, config, tasks)
    todo, planned, skipped = _resume(library, config, tasks, say)
    unreadable = find_unreadable(todo, say)
    todo = [replace(t, exclude=tuple(sorted(r["row"] for r in unreadable.get(t.source_name, [])))) for t in todo]
    _prefeaturize(todo, say)
    summary = BuildSummary(str(config.out), planned, 0, skipped, len(tasks), 0.0, unreadable=unreadable)
    recorder = _Recorder(library, summary, sum(len(t.model_ids) for t in todo), start, say, advance)
    try:
        run_tasks(todo, recorder, workers=config.workers, scheduler=config.scheduler, cancel=cancel,
                  executor_factory=executor_factory, say=say)
    finally:
        summary.seconds = round(time.perf_counter() - start, 1)
    return summary


def _start_record(library: Library, config: BuildConfig, tasks: list[Task]) -> None:
    """Add this build, as running, to the library's record of builds."""
    builds = list(library.manifest.get("builds", []))
    builds.append({"preset": config.preset, "seed": config.seed, "started": now(), "project_version": __version__,
                   "sources": sorted({t.source_name for t in tasks}), "status": "running"})
    library.update_manifest({"builds": builds})


def _resume(library: Library, config: BuildConfig, tasks: list[Task], say) -> tuple[list[Task], int, int]:
    """The tasks whose models are not all in the library yet, the number of models
    planned, and the number already there."""
    existing = library.ids()
    todo = [t for t in tasks if not set(t.model_ids) <= existing]
    planned = sum(len(t.model_ids) for t in tasks)
    skipped = planned - sum(len(t.model_ids) for t in todo)
    if skipped:
        say(f"resuming: {skipped} of {planned} models already in {config.out}")
    return todo, planned, skipped


class _Recorder:
    """Writes each finished task's models to the library (one transaction per task),
    counts them in the summary and says how far the build is."""

    def __init__(self, library: Library, summary: BuildSummary, total_models: int, start: float, say,
                 advance: Callable[[int, int], None] | None = None):
        self.library, self.summary, self.say = library, summary, say
        self.total_models, self.start = total_models, start
        self.advance = advance or (lambda done, total: None)
        self.advance(0, total_models)

    @property
    def trained_models(self) -> int:
        return self.summary.trained_models

    def record(self, task: Task, items) -> None:
        self.library.add(items)
        self.summary.trained_models += len(items)
        done = self.summary.trained_models
        rate = done / (time.perf_counter() - self.start) * 60
        left = (self.total_models - done) / max(rate, 1e-9)
        r2 = ", ".join(f"{c['metrics']['test']['r2']:.2f}" for _, c in items)
        self.say(f"[{done}/{self.total_models} models] {task.source_name} stack {task.stack}: "
                 f"test R2 {r2}; {rate:.1f} models/min, ~{left:.1f} min left")
        self.advance(done, self.total_models)

    def fail(self, task: Task, message: str) -> None:
        self.summary.failures[f"{task.source_name}/{task.stack}"] = message
        self.say(f"failed {task.source_name} stack {task.stack}: {message}")


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
