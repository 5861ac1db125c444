"""The shotgun screen: rank every candidate, refit the best, estimate honestly.

Stage 1 scores every library model (and the raw-descriptor ridge baselines) in closed
form (:mod:`core.transfer.stage1`).  Stage 2 refits the top models with the heavier
strategies the user picked and adds the scratch baselines and an ensemble of the best,
all under the very same folds.  The nested estimate repeats the whole select-then-fit
procedure inside each outer fold and scores the chosen candidate on rows it never saw.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from core.compute.device import device_label, resolve_device
from core.domains import Domain
from core.errors import CancelledError, InputError
from core.library import Library
from core.transfer.candidates import CROSSES, CandidatePool, featurize_target, load_pool, select_models
from core.transfer.config import MIN_ROWS, ScreenConfig, rows_needed, suggest_config  # noqa: F401 (re-exported)
from core.transfer.cv import CVScheme
from core.transfer.refit import LinearFeatureRidge
from core.transfer.ridge import DEFAULT_PENALTIES
from core.transfer.scoring import fold_maes, summarize
from core.transfer.stage1 import Scope, ScopeScores, run_stage1
from core.transfer.strategies import BASELINES, STRATEGIES, cv_predict

TRANSFER_KINDS = ("frozen", "frozen+raw", "strategy", "finetune")


@dataclass
class Target:
    """A small target: validated structures and values."""

    structures: list[str]
    y: np.ndarray
    domain: Domain
    name: str = "target"
    unit: str = ""

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


@dataclass
class ScreenResult:
    """Everything a screen produced; :mod:`core.transfer.runs` saves and reopens it."""

    config: dict
    target: dict
    ranking: pd.DataFrame
    oof: dict[str, np.ndarray]
    y: np.ndarray
    structures: list[str]
    splits: list[tuple[np.ndarray, np.ndarray]]
    nested: dict
    summary: dict
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def best(self) -> pd.Series:
        return self.ranking.iloc[0]


# ====================================================================== helpers
def _scopes(y: np.ndarray, config: ScreenConfig) -> tuple[Scope, list[tuple[np.ndarray, np.ndarray]]]:
    full = Scope("full", np.arange(len(y)), config.cv.splits(y))
    outer = []
    if config.nested:
        if config.cv.kind == "extrapolation":
            outer = config.cv.splits(y)
        else:
            k = min(config.nested_folds, len(y) // 2)
            outer = list(KFold(k, shuffle=True, random_state=config.seed + 1).split(y))
    return full, outer


def _inner_scope(o: int, train: np.ndarray, y: np.ndarray, config: ScreenConfig) -> Scope:
    try:
        splits = config.cv.splits(y[train])
    except InputError as exc:
        raise InputError(f"too few rows for the nested estimate ({len(train)} in an outer training part): {exc}. "
                         f"Switch off the nested estimate or use fewer folds") from None
    return Scope(f"outer{o}", train, splits)


def _stage1_frame(scores: ScopeScores, pool: CandidatePool) -> pd.DataFrame:
    frame = pd.DataFrame({"candidate": scores.ids, "model_id": scores.model, "kind": scores.kind,
                          "descriptor_key": scores.descriptor, "penalty": scores.penalty,
                          "cv_mae": scores.mean_mae(), "stage": 1})
    frame["strategy"] = frame["kind"].map({"frozen": "ridge", "frozen+raw": "ridge+raw", "raw": "scratch_ridge"})
    return frame


def _top_models(frame: pd.DataFrame, k: int) -> list[str]:
    transfer = frame[frame["kind"].isin(["frozen", "frozen+raw"])].sort_values("cv_mae", kind="stable")
    return list(dict.fromkeys(transfer["model_id"]))[:k]


def _strategy_estimator(name: str, pool: CandidatePool, model_id: str | None, config: ScreenConfig):
    if name in BASELINES:
        net = pool.net(model_id) if model_id else None
        return BASELINES[name].make(net=net, seed=config.seed, trees=config.rf_trees, device=config.device)
    return STRATEGIES[name].make(pool.net(model_id), layers=config.layers, seed=config.seed, trees=config.rf_trees,
                                 device=config.device)


def _stage2(pool, descriptors, y, rows, splits, top_ids, config, progress=None, cancel=None) -> list[dict]:
    """Refit the top models with the chosen strategies and add the scratch baselines."""
    jobs = [(s, m) for m in top_ids for s in config.strategies if s != "ridge"]
    keys = list(dict.fromkeys(pool.descriptor_of(m) for m in pool.catalog["id"]))
    for name in config.baselines:
        if name == "scratch_net":
            if top_ids:
                jobs.append((name, top_ids[0]))
        else:
            jobs.extend((name, f"@{key}") for key in keys)
    out = []
    for i, (name, ref) in enumerate(jobs):
        if cancel is not None and cancel():
            raise CancelledError("screen cancelled")
        model_id = None if ref.startswith("@") else ref
        key = ref[1:] if ref.startswith("@") else pool.descriptor_of(model_id)
        estimator = _strategy_estimator(name, pool, model_id, config)
        X = descriptors[key][rows]
        oof = cv_predict(estimator, X, y[rows], splits)
        is_base = name in BASELINES
        cid = f"scratch|{name.split('_', 1)[1]}|{pool.label(key)}" if is_base and name != "scratch_net" else \
            (f"scratch|net|{model_id}" if is_base else f"{model_id}|{name}")
        out.append({"candidate": cid, "model_id": model_id if not is_base or name == "scratch_net" else None,
                    "kind": "raw" if is_base else STRATEGIES[name].kind.replace("frozen", "strategy"),
                    "descriptor_key": key, "strategy": name, "penalty": np.nan,
                    "cv_mae": float(fold_maes(oof, y[rows], splits).mean()), "stage": 2, "oof": oof})
        if progress:
            progress(i + 1, len(jobs))
    return out


def _with_ensemble(rows: list[dict], y, splits, size: int) -> dict | None:
    if size < 2:
        return None
    ranked = sorted((r for r in rows if r["kind"] in TRANSFER_KINDS), key=lambda r: r["cv_mae"])
    members = []
    for r in ranked:
        if r["candidate"] not in members:
            members.append(r["candidate"])
        if len(members) == size:
            break
    if len(members) < 2:
        return None
    by_id = {r["candidate"]: r for r in rows}
    oof = np.mean([by_id[m]["oof"] for m in members], axis=0)
    return {"candidate": f"ensemble|top{len(members)}", "model_id": None, "kind": "ensemble", "descriptor_key": None,
            "strategy": "ensemble", "penalty": np.nan, "cv_mae": float(fold_maes(oof, y, splits).mean()), "stage": 2,
            "oof": oof, "members": members}


# ====================================================================== refit any candidate
def make_estimator(row: dict, pool: CandidatePool, config: ScreenConfig):
    """A fresh estimator equivalent to a ranking row (not an ensemble)."""
    kind = row["kind"]
    if row["stage"] == 1:
        net = pool.net(row["model_id"]) if row["model_id"] else None
        return LinearFeatureRidge(net, kind, config.layers, float(row["penalty"]))
    return _strategy_estimator(row["strategy"], pool, row["model_id"], config)


def fit_predict(row: dict, rows_by_id: dict, pool, descriptors, y, train, test, config) -> np.ndarray:
    """Fit a candidate (or every member of an ensemble) on ``train``, predict ``test``."""
    if row["kind"] == "ensemble":
        return np.mean([fit_predict(rows_by_id[m], rows_by_id, pool, descriptors, y, train, test, config)
                        for m in row["members"]], axis=0)
    X = descriptors[row["descriptor_key"]]
    model = make_estimator(row, pool, config).fit(X[train], y[train])
    return model.predict(X[test])


# ====================================================================== the screen
def _candidate_rows(scores: ScopeScores, pool, descriptors, y, scope: Scope, config, top: int,
                    progress=None, cancel=None) -> list[dict]:
    frame = _stage1_frame(scores, pool)
    rows = frame.to_dict("records")
    for r, oof in zip(rows, scores.oof):
        r["oof"] = oof
    rows.extend(_stage2(pool, descriptors, y, scope.rows, scope.splits, _top_models(frame, top), config,
                        progress, cancel))
    ens = _with_ensemble(rows, y[scope.rows], scope.splits, config.ensemble)
    if ens:
        rows.append(ens)
    return rows


def _nested(stage1, pool, descriptors, y, outer, config, say, cancel) -> dict:
    pred = np.full(len(y), np.nan)
    chosen = []
    for o, (train, test) in enumerate(outer):
        scope = _inner_scope(o, train, y, config)
        scores = stage1[scope.name]
        rows = _candidate_rows(scores, pool, descriptors, y, scope, config, config.nested_top, cancel=cancel)
        best = min(rows, key=lambda r: r["cv_mae"])
        by_id = {r["candidate"]: r for r in rows}
        pred[test] = fit_predict(best, by_id, pool, descriptors, y, train, test, config)
        chosen.append({"fold": o, "candidate": best["candidate"], "inner_cv_mae": best["cv_mae"],
                       "outer_mae": float(np.abs(pred[test] - y[test]).mean()), "n_train": int(len(train)),
                       "n_test": int(len(test))})
        say(f"nested estimate: outer fold {o + 1}/{len(outer)} chose {best['candidate']}")
    covered = ~np.isnan(pred)
    err = np.abs(pred[covered] - y[covered])
    fold_mae = np.array([c["outer_mae"] for c in chosen])
    return {"mae": float(err.mean()), "mae_std": float(fold_mae.std(ddof=1)) if len(fold_mae) > 1 else 0.0,
            "rmse": float(np.sqrt((err**2).mean())),
            "r2": float(1 - ((pred[covered] - y[covered]) ** 2).sum() / ((y[covered] - y[covered].mean()) ** 2).sum()),
            "folds": chosen, "predictions": pred.tolist(), "outer_splits": [(tr.tolist(), te.tolist()) for tr, te in outer]}


def screen(target: Target, libraries: list[Library], config: ScreenConfig | None = None, *,
           progress: Callable[[str, int, int], None] | None = None, cancel: Callable[[], bool] | None = None,
           log: Callable[[str], None] | None = None) -> ScreenResult:
    """Rank every candidate model on a small target; see the module docstring.

    Parameters
    ----------
    target : Target
    libraries : list of Library
    config : ScreenConfig
    progress : callable, optional
        ``progress(stage, done, total)`` with stage "featurize", "stage 1", "stage 2", "nested".
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
    y = np.asarray(target.y, dtype=float)
    full, outer = _scopes(y, config)
    frame = select_models(libraries, target.domain, search=config.search, sources=config.sources,
                          model_ids=config.model_ids, model_domains=config.model_domains,
                          cross_domain=config.cross_domain)
    pool = load_pool(libraries, frame)
    if pool.skipped:
        say(f"skipped {len(pool.skipped)} models that could not be loaded")
    tell("featurize", 0, len(pool.featurizers))
    descriptors = featurize_target(pool, target.structures)
    tell("featurize", len(pool.featurizers), len(pool.featurizers))
    times["featurize"] = time.perf_counter() - t0
    device = resolve_device(config.device)
    scopes = [full] + [_inner_scope(o, tr, y, config) for o, (tr, _) in enumerate(outer)]
    t1 = time.perf_counter()
    compute: dict = {"scheduler": config.scheduler, "workers": []}
    stage1 = _stage1(pool, descriptors, y, scopes, config, device, tell, cancel, say, compute)
    times["stage1"] = time.perf_counter() - t1
    say(f"stage 1: {pool.n_models} models x {len(scopes)} scopes in {times['stage1']:.1f} s")
    t2 = time.perf_counter()
    rows = _candidate_rows(stage1["full"], pool, descriptors, y, full, config, config.top,
                           progress=lambda d, t: tell("stage 2", d, t), cancel=cancel)
    times["stage2"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    nested = _nested(stage1, pool, descriptors, y, outer, config, say, cancel) if outer else {}
    times["nested"] = time.perf_counter() - t3
    ranking, oof = _ranking(rows, pool, y, full.splits, config)
    times["total"] = time.perf_counter() - t0
    summary = _summary(ranking, nested, pool, times, device, len(scopes))
    summary["compute"] = compute
    return ScreenResult(config=config.to_dict(), target={"name": target.name, "domain": target.domain.value,
                                                         "unit": target.unit, "n": int(len(y))},
                        ranking=ranking, oof=oof, y=y, structures=list(target.structures), splits=full.splits,
                        nested=nested, summary=summary, skipped=pool.skipped)


def _stage1(pool, descriptors, y, scopes, config, device, tell, cancel, say, compute: dict):
    """Stage 1 in process, or on the Dask cluster of ``config.scheduler`` (its workers go in ``compute``)."""
    options = dict(layers=config.layers, combos=config.combos, penalties=config.penalties, device=device,
                   progress=lambda d, t: tell("stage 1", d, t), cancel=cancel)
    if not config.scheduler:
        return run_stage1(pool, descriptors, y, scopes, **options)
    from core.compute.dask_backend import dask_client, executor, workers

    with dask_client(config.scheduler) as client:
        compute["workers"] = [w["address"] for w in workers(client)]
        say(f"stage 1 on {len(compute['workers'])} Dask workers ({config.scheduler})")
        return run_stage1(pool, descriptors, y, scopes, executor=executor(client), **options)


def _ranking(rows, pool: CandidatePool, y, splits, config) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    info = pool.catalog.set_index("id")
    records, oof = [], {}
    for r in rows:
        stats = summarize(r["oof"], y, splits)
        model = r["model_id"]
        meta = info.loc[model] if model in info.index else None
        key = r["descriptor_key"] or ""
        records.append({
            "candidate": r["candidate"], "model_id": model, "kind": r["kind"], "strategy": r["strategy"],
            "stage": r["stage"], "source": meta["source"] if meta is not None else "",
            "property": meta["property"] if meta is not None else "",
            "model_domain": meta["domain"] if meta is not None else "",
            "library": meta["library"] if meta is not None else "",
            "source_test_r2": float(meta["test_r2"]) if meta is not None else np.nan,
            "descriptor": pool.label(key) if key else "", "descriptor_key": key, "penalty": r["penalty"],
            "layers": config.layers if r["kind"] in ("frozen", "frozen+raw", "strategy") else np.nan,
            "members": ";".join(r.get("members", [])), **stats})
        oof[r["candidate"]] = r["oof"]
    frame = pd.DataFrame(records).sort_values(["cv_mae", "candidate"], kind="stable").reset_index(drop=True)
    scratch = frame[frame["kind"] == "raw"]["cv_mae"].min()
    frame["improvement_pct"] = 100.0 * (scratch - frame["cv_mae"]) / scratch
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame, oof


def _summary(ranking: pd.DataFrame, nested: dict, pool, times, device, n_scopes) -> dict:
    best = ranking.iloc[0]
    scratch = ranking[ranking["kind"] == "raw"].iloc[0]
    transfer = ranking[ranking["kind"].isin(TRANSFER_KINDS) | (ranking["kind"] == "ensemble")]
    best_transfer = transfer.iloc[0] if len(transfer) else None
    helps = best_transfer is not None and best_transfer["cv_mae"] < scratch["cv_mae"]
    if helps:
        verdict = (f"Transfer helps: {best_transfer['candidate']} ({best_transfer['property'] or 'ensemble'}) reaches "
                   f"CV MAE {best_transfer['cv_mae']:.4g} against {scratch['cv_mae']:.4g} for the best scratch model "
                   f"({best_transfer['improvement_pct']:.1f}% better).")
        if nested and nested["mae"] >= scratch["cv_mae"]:
            verdict += (f" But the nested estimate of the whole procedure ({nested['mae']:.4g}) is no better than "
                        f"scratch: the gain may be luck of picking the best of many.")
    else:
        verdict = (f"No pretrained model beat the scratch baseline on this target; use {scratch['candidate']} "
                   f"(CV MAE {scratch['cv_mae']:.4g}).")
    return {
        "verdict": verdict, "transfer_helps": bool(helps),
        "best": {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in best.to_dict().items()},
        "best_scratch": {"candidate": scratch["candidate"], "cv_mae": float(scratch["cv_mae"])},
        "best_transfer": None if best_transfer is None else {"candidate": best_transfer["candidate"],
                                                             "cv_mae": float(best_transfer["cv_mae"])},
        "naive_best_cv_mae": float(best["cv_mae"]),
        "nested_mae": nested.get("mae") if nested else None,
        "nested_explanation": ("The best of many CV scores is optimistic: the nested estimate repeats the whole "
                               "select-then-fit procedure inside each outer fold and scores it on rows it never saw."),
        "n_models": pool.n_models, "n_candidates": int(len(ranking)), "scopes": n_scopes,
        "models_per_second_stage1": round(pool.n_models * n_scopes / max(times["stage1"], 1e-9), 1),
        "timings": {k: round(v, 3) for k, v in times.items()}, "device": device_label(device),
        "crosses": {d.value: [c.value for c in CROSSES[d]] for d in CROSSES},
    }
