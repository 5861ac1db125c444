"""The shotgun screen: score every candidate, refit the best, decide honestly.

Stage 1 scores every library model, its random-weight twin and the raw-descriptor ridge
baselines exactly and in batch (:mod:`core.transfer.stage1`).  Stage 2 refits the top
models with the heavier strategies and adds the scratch baselines under the same folds
(:mod:`core.transfer.stage2`).  Two procedures, one over every candidate and one over
the scratch candidates only, are each run inside the outer folds of a nested estimate;
whether transfer helps, and which model is recommended, follows from those estimates
(:mod:`core.transfer.procedure`), never from the best of many CV scores.

Why one module of ~450 lines: it holds the screen's values (:class:`Target`,
:class:`Procedure`, :class:`ScreenResult`) beside the steps that make them and the
summary and verdict that read them; stage 1, stage 2, the procedures and the runs live in
modules of their own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from core.compute.device import device_label, resolve_device
from core.domains import Domain, structure_key
from core.errors import InputError
from core.labels import candidate_label, members_label, number
from core.library import Library
from core.transfer.candidate import Family
from core.transfer.candidates import CROSSES, add_scratch_descriptors, featurize_target, load_pool, select_models
from core.transfer.config import MIN_ROWS, ScreenConfig, rows_needed, suggest_config  # noqa: F401 (re-exported)
from core.transfer.netstore import TwinStore
from core.transfer.intervals import conformal_halfwidth
from core.transfer.procedure import (Decision, NestedEstimate, ProcedureName, decide, nested_estimates,
                                     null_estimate, select)
from core.transfer.scoring import summarize_many
from core.transfer.stage1 import Scope, run_stage1
from core.transfer.stage2 import ScreenContext, Scored, fit_predict, make_estimator, stage2  # noqa: F401

#: The screen's first progress event, before any work: ``(PLAN, n, n)`` says how many raw
#: descriptors the scratch baselines read (what the cost of stage 2 and the nested estimate
#: grows with); a progress bar weighs its stages by it and shows nothing for it.
PLAN = "plan"

#: Ranking kinds of transfer candidates (what reads a pretrained net).
TRANSFER_KINDS = ("frozen", "frozen+raw", "strategy", "finetune")


@dataclass
class Target:
    """A small target: validated structures and values.

    ``groups`` (one structure key per row) keeps copies of a structure in one fold; by
    default it is :func:`core.domains.structure_key` of each structure.
    """

    structures: list[str]
    y: np.ndarray
    domain: Domain
    name: str = "target"
    unit: str = ""
    groups: list[str] | None = None
    lines: list[int] | None = None  # line of each row in the user's file, for messages
    cifs: list[str] | None = None  # crystal structures (CIF text), for descriptors that read them

    def check(self) -> None:
        y = np.asarray(self.y, dtype=float)
        if len(y) != len(self.structures):
            raise InputError("structures and targets differ in length")
        if len(y) < MIN_ROWS:
            raise InputError(f"at least {MIN_ROWS} valid rows are needed to rank models; the data have {len(y)}")
        if not np.isfinite(y).all():
            raise InputError("the target has missing or non-finite values")
        if np.ptp(y) == 0:
            raise InputError(f"the target is constant (every value is {y[0]:g}): there is nothing to learn")

    def group_keys(self) -> np.ndarray:
        keys = self.groups if self.groups is not None else [structure_key(s, self.domain) for s in self.structures]
        return np.asarray([str(k) for k in keys], dtype=object)


@dataclass
class Procedure:
    """What a procedure delivers on all rows, and its honest estimate."""

    name: str
    members: list[str]  # candidate ids (rows of the ranking)
    nested: NestedEstimate | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "members": self.members,
                "nested": self.nested.to_dict() if self.nested else None}

    @classmethod
    def from_dict(cls, data: dict) -> "Procedure":
        nested = NestedEstimate.from_dict(data["nested"]) if data.get("nested") else None
        return cls(data["name"], list(data["members"]), nested)


@dataclass
class ScreenResult:
    """Everything a screen produced; :mod:`core.transfer.runs` saves and reopens it."""

    config: ScreenConfig
    target: dict
    ranking: pd.DataFrame
    oof: dict[str, np.ndarray]
    y: np.ndarray
    structures: list[str]
    splits: list[tuple[np.ndarray, np.ndarray]]
    procedures: dict[str, Procedure]
    decision: Decision
    summary: dict
    groups: list[str] = field(default_factory=list)
    outer_splits: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @property
    def recommended(self) -> Procedure:
        """The procedure whose model ``predict`` uses by default."""
        return self.procedures[self.summary["recommended"]["procedure"]]

    @property
    def best(self) -> pd.Series:
        """The naive best single candidate (by CV MAE)."""
        return self.ranking.iloc[0]

    def recommended_oof(self) -> np.ndarray | None:
        """Honest predictions of the recommended model: its procedure's nested predictions."""
        nested = self.recommended.nested
        return None if nested is None else nested.predictions


