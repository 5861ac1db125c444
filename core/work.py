"""The product's long tasks as work functions for a :class:`~core.jobs.Job`.

:func:`screen_work`, :func:`learning_work`, :func:`transferability_work` and
:func:`build_work` each return a function of a :class:`~core.jobs.Reporter` that runs the
task in core, turns its typed progress events (stage, done, total) into the job's
fraction and words, and returns its result.  A finished screen is saved as a run folder
(:func:`core.transfer.runs.save_run`), so a browser refresh or a page switch never loses it.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from core.jobs import Reporter

#: Scratch baselines fitted once per screen (or fold), not once per raw descriptor.
ONCE = ("scratch_mean", "scratch_net")


# ====================================================================== progress of a screen
@dataclass
class ScreenProgress:
    """Turn the screen's callbacks into one overall fraction.

    Stages are weighted by the work they do (counted in refits of one candidate under
    all folds): stage 1 is batched and cheap, stage 2 refits ``top x strategies`` models
    plus the baselines on every descriptor, and the nested estimate repeats stage 2 in
    every outer fold.  The scratch forests and ridges are fitted on every raw descriptor:
    how many the screen says in its first event (:data:`core.transfer.screen.PLAN`); until
    then one is assumed.
    """

    config: Any
    weights: dict[str, float] = field(default_factory=dict)
    fractions: dict[str, float] = field(default_factory=dict)

    @classmethod
    def for_config(cls, config) -> "ScreenProgress":
        progress = cls(config)
        progress.weigh(n_descriptors=1)
        return progress

    def weigh(self, n_descriptors: int) -> None:
        """Set the stage weights for a screen whose baselines read ``n_descriptors`` raw descriptors
        (the training mean and the scratch net are fitted once, the others once per descriptor)."""
        config = self.config
        heavy = len(config.strategies)
        once = sum(b in ONCE for b in config.baselines)
        baselines = once + (len(config.baselines) - once) * max(1, n_descriptors)
        stage2 = config.top * heavy + baselines + 1
        nested = config.nested_folds * (config.nested_top * heavy + baselines + 2) if config.nested else 0.0
        stage1 = 2.0 * (1 + (config.nested_folds if config.nested else 0))
        self.weights = {"featurize": 1.0, "stage 1": stage1, "stage 2": float(stage2), "nested": float(nested),
                        "save": 0.5}

    def update(self, stage: str, done: int, total: int) -> float:
        """Record ``done/total`` of ``stage`` and return the overall fraction."""
        from core.transfer.screen import PLAN

        if stage == PLAN:
            self.weigh(n_descriptors=done)
            return self.overall()
        if total > 0:
            self.fractions[stage] = min(1.0, done / total)
        for earlier in self.weights:  # stages run in order: everything before is complete
            if earlier == stage:
                break
            self.fractions[earlier] = 1.0
        return self.overall()

    def overall(self) -> float:
        total = sum(self.weights.values()) or 1.0
        return sum(w * self.fractions.get(s, 0.0) for s, w in self.weights.items()) / total


#: The screen's stages as the progress bar says them.
STAGE_WORDS = {"featurize": "computing descriptors:", "stage 1": "stage 1, every model:",
               "stage 2": "stage 2, refitting the best: fit", "nested": "nested estimate: fit"}


def screen_work(target, library_paths: list[str | Path], config, *, runs_base: Path | None = None,
                save: bool = True, owner: str | None = None) -> Callable[[Reporter], dict]:
    """Work function of a screen: open the libraries, screen, save the run.

    Returns a dict with ``result`` (:class:`~core.transfer.screen.ScreenResult`) and
    ``path`` (the run folder, or None when ``save`` is False).  ``owner`` is written into
    the run folder, so the dashboard can list a browser's own runs first.
    """

    def work(report: Reporter) -> dict:
        from core.transfer.runs import save_run
        from core.transfer.screen import PLAN, screen

        tracker = ScreenProgress.for_config(config)

        def progress(stage: str, done: int, total: int) -> None:
            if stage == PLAN:  # a plan, not work done: it only weighs the stages
                tracker.update(stage, done, total)
                return
            count = (f"{100 * done // max(total, 1)}% of the work" if stage == "stage 1"  # units weighted by cost
                     else f"{done} of {total}")
            report.progress(tracker.update(stage, done, total), f"{STAGE_WORDS.get(stage, stage)} {count}")

        with _opened(library_paths) as libraries:
            report.progress(0.0, f"screening {len(target.y)} rows")
            result = screen(target, libraries, config, progress=progress, cancel=report.cancelled, log=report.log)
            path = None
            if save:
                report.progress(tracker.update("save", 0, 1), "saving the run")
                path = save_run(result, new_run_path(target.name, runs_base), [str(p) for p in library_paths],
                                owner=owner)
                report.log(f"run saved to {path}")
        return {"result": result, "path": path}

    return work


def new_run_path(name: str, base: Path | None = None) -> Path:
    """A fresh run folder (not created) under ``base`` or the default runs folder."""
    from core.transfer.runs import new_run_dir

    return new_run_dir(name, base)


@contextmanager
def _opened(library_paths: list[str | Path]):
    """The libraries at ``library_paths``, open for the duration of a job and closed after it."""
    from core.library import Library

    with ExitStack() as stack:  # closes those already open if a later one fails to open
        yield [stack.enter_context(Library(p)) for p in library_paths]


def learning_work(target, library_paths: list[str | Path], config) -> Callable[[Reporter], Any]:
    """Work function of a learning curve (:func:`core.learning.learning_curve`)."""

    def work(report: Reporter):
        from core.learning import learning_curve

        with _opened(library_paths) as libraries:
            return learning_curve(target, libraries, config,
                                  progress=lambda done, total, msg: report.progress(done / max(total, 1), msg),
                                  cancel=report.cancelled)

    return work


def transferability_work(targets: list, library_paths: list[str | Path], config) -> Callable[[Reporter], Any]:
    """Work function of a transferability map over several targets."""

    def work(report: Reporter):
        from core.transfer.transferability import transferability

        with _opened(library_paths) as libraries:
            return transferability(targets, libraries, config,
                                   progress=lambda stage, done, total: report.progress(done / max(total, 1), stage),
                                   cancel=report.cancelled)

    return work


def build_work(config, source: dict | None = None) -> Callable[[Reporter], Any]:
    """Work function of a library build (:func:`core.pretrain.builder.build_library`).

    Parameters
    ----------
    config : BuildConfig
    source : dict, optional
        A user table to store first with :func:`core.pretrain.sources.save_user_source`:
        keys ``name``, ``domain``, ``property``, ``unit``, ``table`` (structure, target).
        Its path is added to ``config.user_sources``.
    """

    def work(report: Reporter):
        from dataclasses import replace

        from core.pretrain.builder import build_library
        from core.pretrain.sources import save_user_source

        cfg = config
        if source is not None:
            path = save_user_source(Path(config.out) / "sources", source["name"], source["domain"],
                                    source["property"], source["unit"], source["table"], source.get("note", ""))
            cfg = replace(config, user_sources=tuple(config.user_sources) + (str(path),))
            report.log(f"stored the source table as {path.name}")

        state = {"fraction": 0.0}

        def say(line: str) -> None:
            report.log(line)
            report.progress(state["fraction"], line)

        def advance(done: int, total: int) -> None:
            state["fraction"] = done / max(total, 1)
            report.progress(state["fraction"], f"{done} of {total} models trained")

        report.progress(0.0, "preparing the source data")
        return build_library(cfg, progress=say, cancel=report.cancelled, advance=advance)

    return work