# ====================================================================== the screen
def screen(target: Target, libraries: list[Library], config: ScreenConfig | None = None, *,
           progress: Callable[[str, int, int], None] | None = None, cancel: Callable[[], bool] | None = None,
           log: Callable[[str], None] | None = None) -> ScreenResult:
    """Rank every candidate model on a small target and recommend one honestly.

    Parameters
    ----------
    target : Target
    libraries : list of Library
    config : ScreenConfig
    progress : callable, optional
        ``progress(stage, done, total)`` with stage "featurize", "stage 1", "stage 2", "nested";
        first of all ``(PLAN, n, n)``: the number of raw descriptors the baselines read.
    cancel : callable, optional
        Returns True to stop (raises CancelledError).
    log : callable, optional
        Receives one-line messages.
    """
    config = config or ScreenConfig()
    config.check()
    target.check()
    say = log or (lambda message: None)
    tell = progress or (lambda stage, done, total: None)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    prep = _prepare(target, libraries, config, cancel, tell, say)
    ctx, scopes, outer = prep.ctx, prep.scopes, prep.outer
    times["featurize"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    device = resolve_device(config.device)
    stage1, workers = _stage1(ctx, scopes, device, tell, say)
    times["stage1"] = time.perf_counter() - t1
    if ctx.pool.skipped:
        say(f"skipped {len(ctx.pool.skipped)} models that could not be loaded: "
            + "; ".join(list(ctx.pool.skipped.values())[:3]))
    say(f"stage 1: {ctx.pool.n_models} models (and {ctx.pool.n_models if ctx.controls else 0} random twins) x "
        f"{len(scopes)} scopes in {times['stage1']:.1f} s")

    t2 = time.perf_counter()
    scored = stage1["full"] + stage2(ctx, scopes[0], stage1["full"], config.top,
                                     progress=lambda d, t: tell("stage 2", d, t))
    times["stage2"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    estimates = None
    if outer:
        estimates = nested_estimates(ctx, stage1, scopes[1:], outer, progress=lambda d, t: tell("nested", d, t))
        for p, est in estimates.items():
            say(f"nested estimate of the {p.value} procedure: MAE {est.mae:.4g}")
    times["nested"] = time.perf_counter() - t3
    return _result(prep, scored, estimates, times, t0, device, workers)


@dataclass
class _Prepared:
    """What a screen scores: the target without unreadable rows, its descriptors in a
    context, the ranking scope and one scope per outer fold."""

    target: Target
    ctx: ScreenContext
    scopes: list[Scope]
    outer: list
    unreadable_lines: dict
    overlap: list[str]


def _prepare(target: Target, libraries: list[Library], config: ScreenConfig, cancel, tell, say) -> _Prepared:
    """Choose the models, featurize the target once per descriptor, leave out what cannot
    be read, and lay out the folds."""
    frame = select_models(libraries, target.domain, search=config.search, sources=config.sources,
                          model_ids=config.model_ids, model_domains=config.model_domains,
                          cross_domain=config.cross_domain, representations=config.representations,
                          cif=target.cifs is not None)
    frame, overlap = _training_overlap(frame, libraries, target, config, say)
    pool = load_pool(libraries, frame)
    add_scratch_descriptors(pool, target.domain)
    tell(PLAN, len(pool.raw_keys), len(pool.raw_keys))
    tell("featurize", 0, len(pool.featurizers))
    descriptors, unreadable = featurize_target(pool, target.structures, target.cifs)
    tell("featurize", len(pool.featurizers), len(pool.featurizers))
    unreadable_lines = {(target.lines[i] if target.lines else i + 1): r for i, r in unreadable.items()}
    target, descriptors = _without(target, descriptors, unreadable, say)
    y = np.asarray(target.y, dtype=float)
    groups = target.group_keys()
    full = Scope("full", np.arange(len(y)), config.cv.splits(y, groups))
    outer = config.outer_splits(y, groups)
    scopes = [full] + [_inner_scope(o, train, y, groups, config) for o, (train, _) in enumerate(outer)]
    controls = {key: TwinStore(nets, config.seed) for key, nets in pool.nets.items()} if config.controls else {}
    ctx = ScreenContext(pool, descriptors, y, config, groups, controls, cancel)
    return _Prepared(target, ctx, scopes, outer, unreadable_lines, overlap)


def _result(prep: _Prepared, scored: list[Scored], estimates, times: dict[str, float], t0: float, device,
            workers: list[str]) -> ScreenResult:
    """The two procedures, the decision, the ranking and the summary of a scored screen."""
    ctx, config, target, outer = prep.ctx, prep.ctx.config, prep.target, prep.outer
    y, full = ctx.y, prep.scopes[0]
    procedures = {p.value: Procedure(p.value, [m.candidate.id for m in select(scored, p, config.ensemble)],
                                     estimates[p] if estimates else None) for p in ProcedureName}
    decision = decide(y, estimates, null_estimate(y, outer) if outer else None)
    ranking, oof = _ranking(scored, ctx.pool, y, full.splits, config)
    times["total"] = time.perf_counter() - t0
    summary = _summary(ranking, oof, procedures, decision, y, target.unit, config, ctx.pool.n_models, times,
                       device, len(prep.scopes))
    summary["compute"] = {"scheduler": config.scheduler, "workers": workers}
    summary["unreadable"] = {str(line): reason for line, reason in prep.unreadable_lines.items()}
    summary["overlap"] = prep.overlap
    return ScreenResult(config=config, target={"name": target.name, "domain": target.domain.value,
                                               "unit": target.unit, "n": int(len(y))},
                        ranking=ranking, oof=oof, y=y, structures=list(target.structures), splits=full.splits,
                        procedures=procedures, decision=decision, summary=summary,
                        groups=[str(g) for g in ctx.groups], outer_splits=outer, skipped=ctx.pool.skipped)


def _training_overlap(frame: pd.DataFrame, libraries, target: Target, config: ScreenConfig, say):
    """Representations whose training data hold some of the target's structures: warned
    about, or left out (``config.overlap``); returns the frame and the warnings."""
    reps = frame[frame["kind"] == "representation"] if "kind" in frame else frame.iloc[:0]
    if reps.empty or target.domain is Domain.INORGANIC:
        return frame, []
    notes, drop = [], []
    for lib in libraries:
        ids = reps[reps["library"] == str(lib.path)]["id"].tolist()
        for model_id, found in lib.training_overlap(ids, target.structures, target.domain.value).items():
            if found.found:
                notes.append(found.message(len(target.structures)))
                drop.append(model_id)
    for note in dict.fromkeys(notes):
        say(note)
    if config.overlap == "exclude" and drop:
        say(f"left out {len(drop)} representations trained on some of these structures")
        frame = frame[~frame["id"].isin(drop)].reset_index(drop=True)
    return frame, list(dict.fromkeys(notes))


def _without(target: Target, descriptors: dict[str, np.ndarray], unreadable: dict[int, str], say):
    """The target and its descriptors without the rows some descriptor could not read."""
    if not unreadable:
        return target, descriptors
    keep = np.array([i not in unreadable for i in range(len(target.y))])
    lines = [target.lines[i] if target.lines else i + 1 for i in sorted(unreadable)]
    say(f"left out {len(unreadable)} structure(s) the descriptors cannot read (line "
        f"{', '.join(map(str, lines[:10]))}{' ...' if len(lines) > 10 else ''})")
    if not keep.any():
        first = next(iter(unreadable.values()))
        raise InputError(f"none of the {len(keep)} structures can be read by the models' descriptors ({first})")
    pick = lambda seq: None if seq is None else [v for v, k in zip(seq, keep) if k]  # noqa: E731
    kept = Target(pick(target.structures), np.asarray(target.y, dtype=float)[keep], target.domain, target.name,
                  target.unit, pick(target.groups), pick(target.lines), pick(target.cifs))
    kept.check()
    return kept, {key: X[keep] for key, X in descriptors.items()}


def _inner_scope(o: int, train: np.ndarray, y: np.ndarray, groups: np.ndarray, config: ScreenConfig) -> Scope:
    try:
        splits = config.cv.splits(y[train], groups[train])
    except InputError as exc:
        raise InputError(f"too few rows for the nested estimate ({len(train)} in an outer training part): {exc}. "
                         f"Switch off the nested estimate or use fewer folds") from None
    return Scope(f"outer{o}", train, splits)


def _stage1(ctx: ScreenContext, scopes, device, tell, say) -> tuple[dict[str, list[Scored]], list[str]]:
    """Stage 1 in process, or on the Dask cluster of ``config.scheduler``; the scores of
    every scope and the addresses of the workers it ran on (none in process)."""
    config = ctx.config
    options = dict(layers=config.layers, combos=config.combos, penalties=config.penalties, device=device,
                   controls=ctx.controls, control_seed=config.seed, oof_scopes=(scopes[0].name,), progress=lambda d, t: tell("stage 1", d, t),
                   cancel=ctx.cancel)
    addresses: list[str] = []
    if not config.scheduler:
        raw = run_stage1(ctx.pool, ctx.descriptors, ctx.y, scopes, **options)
    else:
        from core.compute.dask_backend import dask_client, executor, workers

        with dask_client(config.scheduler) as client:
            addresses = [w["address"] for w in workers(client)]
            say(f"stage 1 on {len(addresses)} Dask workers ({config.scheduler})")
            raw = run_stage1(ctx.pool, ctx.descriptors, ctx.y, scopes, executor=executor(client), **options)
    scores = {name: [Scored(c, f, o, p) for c, f, o, p in zip(s.candidates, s.fold_mae, s.oof, s.penalty)]
              for name, s in raw.items()}
    return scores, addresses


# ====================================================================== ranking and summary
def _ranking(scored: list[Scored], pool, y, splits, config) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Every candidate with its catalog facts and scores, best first (vectorised: a library
    of 100,000 models gives 400,000 rows)."""
    ids = [s.candidate.id for s in scored]
    if len(set(ids)) != len(ids):
        raise RuntimeError("two candidates share an id")
    frame = pd.DataFrame([s.candidate.to_dict() for s in scored])
    stats = summarize_many(np.stack([s.oof for s in scored]), y, splits)
    info = pool.catalog.reindex(columns=["id", "source", "property", "title", "unit", "domain", "library", "test_r2"])
    info = info.rename(columns={"id": "model_id", "unit": "source_unit", "domain": "model_domain",
                                "test_r2": "source_test_r2"}).drop_duplicates("model_id")
    frame = frame.merge(info, on="model_id", how="left")
    rep = frame["via"] == "representation"
    frame["property"] = frame["title"].where(rep, frame["property"])
    frame = frame.drop(columns=["title"])
    for col in ("source", "property", "source_unit", "model_domain", "library"):
        frame[col] = frame[col].fillna("").astype(str)
    frame["source_test_r2"] = pd.to_numeric(frame["source_test_r2"], errors="coerce")
    frame["penalty"] = [np.nan if s.penalty is None else s.penalty for s in scored]
    frame["layers"] = np.where(frame["model_id"].notna() & (frame["family"] != Family.SCRATCH.value),
                               config.layers, np.nan)
    for key, values in stats.items():
        frame[key] = values
    frame = frame.sort_values(["cv_mae", "candidate"], kind="stable").reset_index(drop=True)
    frame["label"] = [candidate_label(r) for r in frame.to_dict("records")]
    scratch = frame[frame["family"] == Family.SCRATCH.value]["cv_mae"].min()
    frame["improvement_pct"] = 100.0 * (scratch - frame["cv_mae"]) / scratch
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame, dict(zip(ids, (s.oof for s in scored)))


def _best(ranking: pd.DataFrame, family: Family) -> dict | None:
    rows = ranking[ranking["family"] == family.value]
    return None if rows.empty else {"candidate": rows.iloc[0]["candidate"], "label": rows.iloc[0]["label"],
                                    "cv_mae": float(rows.iloc[0]["cv_mae"])}


def _summary(ranking, oof, procedures, decision: Decision, y, unit, config, n_models, times, device,
             n_scopes) -> dict:
    chosen = ProcedureName.TRANSFER.value if decision.transfer_helps else ProcedureName.SCRATCH.value
    labels = ranking.set_index("candidate")["label"]
    proc = procedures[chosen]
    residuals = proc.nested.residuals(y) if proc.nested else member_residuals(oof, proc.members, y)
    halfwidth = conformal_halfwidth(residuals, config.level)
    best = ranking.iloc[0]
    control = _control(ranking)
    summary = {
        "transfer_helps": bool(decision.transfer_helps), "decision": decision.to_dict(),
        "recommended": {"procedure": chosen, "members": proc.members,
                        "labels": [labels[m] for m in proc.members], "label": members_label([labels[m] for m in proc.members]),
                        "nested_mae": proc.nested.mae if proc.nested else None},
        "procedures": {name: {"members": p.members, "nested_mae": p.nested.mae if p.nested else None,
                              "nested_mae_std": p.nested.mae_std if p.nested else None}
                       for name, p in procedures.items()},
        "interval": {"level": config.level, "halfwidth": halfwidth,
                     "from": "nested predictions" if proc.nested else "out-of-fold predictions of the members"},
        "best": {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in best.to_dict().items()},
        "best_scratch": _best(ranking, Family.SCRATCH), "best_transfer": _best(ranking, Family.TRANSFER),
        "best_random": _best(ranking, Family.RANDOM), "control": control,
        "naive_best_cv_mae": float(best["cv_mae"]),
        "nested_mae": proc.nested.mae if proc.nested else None,
        "nested_explanation": ("The best of many CV scores is optimistic: the nested estimate repeats the whole "
                               "select-then-fit procedure inside each outer fold and scores it on rows it never saw."),
        "n_models": n_models, "n_candidates": int(len(ranking)), "scopes": n_scopes,
        "models_per_second_stage1": round(n_models * n_scopes / max(times["stage1"], 1e-9), 1),
        "timings": {k: round(v, 3) for k, v in times.items()}, "device": device_label(device),
        "crosses": {d.value: [c.value for c in CROSSES[d]] for d in CROSSES}, "unit": unit,
    }
    summary["verdict"] = verdict(summary)
    summary["headline"] = summary["verdict"].split(":")[0]
    return summary


def member_residuals(oof: dict[str, np.ndarray], members: list[str], y: np.ndarray) -> np.ndarray:
    """Absolute residuals of the members' mean out-of-fold prediction (without a nested
    estimate; optimistic, since the members were chosen on these folds)."""
    mean = np.mean([oof[m] for m in members], axis=0)
    err = np.abs(mean - y[None, :])
    return err[np.isfinite(err)]


def _control(ranking: pd.DataFrame) -> dict | None:
    """Best pretrained against best random-weight candidate (stage 1, same shapes and inputs)."""
    stage1 = ranking[ranking["stage"] == 1]
    pre = stage1[stage1["family"] == Family.TRANSFER.value]
    rnd = stage1[stage1["family"] == Family.RANDOM.value]
    if pre.empty or rnd.empty:
        return None
    a, b = float(pre["cv_mae"].min()), float(rnd["cv_mae"].min())
    gain = 1.0 - a / b if b > 0 else 0.0
    return {"best_pretrained_cv_mae": a, "best_random_cv_mae": b, "gain": gain,
            "pretraining_matters": bool(gain >= 0.05)}


def _fmt(value: float | None, unit: str) -> str:
    return number(value, unit)  # the one format of numbers: the verdict says what the tiles say


def verdict(summary: dict) -> str:
    """The verdict's sentences, from the decision (headline first, then the reasons)."""
    unit = summary.get("unit") or ""
    d = summary["decision"]
    procs = summary["procedures"]
    t, s = procs["transfer"]["nested_mae"], procs["scratch"]["nested_mae"]
    rec = summary["recommended"]
    if not d["decided"]:
        text = ("No honest decision: the nested estimate is switched off, so transfer cannot be shown to help. "
                f"Recommended: the scratch procedure ({rec['label']}).")
    elif d["transfer_helps"]:
        text = (f"Transfer helps: the recommended model reaches a nested (honest) MAE of {_fmt(t, unit)} against "
                f"{_fmt(s, unit)} for the scratch procedure ({100 * d['gain']:.0f}% lower, p = {d['p_value']:.2g}, "
                f"better in {d['folds_won']} of {d['n_folds']} outer folds). Recommended: {rec['label']}.")
    elif d["gain"] > 0 and d.get("gain_vs_mean", 1.0) > 0 and d.get("p_value_vs_mean", 0.0) >= 0.05 \
            and d["p_value"] < 0.05:
        text = (f"Transfer did not help: its nested MAE of {_fmt(t, unit)} beats the scratch procedure's "
                f"{_fmt(s, unit)}, but not predicting the mean of the training targets by more than noise "
                f"(p = {d['p_value_vs_mean']:.2g}): there is little to learn here. Recommended: the scratch "
                f"procedure ({rec['label']}).")
    elif d["gain"] > 0:
        text = (f"Transfer did not clearly help: nested MAE {_fmt(t, unit)} against {_fmt(s, unit)} for scratch "
                f"({100 * d['gain']:.0f}% lower, but fold-to-fold noise explains it: p = {d['p_value']:.2g}, "
                f"better in {d['folds_won']} of {d['n_folds']} outer folds). Recommended: the scratch procedure "
                f"({rec['label']}).")
    else:
        text = (f"Transfer did not help: nested MAE {_fmt(t, unit)} against {_fmt(s, unit)} for the scratch "
                f"procedure. Recommended: the scratch procedure ({rec['label']}).")
    control = summary.get("control")
    if control:
        if control["pretraining_matters"]:
            text += (f" Pretraining mattered in cross-validation: the best pretrained net scores CV MAE "
                     f"{_fmt(control['best_pretrained_cv_mae'], unit)} against "
                     f"{_fmt(control['best_random_cv_mae'], unit)} for random-weight nets of the same shapes "
                     f"(both best-of-many CV scores, so compare them with each other only).")
        else:
            text += (f" Pretraining did not matter here: random-weight nets of the same shapes and inputs reach CV "
                     f"MAE {_fmt(control['best_random_cv_mae'], unit)} against "
                     f"{_fmt(control['best_pretrained_cv_mae'], unit)} for the pretrained ones, so any gain comes "
                     f"from choosing among many feature sets.")
    return text
